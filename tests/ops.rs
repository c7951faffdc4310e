//! The ops endpoint over real HTTP: bad tokens change nothing and are logged, good ones halt
//! and resume, and the metrics parse as a Prometheus scraper parses them. Against the mock
//! exchange: halts by scope in JSON and in plain text, requests without an operator (a halt
//! still halts, everything; a resume is refused), and a resume that acknowledges the orders an
//! incomplete sweep left open; every one of them in the audit trail under its operator.
#![cfg(feature = "ops")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::exchange::SignedClient;
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{AuditAction, EmergencyReport, GateMode, KillSwitch, SweepState};
use hft_cache::monitor::Registry;
use hft_cache::ops::{OpsError, OpsServer};
use hft_cache::{Fresh, Live, StreamCache};
use hft_cache_mock::{MockExchange, RestFault};
use prometheus_parse::{Scrape, Value};
use rust_decimal_macros::dec;
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

    let resume = || {
        desk.http
            .post(format!("{}/resume", desk.url))
            .bearer_auth(TOKEN)
            .header("x-hft-operator", "risk desk")
            .send()
    };
    let resumed = resume().await.unwrap();
    assert_eq!(resumed.status(), 200);
    let resumed = json(resumed).await;
    assert_eq!(resumed["gate"], "live");
    assert_eq!(resumed["by"], "risk desk");
    let again = resume().await.unwrap();
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

// ---- Scoped halts and resumes through the endpoint, against the mock exchange ----

const BTC: &str = "BTCUSDT";
const ETH: &str = "ETHUSDT";
/// Event-driven waits give up after this: a bound for a noisy machine, not a timing.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Live, serde::Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Ack {
    order_id: u64,
}

#[derive(Live, serde::Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct OpenOrder {
    order_id: u64,
}

/// A switch that sweeps a Binance mock with BTC and ETH, its ops endpoint, and a trader.
struct Venue {
    ex: MockExchange,
    kill: KillSwitch,
    trader: SignedClient,
    url: String,
    http: reqwest::Client,
}

async fn venue(var: &str) -> (Venue, hft_cache::ops::OpsHandle) {
    std::env::set_var(var, TOKEN);
    let ex = MockExchange::builder()
        .api_key("k")
        .secret("s")
        .symbol(BTC, "BTC", "USDT", dec!(60000))
        .symbol(ETH, "ETH", "USDT", dec!(3000))
        .balance("USDT", dec!(100000))
        .start()
        .await
        .unwrap();
    let client = || {
        SignedClient::builder(ex.http_url())
            .api_key("k")
            .secret("s")
    };
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .exchange(client().build().unwrap())
        .sweep_retry(
            5,
            Duration::from_millis(10),
            Duration::from_millis(50),
            Duration::from_millis(50),
        )
        .build();
    let trader = client().trading_gate(kill.gate()).build().unwrap();
    let ops = OpsServer::builder(&kill)
        .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .token_env(var)
        .spawn()
        .await
        .unwrap();
    let url = format!("http://{}", ops.local_addr());
    let venue = Venue {
        ex,
        kill,
        trader,
        url,
        http: reqwest::Client::new(),
    };
    (venue, ops)
}

impl Venue {
    async fn bid(&self, symbol: &str, price: &str) -> u64 {
        let order = [
            ("symbol", symbol),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01"),
            ("price", price),
        ];
        let ack: Fresh<Ack> = self
            .trader
            .signed_post("/api/v3/order", &order)
            .await
            .unwrap();
        let id = ack.read().unwrap().order_id;
        id
    }

    async fn open(&self, symbol: &str) -> Vec<u64> {
        let open: Fresh<Vec<OpenOrder>> = self
            .trader
            .signed_get("/api/v3/openOrders", &[("symbol", symbol)])
            .await
            .unwrap();
        let ids = open.read().unwrap().iter().map(|o| o.order_id).collect();
        ids
    }

    /// An authorized POST with a body, a content type and, if given, an operator header.
    async fn send(
        &self,
        route: &str,
        body: &str,
        content_type: &str,
        operator: Option<&str>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut request = self
            .http
            .post(format!("{}{route}", self.url))
            .bearer_auth(TOKEN)
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some(operator) = operator {
            request = request.header("X-HFT-Operator", operator);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, json(response).await)
    }

