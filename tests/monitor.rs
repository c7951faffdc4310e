//! The compliance monitor: registration (explicit, global, weak), the report as JSON and text,
//! the verdict on real caches, violations on caches that break the rules, and the log events.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use hft_cache::clock::ManualClock;
use hft_cache::monitor::{CacheStatus, HealthProblem, Violation};
use hft_cache::monitor::{Registry, StandInCache};
use hft_cache::stream_cache::FeedFault;
use hft_cache::{DataClass, Static, StaticCache, StreamCache, Streamed};
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

fn symbols(clock: &ManualClock, failing: Arc<AtomicBool>) -> StaticCache<String, SymbolInfo> {
    StaticCache::builder()
        .name("symbols")
        .max_age(SYMBOLS_MAX_AGE)
        .refresh_interval(Duration::from_secs(20))
        .clock(clock.shared())
        .loader(move || {
            let failing = failing.load(Ordering::SeqCst);
            async move {
                if failing {
                    return Err(std::io::Error::other("exchangeInfo: HTTP 503"));
                }
                Ok(vec![("BTCUSDT".to_string(), SymbolInfo { tick_size: 1 })])
            }
        })
        .build()
        .unwrap()
}

fn books(clock: &ManualClock) -> StreamCache<String, Book> {
    StreamCache::builder()
        .name("books")
        .clock(clock.shared())
        .build()
        .unwrap()
}

fn book() -> Book {
    Book {
        best_bid: 100,
        best_ask: 101,
    }
}

/// A cache that reports whatever the test sets: the real caches cannot hold live data or serve
/// stale data, so only a stand-in that lies can show that the monitor catches it. The registry
/// reads its class from its value type.
type RogueCache<V> = StandInCache<V>;

fn rogue<V>() -> RogueCache<V> {
    StandInCache::new("rogue", Duration::from_millis(250))
}

/// What the rogue caches hold.
mod app {
    #[derive(hft_cache::Live)]
    pub struct Balance {
        pub _free: u64,
    }

    #[derive(hft_cache::Static)]
    pub struct Rules {
        pub _lot: u64,
    }
}

#[tokio::test]
async fn the_registry_lists_each_cache_with_its_class_type_and_max_age() {
    let clock = ManualClock::new();
    let registry = Registry::new();
    let symbols = symbols(&clock, Arc::default());
    let books = books(&clock);
    let symbols_id = registry.register(symbols.clone());
    let books_id = registry.register(books.clone());
    assert_ne!(symbols_id, books_id);

    let caches = registry.caches();
    assert_eq!(caches.len(), 2);
    assert_eq!(caches[0].id, symbols_id);
    assert_eq!(caches[0].name, "symbols");
    assert_eq!(caches[0].class, DataClass::Static);
    assert!(
        caches[0].value_type.ends_with("SymbolInfo"),
        "{}",
        caches[0].value_type
    );
    assert_eq!(caches[0].max_age, SYMBOLS_MAX_AGE);
    assert_eq!(caches[1].name, "books");
    assert_eq!(caches[1].class, DataClass::Streamed);
    assert!(caches[1].value_type.ends_with("Book"));
    assert_eq!(
        caches[1].max_age,
        Duration::from_secs(5),
        "the Streamed default"
    );

    assert!(registry.deregister(symbols_id));
    assert!(!registry.deregister(symbols_id));
    assert_eq!(registry.len(), 1);
}

#[test]
fn the_global_registry_is_one_per_process() {
    let clock = ManualClock::new();
    let books = StreamCache::<String, Book>::builder()
        .name("books-in-the-global-registry")
        .clock(clock.shared())
        .build()
        .unwrap();
    let id = Registry::global().register(books.clone());
    let found = Registry::global()
        .caches()
        .into_iter()
        .find(|c| c.id == id)
        .expect("registered globally");
    assert_eq!(found.name, "books-in-the-global-registry");
    assert!(Registry::global().deregister(id));
}

#[test]
fn a_weakly_registered_cache_leaves_when_dropped() {
    let clock = ManualClock::new();
    let registry = Registry::new();
    let books = Arc::new(books(&clock));
    let id = registry.register_weak(&books);
    assert_eq!(registry.caches()[0].id, id);
    drop(books);
    assert!(registry.is_empty());
    assert!(registry.report().caches.is_empty());
}

