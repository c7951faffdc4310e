//! A Binance-style exchange adapter built with hft-cache: the reference for users.
//!
//! - Trading rules are static data, in a `StaticCache` refreshed from `/api/v3/exchangeInfo`.
//! - Order books are streamed data, in a `StreamCache` fed by the diff-depth WebSocket
//!   (`@depth@100ms`, as on the real exchange); best bid/ask tickers are streamed beside them by
//!   the typed stream feed (`@bookTicker`).
//! - Balances and orders are live data: every call returns a `Fresh<T>`, fetched for the
//!   decision that uses it, and nothing keeps them.
//! - The adapter derives `NoLiveState`, so a field holding live data would not compile.
//! - Every order is decided on receipts (the book's, the rules'), which the client checks when
//!   the order leaves, with the pre-trade controls (`pre_trade`): an order decided on a book
//!   that has since expired, or priced far through the market, is refused before it is sent.

use std::collections::HashMap;
use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::exchange::binance::ExchangeInfo as VenueInfo;
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::feed::binance::BookTicker;
use hft_cache::feed::{DepthFeed, DepthFeedHandle, FeedHealth, StreamFeed, StreamFeedHandle};
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{Halted, TradingGate};
use hft_cache::monitor::Registry;
use hft_cache::pre_trade::{
    Decision, Limits, PreTrade, Refusal, RefusalCounts, Throttle, TradingRules,
};
use hft_cache::static_cache::StaticReadError;
use hft_cache::stream_cache::StreamReadError;
use hft_cache::{Fresh, Live, NoLiveState, Static, StaticCache, StreamCache};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The trading rules of one symbol (static: cached, at most 30 minutes old).
#[derive(Static, Debug, Clone)]
#[hft(max_age_ms = 1_800_000)]
pub struct SymbolRules {
    pub tick_size: Decimal,
    pub step_size: Decimal,
    pub min_qty: Decimal,
    pub min_notional: Decimal,
}

/// `GET /api/v3/account` (live: never cached, never cloned).
#[derive(Live, Deserialize, Debug)]
pub struct Account {
    pub balances: Vec<Balance>,
}

#[derive(Live, Deserialize, Debug)]
pub struct Balance {
    pub asset: String,
    pub free: Decimal,
    pub locked: Decimal,
}

impl Account {
    /// (free, locked) of `asset`.
    pub fn balance(&self, asset: &str) -> (Decimal, Decimal) {
        self.balances
            .iter()
            .find(|b| b.asset == asset)
            .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
    }
}

/// The answer to placing or cancelling an order (live).
#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct OrderAck {
    pub order_id: u64,
}

/// One open order, as `GET /api/v3/openOrders` answers (live: fetched for one look, dropped).
#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct OpenOrder {
    pub order_id: u64,
    pub price: Decimal,
    pub orig_qty: Decimal,
}

/// Why an order was not sent or not accepted.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error(transparent)]
    Halted(#[from] Halted),
    #[error(transparent)]
    Book(#[from] StreamReadError),
    #[error(transparent)]
    Rules(#[from] StaticReadError),
    #[error("no trading rules for {0}")]
    UnknownSymbol(String),
    #[error("refused before it was sent: {0}")]
    PreTrade(Refusal),
    #[error(transparent)]
    Exchange(RequestError),
}

impl From<RequestError> for OrderError {
    /// The client's own gate refusal is the same refusal as the adapter's.
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Halted(halted) => OrderError::Halted(halted),
            RequestError::PreTrade(refusal) => OrderError::PreTrade(refusal),
            other => OrderError::Exchange(other),
        }
    }
}

#[derive(Static, Deserialize)]
struct ExchangeInfo {
    symbols: Vec<SymbolEntry>,
}

#[derive(Static, Deserialize)]
struct SymbolEntry {
    symbol: String,
    filters: Vec<Filter>,
}

