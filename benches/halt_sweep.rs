//! A halt that stops trading, measured: from `trip()` to the confirmed flat of 200 resting orders
//! over 4 symbols on two venues (the Binance and Bybit mocks, real loopback servers), beside one
//! signed request's round trip to each venue in the same run; and the trading gate's order check
//! with and without an active scoped halt, beside a bare atomic load.
//!
//! Goals (issue 20): trip to flat ≤ 4 round trips per venue, the venues swept in parallel; the
//! order check with no scoped halt active ≤ 1.2× the single load.
//!
//! Each sweep round places 100 limit bids on each venue (25 per symbol, 3 % under the market,
//! where nothing fills), trips the switch, and takes the time from the call to `trip()` to the
//! last venue's confirming open-orders query: the time `trip()` took plus the report's own
//! `time_to_flat` (counted from the sweep's start inside `trip()`, so the sum slightly overstates
//! it). The placing is not timed. The switch resumes before the next round.
//!
//! `cargo bench --bench halt_sweep -- --warm-up-time 1 --measurement-time 2`
//! (`HFT_BENCH_ROUNDS=N` sets the paired rounds printed at the end, default 30;
//! `HFT_BENCH_VERBOSE=1` prints each sweep's rounds and retries).

use std::hint::black_box;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use futures_util::stream::{self, StreamExt};
use hft_cache::exchange::binance::{CancelledOrders, OpenOrders, OrderAck};
use hft_cache::exchange::bybit::{Bybit, CancelAllResult, OrderIds, RealtimeOrders};
use hft_cache::exchange::SignedClient;
use hft_cache::kill_switch::{CancelOutcome, Halt, HaltScope, KillSwitch, SweepState, TradingGate};
use hft_cache::monitor::Registry;
use hft_cache::Fresh;
use hft_cache_mock::bybit::BybitMock;
use hft_cache_mock::MockExchange;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

#[path = "common/paired.rs"]
mod paired;

const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret";
/// Symbol, base coin, mid price, order quantity (about 30–60 USDT an order).
const SYMBOLS: [(&str, &str, Decimal, &str); 4] = [
    ("BTCUSDT", "BTC", dec!(60000), "0.001"),
    ("ETHUSDT", "ETH", dec!(3000), "0.01"),
    ("BNBUSDT", "BNB", dec!(600), "0.05"),
    ("SOLUSDT", "SOL", dec!(150), "0.2"),
];
/// Resting orders per symbol and venue: 4 symbols × 25 × 2 venues = 200.
const PER_SYMBOL: usize = 25;
/// Orders placed at once while setting a round up.
const PLACING: usize = 16;

struct Venues {
    runtime: tokio::runtime::Runtime,
    binance: MockExchange,
    bybit: BybitMock,
    binance_client: SignedClient,
    bybit_client: SignedClient<Bybit>,
    kill: KillSwitch,
}

/// One sweep: the time to flat overall and per venue (Binance, Bybit).
struct Swept {
    total: Duration,
    binance: Duration,
    bybit: Duration,
    /// Before the trip (untimed): one listing of each venue's 100 open orders, the sweep's
    /// first and heaviest request (Binance, Bybit's two pages).
    listing: (Duration, Duration),
}

