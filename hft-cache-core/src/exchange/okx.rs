//! OKX v5: answers in a `{"code":"0","msg":"","data":[..]}` envelope with per-order
//! `sCode`/`sMsg`, errors in HTTP 200, base64 HMAC-SHA256 header signing with a passphrase,
//! JSON bodies; and the kill switch's sweep over `orders-pending` and `cancel-order`.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::error::ExchangeErrorKind;
use super::signer::{
    api_key_header, header_text, InvalidApiKey, RequestSigner, SignRequest, Signer,
};
use super::venue::{
    BodyEncoding, OrderFields, OrderVenue, PaperFill, ServerTime, Venue, VenueBalance, VenueCall,
    VenueOrder,
};
use crate::fetch::{ApiError, Envelope, Enveloped, RawValue};

mod order;

pub use order::{OrderResult, OrderResults, PendingOrder, PendingOrders};

/// OKX v5's REST conventions, for `SignedClient<Okx>`. An OKX API key comes with a
/// passphrase, which the venue holds (as a secret, never printed) for its signer.
///
/// Orders are `POST /api/v5/trade/order`, `/batch-orders`, `/amend-order`,
/// `/amend-batch-orders`, `/order-algo` and `/amend-algos` (an amend can raise exposure);
/// `POST /api/v5/trade/cancel-order`, `/cancel-batch-orders` and `/cancel-algos` stay allowed
/// while halted. Answers are opened by [`OkxEnvelope`]: a `code` other than `"0"`, or an order
/// whose `sCode` is not `"0"`, is the venue's error, whatever the HTTP status.
///
/// ```
/// use hft_cache::exchange::okx::Okx;
/// use hft_cache::exchange::Venue;
/// use hft_cache::fetch::Method;
///
/// let okx = Okx::new("passphrase");
/// assert!(okx.places_order(&Method::POST, "/api/v5/trade/order"));
/// assert!(okx.places_order(&Method::POST, "/api/v5/trade/batch-orders"));
/// assert!(!okx.places_order(&Method::POST, "/api/v5/trade/cancel-order"));
/// assert_eq!(okx.time_path(), "/api/v5/public/time");
/// ```
#[derive(Debug, Clone)]
pub struct Okx {
    passphrase: SecretString,
}

impl Okx {
    /// The venue for API keys created with `passphrase`.
    pub fn new(passphrase: impl Into<SecretString>) -> Self {
        Okx {
            passphrase: passphrase.into(),
        }
    }
}

/// OKX v5's envelope: `{"code":"0","msg":"","data":[..]}`.
///
/// - `code` is a string (`"0"` for success; a number is accepted too); `msg` and `data` may be
///   absent (OKX's authentication errors, `{"msg":"Invalid Sign","code":"50113"}`, carry no
///   `data`).
/// - Order endpoints answer one entry per order in `data`, each with its own `sCode` and
///   `sMsg`: a single order that failed comes back as `{"code":"1","msg":"..","data":[{"sCode":
///   "51008","sMsg":"Order failed. Insufficient balance",..}]}` in an HTTP 200, and is opened as
///   the venue's error with the order's code (51008), not the envelope's generic `1`. When
///   every entry failed, the first entry's code is the error; a batch that partly succeeded
///   (`code` `"2"`) is opened as a success: read each entry's `sCode` (as [`OrderResult`]
///   does), since some of its orders are live.
/// - A code that is not a number (never seen from OKX) is the error
///   [`NON_NUMERIC_CODE`](Self::NON_NUMERIC_CODE), with the venue's text kept in the message.
///
/// ```
/// use hft_cache::exchange::okx::OkxEnvelope;
/// use hft_cache::fetch::Envelope;
///
/// let open = |body: &str| serde_json::from_str::<OkxEnvelope>(body).unwrap().open();
/// let ok = open(r#"{"code":"0","msg":"","data":[{"ts":"1597026383085"}]}"#).unwrap();
/// assert_eq!(ok.get(), r#"[{"ts":"1597026383085"}]"#);
/// let auth = open(r#"{"msg":"Invalid Sign","code":"50113"}"#).unwrap_err();
/// assert_eq!((auth.code, auth.msg.as_str()), (50113, "Invalid Sign"));
/// let rejected = open(r#"{"code":"1","msg":"Operation failed.","data":[{"clOrdId":"","ordId":"","sCode":"51008","sMsg":"Order failed. Insufficient balance","tag":"","ts":"1695190491421"}]}"#).unwrap_err();
/// assert_eq!(rejected.code, 51008);
/// ```
#[derive(Debug, Deserialize)]
pub struct OkxEnvelope {
    /// `"0"` for success, else the error code.
    #[serde(deserialize_with = "code_text")]
    pub code: String,
    /// What went wrong (empty on success).
    #[serde(default)]
    pub msg: String,
    /// The payload: a list (absent on some errors).
    #[serde(default)]
    pub data: Option<Box<RawValue>>,
}