#[derive(Static, Deserialize)]
#[serde(tag = "filterType")]
enum Filter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    Price { tick_size: Decimal },
    #[serde(rename = "LOT_SIZE", rename_all = "camelCase")]
    LotSize {
        min_qty: Decimal,
        step_size: Decimal,
    },
    #[serde(rename = "NOTIONAL", rename_all = "camelCase")]
    Notional { min_notional: Decimal },
    #[serde(other)]
    Other,
}

fn rules_of(entry: &SymbolEntry) -> SymbolRules {
    let mut rules = SymbolRules {
        tick_size: Decimal::ZERO,
        step_size: Decimal::ZERO,
        min_qty: Decimal::ZERO,
        min_notional: Decimal::ZERO,
    };
    for filter in &entry.filters {
        match *filter {
            Filter::Price { tick_size } => rules.tick_size = tick_size,
            Filter::LotSize { min_qty, step_size } => {
                rules.min_qty = min_qty;
                rules.step_size = step_size;
            }
            Filter::Notional { min_notional } => rules.min_notional = min_notional,
            Filter::Other => {}
        }
    }
    rules
}

/// Where the exchange is and who we are.
pub struct Endpoints {
    pub rest_url: String,
    pub ws_url: String,
    pub api_key: String,
    pub secret: String,
}

/// The adapter: long-lived, and free of live data by construction.
#[derive(NoLiveState)]
pub struct BinanceAdapter {
    client: SignedClient,
    rules: StaticCache<String, SymbolRules>,
    books: StreamCache<String, BookView>,
    tickers: StreamCache<String, BookTicker>,
    depth_feed: DepthFeedHandle,
    ticker_feed: StreamFeedHandle,
    gate: TradingGate,
    controls: PreTrade,
}

impl BinanceAdapter {
    /// Connects: loads the trading rules, starts the book feed, and registers both caches.
    pub async fn connect(
        endpoints: Endpoints,
        symbols: &[&str],
        registry: &Registry,
        gate: TradingGate,
        journal: OrderJournal,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        // Public data (exchange info) needs no gate, no journal and no pre-trade controls.
        let public = SignedClient::builder(endpoints.rest_url.clone())
            .api_key(endpoints.api_key.clone())
            .secret(endpoints.secret.clone())
            .timeout(Duration::from_secs(2))
            .build()?;

        // The venue's own rules, as the pre-trade controls read them at send time.
        let rules_client = public.clone();
        let venue_rules = StaticCache::<String, TradingRules>::builder()
            .name("venue-rules")
            .refresh_interval(Duration::from_secs(300))
            .registry(registry)
            .loader(move || {
                let client = rules_client.clone();
                async move {
                    let info: VenueInfo = client.public_get("/api/v3/exchangeInfo", &()).await?;
                    let rules: HashMap<String, TradingRules> = info
                        .symbols
                        .iter()
                        .map(|s| (s.symbol.clone(), TradingRules::from_binance(s)))
                        .collect();
                    Ok::<_, RequestError>(rules)
                }
            })
            .build()?;
        venue_rules.refresh().await?;
        let info: VenueInfo = public.public_get("/api/v3/exchangeInfo", &()).await?;
        let controls = PreTrade::builder()
            .rules(venue_rules)
            // Collar: no limit buy more than 50 bps through the best ask, nor 5 % from mid.
            .defaults(Limits::default())
            .throttle(Throttle::from_binance(&info).unwrap_or_default())
            .registry(registry)
            .build()?;

        let client = SignedClient::builder(endpoints.rest_url.clone())
            .api_key(endpoints.api_key)
            .secret(endpoints.secret)
            .timeout(Duration::from_secs(2))
            // The client refuses order placement itself while the kill switch has trading
            // halted, answers it from a simulation in the paper phase, journals every order,
            // and refuses an order whose decision's inputs expired before it left.
            .trading_gate(gate.clone())
            .journal(journal)
            .pre_trade(controls.clone())
            .build()?;

        let loader_client = public;
        let rules = StaticCache::<String, SymbolRules>::builder()
            .name("trading-rules")
            .refresh_interval(Duration::from_secs(300))
            .registry(registry)
            .loader(move || {
                let client = loader_client.clone();
                async move {
                    let info: ExchangeInfo = client.public_get("/api/v3/exchangeInfo", &()).await?;
                    let rules: HashMap<String, SymbolRules> = info
                        .symbols
                        .iter()
                        .map(|s| (s.symbol.clone(), rules_of(s)))
                        .collect();
                    Ok::<_, RequestError>(rules)
                }
            })
            .build()?;
        rules.refresh().await?;

        let books = StreamCache::<String, BookView>::builder()
            .name("order-books")
            .max_age(Duration::from_secs(2))
            .registry(registry)
            .build()?;
        let depth_feed = DepthFeed::builder(endpoints.ws_url.clone(), endpoints.rest_url)
            .symbols(symbols.iter().copied())
            .data_timeout(Duration::from_millis(500))
            .reconnect_backoff(Duration::from_millis(100), Duration::from_secs(1))
            .depth(10)
            .spawn(&books)?;

        let tickers = StreamCache::<String, BookTicker>::builder()
            .name("book-tickers")
            .max_age(Duration::from_secs(2))
            .registry(registry)
            .build()?;
        let ticker_feed = StreamFeed::builder(endpoints.ws_url)
            .name("book-ticker")
            .streams(
                symbols
                    .iter()
                    .map(|s| format!("{}@bookTicker", s.to_lowercase())),
            )
            .data_timeout(Duration::from_millis(500))
            .reconnect_backoff(Duration::from_millis(100), Duration::from_secs(1))
            .spawn(&tickers)?;

        Ok(BinanceAdapter {
            client,
            rules,
            books,
            tickers,
            depth_feed,
            ticker_feed,
            gate,
            controls,
        })
    }

