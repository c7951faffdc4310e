//! The JSON the mock sends, in Binance spot's shapes and field names. Decimals are strings with
//! eight decimal places, as Binance writes them; times are milliseconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

use rust_decimal::Decimal;
use serde::Serialize;

use super::trades::Kline;

/// The server's wall-clock time in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The server's wall-clock time in microseconds since the Unix epoch.
pub(crate) fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// A decimal as Binance writes it: `"0.01000000"`.
pub(crate) fn dec(value: Decimal) -> String {
    let mut v = value;
    if v.scale() < 8 {
        v.rescale(8);
    }
    v.to_string()
}

/// `GET /api/v3/depth`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DepthSnapshot {
    pub(crate) last_update_id: u64,
    pub(crate) bids: Vec<[String; 2]>,
    pub(crate) asks: Vec<[String; 2]>,
}

/// One event of the `<symbol>@depth` stream.
#[derive(Serialize)]
pub(crate) struct DepthUpdate<'a> {
    #[serde(rename = "e")]
    pub(crate) event_type: &'static str,
    #[serde(rename = "E")]
    pub(crate) event_time: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "U")]
    pub(crate) first_update_id: u64,
    #[serde(rename = "u")]
    pub(crate) final_update_id: u64,
    #[serde(rename = "b")]
    pub(crate) bids: Vec<[String; 2]>,
    #[serde(rename = "a")]
    pub(crate) asks: Vec<[String; 2]>,
}

/// `GET /api/v3/exchangeInfo`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExchangeInfo {
    pub(crate) timezone: &'static str,
    pub(crate) server_time: u64,
    pub(crate) rate_limits: Vec<RateLimit>,
    pub(crate) exchange_filters: Vec<serde_json::Value>,
    pub(crate) symbols: Vec<SymbolInfo>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RateLimit {
    pub(crate) rate_limit_type: &'static str,
    pub(crate) interval: &'static str,
    pub(crate) interval_num: u32,
    pub(crate) limit: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SymbolInfo {
    pub(crate) symbol: String,
    pub(crate) status: String,
    pub(crate) base_asset: String,
    pub(crate) base_asset_precision: u32,
    pub(crate) quote_asset: String,
    pub(crate) quote_precision: u32,
    pub(crate) quote_asset_precision: u32,
    pub(crate) base_commission_precision: u32,
    pub(crate) quote_commission_precision: u32,
    pub(crate) order_types: Vec<&'static str>,
    pub(crate) iceberg_allowed: bool,
    pub(crate) oco_allowed: bool,
    pub(crate) oto_allowed: bool,
    pub(crate) quote_order_qty_market_allowed: bool,
    pub(crate) allow_trailing_stop: bool,
    pub(crate) cancel_replace_allowed: bool,
    pub(crate) is_spot_trading_allowed: bool,
    pub(crate) is_margin_trading_allowed: bool,
    pub(crate) filters: Vec<Filter>,
    pub(crate) permissions: Vec<String>,
    pub(crate) permission_sets: Vec<Vec<&'static str>>,
    pub(crate) default_self_trade_prevention_mode: &'static str,
    pub(crate) allowed_self_trade_prevention_modes: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(tag = "filterType")]
pub(crate) enum Filter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    Price {
        min_price: String,
        max_price: String,
        tick_size: String,
    },
    #[serde(rename = "LOT_SIZE", rename_all = "camelCase")]
    LotSize {
        min_qty: String,
        max_qty: String,
        step_size: String,
    },
    #[serde(rename = "NOTIONAL", rename_all = "camelCase")]
    Notional {
        min_notional: String,
        apply_min_to_market: bool,
        max_notional: String,
        apply_max_to_market: bool,
        avg_price_mins: u32,
    },
}

