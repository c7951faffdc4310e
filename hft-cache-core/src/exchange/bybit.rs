//! Bybit v5: header HMAC signing, answers in a `{"retCode","retMsg","result"}` envelope with
//! errors in HTTP 200, JSON bodies.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use rust_decimal::Decimal;
use secrecy::SecretString;
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

mod instruments;
mod order;
mod pre_trade;

pub use instruments::{Instrument, InstrumentsInfo, LotSizeFilter, PriceFilter};
pub use order::{CancelAllResult, OrderIds, RealtimeOrder, RealtimeOrders};

/// Bybit v5's REST conventions, for `SignedClient<Bybit>`.
///
/// Orders are `POST /v5/order/create`, `/create-batch`, `/amend` and `/amend-batch` (an amend
/// can raise exposure); `POST /v5/order/cancel` and `/cancel-all` stay allowed while halted.
///
/// ```
/// use hft_cache::exchange::bybit::Bybit;
/// use hft_cache::exchange::Venue;
/// use hft_cache::fetch::Method;
///
/// assert!(Bybit.places_order(&Method::POST, "/v5/order/create"));
/// assert!(!Bybit.places_order(&Method::POST, "/v5/order/cancel"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Bybit;

/// Bybit v5's envelope: `{"retCode":0,"retMsg":"OK","result":{..},"retExtInfo":{},"time":..}`.
/// A non-zero `retCode` is the venue's error, whatever the HTTP status.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BybitEnvelope {
    /// 0 for success, else the error code.
    pub ret_code: i64,
    /// `"OK"`, or what went wrong.
    pub ret_msg: String,
    /// The payload (`{}` on errors).
    pub result: Box<RawValue>,
}

impl Envelope for BybitEnvelope {
    fn open(self) -> Result<Box<RawValue>, ApiError> {
        match self.ret_code {
            0 => Ok(self.result),
            code => Err(ApiError {
                code,
                msg: self.ret_msg,
            }),
        }
    }
}

/// `GET /v5/market/time`'s result: `{"timeSecond":"1688639403","timeNano":"1688639403423213947"}`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BybitTime {
    /// Seconds since the Unix epoch.
    pub time_second: Decimal,
    /// Nanoseconds since the Unix epoch.
    pub time_nano: Decimal,
}

impl ServerTime for BybitTime {
    /// `timeNano` in milliseconds. A value past `i64` saturates (never 0, which would read as
    /// a plausible-looking epoch), so that `sync_time`'s bound refuses it.
    fn unix_ms(&self) -> i64 {
        // Dividing by a non-zero constant cannot overflow a Decimal.
        let ms = (self.time_nano / Decimal::from(1_000_000)).trunc();
        ms.try_into().unwrap_or(if ms.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
    }
}

/// Order endpoints that place or enlarge orders.
const ORDER_PATHS: [&str; 4] = [
    "/v5/order/create",
    "/v5/order/create-batch",
    "/v5/order/amend",
    "/v5/order/amend-batch",
];

impl Venue for Bybit {
    type Format = Enveloped<BybitEnvelope>;
    type ServerTime = BybitTime;

    fn name(&self) -> &'static str {
        "bybit"
    }

    fn time_path(&self) -> &str {
        "/v5/market/time"
    }

    fn body_encoding(&self) -> BodyEncoding {
        BodyEncoding::Json
    }

    fn places_order(&self, method: &Method, path: &str) -> bool {
        *method == Method::POST && ORDER_PATHS.contains(&path)
    }

    /// Bybit v5's codes (docs/v5/error): 10000 (server timeout) and, on an order placement,
    /// 10016 or any HTTP 5xx mean the order's fate is unknown.
    fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind {
        match (code, status) {
            (Some(10000 | 10016), _) | (_, 500..=599) if placing_order => {
                ExchangeErrorKind::ExecutionUnknown
            }
            (Some(10003 | 10005 | 10007 | 10010 | 33004), _) | (_, 401) => {
                ExchangeErrorKind::Unauthorized
            }
            (Some(10004), _) => ExchangeErrorKind::InvalidSignature,
            (Some(10002), _) => ExchangeErrorKind::TimestampOutsideRecvWindow,
            (Some(10006 | 10018 | 10429), _) | (_, 403 | 429) => ExchangeErrorKind::RateLimited,
            (Some(110007 | 170131 | 110004 | 110012), _) => ExchangeErrorKind::OrderRejected,
            (Some(110001 | 170213), _) => ExchangeErrorKind::UnknownOrder,
            (Some(10001 | 170121 | 170130), _) => ExchangeErrorKind::InvalidParameter,
            (Some(10000 | 10016), _) | (_, 500..=599) => ExchangeErrorKind::Unavailable,
            _ => ExchangeErrorKind::Other,
        }
    }

