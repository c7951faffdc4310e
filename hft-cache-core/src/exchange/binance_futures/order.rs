//! Orders: `POST /fapi/v1/order`, `GET /fapi/v1/order`, `DELETE /fapi/v1/order`,
//! `GET /fapi/v1/openOrders`, `DELETE /fapi/v1/allOpenOrders`.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exchange::binance::{OrderSide, OrderStatus};

/// Which position an order or a position belongs to: `BOTH` in one-way mode, `LONG` or
/// `SHORT` in hedge mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum PositionSide {
    /// One-way mode: the one position of the symbol.
    Both,
    /// Hedge mode's long position.
    Long,
    /// Hedge mode's short position.
    Short,
    /// A value this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// A futures order's type (USD-M "Common Definition": order types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum FuturesOrderType {
    /// Limit.
    Limit,
    /// Market.
    Market,
    /// Stop (limit once triggered).
    Stop,
    /// Stop market.
    StopMarket,
    /// Take profit (limit once triggered).
    TakeProfit,
    /// Take profit market.
    TakeProfitMarket,
    /// Trailing stop market.
    TrailingStopMarket,
    /// A liquidation by the exchange.
    Liquidation,
    /// A type this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// How long a futures order stays working: `GTC`, `IOC`, `FOK`, `GTX` (post only), `GTD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum FuturesTimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
    /// Good till crossing: post only, rejected if it would trade at once.
    Gtx,
    /// Good till the date in `goodTillDate`.
    Gtd,
    /// A value this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// A futures order, as `POST /fapi/v1/order` (the new order's `RESULT`/`ACK` answer),
/// `GET /fapi/v1/order`, `DELETE /fapi/v1/order` and `GET /fapi/v1/openOrders` report it:
/// live data, read it as a [`Fresh<FuturesOrder>`](crate::Fresh).
///
/// `cumQty` is in the placement's and the cancel's answers only, `time` in the queries' only.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FuturesOrder {
    /// The symbol.
    pub symbol: String,
    /// The exchange's order id.
    pub order_id: u64,
    /// The client's order id.
    pub client_order_id: String,
    /// The limit price (0 for a market order).
    pub price: Decimal,
    /// The average fill price (0 before a fill).
    pub avg_price: Decimal,
    /// The quantity ordered.
    pub orig_qty: Decimal,
    /// The quantity filled.
    pub executed_qty: Decimal,
    /// The quantity filled (placement and cancel answers).
    #[serde(default)]
    pub cum_qty: Option<Decimal>,
    /// The quote quantity filled.
    pub cum_quote: Decimal,
    /// The status.
    pub status: OrderStatus,
    /// The time in force.
    pub time_in_force: FuturesTimeInForce,
    /// The type.
    #[serde(rename = "type")]
    pub order_type: FuturesOrderType,
    /// The type it was placed as (a triggered stop keeps its original type here).
    pub orig_type: FuturesOrderType,
    /// The side.
    pub side: OrderSide,
    /// The position it belongs to.
    pub position_side: PositionSide,
    /// Whether it may only shrink the position.
    pub reduce_only: bool,
    /// Whether it closes the whole position when triggered (`closePosition`).
    #[serde(default)]
    pub close_position: bool,
    /// The trigger price of a stop or take-profit order.
    #[serde(default)]
    pub stop_price: Option<Decimal>,
    /// The activation price of a trailing stop.
    #[serde(default)]
    pub activate_price: Option<Decimal>,
    /// The callback rate of a trailing stop, in percent.
    #[serde(default)]
    pub price_rate: Option<Decimal>,
    /// Which price triggers a stop: `CONTRACT_PRICE` or `MARK_PRICE`.
    #[serde(default)]
    pub working_type: Option<String>,
    /// Whether a triggered conditional order is price-protected.
    #[serde(default)]
    pub price_protect: bool,
    /// The price match mode (`NONE`, `OPPONENT`, `QUEUE`, ...).
    #[serde(default)]
    pub price_match: Option<String>,
    /// The self-trade prevention mode.
    #[serde(default)]
    pub self_trade_prevention_mode: Option<String>,
    /// When a `GTD` order is cancelled, in milliseconds since the Unix epoch (0 otherwise).
    #[serde(default)]
    pub good_till_date: Option<u64>,
    /// When it was placed (queries only).
    #[serde(default)]
    pub time: Option<u64>,
    /// When it last changed, in milliseconds since the Unix epoch.
    pub update_time: u64,
}

impl FuturesOrder {
    /// The quantity still to fill (never negative).
    pub fn quantity_left(&self) -> Decimal {
        self.orig_qty
            .checked_sub(self.executed_qty)
            .unwrap_or_default()
            .max(Decimal::ZERO)
    }
}

/// `GET /fapi/v1/openOrders`: every open order (of a symbol, or all).
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(transparent)]
pub struct FuturesOpenOrders(pub Vec<FuturesOrder>);

/// `DELETE /fapi/v1/allOpenOrders`: `{"code":200,"msg":"The operation of cancel all open order
/// is done."}`. It names no order: the cancel sweep learns what became of each from its next
/// open-orders query.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[non_exhaustive]
pub struct FuturesCancelAll {
    /// `200` when done.
    pub code: i64,
    /// The venue's words.
    #[serde(default)]
    pub msg: String,
}

crate::class::declare_class!(owned Plain for PositionSide);
crate::class::declare_class!(owned Plain for FuturesOrderType);
crate::class::declare_class!(owned Plain for FuturesTimeInForce);
