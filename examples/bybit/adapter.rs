//! A reference adapter for a Bybit-v5-style venue, built only on the crate's toolkit: the
//! venue's signer, envelope and error codes come from `hft_cache::exchange::bybit`, so this
//! file holds no signing glue, no envelope unwrapping and no timers. Live answers are
//! `Fresh<T>` of the inner types (`Wallet`, `Placed`, `OpenOrders`); trading rules are static
//! and cached.
//!
//! The order book streams from the venue's `orderbook.50` topic (snapshot, then deltas) through
//! the crate's depth feed, `feed::bybit::BybitOrderbook` and its snapshot-then-delta sync.

use std::collections::HashMap;
use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::exchange::bybit::{Bybit, BybitEnvelope, InstrumentsInfo};
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::feed::bybit::BybitOrderbook;
use hft_cache::feed::{DepthFeed, DepthFeedHandle, FeedHealth};
use hft_cache::kill_switch::{Halted, TradingGate};
use hft_cache::monitor::Registry;
use hft_cache::static_cache::StaticReadError;
use hft_cache::stream_cache::StreamReadError;
use hft_cache::{Fresh, Live, NoLiveState, Static, StaticCache, StreamCache};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

/// A symbol's trading rules (static: cached, at most 30 minutes old).
#[derive(Static, Debug, Clone)]
#[hft(max_age_ms = 1_800_000)]
pub struct SymbolRules {
    pub tick_size: Decimal,
    pub qty_step: Decimal,
    pub min_qty: Decimal,
    pub min_amount: Decimal,
}

/// `GET /v5/account/wallet-balance`'s result (live: never cached, never cloned).
#[derive(Live, Deserialize, Debug)]
pub struct Wallet {
    list: Vec<WalletAccount>,
}

#[derive(Live, Deserialize, Debug)]
struct WalletAccount {
    coin: Vec<CoinBalance>,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct CoinBalance {
    coin: String,
    wallet_balance: Decimal,
    locked: Decimal,
}

impl Wallet {
    /// (free, locked) of `coin`.
    pub fn balance(&self, coin: &str) -> (Decimal, Decimal) {
        self.list
            .iter()
            .flat_map(|account| &account.coin)
            .find(|c| c.coin == coin)
            .map_or((Decimal::ZERO, Decimal::ZERO), |c| {
                (c.wallet_balance - c.locked, c.locked)
            })
    }
}

/// The answer to creating or cancelling an order (live).
#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Placed {
    pub order_id: String,
}

/// `GET /v5/order/realtime`'s result (live).
#[derive(Live, Deserialize, Debug)]
pub struct OpenOrders {
    pub list: Vec<OpenOrder>,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct OpenOrder {
    pub order_id: String,
    pub price: Decimal,
}

/// Why an order was not sent or not accepted.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error(transparent)]
    Halted(#[from] Halted),
    #[error(transparent)]
    Rules(#[from] StaticReadError),
    #[error(transparent)]
    Book(#[from] StreamReadError),
    #[error("no trading rules for {0}")]
    UnknownSymbol(String),
    #[error(transparent)]
    Exchange(RequestError),
}

impl From<RequestError> for OrderError {
    /// The client's own gate refusal is the same refusal as the adapter's.
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Halted(halted) => OrderError::Halted(halted),
            other => OrderError::Exchange(other),
        }
    }
}

/// The adapter: long-lived, and free of live data by construction.
#[derive(NoLiveState)]
pub struct BybitAdapter {
    client: SignedClient<Bybit>,
    rules: StaticCache<String, SymbolRules>,
    books: StreamCache<String, BookView>,
    book_feed: DepthFeedHandle,
    gate: TradingGate,
}

impl BybitAdapter {
    /// Connects: reads the venue's clock, loads the trading rules into a registered cache.
    pub async fn connect(
        rest_url: String,
        ws_url: String,
        symbols: &[&str],
        api_key: &str,
        secret: &str,
        registry: &Registry,
        gate: TradingGate,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let client = SignedClient::builder_for(Bybit, rest_url.clone())
            .api_key(api_key)
            .secret(secret.to_owned())
            .timeout(Duration::from_secs(2))
            // Order placement (create, amend) is refused while halted; cancels pass.
            .trading_gate(gate.clone())
            .build()?;
        client.sync_time().await?;

        let fresh = client.fresh_client().clone();
        let url = format!("{rest_url}/v5/market/instruments-info?category=spot");
        let rules = StaticCache::<String, SymbolRules>::builder()
            .name("bybit-trading-rules")
            .refresh_interval(Duration::from_secs(300))
            .registry(registry)
            .loader(move || {
                let request = fresh.get(url.as_str());
                async move {
                    // The public static fetch: size limit, timeouts, typed errors, and the
                    // envelope opened by the crate.
                    let instruments = request
                        .fetch_static_enveloped::<BybitEnvelope, InstrumentsInfo>()
                        .await?;
                    let rules: HashMap<String, SymbolRules> = instruments
                        .list
                        .into_iter()
                        // Spot sends its quantity step and minimum order value; an
                        // instrument without them (not spot) is not traded here.
                        .filter_map(|i| {
                            let lot = &i.lot_size_filter;
                            let rules = SymbolRules {
                                tick_size: i.price_filter.tick_size,
                                qty_step: lot.base_precision.filter(|s| !s.is_zero())?,
                                min_qty: lot.min_order_qty,
                                min_amount: lot.min_order_amt?,
                            };
                            Some((i.symbol, rules))
                        })
                        .collect();
                    Ok::<_, hft_cache::fetch::FetchError>(rules)
                }
            })
            .build()?;
        rules.refresh().await?;

        let books = StreamCache::<String, BookView>::builder()
            .name("bybit-order-books")
            .max_age(Duration::from_secs(2))
            .registry(registry)
            .build()?;
        let book_feed = DepthFeed::with_stream(BybitOrderbook::new(ws_url))
            .symbols(symbols.iter().copied())
            // A stalled topic keeps answering pings: half a second without data is a fault.
            .data_timeout(Duration::from_millis(500))
            .reconnect_backoff(Duration::from_millis(100), Duration::from_secs(1))
            .depth(10)
            .spawn(&books)?;

        Ok(BybitAdapter {
            client,
            rules,
            books,
            book_feed,
            gate,
        })
    }