    async fn swept(&self) -> EmergencyReport {
        tokio::time::timeout(PATIENCE, self.kill.assessed_report())
            .await
            .expect("the sweep ends within its bounds")
            .expect("tripped")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_halt_in_json_sweeps_its_symbol_and_leaves_the_other_resting() {
    let (v, ops) = venue("HFT_OPS_TEST_SCOPED").await;
    let btc = v.bid(BTC, "50000").await;
    let eth = v.bid(ETH, "2500").await;

    let (status, report) = v
        .send(
            "/halt",
            r#"{"scope":{"symbol":"ETHUSDT"},"by":"alice","why":"ETH desk: quotes wrong"}"#,
            "application/json",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(report["scope"]["kind"], "symbol");
    assert_eq!(report["scope"]["symbol"], ETH);
    assert_eq!(report["actor"], "alice");
    assert!(
        report["reason"]["reason"]
            .as_str()
            .unwrap()
            .ends_with(": ETH desk: quotes wrong"),
        "{report}"
    );
    assert!(!v.kill.is_halted(), "only ETH is halted");
    let gate = v.kill.gate();
    assert!(gate.check_order("binance", ETH, None).is_err());
    assert!(gate.check_order("binance", BTC, None).is_ok());

    let swept = v.swept().await;
    assert_eq!(swept.cancellation.state, SweepState::Done, "{swept}");
    let ids: Vec<&str> = swept.cancellation.venues[0]
        .orders
        .iter()
        .map(|o| o.order.order_id.as_str())
        .collect();
    assert_eq!(ids, [eth.to_string()]);
    assert!(v.open(ETH).await.is_empty());
    assert_eq!(v.open(BTC).await, [btc], "BTC's bid rests");

    // Resume names the scope it lifts, in the same spelling; the header names the operator.
    let (status, resumed) = v
        .send(
            "/resume",
            r#"{"scope":{"symbol":"ETHUSDT"}}"#,
            "application/json",
            Some("bob"),
        )
        .await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["scope"], serde_json::json!({ "symbol": ETH }));
    assert_eq!(resumed["by"], "bob");
    assert!(gate.check_order("binance", ETH, None).is_ok());
    let trail: Vec<(AuditAction, String, String)> = v
        .kill
        .audit_trail()
        .into_iter()
        .map(|a| (a.action, a.actor, a.scope.to_string()))
        .collect();
    assert_eq!(
        trail,
        [
            (
                AuditAction::ScopedHalt,
                "alice".to_owned(),
                "symbol ETHUSDT".to_owned()
            ),
            (
                AuditAction::Resume,
                "bob".to_owned(),
                "symbol ETHUSDT".to_owned()
            ),
        ]
    );
    ops.shutdown().await;
    v.ex.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_halt_halts_everything_and_sweeps_every_symbol() {
    let (v, ops) = venue("HFT_OPS_TEST_PLAIN").await;
    v.bid(BTC, "50000").await;
    v.bid(ETH, "2500").await;
    let (status, report) = v
        .send("/halt", "risk desk: stop", "text/plain", Some("carol"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(report["scope"]["kind"], "all");
    assert_eq!(report["actor"], "carol");
    assert!(v.kill.is_halted());
    let swept = v.swept().await;
    assert_eq!(swept.cancellation.state, SweepState::Done, "{swept}");
    assert_eq!(swept.cancellation.venues[0].orders.len(), 2);
    assert!(v.open(BTC).await.is_empty() && v.open(ETH).await.is_empty());
    let trail = v.kill.audit_trail();
    assert_eq!(trail.len(), 1);
    assert_eq!(
        (trail[0].action, trail[0].actor.as_str()),
        (AuditAction::Trip, "carol")
    );
    ops.shutdown().await;
    v.ex.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_operator_a_halt_still_halts_everything_and_a_resume_is_refused() {
    let (v, ops) = venue("HFT_OPS_TEST_NO_OPERATOR").await;
    v.bid(BTC, "50000").await;
    v.bid(ETH, "2500").await;

    // A scoped halt nobody answers for covers everything.
    let (status, report) = v
        .send(
            "/halt",
            r#"{"scope":{"symbol":"ETHUSDT"},"why":"eth"}"#,
            "application/json",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(report["scope"]["kind"], "all");
    assert_eq!(report["actor"], hft_cache::ops::OPERATOR_MISSING);
    let reason = report["reason"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("no operator named") && reason.ends_with(": eth"),
        "{reason}"
    );
    assert!(v.kill.is_halted());
    assert_eq!(v.swept().await.cancellation.state, SweepState::Done);
    assert!(v.open(BTC).await.is_empty(), "BTC swept too");

    // A resume nobody answers for is refused, and audited.
    let (status, refused) = v.send("/resume", "", "text/plain", None).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["resumed"], false);
    assert!(refused["error"]
        .as_str()
        .unwrap()
        .contains("X-HFT-Operator"));
    let (status, _) = v
        .send("/resume", r#"{"by":"   "}"#, "application/json", None)
        .await;
    assert_eq!(status, 400, "a blank name is no name");
    // A body that is not a resume request is refused too, whoever sends it.
    let (status, refused) = v
        .send(
            "/resume",
            r#"{"scope":"all","by":"dan","acknowledged":[]}"#,
            "application/json",
            Some("dan"),
        )
        .await;
    assert_eq!(status, 400);
    assert!(refused["error"]
        .as_str()
        .unwrap()
        .contains("not a resume request"));
    assert!(v.kill.is_halted(), "nothing resumed");

    // A malformed halt halts everything too (already halted: another report, the gate keeps
    // the first reason).
    let (status, report) = v
        .send(
            "/halt",
            r#"{"scope":{"symbol":"#,
            "application/json",
            Some("erin"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(report["scope"]["kind"], "all");
    assert_eq!(report["actor"], "erin");

    let trail: Vec<(AuditAction, String)> = v
        .kill
        .audit_trail()
        .into_iter()
        .map(|a| (a.action, a.actor))
        .collect();
    let missing = hft_cache::ops::OPERATOR_MISSING.to_owned();
    assert_eq!(
        trail,
        [
            (AuditAction::Trip, missing.clone()),
            (AuditAction::ResumeRefused, missing.clone()),
            (AuditAction::ResumeRefused, missing),
            (AuditAction::ResumeRefused, "dan".to_owned()),
            (AuditAction::Trip, "erin".to_owned()),
        ]
    );
    // The refusals are in the report of the halt they would have lifted.
    let first = &v.kill.reports()[0];
    assert_eq!(first.audit.len(), 4, "{:#?}", first.audit);

    // Named, it resumes once the second halt's sweep is over.
    assert_eq!(v.swept().await.cancellation.state, SweepState::Done);
    let (status, resumed) = v.send("/resume", "", "text/plain", Some("frank")).await;
    assert_eq!(status, 200, "{resumed}");
    assert!(!v.kill.is_halted());
    ops.shutdown().await;
    v.ex.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_past_an_incomplete_sweep_acknowledges_the_orders_it_names() {
    let (v, ops) = venue("HFT_OPS_TEST_ACKNOWLEDGE").await;
    let stuck = v.bid(BTC, "50000").await;
    let refused = RestFault::Error {
        status: 400,
        code: -1020,
        msg: "This operation is not supported.".to_owned(),
    };
    // The sweep's 5 rounds: a list, then a refused cancel-all and a confirming list each (a
    // round after the first starts from the last confirming list).
    let faults = v.ex.faults();
    faults.push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    for _ in 0..5 {
        faults.push_rest_fault(refused.clone(), 1);
        faults.push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    }
    let (status, _) = v
        .send("/halt", "cancel is broken", "text/plain", Some("gina"))
        .await;
    assert_eq!(status, 200);
    let swept = v.swept().await;
    assert_eq!(swept.cancellation.state, SweepState::Incomplete, "{swept}");
    faults.clear();

    let (status, refused) = v
        .send("/resume", r#"{"by":"gina"}"#, "application/json", None)
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(
        refused["to_acknowledge"],
        serde_json::json!([stuck.to_string()])
    );
    let open = refused["open"][0].as_str().unwrap();
    assert!(open.contains(&format!("binance order {stuck}")), "{open}");
    assert!(refused["error"].as_str().unwrap().contains("incomplete"));

    let (status, wrong) = v
        .send(
            "/resume",
            r#"{"by":"gina","acknowledge":["999999"]}"#,
            "application/json",
            None,
        )
        .await;
    assert_eq!(status, 409, "{wrong}");
    assert!(v.kill.is_halted());

    let body = format!(r#"{{"scope":"all","by":"gina","acknowledge":["{stuck}"]}}"#);
    let (status, resumed) = v.send("/resume", &body, "application/json", None).await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["gate"], "live");
    assert!(!v.kill.is_halted());
    assert_eq!(v.open(BTC).await, [stuck], "left open, knowingly");

    let report = v.kill.last_report().unwrap();
    assert_eq!(report.cancellation.acknowledged, [stuck.to_string()]);
    let actions: Vec<(AuditAction, &str)> = report
        .audit
        .iter()
        .map(|a| (a.action, a.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (AuditAction::Trip, "gina"),
            (AuditAction::ResumeRefused, "gina"),
            (AuditAction::ResumeRefused, "gina"),
            (AuditAction::Acknowledge, "gina"),
            (AuditAction::Resume, "gina"),
        ]
    );
    assert_eq!(report.audit[3].orders, [stuck.to_string()]);
    ops.shutdown().await;
    v.ex.shutdown().await;
}
