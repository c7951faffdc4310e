//! A Binance USD-M futures adapter built with hft-cache, in the demo adapter's style:
//!
//! - Trading rules are static data, in a `StaticCache` refreshed from `/fapi/v1/exchangeInfo`
//!   (the venue-neutral `pre_trade::TradingRules`, which the pre-trade check reads at send time).
//! - Order books are streamed data, in a `StreamCache` fed by the `@depth@100ms` stream and
//!   synchronised by the futures rule (each event's `pu` is the previous event's `u`).
//! - Positions, orders and the account are live data: every call returns a `Fresh<T>`, fetched
//!   for the decision that uses it; nothing keeps them.
//! - The adapter derives `NoLiveState`: a field holding a position would not compile.
//! - Every order is decided on the book's and the rules' receipts, checked when it leaves.

use std::collections::HashMap;
use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::exchange::binance_futures::{
    BinanceFutures, FuturesExchangeInfo, FuturesOpenOrders, FuturesOrder, Positions,
};
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::feed::{DepthFeed, DepthFeedHandle};
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::TradingGate;
use hft_cache::monitor::Registry;
use hft_cache::pre_trade::{Decision, Limits, PreTrade, Throttle, TradingRules};
use hft_cache::stream_cache::StreamReadError;
use hft_cache::{Fresh, NoLiveState, StaticCache, StreamCache};
use rust_decimal::Decimal;

/// Where the venue is and who we are on it.
pub struct Endpoints {
    pub rest_url: String,
    pub ws_url: String,
    pub api_key: String,
    pub secret: String,
}

impl Endpoints {
    /// A signed client of the venue (no gate, no journal, no controls yet).
    pub fn client(&self) -> hft_cache::exchange::SignedClientBuilder<BinanceFutures> {
        SignedClient::builder_for(BinanceFutures, self.rest_url.clone())
            .api_key(self.api_key.clone())
            .secret(self.secret.clone())
            .timeout(Duration::from_secs(2))
    }
}

/// The adapter: everything it holds lives as long as the process, and none of it is live data.
#[derive(NoLiveState)]
pub struct FuturesAdapter {
    client: SignedClient<BinanceFutures>,
    rules: StaticCache<String, TradingRules>,
    books: StreamCache<String, BookView>,
    #[allow(dead_code)]
    depth_feed: DepthFeedHandle,
}

impl FuturesAdapter {
    pub async fn connect(
        endpoints: &Endpoints,
        symbols: &[&str],
        registry: &Registry,
        gate: TradingGate,
        journal: OrderJournal,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let public = endpoints.client().build()?;
        let rules_client = public.clone();
        let rules = StaticCache::<String, TradingRules>::builder()
            .name("futures-rules")
            .refresh_interval(Duration::from_secs(300))
            .registry(registry)
            .loader(move || {
                let client = rules_client.clone();
                async move {
                    let info: FuturesExchangeInfo =
                        client.public_get("/fapi/v1/exchangeInfo", &()).await?;
                    let rules: HashMap<String, TradingRules> = info
                        .symbols
                        .iter()
                        .map(|s| (s.symbol.clone(), TradingRules::from_binance_futures(s)))
                        .collect();
                    Ok::<_, RequestError>(rules)
                }
            })
            .build()?;
        rules.refresh().await?;
        let info: FuturesExchangeInfo = public.public_get("/fapi/v1/exchangeInfo", &()).await?;
        let controls = PreTrade::builder()
            .rules(rules.clone())
            .defaults(Limits::default())
            .throttle(Throttle::from_binance_futures(&info).unwrap_or_default())
            .registry(registry)
            .build()?;

        let client = endpoints
            .client()
            // Orders are refused while the kill switch has trading halted (the switch's own
            // reduce-only flatten excepted), journaled, and checked when they leave.
            .trading_gate(gate)
            .journal(journal)
            .pre_trade(controls)
            .build()?;
        client.sync_time().await?;

        let books = StreamCache::<String, BookView>::builder()
            .name("futures-books")
            .max_age(Duration::from_secs(2))
            .registry(registry)
            .build()?;
        let depth_feed = DepthFeed::binance_futures(&endpoints.ws_url, &endpoints.rest_url)
            .symbols(symbols.iter().copied())
            .data_timeout(Duration::from_millis(500))
            .reconnect_backoff(Duration::from_millis(100), Duration::from_secs(1))
            .depth(10)
            .spawn(&books)?;
        Ok(FuturesAdapter {
            client,
            rules,
            books,
            depth_feed,
        })
    }

