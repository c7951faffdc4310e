//! Fetching live data as a `Fresh<Account>` from a loopback HTTP server, beside its floor: the
//! same request with plain reqwest and the same body decoded with serde_json, as a user would
//! write it without this crate. Both read one balance from the result, so both decode fully.
//!
//! The server (axum) runs on its own thread and runtime; the client side of each iteration is
//! one `block_on` of one request on a current-thread runtime, with a kept-alive connection, so
//! both rows pay the same loopback round trip and differ only in what the client does.
//!
//! `cargo bench --bench fresh_fetch -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::header;
use axum::routing::get;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use hft_cache::fetch::FreshClient;
use hft_cache::Live;
use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET /api/v3/account`, as Binance answers it (the fields a strategy reads).
#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Account {
    maker_commission: u32,
    taker_commission: u32,
    can_trade: bool,
    update_time: u64,
    account_type: String,
    balances: Vec<Balance>,
}

#[derive(Live, Deserialize, Debug)]
#[allow(dead_code)]
struct Balance {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

/// A Binance-shaped account body with 20 balances (about 1.5 KB).
fn account_body() -> String {
    let balances: Vec<String> = (0..20)
        .map(|i| {
            format!(
                r#"{{"asset":"A{i:02}","free":"{}.12345678","locked":"0.00100000"}}"#,
                1000 + i
            )
        })
        .collect();
    format!(
        r#"{{"makerCommission":15,"takerCommission":15,"buyerCommission":0,"sellerCommission":0,"commissionRates":{{"maker":"0.00150000","taker":"0.00150000","buyer":"0.00000000","seller":"0.00000000"}},"canTrade":true,"canWithdraw":true,"canDeposit":true,"brokered":false,"requireSelfTradePrevention":false,"preventSor":false,"updateTime":1732550400000,"accountType":"SPOT","balances":[{}],"permissions":["SPOT"],"uid":354937868}}"#,
        balances.join(",")
    )
}

/// Starts the server on its own thread; returns its address.
fn server() -> SocketAddr {
    let body = account_body();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            tx.send(listener.local_addr().expect("address"))
                .expect("bench alive");
            let app = Router::new().route(
                "/api/v3/account",
                get(move || {
                    let body = body.clone();
                    async move { ([(header::CONTENT_TYPE, "application/json")], body) }
                }),
            );
            axum::serve(listener, app).await.expect("server");
        });
    });
    rx.recv().expect("server started")
}

fn fetch(c: &mut Criterion) {
    let url = format!("http://{}/api/v3/account", server());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let mut group = c.benchmark_group("fresh_fetch");

    let client = FreshClient::new().expect("client");
    let mut ours = || {
        runtime.block_on(async {
            let account = client.get(&url).fetch::<Account>().await.expect("fetched");
            let account = account.read().expect("fresh");
            black_box(account.balances[7].free)
        })
    };
    group.bench_function("hft_cache", |b| b.iter(&mut ours));

    // The settings `FreshClient` uses by default: rustls, 5 s timeout, 2 s connect timeout.
    let raw = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let mut floor = || {
        runtime.block_on(async {
            let response = raw.get(&url).send().await.expect("sent");
            let body = response.bytes().await.expect("body");
            let account: Account = serde_json::from_slice(&body).expect("decoded");
            black_box(account.balances[7].free)
        })
    };
    group.bench_function("reqwest_serde_json", |b| b.iter(&mut floor));
    group.finish();
    paired(ours, floor);
}

/// The two fetches alternated one by one, so that both see the same machine: on a shared
/// machine, the ratio of these medians moves far less than the ratio of two criterion rows
/// measured seconds apart.
fn paired(mut ours: impl FnMut() -> Decimal, mut floor: impl FnMut() -> Decimal) {
    const PAIRS: usize = 3000;
    let mut times = (Vec::with_capacity(PAIRS), Vec::with_capacity(PAIRS));
    for _ in 0..PAIRS {
        let start = Instant::now();
        black_box(ours());
        times.0.push(start.elapsed());
        let start = Instant::now();
        black_box(floor());
        times.1.push(start.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let (ours, floor) = (median(&mut times.0), median(&mut times.1));
    println!(
        "fresh_fetch/paired_medians ({PAIRS} alternating pairs): hft_cache {ours:?}, reqwest_serde_json {floor:?}, ratio {:.3}",
        ours.as_secs_f64() / floor.as_secs_f64()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = fetch
}
criterion_main!(benches);