impl OkxEnvelope {
    /// The error code of an envelope whose code is not a number.
    pub const NON_NUMERIC_CODE: i64 = -1;
}

/// One entry of `data` as far as the envelope reads it: the per-order result.
#[derive(Deserialize)]
struct EntryCode {
    #[serde(rename = "sCode", default, deserialize_with = "optional_code_text")]
    s_code: Option<String>,
    #[serde(rename = "sMsg", default)]
    s_msg: String,
}

/// A code sent as a string (OKX's way) or as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum CodeText {
    Text(String),
    Number(i64),
}

impl From<CodeText> for String {
    fn from(code: CodeText) -> String {
        match code {
            CodeText::Text(text) => text,
            CodeText::Number(n) => n.to_string(),
        }
    }
}

fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    CodeText::deserialize(d).map(String::from)
}

fn optional_code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<CodeText>::deserialize(d).map(|code| code.map(String::from))
}

fn api_error(code: &str, msg: String) -> ApiError {
    match code.parse::<i64>() {
        Ok(code) => ApiError { code, msg },
        Err(_) => ApiError {
            code: OkxEnvelope::NON_NUMERIC_CODE,
            msg: format!("code {code:?}: {msg}"),
        },
    }
}

impl OkxEnvelope {
    /// The entries' per-order codes, where `data` is a list of objects that carry them.
    fn entry_codes(&self) -> Vec<EntryCode> {
        match &self.data {
            // Only order endpoints' answers name `sCode`; others are not parsed again.
            Some(data) if data.get().contains("\"sCode\"") => {
                serde_json::from_str(data.get()).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }
}

impl Envelope for OkxEnvelope {
    fn open(self) -> Result<Box<RawValue>, ApiError> {
        let entries = self.entry_codes();
        let failed = |e: &&EntryCode| e.s_code.as_deref().is_some_and(|c| c != "0");
        let first_failure = entries.iter().find(failed);
        let all_failed = !entries.is_empty() && entries.iter().all(|e| failed(&e));
        match (self.code.as_str(), first_failure) {
            // A batch that partly succeeded: some orders are live, the caller reads each.
            ("2", _) => Ok(self.data.unwrap_or_else(empty_list)),
            ("0", Some(failure)) if all_failed => Err(api_error(
                failure.s_code.as_deref().unwrap_or_default(),
                failure.s_msg.clone(),
            )),
            ("0", _) => Ok(self.data.unwrap_or_else(empty_list)),
            (_, Some(failure)) => Err(api_error(
                failure.s_code.as_deref().unwrap_or_default(),
                failure.s_msg.clone(),
            )),
            (code, None) => Err(api_error(code, self.msg)),
        }
    }
}

fn empty_list() -> Box<RawValue> {
    // "[]" is valid JSON; the fallback (`null`) is never taken.
    RawValue::from_string("[]".to_owned()).unwrap_or_default()
}

/// `GET /api/v5/public/time`'s data: `[{"ts":"1597026383085"}]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct OkxTime {
    /// The entries (one).
    pub entries: Vec<OkxTs>,
}

/// One entry of [`OkxTime`].
#[derive(Debug, Clone, Deserialize)]
pub struct OkxTs {
    /// Milliseconds since the Unix epoch, as text.
    pub ts: String,
}

impl ServerTime for OkxTime {
    /// The first entry's `ts`. A missing or unreadable one is `i64::MIN` (never 0, which would
    /// read as a plausible-looking epoch), so that `sync_time`'s bound refuses it.
    fn unix_ms(&self) -> i64 {
        self.entries
            .first()
            .and_then(|t| t.ts.parse().ok())
            .unwrap_or(i64::MIN)
    }
}

/// Order endpoints that place or enlarge orders.
const ORDER_PATHS: [&str; 6] = [
    "/api/v5/trade/order",
    "/api/v5/trade/batch-orders",
    "/api/v5/trade/amend-order",
    "/api/v5/trade/amend-batch-orders",
    "/api/v5/trade/order-algo",
    "/api/v5/trade/amend-algos",
];

impl Venue for Okx {
    type Format = Enveloped<OkxEnvelope>;
    type ServerTime = OkxTime;