    /// Best bid and ask, only from a fresh book of a healthy feed.
    pub fn top_of_book(&self, symbol: &str) -> Result<(Decimal, Decimal, u64), StreamReadError> {
        self.books.read(symbol, |book| {
            let bid = book.best_bid().map_or(Decimal::ZERO, |l| l.price);
            let ask = book.best_ask().map_or(Decimal::ZERO, |l| l.price);
            (bid, ask, book.last_update_id)
        })
    }

    /// The best bid and ask from the book-ticker stream, only while fresh and healthy.
    pub fn ticker(&self, symbol: &str) -> Result<(Decimal, Decimal), StreamReadError> {
        self.tickers.read(symbol, |t| (t.bid_price, t.ask_price))
    }

    /// The book-ticker feed's health.
    pub fn ticker_health(&self) -> FeedHealth {
        self.ticker_feed.health()
    }

    /// The order books, for the kill switch's paper phase (its simulation fills against them).
    pub fn books(&self) -> &StreamCache<String, BookView> {
        &self.books
    }

    /// The book feed's health for `symbol`.
    pub fn feed_health(&self, symbol: &str) -> Option<FeedHealth> {
        self.depth_feed.health(symbol)
    }

    /// The account, fetched now.
    pub async fn account(&self) -> Result<Fresh<Account>, RequestError> {
        self.client.signed_get("/api/v3/account", &()).await
    }

    /// A limit buy `ticks` ticks under the best bid, at the minimum size: checks the trading
    /// gate (before even reading the book; the client checks it again), a fresh book and current
    /// rules, and sends the order with the receipts of both, which the client checks again
    /// when the order leaves.
    pub async fn bid_below_market(
        &self,
        symbol: &str,
        ticks: u32,
    ) -> Result<Fresh<OrderAck>, OrderError> {
        self.gate.check()?;
        let (decision, bid, _) = self.decide(symbol)?;
        let (price, qty) = self.bid_of(symbol, ticks, bid)?;
        self.send_bid(symbol, &price, &qty, &decision).await
    }

