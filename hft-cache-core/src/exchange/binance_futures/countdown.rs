//! `POST /fapi/v1/countdownCancelAll`'s answer.

use serde::Deserialize;

use super::wire::millis_text;

/// `POST /fapi/v1/countdownCancelAll`: `{"symbol":"BTCUSDT","countdownTime":"100000"}`, the
/// countdown the venue now runs for the symbol (0: stopped). Live: it says what the venue's
/// timer was when it answered, nothing later.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CountdownArmed {
    /// The symbol.
    pub symbol: String,
    /// The countdown in milliseconds (text on the wire, as the docs show it).
    #[serde(deserialize_with = "millis_text")]
    #[hft(trusted_transform)]
    pub countdown_time: u64,
}
