//! The kill switch: the trading gate, the emergency procedure on real caches, validated resume,
//! each trigger firing exactly when its condition holds, the spawned watcher, and the logs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use hft_cache::clock::{ManualClock, Timestamp};
use hft_cache::kill_switch::StepKind;
use hft_cache::kill_switch::{
    Halted, KillSwitch, ResumeError, TradingGate, Trigger, TripReason, WatcherBuildError,
};
use hft_cache::monitor::{Registry, StandInCache};
use hft_cache::static_cache::StaticReadError;
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::{Static, StaticCache, StreamCache, Streamed};
use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::Level;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

#[derive(Static, Clone, Debug, PartialEq)]
struct SymbolInfo {
    tick_size: u64,
}

#[derive(Streamed, Clone, Debug, PartialEq)]
struct Book {
    best_bid: u64,
    best_ask: u64,
}

const SYMBOLS_MAX_AGE: Duration = Duration::from_secs(60);

/// Two real caches on one manual clock, registered in a registry of their own, and the switch.
struct Desk {
    clock: ManualClock,
    failing: Arc<AtomicBool>,
    symbols: StaticCache<String, SymbolInfo>,
    books: StreamCache<String, Book>,
    registry: Registry,
    kill: KillSwitch,
}

impl Desk {
    async fn new() -> Self {
        let clock = ManualClock::new();
        let failing = Arc::new(AtomicBool::new(false));
        let loader_failing = failing.clone();
        let symbols = StaticCache::builder()
            .name("symbols")
            .max_age(SYMBOLS_MAX_AGE)
            .refresh_interval(Duration::from_secs(20))
            .clock(clock.shared())
            .loader(move || {
                let failing = loader_failing.load(Ordering::SeqCst);
                async move {
                    if failing {
                        return Err(std::io::Error::other("exchangeInfo: HTTP 503"));
                    }
                    Ok(vec![("BTCUSDT".to_string(), SymbolInfo { tick_size: 1 })])
                }
            })
            .build()
            .unwrap();
        symbols.refresh().await.unwrap();
        let books = StreamCache::builder()
            .name("books")
            .clock(clock.shared())
            .build()
            .unwrap();
        let registry = Registry::new();
        registry.register(symbols.clone());
        registry.register(books.clone());
        let kill = KillSwitch::builder()
            .registry(&registry)
            .clock(clock.shared())
            .build();
        Desk {
            clock,
            failing,
            symbols,
            books,
            registry,
            kill,
        }
    }
}

fn book() -> Book {
    Book {
        best_bid: 100,
        best_ask: 101,
    }
}

/// An order path as an adapter would write it: the gate first, then the request.
fn place_order(gate: &TradingGate) -> Result<&'static str, Halted> {
    gate.check()?;
    Ok("order sent")
}

#[tokio::test]
async fn order_placement_fails_at_once_after_a_trip_with_the_reason_and_time() {
    let desk = Desk::new().await;
    let gate = desk.kill.gate();
    assert_eq!(place_order(&gate), Ok("order sent"));

    desk.clock.advance(Duration::from_secs(7));
    desk.kill.trip("risk limit breached");
    let halted = place_order(&gate).unwrap_err();
    assert_eq!(
        halted.reason,
        TripReason::Manual {
            reason: "risk limit breached".into()
        }
    );
    assert_eq!(halted.at, Timestamp::from_duration(Duration::from_secs(7)));
    assert_eq!(
        halted.to_string(),
        "order refused: trading is halted by the kill switch (manual stop: risk limit breached); \
         it stays halted until an explicit resume"
    );
    assert!(desk.kill.is_halted());
    assert_eq!(desk.kill.halted(), Some(halted.clone()));

    // A second trip keeps the first reason on the gate.
    let again = desk.kill.trip("second");
    assert!(!again.halted_trading);
    assert_eq!(gate.check().unwrap_err().reason, halted.reason);
    assert_eq!(desk.kill.reports().len(), 2);
}

