//! Binance spot: query-string HMAC signing, bare answers with `{"code","msg"}` errors, and
//! typed answers of the REST API, each with its class: the account and orders are live (read
//! them as `Fresh<T>`), exchange info and its filters static. (The depth snapshot is
//! [`book::DepthSnapshot`](crate::book::DepthSnapshot).)

use reqwest::header::HeaderName;
use reqwest::Method;
use secrecy::SecretString;

use super::error::ExchangeErrorKind;
use super::signer::{api_key_header, InvalidApiKey, RequestSigner, SignRequest, Signer};
use super::venue::{
    BodyEncoding, ClosedStatus, ListsCancelled, ListsOrders, OrderFields, OrderState, OrderVenue,
    PaperFill, PaperStatus, ServerTime, Venue, VenueBalance, VenueCall, VenueOrder,
};
use crate::fetch::Bare;

mod account;
pub(crate) mod assessment;
mod exchange_info;
mod order;
mod pre_trade;

pub use account::{Account, AccountBalance, CommissionRates};
pub use exchange_info::{
    AssetFilter, ExchangeFilter, ExchangeInfo, RateLimit, Sor, SymbolFilter, SymbolInfo,
};
pub use order::{
    CancelledEntry, CancelledOrder, CancelledOrders, Fill, OpenOrders, Order, OrderAck, OrderFull,
    OrderResult, OrderSide, OrderStatus, OrderType, TimeInForce,
};

/// Binance spot's REST conventions, for [`SignedClient`](super::SignedClient) (its default
/// venue).
///
/// Orders are the `POST`s to an `order` endpoint (`/api/v3/order`, `/order/oco`,
/// `/order/test`, `/sor/order`, ...); cancels are `DELETE`s and stay allowed while halted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Binance;

/// Binance's `GET /api/v3/time`: `{"serverTime":1499827319559}`.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BinanceTime {
    /// Milliseconds since the Unix epoch.
    pub server_time: i64,
}

impl ServerTime for BinanceTime {
    fn unix_ms(&self) -> i64 {
        self.server_time
    }
}

impl Venue for Binance {
    type Format = Bare;
    type ServerTime = BinanceTime;

