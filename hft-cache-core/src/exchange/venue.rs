//! [`Venue`]: what a signed client needs to know about one exchange's REST API.

use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::error::ExchangeErrorKind;
use super::signer::{InvalidApiKey, RequestSigner};
use crate::fetch::ResponseFormat;
use crate::fresh::Fresh;
pub use crate::order::{OrderFields, PaperFill, PaperStatus};
use crate::policy::Live;
use crate::pre_trade::Decision;

/// One exchange's REST conventions, for [`SignedClient<V>`](super::SignedClient): how answers
/// are wrapped, how requests are signed and their parameters encoded, where the server time is,
/// which calls place orders, and what its error codes mean.
///
/// The crate ships [`Binance`](super::binance::Binance),
/// [`BinanceFutures`](super::binance_futures::BinanceFutures), [`Bybit`](super::bybit::Bybit)
/// and [`Okx`](super::okx::Okx); a
/// new venue is one implementation of this trait (and of [`Envelope`](crate::fetch::Envelope)
/// and [`RequestSigner`] if its answers or signatures are new), with no other glue.
pub trait Venue: Send + Sync + std::fmt::Debug + 'static {
    /// How answers are laid out: [`Bare`](crate::fetch::Bare) or
    /// [`Enveloped<E>`](crate::fetch::Enveloped).
    type Format: ResponseFormat;
    /// The answer of the server-time endpoint.
    type ServerTime: ServerTime + DeserializeOwned;

    /// The default server-time endpoint (the builder's
    /// [`time_endpoint`](super::SignedClientBuilder::time_endpoint) overrides it).
    fn time_path(&self) -> &str;

    /// How parameters of a request with a body (`POST`, `PUT`) are encoded.
    fn body_encoding(&self) -> BodyEncoding;

    /// Whether `method path` places an order (or raises exposure), so that the trading gate
    /// must pass first. Cancels and queries must not match: they stay allowed while halted.
    /// The builder's [`order_rule`](super::SignedClientBuilder::order_rule) overrides it.
    fn places_order(&self, method: &Method, path: &str) -> bool;

    /// What a failure means. `code` is the venue's error code when it sent one; `status` the
    /// HTTP status; `placing_order` whether the call was an order placement, where a server
    /// error means the order's fate is unknown.
    fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind;

    /// The venue's signer for an API key and secret (what
    /// [`api_key`](super::SignedClientBuilder::api_key) and
    /// [`secret`](super::SignedClientBuilder::secret) build).
    ///
    /// # Errors
    ///
    /// [`InvalidApiKey`] for a key an HTTP header cannot carry.
    fn signer(
        &self,
        api_key: &str,
        secret: SecretString,
    ) -> Result<Box<dyn RequestSigner>, InvalidApiKey>;

    /// The venue's name in reports and [halt scopes](crate::kill_switch::HaltScope::venue)
    /// (`binance`, `binance-futures`, `bybit`, `okx`; default `custom`).
    fn name(&self) -> &'static str {
        "custom"
    }

    /// How the venue names an order's fields in a placement to `path`, for the
    /// [`OrderJournal`](crate::journal::OrderJournal) (default: `None`, the journal records the
    /// path and the outcome only, and adds no client order id). An empty
    /// [`client_order_id`](OrderFields::client_order_id) means the path takes none.
    fn order_fields(&self, path: &str) -> Option<OrderFields> {
        let _ = path;
        None
    }

    /// The answer the venue gives to an accepted order placement, built from a paper-phase
    /// fill, so that an adapter's code parses it unchanged (default: `None`, the venue has no
    /// paper answer and a paper phase refuses its orders, halting trading again).
    fn paper_answer(&self, fill: &PaperFill<'_>) -> Option<serde_json::Value> {
        let _ = fill;
        None
    }
}

/// How the parameters of a request with a body are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (Binance).
    Form,
    /// `application/json` (Bybit, OKX).
    Json,
}

/// A server-time answer: the exchange's clock, which request timestamps follow.
pub trait ServerTime {
    /// Milliseconds since the Unix epoch.
    fn unix_ms(&self) -> i64;
}

crate::class::declare_class!(owned Plain for BodyEncoding);

/// One signed call a venue describes for the kill switch's cancel sweep: method, path and
/// parameters (in the query of a `GET`/`DELETE`, in the body otherwise, encoded as the venue
/// wants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueCall {
    /// The HTTP method.
    pub method: Method,
    /// The path, e.g. `/api/v3/openOrders`.
    pub path: &'static str,
    /// The parameters, by name.
    pub params: std::collections::BTreeMap<String, String>,
}

impl VenueCall {
    /// A call with no parameters yet.
    pub fn new(method: Method, path: &'static str) -> Self {
        VenueCall {
            method,
            path,
            params: std::collections::BTreeMap::new(),
        }
    }

    /// Adds a parameter.
    #[must_use]
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }
}