#[tokio::test]
async fn a_trip_disables_every_cache_so_only_fresh_calls_remain() {
    let desk = Desk::new().await;
    let feed = desk.books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    assert!(desk.symbols.get("BTCUSDT").unwrap().is_some());
    assert!(desk.books.get("BTCUSDT").is_some());

    let report = desk.kill.trip("operator stop");
    assert!(matches!(
        desk.symbols.get("BTCUSDT"),
        Err(StaticReadError::Disabled { .. })
    ));
    assert!(matches!(
        desk.books.read("BTCUSDT", |b| b.best_bid),
        Err(StreamReadError::Disabled { .. })
    ));

    let steps: Vec<StepKind> = report.steps.iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        [
            StepKind::HaltTrading,
            StepKind::DisableCaches,
            StepKind::Validate,
            StepKind::Report
        ]
    );
    assert!(report.halted_trading);
    assert_eq!(report.disabled_caches, ["symbols", "books"]);
    assert!(report.all_caches_disabled);
    assert!(report.compliance.compliant && report.compliance.healthy);
    assert_eq!(desk.kill.last_report(), Some(report.clone()));

    let json: Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["reason"]["trigger"], "manual");
    assert_eq!(json["reason"]["reason"], "operator stop");
    assert_eq!(json["steps"][1]["step"], "disable_caches");
    assert_eq!(json["compliance"]["caches"][0]["status"], "disabled");
    assert_eq!(json["compliance"]["caches"][1]["enabled"], false);

    let text = report.to_string();
    assert!(text.starts_with("EMERGENCY STOP: manual stop: operator stop\n  1. halt_trading: "));
    assert!(text.contains(
        "  2. disable_caches: disabled 2 cache(s): symbols, books; only fresh calls remain\n"
    ));
}

#[tokio::test]
async fn resume_is_refused_while_a_feed_is_unhealthy_and_accepted_once_it_recovers() {
    let desk = Desk::new().await;
    let feed = desk.books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    assert_eq!(desk.kill.resume(), Err(ResumeError::NotHalted));

    feed.mark_unhealthy(FeedFault::Disconnected);
    desk.kill.trip("feed lost");
    let refused = desk.kill.resume().unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("resume refused, trading stays halted: feed `binance-ws` of cache `books` is unhealthy (disconnected)"),
        "{refused}"
    );
    assert!(desk.kill.gate().check().is_err(), "still halted");
    assert!(!desk.symbols.is_enabled(), "still disabled");

    feed.mark_healthy();
    feed.publish("BTCUSDT".into(), book());
    let report = desk.kill.resume().expect("validation passes");
    assert!(report.ready_to_resume());
    assert!(report.caches.iter().all(|c| c.enabled));
    assert!(desk.kill.gate().check().is_ok());
    assert_eq!(desk.books.get("BTCUSDT"), Some(book()));
    assert!(desk.symbols.get("BTCUSDT").unwrap().is_some());
}

#[tokio::test]
async fn resume_is_refused_while_static_data_is_past_its_max_age() {
    let desk = Desk::new().await;
    desk.failing.store(true, Ordering::SeqCst);
    desk.clock.advance(SYMBOLS_MAX_AGE + Duration::from_secs(1));
    desk.kill.trip("symbols stale");
    let Err(ResumeError::ValidationFailed { reasons, report }) = desk.kill.resume() else {
        panic!("resume must be refused");
    };
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].starts_with("cache `symbols` holds data 61s old"),
        "{}",
        reasons[0]
    );
    assert!(!report.healthy);

    desk.failing.store(false, Ordering::SeqCst);
    desk.symbols.refresh().await.unwrap();
    desk.kill.resume().expect("in date again");
}

#[tokio::test]
async fn resume_is_refused_while_a_cache_of_live_data_is_registered() {
    let desk = Desk::new().await;
    let rogue = desk.registry.register(RogueCache::live());
    desk.kill.trip("audit");
    let refused = desk.kill.resume().unwrap_err();
    assert!(refused.to_string().contains("app::Balance`"), "{refused}");
    desk.registry.deregister(rogue);
    desk.kill.resume().unwrap();
}

