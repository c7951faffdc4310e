//! Decision receipts checked at send time, and the pre-trade controls, against the mock
//! exchange: every refusal and its boundary, the race the check exists for (fresh at decision,
//! expired at send), a feed that breaks between read and send, rules refreshed between read and
//! send, the throttle under two concurrent tasks, escalation to the kill switch, and agreement
//! with the mock's own filters.

use std::sync::Arc;
use std::time::Duration;

use hft_cache::book::{BookView, Level};
use hft_cache::clock::ManualClock;
use hft_cache::exchange::binance::{Binance, ExchangeInfo, OpenOrders};
use hft_cache::exchange::{RequestError, SignedClient, SignedClientBuilder};
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{KillSwitch, TripReason};
use hft_cache::monitor::Registry;
use hft_cache::pre_trade::{
    Decision, InputKind, Limits, OrderSide, OrderTicket, PreTrade, Refusal, Rule, Throttle,
    TradingRules,
};
use hft_cache::stream_cache::{FeedFault, FeedWriter};
use hft_cache::{Fresh, Live, StaticCache, StreamCache};
use hft_cache_mock::{MockExchange, SymbolSpec};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;

const SYMBOL: &str = "BTCUSDT";
const KEY: &str = "key";
const SECRET: &str = "secret";

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Ack {
    status: String,
}

#[derive(Live, Deserialize, Debug)]
struct Account {
    balances: Vec<serde_json::Value>,
}

/// The mock, its rules cache, a book cache written by a transport the test drives, and the
/// clock everything ages by.
struct World {
    ex: MockExchange,
    clock: ManualClock,
    books: StreamCache<String, BookView>,
    feed: FeedWriter<String, BookView>,
    rules: StaticCache<String, TradingRules>,
    journal: OrderJournal,
}

async fn world() -> World {
    let ex = MockExchange::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol_spec(
            SymbolSpec::new(SYMBOL, "BTC", "USDT", dec!(60000))
                .tick_size(dec!(0.01))
                .step_size(dec!(0.00001))
                .qty_range(dec!(0.00001), dec!(100))
                .min_notional(dec!(5))
                .max_notional(dec!(1000000)),
        )
        .balance("USDT", dec!(10000000))
        .balance("BTC", dec!(100))
        .start()
        .await
        .unwrap();
    let clock = ManualClock::new();
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .clock(clock.shared())
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = books.custom_transport_writer("test-transport");
    publish_book(&feed, dec!(60000), dec!(60001));
    let public = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap();
    let rules = StaticCache::<String, TradingRules>::builder()
        .name("rules")
        .clock(clock.shared())
        .max_age(Duration::from_secs(60))
        .loader(move || {
            let public = public.clone();
            async move {
                let info: ExchangeInfo = public.public_get("/api/v3/exchangeInfo", &()).await?;
                Ok::<_, RequestError>(
                    info.symbols
                        .iter()
                        .map(|s| (s.symbol.clone(), TradingRules::from_binance(s)))
                        .collect::<Vec<_>>(),
                )
            }
        })
        .build()
        .unwrap();
    rules.refresh().await.unwrap();
    let journal = OrderJournal::builder()
        .clock(clock.shared())
        .build()
        .unwrap();
    World {
        ex,
        clock,
        books,
        feed,
        rules,
        journal,
    }
}

fn publish_book(feed: &FeedWriter<String, BookView>, bid: Decimal, ask: Decimal) {
    let level = |price| Level {
        price,
        qty: dec!(1),
    };
    feed.publish(
        SYMBOL.into(),
        BookView {
            symbol: SYMBOL.into(),
            last_update_id: 1,
            bids: vec![level(bid)],
            asks: vec![level(ask)],
        },
    );
}

impl World {
    fn controls(&self) -> hft_cache::pre_trade::PreTradeBuilder {
        PreTrade::builder()
            .rules(self.rules.clone())
            .clock(self.clock.shared())
            .throttle(Throttle::new(1000, Duration::from_secs(1)).unwrap())
    }

    fn client_builder(&self) -> SignedClientBuilder<Binance> {
        SignedClient::builder(self.ex.http_url())
            .api_key(KEY)
            .secret(SECRET)
            .clock(self.clock.shared())
            .journal(self.journal.clone())
    }

    fn client(&self, controls: PreTrade) -> SignedClient {
        self.client_builder().pre_trade(controls).build().unwrap()
    }

    fn decision(&self) -> Decision {
        Decision::new().book(self.books.quote(SYMBOL).unwrap())
    }

