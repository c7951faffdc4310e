//! Binance's market stream names (`btcusdt@depth@100ms`, `btcusdt@kline_1m`, ...), parsed.

use super::trades::KlineInterval;

/// How often a depth stream publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speed {
    /// `@depth`, `@depth5`: every second by default.
    Standard,
    /// `@depth@100ms`, `@depth5@100ms`: every 100 ms by default.
    Fast,
}

impl Speed {
    pub(crate) const ALL: [Speed; 2] = [Speed::Standard, Speed::Fast];

    pub(crate) fn index(self) -> usize {
        match self {
            Speed::Standard => 0,
            Speed::Fast => 1,
        }
    }

    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Speed::Standard => "",
            Speed::Fast => "@100ms",
        }
    }
}

/// The levels a partial book depth stream may have.
pub(crate) const PARTIAL_LEVELS: [usize; 3] = [5, 10, 20];

/// What a stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamKind {
    Depth(Speed),
    Partial(usize, Speed),
    Trade,
    AggTrade,
    BookTicker,
    Ticker,
    MiniTicker,
    Kline(KlineInterval),
}

/// A parsed stream name: the symbol (upper-case, as listed) and what the stream carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StreamName {
    pub(crate) symbol: String,
    pub(crate) kind: StreamKind,
    /// The name spelled the default speed out (`@depth@1000ms`, `@depth5@1000ms`): the same
    /// stream as without it, under the name the client used.
    pub(crate) explicit_standard: bool,
}

impl StreamName {
    /// Parses `<symbol>@<stream>`; `None` if it is not a stream the mock serves.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        let (symbol, rest) = name.split_once('@')?;
        if symbol.is_empty() {
            return None;
        }
        // The venue takes the default speed spelled out as well as the fast one, on every
        // stream that has a speed: the diff and the partial depth streams.
        let (base, speed) = if let Some(base) = rest.strip_suffix("@100ms") {
            (base, Some(Speed::Fast))
        } else if let Some(base) = rest.strip_suffix("@1000ms") {
            (base, Some(Speed::Standard))
        } else {
            (rest, None)
        };
        let explicit_standard = speed == Some(Speed::Standard);
        let kind = match (base, speed) {
            ("depth", speed) => StreamKind::Depth(speed.unwrap_or(Speed::Standard)),
            ("trade", None) => StreamKind::Trade,
            ("aggTrade", None) => StreamKind::AggTrade,
            ("bookTicker", None) => StreamKind::BookTicker,
            ("ticker", None) => StreamKind::Ticker,
            ("miniTicker", None) => StreamKind::MiniTicker,
            (other, speed) => {
                if let Some(levels) = other.strip_prefix("depth") {
                    let levels: usize = levels.parse().ok()?;
                    if !PARTIAL_LEVELS.contains(&levels) {
                        return None;
                    }
                    StreamKind::Partial(levels, speed.unwrap_or(Speed::Standard))
                } else if let (Some(interval), None) = (other.strip_prefix("kline_"), speed) {
                    StreamKind::Kline(KlineInterval::parse(interval)?)
                } else {
                    return None;
                }
            }
        };
        Some(StreamName {
            symbol: symbol.to_ascii_uppercase(),
            kind,
            explicit_standard,
        })
    }

    /// The name frames of this subscription carry (`"stream"` of a combined frame,
    /// `LIST_SUBSCRIPTIONS`): the canonical name, with `@1000ms` if the client wrote it.
    pub(crate) fn label(&self) -> String {
        if self.explicit_standard {
            format!("{}@1000ms", self.canonical())
        } else {
            self.canonical()
        }
    }

    /// The canonical name, as events are published under: lower-case symbol.
    pub(crate) fn canonical(&self) -> String {
        let symbol = self.symbol.to_ascii_lowercase();
        match self.kind {
            StreamKind::Depth(speed) => format!("{symbol}@depth{}", speed.suffix()),
            StreamKind::Partial(levels, speed) => {
                format!("{symbol}@depth{levels}{}", speed.suffix())
            }
            StreamKind::Trade => format!("{symbol}@trade"),
            StreamKind::AggTrade => format!("{symbol}@aggTrade"),
            StreamKind::BookTicker => format!("{symbol}@bookTicker"),
            StreamKind::Ticker => format!("{symbol}@ticker"),
            StreamKind::MiniTicker => format!("{symbol}@miniTicker"),
            StreamKind::Kline(interval) => format!("{symbol}@kline_{}", interval.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_names_parse_and_round_trip() {
        for name in [
            "btcusdt@depth",
            "btcusdt@depth@100ms",
            "btcusdt@depth5",
            "btcusdt@depth20@100ms",
            "btcusdt@trade",
            "btcusdt@aggTrade",
            "btcusdt@bookTicker",
            "btcusdt@ticker",
            "btcusdt@miniTicker",
            "btcusdt@kline_1m",
            "btcusdt@kline_1M",
        ] {
            let parsed = StreamName::parse(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(parsed.canonical(), name);
            assert_eq!(parsed.label(), name);
        }
        for (spelled, published) in [
            ("btcusdt@depth@1000ms", "btcusdt@depth"),
            ("btcusdt@depth5@1000ms", "btcusdt@depth5"),
            ("btcusdt@depth10@1000ms", "btcusdt@depth10"),
            ("btcusdt@depth20@1000ms", "btcusdt@depth20"),
        ] {
            let parsed = StreamName::parse(spelled).unwrap_or_else(|| panic!("{spelled}"));
            assert_eq!(parsed.canonical(), published);
            assert_eq!(parsed.label(), spelled);
        }
        for bad in [
            "btcusdt",
            "@depth",
            "btcusdt@depth7",
            "btcusdt@trade@100ms",
            "btcusdt@kline_2m",
            "btcusdt@depth@500ms",
            "btcusdt@trade@1000ms",
            "btcusdt@bookTicker@1000ms",
            "btcusdt@kline_1m@1000ms",
            "btcusdt@depth@1000ms@100ms",
            "btcusdt@aggtrade",
        ] {
            assert!(StreamName::parse(bad).is_none(), "{bad}");
        }
    }
}
