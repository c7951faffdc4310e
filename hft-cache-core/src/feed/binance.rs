//! Binance spot's market streams, as [`Streamed`] values for a
//! [`StreamFeed`](super::StreamFeed): `<symbol>@trade`, `@aggTrade`, `@bookTicker`, `@ticker`
//! and `@kline_<interval>`. Field names follow the payloads in Binance's
//! `web-socket-streams.md`; prices and quantities are exact decimals.
//!
//! ```
//! use hft_cache::feed::binance::BookTicker;
//! use hft_cache::feed::Keyed;
//!
//! let frame = r#"{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#;
//! let ticker: BookTicker = serde_json::from_str(frame)?;
//! assert_eq!(ticker.key(), "BNBUSDT");
//! assert!(ticker.bid_price < ticker.ask_price);
//! # Ok::<(), serde_json::Error>(())
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::typed::Keyed;
use hft_cache_macros::Streamed;

/// `<symbol>@trade`: one trade.
#[derive(Streamed, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[hft(crate = "crate")]
pub struct Trade {
    /// Event time, exchange milliseconds.
    #[serde(rename = "E")]
    pub event_time: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: String,
    /// Trade id.
    #[serde(rename = "t")]
    pub trade_id: u64,
    /// Price.
    #[serde(rename = "p")]
    pub price: Decimal,
    /// Quantity.
    #[serde(rename = "q")]
    pub qty: Decimal,
    /// Trade time, exchange milliseconds.
    #[serde(rename = "T")]
    pub trade_time: u64,
    /// Whether the buyer was the maker.
    #[serde(rename = "m")]
    pub buyer_is_maker: bool,
}

/// `<symbol>@aggTrade`: the trades of one taker order at one price.
#[derive(Streamed, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[hft(crate = "crate")]
pub struct AggTrade {
    /// Event time, exchange milliseconds.
    #[serde(rename = "E")]
    pub event_time: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: String,
    /// Aggregate trade id.
    #[serde(rename = "a")]
    pub agg_trade_id: u64,
    /// Price.
    #[serde(rename = "p")]
    pub price: Decimal,
    /// Quantity.
    #[serde(rename = "q")]
    pub qty: Decimal,
    /// First trade id.
    #[serde(rename = "f")]
    pub first_trade_id: u64,
    /// Last trade id.
    #[serde(rename = "l")]
    pub last_trade_id: u64,
    /// Trade time, exchange milliseconds.
    #[serde(rename = "T")]
    pub trade_time: u64,
    /// Whether the buyer was the maker.
    #[serde(rename = "m")]
    pub buyer_is_maker: bool,
}

/// `<symbol>@bookTicker`: the best bid and ask.
#[derive(Streamed, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[hft(crate = "crate")]
pub struct BookTicker {
    /// The order book update id.
    #[serde(rename = "u")]
    pub update_id: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: String,
    /// Best bid price.
    #[serde(rename = "b")]
    pub bid_price: Decimal,
    /// Best bid quantity.
    #[serde(rename = "B")]
    pub bid_qty: Decimal,
    /// Best ask price.
    #[serde(rename = "a")]
    pub ask_price: Decimal,
    /// Best ask quantity.
    #[serde(rename = "A")]
    pub ask_qty: Decimal,
}