/// An order resting on a venue, as the kill switch's sweep records it: a copy taken from a
/// fresh answer at once, for the report (a record of that moment, never a state to trade on).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct VenueOrder {
    /// The venue's order id, as text (Binance's numbers, Bybit's strings).
    pub order_id: String,
    /// The client order id (a strategy's prefix lives here), if the order has one.
    pub client_order_id: Option<String>,
    /// The symbol.
    pub symbol: String,
    /// The side, as the venue spells it (`BUY`, `Buy`, `buy`).
    pub side: String,
    /// The limit price, if it has one.
    pub price: Option<rust_decimal::Decimal>,
    /// The quantity still to fill.
    pub quantity_left: rust_decimal::Decimal,
}

impl VenueOrder {
    /// A record of one order.
    pub fn new(
        order_id: impl Into<String>,
        client_order_id: Option<String>,
        symbol: impl Into<String>,
        side: impl Into<String>,
        price: Option<rust_decimal::Decimal>,
        quantity_left: rust_decimal::Decimal,
    ) -> Self {
        VenueOrder {
            order_id: order_id.into(),
            client_order_id: client_order_id.filter(|id| !id.is_empty()),
            symbol: symbol.into(),
            side: side.into(),
            price,
            quantity_left,
        }
    }
}

/// A venue's answer listing open orders: [`OrderVenue::OpenOrders`].
pub trait ListsOrders {
    /// Each order, copied into a record.
    fn orders(&self) -> Vec<VenueOrder>;
    /// The cursor of the next page, if the venue pages its answer and there is one.
    fn next_page(&self) -> Option<String> {
        None
    }
}

// A method of the pre-trade decision that names a venue's answer, so here with the venues.
impl Decision {
    /// How many orders `symbol` has open, from a fresh open-orders answer (its receipt is an
    /// input too), for the venue's maximum of open orders.
    #[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
    #[must_use]
    pub fn open_orders<T>(self, symbol: &str, orders: &Fresh<T>) -> Self
    where
        T: Live + ListsOrders,
    {
        let count = orders.read().map_or(u32::MAX, |open| {
            let n = open.orders().iter().filter(|o| o.symbol == symbol).count();
            u32::try_from(n).unwrap_or(u32::MAX)
        });
        self.with_open_orders(symbol, count, orders.receipt())
    }
}

/// A venue's answer to a cancel-all: [`OrderVenue::CancelAll`].
pub trait ListsCancelled {
    /// The venue's ids of the orders it cancelled.
    fn cancelled_ids(&self) -> Vec<String>;

    /// Whether the answer names the orders it cancelled (default `true`). A venue whose
    /// cancel-all only says it is done (Binance USD-M's `{"code":200,"msg":..}`) answers
    /// `false`: the sweep then learns from its confirming query and each order's status which
    /// orders the cancel-all closed.
    fn names_orders(&self) -> bool {
        true
    }
}

/// What became of an order: [`OrderVenue::OrderStatus`].
pub trait ClosedStatus {
    /// `Some(true)` if it filled completely, `Some(false)` if it was cancelled, expired or
    /// rejected, `None` if still open or the status is unknown.
    fn filled(&self) -> Option<bool>;

    /// The order as the answer describes it, for the emergency assessment's record (default
    /// `None`: the venue's answer does not say, and the assessment reports the order as not
    /// found).
    fn state(&self) -> Option<OrderState> {
        None
    }
}

/// An order as a venue reports it at the emergency assessment: a copy taken from a fresh
/// answer at once, for the report (a record of that moment, never a state to trade on).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderState {
    /// The venue's order id, as text.
    pub order_id: String,
    /// The client order id, if the order has one.
    pub client_order_id: Option<String>,
    /// The status, as the venue spells it (`NEW`, `Filled`, `canceled`, ...).
    pub status: String,
    /// The side, as the venue spells it.
    pub side: String,
    /// The quantity ordered, in the base asset.
    pub orig_qty: rust_decimal::Decimal,
    /// The quantity filled.
    pub executed_qty: rust_decimal::Decimal,
    /// The quote quantity filled (spent on a buy, received on a sell).
    pub quote_qty: rust_decimal::Decimal,
}

impl OrderState {
    /// A record of one order.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        order_id: impl Into<String>,
        client_order_id: Option<String>,
        status: impl Into<String>,
        side: impl Into<String>,
        orig_qty: rust_decimal::Decimal,
        executed_qty: rust_decimal::Decimal,
        quote_qty: rust_decimal::Decimal,
    ) -> Self {
        OrderState {
            order_id: order_id.into(),
            client_order_id: client_order_id.filter(|id| !id.is_empty()),
            status: status.into(),
            side: side.into(),
            orig_qty,
            executed_qty,
            quote_qty,
        }
    }

    /// Whether it is a sell (the venue's spelling, in any case).
    pub fn is_sell(&self) -> bool {
        self.side.eq_ignore_ascii_case("sell")
    }
}

/// The balance of one asset as a venue reports it at the emergency assessment (a record of
/// that moment).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VenueBalance {
    /// The asset (`USDT`, `BTC`).
    pub asset: String,
    /// Available.
    pub free: rust_decimal::Decimal,
    /// Locked in open orders (or otherwise unavailable).
    pub locked: rust_decimal::Decimal,
}