    fn signer(
        &self,
        api_key: &str,
        secret: SecretString,
    ) -> Result<Box<dyn RequestSigner>, InvalidApiKey> {
        Ok(Box::new(BybitSigner::new(api_key, secret)?))
    }

    /// `symbol`, `side`, `orderType`, `timeInForce`, `price`, `qty`, `orderLinkId` on
    /// `POST /v5/order/create` (batches carry theirs in a list, and are journaled by path).
    fn order_fields(&self, path: &str) -> Option<OrderFields> {
        (path == "/v5/order/create").then_some(
            OrderFields::new(
                "symbol",
                "side",
                "orderType",
                "timeInForce",
                "price",
                "qty",
                "orderLinkId",
            )
            .answer("orderId", "", ""),
        )
    }

    /// `POST /v5/order/create`'s result, `{"orderId","orderLinkId"}`; `orderId` `"0"`: the
    /// order exists nowhere.
    fn paper_answer(&self, fill: &PaperFill<'_>) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "orderId": "0",
            "orderLinkId": fill.client_order_id.unwrap_or_default(),
        }))
    }
}

/// Bybit v5's sweep, spot category: `GET /v5/order/realtime` (50 a page),
/// `POST /v5/order/cancel-all` per symbol, `POST /v5/order/cancel`, and
/// `GET /v5/order/realtime` by `orderId` for an order's status.
impl OrderVenue for Bybit {
    type OpenOrders = RealtimeOrders;
    type CancelAll = CancelAllResult;
    type Cancelled = OrderIds;
    type OrderStatus = RealtimeOrders;

    fn open_orders(&self, symbol: Option<&str>, cursor: Option<&str>) -> VenueCall {
        let mut call = VenueCall::new(Method::GET, "/v5/order/realtime")
            .param("category", "spot")
            .param("limit", "50");
        if let Some(symbol) = symbol {
            call = call.param("symbol", symbol);
        }
        if let Some(cursor) = cursor {
            call = call.param("cursor", cursor);
        }
        call
    }

    fn cancel_all(&self, symbol: &str) -> Option<VenueCall> {
        Some(
            VenueCall::new(Method::POST, "/v5/order/cancel-all")
                .param("category", "spot")
                .param("symbol", symbol),
        )
    }

    fn cancel(&self, order: &VenueOrder) -> VenueCall {
        VenueCall::new(Method::POST, "/v5/order/cancel")
            .param("category", "spot")
            .param("symbol", order.symbol.as_str())
            .param("orderId", order.order_id.as_str())
    }

    /// `GET /v5/order/realtime` by `orderId` (or `orderLinkId`): open orders.
    fn order_status(&self, order: &VenueOrder) -> Option<VenueCall> {
        Some(realtime_order(order))
    }

    /// The same with `openOnly=1`: the recent closed orders (Bybit keeps 500 of them).
    fn closed_order_status(&self, order: &VenueOrder) -> Option<VenueCall> {
        Some(realtime_order(order).param("openOnly", "1"))
    }

    fn balances(&self) -> Option<VenueCall> {
        Some(
            VenueCall::new(Method::GET, "/v5/account/wallet-balance")
                .param("accountType", "UNIFIED"),
        )
    }

