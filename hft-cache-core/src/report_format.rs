//! How reports write durations and times (shared by the monitor, the kill switch and the journal).
//!
//! Durations in reports are milliseconds, as floats, so JSON readers need no duration format;
//! wall-clock stamps are Unix milliseconds, for people reading a report later.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `#[serde(with = "duration_ms")]` for a [`Duration`].
pub(crate) mod duration_ms {
    use std::time::Duration;

    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(super::millis(*d))
    }
}

/// `#[serde(with = "opt_duration_ms")]` for an `Option<Duration>`.
pub(crate) mod opt_duration_ms {
    use std::time::Duration;

    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&super::millis(*d)),
            None => s.serialize_none(),
        }
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Milliseconds since the Unix epoch now (0 if the system clock is before it).
pub(crate) fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `my_crate::types::SymbolInfo` → `SymbolInfo` (generic arguments kept), for the text report.
pub(crate) fn short_type_name(full: &str) -> &str {
    let end = full.find('<').unwrap_or(full.len());
    let start = full[..end].rfind("::").map_or(0, |i| i + 2);
    &full[start..]
}