/// `<symbol>@ticker`: 24 h rolling-window statistics.
#[derive(Streamed, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[hft(crate = "crate")]
pub struct Ticker24h {
    /// Event time, exchange milliseconds.
    #[serde(rename = "E")]
    pub event_time: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: String,
    /// Price change.
    #[serde(rename = "p")]
    pub price_change: Decimal,
    /// Price change, percent.
    #[serde(rename = "P")]
    pub price_change_percent: Decimal,
    /// Weighted average price.
    #[serde(rename = "w")]
    pub weighted_avg_price: Decimal,
    /// The price of the last trade before the window.
    #[serde(rename = "x")]
    pub prev_price: Decimal,
    /// Last price.
    #[serde(rename = "c")]
    pub last_price: Decimal,
    /// Last quantity.
    #[serde(rename = "Q")]
    pub last_qty: Decimal,
    /// Best bid price.
    #[serde(rename = "b")]
    pub bid_price: Decimal,
    /// Best bid quantity.
    #[serde(rename = "B")]
    pub bid_qty: Decimal,
    /// Best ask price.
    #[serde(rename = "a")]
    pub ask_price: Decimal,
    /// Best ask quantity.
    #[serde(rename = "A")]
    pub ask_qty: Decimal,
    /// Open price.
    #[serde(rename = "o")]
    pub open_price: Decimal,
    /// High price.
    #[serde(rename = "h")]
    pub high_price: Decimal,
    /// Low price.
    #[serde(rename = "l")]
    pub low_price: Decimal,
    /// Base asset volume.
    #[serde(rename = "v")]
    pub volume: Decimal,
    /// Quote asset volume.
    #[serde(rename = "q")]
    pub quote_volume: Decimal,
    /// Window open time, exchange milliseconds.
    #[serde(rename = "O")]
    pub open_time: u64,
    /// Window close time, exchange milliseconds.
    #[serde(rename = "C")]
    pub close_time: u64,
    /// First trade id (-1 without trades).
    #[serde(rename = "F")]
    pub first_trade_id: i64,
    /// Last trade id (-1 without trades).
    #[serde(rename = "L")]
    pub last_trade_id: i64,
    /// Number of trades.
    #[serde(rename = "n")]
    pub trades: u64,
}

/// `<symbol>@kline_<interval>`: the current candle of one interval.
#[derive(Streamed, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[hft(crate = "crate")]
pub struct KlineEvent {
    /// Event time, exchange milliseconds.
    #[serde(rename = "E")]
    pub event_time: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: String,
    /// The candle.
    #[serde(rename = "k")]
    pub kline: Kline,
}

/// One candle of a [`KlineEvent`].
#[derive(Streamed, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[hft(crate = "crate")]
pub struct Kline {
    /// Start time, exchange milliseconds.
    #[serde(rename = "t")]
    pub start_time: u64,
    /// Close time, exchange milliseconds.
    #[serde(rename = "T")]
    pub close_time: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: String,
    /// The interval (`1m`, `1h`, ...).
    #[serde(rename = "i")]
    pub interval: String,
    /// First trade id (-1 without trades).
    #[serde(rename = "f")]
    pub first_trade_id: i64,
    /// Last trade id (-1 without trades).
    #[serde(rename = "L")]
    pub last_trade_id: i64,
    /// Open price.
    #[serde(rename = "o")]
    pub open: Decimal,
    /// Close price.
    #[serde(rename = "c")]
    pub close: Decimal,
    /// High price.
    #[serde(rename = "h")]
    pub high: Decimal,
    /// Low price.
    #[serde(rename = "l")]
    pub low: Decimal,
    /// Base asset volume.
    #[serde(rename = "v")]
    pub volume: Decimal,
    /// Number of trades.
    #[serde(rename = "n")]
    pub trades: u64,
    /// Whether the candle is closed.
    #[serde(rename = "x")]
    pub closed: bool,
    /// Quote asset volume.
    #[serde(rename = "q")]
    pub quote_volume: Decimal,
    /// Taker buy base asset volume.
    #[serde(rename = "V")]
    pub taker_buy_volume: Decimal,
    /// Taker buy quote asset volume.
    #[serde(rename = "Q")]
    pub taker_buy_quote_volume: Decimal,
}

macro_rules! keyed_by_symbol {
    ($($ty:ty),*) => {$(
        impl Keyed for $ty {
            type Key = String;
            fn key(&self) -> String {
                self.symbol.clone()
            }
        }
    )*};
}

keyed_by_symbol!(Trade, AggTrade, BookTicker, Ticker24h);

/// Keyed by symbol and interval: one cache holds every interval of every symbol.
impl Keyed for KlineEvent {
    type Key = (String, String);
    fn key(&self) -> (String, String) {
        (self.symbol.clone(), self.kline.interval.clone())
    }
}