    /// Each coin of the unified account: `locked` locked, the rest of `walletBalance` free.
    fn read_balances(
        &self,
        answer: &serde_json::Value,
    ) -> Result<Vec<VenueBalance>, serde_json::Error> {
        #[derive(Deserialize)]
        struct Wallets {
            list: Vec<Wallet>,
        }
        #[derive(Deserialize)]
        struct Wallet {
            coin: Vec<Coin>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Coin {
            coin: String,
            #[serde(deserialize_with = "order::lenient_decimal")]
            wallet_balance: Decimal,
            #[serde(default, deserialize_with = "order::lenient_decimal")]
            locked: Decimal,
        }
        let wallets = Wallets::deserialize(answer)?;
        Ok(wallets
            .list
            .into_iter()
            .flat_map(|w| w.coin)
            .map(|c| {
                let free = c.wallet_balance.checked_sub(c.locked).unwrap_or_default();
                VenueBalance::new(c.coin, free, c.locked)
            })
            .collect())
    }

    fn symbol_info(&self, symbol: &str) -> Option<VenueCall> {
        Some(
            VenueCall::new(Method::GET, "/v5/market/instruments-info")
                .param("category", "spot")
                .param("symbol", symbol),
        )
    }

    fn read_symbol_assets(
        &self,
        symbol: &str,
        answer: Option<&serde_json::Value>,
    ) -> Option<(String, String)> {
        #[derive(Deserialize)]
        struct Instruments {
            list: Vec<Assets>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Assets {
            symbol: String,
            base_coin: String,
            quote_coin: String,
        }
        Instruments::deserialize(answer?)
            .ok()?
            .list
            .into_iter()
            .find(|i| i.symbol == symbol)
            .map(|i| (i.base_coin, i.quote_coin))
    }
}

/// `GET /v5/order/realtime` for one order, by its id or else its `orderLinkId`.
fn realtime_order(order: &VenueOrder) -> VenueCall {
    let call = VenueCall::new(Method::GET, "/v5/order/realtime")
        .param("category", "spot")
        .param("symbol", order.symbol.as_str());
    match (&order.client_order_id, order.order_id.is_empty()) {
        (Some(client_id), true) => call.param("orderLinkId", client_id.as_str()),
        _ => call.param("orderId", order.order_id.as_str()),
    }
}

/// Bybit v5's HMAC scheme: `X-BAPI-SIGN` is the hex HMAC-SHA256 of
/// `timestamp + apiKey + recvWindow + payload`, where the payload is the query string of a
/// `GET` and the JSON body of a `POST`; `X-BAPI-API-KEY`, `X-BAPI-TIMESTAMP` and
/// `X-BAPI-RECV-WINDOW` carry the rest.
///
/// ```
/// use hft_cache::exchange::bybit::BybitSigner;
/// use hft_cache::exchange::{RequestSigner, SignRequest, Signer};
/// use hft_cache::fetch::Method;
///
/// // The request of Bybit's integration guide (a GET with its query string).
/// let query = "category=option&symbol=BTC-29JUL22-25000-C";
/// let mut request = SignRequest::new(Method::GET, "/v5/order/realtime", query, "", 1658384314791, 5000);
/// BybitSigner::new("XXXXXXXXXX", "secret")?.sign(&mut request);
/// let prehash = format!("1658384314791XXXXXXXXXX5000{query}");
/// assert_eq!(request.headers["x-bapi-sign"], Signer::new("secret").sign(&prehash).as_str());
/// assert_eq!(request.headers["x-bapi-timestamp"], "1658384314791");
/// assert_eq!(request.headers["x-bapi-recv-window"], "5000");
/// # Ok::<(), hft_cache::exchange::InvalidApiKey>(())
/// ```
#[derive(Debug, Clone)]
pub struct BybitSigner {
    /// Marked sensitive.
    api_key: HeaderValue,
    signer: Signer,
}

static API_KEY: HeaderName = HeaderName::from_static("x-bapi-api-key");
static TIMESTAMP: HeaderName = HeaderName::from_static("x-bapi-timestamp");
static RECV_WINDOW: HeaderName = HeaderName::from_static("x-bapi-recv-window");
static SIGN: HeaderName = HeaderName::from_static("x-bapi-sign");

impl BybitSigner {
    /// A signer for `api_key` and `secret`.
    ///
    /// # Errors
    ///
    /// [`InvalidApiKey`] for an empty key or one an HTTP header cannot carry.
    pub fn new(api_key: &str, secret: impl Into<SecretString>) -> Result<Self, InvalidApiKey> {
        Ok(BybitSigner {
            api_key: api_key_header(api_key)?,
            signer: Signer::new(secret),
        })
    }
}

impl RequestSigner for BybitSigner {
    fn sign(&self, request: &mut SignRequest) {
        let payload = if request.params_in_query() {
            &request.query
        } else {
            &request.body
        };
        // The key is in the prehash too; it is only exposed to the HMAC, never logged.
        let key = self.api_key.to_str().unwrap_or_default();
        let prehash = format!(
            "{}{key}{}{payload}",
            request.timestamp_ms, request.recv_window_ms
        );
        let signature = self.signer.sign(&prehash);
        let headers = &mut request.headers;
        headers.insert(API_KEY.clone(), self.api_key.clone());
        headers.insert(
            TIMESTAMP.clone(),
            header_text(&request.timestamp_ms.to_string()),
        );
        headers.insert(
            RECV_WINDOW.clone(),
            header_text(&request.recv_window_ms.to_string()),
        );
        headers.insert(SIGN.clone(), header_text(&signature));
    }
}

crate::class::declare_class!(Plain for Bybit);
crate::class::declare_class!(Plain for BybitEnvelope);
crate::class::declare_class!(Plain for BybitTime);
crate::class::declare_class!(Plain for BybitSigner);