    fn name(&self) -> &'static str {
        "binance"
    }

    fn time_path(&self) -> &str {
        "/api/v3/time"
    }

    fn body_encoding(&self) -> BodyEncoding {
        BodyEncoding::Form
    }

    fn places_order(&self, method: &Method, path: &str) -> bool {
        *method == Method::POST && path.split('/').any(|segment| segment == "order")
    }

    /// Binance's codes (errors.md): -1006/-1007 and, on an order placement, an HTTP 5xx without
    /// a code that says the request was not processed (-1001, -1004, -1008, -1016) mean the
    /// execution status is unknown (rest-api.md: "It is important to NOT treat this as a
    /// failure operation").
    fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind {
        match (code, status) {
            (Some(-1006 | -1007), _) => ExchangeErrorKind::ExecutionUnknown,
            (Some(-2014 | -2015 | -1002), _) => ExchangeErrorKind::Unauthorized,
            (Some(-1022), _) => ExchangeErrorKind::InvalidSignature,
            (Some(-1021), _) => ExchangeErrorKind::TimestampOutsideRecvWindow,
            (Some(-1003 | -1015), _) | (_, 418 | 429) => ExchangeErrorKind::RateLimited,
            (Some(-2010), _) => ExchangeErrorKind::OrderRejected,
            (Some(-2011 | -2013 | -2026), _) => ExchangeErrorKind::UnknownOrder,
            (Some(-1013 | -1121), _) | (Some(-1130..=-1100), _) => {
                ExchangeErrorKind::InvalidParameter
            }
            // These say the request was not processed, whatever the status.
            (Some(-1001 | -1004 | -1008 | -1016), _) => ExchangeErrorKind::Unavailable,
            (_, 500..=599) if placing_order => ExchangeErrorKind::ExecutionUnknown,
            (_, 500..=599) => ExchangeErrorKind::Unavailable,
            _ => ExchangeErrorKind::Other,
        }
    }

    fn signer(
        &self,
        api_key: &str,
        secret: SecretString,
    ) -> Result<Box<dyn RequestSigner>, InvalidApiKey> {
        Ok(Box::new(BinanceSigner::new(api_key, secret)?))
    }

    /// `symbol`, `side`, `type`, `timeInForce`, `price`, `quantity`; `newClientOrderId` on the
    /// paths ending in `/order` (lists and SOR orders name theirs differently).
    fn order_fields(&self, path: &str) -> Option<OrderFields> {
        let client_id = if path.trim_end_matches('/').ends_with("/order") {
            "newClientOrderId"
        } else {
            ""
        };
        Some(
            OrderFields::new(
                "symbol",
                "side",
                "type",
                "timeInForce",
                "price",
                "quantity",
                client_id,
            )
            .answer("orderId", "status", "executedQty"),
        )
    }

    /// Binance's `FULL` answer to a new order. `orderId` 0: the order exists nowhere.
    fn paper_answer(&self, fill: &PaperFill<'_>) -> Option<serde_json::Value> {
        let dec = |d: rust_decimal::Decimal| d.normalize().to_string();
        let status = match fill.status {
            PaperStatus::New => "NEW",
            PaperStatus::PartiallyFilled => "PARTIALLY_FILLED",
            PaperStatus::Filled => "FILLED",
            _ => "EXPIRED",
        };
        Some(serde_json::json!({
            "symbol": fill.symbol,
            "orderId": 0,
            "orderListId": -1,
            "clientOrderId": fill.client_order_id.unwrap_or_default(),
            "transactTime": fill.at_unix_ms,
            "price": dec(fill.price.unwrap_or_default()),
            "origQty": dec(fill.quantity),
            "executedQty": dec(fill.executed),
            "cummulativeQuoteQty": dec(fill.quote),
            "status": status,
            "timeInForce": fill.time_in_force.unwrap_or("GTC"),
            "type": fill.order_type,
            "side": fill.side,
            "workingTime": fill.at_unix_ms,
            "selfTradePreventionMode": "NONE",
            "fills": fill.fills.iter().map(|(price, qty)| serde_json::json!({
                "price": dec(*price),
                "qty": dec(*qty),
                "commission": "0",
                "commissionAsset": "",
                "tradeId": 0,
            })).collect::<Vec<_>>(),
        }))
    }
}

/// Binance spot's sweep: `GET /api/v3/openOrders`, `DELETE /api/v3/openOrders` per symbol,
/// `DELETE /api/v3/order`, `GET /api/v3/order`.
impl OrderVenue for Binance {
    type OpenOrders = OpenOrders;
    type CancelAll = CancelledOrders;
    type Cancelled = CancelledOrder;
    type OrderStatus = Order;

    fn open_orders(&self, symbol: Option<&str>, _cursor: Option<&str>) -> VenueCall {
        let call = VenueCall::new(Method::GET, "/api/v3/openOrders");
        match symbol {
            Some(symbol) => call.param("symbol", symbol),
            None => call,
        }
    }

    fn cancel_all(&self, symbol: &str) -> Option<VenueCall> {
        Some(VenueCall::new(Method::DELETE, "/api/v3/openOrders").param("symbol", symbol))
    }

    fn cancel(&self, order: &VenueOrder) -> VenueCall {
        VenueCall::new(Method::DELETE, "/api/v3/order")
            .param("symbol", order.symbol.as_str())
            .param("orderId", order.order_id.as_str())
    }

    fn order_status(&self, order: &VenueOrder) -> Option<VenueCall> {
        let call =
            VenueCall::new(Method::GET, "/api/v3/order").param("symbol", order.symbol.as_str());
        Some(match (&order.client_order_id, order.order_id.is_empty()) {
            (Some(client_id), true) => call.param("origClientOrderId", client_id.as_str()),
            _ => call.param("orderId", order.order_id.as_str()),
        })
    }

    fn balances(&self) -> Option<VenueCall> {
        Some(VenueCall::new(Method::GET, "/api/v3/account"))
    }

    fn read_balances(
        &self,
        answer: &serde_json::Value,
    ) -> Result<Vec<VenueBalance>, serde_json::Error> {
        assessment::balances(answer)
    }

    fn symbol_info(&self, symbol: &str) -> Option<VenueCall> {
        Some(VenueCall::new(Method::GET, "/api/v3/exchangeInfo").param("symbol", symbol))
    }

