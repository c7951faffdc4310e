//! Binance's SIGNED endpoint security: API key, timestamp within `recvWindow`, and an
//! HMAC-SHA256 signature over `totalParams` (the query string followed by the form body).

use std::collections::BTreeMap;

use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::api_error::ApiError;
use super::state::{AppState, Shared};
use super::wire;

/// Binance's default and largest receive windows, in milliseconds.
const DEFAULT_RECV_WINDOW_MS: u64 = 5_000;
const MAX_RECV_WINDOW_MS: u64 = 60_000;
/// A timestamp may run this far ahead of the server's clock.
const MAX_AHEAD_MS: u64 = 1_000;
/// Signed request bodies are small forms.
const MAX_BODY: usize = 64 * 1024;

/// The parameters of a request that passed the checks (query and body merged, signature
/// removed).
#[derive(Debug)]
pub(crate) struct Signed(pub(crate) BTreeMap<String, String>);

impl FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        read_signed(request, &state.credentials()).await.map(Signed)
    }
}

/// What a signed request is checked against: one venue's API key and secret.
pub(crate) struct Credentials<'a> {
    pub(crate) api_key: &'a str,
    pub(crate) secret: &'a SecretString,
}

impl Shared {
    fn credentials(&self) -> Credentials<'_> {
        Credentials {
            api_key: &self.api_key,
            secret: &self.secret,
        }
    }
}

/// Reads a signed request's body (bounded) and checks it against `credentials`; the
/// parameters (query and body merged, signature removed) if it passes. Shared by every
/// Binance-style venue of the mock (spot, USD-M futures).
pub(crate) async fn read_signed(
    request: Request,
    credentials: &Credentials<'_>,
) -> Result<BTreeMap<String, String>, ApiError> {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            -1104,
            "Request body could not be read.",
        )
    })?;
    verify(
        credentials,
        &parts.headers,
        parts.uri.query().unwrap_or(""),
        &body,
    )
}

fn verify(
    credentials: &Credentials<'_>,
    headers: &HeaderMap,
    query: &str,
    body: &[u8],
) -> Result<BTreeMap<String, String>, ApiError> {
    check_api_key(credentials.api_key, headers)?;

    // A parameter sent in both the query string and the body takes the query's value, as
    // Binance documents; within one of them, a parameter may appear once.
    let mut params = BTreeMap::new();
    let mut from_query = std::collections::BTreeSet::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        from_query.insert(name.clone().into_owned());
        if params
            .insert(name.into_owned(), value.into_owned())
            .is_some()
        {
            return Err(ApiError::duplicate_param());
        }
    }
    let mut from_body = std::collections::BTreeSet::new();
    for (name, value) in form_urlencoded::parse(body) {
        if !from_body.insert(name.clone().into_owned()) {
            return Err(ApiError::duplicate_param());
        }
        if !from_query.contains(name.as_ref()) {
            params.insert(name.into_owned(), value.into_owned());
        }
    }
    let signature = params
        .remove("signature")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing_param("signature"))?;

    check_timestamp(&params)?;

    // totalParams is the raw query string followed by the raw body, as sent, without the
    // signature parameter itself.
    let body = std::str::from_utf8(body).map_err(|_| ApiError::illegal_param("body"))?;
    let total = format!("{}{}", without_signature(query), without_signature(body));
    let expected = hex::decode(&signature).ok();
    let mut mac = Hmac::<Sha256>::new_from_slice(credentials.secret.expose_secret().as_bytes())
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, -1000, "bad secret"))?;
    mac.update(total.as_bytes());
    match expected {
        Some(bytes) if mac.verify_slice(&bytes).is_ok() => Ok(params),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1022,
            "Signature for this request is not valid.",
        )),
    }
}

fn check_api_key(api_key: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    let key = headers
        .get("X-MBX-APIKEY")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, -2014, "API-key format invalid."))?;
    if key != api_key {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
        ));
    }
    Ok(())
}

/// Timestamps above this are in microseconds (a millisecond timestamp reaches it in 5138).
const MICROS_FROM: u64 = 100_000_000_000_000;

fn check_timestamp(params: &BTreeMap<String, String>) -> Result<(), ApiError> {
    let raw: u64 = params
        .get("timestamp")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::missing_param("timestamp"))?
        .parse()
        .map_err(|_| ApiError::illegal_param("timestamp"))?;
    // Everything in microseconds: a timestamp may come in either unit, and recvWindow may
    // have three decimals.
    let timestamp_us = if raw >= MICROS_FROM {
        raw
    } else {
        raw.saturating_mul(1000)
    };
    let recv_window_us = match params.get("recvWindow") {
        None => DEFAULT_RECV_WINDOW_MS * 1000,
        Some(raw) => recv_window_us(raw)?,
    };
    if recv_window_us > MAX_RECV_WINDOW_MS * 1000 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1131,
            "recvWindow must be less than 60000",
        ));
    }
    let server_us = wire::now_us();
    if timestamp_us >= server_us + MAX_AHEAD_MS * 1000 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        ));
    }
    if server_us.saturating_sub(timestamp_us) > recv_window_us {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        ));
    }
    Ok(())
}

/// `recvWindow` in microseconds: milliseconds with at most three decimals (`6000.346`).
fn recv_window_us(raw: &str) -> Result<u64, ApiError> {
    let illegal = || ApiError::illegal_param("recvWindow");
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(illegal());
    }
    if fraction.len() > 3 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1111,
            "Parameter 'recvWindow' has too much precision.",
        ));
    }
    let ms: u64 = whole.parse().map_err(|_| illegal())?;
    let micros: u64 = format!("{fraction:0<3}").parse().map_err(|_| illegal())?;
    Ok(ms.saturating_mul(1000).saturating_add(micros))
}

/// `raw` without its `signature=...` pair, the other pairs untouched and in order.
fn without_signature(raw: &str) -> String {
    raw.split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("signature="))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::{recv_window_us, without_signature};

    #[test]
    fn recv_window_takes_up_to_three_decimals() {
        assert_eq!(recv_window_us("5000").unwrap(), 5_000_000);
        assert_eq!(recv_window_us("6000.346").unwrap(), 6_000_346);
        assert_eq!(recv_window_us("6000.3").unwrap(), 6_000_300);
        assert_eq!(recv_window_us("1.0001").unwrap_err().code, -1111);
        for bad in ["", ".5", "5e3", "-1", "1.2.3"] {
            assert_eq!(recv_window_us(bad).unwrap_err().code, -1100, "{bad}");
        }
    }

    #[test]
    fn signature_is_cut_out_wherever_it_is() {
        assert_eq!(without_signature("a=1&signature=ff&b=2"), "a=1&b=2");
        assert_eq!(without_signature("signature=ff"), "");
        assert_eq!(without_signature(""), "");
    }
}
