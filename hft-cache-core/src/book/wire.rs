//! Binance spot's JSON: the REST depth snapshot and the diff-depth stream event.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::update::{BookDelta, BookSnapshot};

/// `GET /api/v3/depth`: the book at `lastUpdateId`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DepthSnapshot {
    /// The id of the last update included.
    #[serde(rename = "lastUpdateId")]
    pub last_update_id: u64,
    /// Bid levels, `["price", "qty"]`.
    #[serde(deserialize_with = "levels")]
    pub bids: Vec<(Decimal, Decimal)>,
    /// Ask levels, `["price", "qty"]`.
    #[serde(deserialize_with = "levels")]
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
    #[serde(rename = "b", deserialize_with = "levels")]
    pub bids: Vec<(Decimal, Decimal)>,
    /// Ask levels that changed; quantity 0 removes.
    #[serde(rename = "a", deserialize_with = "levels")]
    pub asks: Vec<(Decimal, Decimal)>,
}

/// `[["price","qty"], ...]`, each decimal parsed straight from the frame's text: a depth frame is
/// mostly decimals, and the general parser was most of its decoding time.
fn levels<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<(Decimal, Decimal)>, D::Error> {
    struct Levels;
    impl<'de> Visitor<'de> for Levels {
        type Value = Vec<(Decimal, Decimal)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of [price, quantity] string pairs")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(5000));
            while let Some(Level(price, qty)) = seq.next_element()? {
                out.push((price, qty));
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(Levels)
}

/// One `["price","qty"]` pair.
struct Level(Decimal, Decimal);

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pair;
        impl<'de> Visitor<'de> for Pair {
            type Value = Level;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [price, quantity] pair of decimal strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Level, A::Error> {
                let price = seq
                    .next_element::<DecimalStr>()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let qty = seq
                    .next_element::<DecimalStr>()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(Level(price.0, qty.0))
            }
        }
        deserializer.deserialize_seq(Pair)
    }
}

/// A decimal written as a JSON string, as Binance writes prices and quantities.
struct DecimalStr(Decimal);

impl<'de> Deserialize<'de> for DecimalStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = DecimalStr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DecimalStr, E> {
                parse_decimal(text)
                    .map(DecimalStr)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// Plain `digits[.digits]` directly; anything else (sign, exponent, too many digits) through
/// `Decimal`'s own parser, so the result is always the one `str::parse` gives.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    // 19 digits always fit a u64: the common case, without 128-bit arithmetic.
    if bytes.is_empty() || bytes.len() > 20 {
        return text.parse().ok();
    }
    let mut mantissa: u64 = 0;
    let mut scale: Option<u32> = None;
    let mut digits = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
            }
            b'.' if scale.is_none() && i > 0 && i + 1 < bytes.len() => {
                scale = Some((bytes.len() - i - 1) as u32);
            }
            _ => return text.parse().ok(),
        }
    }
    if digits > 19 {
        return text.parse().ok();
    }
    Some(Decimal::from_i128_with_scale(
        i128::from(mantissa),
        scale.unwrap_or(0),
    ))
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
        }
    }
}

crate::class::declare_class!(Streamed for DepthSnapshot);
crate::class::declare_class!(Streamed for DepthUpdate);

#[cfg(test)]
mod tests {
    use super::parse_decimal;
    use rust_decimal::Decimal;

    #[test]
    fn the_fast_decimal_parser_agrees_with_str_parse() {
        for text in [
            "0",
            "0.0",
            "0.00000000",
            "60000.01000000",
            "4.00000200",
            "1234567890123456789",
            "12345678901234567890",
            "0.1234567890123456789",
            "99999999999999999999999999.5",
            "-1.5",
            "1e5",
            "1.",
            ".5",
            "",
            "1.2.3",
            "abc",
            "+3",
            "0.0000000000000000000000000001",
        ] {
            assert_eq!(
                parse_decimal(text),
                text.parse::<Decimal>().ok(),
                "{text:?}"
            );
            if let Some(d) = parse_decimal(text) {
                assert_eq!(
                    d.scale(),
                    text.parse::<Decimal>().unwrap().scale(),
                    "{text:?}"
                );
            }
        }
    }
}
