//! The whole emergency procedure against the mock exchange over real sockets: the order
//! journal, the assessment in the report (suspect window, fresh status, exposure), an exchange
//! that is down during the trip, the paper phase before live trading, and the relapse watch.

use std::time::Duration;

use hft_cache::book::{BookView, Level};
use hft_cache::clock::ManualClock;
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::feed::DepthFeed;
use hft_cache::fetch::FetchError;
use hft_cache::journal::{OrderJournal, OrderMode, OrderOutcome};
use hft_cache::kill_switch::{AssessmentState, GateMode, PaperPhase, RelapseWatch};
use hft_cache::kill_switch::{KillSwitch, Trigger, TripReason};
use hft_cache::monitor::Registry;
use hft_cache::stream_cache::FeedFault;
use hft_cache::{Fresh, Live, StreamCache};
use hft_cache_mock::MockExchange;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;

const SYMBOL: &str = "BTCUSDT";
const KEY: &str = "key";
const SECRET: &str = "secret";
/// Event-driven waits give up after this: a generous bound for a noisy machine, not a timing.
const PATIENCE: Duration = Duration::from_secs(20);

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Ack {
    order_id: u64,
    client_order_id: String,
    status: String,
    executed_qty: Decimal,
    cummulative_quote_qty: Decimal,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct OpenOrder {
    #[serde(rename = "orderId")]
    _order_id: u64,
}

#[derive(Live, Deserialize, Debug)]
struct Account {
    balances: Vec<Balance>,
}

#[derive(Live, Deserialize, Debug)]
struct Balance {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

async fn exchange() -> MockExchange {
    MockExchange::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(100000))
        .stream_interval(Duration::from_millis(10))
        .start()
        .await
        .unwrap()
}

fn client(
    ex: &MockExchange,
) -> hft_cache::exchange::SignedClientBuilder<hft_cache::exchange::binance::Binance> {
    SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
}

fn limit_buy(qty: &str, price: &str) -> Vec<(&'static str, String)> {
    vec![
        ("symbol", SYMBOL.to_owned()),
        ("side", "BUY".to_owned()),
        ("type", "LIMIT".to_owned()),
        ("timeInForce", "GTC".to_owned()),
        ("quantity", qty.to_owned()),
        ("price", price.to_owned()),
    ]
}

fn market(side: &str, qty: &str) -> Vec<(&'static str, String)> {
    vec![
        ("symbol", SYMBOL.to_owned()),
        ("side", side.to_owned()),
        ("type", "MARKET".to_owned()),
        ("quantity", qty.to_owned()),
    ]
}

async fn place(
    client: &SignedClient,
    order: &[(&str, String)],
) -> Result<Fresh<Ack>, RequestError> {
    client.signed_post("/api/v3/order", order).await
}

async fn open_orders(client: &SignedClient) -> usize {
    let open: Fresh<Vec<OpenOrder>> = client
        .signed_get("/api/v3/openOrders", &[("symbol", SYMBOL)])
        .await
        .unwrap();
    open.read().unwrap().len()
}

async fn balance(client: &SignedClient, asset: &str) -> (Decimal, Decimal) {
    let account: Fresh<Account> = client.signed_get("/api/v3/account", &()).await.unwrap();
    account
        .read()
        .unwrap()
        .balances
        .iter()
        .find(|b| b.asset == asset)
        .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
}

async fn eventually<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {PATIENCE:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_report_lists_exactly_the_orders_sent_during_it_with_fresh_status_and_exposure() {
    let ex = exchange().await;
    let registry = Registry::new();
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .max_age(Duration::from_secs(2))
        .registry(&registry)
        .build()
        .unwrap();
    // A stalled stream keeps answering pings, so the link stays up: `data_timeout` makes a
    // second without data a fault, as an adapter that trades on this book wants.
    let _feed = DepthFeed::builder(ex.ws_url(), ex.http_url())
        .symbols([SYMBOL])
        .silence_timeout(Duration::from_secs(1))
        .data_timeout(Duration::from_secs(1))
        .depth(10)
        .spawn(&books)
        .unwrap();
    eventually("the first sync", async {
        while books.read(SYMBOL, |_| ()).is_err() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;

    let journal = OrderJournal::new();
    // The resting order must still rest for the assessment to report it.
    let kill = KillSwitch::builder()
        .registry(&registry)
        .journal(journal.clone())
        .exchange(client(&ex).build().unwrap())
        .keep_resting_orders()
        .build();
    let trader = client(&ex)
        .trading_gate(kill.gate())
        .journal(journal.clone())
        .build()
        .unwrap();
    let _watcher = kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_secs(1)))
        .interval(Duration::from_millis(20))
        .build()
        .unwrap()
        .spawn();

    // Well before the stall: outside any window the stall can produce. The window starts the
    // book's 2 s max age before the feed was found silent, 1 s into the stall; the halt comes
    // 1 s after that, which leaves the two orders of the stall ample time to go out.
    place(&trader, &market("BUY", "0.001")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(3500)).await;

    ex.faults().stall_stream(true);
    let resting = place(&trader, &limit_buy("0.001", "50000")).await.unwrap();
    let taken = place(&trader, &market("BUY", "0.002")).await.unwrap();
    let (resting, taken) = (resting.read().unwrap(), taken.read().unwrap());
    assert_eq!(
        (resting.status.as_str(), taken.status.as_str()),
        ("NEW", "FILLED")
    );

    let mut halts = kill.subscribe();
    eventually("the watcher's trip", halts.wait_for(Option::is_some))
        .await
        .unwrap();
    let report = eventually("the assessment", kill.assessed_report())
        .await
        .unwrap();
    assert_eq!(report.reason.trigger(), "feed_unhealthy");

    let window = report.suspect_window.as_ref().unwrap();
    let seqs: Vec<u64> = window.orders.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, [2, 3], "exactly the orders of the stall: {window:#?}");
    assert_eq!(
        window.orders[0].client_order_id.as_deref(),
        Some(resting.client_order_id.as_str())
    );
    assert_eq!(window.orders[0].price, Some(dec!(50000)));
    assert!(window.max_age == Duration::from_secs(2) && !window.journal_truncated);

    let AssessmentState::Done(done) = &report.assessment else {
        panic!("not assessed: {:?}", report.assessment);
    };
    let statuses: Vec<(u64, &str, Decimal)> = done
        .orders
        .iter()
        .map(|o| (o.seq, o.status.as_str(), o.executed_qty))
        .collect();
    assert_eq!(
        statuses,
        [(2, "NEW", dec!(0)), (3, "FILLED", taken.executed_qty)]
    );
    assert_eq!(done.orders[0].order_id, Some(resting.order_id));

    let [symbol] = done.symbols.as_slice() else {
        panic!("{:?}", done.symbols);
    };
    assert_eq!(symbol.symbol, SYMBOL);
    assert_eq!(
        (symbol.base_asset.as_deref(), symbol.quote_asset.as_deref()),
        (Some("BTC"), Some("USDT"))
    );
    assert_eq!(symbol.suspect_orders, 2);
    assert_eq!(symbol.net_filled_qty, dec!(0.002));
    assert_eq!(symbol.net_quote_qty, -taken.cummulative_quote_qty);
    assert_eq!((symbol.open_orders, symbol.open_buy_qty), (1, dec!(0.001)));

    // The balances are the exchange's, as of the assessment (nothing traded since).
    let assets: Vec<(&str, Decimal, Decimal)> = done
        .assets
        .iter()
        .map(|a| (a.asset.as_str(), a.free, a.locked))
        .collect();
    let (btc, usdt) = (
        balance(&trader, "BTC").await,
        balance(&trader, "USDT").await,
    );
    assert_eq!(assets, [("BTC", btc.0, btc.1), ("USDT", usdt.0, usdt.1)]);
    assert_eq!(btc.0, dec!(0.003));
    assert_eq!(usdt.1, dec!(50));

    let text = report.to_string();
    assert!(text.contains("SUSPECT WINDOW"), "{text}");
    assert!(text.contains("binance BTCUSDT: net filled 0.002"), "{text}");
    assert!(
        report
            .remediation
            .manual
            .iter()
            .any(|m| m.contains("1 order(s) still open on binance BTCUSDT")),
        "{:#?}",
        report.remediation
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["assessment"]["state"], "done");
    let net: Decimal = json["assessment"]["symbols"][0]["net_filled_qty"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(net, dec!(0.002));
    assert_eq!(
        json["suspect_window"]["orders"][1]["outcome"]["kind"],
        "accepted"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn with_the_exchange_down_the_halt_is_immediate_and_the_assessment_arrives_later() {
    let ex = exchange().await;
    let journal = OrderJournal::new();
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .journal(journal.clone())
        .exchange(client(&ex).build().unwrap())
        .assessment_retry(10, Duration::from_millis(10), Duration::from_millis(40))
        // The failures are the assessment's (tests/halt_sweep.rs has the sweep's own).
        .keep_resting_orders()
        .build();
    let trader = client(&ex)
        .trading_gate(kill.gate())
        .journal(journal.clone())
        .build()
        .unwrap();
    let sent = place(&trader, &market("BUY", "0.001")).await.unwrap();
    let sent_qty = sent.read().unwrap().executed_qty;

    // The first three requests of the assessment fail: attempts 1 to 3 each stop at their first.
    ex.faults().fail_next_requests(3);
    let report = kill.trip("operator stop");
    assert!(kill.gate().check().is_err(), "halted before any request");
    assert_eq!(
        report.assessment,
        AssessmentState::Pending {
            attempts: 0,
            last_error: None
        }
    );
    assert_eq!(report.suspect_window.as_ref().unwrap().orders.len(), 1);

    let assessed = eventually("the assessment", kill.assessed_report())
        .await
        .unwrap();
    let AssessmentState::Done(done) = &assessed.assessment else {
        panic!("{:?}", assessed.assessment);
    };
    assert_eq!(done.attempts, 4);
    assert_eq!(done.orders[0].status, "FILLED");
    assert_eq!(done.orders[0].executed_qty, sent_qty);
    assert!(done.clock_offset_ms.is_some());
    assert_eq!(assessed.trip, report.trip);
    assert!(assessed
        .remediation
        .done
        .iter()
        .any(|d| d.contains("exchange clock checked")));
    ex.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_exchange_leaves_a_report_that_says_so() {
    let ex = exchange().await;
    let journal = OrderJournal::new();
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .journal(journal.clone())
        .exchange(client(&ex).build().unwrap())
        .assessment_retry(3, Duration::from_millis(5), Duration::from_millis(10))
        .keep_resting_orders()
        .build();
    let trader = client(&ex).journal(journal.clone()).build().unwrap();
    place(&trader, &market("BUY", "0.001")).await.unwrap();
    ex.shutdown().await;

    let report = kill.trip("exchange lost");
    assert!(kill.is_halted());
    let assessed = eventually("the assessment", kill.assessed_report())
        .await
        .unwrap();
    let AssessmentState::Failed { attempts, .. } = &assessed.assessment else {
        panic!("{:?}", assessed.assessment);
    };
    assert_eq!(*attempts, 3);
    assert_eq!(assessed.suspect_window, report.suspect_window);
    assert!(
        assessed.to_string().contains("ASSESSMENT: FAILED"),
        "{assessed}"
    );
    assert!(assessed
        .remediation
        .manual
        .iter()
        .any(|m| m.contains("could not reach the exchange")));
}

/// A book cache written by hand on a manual clock, a switch with a paper phase, and a trader.
struct Paper {
    ex: MockExchange,
    clock: ManualClock,
    books: StreamCache<String, BookView>,
    feed: hft_cache::stream_cache::FeedWriter<String, BookView>,
    journal: OrderJournal,
    kill: KillSwitch,
    trader: SignedClient,
}

impl Paper {
    async fn new(phase: impl FnOnce(PaperPhase) -> PaperPhase) -> Self {
        let ex = exchange().await;
        let clock = ManualClock::new();
        let registry = Registry::new();
        let books = StreamCache::<String, BookView>::builder()
            .name("books")
            .max_age(Duration::from_secs(2))
            .clock(clock.shared())
            .registry(&registry)
            .build()
            .unwrap();
        let feed = books.custom_transport_writer("test-feed");
        feed.publish(SYMBOL.to_owned(), book());
        let journal = OrderJournal::builder()
            .clock(clock.shared())
            .build()
            .unwrap();
        let kill = KillSwitch::builder()
            .registry(&registry)
            .clock(clock.shared())
            .journal(journal.clone())
            .paper_phase(phase(PaperPhase::new(&books)))
            .build();
        let trader = client(&ex)
            .trading_gate(kill.gate())
            .journal(journal.clone())
            .build()
            .unwrap();
        Paper {
            ex,
            clock,
            books,
            feed,
            journal,
            kill,
            trader,
        }
    }
}

fn book() -> BookView {
    let level = |price, qty| Level { price, qty };
    BookView {
        symbol: SYMBOL.into(),
        last_update_id: 7,
        bids: vec![level(dec!(59999.5), dec!(1)), level(dec!(59999), dec!(2))],
        asks: vec![level(dec!(60000.5), dec!(0.5)), level(dec!(60001), dec!(1))],
    }
}

#[tokio::test]
async fn a_clean_paper_phase_simulates_orders_then_opens_the_gate() {
    let p = Paper::new(|phase| phase.orders(3)).await;
    let real = place(&p.trader, &limit_buy("0.001", "50000"))
        .await
        .unwrap();
    let real_id = real.read().unwrap().order_id;

    let mut modes = p.kill.subscribe_mode();
    p.kill.trip("operator stop");
    assert_eq!(*modes.borrow_and_update(), GateMode::Halted);
    p.kill.resume().unwrap();
    assert_eq!(*modes.borrow_and_update(), GateMode::Paper);
    assert_eq!(p.kill.gate().mode(), GateMode::Paper);
    assert!(
        p.kill.gate().check().is_ok(),
        "adapters run their live checks"
    );

    // Answered from the book: 0.5 at the best ask, 0.2 at the next.
    let taken = place(&p.trader, &market("BUY", "0.7")).await.unwrap();
    let taken = taken.read().unwrap();
    assert_eq!((taken.order_id, taken.status.as_str()), (0, "FILLED"));
    assert_eq!(taken.executed_qty, dec!(0.7));
    assert_eq!(
        taken.cummulative_quote_qty,
        dec!(0.5) * dec!(60000.5) + dec!(0.2) * dec!(60001)
    );
    let below = place(&p.trader, &limit_buy("1", "59000")).await.unwrap();
    assert_eq!(below.read().unwrap().status, "NEW");

    // Nothing was sent: one open order (the real one), no BTC bought.
    assert_eq!(open_orders(&p.trader).await, 1);
    assert_eq!(balance(&p.trader, "BTC").await.0, dec!(0));
    // Cancels pass in the paper phase.
    let cancelled: Fresh<Ack> = p
        .trader
        .signed_delete(
            "/api/v3/order",
            &[
                ("symbol", SYMBOL.to_owned()),
                ("orderId", real_id.to_string()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(cancelled.read().unwrap().status, "CANCELED");
    assert_eq!(p.kill.paper_progress().unwrap().orders, 2);

    place(&p.trader, &market("SELL", "0.1")).await.unwrap();
    assert_eq!(p.kill.gate().mode(), GateMode::Live, "three clean orders");
    assert!(modes.has_changed().unwrap());
    assert_eq!(*modes.borrow_and_update(), GateMode::Live);
    assert!(p.kill.paper_progress().is_none());

    let live = place(&p.trader, &limit_buy("0.001", "50000"))
        .await
        .unwrap();
    assert_ne!(live.read().unwrap().order_id, 0);
    assert_eq!(open_orders(&p.trader).await, 1);

    let totals = p.journal.totals();
    assert_eq!((totals.accepted, totals.paper, totals.refused), (2, 3, 0));
    let lines = p.journal.to_json_lines();
    assert_eq!(
        lines
            .lines()
            .filter(|l| l.contains(r#""mode":"paper""#))
            .count(),
        3
    );
    p.ex.shutdown().await;
}

#[tokio::test]
async fn a_paper_phase_that_sees_a_stale_book_goes_back_to_halted() {
    let p = Paper::new(|phase| phase.orders(5)).await;
    p.kill.trip("operator stop");
    p.kill.resume().unwrap();
    place(&p.trader, &market("BUY", "0.1")).await.unwrap();

    p.clock.advance(Duration::from_secs(3));
    let refused = place(&p.trader, &market("BUY", "0.1")).await.unwrap_err();
    let RequestError::Halted(halted) = refused else {
        panic!("{refused:?}");
    };
    let TripReason::PaperFault { fault } = &halted.reason else {
        panic!("{:?}", halted.reason);
    };
    assert!(fault.contains("book read was refused"), "{fault}");
    assert_eq!(p.kill.gate().mode(), GateMode::Halted);
    assert_eq!(
        p.kill.last_report().unwrap().reason.trigger(),
        "paper_fault"
    );

    // Refused orders stay refused, and nothing reached the exchange.
    assert!(matches!(
        place(&p.trader, &market("BUY", "0.1")).await,
        Err(RequestError::Halted(_))
    ));
    assert_eq!(balance(&p.trader, "BTC").await.0, dec!(0));
    let entries: Vec<serde_json::Value> = p
        .journal
        .to_json_lines()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["mode"].as_str().unwrap(),
                e["outcome"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("paper", "accepted"),
            ("paper", "refused"),
            ("live", "refused")
        ]
    );
    p.ex.shutdown().await;
}

#[tokio::test]
async fn a_paper_phase_halts_on_an_unhealthy_feed_and_passes_on_time() {
    let p = Paper::new(|phase| phase.orders(100).duration(Duration::from_secs(30))).await;
    p.kill.trip("operator stop");
    p.kill.resume().unwrap();
    p.feed.mark_unhealthy(FeedFault::Disconnected);
    let report = p.kill.check_paper().expect("the fault trips");
    assert_eq!(report.reason.trigger(), "paper_fault");
    assert!(
        report.reason.to_string().contains("test-feed"),
        "{}",
        report.reason
    );

    p.feed.mark_healthy();
    p.feed.publish(SYMBOL.to_owned(), book());
    p.kill.resume().unwrap();
    p.clock.advance(Duration::from_secs(29));
    assert!(p.kill.check_paper().is_none());
    assert_eq!(p.kill.gate().mode(), GateMode::Paper);
    p.feed.publish(SYMBOL.to_owned(), book());
    p.clock.advance(Duration::from_secs(1));
    assert!(p.kill.check_paper().is_none());
    assert_eq!(p.kill.gate().mode(), GateMode::Live, "30 s without a fault");
    let _ = &p.books;
    p.ex.shutdown().await;
}

#[tokio::test]
async fn a_relapse_within_the_watch_trips_again_at_tightened_limits() {
    let clock = ManualClock::new();
    let registry = Registry::new();
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .clock(clock.shared())
        .registry(&registry)
        .build()
        .unwrap();
    let feed = books.custom_transport_writer("ws");
    feed.publish(SYMBOL.to_owned(), book());
    let kill = KillSwitch::builder()
        .registry(&registry)
        .clock(clock.shared())
        .relapse_watch(RelapseWatch::new(Duration::from_secs(60)))
        .build();
    let watcher = kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_secs(2)))
        .build()
        .unwrap();

    feed.mark_unhealthy(FeedFault::Disconnected);
    clock.advance(Duration::from_millis(2001));
    assert_eq!(
        watcher.evaluate_now().unwrap().reason.trigger(),
        "feed_unhealthy"
    );
    feed.mark_healthy();
    kill.resume().unwrap();

    // Within the watch: half the limit trips, and the reason says it is a relapse.
    clock.advance(Duration::from_secs(10));
    feed.mark_unhealthy(FeedFault::Disconnected);
    clock.advance(Duration::from_millis(1001));
    let relapse = watcher
        .evaluate_now()
        .expect("a relapse at the tightened limit");
    let TripReason::Relapse {
        after_resume,
        watch,
        cause,
    } = &relapse.reason
    else {
        panic!("{:?}", relapse.reason);
    };
    assert_eq!(*after_resume, Duration::from_millis(11001));
    assert_eq!(*watch, Duration::from_secs(60));
    assert!(matches!(
        **cause,
        TripReason::FeedUnhealthy { limit, .. } if limit == Duration::from_secs(1)
    ));
    assert!(
        relapse.reason.to_string().starts_with("relapse"),
        "{}",
        relapse.reason
    );
    assert_eq!(kill.trips(), 2);

    // After the watch, the normal limits again.
    feed.mark_healthy();
    kill.resume().unwrap();
    clock.advance(Duration::from_secs(61));
    feed.mark_unhealthy(FeedFault::Disconnected);
    clock.advance(Duration::from_millis(1500));
    assert!(watcher.evaluate_now().is_none());
    clock.advance(Duration::from_millis(501));
    assert_eq!(
        watcher.evaluate_now().unwrap().reason.trigger(),
        "feed_unhealthy"
    );
}

#[tokio::test]
async fn the_journal_records_refusals_while_halted_and_keeps_a_bounded_ring() {
    let ex = exchange().await;
    let path = std::env::temp_dir().join(format!("hft-journal-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let journal = OrderJournal::builder()
        .capacity(2)
        .file(&path)
        .build()
        .unwrap();
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let trader = client(&ex)
        .trading_gate(kill.gate())
        .journal(journal.clone())
        .build()
        .unwrap();
    place(&trader, &market("BUY", "0.001")).await.unwrap();
    let rejected = place(&trader, &market("BUY", "0.0000001"))
        .await
        .unwrap_err();
    assert!(
        matches!(rejected, RequestError::Exchange { .. }),
        "{rejected:?}"
    );
    kill.trip("operator stop");
    assert!(place(&trader, &market("BUY", "0.001")).await.is_err());

    let totals = journal.totals();
    assert_eq!(
        (
            totals.recorded,
            totals.accepted,
            totals.rejected,
            totals.refused,
            totals.evicted
        ),
        (3, 1, 1, 1, 1)
    );
    assert_eq!(journal.len(), 2);
    assert_eq!(
        totals.to_string(),
        "3 order request(s): 1 accepted, 1 rejected, 0 unknown, 1 refused, 0 paper (1 no longer in memory)"
    );
    let file = std::fs::read_to_string(&path).unwrap();
    assert_eq!(file.lines().count(), 3, "the file keeps every entry");
    let first: serde_json::Value = serde_json::from_str(file.lines().next().unwrap()).unwrap();
    assert!(first["client_order_id"]
        .as_str()
        .unwrap()
        .starts_with("hftj-"));
    assert_eq!(first["mode"], "live");
    let mut exported = Vec::new();
    assert_eq!(journal.write_json_lines(&mut exported).unwrap(), 2);
    assert!(String::from_utf8(exported)
        .unwrap()
        .contains(r#""kind":"refused""#));
    let _ = std::fs::remove_file(&path);
    ex.shutdown().await;
}

#[test]
fn a_journal_needs_room_and_a_writable_file() {
    assert!(OrderJournal::builder().capacity(0).build().is_err());
    let err = OrderJournal::builder()
        .file("/nonexistent-dir/journal.jsonl")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent-dir/journal.jsonl"),
        "{err}"
    );
    let _ = (
        OrderMode::Live,
        OrderOutcome::Refused {
            reason: String::new(),
        },
    );
}

#[tokio::test]
async fn an_order_whose_answer_was_lost_is_found_by_its_client_order_id() {
    let ex = exchange().await;
    let journal = OrderJournal::new();
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .journal(journal.clone())
        .exchange(client(&ex).build().unwrap())
        .build();
    let trader = client(&ex).journal(journal.clone()).build().unwrap();

    // Executed, then answered with half a body: the order is on the exchange, we cannot tell.
    ex.faults().truncate_next_responses(1);
    let lost = place(&trader, &market("BUY", "0.001")).await.unwrap_err();
    assert!(
        matches!(lost.fetch_error(), Some(FetchError::Truncated { .. })),
        "{lost:?}"
    );
    // Refused with a 503 before it ran: not on the exchange, and not known to be.
    ex.faults().fail_next_requests(1);
    let failed = place(&trader, &market("BUY", "0.002")).await.unwrap_err();
    assert!(
        matches!(
            failed.fetch_error(),
            Some(FetchError::Http { status: 503, .. })
        ),
        "{failed:?}"
    );
    assert_eq!(journal.totals().unknown, 2);

    kill.trip("answers lost");
    let report = eventually("the assessment", kill.assessed_report())
        .await
        .unwrap();
    let AssessmentState::Done(done) = &report.assessment else {
        panic!("{:?}", report.assessment);
    };
    let found: Vec<(&str, Decimal)> = done
        .orders
        .iter()
        .map(|o| (o.status.as_str(), o.executed_qty))
        .collect();
    assert_eq!(found, [("FILLED", dec!(0.001)), ("NOT_FOUND", dec!(0))]);
    assert_eq!(done.symbols[0].net_filled_qty, dec!(0.001));
    ex.shutdown().await;
}
