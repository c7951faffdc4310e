//! One [`JournalEntry`]: an order request and what came of it.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::clock::Timestamp;

/// One order request this process sent, simulated or refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// Position in the journal, from 1.
    pub seq: u64,
    /// When the request was made, on the journal's clock (nanoseconds from its origin).
    pub at: Timestamp,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// The venue it was sent to ([`Venue::name`](crate::exchange::Venue::name): `binance`,
    /// `bybit`, ...).
    pub venue: &'static str,
    /// The endpoint, e.g. `/api/v3/order`.
    pub path: String,
    /// The symbol, as sent.
    pub symbol: Option<String>,
    /// `BUY` or `SELL`, as sent.
    pub side: Option<String>,
    /// The order type, as sent (`LIMIT`, `MARKET`, ...).
    pub order_type: Option<String>,
    /// The limit price, if any.
    pub price: Option<Decimal>,
    /// The quantity, if any.
    pub quantity: Option<Decimal>,
    /// The client order id the request carried (the client adds one when the caller did not,
    /// so the assessment can always look the order up).
    pub client_order_id: Option<String>,
    /// Each input of the order's [`Decision`](crate::pre_trade::Decision), with its age as the
    /// crate measured it from the input's receipt at the instant of the pre-trade check (right
    /// before sending); empty without a decision or without pre-trade controls.
    pub inputs: Vec<crate::receipt::InputAge>,
    /// Live (sent to the exchange) or paper (simulated).
    pub mode: OrderMode,
    /// What came of it.
    pub outcome: OrderOutcome,
}

/// Whether an order went to the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderMode {
    /// Sent to the exchange (or refused before it was).
    Live,
    /// Answered by the paper phase's simulation; nothing was sent.
    Paper,
}

/// What came of an order request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderOutcome {
    /// The exchange (or, in the paper phase, the simulation) accepted it.
    Accepted {
        /// The exchange's order id.
        order_id: Option<u64>,
        /// The status it answered with (`NEW`, `FILLED`, ...).
        status: Option<String>,
        /// The quantity filled at once.
        executed_qty: Option<Decimal>,
    },
    /// The exchange answered with an error: the order was not placed.
    Rejected {
        /// The error.
        error: String,
    },
    /// No answer (timeout, connection lost, unreadable body): the order may or may not be on
    /// the exchange. The assessment looks it up by its client order id.
    Unknown {
        /// The error.
        error: String,
    },
    /// Refused before sending: trading halted, or a paper-phase fault.
    Refused {
        /// Why.
        reason: String,
    },
}

impl OrderOutcome {
    /// Whether the order may exist on the exchange: accepted live, or sent without an answer.
    pub fn may_be_on_exchange(&self, mode: OrderMode) -> bool {
        mode == OrderMode::Live
            && matches!(
                self,
                OrderOutcome::Accepted { .. } | OrderOutcome::Unknown { .. }
            )
    }
}

crate::class::declare_class!(Plain for JournalEntry);
crate::class::declare_class!(Plain for OrderMode);
crate::class::declare_class!(Plain for OrderOutcome);