    fn name(&self) -> &'static str {
        "okx"
    }

    fn time_path(&self) -> &str {
        "/api/v5/public/time"
    }

    fn body_encoding(&self) -> BodyEncoding {
        BodyEncoding::Json
    }

    fn places_order(&self, method: &Method, path: &str) -> bool {
        *method == Method::POST && ORDER_PATHS.contains(&path)
    }

    /// OKX v5's codes (docs-v5 "Error Code", REST): 50004 (endpoint timeout), 50026 (system
    /// error) and any HTTP 5xx on an order placement leave the order's fate unknown;
    /// 50100-50111, 50114 and 50120 are the key (50112 and 50102 its timestamp, 50113 its
    /// signature); 50011 and 50061 rate limits; 51008, 51119 and 51131 insufficient balance
    /// and other refusals of the order; 51400-51402 and 51603 an order that is not open;
    /// 50014, 51000 and 51001 bad parameters; 50001 and 50013 an unavailable venue.
    fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind {
        match (code, status) {
            (Some(50004 | 50026), _) | (_, 500..=599) if placing_order => {
                ExchangeErrorKind::ExecutionUnknown
            }
            (Some(50113), _) => ExchangeErrorKind::InvalidSignature,
            (Some(50102 | 50112), _) => ExchangeErrorKind::TimestampOutsideRecvWindow,
            (Some(50100 | 50101 | 50103..=50111 | 50114 | 50120), _) | (_, 401) => {
                ExchangeErrorKind::Unauthorized
            }
            (Some(50011 | 50061), _) | (_, 429) => ExchangeErrorKind::RateLimited,
            (Some(51006 | 51008 | 51009 | 51119 | 51131), _) => ExchangeErrorKind::OrderRejected,
            (Some(51400..=51402 | 51603), _) => ExchangeErrorKind::UnknownOrder,
            (Some(50014 | 51000 | 51001 | 51020 | 51121), _) => ExchangeErrorKind::InvalidParameter,
            (Some(50001 | 50004 | 50013 | 50026), _) | (_, 500..=599) => {
                ExchangeErrorKind::Unavailable
            }
            _ => ExchangeErrorKind::Other,
        }
    }

    fn signer(
        &self,
        api_key: &str,
        secret: SecretString,
    ) -> Result<Box<dyn RequestSigner>, InvalidApiKey> {
        Ok(Box::new(OkxSigner::new(
            api_key,
            secret,
            self.passphrase.clone(),
        )?))
    }

    /// `instId`, `side`, `ordType` (which also says IOC, FOK or post-only: OKX has no time in
    /// force), `px`, `sz`, `clOrdId` (at most 32 characters) on `POST /api/v5/trade/order`.
    /// Its answer is a list, so the journal records no order id from it.
    fn order_fields(&self, path: &str) -> Option<OrderFields> {
        (path == "/api/v5/trade/order").then_some(
            OrderFields::new("instId", "side", "ordType", "", "px", "sz", "clOrdId")
                .client_order_id_max_len(32)
                // In the one entry of `data`.
                .answer("ordId", "", ""),
        )
    }

