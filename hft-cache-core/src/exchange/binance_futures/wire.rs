//! How futures answers spell numbers the types read as integers.

use serde::Deserialize;

/// A whole number Binance sends as text (`"10"`) or as a number.
pub(super) fn number_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Number(u32),
        Text(String),
    }
    match Text::deserialize(d)? {
        Text::Number(n) => Ok(n),
        Text::Text(text) => text.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// Milliseconds Binance sends as text (`"100000"`, as `countdownCancelAll` answers) or as a
/// number.
pub(super) fn millis_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Number(u64),
        Text(String),
    }
    match Text::deserialize(d)? {
        Text::Number(n) => Ok(n),
        Text::Text(text) => text.trim().parse().map_err(serde::de::Error::custom),
    }
}
