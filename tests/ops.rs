//! The ops endpoint over real HTTP: bad tokens change nothing and are logged, good ones halt
//! and resume, and the metrics parse as a Prometheus scraper parses them.
#![cfg(feature = "ops")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hft_cache::book::BookView;
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::GateMode;
use hft_cache::kill_switch::KillSwitch;
use hft_cache::monitor::Registry;
use hft_cache::ops::{OpsError, OpsServer};
use hft_cache::StreamCache;
use prometheus_parse::{Scrape, Value};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

const TOKEN: &str = "0p5-t0ken-for-tests";

/// Every warning's fields, as text.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Text<'a>(&'a mut String);
        impl Visit for Text<'_> {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }
        if *event.metadata().level() == tracing::Level::WARN {
            let mut text = String::new();
            event.record(&mut Text(&mut text));
            self.0.lock().unwrap().push(text);
        }
    }
}

struct Desk {
    kill: KillSwitch,
    books: StreamCache<String, BookView>,
    _feed: hft_cache::stream_cache::FeedWriter<String, BookView>,
    url: String,
    http: reqwest::Client,
}

async fn desk(var: &str) -> (Desk, hft_cache::ops::OpsHandle) {
    // Each test its own variable: tests run in parallel in one process.
    std::env::set_var(var, TOKEN);
    let registry = Registry::new();
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .registry(&registry)
        .build()
        .unwrap();
    let feed = books.custom_transport_writer("ws");
    feed.publish(
        "BTCUSDT".to_owned(),
        BookView {
            symbol: "BTCUSDT".into(),
            last_update_id: 1,
            bids: Vec::new(),
            asks: Vec::new(),
        },
    );
    let kill = KillSwitch::builder()
        .registry(&registry)
        .journal(OrderJournal::new())
        .build();
    let ops = OpsServer::builder(&kill)
        .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .token_env(var)
        .spawn()
        .await
        .unwrap();
    let desk = Desk {
        kill,
        books,
        _feed: feed,
        url: format!("http://{}", ops.local_addr()),
        http: reqwest::Client::new(),
    };
    (desk, ops)
}

impl Desk {
    async fn post(&self, route: &str, auth: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{route}", self.url))
            .body("risk desk");
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send().await.unwrap()
    }

    async fn scrape(&self) -> Scrape {
        let response = self
            .http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .unwrap();
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text; version=1.0.0"));
        let body = response.text().await.unwrap();
        // OpenMetrics: a counter family is typed under its name without `_total`, and the
        // exposition ends with `# EOF`.
        assert!(body.contains("# TYPE hft_cache_hits counter"), "{body}");
        assert!(body.trim_end().ends_with("# EOF"), "{body}");
        Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap()
    }
}

async fn json(response: reqwest::Response) -> serde_json::Value {
    assert_eq!(response.headers()["content-type"], "application/json");
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

fn value(scrape: &Scrape, metric: &str, label: Option<(&str, &str)>) -> f64 {
    let sample = scrape
        .samples
        .iter()
        .find(|s| s.metric == metric && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
        .unwrap_or_else(|| {
            panic!(
                "no sample {metric} {label:?} in {:?}",
                scrape
                    .samples
                    .iter()
                    .map(|s| (&s.metric, &s.labels))
                    .collect::<Vec<_>>()
            )
        });
    match sample.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
        ref other => panic!("{metric}: {other:?}"),
    }
}

#[tokio::test]
async fn bad_or_missing_tokens_get_401_a_log_line_and_change_nothing() {
    let warnings = Warnings::default();
    let _log =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));
    let (desk, ops) = desk("HFT_OPS_TEST_TOKEN_BAD").await;

    let wrong_same_length = format!("Bearer {}", "x".repeat(TOKEN.len()));
    for auth in [
        None,
        Some("Bearer nope"),
        Some(wrong_same_length.as_str()),
        Some(TOKEN),
        Some("Basic b3BzOnRva2Vu"),
    ] {
        for route in ["/halt", "/resume"] {
            let response = desk.post(route, auth).await;
            assert_eq!(response.status(), 401, "{route} with {auth:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
        }
    }
    assert_eq!(desk.kill.gate().mode(), GateMode::Live);
    assert_eq!(desk.kill.trips(), 0);
    let refused = warnings.0.lock().unwrap().clone();
    assert_eq!(
        refused
            .iter()
            .filter(|w| w.contains("request refused"))
            .count(),
        10,
        "{refused:#?}"
    );
    assert!(refused[0].contains("token=\"missing\""), "{}", refused[0]);
    assert!(refused[2].contains("token=\"wrong\""), "{}", refused[2]);
    ops.shutdown().await;
}