#[tokio::test]
async fn a_cache_registered_during_an_emergency_is_disabled_and_re_enabled_on_resume() {
    let desk = Desk::new().await;
    desk.symbols.disable(); // by hand, before the emergency: resume must leave it so
    desk.kill.trip("stop");
    let tickers = StreamCache::<String, Book>::builder()
        .name("tickers")
        .clock(desk.clock.shared())
        .build()
        .unwrap();
    desk.registry.register(tickers.clone());
    assert!(!tickers.is_enabled());
    desk.kill.resume().unwrap();
    assert!(tickers.is_enabled());
    assert!(desk.books.is_enabled());
    assert!(
        !desk.symbols.is_enabled(),
        "disabled before the emergency, not by it"
    );
}

#[tokio::test]
async fn feed_unhealthy_trigger_fires_only_after_the_limit() {
    let desk = Desk::new().await;
    let feed = desk.books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    let watcher = desk
        .kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_secs(2)))
        .build()
        .unwrap();

    assert!(watcher.evaluate_now().is_none());
    feed.mark_unhealthy(FeedFault::SequenceGap {
        expected: 10,
        got: 12,
    });
    assert!(watcher.evaluate_now().is_none());
    desk.clock.advance(Duration::from_secs(2));
    assert!(
        watcher.evaluate_now().is_none(),
        "exactly 2 s is not longer than 2 s"
    );
    assert!(desk.kill.gate().check().is_ok());

    desk.clock.advance(Duration::from_millis(1));
    let report = watcher.evaluate_now().expect("fires");
    assert_eq!(
        report.reason,
        TripReason::FeedUnhealthy {
            cache: "books".into(),
            feed: "binance-ws".into(),
            fault: Some("sequence gap: expected update 10, got 12".into()),
            unhealthy_for: Duration::from_millis(2001),
            limit: Duration::from_secs(2),
        }
    );
    let halted = desk.kill.gate().check().unwrap_err();
    assert!(
        halted
            .to_string()
            .contains("feed `binance-ws` of cache `books` unhealthy for 2.001s"),
        "{halted}"
    );
    assert!(
        watcher.evaluate_now().is_none(),
        "no second trip while halted"
    );
    assert_eq!(desk.kill.reports().len(), 1);
}

#[tokio::test]
async fn stale_refusal_trigger_counts_refusals_within_its_window() {
    let desk = Desk::new().await;
    let feed = desk.books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    let watcher = desk
        .kill
        .watcher()
        .trigger(Trigger::stale_refusals(3, Duration::from_secs(10)))
        .build()
        .unwrap();
    let refuse = |n| {
        for _ in 0..n {
            assert!(desk.books.get("BTCUSDT").is_none());
        }
    };

    desk.clock.advance(Duration::from_secs(6)); // past the 5 s max age
    assert!(watcher.evaluate_now().is_none());
    refuse(3);
    desk.clock.advance(Duration::from_secs(1));
    assert!(watcher.evaluate_now().is_none(), "3 is not more than 3");

    // 11 s later those 3 are out of the window; 1 more is not enough.
    desk.clock.advance(Duration::from_secs(11));
    refuse(1);
    assert!(watcher.evaluate_now().is_none());
    refuse(2);
    assert!(watcher.evaluate_now().is_none(), "3 in the window");
    refuse(1);
    let report = watcher.evaluate_now().expect("4 in the window");
    assert_eq!(
        report.reason,
        TripReason::StaleRefusals {
            cache: "books".into(),
            refusals: 4,
            limit: 3,
            within: Duration::from_secs(10),
        }
    );

    // Resuming starts the window afresh: the refusals that tripped it do not trip it again.
    desk.kill.resume().unwrap();
    assert!(watcher.evaluate_now().is_none());
    refuse(4);
    assert!(watcher.evaluate_now().is_some(), "4 new ones do");
}