    /// `POST /api/v5/trade/order`'s data, `[{"ordId","clOrdId","tag","ts","sCode","sMsg"}]`;
    /// `ordId` `"0"`: the order exists nowhere.
    fn paper_answer(&self, fill: &PaperFill<'_>) -> Option<serde_json::Value> {
        Some(serde_json::json!([{
            "ordId": "0",
            "clOrdId": fill.client_order_id.unwrap_or_default(),
            "tag": "",
            "ts": fill.at_unix_ms.to_string(),
            "sCode": "0",
            "sMsg": "",
        }]))
    }
}

/// OKX v5's sweep, spot: `GET /api/v5/trade/orders-pending` (100 a page, paged with `after`,
/// the last order id), `POST /api/v5/trade/cancel-order` one order at a time (OKX has no
/// cancel-all per instrument; `cancel-batch-orders` needs the ids, which the sweep cancels one
/// by one), and `GET /api/v5/trade/order` for an order's final state.
impl OrderVenue for Okx {
    type OpenOrders = PendingOrders;
    type CancelAll = OrderResults;
    type Cancelled = OrderResults;
    type OrderStatus = PendingOrders;

    fn open_orders(&self, symbol: Option<&str>, cursor: Option<&str>) -> VenueCall {
        let mut call = VenueCall::new(Method::GET, "/api/v5/trade/orders-pending")
            .param("instType", "SPOT")
            .param("limit", order::PAGE.to_string());
        if let Some(symbol) = symbol {
            call = call.param("instId", symbol);
        }
        if let Some(cursor) = cursor {
            call = call.param("after", cursor);
        }
        call
    }

    fn cancel_all(&self, _symbol: &str) -> Option<VenueCall> {
        None
    }

    fn cancel(&self, order: &VenueOrder) -> VenueCall {
        VenueCall::new(Method::POST, "/api/v5/trade/cancel-order")
            .param("instId", order.symbol.as_str())
            .param("ordId", order.order_id.as_str())
    }

    fn order_status(&self, order: &VenueOrder) -> Option<VenueCall> {
        let call = VenueCall::new(Method::GET, "/api/v5/trade/order")
            .param("instId", order.symbol.as_str());
        Some(match (&order.client_order_id, order.order_id.is_empty()) {
            (Some(client_id), true) => call.param("clOrdId", client_id.as_str()),
            _ => call.param("ordId", order.order_id.as_str()),
        })
    }

    fn balances(&self) -> Option<VenueCall> {
        Some(VenueCall::new(Method::GET, "/api/v5/account/balance"))
    }

    /// Each currency of the trading account: `availBal` free, `frozenBal` locked.
    fn read_balances(
        &self,
        answer: &serde_json::Value,
    ) -> Result<Vec<VenueBalance>, serde_json::Error> {
        #[derive(Deserialize)]
        struct Account {
            details: Vec<Detail>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Detail {
            ccy: String,
            #[serde(default, deserialize_with = "order::lenient_decimal")]
            avail_bal: rust_decimal::Decimal,
            #[serde(default, deserialize_with = "order::lenient_decimal")]
            frozen_bal: rust_decimal::Decimal,
        }
        let accounts = Vec::<Account>::deserialize(answer)?;
        Ok(accounts
            .into_iter()
            .flat_map(|a| a.details)
            .map(|d| VenueBalance::new(d.ccy, d.avail_bal, d.frozen_bal))
            .collect())
    }

    /// From the instrument id itself: OKX spells a spot pair `BASE-QUOTE`.
    fn read_symbol_assets(
        &self,
        symbol: &str,
        _answer: Option<&serde_json::Value>,
    ) -> Option<(String, String)> {
        let (base, quote) = symbol.split_once('-')?;
        (!base.is_empty() && !quote.is_empty() && !quote.contains('-'))
            .then(|| (base.to_owned(), quote.to_owned()))
    }
}

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

crate::class::declare_class!(Plain for Okx);
crate::class::declare_class!(Plain for OkxEnvelope);
crate::class::declare_class!(Plain for OkxTime);
crate::class::declare_class!(Plain for OkxTs);
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