    /// How many orders the mock holds open.
    async fn open_orders(&self) -> usize {
        let plain = SignedClient::builder(self.ex.http_url())
            .api_key(KEY)
            .secret(SECRET)
            .build()
            .unwrap();
        let open: Fresh<OpenOrders> = plain
            .signed_get("/api/v3/openOrders", &[("symbol", SYMBOL)])
            .await
            .unwrap();
        open.read().unwrap().0.len()
    }
}

/// The journal's entries, as its JSON lines.
fn journal_lines(journal: &OrderJournal) -> Vec<serde_json::Value> {
    journal
        .to_json_lines()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn limit(side: &str, qty: &str, price: &str) -> Vec<(&'static str, String)> {
    vec![
        ("symbol", SYMBOL.to_owned()),
        ("side", side.to_owned()),
        ("type", "LIMIT".to_owned()),
        ("timeInForce", "GTC".to_owned()),
        ("quantity", qty.to_owned()),
        ("price", price.to_owned()),
    ]
}

async fn send(
    client: &SignedClient,
    decision: &Decision,
    order: &[(&str, String)],
) -> Result<Fresh<Ack>, RequestError> {
    client
        .signed_post_decided(decision, "/api/v3/order", order)
        .await
}

fn refusal(result: Result<Fresh<Ack>, RequestError>) -> Refusal {
    match result {
        Err(RequestError::PreTrade(refusal)) => refusal,
        other => panic!("expected a pre-trade refusal, got {other:?}"),
    }
}

/// The exchange took the order (resting or filled against the mock's own book).
fn accepted(result: Result<Fresh<Ack>, RequestError>) {
    match result {
        Ok(ack) => {
            assert!(["NEW", "PARTIALLY_FILLED", "FILLED"]
                .contains(&ack.read().unwrap().status.as_str()))
        }
        Err(e) => panic!("expected the order accepted, got {e}"),
    }
}

#[tokio::test]
async fn an_order_without_a_decision_is_refused_and_never_sent() {
    let w = world().await;
    let client = w.client(w.controls().build().unwrap());
    let result: Result<Fresh<Ack>, _> = client
        .signed_post("/api/v3/order", &limit("BUY", "0.001", "60000"))
        .await;
    assert_eq!(refusal(result), Refusal::NoDecision);
    assert_eq!(w.open_orders().await, 0, "nothing reached the exchange");
    let entries = journal_lines(&w.journal);
    assert_eq!(entries[0]["outcome"]["kind"], "refused");
    assert!(entries[0]["outcome"]["reason"]
        .as_str()
        .unwrap()
        .contains("no_decision"));

    // Explicitly allowed, an undecided order goes through the other controls and is sent.
    let client = w.client(w.controls().allow_undecided().build().unwrap());
    let result = client
        .signed_post("/api/v3/order", &limit("BUY", "0.001", "60000"))
        .await;
    accepted(result);
    assert_eq!(w.open_orders().await, 1);
}

#[tokio::test]
async fn a_book_fresh_at_decision_and_expired_at_send_is_refused() {
    let w = world().await;
    let client = w.client(w.controls().build().unwrap());
    let decision = w.decision();

    // Exactly at the book's max age: still within it.
    w.clock.advance(Duration::from_secs(5));
    accepted(send(&client, &decision, &limit("BUY", "0.001", "60000")).await);

    // The strategy took longer: the same decision, one nanosecond past.
    w.clock.advance(Duration::from_nanos(1));
    let refused = refusal(send(&client, &decision, &limit("BUY", "0.002", "60000")).await);
    assert_eq!(
        refused,
        Refusal::InputExpired {
            kind: InputKind::Stream,
            input: "books".into(),
            key: Some(SYMBOL.into()),
            age: Duration::from_secs(5) + Duration::from_nanos(1),
            limit: Duration::from_secs(5),
        }
    );
    assert_eq!(w.open_orders().await, 1, "only the first order was sent");

    // The journal has each input's age as the crate measured it at send time.
    let entries = journal_lines(&w.journal);
    let input = &entries[0]["inputs"][0];
    assert_eq!(
        (input["kind"].as_str(), input["source"].as_str()),
        (Some("stream"), Some("books"))
    );
    assert_eq!(input["age_ms"].as_f64(), Some(5000.0));
    assert!(entries[1]["inputs"][0]["age_ms"].as_f64().unwrap() > 5000.0);
    assert_eq!(entries[1]["outcome"]["kind"], "refused");
}

#[tokio::test]
async fn a_decision_budget_is_tighter_than_the_max_ages() {
    let w = world().await;
    let client = w.client(
        w.controls()
            .budget(Duration::from_millis(200))
            .build()
            .unwrap(),
    );
    let account: Fresh<Account> = client.signed_get("/api/v3/account", &()).await.unwrap();
    assert!(!account.read().unwrap().balances.is_empty());
    let decision = w.decision().fresh(&account);

    w.clock.advance(Duration::from_millis(200));
    accepted(send(&client, &decision, &limit("BUY", "0.001", "60000")).await);
    w.clock.advance(Duration::from_millis(1));
    let refused = refusal(send(&client, &decision, &limit("BUY", "0.002", "60000")).await);
    assert!(
        matches!(refused, Refusal::InputExpired { limit, .. } if limit == Duration::from_millis(200))
    );

    // The decision's own budget tightens it further.
    let decision = w.decision().budget(Duration::from_millis(50));
    w.clock.advance(Duration::from_millis(51));
    let refused = refusal(send(&client, &decision, &limit("BUY", "0.003", "60000")).await);
    assert!(
        matches!(refused, Refusal::InputExpired { limit, .. } if limit == Duration::from_millis(50))
    );
}

#[tokio::test]
async fn a_live_input_past_its_max_age_at_send_is_refused() {
    let w = world().await;
    let client = w.client(w.controls().build().unwrap());
    let account: Fresh<Account> = client.signed_get("/api/v3/account", &()).await.unwrap();
    let decision = w.decision().fresh(&account);
    w.clock.advance(Duration::from_millis(251)); // a Live type's default max age is 250 ms
    let refused = refusal(send(&client, &decision, &limit("BUY", "0.001", "60000")).await);
    assert!(matches!(
        refused,
        Refusal::InputExpired {
            kind: InputKind::Fresh,
            ..
        }
    ));
}

#[tokio::test]
async fn a_feed_that_breaks_between_read_and_send_refuses_the_order() {
    let w = world().await;
    let client = w.client(w.controls().build().unwrap());
    let decision = w.decision();
    w.feed.mark_unhealthy(FeedFault::Disconnected);
    let refused = refusal(send(&client, &decision, &limit("BUY", "0.001", "60000")).await);
    assert!(
        matches!(
            refused,
            Refusal::FeedBroken {
                healthy: false,
                read_epoch: 0,
                epoch: 1,
                ..
            }
        ),
        "{refused:?}"
    );

    // Healthy again, but in a later epoch: the book was read before the break.
    w.feed.mark_healthy();
    let refused = refusal(send(&client, &decision, &limit("BUY", "0.001", "60000")).await);
    assert!(
        matches!(refused, Refusal::FeedBroken { healthy: true, .. }),
        "{refused:?}"
    );

    // A decision read after the recovery goes through.
    publish_book(&w.feed, dec!(60000), dec!(60001));
    accepted(send(&client, &w.decision(), &limit("BUY", "0.001", "60000")).await);
    assert_eq!(w.open_orders().await, 1);
}

#[tokio::test]
async fn the_price_collar_passes_exactly_at_its_limit() {
    let w = world().await;
    // Best ask 60001: 10 bps through it is 60061.001; the mid (60000.5) is 500 bps away at
    // 63000.525 (further than the through collar allows).
    let limits = Limits::none().collar(dec!(10), dec!(500));
    let client = w.client(w.controls().defaults(limits).build().unwrap());
    let buy_at = |price: &str| limit("BUY", "0.001", price);
    accepted(send(&client, &w.decision(), &buy_at("60061")).await);
    let refused = refusal(send(&client, &w.decision(), &buy_at("60061.01")).await);
    assert!(
        matches!(
            refused,
            Refusal::PriceCollar { reference_name: "best ask", reference, limit_bps, .. }
                if reference == dec!(60001) && limit_bps == dec!(10)
        ),
        "{refused:?}"
    );
    // A sell below the best bid, likewise.
    let sell_at = |price: &str| limit("SELL", "0.001", price);
    accepted(send(&client, &w.decision(), &sell_at("59940")).await);
    let refused = refusal(send(&client, &w.decision(), &sell_at("59939.99")).await);
    assert!(matches!(
        refused,
        Refusal::PriceCollar {
            reference_name: "best bid",
            ..
        }
    ));
    // Far from mid on the passive side: the fat finger.
    let limits = Limits::none().collar(dec!(10), dec!(100));
    let client = w.client(w.controls().defaults(limits).build().unwrap());
    // 1% of 60000.5 is 600.005: 59400.49 is past it, 59400.50 is not.
    accepted(send(&client, &w.decision(), &buy_at("59400.50")).await);
    let refused = refusal(send(&client, &w.decision(), &buy_at("59400.49")).await);
    assert!(
        matches!(
            refused,
            Refusal::PriceCollar {
                reference_name: "mid",
                ..
            }
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn without_a_fresh_book_a_priced_order_is_refused() {
    let w = world().await;
    let client = w.client(w.controls().build().unwrap());
    let refused = refusal(send(&client, &Decision::new(), &limit("BUY", "0.001", "60000")).await);
    assert_eq!(
        refused,
        Refusal::NoBook {
            symbol: SYMBOL.into()
        }
    );
    // Nor is the book read once it is stale.
    w.clock.advance(Duration::from_secs(6));
    assert!(w.books.quote(SYMBOL).is_err());
}

#[tokio::test]
async fn the_venue_rules_refuse_at_their_bounds_and_fail_closed() {
    let w = world().await;
    let client = w.client(w.controls().defaults(Limits::none()).build().unwrap());
    let d = w.decision();
    // Tick size 0.01.
    accepted(send(&client, &d, &limit("BUY", "0.001", "60000.01")).await);
    let r = refusal(send(&client, &d, &limit("BUY", "0.001", "60000.005")).await);
    assert!(
        matches!(
            r,
            Refusal::PriceFilter {
                what: "tick size",
                ..
            }
        ),
        "{r:?}"
    );
    // Step 0.00001, from the minimum 0.00001; at most 100.
    let r = refusal(send(&client, &d, &limit("BUY", "0.000015", "60000")).await);
    assert!(
        matches!(
            r,
            Refusal::LotSize {
                what: "step size",
                ..
            }
        ),
        "{r:?}"
    );
    let r = refusal(send(&client, &d, &limit("BUY", "100.00001", "60000")).await);
    assert!(
        matches!(
            r,
            Refusal::LotSize {
                what: "maximum quantity",
                ..
            }
        ),
        "{r:?}"
    );
    // Minimum notional 5: 0.00009 × 60000 = 5.4 passes, 0.00008 × 60000 = 4.8 does not.
    accepted(send(&client, &d, &limit("BUY", "0.00009", "60000")).await);
    let r = refusal(send(&client, &d, &limit("BUY", "0.00008", "60000")).await);
    assert!(
        matches!(
            r,
            Refusal::Notional {
                what: "minimum notional",
                ..
            }
        ),
        "{r:?}"
    );
    // Exactly the minimum passes: 0.0001 × 50000 = 5.
    accepted(send(&client, &d, &limit("BUY", "0.0001", "50000")).await);

    // A symbol the rules do not know is refused.
    let mut other = limit("BUY", "0.001", "60000");
    other[0].1 = "ETHUSDT".into();
    let r = refusal(send(&client, &d, &other).await);
    assert!(matches!(r, Refusal::RulesUnavailable { .. }), "{r:?}");
    // Rules past their max age are refused (fail closed), whatever the order.
    w.clock.advance(Duration::from_secs(61));
    publish_book(&w.feed, dec!(60000), dec!(60001));
    let r = refusal(send(&client, &w.decision(), &limit("BUY", "0.001", "60000")).await);
    assert!(matches!(r, Refusal::RulesUnavailable { .. }), "{r:?}");
}

#[tokio::test]
async fn rules_refreshed_between_read_and_send_apply_at_send() {
    let w = world().await;
    let client = w.client(w.controls().defaults(Limits::none()).build().unwrap());
    let (rules, receipt) = w
        .rules
        .read_with_receipt(SYMBOL, TradingRules::clone)
        .unwrap();
    assert_eq!(rules.unwrap().price.unwrap().tick, dec!(0.01));
    let decision = w.decision().input(receipt);
    // The venue changes the tick size and the rules are refreshed before the order is sent.
    let plain_rules = StaticCache::<String, TradingRules>::builder()
        .name("rules")
        .clock(w.clock.shared())
        .loader(|| async {
            Ok::<_, std::io::Error>(vec![(
                SYMBOL.to_owned(),
                TradingRules::new()
                    .price(dec!(0.1), dec!(1000000), dec!(0.1))
                    .lot(dec!(0.00001), dec!(100), dec!(0.00001)),
            )])
        })
        .build()
        .unwrap();
    plain_rules.refresh().await.unwrap();
    let client2 = w.client(
        PreTrade::builder()
            .rules(plain_rules)
            .clock(w.clock.shared())
            .defaults(Limits::none())
            .build()
            .unwrap(),
    );
    let r = refusal(send(&client2, &decision, &limit("BUY", "0.001", "60000.01")).await);
    assert!(
        matches!(r, Refusal::PriceFilter { what: "tick size", limit, .. } if limit == dec!(0.1)),
        "{r:?}"
    );
    // The first client's rules are the venue's: the same order passes there.
    accepted(send(&client, &decision, &limit("BUY", "0.001", "60000.01")).await);
}

#[tokio::test]
async fn max_open_orders_needs_a_fresh_count() {
    let w = world().await;
    let rules = StaticCache::<String, TradingRules>::builder()
        .name("rules")
        .clock(w.clock.shared())
        .loader(|| async {
            Ok::<_, std::io::Error>(vec![(
                SYMBOL.to_owned(),
                TradingRules::new().max_open_orders(1),
            )])
        })
        .build()
        .unwrap();
    rules.refresh().await.unwrap();
    let controls = PreTrade::builder()
        .rules(rules)
        .clock(w.clock.shared())
        .defaults(Limits::none())
        .build()
        .unwrap();
    let client = w.client(controls);
    let r = refusal(send(&client, &w.decision(), &limit("BUY", "0.001", "60000")).await);
    assert_eq!(
        r,
        Refusal::MaxOpenOrders {
            symbol: SYMBOL.into(),
            open: None,
            max: 1
        }
    );
    let open: Fresh<OpenOrders> = client
        .signed_get("/api/v3/openOrders", &[("symbol", SYMBOL)])
        .await
        .unwrap();
    accepted(
        send(
            &client,
            &w.decision().open_orders(SYMBOL, &open),
            &limit("BUY", "0.001", "60000"),
        )
        .await,
    );
    let open: Fresh<OpenOrders> = client
        .signed_get("/api/v3/openOrders", &[("symbol", SYMBOL)])
        .await
        .unwrap();
    let r = refusal(
        send(
            &client,
            &w.decision().open_orders(SYMBOL, &open),
            &limit("BUY", "0.002", "60000"),
        )
        .await,
    );
    assert_eq!(
        r,
        Refusal::MaxOpenOrders {
            symbol: SYMBOL.into(),
            open: Some(1),
            max: 1
        }
    );
}

#[tokio::test]
async fn order_and_window_limits_pass_exactly_at_the_limit() {
    let w = world().await;
    let limits = Limits::none()
        .max_qty(dec!(0.01))
        .max_notional(dec!(600))
        .window_notional(dec!(1200), Duration::from_secs(10));
    let client = w.client(w.controls().defaults(limits).build().unwrap());
    let d = w.decision();
    let r = refusal(send(&client, &d, &limit("BUY", "0.01001", "50000")).await);
    assert!(
        matches!(
            r,
            Refusal::OrderLimit {
                what: "quantity",
                ..
            }
        ),
        "{r:?}"
    );
    let r = refusal(send(&client, &d, &limit("BUY", "0.01", "60000.01")).await);
    assert!(
        matches!(
            r,
            Refusal::OrderLimit {
                what: "notional",
                ..
            }
        ),
        "{r:?}"
    );
    accepted(send(&client, &d, &limit("BUY", "0.01", "60000")).await); // 600
    accepted(send(&client, &d, &limit("BUY", "0.005", "60000")).await); // 900
    accepted(send(&client, &d, &limit("BUY", "0.005", "59999.99")).await); // 1199.99995
    let r = refusal(send(&client, &d, &limit("BUY", "0.0001", "60000")).await);
    assert!(
        matches!(r, Refusal::WindowNotional { sent, .. } if sent == dec!(1199.99995)),
        "{r:?}"
    );
    // Ten seconds on, the window has room again (with a book read then).
    w.clock
        .advance(Duration::from_secs(10) + Duration::from_nanos(1));
    publish_book(&w.feed, dec!(60000), dec!(60001));
    accepted(send(&client, &w.decision(), &limit("BUY", "0.01", "60000")).await);
}

#[tokio::test]
async fn the_same_order_twice_within_the_window_is_refused_unless_intentional() {
    let w = world().await;
    let limits = Limits::none().duplicate_window(Duration::from_secs(1));
    let client = w.client(w.controls().defaults(limits).build().unwrap());
    let order = limit("BUY", "0.001", "60000");
    accepted(send(&client, &w.decision(), &order).await);
    w.clock.advance(Duration::from_secs(1));
    let r = refusal(send(&client, &w.decision(), &order).await);
    assert!(matches!(r, Refusal::Duplicate { .. }), "{r:?}");
    accepted(send(&client, &w.decision().intentional_duplicate(), &order).await);
    w.clock
        .advance(Duration::from_secs(1) + Duration::from_nanos(1));
    accepted(send(&client, &w.decision(), &order).await);
    // Another price is another order.
    accepted(send(&client, &w.decision(), &limit("BUY", "0.001", "60000.01")).await);
}

#[tokio::test]
async fn the_throttle_holds_under_two_concurrent_strategies() {
    let w = world().await;
    let controls = PreTrade::builder()
        .rules(w.rules.clone())
        .clock(w.clock.shared())
        .defaults(Limits::none())
        .throttle(Throttle::new(5, Duration::from_secs(1)).unwrap())
        .build()
        .unwrap();
    let client = Arc::new(w.client(controls.clone()));
    let decision = Arc::new(w.decision());
    let strategy = |first: u32| {
        let (client, decision) = (Arc::clone(&client), Arc::clone(&decision));
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for i in 0..6 {
                let price = format!("{}", 59000 + first + i);
                outcomes.push(send(&client, &decision, &limit("BUY", "0.001", &price)).await);
            }
            outcomes
        })
    };
    let (a, b) = tokio::join!(strategy(0), strategy(100));
    let outcomes: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    let sent = outcomes.iter().filter(|o| o.is_ok()).count();
    let throttled = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o,
                Err(RequestError::PreTrade(Refusal::Throttle { limit: 5, .. }))
            )
        })
        .count();
    assert_eq!(
        (sent, throttled),
        (5, 7),
        "the clock never moved: exactly the burst passes"
    );
    assert_eq!(w.open_orders().await, 5);
    assert_eq!(controls.refusals().get(Rule::Throttle), 7);
    // One period's fifth later, there is room for exactly one more.
    w.clock.advance(Duration::from_millis(200));
    accepted(send(&client, &decision, &limit("BUY", "0.001", "58000")).await);
    let r = refusal(send(&client, &decision, &limit("BUY", "0.001", "58000.01")).await);
    assert!(matches!(r, Refusal::Throttle { .. }));
}

