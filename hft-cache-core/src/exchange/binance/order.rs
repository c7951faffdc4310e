//! Orders: `POST /api/v3/order` (ACK, RESULT, FULL), `GET /api/v3/order`,
//! `DELETE /api/v3/order`, `GET /api/v3/openOrders`, `DELETE /api/v3/openOrders`.

use rust_decimal::Decimal;
use serde::Deserialize;

/// `BUY` or `SELL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum OrderSide {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

/// An order's status (enums.md, "Order status").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum OrderStatus {
    /// Accepted by the engine.
    New,
    /// Pending until a working order of its list fills.
    PendingNew,
    /// Part of it filled.
    PartiallyFilled,
    /// Fully filled.
    Filled,
    /// Cancelled by the user.
    Canceled,
    /// Being cancelled (currently unused by the exchange).
    PendingCancel,
    /// Rejected (currently unused by the exchange).
    Rejected,
    /// Expired by its time in force or by the exchange.
    Expired,
    /// Expired by self-trade prevention.
    ExpiredInMatch,
    /// A status this crate does not know yet.
    #[serde(other)]
    Unknown,
}

impl OrderSide {
    /// The side as Binance spells it: `BUY` or `SELL`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderSide::Buy => "BUY",
            OrderSide::Sell => "SELL",
        }
    }
}

impl OrderStatus {
    /// The status as Binance spells it (`NEW`, `FILLED`, ...; `UNKNOWN` for one this crate
    /// does not know).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "NEW",
            OrderStatus::PendingNew => "PENDING_NEW",
            OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
            OrderStatus::Filled => "FILLED",
            OrderStatus::Canceled => "CANCELED",
            OrderStatus::PendingCancel => "PENDING_CANCEL",
            OrderStatus::Rejected => "REJECTED",
            OrderStatus::Expired => "EXPIRED",
            OrderStatus::ExpiredInMatch => "EXPIRED_IN_MATCH",
            OrderStatus::Unknown => "UNKNOWN",
        }
    }

    /// `Some(true)` for a filled order, `Some(false)` for one closed otherwise (cancelled,
    /// expired, rejected), `None` while it may still fill (spot and USD-M alike).
    pub(crate) fn filled(self) -> Option<bool> {
        match self {
            OrderStatus::Filled => Some(true),
            OrderStatus::Canceled
            | OrderStatus::Expired
            | OrderStatus::ExpiredInMatch
            | OrderStatus::Rejected => Some(false),
            _ => None,
        }
    }
}

/// An order's type (enums.md, "Order types").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum OrderType {
    /// Limit.
    Limit,
    /// Market.
    Market,
    /// Stop loss (market).
    StopLoss,
    /// Stop loss limit.
    StopLossLimit,
    /// Take profit (market).
    TakeProfit,
    /// Take profit limit.
    TakeProfitLimit,
    /// Limit that is rejected if it would trade immediately.
    LimitMaker,
    /// A type this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// How long an order stays working: `GTC`, `IOC`, `FOK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
    /// A value this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// `POST /api/v3/order` with `newOrderRespType=ACK`: the order was accepted.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderAck {
    /// The symbol.
    pub symbol: String,
    /// The exchange's order id.
    pub order_id: u64,
    /// The order list's id, -1 outside a list.
    pub order_list_id: i64,
    /// The client's order id.
    pub client_order_id: String,
    /// When the engine accepted it, in milliseconds since the Unix epoch.
    pub transact_time: u64,
}

/// `POST /api/v3/order` with `newOrderRespType=RESULT`: the order's state after matching.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderResult {
    /// The symbol.
    pub symbol: String,
    /// The exchange's order id.
    pub order_id: u64,
    /// The order list's id, -1 outside a list.
    pub order_list_id: i64,
    /// The client's order id.
    pub client_order_id: String,
    /// When the engine accepted it, in milliseconds since the Unix epoch.
    pub transact_time: u64,
    /// The limit price (0 for a market order).
    pub price: Decimal,
    /// The quantity ordered.
    pub orig_qty: Decimal,
    /// The quantity filled.
    pub executed_qty: Decimal,
    /// The quote quantity ordered (`quoteOrderQty` market orders).
    #[serde(default)]
    pub orig_quote_order_qty: Decimal,
    /// The quote quantity filled (Binance's spelling).
    pub cummulative_quote_qty: Decimal,
    /// The status.
    pub status: OrderStatus,
    /// The time in force.
    pub time_in_force: TimeInForce,
    /// The type.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// The side.
    pub side: OrderSide,
    /// When it started working on the book, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub working_time: Option<u64>,
    /// The self-trade prevention mode.
    #[serde(default)]
    pub self_trade_prevention_mode: Option<String>,
}