    /// The order books, for the kill switch's paper phase and the compliance report.
    #[allow(dead_code)]
    pub fn books(&self) -> &StreamCache<String, BookView> {
        &self.books
    }

    /// Best bid and ask, only from a fresh book of a healthy feed.
    pub fn top_of_book(&self, symbol: &str) -> Result<(Decimal, Decimal), StreamReadError> {
        self.books.read(symbol, |book| {
            let bid = book.best_bid().map_or(Decimal::ZERO, |l| l.price);
            let ask = book.best_ask().map_or(Decimal::ZERO, |l| l.price);
            (bid, ask)
        })
    }

    /// The positions, fetched for the caller (live: read it, decide, drop it).
    pub async fn positions(&self) -> Result<Fresh<Positions>, RequestError> {
        self.client.signed_get("/fapi/v2/positionRisk", &()).await
    }

    /// The open orders of `symbol`, fetched for the caller.
    pub async fn open_orders(
        &self,
        symbol: &str,
    ) -> Result<Fresh<FuturesOpenOrders>, RequestError> {
        self.client
            .signed_get("/fapi/v1/openOrders", &[("symbol", symbol)])
            .await
    }

    /// The decision an order of `symbol` is taken on: its book's and its rules' receipts, and
    /// a fresh count of its open orders (the venue's `MAX_NUM_ORDERS` needs one).
    async fn decide(
        &self,
        symbol: &str,
    ) -> Result<(Decision, TradingRules), Box<dyn std::error::Error>> {
        let open = self.open_orders(symbol).await?;
        let book = self.books.quote(symbol)?;
        let (rules, receipt) = self.rules.read_with_receipt(symbol, Clone::clone)?;
        let rules = rules.ok_or_else(|| format!("no trading rules for {symbol}"))?;
        let decision = Decision::new()
            .book(book)
            .input(receipt)
            .open_orders(symbol, &open);
        Ok((decision, rules))
    }

    /// A market order that opens or adds to a position.
    pub async fn market(
        &self,
        symbol: &str,
        side: &str,
        quantity: Decimal,
    ) -> Result<Fresh<FuturesOrder>, Box<dyn std::error::Error>> {
        let (decision, _) = self.decide(symbol).await?;
        let quantity = quantity.to_string();
        let params = [
            ("symbol", symbol),
            ("side", side),
            ("type", "MARKET"),
            ("quantity", quantity.as_str()),
            ("newOrderRespType", "RESULT"),
        ];
        Ok(self
            .client
            .signed_post_decided(&decision, "/fapi/v1/order", &params)
            .await?)
    }

    /// A limit bid `bps` basis points under the best bid, on the symbol's tick: it rests.
    pub async fn rest_bid(
        &self,
        symbol: &str,
        bps: u32,
        quantity: Decimal,
    ) -> Result<(Decimal, Fresh<FuturesOrder>), Box<dyn std::error::Error>> {
        let (decision, rules) = self.decide(symbol).await?;
        let (bid, _) = self.top_of_book(symbol)?;
        let tick = rules.price.map_or(Decimal::new(1, 1), |p| p.tick);
        let under = bid * (Decimal::ONE - Decimal::new(i64::from(bps), 4));
        let price = ((under / tick).floor() * tick).normalize();
        let (price_text, quantity) = (price.to_string(), quantity.to_string());
        let params = [
            ("symbol", symbol),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", quantity.as_str()),
            ("price", price_text.as_str()),
        ];
        let order = self
            .client
            .signed_post_decided(&decision, "/fapi/v1/order", &params)
            .await?;
        Ok((price, order))
    }
}