#[tokio::test]
async fn a_burst_of_refusals_trips_the_kill_switch() {
    let w = world().await;
    let registry = Registry::new();
    let kill = KillSwitch::builder()
        .registry(&registry)
        .clock(w.clock.shared())
        .build();
    let controls = w
        .controls()
        .escalate(3, Duration::from_secs(10))
        .kill_switch(kill.clone())
        .build()
        .unwrap();
    let client = w
        .client_builder()
        .trading_gate(kill.gate())
        .pre_trade(controls.clone())
        .build()
        .unwrap();
    let fat_finger = limit("BUY", "0.001", "90000");
    for _ in 0..2 {
        refusal(send(&client, &w.decision(), &fat_finger).await);
    }
    assert!(!kill.is_halted(), "two refusals are below the escalation");
    refusal(send(&client, &w.decision(), &fat_finger).await);
    assert!(kill.is_halted());
    let report = kill.last_report().unwrap();
    assert!(
        matches!(
            &report.reason,
            TripReason::PreTradeBreach { rule, refusals: 3, limit: 3, .. } if rule == "price_collar"
        ),
        "{:?}",
        report.reason
    );
    assert_eq!(controls.refusals().get(Rule::PriceCollar), 3);
    // Counted in the compliance report of the switch's registry (and so in the ops metrics).
    let compliance = kill.registry().report();
    assert_eq!(compliance.pre_trade_refusals.get(Rule::PriceCollar), 3);
    assert!(compliance.to_json_pretty().contains(r#""price_collar": 3"#));
    // Halted: even a good order is refused by the gate now, until a validated resume.
    let result = send(&client, &w.decision(), &limit("BUY", "0.001", "60000")).await;
    assert!(matches!(result, Err(RequestError::Halted(_))));
}

/// A client checked by our venue filters alone (no limits of our own, undecided orders
/// allowed, room in the throttle for every order), and one not checked at all.
fn filter_clients(w: &World) -> (SignedClient, SignedClient) {
    let checked = w.client(
        w.controls()
            .allow_undecided()
            .defaults(Limits::none())
            .throttle(Throttle::new(10_000, Duration::from_secs(1)).unwrap())
            .build()
            .unwrap(),
    );
    let unchecked = SignedClient::builder(w.ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap();
    (checked, unchecked)
}

/// Sends `order` through `checked` (our controls, no limits of our own); where they refuse it
/// as a venue filter breach, sends it through `unchecked` and checks the mock rejects it too.
/// Whether ours passed it (the mock then accepted it).
async fn agrees(
    checked: &SignedClient,
    unchecked: &SignedClient,
    order: &[(&'static str, String)],
) -> bool {
    match checked.signed_post::<Ack, _>("/api/v3/order", order).await {
        Ok(_) => true,
        Err(RequestError::PreTrade(r)) if r.rule().is_venue_filter() => {
            let theirs = unchecked
                .signed_post::<Ack, _>("/api/v3/order", order)
                .await;
            assert!(
                matches!(&theirs, Err(RequestError::Exchange { code: -1013, .. })),
                "we refused {order:?} ({r}); the mock answered {theirs:?}"
            );
            false
        }
        Err(e) => panic!("{order:?}: {e}"),
    }
}

/// Orders around every filter bound: what our controls pass the mock accepts, and what they
/// refuse as a filter breach the mock rejects too (with its own filter code, -1013).
#[tokio::test]
async fn our_filters_agree_with_the_mocks() {
    let w = world().await;
    let (checked, unchecked) = filter_clients(&w);
    let prices = [
        "0.01",
        "0.005",
        "59000",
        "59000.01",
        "59000.001",
        "1000000",
        "1000000.01",
        "50000",
    ];
    let qtys = [
        "0.00001",
        "0.000015",
        "0.0001",
        "0.00009",
        "0.00008",
        "1",
        "100",
        "100.00001",
        "20",
        "21",
    ];
    let (mut passed, mut refused) = (0, 0);
    for price in prices {
        for qty in qtys {
            match agrees(&checked, &unchecked, &limit("BUY", qty, price)).await {
                true => passed += 1,
                false => refused += 1,
            }
        }
    }
    assert!(
        passed > 5 && refused > 20,
        "both sides exercised: {passed} passed, {refused} refused"
    );
}

#[tokio::test]
async fn the_paper_phase_runs_the_same_checks() {
    let w = world().await;
    let registry = Registry::new();
    let kill = KillSwitch::builder()
        .registry(&registry)
        .clock(w.clock.shared())
        .journal(w.journal.clone())
        .paper_phase(hft_cache::kill_switch::PaperPhase::new(&w.books).orders(3))
        .build();
    let client = w
        .client_builder()
        .trading_gate(kill.gate())
        .pre_trade(w.controls().build().unwrap())
        .build()
        .unwrap();
    kill.trip("operator stop");
    kill.resume().unwrap();
    assert_eq!(kill.gate().mode(), hft_cache::kill_switch::GateMode::Paper);

    // Refused in the paper phase as it would be live, and not simulated.
    let undecided: Result<Fresh<Ack>, _> = client
        .signed_post("/api/v3/order", &limit("BUY", "0.001", "60000"))
        .await;
    assert_eq!(refusal(undecided), Refusal::NoDecision);
    let decision = w.decision();
    w.clock.advance(Duration::from_secs(6));
    let stale = refusal(send(&client, &decision, &limit("BUY", "0.001", "60000")).await);
    assert_eq!(stale.rule(), Rule::InputExpired);
    // A decided order is simulated; nothing reaches the exchange.
    publish_book(&w.feed, dec!(60000), dec!(60001));
    accepted(send(&client, &w.decision(), &limit("BUY", "0.001", "59000")).await);
    assert_eq!(w.open_orders().await, 0);
    let entries = journal_lines(&w.journal);
    let modes: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["mode"].as_str().unwrap(),
                e["outcome"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        modes,
        [
            ("paper", "refused"),
            ("paper", "refused"),
            ("paper", "accepted")
        ]
    );
}

/// Controls without venue rules or a book, on `clock`, for the checks that need neither.
fn bare_controls(clock: &ManualClock, limits: Limits, throttle: Throttle) -> PreTrade {
    PreTrade::builder()
        .without_venue_rules()
        .allow_undecided()
        .clock(clock.shared())
        .defaults(limits)
        .throttle(throttle)
        .build()
        .unwrap()
}

/// Controls with a duplicate window of `window` and no other limit, on a manual clock.
fn duplicate_checks(window: Duration, throttle: Throttle) -> (ManualClock, PreTrade) {
    let clock = ManualClock::new();
    let controls = bare_controls(&clock, Limits::none().duplicate_window(window), throttle);
    (clock, controls)
}

#[test]
fn a_refused_order_is_not_counted_as_sent() {
    let (clock, controls) = duplicate_checks(
        Duration::from_secs(1),
        Throttle::new(2, Duration::from_secs(10)).unwrap(),
    );
    let order = OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(60000), dec!(0.001));
    controls.check(&order, None).unwrap();
    clock.advance(Duration::from_millis(600));
    let r = controls.check(&order, None).unwrap_err();
    assert!(matches!(r, Refusal::Duplicate { .. }), "{r:?}");
    // The window runs from the order sent, not from the one refused.
    clock.advance(Duration::from_millis(400) + Duration::from_nanos(1));
    controls.check(&order, None).unwrap();
    // The throttle (2 per 10 s) is spent: a new order is refused by it, and so not sent, so
    // the same order right after is refused by the throttle again, not as a duplicate.
    let other = OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(60000.5), dec!(0.001));
    let r = controls.check(&other, None).unwrap_err();
    assert!(matches!(r, Refusal::Throttle { .. }), "{r:?}");
    let r = controls.check(&other, None).unwrap_err();
    assert!(matches!(r, Refusal::Throttle { .. }), "{r:?}");
}

#[test]
fn the_same_value_written_two_ways_is_the_same_order() {
    let (_clock, controls) = duplicate_checks(
        Duration::from_secs(1),
        Throttle::new(100, Duration::from_secs(1)).unwrap(),
    );
    let order = OrderTicket::limit("BTCUSDT", OrderSide::Sell, dec!(60000.10), dec!(0.0010));
    controls.check(&order, None).unwrap();
    let again = OrderTicket::limit("BTCUSDT", OrderSide::Sell, dec!(60000.1), dec!(0.001));
    let r = controls.check(&again, None).unwrap_err();
    assert!(matches!(r, Refusal::Duplicate { .. }), "{r:?}");
    let bought = OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(60000.1), dec!(0.001));
    controls.check(&bought, None).unwrap();
}

#[test]
fn past_the_orders_it_keeps_the_duplicate_check_keeps_the_newest() {
    let (clock, controls) = duplicate_checks(
        Duration::from_secs(60),
        Throttle::new(1_000_000, Duration::from_secs(1)).unwrap(),
    );
    let order =
        |i: i64| OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(60000), Decimal::new(i, 5));
    // 10 000 distinct orders within the window: more than twice the 4 096 it keeps.
    for i in 1..=10_000 {
        controls.check(&order(i), None).unwrap();
        clock.advance(Duration::from_micros(10));
    }
    for i in 10_000 - 4_095..=10_000 {
        let r = controls.check(&order(i), None).unwrap_err();
        assert!(matches!(r, Refusal::Duplicate { .. }), "order {i}: {r:?}");
    }
    // The oldest were forgotten, not the newest: the first goes through again.
    controls.check(&order(1), None).unwrap();
    // Past the window, every order is new again.
    clock.advance(Duration::from_secs(61));
    controls.check(&order(10_000), None).unwrap();
}

#[test]
fn the_checks_against_what_was_sent_refuse_in_their_order() {
    let clock = ManualClock::new();
    let limits = Limits::none()
        .duplicate_window(Duration::from_secs(1))
        .window_notional(dec!(100), Duration::from_secs(10));
    let controls = bare_controls(
        &clock,
        limits,
        Throttle::new(100, Duration::from_secs(1)).unwrap(),
    );
    let order = OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(60000), dec!(0.001)); // 60
    controls.check(&order, None).unwrap();
    // Again: a duplicate, and past the window's 100 too; the duplicate check comes first.
    let r = controls.check(&order, None).unwrap_err();
    assert!(matches!(r, Refusal::Duplicate { .. }), "{r:?}");
    let other = OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(60001), dec!(0.001));
    let r = controls.check(&other, None).unwrap_err();
    assert!(
        matches!(r, Refusal::WindowNotional { sent, .. } if sent == dec!(60)),
        "{r:?}"
    );
}

