//! [`Refusal`]: why the pre-trade check kept an order from being sent, naming the rule, the
//! value and the limit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::ser::SerializeMap;

use rust_decimal::Decimal;

use super::InputKind;

/// The rule a [`Refusal`] broke: what refusals are counted, escalated and labelled by
/// (`hft_pre_trade_refusals_total{rule=".."}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// The order carried no [`Decision`](crate::pre_trade::Decision).
    NoDecision,
    /// An input was past its max age (or the decision budget) when the order was sent.
    InputExpired,
    /// A streamed input's feed broke after the read, or is unhealthy now.
    FeedBroken,
    /// The order's fields could not be read (symbol, side, type, price, quantity).
    Unreadable,
    /// No fresh book of the order's symbol in the decision.
    NoBook,
    /// The limit price is too far through the opposite best price, or from mid.
    PriceCollar,
    /// The venue's trading rules are missing or past their max age.
    RulesUnavailable,
    /// The price is not on the tick grid, or outside the venue's price bounds.
    PriceFilter,
    /// The quantity is not on the lot step, or outside the venue's quantity bounds.
    LotSize,
    /// The notional is outside the venue's bounds.
    Notional,
    /// The symbol has as many open orders as the venue allows, or their count is unknown.
    MaxOpenOrders,
    /// The quantity or notional is above the order limit.
    OrderLimit,
    /// The notional sent on the symbol within the window would pass its limit.
    WindowNotional,
    /// The message throttle has no room.
    Throttle,
    /// The same order was sent within the duplicate window.
    Duplicate,
}

impl Rule {
    /// Every rule, in order.
    pub const ALL: [Rule; 15] = [
        Rule::NoDecision,
        Rule::InputExpired,
        Rule::FeedBroken,
        Rule::Unreadable,
        Rule::NoBook,
        Rule::PriceCollar,
        Rule::RulesUnavailable,
        Rule::PriceFilter,
        Rule::LotSize,
        Rule::Notional,
        Rule::MaxOpenOrders,
        Rule::OrderLimit,
        Rule::WindowNotional,
        Rule::Throttle,
        Rule::Duplicate,
    ];