/// `GET /api/v3/account`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Account {
    pub(crate) maker_commission: u32,
    pub(crate) taker_commission: u32,
    pub(crate) buyer_commission: u32,
    pub(crate) seller_commission: u32,
    pub(crate) commission_rates: CommissionRates,
    pub(crate) can_trade: bool,
    pub(crate) can_withdraw: bool,
    pub(crate) can_deposit: bool,
    pub(crate) brokered: bool,
    pub(crate) require_self_trade_prevention: bool,
    pub(crate) prevent_sor: bool,
    pub(crate) update_time: u64,
    pub(crate) account_type: &'static str,
    pub(crate) balances: Vec<Balance>,
    pub(crate) permissions: Vec<&'static str>,
    pub(crate) uid: u64,
}

#[derive(Serialize)]
pub(crate) struct CommissionRates {
    pub(crate) maker: String,
    pub(crate) taker: String,
    pub(crate) buyer: String,
    pub(crate) seller: String,
}

#[derive(Serialize)]
pub(crate) struct Balance {
    pub(crate) asset: String,
    pub(crate) free: String,
    pub(crate) locked: String,
}

/// `GET /api/v3/order` and the items of `GET /api/v3/openOrders`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryOrder {
    pub(crate) symbol: String,
    pub(crate) order_id: u64,
    pub(crate) order_list_id: i64,
    pub(crate) client_order_id: String,
    pub(crate) price: String,
    pub(crate) orig_qty: String,
    pub(crate) executed_qty: String,
    pub(crate) cummulative_quote_qty: String,
    pub(crate) status: &'static str,
    pub(crate) time_in_force: &'static str,
    #[serde(rename = "type")]
    pub(crate) order_type: &'static str,
    pub(crate) side: &'static str,
    pub(crate) stop_price: String,
    pub(crate) iceberg_qty: String,
    pub(crate) time: u64,
    pub(crate) update_time: u64,
    pub(crate) is_working: bool,
    pub(crate) working_time: u64,
    pub(crate) orig_quote_order_qty: String,
    pub(crate) self_trade_prevention_mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expiry_reason: Option<&'static str>,
}

/// `POST /api/v3/order` (newOrderRespType ACK, RESULT or FULL: later fields are left out for
/// the shorter types).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewOrder {
    pub(crate) symbol: String,
    pub(crate) order_id: u64,
    pub(crate) order_list_id: i64,
    pub(crate) client_order_id: String,
    pub(crate) transact_time: u64,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(crate) result: Option<NewOrderResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fills: Option<Vec<OrderFill>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewOrderResult {
    pub(crate) price: String,
    pub(crate) orig_qty: String,
    pub(crate) executed_qty: String,
    pub(crate) orig_quote_order_qty: String,
    pub(crate) cummulative_quote_qty: String,
    pub(crate) status: &'static str,
    pub(crate) time_in_force: &'static str,
    #[serde(rename = "type")]
    pub(crate) order_type: &'static str,
    pub(crate) side: &'static str,
    pub(crate) working_time: u64,
    pub(crate) self_trade_prevention_mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expiry_reason: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderFill {
    pub(crate) price: String,
    pub(crate) qty: String,
    pub(crate) commission: String,
    pub(crate) commission_asset: String,
    pub(crate) trade_id: u64,
}

/// `DELETE /api/v3/order`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CanceledOrder {
    pub(crate) symbol: String,
    pub(crate) orig_client_order_id: String,
    pub(crate) order_id: u64,
    pub(crate) order_list_id: i64,
    pub(crate) client_order_id: String,
    pub(crate) transact_time: u64,
    pub(crate) price: String,
    pub(crate) orig_qty: String,
    pub(crate) executed_qty: String,
    pub(crate) orig_quote_order_qty: String,
    pub(crate) cummulative_quote_qty: String,
    pub(crate) status: &'static str,
    pub(crate) time_in_force: &'static str,
    #[serde(rename = "type")]
    pub(crate) order_type: &'static str,
    pub(crate) side: &'static str,
    pub(crate) self_trade_prevention_mode: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Market streams.
// ---------------------------------------------------------------------------------------------

/// One event of `<symbol>@bookTicker`.
#[derive(Serialize)]
pub(crate) struct BookTickerEvent<'a> {
    #[serde(rename = "u")]
    pub(crate) update_id: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "b")]
    pub(crate) bid_price: String,
    #[serde(rename = "B")]
    pub(crate) bid_qty: String,
    #[serde(rename = "a")]
    pub(crate) ask_price: String,
    #[serde(rename = "A")]
    pub(crate) ask_qty: String,
}