    fn read_symbol_assets(
        &self,
        symbol: &str,
        answer: Option<&serde_json::Value>,
    ) -> Option<(String, String)> {
        assessment::symbol_assets(symbol, answer)
    }
}

impl ListsOrders for OpenOrders {
    fn orders(&self) -> Vec<VenueOrder> {
        self.0.iter().map(Order::record).collect()
    }
}

impl ListsCancelled for CancelledOrders {
    fn cancelled_ids(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|c| c.order_id.map(|id| id.to_string()))
            .collect()
    }
}

impl ClosedStatus for Order {
    fn filled(&self) -> Option<bool> {
        self.status.filled()
    }

    fn state(&self) -> Option<OrderState> {
        Some(OrderState::new(
            self.order_id.to_string(),
            Some(self.client_order_id.clone()),
            self.status.as_str(),
            self.side.as_str(),
            self.orig_qty,
            self.executed_qty,
            self.cummulative_quote_qty,
        ))
    }
}

impl Order {
    /// The order as the kill switch's sweep records it.
    pub fn record(&self) -> VenueOrder {
        VenueOrder::new(
            self.order_id.to_string(),
            Some(self.client_order_id.clone()),
            self.symbol.clone(),
            self.side.as_str(),
            (!self.price.is_zero()).then_some(self.price),
            self.orig_qty
                .checked_sub(self.executed_qty)
                .unwrap_or_default()
                .max(rust_decimal::Decimal::ZERO),
        )
    }
}

/// Binance's SIGNED scheme: `recvWindow` and `timestamp` join the parameters, and `signature`
/// is the hex HMAC-SHA256 of the query string followed by the body; the key travels in
/// `X-MBX-APIKEY`.
///
/// ```
/// use hft_cache::exchange::binance::BinanceSigner;
/// use hft_cache::exchange::{RequestSigner, SignRequest};
/// use hft_cache::fetch::Method;
///
/// // The example of Binance's docs (rest-api.md, "SIGNED Endpoint Examples"), body form.
/// let signer = BinanceSigner::new(
///     "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
///     "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
/// )?;
/// let body = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1";
/// let mut request = SignRequest::new(Method::POST, "/api/v3/order", "", body, 1499827319559, 5000);
/// signer.sign(&mut request);
/// assert!(request.body.ends_with(
///     "&recvWindow=5000&timestamp=1499827319559\
///      &signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
/// ));
/// # Ok::<(), hft_cache::exchange::InvalidApiKey>(())
/// ```
#[derive(Debug, Clone)]
pub struct BinanceSigner {
    /// Marked sensitive.
    api_key: reqwest::header::HeaderValue,
    signer: Signer,
}

static API_KEY_HEADER: HeaderName = HeaderName::from_static("x-mbx-apikey");

impl BinanceSigner {
    /// A signer for `api_key` and `secret`.
    ///
    /// # Errors
    ///
    /// [`InvalidApiKey`] for an empty key or one an HTTP header cannot carry.
    pub fn new(api_key: &str, secret: impl Into<SecretString>) -> Result<Self, InvalidApiKey> {
        Ok(BinanceSigner {
            api_key: api_key_header(api_key)?,
            signer: Signer::new(secret),
        })
    }
}

impl RequestSigner for BinanceSigner {
    fn sign(&self, request: &mut SignRequest) {
        let params = if request.params_in_query() {
            &mut request.query
        } else {
            &mut request.body
        };
        if !params.is_empty() {
            params.push('&');
        }
        params.push_str(&format!(
            "recvWindow={}&timestamp={}",
            request.recv_window_ms, request.timestamp_ms
        ));
        // totalParams: the query string concatenated with the body.
        let signature = self
            .signer
            .sign(&format!("{}{}", request.query, request.body));
        let params = if request.params_in_query() {
            &mut request.query
        } else {
            &mut request.body
        };
        params.push_str("&signature=");
        params.push_str(&signature);
        request
            .headers
            .insert(API_KEY_HEADER.clone(), self.api_key.clone());
    }
}

crate::class::declare_class!(Plain for Binance);
crate::class::declare_class!(Plain for BinanceTime);
crate::class::declare_class!(Plain for BinanceSigner);
