//! Applying one level update to a ~1,000-level book, and reading its top, beside the book's
//! previous representation (a `BTreeMap` keyed by `Decimal` per side) in the same run, so the
//! ratio holds on a noisy machine.
//!
//! `cargo bench --bench order_book`

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use hft_cache::book::{BookView, Level, OrderBook, Side};
use rust_decimal::Decimal;

/// 500 levels a side around 60,000.00, one cent apart.
fn book() -> OrderBook {
    let mut book = OrderBook::new();
    for i in 1..=500i64 {
        book.apply(
            Side::Bid,
            Decimal::new(6_000_000 - i, 2),
            Decimal::new(i, 3),
        )
        .unwrap();
        book.apply(
            Side::Ask,
            Decimal::new(6_000_000 + i, 2),
            Decimal::new(i, 3),
        )
        .unwrap();
    }
    book
}

/// The previous representation, as the baseline.
#[derive(Default)]
struct TreeBook {
    bids: BTreeMap<Reverse<Decimal>, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

impl TreeBook {
    fn of(book: &OrderBook) -> Self {
        TreeBook {
            bids: book
                .levels(Side::Bid)
                .map(|(p, q)| (Reverse(p), q))
                .collect(),
            asks: book.levels(Side::Ask).collect(),
        }
    }

    fn apply(&mut self, side: Side, price: Decimal, qty: Decimal) {
        match (side, qty.is_zero()) {
            (Side::Bid, true) => drop(self.bids.remove(&Reverse(price))),
            (Side::Bid, false) => drop(self.bids.insert(Reverse(price), qty)),
            (Side::Ask, true) => drop(self.asks.remove(&price)),
            (Side::Ask, false) => drop(self.asks.insert(price, qty)),
        }
    }

    fn view(&self, symbol: &str, depth: usize) -> BookView {
        BookView {
            symbol: symbol.into(),
            last_update_id: 1,
            bids: self
                .bids
                .iter()
                .take(depth)
                .map(|(p, q)| Level {
                    price: p.0,
                    qty: *q,
                })
                .collect(),
            asks: self
                .asks
                .iter()
                .take(depth)
                .map(|(p, q)| Level { price: *p, qty: *q })
                .collect(),
        }
    }
}

/// Updates land anywhere in the book, most near the top, as in a real stream.
fn updates() -> Vec<(Side, Decimal, Decimal)> {
    (0..4096i64)
        .map(|i| {
            let side = if i % 2 == 0 { Side::Bid } else { Side::Ask };
            let depth = (i * 7919) % 97 + (i % 5) * 80;
            let price = match side {
                Side::Bid => Decimal::new(6_000_000 - 1 - depth, 2),
                Side::Ask => Decimal::new(6_000_000 + 1 + depth, 2),
            };
            (side, price, Decimal::new(i % 900 + 1, 3))
        })
        .collect()
}

fn apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("book_apply");
    let updates = updates();
    let mut b = book();
    let mut i = 0;
    group.bench_function("change_quantity", |bench| {
        bench.iter(|| {
            i = (i + 1) % updates.len();
            let (side, price, qty) = updates[i];
            black_box(b.apply(side, black_box(price), qty)).unwrap();
        })
    });
    let mut b = book();
    group.bench_function("remove_then_add_level", |bench| {
        bench.iter(|| {
            i = (i + 1) % updates.len();
            let (side, price, qty) = updates[i];
            b.apply(side, price, Decimal::ZERO).unwrap();
            black_box(b.apply(side, black_box(price), qty)).unwrap();
        })
    });
    let mut t = TreeBook::of(&book());
    group.bench_function("btreemap_baseline/remove_then_add_level", |bench| {
        bench.iter(|| {
            i = (i + 1) % updates.len();
            let (side, price, qty) = updates[i];
            t.apply(side, price, Decimal::ZERO);
            t.apply(side, black_box(price), qty);
        })
    });
    group.finish();
}

fn top(c: &mut Criterion) {
    let mut group = c.benchmark_group("book_top");
    let b = book();
    group.bench_function("best_bid_ask", |bench| {
        bench.iter(|| black_box((b.best_bid(), b.best_ask())))
    });
    group.bench_function("top_10_both_sides", |bench| {
        bench.iter(|| black_box((b.top(Side::Bid, 10), b.top(Side::Ask, 10))))
    });
    group.bench_function("book_view_20", |bench| {
        // A feed makes the symbol once and shares it with every view.
        let symbol: std::sync::Arc<str> = "BTCUSDT".into();
        bench.iter(|| black_box(BookView::of(symbol.clone(), 1, &b, 20)))
    });
    let t = TreeBook::of(&b);
    group.bench_function("btreemap_baseline/book_view_20", |bench| {
        bench.iter(|| black_box(t.view("BTCUSDT", 20)))
    });
    group.finish();
}

/// The book and its baseline measured in alternation, batch by batch, so both see the same
/// machine load: median ns per operation and the ratio, printed before criterion's runs.
fn interleaved(_: &mut Criterion) {
    const BATCH: usize = 4096;
    let updates = updates();
    let (mut b, mut t) = (book(), TreeBook::of(&book()));
    let symbol: std::sync::Arc<str> = "BTCUSDT".into();
    let mut samples: [Vec<f64>; 4] = Default::default();
    for _ in 0..40 {
        for (v, sample) in samples.iter_mut().enumerate() {
            let start = std::time::Instant::now();
            for &(side, price, qty) in &updates[..BATCH] {
                match v {
                    0 => {
                        b.apply(side, price, Decimal::ZERO).unwrap();
                        black_box(b.apply(side, black_box(price), qty)).unwrap();
                    }
                    1 => {
                        t.apply(side, price, Decimal::ZERO);
                        t.apply(side, black_box(price), qty);
                    }
                    2 => drop(black_box(BookView::of(symbol.clone(), 1, &b, 20))),
                    _ => drop(black_box(t.view("BTCUSDT", 20))),
                }
            }
            sample.push(start.elapsed().as_nanos() as f64 / BATCH as f64);
        }
    }
    let mut medians = samples.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    });
    medians
        .iter_mut()
        .for_each(|m| *m = (*m * 10.0).round() / 10.0);
    println!("order_book interleaved: median ns per operation (ratio to the BTreeMap baseline)");
    println!(
        "  remove_then_add_level {:>7} ns vs {:>7} ns ({:.2}x)",
        medians[0],
        medians[1],
        medians[0] / medians[1]
    );
    println!(
        "  book_view_20          {:>7} ns vs {:>7} ns ({:.2}x)",
        medians[2],
        medians[3],
        medians[2] / medians[3]
    );
}

criterion_group!(benches, interleaved, apply, top);
criterion_main!(benches);