#[tokio::test]
async fn refresh_failure_trigger_fires_only_once_the_data_is_past_its_max_age() {
    let desk = Desk::new().await;
    let watcher = desk
        .kill
        .watcher()
        .trigger(Trigger::refresh_failing_past_max_age())
        .build()
        .unwrap();
    assert!(watcher.evaluate_now().is_none());

    // Past max age without a failed refresh (nothing tried): not this trigger's condition.
    desk.clock.advance(SYMBOLS_MAX_AGE + Duration::from_secs(1));
    assert!(watcher.evaluate_now().is_none());
    desk.symbols.refresh().await.unwrap(); // loaded at 61 s

    // A failure while the data is in date is survivable.
    desk.failing.store(true, Ordering::SeqCst);
    desk.clock.advance(Duration::from_secs(30));
    assert!(desk.symbols.refresh().await.is_err());
    assert!(watcher.evaluate_now().is_none());
    desk.clock.advance(Duration::from_secs(30));
    assert!(watcher.evaluate_now().is_none(), "exactly at max age");

    desk.clock.advance(Duration::from_millis(1));
    let report = watcher.evaluate_now().expect("fires");
    assert_eq!(
        report.reason,
        TripReason::RefreshFailingPastMaxAge {
            cache: "symbols".into(),
            age: Some(SYMBOLS_MAX_AGE + Duration::from_millis(1)),
            max_age: SYMBOLS_MAX_AGE,
            failures: 1,
        }
    );
    assert_eq!(report.reason.cache(), Some("symbols"));
}

#[tokio::test]
async fn compliance_trigger_fires_on_a_violation() {
    let desk = Desk::new().await;
    let watcher = desk
        .kill
        .watcher()
        .trigger(Trigger::compliance_violation())
        .build()
        .unwrap();
    assert!(watcher.evaluate_now().is_none());
    desk.registry.register(RogueCache::live());
    let report = watcher.evaluate_now().expect("fires");
    assert_eq!(report.reason.trigger(), "compliance_violation");
    assert_eq!(report.reason.cache(), Some("rogue"));
}

#[tokio::test]
async fn a_trigger_for_one_cache_ignores_the_others() {
    let desk = Desk::new().await;
    let feed = desk.books.custom_transport_writer("binance-ws");
    feed.mark_unhealthy(FeedFault::Disconnected);
    let watcher = desk
        .kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::ZERO).for_cache("tickers"))
        .build()
        .unwrap();
    desk.clock.advance(Duration::from_secs(60));
    assert!(watcher.evaluate_now().is_none());
}

#[tokio::test]
async fn watcher_settings_that_cannot_work_are_refused() {
    let desk = Desk::new().await;
    assert_eq!(
        desk.kill.watcher().build().unwrap_err(),
        WatcherBuildError::NoTriggers
    );
    assert_eq!(
        desk.kill
            .watcher()
            .trigger(Trigger::compliance_violation())
            .interval(Duration::ZERO)
            .build()
            .unwrap_err(),
        WatcherBuildError::ZeroInterval
    );
    assert_eq!(
        desk.kill
            .watcher()
            .trigger(Trigger::stale_refusals(1, Duration::ZERO))
            .build()
            .unwrap_err(),
        WatcherBuildError::ZeroWindow
    );
}

#[tokio::test]
async fn a_spawned_watcher_trips_the_switch_on_its_own() {
    let desk = Desk::new().await;
    let feed = desk.books.custom_transport_writer("binance-ws");
    let mut halts = desk.kill.subscribe();
    let _watching = desk
        .kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_secs(1)))
        .interval(Duration::from_millis(5))
        .build()
        .unwrap()
        .spawn();
    feed.mark_unhealthy(FeedFault::Disconnected);
    desk.clock.advance(Duration::from_secs(2));
    let halted = tokio::time::timeout(Duration::from_secs(10), halts.wait_for(Option::is_some))
        .await
        .expect("tripped within 10 s")
        .expect("switch alive")
        .clone()
        .expect("a halt");
    assert_eq!(halted.reason.trigger(), "feed_unhealthy");
    assert!(!desk.books.is_enabled());
}