/// One event of `<symbol>@trade`.
#[derive(Serialize)]
pub(crate) struct TradeEvent<'a> {
    #[serde(rename = "e")]
    pub(crate) event_type: &'static str,
    #[serde(rename = "E")]
    pub(crate) event_time: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "t")]
    pub(crate) trade_id: u64,
    #[serde(rename = "p")]
    pub(crate) price: String,
    #[serde(rename = "q")]
    pub(crate) qty: String,
    #[serde(rename = "T")]
    pub(crate) trade_time: u64,
    #[serde(rename = "m")]
    pub(crate) buyer_is_maker: bool,
    #[serde(rename = "M")]
    pub(crate) ignore: bool,
}

/// One event of `<symbol>@aggTrade`.
#[derive(Serialize)]
pub(crate) struct AggTradeEvent<'a> {
    #[serde(rename = "e")]
    pub(crate) event_type: &'static str,
    #[serde(rename = "E")]
    pub(crate) event_time: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "a")]
    pub(crate) agg_id: u64,
    #[serde(rename = "p")]
    pub(crate) price: String,
    #[serde(rename = "q")]
    pub(crate) qty: String,
    #[serde(rename = "f")]
    pub(crate) first_id: u64,
    #[serde(rename = "l")]
    pub(crate) last_id: u64,
    #[serde(rename = "T")]
    pub(crate) trade_time: u64,
    #[serde(rename = "m")]
    pub(crate) buyer_is_maker: bool,
    #[serde(rename = "M")]
    pub(crate) ignore: bool,
}

/// One event of `<symbol>@ticker`.
#[derive(Serialize)]
pub(crate) struct TickerEvent<'a> {
    #[serde(rename = "e")]
    pub(crate) event_type: &'static str,
    #[serde(rename = "E")]
    pub(crate) event_time: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "p")]
    pub(crate) price_change: String,
    #[serde(rename = "P")]
    pub(crate) price_change_percent: String,
    #[serde(rename = "w")]
    pub(crate) weighted_avg_price: String,
    #[serde(rename = "x")]
    pub(crate) prev_close: String,
    #[serde(rename = "c")]
    pub(crate) last_price: String,
    #[serde(rename = "Q")]
    pub(crate) last_qty: String,
    #[serde(rename = "b")]
    pub(crate) bid_price: String,
    #[serde(rename = "B")]
    pub(crate) bid_qty: String,
    #[serde(rename = "a")]
    pub(crate) ask_price: String,
    #[serde(rename = "A")]
    pub(crate) ask_qty: String,
    #[serde(rename = "o")]
    pub(crate) open_price: String,
    #[serde(rename = "h")]
    pub(crate) high_price: String,
    #[serde(rename = "l")]
    pub(crate) low_price: String,
    #[serde(rename = "v")]
    pub(crate) volume: String,
    #[serde(rename = "q")]
    pub(crate) quote_volume: String,
    #[serde(rename = "O")]
    pub(crate) open_time: u64,
    #[serde(rename = "C")]
    pub(crate) close_time: u64,
    #[serde(rename = "F")]
    pub(crate) first_id: i64,
    #[serde(rename = "L")]
    pub(crate) last_id: i64,
    #[serde(rename = "n")]
    pub(crate) count: u64,
}