impl Venues {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (binance, bybit) = runtime.block_on(async {
            let mut binance = MockExchange::builder()
                .api_key(KEY)
                .secret(SECRET)
                // Thousands of orders a minute: Binance's own weight limit would ban the bench.
                .request_weight_limit(u32::MAX / 2)
                .balance("USDT", dec!(100000000));
            let mut bybit = BybitMock::builder()
                .api_key(KEY)
                .secret(SECRET)
                .balance("USDT", dec!(100000000));
            for (symbol, base, mid, _) in SYMBOLS {
                binance = binance.symbol(symbol, base, "USDT", mid);
                bybit = bybit.symbol(symbol, base, "USDT", mid);
            }
            (
                binance.start().await.expect("binance mock"),
                bybit.start().await.expect("bybit mock"),
            )
        });
        let binance_client = SignedClient::builder(binance.http_url())
            .api_key(KEY)
            .secret(SECRET)
            .build()
            .expect("client");
        let bybit_client = SignedClient::builder_for(Bybit, bybit.http_url())
            .api_key(KEY)
            .secret(SECRET)
            .build()
            .expect("client");
        let kill = KillSwitch::builder()
            .registry(&Registry::new())
            .exchange(binance_client.clone())
            .exchange(bybit_client.clone())
            .build();
        Venues {
            runtime,
            binance,
            bybit,
            binance_client,
            bybit_client,
            kill,
        }
    }

    /// Places 100 bids on each venue, 25 per symbol, at distinct prices 3 % under the market.
    async fn place(&self) {
        let orders = SYMBOLS.iter().flat_map(|&(symbol, _, mid, qty)| {
            (0..PER_SYMBOL).map(move |i| {
                let price = (mid * dec!(0.97) - Decimal::new(i as i64, 2)).normalize();
                (symbol, price.to_string(), qty)
            })
        });
        let binance = stream::iter(orders.clone().map(|(symbol, price, qty)| async move {
            let order = [
                ("symbol", symbol),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", qty),
                ("price", price.as_str()),
                ("newOrderRespType", "ACK"),
            ];
            let _: Fresh<OrderAck> = self
                .binance_client
                .signed_post("/api/v3/order", &order)
                .await
                .expect("binance bid");
        }))
        .buffer_unordered(PLACING)
        .collect::<Vec<()>>();
        let bybit = stream::iter(orders.map(|(symbol, price, qty)| async move {
            let order = serde_json::json!({
                "category": "spot", "symbol": symbol, "side": "Buy", "orderType": "Limit",
                "qty": qty, "price": price, "timeInForce": "GTC",
            });
            let _: Fresh<OrderIds> = self
                .bybit_client
                .signed_post("/v5/order/create", &order)
                .await
                .expect("bybit bid");
        }))
        .buffer_unordered(PLACING)
        .collect::<Vec<()>>();
        futures_util::join!(binance, bybit);
        assert_eq!(self.bybit.open_order_count(), SYMBOLS.len() * PER_SYMBOL);
    }

    /// Places the 200 bids (untimed), trips, waits for the sweep, resumes.
    fn sweep_once(&self) -> Swept {
        self.runtime.block_on(async {
            self.place().await;
            let listing = self.list_all().await;
            let start = Instant::now();
            let report = self.kill.trip("bench");
            let tripped = start.elapsed();
            assert!(report.cancellation.state == SweepState::Pending);
            let report = self.kill.assessed_report().await.expect("tripped");
            let c = &report.cancellation;
            assert_eq!(c.state, SweepState::Done, "{report}");
            let cancelled = c
                .venues
                .iter()
                .flat_map(|v| &v.orders)
                .filter(|o| o.outcome == CancelOutcome::Cancelled)
                .count();
            assert_eq!(cancelled, 2 * SYMBOLS.len() * PER_SYMBOL, "{report}");
            if std::env::var_os("HFT_BENCH_VERBOSE").is_some() {
                for v in &c.venues {
                    eprintln!(
                        "{}: {} round(s), {} retries, flat {:?}",
                        v.venue, v.rounds, v.retries, v.time_to_flat
                    );
                }
            }
            let flat = |i: usize| tripped + c.venues[i].time_to_flat.expect("flat");
            let swept = Swept {
                total: tripped + c.time_to_flat.expect("flat"),
                binance: flat(0),
                bybit: flat(1),
                listing,
            };
            self.kill.resume().expect("resumed");
            swept
        })
    }

    /// What a user would write instead of the kill switch's sweep, at its leanest: per venue,
    /// one listing, every symbol's cancel-all at once, one confirming listing; no retries, no
    /// outcomes per order, no report. Places the 200 bids first (untimed); the times to flat of
    /// both venues (run concurrently) and of each.
    fn hand_sweep_once(&self) -> (Duration, Duration, Duration) {
        self.runtime.block_on(async {
            self.place().await;
            let start = Instant::now();
            let binance = async {
                let open: Fresh<OpenOrders> = self
                    .binance_client
                    .signed_get("/api/v3/openOrders", &())
                    .await
                    .expect("open orders");
                let mut symbols: Vec<String> = open
                    .read()
                    .expect("fresh")
                    .0
                    .iter()
                    .map(|o| o.symbol.clone())
                    .collect();
                symbols.sort_unstable();
                symbols.dedup();
                futures_util::future::join_all(symbols.iter().map(|symbol| async move {
                    let _: Fresh<CancelledOrders> = self
                        .binance_client
                        .signed_delete("/api/v3/openOrders", &[("symbol", symbol.as_str())])
                        .await
                        .expect("cancel all");
                }))
                .await;
                let left: Fresh<OpenOrders> = self
                    .binance_client
                    .signed_get("/api/v3/openOrders", &())
                    .await
                    .expect("open orders");
                assert!(left.read().expect("fresh").0.is_empty());
                start.elapsed()
            };
            let bybit = async {
                let _ = self.list_bybit().await;
                futures_util::future::join_all(SYMBOLS.iter().map(|&(symbol, ..)| async move {
                    let _: Fresh<CancelAllResult> = self
                        .bybit_client
                        .signed_post(
                            "/v5/order/cancel-all",
                            &serde_json::json!({"category": "spot", "symbol": symbol}),
                        )
                        .await
                        .expect("cancel all");
                }))
                .await;
                assert_eq!(self.list_bybit().await, 0);
                start.elapsed()
            };
            let (binance, bybit) = futures_util::join!(binance, bybit);
            (start.elapsed(), binance, bybit)
        })
    }

    /// Every page of Bybit's open orders; how many there were.
    async fn list_bybit(&self) -> usize {
        let mut cursor = String::new();
        let mut listed = 0;
        loop {
            let mut query = vec![("category", "spot"), ("limit", "50")];
            if !cursor.is_empty() {
                query.push(("cursor", cursor.as_str()));
            }
            let page: Fresh<RealtimeOrders> = self
                .bybit_client
                .signed_get("/v5/order/realtime", &query)
                .await
                .expect("open orders");
            let page = page.read().expect("fresh");
            listed += page.list.len();
            cursor = page.next_page_cursor.clone();
            if cursor.is_empty() {
                return listed;
            }
        }
    }

    /// Lists each venue's open orders as the sweep does (every symbol, every page), timed.
    async fn list_all(&self) -> (Duration, Duration) {
        let start = Instant::now();
        let open: Fresh<OpenOrders> = self
            .binance_client
            .signed_get("/api/v3/openOrders", &())
            .await
            .expect("open orders");
        let binance = start.elapsed();
        assert_eq!(open.read().map(|o| o.0.len()).ok(), Some(100));
        let start = Instant::now();
        let listed = self.list_bybit().await;
        assert_eq!(listed, 100);
        (binance, start.elapsed())
    }

    /// One signed open-orders query to Binance, timed.
    fn binance_round_trip(&self) -> Duration {
        self.runtime.block_on(async {
            let start = Instant::now();
            let open: Fresh<OpenOrders> = self
                .binance_client
                .signed_get("/api/v3/openOrders", &[("symbol", "BTCUSDT")])
                .await
                .expect("open orders");
            let elapsed = start.elapsed();
            black_box(open.read().map(|o| o.0.len()).ok());
            elapsed
        })
    }

    /// One signed open-orders query to Bybit, timed.
    fn bybit_round_trip(&self) -> Duration {
        self.runtime.block_on(async {
            let start = Instant::now();
            let open: Fresh<RealtimeOrders> = self
                .bybit_client
                .signed_get(
                    "/v5/order/realtime",
                    &[("category", "spot"), ("symbol", "BTCUSDT")],
                )
                .await
                .expect("open orders");
            let elapsed = start.elapsed();
            black_box(open.read().map(|o| o.list.len()).ok());
            elapsed
        })
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn sweep(c: &mut Criterion) {
    let venues = Venues::start();
    let mut group = c.benchmark_group("halt_sweep");
    group.sample_size(10);
    group.bench_function("trip_to_flat_200_orders_2_venues", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| venues.sweep_once().total).sum())
    });
    group.bench_function("signed_round_trip_binance", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| venues.binance_round_trip()).sum())
    });
    group.bench_function("signed_round_trip_bybit", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| venues.bybit_round_trip()).sum())
    });
    group.finish();

    // Paired: a sweep, then one round trip to each venue, round after round, so that all see
    // the same machine.
    let rounds: usize = std::env::var("HFT_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(30);
    let (mut total, mut binance, mut bybit) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rtt_binance, mut rtt_bybit) = (Vec::new(), Vec::new());
    let (mut list_binance, mut list_bybit) = (Vec::new(), Vec::new());
    let (mut hand, mut hand_binance, mut hand_bybit) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (all, b, y) = venues.hand_sweep_once();
        hand.push(all);
        hand_binance.push(b);
        hand_bybit.push(y);
        let swept = venues.sweep_once();
        total.push(swept.total);
        binance.push(swept.binance);
        bybit.push(swept.bybit);
        list_binance.push(swept.listing.0);
        list_bybit.push(swept.listing.1);
        // A few round trips per sweep: their median is steadier than one.
        for _ in 0..5 {
            rtt_binance.push(venues.binance_round_trip());
            rtt_bybit.push(venues.bybit_round_trip());
        }
    }
    let (total, binance, bybit) = (median(&mut total), median(&mut binance), median(&mut bybit));
    let (rtt_binance, rtt_bybit) = (median(&mut rtt_binance), median(&mut rtt_bybit));
    let (list_binance, list_bybit) = (median(&mut list_binance), median(&mut list_bybit));
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "halt_sweep/paired ({rounds} rounds, 200 orders over 4 symbols on 2 venues): trip to flat {total:?}; \
         binance flat {binance:?} = {:.2} round trips of {rtt_binance:?}; \
         bybit flat {bybit:?} = {:.2} round trips of {rtt_bybit:?}; \
         overall {:.2} × the slower venue's round trip (goal ≤ 4 per venue, venues in parallel)",
        ratio(binance, rtt_binance),
        ratio(bybit, rtt_bybit),
        ratio(total, rtt_binance.max(rtt_bybit)),
    );
    println!(
        "halt_sweep/paired: listing 100 open orders (the sweep's first request) takes {list_binance:?} on binance \
         = {:.2} round trips, {list_bybit:?} on bybit (2 pages) = {:.2} round trips",
        ratio(list_binance, rtt_binance),
        ratio(list_bybit, rtt_bybit),
    );
    let (hand, hand_binance, hand_bybit) = (
        median(&mut hand),
        median(&mut hand_binance),
        median(&mut hand_bybit),
    );
    println!(
        "halt_sweep/paired: a hand-written minimal sweep (list, every cancel-all at once, confirm; no retries, \
         no per-order outcomes) takes {hand:?} (binance {hand_binance:?} = {:.2} round trips, bybit {hand_bybit:?} = {:.2}); \
         the kill switch's sweep / the hand-written one: {:.3} overall, binance {:.3}, bybit {:.3}",
        ratio(hand_binance, rtt_binance),
        ratio(hand_bybit, rtt_bybit),
        ratio(total, hand),
        ratio(binance, hand_binance),
        ratio(bybit, hand_bybit),
    );
    let runtime = venues.runtime;
    runtime.block_on(async {
        venues.binance.shutdown().await;
        venues.bybit.shutdown().await;
    });
}