#[tokio::test]
async fn the_metrics_parse_and_follow_a_halt_and_a_resume_through_the_endpoint() {
    let (desk, ops) = desk("HFT_OPS_TEST_TOKEN_GOOD").await;
    desk.books.read("BTCUSDT", |_| ()).unwrap();
    assert!(desk.books.read("ETHUSDT", |_| ()).is_err());

    let before = desk.scrape().await;
    let books = Some(("cache", "books"));
    assert_eq!(value(&before, "hft_cache_hits_total", books), 1.0);
    assert_eq!(value(&before, "hft_cache_misses_total", books), 1.0);
    assert_eq!(value(&before, "hft_cache_enabled", books), 1.0);
    assert_eq!(
        value(&before, "hft_feed_healthy", Some(("feed", "ws"))),
        1.0
    );
    assert_eq!(
        value(&before, "hft_trading_gate", Some(("mode", "live"))),
        1.0
    );
    assert_eq!(
        value(&before, "hft_trading_gate", Some(("mode", "halted"))),
        0.0
    );
    assert_eq!(value(&before, "hft_kill_switch_trips_total", None), 0.0);
    assert_eq!(
        value(&before, "hft_orders_total", Some(("outcome", "accepted"))),
        0.0
    );

    let bearer = format!("Bearer {TOKEN}");
    let halted = desk.post("/halt", Some(&bearer)).await;
    assert_eq!(halted.status(), 200);
    let report: serde_json::Value = json(halted).await;
    assert_eq!(report["reason"]["trigger"], "manual");
    assert!(report["reason"]["reason"]
        .as_str()
        .unwrap()
        .ends_with(": risk desk"));
    assert!(desk.kill.is_halted());

    let during = desk.scrape().await;
    assert_eq!(
        value(&during, "hft_trading_gate", Some(("mode", "halted"))),
        1.0
    );
    assert_eq!(value(&during, "hft_cache_enabled", books), 0.0);
    assert_eq!(value(&during, "hft_kill_switch_trips_total", None), 1.0);

    let compliance = json(
        desk.http
            .get(format!("{}/compliance", desk.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(compliance["caches"][0]["enabled"], false);

    let resumed = desk.post("/resume", Some(&bearer)).await;
    assert_eq!(resumed.status(), 200);
    let resumed = json(resumed).await;
    assert_eq!(resumed["gate"], "live");
    let again = desk.post("/resume", Some(&bearer)).await;
    assert_eq!(again.status(), 409, "nothing to resume");
    let after = desk.scrape().await;
    assert_eq!(
        value(&after, "hft_trading_gate", Some(("mode", "live"))),
        1.0
    );
    ops.shutdown().await;
}

#[tokio::test]
async fn no_token_in_the_environment_no_endpoint() {
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let err = OpsServer::builder(&kill)
        .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .token_env("HFT_OPS_TEST_TOKEN_NEVER_SET")
        .spawn()
        .await
        .unwrap_err();
    assert!(
        matches!(err, OpsError::MissingToken { ref var } if var == "HFT_OPS_TEST_TOKEN_NEVER_SET")
    );
}