    /// The rule's name, as in reports and metric labels (`price_collar`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NoDecision => "no_decision",
            Rule::InputExpired => "input_expired",
            Rule::FeedBroken => "feed_broken",
            Rule::Unreadable => "unreadable",
            Rule::NoBook => "no_book",
            Rule::PriceCollar => "price_collar",
            Rule::RulesUnavailable => "rules_unavailable",
            Rule::PriceFilter => "price_filter",
            Rule::LotSize => "lot_size",
            Rule::Notional => "notional",
            Rule::MaxOpenOrders => "max_open_orders",
            Rule::OrderLimit => "order_limit",
            Rule::WindowNotional => "window_notional",
            Rule::Throttle => "throttle",
            Rule::Duplicate => "duplicate",
        }
    }

    /// Its position in [`ALL`](Self::ALL).
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Whether the venue's own filters would reject what this rule refused (price, lot,
    /// notional): the rules the mock exchange checks too.
    pub fn is_venue_filter(self) -> bool {
        matches!(self, Rule::PriceFilter | Rule::LotSize | Rule::Notional)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an order was refused before it was sent: the rule it broke, the value and the limit.
/// A signed client returns it as
/// [`RequestError::PreTrade`](crate::exchange::RequestError::PreTrade); nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The order carried no [`Decision`](crate::pre_trade::Decision), and the client does not allow
    /// undecided orders.
    #[error("no_decision: the order carries no decision, and undecided orders are not allowed")]
    NoDecision,
    /// An input was older than its max age (or the tighter decision budget) at the instant
    /// the order was to be sent.
    #[error("input_expired: {kind} input `{input}`{} was {age:?} old at send time, past its limit of {limit:?}", key_note(.key))]
    InputExpired {
        /// The kind of input.
        kind: InputKind,
        /// The cache (or live type) it was read from.
        input: String,
        /// The key read, for a cache read.
        key: Option<String>,
        /// Its age at send time.
        age: Duration,
        /// Its max age, or the decision budget where tighter.
        limit: Duration,
    },
    /// The feed that wrote a streamed input broke after the read (its epoch moved on), or is
    /// unhealthy now.
    #[error("feed_broken: feed `{feed}` of `{input}`{} was in epoch {read_epoch} at the read and is in epoch {epoch} ({}) at send time", key_note(.key), if *.healthy { "healthy again" } else { "unhealthy" })]
    FeedBroken {
        /// The cache the input was read from.
        input: String,
        /// The key read.
        key: Option<String>,
        /// The feed.
        feed: String,
        /// Its epoch at the read.
        read_epoch: u64,
        /// Its epoch at send time.
        epoch: u64,
        /// Whether it is healthy at send time.
        healthy: bool,
    },
    /// The order's fields could not be read.
    #[error("unreadable: {reason}")]
    Unreadable {
        /// What is missing or malformed.
        reason: String,
    },
    /// The decision has no book of the order's symbol (or a book without the side the check
    /// needs): a price-bearing order without a fresh book is refused.
    #[error("no_book: the decision has no fresh book of `{symbol}` with both sides")]
    NoBook {
        /// The order's symbol.
        symbol: String,
    },
    /// The limit price is further through the opposite best price, or from mid, than allowed.
    #[error("price_collar: price {price} is {deviation_bps} bps from the {reference_name} {reference}, past the limit of {limit_bps} bps")]
    PriceCollar {
        /// The limit price.
        price: Decimal,
        /// What it was compared with: `best ask`, `best bid` or `mid`.
        reference_name: &'static str,
        /// That price, from the decision's book.
        reference: Decimal,
        /// How far the price is from it, in basis points (rounded up to 0.01).
        deviation_bps: Decimal,
        /// The collar.
        limit_bps: Decimal,
    },
    /// The venue's trading rules for the symbol are missing or past their max age.
    #[error("rules_unavailable: no current trading rules for `{symbol}`: {reason}")]
    RulesUnavailable {
        /// The symbol.
        symbol: String,
        /// Why.
        reason: String,
    },
    /// The price is off the tick grid or outside the venue's bounds (`PRICE_FILTER`).
    #[error("price_filter: price {price} breaks the venue's {what} {limit}")]
    PriceFilter {
        /// The price.
        price: Decimal,
        /// `tick size`, `minimum price` or `maximum price`.
        what: &'static str,
        /// The rule's value.
        limit: Decimal,
    },
    /// The quantity is off the lot step or outside the venue's bounds (`LOT_SIZE`,
    /// `MARKET_LOT_SIZE`).
    #[error("lot_size: quantity {qty} breaks the venue's {what} {limit}")]
    LotSize {
        /// The quantity.
        qty: Decimal,
        /// `step size`, `minimum quantity` or `maximum quantity`.
        what: &'static str,
        /// The rule's value.
        limit: Decimal,
    },
    /// The notional is outside the venue's bounds (`MIN_NOTIONAL`, `NOTIONAL`).
    #[error("notional: notional {notional} breaks the venue's {what} {limit}")]
    Notional {
        /// Price × quantity (a market order's at the decision's best price).
        notional: Decimal,
        /// `minimum notional` or `maximum notional`.
        what: &'static str,
        /// The rule's value.
        limit: Decimal,
    },
    /// The symbol has as many open orders as the venue allows (`MAX_NUM_ORDERS`), or the
    /// decision does not say how many it has.
    #[error("max_open_orders: `{symbol}` has {} open orders, the venue allows {max}", .open.map_or_else(|| "an unknown number of".to_owned(), |n| n.to_string()))]
    MaxOpenOrders {
        /// The symbol.
        symbol: String,
        /// Its open orders, from the decision's fresh count; `None` if it has none.
        open: Option<u32>,
        /// The venue's limit.
        max: u32,
    },
    /// The quantity or notional is above the order limit.
    #[error("order_limit: {what} {value} is above the limit of {limit}")]
    OrderLimit {
        /// `quantity` or `notional`.
        what: &'static str,
        /// The order's value.
        value: Decimal,
        /// The limit.
        limit: Decimal,
    },
    /// The notional sent on the symbol within the window would pass its limit.
    #[error("window_notional: `{symbol}` has {sent} sent within {window:?}; {order} more would pass the limit of {limit}")]
    WindowNotional {
        /// The symbol.
        symbol: String,
        /// The notional already sent within the window.
        sent: Decimal,
        /// This order's notional.
        order: Decimal,
        /// The limit.
        limit: Decimal,
        /// The window.
        window: Duration,
    },
    /// The message throttle has no room: orders and cancels are sent at most `limit` per
    /// `per`.
    #[error(
        "throttle: more than {limit} orders and cancels per {per:?}; room again in {retry_in:?}"
    )]
    Throttle {
        /// The throttle's count.
        limit: u32,
        /// Its period.
        per: Duration,
        /// When the next order would fit.
        retry_in: Duration,
    },
    /// The same order (symbol, side, price, quantity) was sent within the window, and this
    /// decision does not mark it intentional.
    #[error("duplicate: the same order on `{symbol}` was sent {ago:?} ago, within the duplicate window of {window:?}")]
    Duplicate {
        /// The symbol.
        symbol: String,
        /// How long ago the same order was sent.
        ago: Duration,
        /// The window.
        window: Duration,
    },
}