/// Checks per timed batch: long enough that the clock reads vanish beside them.
const BATCH: u32 = 20_000;

fn gate(c: &mut Criterion) {
    // A switch without venue clients: a halt here sweeps nothing.
    let none = KillSwitch::builder().registry(&Registry::new()).build();
    let scoped = KillSwitch::builder().registry(&Registry::new()).build();
    let _ = scoped.halt(
        Halt::new("bench")
            .scope(HaltScope::symbol("ETHUSDT"))
            .by("bench"),
    );
    let (open, halted): (TradingGate, TradingGate) = (none.gate(), scoped.gate());
    assert!(halted.check_order("binance", "ETHUSDT", None).is_err());
    let load = AtomicU8::new(0);
    // The gate keeps its state behind an `Arc`, as this one: the floor of "one load" through
    // a handle.
    let shared = Arc::new(AtomicU8::new(0));

    // The order's fields come from outside the loop (opaque to the optimiser, but not
    // re-materialised per check): moved into the closures, so they stay in registers as an
    // order path's own fields do (captured by reference, they sat on the stack, and every
    // `black_box` made each check reload them). Each side reads its state through one
    // `black_box`.
    let (venue, symbol, id) = black_box(("binance", "BTCUSDT", Some("mm-1")));
    let bare = || black_box(&load).load(Ordering::Relaxed) == 2;
    let behind_arc = || black_box(&shared).load(Ordering::Relaxed) == 2;
    let unscoped = {
        let open = &open;
        move || black_box(open).check_order(venue, symbol, id).is_err()
    };
    let with_scope = {
        let halted = &halted;
        move || black_box(halted).check_order(venue, symbol, id).is_err()
    };
    let mut group = c.benchmark_group("gate");
    group.bench_function("atomic_load_relaxed", |b| b.iter(bare));
    group.bench_function("arc_atomic_load_relaxed", |b| b.iter(behind_arc));
    group.bench_function("check_order_no_scoped_halt", |b| b.iter(unscoped));
    group.bench_function("check_order_scoped_halt_active_other_symbol", |b| {
        b.iter(with_scope)
    });
    group.bench_function("check", |b| b.iter(|| black_box(&open).check().is_err()));
    group.finish();

    fn batch(f: impl Fn() -> bool) -> impl FnMut() -> Duration {
        move || {
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box(f());
            }
            start.elapsed()
        }
    }
    let single = || black_box(&open).check().is_err();
    paired::print_ratio(
        "gate/check_order_no_scoped_halt vs arc_atomic_load_relaxed, per 20,000 checks (goal ≤ 1.2)",
        301,
        batch(unscoped),
        batch(behind_arc),
    );
    paired::print_ratio(
        "gate/check_order_no_scoped_halt vs check (the gate's one load), per 20,000 checks",
        301,
        batch(unscoped),
        batch(single),
    );
    paired::print_ratio(
        "gate/check_order_no_scoped_halt vs atomic_load_relaxed (no Arc), per 20,000 checks",
        301,
        batch(unscoped),
        batch(bare),
    );
    paired::print_ratio(
        "gate/check_order_scoped_halt_active_other_symbol vs arc_atomic_load_relaxed, per 20,000 checks",
        301,
        batch(with_scope),
        batch(behind_arc),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = sweep, gate
}
criterion_main!(benches);