    /// A decision on `symbol`'s book and rules, as read now, with the book's best bid and ask.
    pub fn decide(&self, symbol: &str) -> Result<(Decision, Decimal, Decimal), OrderError> {
        let book = self.books.quote(symbol)?;
        let price =
            |level: Option<hft_cache::book::Level>| level.map_or(Decimal::ZERO, |l| l.price);
        let (bid, ask) = (price(book.bid()), price(book.ask()));
        let (_, rules) = self.rules.read_with_receipt(symbol, |_| ())?;
        Ok((Decision::new().book(book).input(rules), bid, ask))
    }

    /// The price and size of a bid `ticks` under `bid`, on `symbol`'s rules.
    fn bid_of(
        &self,
        symbol: &str,
        ticks: u32,
        bid: Decimal,
    ) -> Result<(String, String), OrderError> {
        let rules = self
            .rules
            .read(symbol, SymbolRules::clone)?
            .ok_or_else(|| OrderError::UnknownSymbol(symbol.to_owned()))?;
        let price =
            (bid - rules.tick_size * Decimal::from(ticks)).round_dp(rules.tick_size.scale());
        let mut qty = rules.min_qty.max(rules.step_size);
        while price * qty < rules.min_notional {
            qty += rules.step_size;
        }
        Ok((price.normalize().to_string(), qty.normalize().to_string()))
    }

    async fn send_bid(
        &self,
        symbol: &str,
        price: &str,
        qty: &str,
        decision: &Decision,
    ) -> Result<Fresh<OrderAck>, OrderError> {
        let params = [
            ("symbol", symbol),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", qty),
            ("price", price),
        ];
        // The journal records how old each input was when the order left, as measured.
        Ok(self
            .client
            .signed_post_decided(decision, "/api/v3/order", &params)
            .await?)
    }

    /// Two orders the pre-trade controls must refuse: one decided on a book read longer ago
    /// than the decision's budget allows, and one fat-finger bid priced 10 % through the best
    /// ask. Returns what each came to.
    pub async fn misdecided_orders(
        &self,
        symbol: &str,
    ) -> (
        Result<Fresh<OrderAck>, OrderError>,
        Result<Fresh<OrderAck>, OrderError>,
    ) {
        let stale = async {
            let (decision, bid, _) = self.decide(symbol)?;
            let decision = decision.budget(Duration::from_millis(50));
            let (price, qty) = self.bid_of(symbol, 5, bid)?;
            // The strategy "thinks" for 100 ms: the book it decided on is past the budget.
            tokio::time::sleep(Duration::from_millis(100)).await;
            self.send_bid(symbol, &price, &qty, &decision).await
        };
        let stale = stale.await;
        let fat_finger = async {
            let (decision, bid, ask) = self.decide(symbol)?;
            let (_, qty) = self.bid_of(symbol, 5, bid)?;
            let price = (ask * Decimal::new(110, 2))
                .round_dp(2)
                .normalize()
                .to_string();
            self.send_bid(symbol, &price, &qty, &decision).await
        };
        (stale, fat_finger.await)
    }

    /// The pre-trade refusals so far, by rule.
    pub fn refusals(&self) -> RefusalCounts {
        self.controls.refusals()
    }

    /// The open orders of `symbol`, fetched now: whether we are flat is the exchange's answer,
    /// never our memory of what we sent.
    pub async fn open_orders(&self, symbol: &str) -> Result<Fresh<Vec<OpenOrder>>, RequestError> {
        self.client
            .signed_get("/api/v3/openOrders", &[("symbol", symbol)])
            .await
    }

    /// Cancels an order. Cancelling is allowed while halted: it only reduces exposure.
    pub async fn cancel(
        &self,
        symbol: &str,
        order_id: u64,
    ) -> Result<Fresh<OrderAck>, RequestError> {
        let id = order_id.to_string();
        self.client
            .signed_delete(
                "/api/v3/order",
                &[("symbol", symbol), ("orderId", id.as_str())],
            )
            .await
    }
}
