//! Binance's JSON: the REST depth snapshot and the diff-depth stream event (spot's, and USD-M
//! futures', which add `pu`, and `E`/`T` to the snapshot).

use rust_decimal::Decimal;
use serde::Deserialize;

use super::update::{BookDelta, BookSnapshot};

/// `GET /api/v3/depth` (or futures' `GET /fapi/v1/depth`): the book at `lastUpdateId`.
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
    /// The previous event's last update id (USD-M futures' `pu`; spot sends none).
    #[serde(rename = "pu", default)]
    pub prev_update_id: Option<u64>,
    /// Bid levels that changed; quantity 0 removes.
    #[serde(rename = "b")]
    pub bids: Vec<(Decimal, Decimal)>,
    /// Ask levels that changed; quantity 0 removes.
    #[serde(rename = "a")]
    pub asks: Vec<(Decimal, Decimal)>,
}

impl From<DepthSnapshot> for BookSnapshot {
    fn from(s: DepthSnapshot) -> Self {
        BookSnapshot {
            update_id: s.last_update_id,
            seq: None,
            bids: s.bids,
            asks: s.asks,
            checksum: None,
        }
    }
}

impl From<DepthUpdate> for BookDelta {
    fn from(e: DepthUpdate) -> Self {
        BookDelta {
            first_update_id: e.first_update_id,
            last_update_id: e.last_update_id,
            seq: None,
            bids: e.bids,
            asks: e.asks,
            checksum: None,
            prev_update_id: e.prev_update_id,
        }
    }
}

crate::class::declare_class!(owned Plain for DepthSnapshot);
crate::class::declare_class!(owned Plain for DepthUpdate);