/// `POST /api/v3/order` with `newOrderRespType=FULL`: the result and its fills.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[non_exhaustive]
pub struct OrderFull {
    /// The order's state after matching.
    #[serde(flatten)]
    pub result: OrderResult,
    /// The trades it made, in order.
    pub fills: Vec<Fill>,
}

/// One trade of an [`OrderFull`].
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Fill {
    /// The price.
    pub price: Decimal,
    /// The quantity.
    pub qty: Decimal,
    /// The commission paid.
    pub commission: Decimal,
    /// The asset the commission was paid in.
    pub commission_asset: String,
    /// The trade's id.
    pub trade_id: u64,
}

/// An order as `GET /api/v3/order` and `GET /api/v3/openOrders` report it.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Order {
    /// The symbol.
    pub symbol: String,
    /// The exchange's order id.
    pub order_id: u64,
    /// The order list's id, -1 outside a list.
    pub order_list_id: i64,
    /// The client's order id.
    pub client_order_id: String,
    /// The limit price.
    pub price: Decimal,
    /// The quantity ordered.
    pub orig_qty: Decimal,
    /// The quantity filled.
    pub executed_qty: Decimal,
    /// The quote quantity filled (negative when not available for historical orders).
    pub cummulative_quote_qty: Decimal,
    /// The status.
    pub status: OrderStatus,
    /// The time in force.
    pub time_in_force: TimeInForce,
    /// The type.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// The side.
    pub side: OrderSide,
    /// The stop price, for stop orders.
    #[serde(default)]
    pub stop_price: Option<Decimal>,
    /// The visible quantity, for iceberg orders.
    #[serde(default)]
    pub iceberg_qty: Option<Decimal>,
    /// When it was created, in milliseconds since the Unix epoch.
    pub time: u64,
    /// When it last changed.
    pub update_time: u64,
    /// Whether it is on the book.
    pub is_working: bool,
    /// When it started working on the book.
    #[serde(default)]
    pub working_time: Option<u64>,
    /// The quote quantity ordered.
    #[serde(default)]
    pub orig_quote_order_qty: Decimal,
    /// The self-trade prevention mode.
    #[serde(default)]
    pub self_trade_prevention_mode: Option<String>,
}

/// `GET /api/v3/openOrders`: every open order (of a symbol, or all).
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(transparent)]
pub struct OpenOrders(pub Vec<Order>);

/// `DELETE /api/v3/order`: the order as it was cancelled.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelledOrder {
    /// The symbol.
    pub symbol: String,
    /// The client order id of the order that was cancelled.
    pub orig_client_order_id: String,
    /// The exchange's order id.
    pub order_id: u64,
    /// The order list's id, -1 outside a list.
    pub order_list_id: i64,
    /// The cancel request's client id.
    pub client_order_id: String,
    /// When the cancel was processed.
    #[serde(default)]
    pub transact_time: Option<u64>,
    /// The limit price.
    pub price: Decimal,
    /// The quantity ordered.
    pub orig_qty: Decimal,
    /// The quantity filled before the cancel.
    pub executed_qty: Decimal,
    /// The quote quantity ordered.
    #[serde(default)]
    pub orig_quote_order_qty: Decimal,
    /// The quote quantity filled.
    pub cummulative_quote_qty: Decimal,
    /// The status, `CANCELED`.
    pub status: OrderStatus,
    /// The time in force.
    pub time_in_force: TimeInForce,
    /// The type.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// The side.
    pub side: OrderSide,
    /// The self-trade prevention mode.
    #[serde(default)]
    pub self_trade_prevention_mode: Option<String>,
}

/// `DELETE /api/v3/openOrders`: what was cancelled, one entry per order (an order list's
/// entry has no `orderId` of its own and is skipped by the sweep; its orders are listed again
/// by the confirming query if still open).
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(transparent)]
pub struct CancelledOrders(pub Vec<CancelledEntry>);

/// One entry of [`CancelledOrders`].
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelledEntry {
    /// The symbol.
    pub symbol: String,
    /// The exchange's order id (absent on an order list's entry).
    #[serde(default)]
    pub order_id: Option<u64>,
    /// The status, `CANCELED` (absent on an order list's entry).
    #[serde(default)]
    pub status: Option<OrderStatus>,
}

crate::class::declare_class!(owned Plain for OrderSide);
crate::class::declare_class!(owned Plain for OrderStatus);
crate::class::declare_class!(owned Plain for OrderType);
crate::class::declare_class!(owned Plain for TimeInForce);