fn key_note(key: &Option<String>) -> String {
    key.as_deref()
        .map_or_else(String::new, |key| format!(" (key `{key}`)"))
}

impl Refusal {
    /// The rule it broke.
    pub fn rule(&self) -> Rule {
        match self {
            Refusal::NoDecision => Rule::NoDecision,
            Refusal::InputExpired { .. } => Rule::InputExpired,
            Refusal::FeedBroken { .. } => Rule::FeedBroken,
            Refusal::Unreadable { .. } => Rule::Unreadable,
            Refusal::NoBook { .. } => Rule::NoBook,
            Refusal::PriceCollar { .. } => Rule::PriceCollar,
            Refusal::RulesUnavailable { .. } => Rule::RulesUnavailable,
            Refusal::PriceFilter { .. } => Rule::PriceFilter,
            Refusal::LotSize { .. } => Rule::LotSize,
            Refusal::Notional { .. } => Rule::Notional,
            Refusal::MaxOpenOrders { .. } => Rule::MaxOpenOrders,
            Refusal::OrderLimit { .. } => Rule::OrderLimit,
            Refusal::WindowNotional { .. } => Rule::WindowNotional,
            Refusal::Throttle { .. } => Rule::Throttle,
            Refusal::Duplicate { .. } => Rule::Duplicate,
        }
    }
}

/// How many orders the pre-trade check refused, by rule, since they were built (the
/// compliance report sums those registered with its registry). Serializes as `{"price_collar": 2, ...}` (rules with no refusal left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RefusalCounts {
    pub(super) counts: [u64; Rule::ALL.len()],
}

impl RefusalCounts {
    /// Refusals under `rule`.
    pub fn get(&self, rule: Rule) -> u64 {
        self.counts[rule.index()]
    }

    /// Refusals under every rule.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Each rule with its count, zero counts included, in [`Rule::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Rule, u64)> + '_ {
        Rule::ALL.iter().map(|rule| (*rule, self.get(*rule)))
    }
}

impl serde::Serialize for RefusalCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let nonzero = || self.iter().filter(|(_, n)| *n > 0);
        let mut map = serializer.serialize_map(Some(nonzero().count()))?;
        for (rule, n) in nonzero() {
            map.serialize_entry(rule.as_str(), &n)?;
        }
        map.end()
    }
}

/// The refusal counters one set of controls bumps and a registry's report reads.
#[derive(Debug, Default)]
pub(crate) struct RefusalTally {
    counts: [AtomicU64; Rule::ALL.len()],
}

impl RefusalTally {
    // The pre-trade controls (feature `venues`).
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn bump(&self, rule: Rule) {
        self.counts[rule.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Adds these counts to `into`.
    pub(crate) fn add_to(&self, into: &mut RefusalCounts) {
        for (sum, count) in into.counts.iter_mut().zip(&self.counts) {
            *sum = sum.saturating_add(count.load(Ordering::Relaxed));
        }
    }
}

crate::class::declare_class!(owned Plain for Rule);
crate::class::declare_class!(Plain for RefusalCounts);
crate::class::declare_class!(owned Plain for Refusal);
