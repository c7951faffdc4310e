//! The order vocabulary every layer shares: how a venue names an order's fields, the fields of
//! one order request, and a paper-phase fill. Below the trading gate, the journal and the
//! venues, so that each of them names it without naming the others.

use rust_decimal::Decimal;

/// How a paper-phase order came out, as the simulation filled it against the current book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaperStatus {
    /// Resting, nothing filled.
    New,
    /// Part filled, the rest resting.
    PartiallyFilled,
    /// Filled completely.
    Filled,
    /// Not resting (IOC, FOK, market) and not filled completely.
    Expired,
}

/// A paper-phase fill, for [`Venue::paper_answer`](crate::exchange::Venue::paper_answer): the order as sent and what the simulation
/// made of it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PaperFill<'a> {
    /// The symbol.
    pub symbol: &'a str,
    /// The side, as sent.
    pub side: &'a str,
    /// The order type, as sent.
    pub order_type: &'a str,
    /// The time in force, as sent.
    pub time_in_force: Option<&'a str>,
    /// The limit price.
    pub price: Option<rust_decimal::Decimal>,
    /// The quantity ordered.
    pub quantity: rust_decimal::Decimal,
    /// The client order id, as sent (or added by the journal).
    pub client_order_id: Option<&'a str>,
    /// The quantity filled.
    pub executed: rust_decimal::Decimal,
    /// The quote quantity filled.
    pub quote: rust_decimal::Decimal,
    /// The outcome.
    pub status: PaperStatus,
    /// Each fill: price and quantity.
    pub fills: &'a [(rust_decimal::Decimal, rust_decimal::Decimal)],
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
}

/// How a venue names an order's fields in an order placement's parameters: what the
/// [`OrderJournal`](crate::journal::OrderJournal) reads from each placement, and the parameter
/// a client order id is given in when the journal adds one.
///
/// ```
/// use hft_cache::exchange::bybit::Bybit;
/// use hft_cache::exchange::Venue;
///
/// let fields = Bybit.order_fields("/v5/order/create").expect("Bybit names its order fields");
/// assert_eq!((fields.quantity, fields.client_order_id), ("qty", "orderLinkId"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderFields {
    /// The symbol (`symbol`, `instId`).
    pub symbol: &'static str,
    /// The side (`side`).
    pub side: &'static str,
    /// The order type (`type`, `orderType`, `ordType`).
    pub order_type: &'static str,
    /// The time in force (`timeInForce`; empty where the venue has none).
    pub time_in_force: &'static str,
    /// The limit price (`price`, `px`).
    pub price: &'static str,
    /// The quantity (`quantity`, `qty`, `sz`).
    pub quantity: &'static str,
    /// The client order id (`newClientOrderId`, `orderLinkId`, `clOrdId`).
    pub client_order_id: &'static str,
    /// The longest client order id the venue accepts (Binance 36, Bybit 36, OKX 32).
    pub client_order_id_max_len: usize,
    /// In the venue's answer to a placement: the order id (a number, or a string of digits),
    /// the status and the quantity filled at once (empty where the answer has none).
    pub answer_order_id: &'static str,
    /// See [`answer_order_id`](Self::answer_order_id).
    pub answer_status: &'static str,
    /// See [`answer_order_id`](Self::answer_order_id).
    pub answer_executed_qty: &'static str,
}

impl OrderFields {
    /// Names every field; `client_order_id_max_len` 36.
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        symbol: &'static str,
        side: &'static str,
        order_type: &'static str,
        time_in_force: &'static str,
        price: &'static str,
        quantity: &'static str,
        client_order_id: &'static str,
    ) -> Self {
        OrderFields {
            symbol,
            side,
            order_type,
            time_in_force,
            price,
            quantity,
            client_order_id,
            client_order_id_max_len: 36,
            answer_order_id: "",
            answer_status: "",
            answer_executed_qty: "",
        }
    }

    /// How the venue's answer to a placement names the order id, status and quantity filled
    /// (default: none of them; the journal then records an accepted order without them).
    pub const fn answer(
        mut self,
        order_id: &'static str,
        status: &'static str,
        executed_qty: &'static str,
    ) -> Self {
        self.answer_order_id = order_id;
        self.answer_status = status;
        self.answer_executed_qty = executed_qty;
        self
    }

    /// The longest client order id the venue accepts.
    pub const fn client_order_id_max_len(mut self, len: usize) -> Self {
        self.client_order_id_max_len = len;
        self
    }
}

/// The fields of an order request the journal and the paper simulation need, read from its
/// parameters under the names its venue gives them ([`OrderFields`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct OrderRequest {
    pub(crate) symbol: Option<String>,
    pub(crate) side: Option<String>,
    pub(crate) order_type: Option<String>,
    pub(crate) time_in_force: Option<String>,
    pub(crate) price: Option<Decimal>,
    pub(crate) quantity: Option<Decimal>,
    pub(crate) client_order_id: Option<String>,
}

impl OrderRequest {
    /// The fields `names` names; nothing without names (a venue that does not describe its
    /// orders is journaled by path and outcome only).
    pub(crate) fn from_pairs(pairs: &[(String, String)], names: Option<&OrderFields>) -> Self {
        let Some(names) = names else {
            return OrderRequest::default();
        };
        let get = |name: &str| {
            if name.is_empty() {
                return None;
            }
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let decimal = |name: &str| get(name).and_then(|v| v.parse::<Decimal>().ok());
        OrderRequest {
            symbol: get(names.symbol),
            side: get(names.side),
            order_type: get(names.order_type),
            time_in_force: get(names.time_in_force),
            price: decimal(names.price),
            quantity: decimal(names.quantity),
            client_order_id: get(names.client_order_id),
        }
    }
}

crate::class::declare_class!(Plain for OrderFields);
crate::class::declare_class!(Plain for PaperStatus);
crate::class::declare_class!(['a] Plain for PaperFill<'a>);
