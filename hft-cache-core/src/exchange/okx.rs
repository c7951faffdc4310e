//! OKX v5-style signing: a base64 HMAC-SHA256 over `timestamp + method + requestPath + body`.

use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::signer::{
    api_key_header, header_text, InvalidApiKey, RequestSigner, SignRequest, Signer,
};

/// OKX v5's scheme: `OK-ACCESS-SIGN` is the base64 HMAC-SHA256 of
/// `timestamp + METHOD + requestPath + body`, where the timestamp is ISO 8601 UTC with
/// milliseconds (`2020-12-08T09:08:57.715Z`, also sent in `OK-ACCESS-TIMESTAMP`), the request
/// path includes the query string (`/api/v5/account/balance?ccy=BTC`), and the body is empty
/// for a `GET`. `OK-ACCESS-KEY` and `OK-ACCESS-PASSPHRASE` carry the credentials.
///
/// ```
/// use hft_cache::exchange::okx::OkxSigner;
/// use hft_cache::exchange::{RequestSigner, SignRequest, Signer};
/// use hft_cache::fetch::Method;
///
/// // OKX's documented example: GET /api/v5/account/balance?ccy=BTC at 2020-12-08T09:08:57.715Z.
/// let signer = OkxSigner::new("key", "22582BD0CFF14C41EDBF1AB98506286D", "passphrase")?;
/// let mut request = SignRequest::new(Method::GET, "/api/v5/account/balance", "ccy=BTC", "", 1607418537715, 5000);
/// signer.sign(&mut request);
/// assert_eq!(request.headers["ok-access-timestamp"], "2020-12-08T09:08:57.715Z");
/// let prehash = "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC";
/// let expected = Signer::new("22582BD0CFF14C41EDBF1AB98506286D").sign_base64(prehash);
/// assert_eq!(request.headers["ok-access-sign"], expected.as_str());
/// # Ok::<(), hft_cache::exchange::InvalidApiKey>(())
/// ```
#[derive(Clone)]
pub struct OkxSigner {
    /// Marked sensitive.
    api_key: HeaderValue,
    /// Marked sensitive.
    passphrase: HeaderValue,
    signer: Signer,
}

static KEY: HeaderName = HeaderName::from_static("ok-access-key");
static SIGN: HeaderName = HeaderName::from_static("ok-access-sign");
static TIMESTAMP: HeaderName = HeaderName::from_static("ok-access-timestamp");
static PASSPHRASE: HeaderName = HeaderName::from_static("ok-access-passphrase");

impl OkxSigner {
    /// A signer for `api_key`, `secret` and the key's `passphrase`.
    ///
    /// # Errors
    ///
    /// [`InvalidApiKey`] for an empty key or passphrase, or one an HTTP header cannot carry.
    pub fn new(
        api_key: &str,
        secret: impl Into<SecretString>,
        passphrase: impl Into<SecretString>,
    ) -> Result<Self, InvalidApiKey> {
        let passphrase: SecretString = passphrase.into();
        Ok(OkxSigner {
            api_key: api_key_header(api_key)?,
            passphrase: api_key_header(passphrase.expose_secret())?,
            signer: Signer::new(secret),
        })
    }
}

impl RequestSigner for OkxSigner {
    fn sign(&self, request: &mut SignRequest) {
        let timestamp = iso8601_ms(request.timestamp_ms);
        let mut prehash = format!("{timestamp}{}{}", request.method.as_str(), request.path);
        if !request.query.is_empty() {
            prehash.push('?');
            prehash.push_str(&request.query);
        }
        prehash.push_str(&request.body);
        let signature = self.signer.sign_base64(&prehash);
        let headers = &mut request.headers;
        headers.insert(KEY.clone(), self.api_key.clone());
        headers.insert(PASSPHRASE.clone(), self.passphrase.clone());
        headers.insert(TIMESTAMP.clone(), header_text(&timestamp));
        headers.insert(SIGN.clone(), header_text(&signature));
    }
}

impl std::fmt::Debug for OkxSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OkxSigner { api_key: [REDACTED], secret: [REDACTED], passphrase: [REDACTED] }")
    }
}

/// `2020-12-08T09:08:57.715Z` from milliseconds since the Unix epoch (proleptic Gregorian,
/// Howard Hinnant's `civil_from_days`).
fn iso8601_ms(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(86_400_000);
    let ms_of_day = unix_ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1_000 % 60,
        ms_of_day % 1_000
    )
}

crate::class::declare_class!(Plain for OkxSigner);

#[cfg(test)]
mod tests {
    use super::iso8601_ms;

    #[test]
    fn iso_timestamps() {
        assert_eq!(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_ms(1_607_418_537_715), "2020-12-08T09:08:57.715Z");
        assert_eq!(iso8601_ms(951_782_400_001), "2000-02-29T00:00:00.001Z");
        assert_eq!(iso8601_ms(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }
}