/// One event of `<symbol>@miniTicker`.
#[derive(Serialize)]
pub(crate) struct MiniTickerEvent<'a> {
    #[serde(rename = "e")]
    pub(crate) event_type: &'static str,
    #[serde(rename = "E")]
    pub(crate) event_time: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "c")]
    pub(crate) last_price: String,
    #[serde(rename = "o")]
    pub(crate) open_price: String,
    #[serde(rename = "h")]
    pub(crate) high_price: String,
    #[serde(rename = "l")]
    pub(crate) low_price: String,
    #[serde(rename = "v")]
    pub(crate) volume: String,
    #[serde(rename = "q")]
    pub(crate) quote_volume: String,
}

/// One event of `<symbol>@kline_<interval>`.
#[derive(Serialize)]
pub(crate) struct KlineEvent<'a> {
    #[serde(rename = "e")]
    pub(crate) event_type: &'static str,
    #[serde(rename = "E")]
    pub(crate) event_time: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "k")]
    pub(crate) kline: KlinePayload<'a>,
}

#[derive(Serialize)]
pub(crate) struct KlinePayload<'a> {
    #[serde(rename = "t")]
    pub(crate) open_time: u64,
    #[serde(rename = "T")]
    pub(crate) close_time: u64,
    #[serde(rename = "s")]
    pub(crate) symbol: &'a str,
    #[serde(rename = "i")]
    pub(crate) interval: &'static str,
    #[serde(rename = "f")]
    pub(crate) first_id: i64,
    #[serde(rename = "L")]
    pub(crate) last_id: i64,
    #[serde(rename = "o")]
    pub(crate) open: String,
    #[serde(rename = "c")]
    pub(crate) close: String,
    #[serde(rename = "h")]
    pub(crate) high: String,
    #[serde(rename = "l")]
    pub(crate) low: String,
    #[serde(rename = "v")]
    pub(crate) volume: String,
    #[serde(rename = "n")]
    pub(crate) count: u64,
    #[serde(rename = "x")]
    pub(crate) closed: bool,
    #[serde(rename = "q")]
    pub(crate) quote_volume: String,
    #[serde(rename = "V")]
    pub(crate) taker_buy_volume: String,
    #[serde(rename = "Q")]
    pub(crate) taker_buy_quote_volume: String,
    #[serde(rename = "B")]
    pub(crate) ignore: &'static str,
}

impl<'a> KlinePayload<'a> {
    pub(crate) fn new(k: &Kline, symbol: &'a str, interval: &'static str, now: u64) -> Self {
        KlinePayload {
            open_time: k.open_time,
            close_time: k.close_time,
            symbol,
            interval,
            first_id: k.first_id,
            last_id: k.last_id,
            open: dec(k.open),
            close: dec(k.close),
            high: dec(k.high),
            low: dec(k.low),
            volume: dec(k.volume),
            count: k.count,
            closed: now > k.close_time,
            quote_volume: dec(k.quote_volume),
            taker_buy_volume: dec(k.taker_buy_volume),
            taker_buy_quote_volume: dec(k.taker_buy_quote_volume),
            ignore: "0",
        }
    }
}

/// `{"e":"serverShutdown","E":..}`.
#[derive(Serialize)]
pub(crate) struct ServerShutdown {
    #[serde(rename = "e")]
    pub(crate) event_type: &'static str,
    #[serde(rename = "E")]
    pub(crate) event_time: u64,
}

// ---------------------------------------------------------------------------------------------
// Market data (REST).
// ---------------------------------------------------------------------------------------------

