//! Each venue's answers as the fetch decodes them, and their error codes as the signed client
//! classifies them: Binance's bare bodies and `{"code":..,"msg":..}` errors, Bybit's
//! `BybitEnvelope`, OKX's `OkxEnvelope` (per-order `sCode`s, codes as text or numbers). The
//! input's first two bytes are the HTTP status, its third says whether the call placed an
//! order, the rest is the body. Nothing may panic.
#![no_main]

use hft_cache_core::exchange::binance::Binance;
use hft_cache_core::exchange::bybit::{Bybit, BybitEnvelope};
use hft_cache_core::exchange::okx::{Okx, OkxEnvelope};
use hft_cache_core::exchange::Venue;
use hft_cache_core::fetch::{Envelope, FetchError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [high, low, placing, body @ ..] = data else {
        return;
    };
    // Statuses around the interesting ones (2xx, 4xx, 5xx) more often than not.
    let status = 100 + u16::from_be_bytes([*high, *low]) % 500;
    let placing = placing & 1 == 1;
    answer(&Binance, status, body, placing);
    answer(&Bybit, status, body, placing);
    answer(&Okx::new("passphrase"), status, body, placing);
    // The envelopes on their own, as a user's `Envelope` test would open them.
    if let Ok(envelope) = serde_json::from_slice::<BybitEnvelope>(body) {
        let _ = envelope.open();
    }
    if let Ok(envelope) = serde_json::from_slice::<OkxEnvelope>(body) {
        let _ = envelope.open();
    }
});

/// The venue's answer decoded in its format (`Bare` for Binance, its envelope for the others).
fn answer<V: Venue>(venue: &V, status: u16, body: &[u8], placing: bool) {
    let decoded = hft_cache_core::__fuzz::decode::<V::Format, serde_json::Value>(status, body);
    if let Err(error) = decoded {
        let code = match &error {
            FetchError::Exchange { code, .. } => Some(*code),
            _ => None,
        };
        let status = error.status().unwrap_or(status);
        let _ = venue.classify(status, code, placing);
        let _ = (error.to_string(), error.retry_after());
    }
}
