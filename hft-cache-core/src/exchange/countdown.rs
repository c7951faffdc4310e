//! [`CountdownCancel`]: a venue's own dead man's switch, as a signed call.

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::venue::{OrderVenue, VenueCall};
use crate::policy::Live;

/// A venue that cancels a symbol's resting orders by itself once a countdown lapses, unless
/// the countdown is renewed first: the exchange-side backstop of the kill switch's sweep.
/// [`DeadMan`](crate::kill_switch::DeadMan) arms it per symbol and renews it while the
/// process is healthy and its gate is live.
///
/// The crate implements it for [`BinanceFutures`](super::binance_futures::BinanceFutures)
/// (`POST /fapi/v1/countdownCancelAll`). Bybit v5's disconnected cancel-all (DCP) is bound to
/// a websocket session and OKX's `cancel-all-after` to a REST timer; neither is implemented
/// yet; Binance spot has none.
pub trait CountdownCancel: OrderVenue {
    /// The venue's answer to [`arm`](Self::arm) and [`disarm`](Self::disarm) (only its
    /// success is used).
    type Armed: Live + DeserializeOwned;

    /// Starts (or restarts) the countdown of `symbol`: its open orders are cancelled
    /// `countdown` from now unless this call comes again first.
    fn arm(&self, symbol: &str, countdown: Duration) -> VenueCall;

    /// Stops the countdown of `symbol`.
    fn disarm(&self, symbol: &str) -> VenueCall;
}