/// `GET /api/v3/ticker/24hr` (`type=FULL`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ticker24h {
    pub(crate) symbol: String,
    pub(crate) price_change: String,
    pub(crate) price_change_percent: String,
    pub(crate) weighted_avg_price: String,
    pub(crate) prev_close_price: String,
    pub(crate) last_price: String,
    pub(crate) last_qty: String,
    pub(crate) bid_price: String,
    pub(crate) bid_qty: String,
    pub(crate) ask_price: String,
    pub(crate) ask_qty: String,
    pub(crate) open_price: String,
    pub(crate) high_price: String,
    pub(crate) low_price: String,
    pub(crate) volume: String,
    pub(crate) quote_volume: String,
    pub(crate) open_time: u64,
    pub(crate) close_time: u64,
    pub(crate) first_id: i64,
    pub(crate) last_id: i64,
    pub(crate) count: u64,
}

/// `GET /api/v3/ticker/24hr?type=MINI`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ticker24hMini {
    pub(crate) symbol: String,
    pub(crate) open_price: String,
    pub(crate) high_price: String,
    pub(crate) low_price: String,
    pub(crate) last_price: String,
    pub(crate) volume: String,
    pub(crate) quote_volume: String,
    pub(crate) open_time: u64,
    pub(crate) close_time: u64,
    pub(crate) first_id: i64,
    pub(crate) last_id: i64,
    pub(crate) count: u64,
}

/// `GET /api/v3/ticker/price`.
#[derive(Serialize)]
pub(crate) struct PriceTicker {
    pub(crate) symbol: String,
    pub(crate) price: String,
}

/// `GET /api/v3/ticker/bookTicker`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BookTicker {
    pub(crate) symbol: String,
    pub(crate) bid_price: String,
    pub(crate) bid_qty: String,
    pub(crate) ask_price: String,
    pub(crate) ask_qty: String,
}

/// `GET /api/v3/avgPrice`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AvgPrice {
    pub(crate) mins: u64,
    pub(crate) price: String,
    pub(crate) close_time: u64,
}

/// An item of `GET /api/v3/trades`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecentTrade {
    pub(crate) id: u64,
    pub(crate) price: String,
    pub(crate) qty: String,
    pub(crate) quote_qty: String,
    pub(crate) time: u64,
    pub(crate) is_buyer_maker: bool,
    pub(crate) is_best_match: bool,
}

/// An item of `GET /api/v3/aggTrades`.
#[derive(Serialize)]
pub(crate) struct AggTrade {
    #[serde(rename = "a")]
    pub(crate) agg_id: u64,
    #[serde(rename = "p")]
    pub(crate) price: String,
    #[serde(rename = "q")]
    pub(crate) qty: String,
    #[serde(rename = "f")]
    pub(crate) first_id: u64,
    #[serde(rename = "l")]
    pub(crate) last_id: u64,
    #[serde(rename = "T")]
    pub(crate) time: u64,
    #[serde(rename = "m")]
    pub(crate) buyer_is_maker: bool,
    #[serde(rename = "M")]
    pub(crate) best_match: bool,
}

/// An item of `GET /api/v3/klines`: a 12-element array.
pub(crate) type KlineRow = (
    u64,
    String,
    String,
    String,
    String,
    String,
    u64,
    String,
    u64,
    String,
    String,
    &'static str,
);

pub(crate) fn kline_row(k: &Kline) -> KlineRow {
    (
        k.open_time,
        dec(k.open),
        dec(k.high),
        dec(k.low),
        dec(k.close),
        dec(k.volume),
        k.close_time,
        dec(k.quote_volume),
        k.count,
        dec(k.taker_buy_volume),
        dec(k.taker_buy_quote_volume),
        "0",
    )
}

/// An item of `GET /api/v3/myTrades`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MyTrade {
    pub(crate) symbol: String,
    pub(crate) id: u64,
    pub(crate) order_id: u64,
    pub(crate) order_list_id: i64,
    pub(crate) price: String,
    pub(crate) qty: String,
    pub(crate) quote_qty: String,
    pub(crate) commission: String,
    pub(crate) commission_asset: String,
    pub(crate) time: u64,
    pub(crate) is_buyer: bool,
    pub(crate) is_maker: bool,
    pub(crate) is_best_match: bool,
}