#[tokio::test]
async fn the_json_report_has_every_counter_and_the_verdict() {
    let clock = ManualClock::new();
    let registry = Registry::new();
    let symbols = symbols(&clock, Arc::default());
    let books = books(&clock);
    registry.register(symbols.clone());
    registry.register(books.clone());
    symbols.refresh().await.unwrap();
    let feed = books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    clock.advance(Duration::from_millis(1500));
    symbols.get("BTCUSDT").unwrap();
    symbols.get("DOGEUSDT").unwrap();
    books.get("BTCUSDT").unwrap();

    let json: Value = serde_json::from_str(&registry.report().to_json_pretty()).unwrap();
    assert_eq!(json["compliant"], true);
    assert_eq!(json["violations"], Value::Array(vec![]));
    assert_eq!(json["healthy"], true);
    assert_eq!(json["health_problems"], Value::Array(vec![]));
    assert!(json["generated_at_unix_ms"].as_u64().unwrap() > 0);

    let s = &json["caches"][0];
    assert_eq!(s["name"], "symbols");
    assert_eq!(s["class"], "Static");
    assert!(s["value_type"].as_str().unwrap().ends_with("SymbolInfo"));
    assert_eq!(s["max_age"], 60_000.0, "milliseconds");
    assert_eq!(s["enabled"], true);
    assert_eq!(s["status"], "serving");
    assert_eq!(s["hits"], 1);
    assert_eq!(s["misses"], 1);
    assert_eq!(s["stale_refusals"], 0);
    assert_eq!(s["refreshes"], 1);
    assert_eq!(s["refresh_failures"], 0);
    assert_eq!(s["data_age"], 1500.0);
    assert_eq!(s["feeds"], Value::Array(vec![]));
    assert_eq!(s["violations"], Value::Array(vec![]));

    let b = &json["caches"][1];
    assert_eq!(b["name"], "books");
    assert_eq!(b["class"], "Streamed");
    assert_eq!(b["max_age"], 5000.0);
    assert_eq!(b["hits"], 1);
    assert_eq!(b["publishes"], 1, "one published update");
    let feed_json = &b["feeds"][0];
    assert_eq!(feed_json["name"], "binance-ws");
    assert_eq!(feed_json["healthy"], true);
    assert_eq!(feed_json["fault"], Value::Null);
    assert_eq!(feed_json["keys"], 1);
}

#[tokio::test]
async fn the_text_report_reads_as_a_summary() {
    let clock = ManualClock::new();
    let registry = Registry::new();
    let symbols = symbols(&clock, Arc::default());
    let books = books(&clock);
    registry.register(symbols.clone());
    registry.register(books.clone());
    symbols.refresh().await.unwrap();
    let feed = books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    feed.mark_unhealthy(FeedFault::Disconnected);
    clock.advance(Duration::from_secs(2));

    let text = registry.report().to_string();
    println!("{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "compliance report: COMPLIANT, UNHEALTHY (2 caches)"
    );
    assert_eq!(
        lines[1],
        "  symbols: Static `SymbolInfo`, max age 60s, serving"
    );
    assert!(
        lines[2].starts_with("    data age 2s | hits 0, misses 0, stale refusals 0"),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3],
        "  books: Streamed `Book`, max age 5s, FEED UNHEALTHY (its keys refused)"
    );
    assert!(text.contains("    feed `binance-ws`: UNHEALTHY (disconnected) for 2s, 1 keys\n"));
    assert!(text.contains("violations: none\n"));
    assert!(text.contains(
        "health:\n  - feed `binance-ws` of cache `books` is unhealthy (disconnected) for 2s\n"
    ));
}

#[tokio::test]
async fn caches_refusing_stale_data_are_compliant_but_unhealthy() {
    let clock = ManualClock::new();
    let failing = Arc::new(AtomicBool::new(false));
    let registry = Registry::new();
    let symbols = symbols(&clock, failing.clone());
    registry.register(symbols.clone());
    symbols.refresh().await.unwrap();
    assert!(registry.report().ready_to_resume());

    failing.store(true, Ordering::SeqCst);
    clock.advance(SYMBOLS_MAX_AGE + Duration::from_secs(1));
    assert!(symbols.refresh().await.is_err());
    for _ in 0..3 {
        assert!(symbols.get("BTCUSDT").is_err(), "refused past max age");
        let report = registry.report();
        assert!(
            report.compliant,
            "refusing stale reads is what the policy asks"
        );
        assert!(!report.healthy);
        assert_eq!(report.caches[0].status, CacheStatus::Stale);
        assert_eq!(
            report.health_problems,
            vec![HealthProblem::PastMaxAge {
                cache: "symbols".into(),
                age: Duration::from_secs(61),
                max_age: SYMBOLS_MAX_AGE,
                refresh_failures: 1,
            }]
        );
    }
    assert_eq!(symbols.stats().stale_refusals, 3);
}

#[test]
fn a_cache_of_live_data_is_a_violation() {
    let registry = Registry::new();
    let (_, events) = capture(|| registry.register(rogue::<app::Balance>()));
    let report = registry.report();
    assert!(!report.compliant);
    assert_eq!(
        report.violations,
        vec![Violation::LiveDataCached {
            cache: "rogue".into(),
            value_type: std::any::type_name::<app::Balance>().into(),
        }]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["violations"][0]["kind"], "live_data_cached");
    assert_eq!(json["caches"][0]["violations"][0]["cache"], "rogue");
    assert!(report.to_string().contains(&format!(
        "VIOLATION: cache `rogue` holds live data `{}`, which may never be cached",
        std::any::type_name::<app::Balance>()
    )));

    let event = events
        .iter()
        .find(|e| e.message() == "compliance violation")
        .expect("logged when registered");
    assert_eq!(event.level, Level::ERROR);
    assert_eq!(event.fields["cache"], "rogue");
    assert_eq!(event.fields["class"], "Live");
    assert_eq!(event.fields["violation"], "live_data_cached");
}

