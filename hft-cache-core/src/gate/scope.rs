//! [`HaltScope`]: what a halt covers, everything or one venue, symbol or strategy.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a halt covers: everything, or the orders of one venue, one symbol (on every venue), or
/// one strategy (the orders whose client order id starts with the strategy's prefix, Binance's
/// `newClientOrderId`, Bybit's `orderLinkId`).
///
/// A scoped halt closes the [`TradingGate`](super::TradingGate) only for orders in its scope
/// ([`check_order`](super::TradingGate::check_order)) and the kill switch's cancel sweep
/// cancels only their orders; scoped halts stack, and each is lifted by naming it.
///
/// ```
/// use hft_cache::kill_switch::HaltScope;
///
/// let mm = HaltScope::strategy("mm-");
/// assert!(mm.covers_order("binance", "BTCUSDT", Some("mm-42")));
/// assert!(!mm.covers_order("binance", "BTCUSDT", Some("arb-7")));
/// assert!(HaltScope::All.covers(&mm));
/// assert_eq!(HaltScope::symbol("ETHUSDT").to_string(), "symbol ETHUSDT");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HaltScope {
    /// Every order on every venue.
    #[default]
    All,
    /// Every order on one venue (its [`Venue::name`](crate::exchange::Venue::name)).
    Venue {
        /// The venue's name, e.g. `binance`.
        venue: String,
    },
    /// Every order on one symbol, on every venue.
    Symbol {
        /// The symbol, as the venues spell it.
        symbol: String,
    },
    /// Every order whose client order id starts with `prefix`.
    Strategy {
        /// The strategy's client order id prefix.
        prefix: String,
    },
}

impl HaltScope {
    /// One venue's orders.
    pub fn venue(venue: impl Into<String>) -> Self {
        HaltScope::Venue {
            venue: venue.into(),
        }
    }

    /// One symbol's orders, on every venue.
    pub fn symbol(symbol: impl Into<String>) -> Self {
        HaltScope::Symbol {
            symbol: symbol.into(),
        }
    }

    /// One strategy's orders: those whose client order id starts with `prefix`.
    pub fn strategy(prefix: impl Into<String>) -> Self {
        HaltScope::Strategy {
            prefix: prefix.into(),
        }
    }

    /// Whether this is the halt of everything.
    pub fn is_all(&self) -> bool {
        matches!(self, HaltScope::All)
    }

    /// Whether an order on `venue` and `symbol` with `client_order_id` is in this scope. An
    /// order without a client order id is in no strategy's scope.
    pub fn covers_order(&self, venue: &str, symbol: &str, client_order_id: Option<&str>) -> bool {
        match self {
            HaltScope::All => true,
            HaltScope::Venue { venue: v } => v == venue,
            HaltScope::Symbol { symbol: s } => s == symbol,
            HaltScope::Strategy { prefix } => {
                client_order_id.is_some_and(|id| id.starts_with(prefix.as_str()))
            }
        }
    }

    /// Whether every order in `other` is in this scope too.
    pub fn covers(&self, other: &HaltScope) -> bool {
        match (self, other) {
            (HaltScope::All, _) => true,
            (HaltScope::Strategy { prefix: a }, HaltScope::Strategy { prefix: b }) => {
                b.starts_with(a.as_str())
            }
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for HaltScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HaltScope::All => f.write_str("all"),
            HaltScope::Venue { venue } => write!(f, "venue {venue}"),
            HaltScope::Symbol { symbol } => write!(f, "symbol {symbol}"),
            HaltScope::Strategy { prefix } => write!(f, "strategy {prefix}"),
        }
    }
}

crate::class::declare_class!(Plain for HaltScope);
