//! The whole pre-trade check of one limit order decided on three receipts (a book from a stream
//! cache, the symbol's rules from a static cache, a ticker from a second stream cache), beside
//! the order's signed round trip to the loopback mock exchange, and their ratio. A counting
//! allocator checks that the check allocates nothing.
//!
//! The round trips are compared twice: with the controls against without, and, as the noise
//! floor of that comparison, two clients without.
//!
//! `cargo bench --bench pre_trade -- --warm-up-time 1 --measurement-time 3`
//!
//! In the send path the check costs what it makes the processor fetch again (its code, mostly),
//! which timing cannot split from the round trip. Its instructions and simulated cache misses
//! are counted, the same on every run, by callgrind on `HFT_BENCH_PROFILE=1000`, which makes
//! only 1000 round trips with the controls (after the same warm-up) and stops:
//!
//! ```text
//! cargo bench --bench pre_trade --no-run   # prints the binary: target/release/deps/pre_trade-…
//! HFT_BENCH_PROFILE=1000 valgrind --tool=callgrind --cache-sim=yes \
//!     --toggle-collect='*PreTrade*check_request*' target/release/deps/pre_trade-…
//! ```

#[path = "common/paired.rs"]
mod paired;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hft_cache::book::{BookView, Level};
use hft_cache::exchange::SignedClient;
use hft_cache::pre_trade::{
    Decision, Limits, OrderSide, OrderTicket, PreTrade, Throttle, TradingRules,
};
use hft_cache::stream_cache::FeedWriter;
use hft_cache::{Live, StaticCache, StreamCache};
use hft_cache_mock::MockExchange;
use rust_decimal_macros::dec;
use serde::Deserialize;

/// Counts allocations made on the thread that checks, so that the bench can say whether the
/// check makes any. Other threads (the runtime's, the clock's upkeep) are not counted: what
/// they allocate meanwhile is not the check's.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count() {
    // `try_with`: an allocation while the thread's locals are torn down is not counted.
    if COUNTED.try_with(std::cell::Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SYMBOL: &str = "BTCUSDT";

/// `newOrderRespType=ACK`: the order id only.
#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Ack {
    order_id: u64,
}

struct Inputs {
    books: StreamCache<String, BookView>,
    book_feed: FeedWriter<String, BookView>,
    tickers: StreamCache<String, BookView>,
    ticker_feed: FeedWriter<String, BookView>,
    rules: StaticCache<String, TradingRules>,
}

fn view(bid: rust_decimal::Decimal, ask: rust_decimal::Decimal) -> BookView {
    let level = |price| Level {
        price,
        qty: dec!(1),
    };
    BookView {
        symbol: SYMBOL.into(),
        last_update_id: 1,
        bids: vec![level(bid)],
        asks: vec![level(ask)],
    }
}

impl Inputs {
    /// Writes the streams again and reads the three receipts, as a strategy's decision does.
    fn decide(&self) -> Decision {
        self.book_feed
            .publish(SYMBOL.into(), view(dec!(59999.99), dec!(60000.01)));
        self.ticker_feed
            .publish(SYMBOL.into(), view(dec!(59999.99), dec!(60000.01)));
        let (_, rules) = self
            .rules
            .read_with_receipt(SYMBOL, |r| r.price)
            .expect("rules loaded");
        let (_, ticker) = self
            .tickers
            .read_with_receipt(SYMBOL, |t| t.last_update_id)
            .expect("ticker fresh");
        Decision::new()
            .book(self.books.quote(SYMBOL).expect("book fresh"))
            .input(rules)
            .input(ticker)
            .intentional_duplicate()
    }
}

fn inputs(runtime: &tokio::runtime::Runtime) -> Inputs {
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .build()
        .expect("books");
    let tickers = StreamCache::<String, BookView>::builder()
        .name("tickers")
        .build()
        .expect("tickers");
    let rules = StaticCache::<String, TradingRules>::builder()
        .name("rules")
        .loader(|| async {
            Ok::<_, std::io::Error>(vec![(
                SYMBOL.to_owned(),
                TradingRules::new()
                    .price(dec!(0.01), dec!(1000000), dec!(0.01))
                    .lot(dec!(0.00001), dec!(9000), dec!(0.00001))
                    .notional(dec!(5), dec!(9000000)),
            )])
        })
        .build()
        .expect("rules");
    runtime.block_on(rules.refresh()).expect("rules loaded");
    Inputs {
        book_feed: books.custom_transport_writer("bench"),
        ticker_feed: tickers.custom_transport_writer("bench"),
        books,
        tickers,
        rules,
    }
}

fn controls(rules: &StaticCache<String, TradingRules>) -> PreTrade {
    PreTrade::builder()
        .rules(rules.clone())
        .defaults(
            Limits::default()
                .max_qty(dec!(1))
                .max_notional(dec!(100000))
                .window_notional(dec!(1000000000000), Duration::from_secs(1)),
        )
        // Room for every iteration: the bench measures the check, not a refusal.
        .throttle(Throttle::new(1_000_000_000, Duration::from_secs(1)).expect("throttle"))
        .build()
        .expect("controls")
}