#[test]
fn reads_served_from_expired_data_are_a_violation_that_stays() {
    let registry = Registry::new();
    let rogue = rogue::<app::Rules>();
    registry.register(rogue.clone());
    rogue.set_stats(|s| {
        s.refreshes = 1;
        s.hits = 10;
        s.data_age = Some(Duration::from_millis(200));
    });
    assert!(registry.report().compliant, "in date");
    rogue.set_stats(|s| {
        s.hits = 20;
        s.data_age = Some(Duration::from_secs(1));
    });
    assert!(
        registry.report().compliant,
        "the hits may have come before it expired"
    );
    let (report, events) = capture(|| {
        rogue.set_stats(|s| {
            s.hits = 23;
            s.data_age = Some(Duration::from_secs(2));
        });
        registry.report()
    });
    assert_eq!(
        report.violations,
        vec![Violation::ServedPastMaxAge {
            cache: "rogue".into(),
            age: Duration::from_secs(2),
            max_age: Duration::from_millis(250),
            reads: 3,
        }]
    );
    assert!(events.iter().any(|e| e.level == Level::ERROR
        && e.fields.get("violation").map(String::as_str) == Some("served_past_max_age")));

    // A new data set does not clear it: the cache was caught serving expired data.
    rogue.set_stats(|s| {
        s.refreshes = 2;
        s.data_age = Some(Duration::ZERO);
    });
    assert!(!registry.report().compliant);
}

#[tokio::test]
async fn a_refused_stale_read_logs_a_warning_with_the_cache_and_ages() {
    let clock = ManualClock::new();
    let books = books(&clock);
    let feed = books.custom_transport_writer("binance-ws");
    feed.publish("BTCUSDT".into(), book());
    clock.advance(Duration::from_secs(6));
    let (refused, events) = capture(|| books.get("BTCUSDT"));
    assert_eq!(refused, None);
    let warning = events
        .iter()
        .find(|e| e.level == Level::WARN)
        .expect("a warning");
    assert_eq!(warning.fields["cache"], "books");
    assert_eq!(warning.fields["age_ms"], "6000");
    assert_eq!(warning.fields["max_age_ms"], "5000");
}

#[tokio::test]
async fn a_failed_refresh_past_max_age_logs_an_error() {
    let clock = ManualClock::new();
    let failing = Arc::new(AtomicBool::new(false));
    let symbols = symbols(&clock, failing.clone());
    symbols.refresh().await.unwrap();
    failing.store(true, Ordering::SeqCst);
    clock.advance(SYMBOLS_MAX_AGE + Duration::from_millis(1));
    start_capture();
    assert!(symbols.refresh().await.is_err());
    let events = take_events();
    let error = events
        .iter()
        .find(|e| e.level == Level::ERROR)
        .expect("an error event");
    assert_eq!(error.fields["cache"], "symbols");
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

/// Runs `f`, returning the events it logged on this thread.
fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<Event>) {
    start_capture();
    let result = f();
    (result, take_events())
}

#[tokio::test]
async fn caches_register_themselves_in_the_global_registry_and_leave_when_dropped() {
    use hft_cache::{StaticCache, StreamCache};

    #[derive(hft_cache::Static)]
    struct SelfRegisteredRules {
        tick: u64,
    }
    #[derive(hft_cache::Streamed)]
    struct SelfRegisteredQuote;
    let listed = |name: &str| Registry::global().caches().iter().any(|c| c.name == name);

    let rules = StaticCache::<String, SelfRegisteredRules>::builder()
        .name("self-registered-rules")
        .loader(|| async {
            Ok::<_, std::io::Error>(vec![("X".to_string(), SelfRegisteredRules { tick: 1 })])
        })
        .build()
        .unwrap();
    let quotes = StreamCache::<String, SelfRegisteredQuote>::builder()
        .name("self-registered-quotes")
        .build()
        .unwrap();
    assert!(listed("self-registered-rules") && listed("self-registered-quotes"));
    rules.refresh().await.unwrap();
    assert_eq!(rules.read("X", |r| r.tick).unwrap(), Some(1));
    let report = Registry::global().report();
    let entry = report
        .caches
        .iter()
        .find(|c| c.info.name == "self-registered-rules")
        .unwrap();
    assert_eq!(
        entry.stats.hits, 1,
        "the report reads the cache's own counters"
    );
    quotes
        .custom_transport_writer("ws")
        .publish("X".into(), SelfRegisteredQuote);

    drop((rules, quotes));
    assert!(!listed("self-registered-rules") && !listed("self-registered-quotes"));
}