    /// Best bid and ask, only from a fresh book of a healthy feed.
    pub fn top_of_book(&self, symbol: &str) -> Result<(Decimal, Decimal), StreamReadError> {
        self.books.read(symbol, |book| {
            let bid = book.best_bid().map_or(Decimal::ZERO, |l| l.price);
            let ask = book.best_ask().map_or(Decimal::ZERO, |l| l.price);
            (bid, ask)
        })
    }

    /// The book feed's health for `symbol`.
    pub fn feed_health(&self, symbol: &str) -> Option<FeedHealth> {
        self.book_feed.health(symbol)
    }

    /// The wallet, fetched now.
    pub async fn wallet(&self) -> Result<Fresh<Wallet>, RequestError> {
        self.client
            .signed_get("/v5/account/wallet-balance", &[("accountType", "UNIFIED")])
            .await
    }

    /// A limit bid `ticks` ticks under the best bid of a fresh book (refused without one).
    pub async fn bid_below_market(
        &self,
        symbol: &str,
        ticks: u32,
        link_id: &str,
    ) -> Result<Fresh<Placed>, OrderError> {
        self.gate.check()?;
        let (best_bid, _) = self.top_of_book(symbol)?;
        let tick = self
            .rules
            .read(symbol, |r| r.tick_size)?
            .ok_or_else(|| OrderError::UnknownSymbol(symbol.to_owned()))?;
        self.bid(symbol, best_bid - tick * Decimal::from(ticks), link_id)
            .await
    }

    /// A limit bid at `price` (snapped to the tick) for the smallest size the rules allow,
    /// tagged `link_id` so that it can be found again if its fate is unknown.
    pub async fn bid(
        &self,
        symbol: &str,
        price: Decimal,
        link_id: &str,
    ) -> Result<Fresh<Placed>, OrderError> {
        self.gate.check()?;
        let rules = self
            .rules
            .read(symbol, SymbolRules::clone)?
            .ok_or_else(|| OrderError::UnknownSymbol(symbol.to_owned()))?;
        let price = (price / rules.tick_size).floor() * rules.tick_size;
        let mut qty = rules.min_qty.max(rules.qty_step);
        while price * qty < rules.min_amount {
            qty += rules.qty_step;
        }
        let order = json!({
            "category": "spot",
            "symbol": symbol,
            "side": "Buy",
            "orderType": "Limit",
            "qty": qty.normalize().to_string(),
            "price": price.normalize().to_string(),
            "timeInForce": "GTC",
            "orderLinkId": link_id,
        });
        Ok(self.client.signed_post("/v5/order/create", &order).await?)
    }

    /// Cancels an order; allowed while halted (it only reduces exposure).
    pub async fn cancel(
        &self,
        symbol: &str,
        order_id: &str,
    ) -> Result<Fresh<Placed>, RequestError> {
        let cancel = json!({"category": "spot", "symbol": symbol, "orderId": order_id});
        self.client.signed_post("/v5/order/cancel", &cancel).await
    }

    /// The open orders of `symbol` tagged `link_id`: how an order of unknown fate is found.
    pub async fn find(
        &self,
        symbol: &str,
        link_id: &str,
    ) -> Result<Fresh<OpenOrders>, RequestError> {
        self.client
            .signed_get(
                "/v5/order/realtime",
                &[
                    ("category", "spot"),
                    ("symbol", symbol),
                    ("orderLinkId", link_id),
                ],
            )
            .await
    }
}