impl VenueBalance {
    /// A record of one balance.
    pub fn new(
        asset: impl Into<String>,
        free: rust_decimal::Decimal,
        locked: rust_decimal::Decimal,
    ) -> Self {
        VenueBalance {
            asset: asset.into(),
            free,
            locked,
        }
    }
}

/// What the kill switch's cancel sweep needs of a venue: how it lists open orders, cancels all
/// of a symbol's (where it can), cancels one, and looks up what became of an order. Given a
/// `SignedClient<V>` of such a venue, [`KillSwitchBuilder::exchange`] sweeps it on every halt.
///
/// The crate implements it for [`Binance`](super::binance::Binance) (`GET`/`DELETE
/// /api/v3/openOrders`, `DELETE /api/v3/order`, `GET /api/v3/order`),
/// [`BinanceFutures`](super::binance_futures::BinanceFutures) (`GET /fapi/v1/openOrders`,
/// `DELETE /fapi/v1/allOpenOrders`, `DELETE`/`GET /fapi/v1/order`),
/// [`Bybit`](super::bybit::Bybit) (`GET /v5/order/realtime`, `POST /v5/order/cancel-all`,
/// `POST /v5/order/cancel`) and [`Okx`](super::okx::Okx).
///
/// [`KillSwitchBuilder::exchange`]: crate::kill_switch::KillSwitchBuilder::exchange
pub trait OrderVenue: Venue {
    /// The answer of [`open_orders`](Self::open_orders).
    type OpenOrders: crate::policy::Live + DeserializeOwned + ListsOrders;
    /// The answer of [`cancel_all`](Self::cancel_all).
    type CancelAll: crate::policy::Live + DeserializeOwned + ListsCancelled;
    /// The answer of [`cancel`](Self::cancel) (only its success is used).
    type Cancelled: crate::policy::Live + DeserializeOwned;
    /// The answer of [`order_status`](Self::order_status).
    type OrderStatus: crate::policy::Live + DeserializeOwned + ClosedStatus;

    /// Lists the open orders, of `symbol` or all, from page `cursor` on.
    fn open_orders(&self, symbol: Option<&str>, cursor: Option<&str>) -> VenueCall;

    /// Cancels every open order of `symbol` at once, if the venue can (`None`: it cannot, the
    /// sweep cancels one at a time).
    fn cancel_all(&self, symbol: &str) -> Option<VenueCall>;

    /// Cancels one order.
    fn cancel(&self, order: &VenueOrder) -> VenueCall;

    /// Looks up an order, by its order id or, when `order.order_id` is empty, by its client
    /// order id: the sweep tells a fill from a cancel by it, the emergency assessment reads the
    /// orders of the suspect window with it (`None`: the venue has no such query; the sweep
    /// reports the order as closed, cause unknown).
    fn order_status(&self, order: &VenueOrder) -> Option<VenueCall>;

    /// Looks up an order that [`order_status`](Self::order_status) did not find, where the
    /// venue lists closed orders apart from open ones (Bybit's `openOnly=1`); its answer is an
    /// [`OrderStatus`](Self::OrderStatus) too (default `None`: `order_status` finds orders in
    /// every state).
    fn closed_order_status(&self, order: &VenueOrder) -> Option<VenueCall> {
        let _ = order;
        None
    }

    /// Reads the account's balances, for the emergency assessment (default `None`: the
    /// assessment reports no balances for this venue).
    fn balances(&self) -> Option<VenueCall> {
        None
    }

    /// The balances in the answer to [`balances`](Self::balances) (its envelope already
    /// opened), read from the fresh answer at once.
    ///
    /// # Errors
    ///
    /// The answer does not have the venue's shape.
    fn read_balances(
        &self,
        answer: &serde_json::Value,
    ) -> Result<Vec<VenueBalance>, serde_json::Error> {
        let _ = answer;
        Ok(Vec::new())
    }

    /// The public call that describes `symbol`, for its base and quote asset (default `None`:
    /// [`read_symbol_assets`](Self::read_symbol_assets) is asked without an answer).
    fn symbol_info(&self, symbol: &str) -> Option<VenueCall> {
        let _ = symbol;
        None
    }

    /// The base and quote asset of `symbol`, from the answer to
    /// [`symbol_info`](Self::symbol_info) (its envelope opened), or from the symbol's own name
    /// where the venue spells both in it (OKX's `BTC-USDT`). `None`: not known.
    fn read_symbol_assets(
        &self,
        symbol: &str,
        answer: Option<&serde_json::Value>,
    ) -> Option<(String, String)> {
        let _ = (symbol, answer);
        None
    }
}

crate::class::declare_class!(Plain for VenueCall);
crate::class::declare_class!(Plain for VenueOrder);
crate::class::declare_class!(Plain for OrderState);
crate::class::declare_class!(Plain for VenueBalance);
