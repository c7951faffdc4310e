//! Binance's SIGNED endpoint security: API key, timestamp within `recvWindow`, and an
//! HMAC-SHA256 signature over `totalParams` (the query string followed by the form body).

use std::collections::BTreeMap;

use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
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
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, MAX_BODY).await.map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                -1104,
                "Request body could not be read.",
            )
        })?;
        verify(
            state,
            &parts.headers,
            parts.uri.query().unwrap_or(""),
            &body,
        )
        .map(Signed)
    }
}

fn verify(
    state: &Shared,
    headers: &HeaderMap,
    query: &str,
    body: &[u8],
) -> Result<BTreeMap<String, String>, ApiError> {
    check_api_key(state, headers)?;

    let mut params = BTreeMap::new();
    for (name, value) in
        form_urlencoded::parse(query.as_bytes()).chain(form_urlencoded::parse(body))
    {
        if params
            .insert(name.into_owned(), value.into_owned())
            .is_some()
        {
            return Err(ApiError::duplicate_param());
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
    let mut mac = Hmac::<Sha256>::new_from_slice(state.secret.expose_secret().as_bytes())
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

fn check_api_key(state: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let key = headers
        .get("X-MBX-APIKEY")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, -2014, "API-key format invalid."))?;
    if key != state.api_key {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
        ));
    }
    Ok(())
}

fn check_timestamp(params: &BTreeMap<String, String>) -> Result<(), ApiError> {
    let timestamp: u64 = params
        .get("timestamp")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::missing_param("timestamp"))?
        .parse()
        .map_err(|_| ApiError::illegal_param("timestamp"))?;
    let recv_window = match params.get("recvWindow") {
        None => DEFAULT_RECV_WINDOW_MS,
        Some(raw) => raw
            .parse::<u64>()
            .map_err(|_| ApiError::illegal_param("recvWindow"))?,
    };
    if recv_window > MAX_RECV_WINDOW_MS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1131,
            "recvWindow must be less than 60000",
        ));
    }
    let server_time = wire::now_ms();
    if timestamp >= server_time + MAX_AHEAD_MS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        ));
    }
    if server_time.saturating_sub(timestamp) > recv_window {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        ));
    }
    Ok(())
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
    use super::without_signature;

    #[test]
    fn signature_is_cut_out_wherever_it_is() {
        assert_eq!(without_signature("a=1&signature=ff&b=2"), "a=1&b=2");
        assert_eq!(without_signature("signature=ff"), "");
        assert_eq!(without_signature(""), "");
    }
}