#[tokio::test(flavor = "current_thread")]
async fn every_emergency_step_is_logged_at_error_level_with_structured_fields() {
    let desk = Desk::new().await;
    let feed = desk.books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    let watcher = desk
        .kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_secs(1)))
        .build()
        .unwrap();
    start_capture();

    feed.mark_unhealthy(FeedFault::Disconnected);
    desk.clock.advance(Duration::from_secs(2));
    watcher.evaluate_now().expect("fires");
    let events = take_events();
    let fired = events
        .iter()
        .find(|e| e.message() == "kill-switch trigger fired")
        .expect("the trigger is logged");
    assert_eq!(fired.level, Level::ERROR);
    assert_eq!(fired.fields["trigger"], "feed_unhealthy");
    assert_eq!(fired.fields["cache"], "books");

    let steps: Vec<&Event> = events
        .iter()
        .filter(|e| e.fields.contains_key("step"))
        .collect();
    let names: Vec<&str> = steps.iter().map(|e| e.fields["step"].as_str()).collect();
    assert_eq!(
        names,
        ["halt_trading", "disable_caches", "validate", "report"]
    );
    for step in &steps {
        assert_eq!(step.level, Level::ERROR, "{step:?}");
        assert_eq!(step.fields["trigger"], "feed_unhealthy");
        assert_eq!(step.fields["cache"], "books");
    }
    assert_eq!(steps[1].fields["disabled"], "2");
    assert_eq!(steps[2].fields["healthy"], "false");
    let logged: Value = serde_json::from_str(&steps[3].fields["report"]).unwrap();
    assert_eq!(logged["reason"]["feed"], "binance-ws");

    assert!(desk.kill.resume().is_err());
    let refused = take_events();
    assert!(refused.iter().any(|e| e.level == Level::ERROR
        && e.fields.get("outcome").map(String::as_str) == Some("refused")));
    feed.mark_healthy();
    desk.kill.resume().unwrap();
    let resumed = take_events();
    assert!(resumed.iter().any(|e| e.level == Level::WARN
        && e.fields.get("outcome").map(String::as_str) == Some("resumed")));
}

// ---- a cache that breaks the rules, which the real caches cannot ----

/// What the rogue cache holds: its class comes from this type.
mod app {
    #[derive(hft_cache::Live)]
    pub struct Balance {
        pub _free: u64,
    }
}

/// A stand-in cache of live data, which the real caches cannot be.
struct RogueCache;

impl RogueCache {
    fn live() -> StandInCache<app::Balance> {
        StandInCache::new("rogue", Duration::from_millis(250))
    }
}

// ---- a tracing layer that keeps the events of the thread that asked ----
//
// One global subscriber for the whole test binary: per-test scoped subscribers race with the
// callsite interest cache when tests run in parallel (a callsite first hit on a thread without a
// subscriber can be cached as never-interesting), so events would go missing at random.

#[derive(Debug, Clone)]
struct Event {
    level: Level,
    fields: HashMap<String, String>,
}

impl Event {
    fn message(&self) -> &str {
        self.fields.get("message").map_or("", String::as_str)
    }
}

thread_local! {
    static EVENTS: RefCell<Option<Vec<Event>>> = const { RefCell::new(None) };
}

struct ThreadCapture;

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for ThreadCapture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        EVENTS.with(|events| {
            if let Some(events) = events.borrow_mut().as_mut() {
                let mut fields = HashMap::new();
                event.record(&mut Fields(&mut fields));
                events.push(Event {
                    level: *event.metadata().level(),
                    fields,
                });
            }
        });
    }
}

/// Keeps this thread's events from now on (current-thread tokio tests run on it too).
fn start_capture() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(ThreadCapture))
            .expect("no other global subscriber in this test binary");
    });
    EVENTS.with(|events| *events.borrow_mut() = Some(Vec::new()));
}

/// The events kept since the last call (or since `start_capture`).
fn take_events() -> Vec<Event> {
    EVENTS.with(|events| {
        events
            .borrow_mut()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    })
}
