//! The exchange's JSON: the REST depth snapshot and the diff-depth stream event (Binance spot).

use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET /api/v3/depth`: the book at `lastUpdateId`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DepthSnapshot {
    /// The id of the last update included.
    #[serde(rename = "lastUpdateId")]
    pub last_update_id: u64,
    /// Bid levels, `["price", "qty"]`.
    pub bids: Vec<(Decimal, Decimal)>,
    /// Ask levels, `["price", "qty"]`.
    pub asks: Vec<(Decimal, Decimal)>,
}

/// A `depthUpdate` stream event: the levels that changed between updates `U` and `u`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DepthUpdate {
    /// The event type, `depthUpdate`.
    #[serde(rename = "e")]
    pub event: String,
    /// The event time, in exchange milliseconds.
    #[serde(rename = "E", default)]
    pub event_time: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: String,
    /// The first update id in the event.
    #[serde(rename = "U")]
    pub first_update_id: u64,
    /// The last update id in the event.
    #[serde(rename = "u")]
    pub last_update_id: u64,
    /// Bid levels that changed; quantity 0 removes.
    #[serde(rename = "b")]
    pub bids: Vec<(Decimal, Decimal)>,
    /// Ask levels that changed; quantity 0 removes.
    #[serde(rename = "a")]
    pub asks: Vec<(Decimal, Decimal)>,
}