/// A price or quantity below `max` units of its last digit, at a scale of 0 to 8 (past 8
/// decimals Binance refuses the parameter itself, `-1111`, before any filter): mostly on the
/// venue's grid or near it, some far off it, some past its bounds.
fn random_decimal(rng: &mut proptest::test_runner::TestRng, max: i64) -> Decimal {
    use proptest::prelude::Rng;
    let scale = match rng.next_u32() % 10 {
        0..=5 => rng.next_u32() % 3,
        6..=8 => 3 + rng.next_u32() % 4,
        _ => 7 + rng.next_u32() % 2,
    };
    let mantissa = 1 + (rng.next_u64() % max as u64) as i64;
    Decimal::new(mantissa, scale)
}

#[tokio::test]
async fn our_filters_agree_with_the_mocks_on_random_orders() {
    use proptest::test_runner::{RngAlgorithm, TestRng};
    let w = world().await;
    let (checked, unchecked) = filter_clients(&w);
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let (mut passed, mut refused) = (0, 0);
    for _ in 0..500 {
        // Bids under the book (they rest) and asks above it, up to notional 1 200 000.
        let (side, price) = match passed % 2 {
            0 => ("BUY", random_decimal(&mut rng, 6_000_000)),
            _ => ("SELL", dec!(60002) + random_decimal(&mut rng, 600_000)),
        };
        let qty = random_decimal(&mut rng, 2_000);
        let order = limit(side, &qty.to_string(), &price.to_string());
        match agrees(&checked, &unchecked, &order).await {
            true => passed += 1,
            false => refused += 1,
        }
    }
    assert!(
        passed > 50 && refused > 150,
        "both sides exercised: {passed} passed, {refused} refused"
    );
}
