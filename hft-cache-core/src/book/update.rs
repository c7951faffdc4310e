//! Venue-neutral book messages: what a [`BookSync`](super::BookSync) consumes.

use rust_decimal::Decimal;

/// A full book at one update id: from a REST call (Binance) or the stream itself (Bybit, OKX).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookSnapshot {
    /// The id of the last update the snapshot includes.
    pub update_id: u64,
    /// The venue's cross-sequence number, where it sends one (Bybit's `seq`).
    pub seq: Option<u64>,
    /// Bid levels: (price, quantity).
    pub bids: Vec<(Decimal, Decimal)>,
    /// Ask levels: (price, quantity).
    pub asks: Vec<(Decimal, Decimal)>,
    /// The venue's checksum of the book after this snapshot, where it sends one (OKX).
    pub checksum: Option<i32>,
}

/// The levels that changed between two update ids; quantity 0 removes a level.
///
/// Venues with one id per message (Bybit's `u`) set `first_update_id == last_update_id`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookDelta {
    /// The first update id the delta covers (Binance's `U`).
    pub first_update_id: u64,
    /// The last update id the delta covers (Binance's `u`).
    pub last_update_id: u64,
    /// The venue's cross-sequence number, where it sends one (Bybit's `seq`).
    pub seq: Option<u64>,
    /// Bid levels that changed: (price, quantity).
    pub bids: Vec<(Decimal, Decimal)>,
    /// Ask levels that changed: (price, quantity).
    pub asks: Vec<(Decimal, Decimal)>,
    /// The venue's checksum of the book after this delta, where it sends one (OKX).
    pub checksum: Option<i32>,
    /// The last update id of the venue's previous message, where it sends one (Binance USD-M
    /// futures' `pu`): [`FuturesDepthSync`](super::FuturesDepthSync) chains deltas by it.
    pub prev_update_id: Option<u64>,
}

crate::class::declare_class!(owned Plain for BookSnapshot);
crate::class::declare_class!(owned Plain for BookDelta);