/// The mock on its own thread and runtime; returns its HTTP URL and a handle that keeps it.
fn mock() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("mock runtime");
        runtime.block_on(async move {
            let ex = MockExchange::builder()
                .api_key("key")
                .secret("secret")
                .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
                .balance("USDT", dec!(1000000000))
                // The bench sends far more than Binance's weight limit allows.
                .request_weight_limit(u32::MAX)
                .start()
                .await
                .expect("mock");
            tx.send(ex.http_url()).expect("bench alive");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("mock started")
}

/// An IOC buy below the book: the mock answers it (expired, nothing filled) and keeps nothing
/// resting, so every round trip is the same.
const ORDER: [(&str, &str); 7] = [
    ("symbol", SYMBOL),
    ("side", "BUY"),
    ("type", "LIMIT"),
    ("timeInForce", "IOC"),
    ("quantity", "0.001"),
    ("price", "59000"),
    ("newOrderRespType", "ACK"),
];

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let inputs = inputs(&runtime);
    let controls = controls(&inputs.rules);
    let ticket = OrderTicket::limit(SYMBOL, OrderSide::Buy, dec!(59999.50), dec!(0.001));

    // Allocations of the check alone, after a warm-up that sizes the windows.
    let decision = inputs.decide();
    for _ in 0..10_000 {
        controls.check(&ticket, Some(&decision)).expect("passes");
    }
    const CHECKS: u64 = 100_000;
    COUNTED.with(|counted| counted.set(true));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut i = 0;
    while i < CHECKS {
        black_box(controls.check(black_box(&ticket), Some(black_box(&decision)))).expect("passes");
        i += 1;
    }
    let elapsed = start.elapsed();
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    COUNTED.with(|counted| counted.set(false));
    println!(
        "pre_trade/check: {allocations} allocations in {CHECKS} checks ({:.3} per check), mean {:?}",
        allocations as f64 / CHECKS as f64,
        elapsed / CHECKS as u32
    );

    let url = mock();
    let client = |controls: Option<&PreTrade>| {
        let builder = SignedClient::builder(&url).api_key("key").secret("secret");
        match controls {
            Some(controls) => builder.pre_trade(controls.clone()),
            None => builder,
        }
        .build()
        .expect("client")
    };
    let (plain, checked) = (client(None), client(Some(&controls)));
    let round_trip = |client: &SignedClient| {
        let decision = inputs.decide();
        let start = Instant::now();
        runtime.block_on(async {
            let ack: hft_cache::Fresh<Ack> = client
                .signed_post_decided(&decision, "/api/v3/order", &ORDER)
                .await
                .expect("answered");
            black_box(ack.is_fresh())
        });
        start.elapsed()
    };

    // `HFT_BENCH_PROFILE=N`: only N round trips with the controls, for a profiler (see the
    // head of this file), after the same warm-up as the measured ones.
    if let Some(rounds) = std::env::var("HFT_BENCH_PROFILE")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        for _ in 0..rounds {
            round_trip(&checked);
        }
        return;
    }

    let mut group = c.benchmark_group("pre_trade");
    group.bench_function("check_limit_order_three_receipts", |b| {
        b.iter_batched_ref(
            || inputs.decide(),
            |decision| black_box(controls.check(&ticket, Some(decision))),
            BatchSize::SmallInput,
        )
    });

    group.bench_function("signed_round_trip_loopback", |b| {
        b.iter(|| round_trip(&plain))
    });
    group.bench_function("signed_round_trip_loopback_with_pre_trade", |b| {
        b.iter(|| round_trip(&checked))
    });
    group.finish();

    // The check against the round trip it guards, alternated so both see the same machine.
    paired::print_ratio(
        "pre_trade/check_vs_signed_round_trip",
        200,
        || {
            let decision = inputs.decide();
            let start = Instant::now();
            for _ in 0..100 {
                black_box(controls.check(&ticket, Some(&decision))).expect("passes");
            }
            start.elapsed() / 100
        },
        || round_trip(&plain),
    );

    // The round trip with the controls and without, alternated; and, as the noise floor, two
    // clients without. Each pair of clients has its own connection to the mock, and one pair's
    // connections can be a little faster or slower than another's for the whole run (its
    // server task, its socket buffers): so the rounds are spread over pairs built afresh.
    let sessions = |name: &str, with: Option<&PreTrade>| {
        const PAIRS: usize = 10;
        const ROUNDS: usize = 200;
        let mut times = Vec::with_capacity(PAIRS);
        for _ in 0..PAIRS {
            let (a, b) = (client(with), client(None));
            for _ in 0..20 {
                round_trip(&a);
                round_trip(&b);
            }
            times.push(paired::alternate(
                ROUNDS,
                || round_trip(&a),
                || round_trip(&b),
            ));
        }
        paired::print_sessions(name, &times);
    };
    sessions(
        "pre_trade/round_trip_with_vs_without_pre_trade",
        Some(&controls),
    );
    sessions("pre_trade/round_trip_control_without_vs_without", None);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
