//! One diff-depth frame through the depth feed's steps (decode, sync, apply, build the view,
//! publish to the stream cache) beside decoding the same bytes alone, with each candidate JSON
//! decoder in the same group.
//!
//! The frame is Binance's `depthUpdate` with 10 levels (5 a side) on a 1,000-level book; two
//! frames alternate so levels are really removed and re-added. The decoded ids are renumbered
//! so every event continues the book (the bytes themselves stay fixed).
//!
//! `cargo bench --bench depth_pipeline`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use hft_cache::book::{BookDelta, BookSnapshot, BookSync, BookView, DepthSync, DepthUpdate};
use hft_cache::StreamCache;
use rust_decimal::Decimal;

/// A `depthUpdate` of 5 bid and 5 ask levels near the top; `remove` zeroes two of them.
fn frame(remove: bool) -> Vec<u8> {
    let level = |price: i64, i: i64| {
        let qty = if remove && i % 3 == 0 {
            "0.00000000".to_owned()
        } else {
            format!("{}.{:08}", i + 1, i * 1234)
        };
        format!(r#"["{}","{qty}"]"#, Decimal::new(price, 2))
    };
    let bids: Vec<_> = (0..5).map(|i| level(6_000_000 - 1 - i * 3, i)).collect();
    let asks: Vec<_> = (0..5).map(|i| level(6_000_000 + 1 + i * 3, i)).collect();
    format!(
        r#"{{"e":"depthUpdate","E":1672515782136,"s":"BTCUSDT","U":157,"u":160,"b":[{}],"a":[{}]}}"#,
        bids.join(","),
        asks.join(",")
    )
    .into_bytes()
}

/// 500 levels a side around 60,000.00, one cent apart, at update 100.
fn snapshot() -> BookSnapshot {
    let side = |sign: i64| {
        (1..=500i64)
            .map(|i| (Decimal::new(6_000_000 + sign * i, 2), Decimal::new(i, 3)))
            .collect()
    };
    BookSnapshot {
        update_id: 100,
        bids: side(-1),
        asks: side(1),
        ..BookSnapshot::default()
    }
}

fn pipeline(c: &mut Criterion) {
    let frames = [frame(false), frame(true)];
    let mut group = c.benchmark_group("depth_pipeline");
    group.throughput(criterion::Throughput::Bytes(frames[0].len() as u64));

    let mut i = 0usize;
    group.bench_function("decode_only/serde_json", |b| {
        b.iter(|| {
            i += 1;
            black_box(serde_json::from_slice::<DepthUpdate>(black_box(&frames[i & 1])).unwrap())
        })
    });
    group.bench_function("decode_only/sonic_rs", |b| {
        b.iter(|| {
            i += 1;
            black_box(sonic_rs::from_slice::<DepthUpdate>(black_box(&frames[i & 1])).unwrap())
        })
    });
    group.bench_function("decode_only/simd_json", |b| {
        b.iter(|| {
            i += 1;
            // simd-json parses in place: a received frame must be copied first.
            let mut bytes = black_box(&frames[i & 1]).clone();
            black_box(simd_json::serde::from_slice::<DepthUpdate>(&mut bytes).unwrap())
        })
    });

    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .build()
        .unwrap();
    let writer = books.custom_transport_writer("depth:BTCUSDT");
    let symbol = "BTCUSDT".to_owned();
    let view_symbol: std::sync::Arc<str> = symbol.as_str().into();
    let mut sync = DepthSync::new();
    sync.on_delta(BookDelta {
        first_update_id: 101,
        last_update_id: 101,
        ..BookDelta::default()
    });
    sync.on_snapshot(snapshot());
    let mut next_id = 102u64;
    group.bench_function("full/serde_json", |b| {
        b.iter(|| {
            i += 1;
            let mut event: DepthUpdate = serde_json::from_slice(black_box(&frames[i & 1])).unwrap();
            (event.first_update_id, event.last_update_id) = (next_id, next_id);
            next_id += 1;
            let outcome = sync.on_delta(event.into());
            let book = sync.book().expect("in sync");
            let view = BookView::of(view_symbol.clone(), next_id - 1, book, 20);
            writer.publish(symbol.clone(), view);
            black_box(outcome)
        })
    });
    group.finish();
}

/// The same steps measured in alternation, batch by batch, so that all see the same machine
/// load (criterion measures one after the other, and on a shared machine the load between them
/// differs more than the decoders do): the median ns per frame of each, and its ratio to
/// decoding alone with serde_json.
fn interleaved(_: &mut Criterion) {
    let frames = [frame(false), frame(true)];
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .build()
        .unwrap();
    let writer = books.custom_transport_writer("depth:BTCUSDT");
    let symbol = "BTCUSDT".to_owned();
    let view_symbol: std::sync::Arc<str> = symbol.as_str().into();
    let mut sync = DepthSync::new();
    sync.on_snapshot(snapshot());
    sync.on_delta(BookDelta {
        first_update_id: 100,
        last_update_id: 101,
        ..BookDelta::default()
    });
    let mut next_id = 102u64;
    let mut i = 0usize;
    let mut full = |frame: &[u8]| {
        let mut event: DepthUpdate = serde_json::from_slice(frame).unwrap();
        (event.first_update_id, event.last_update_id) = (next_id, next_id);
        next_id += 1;
        sync.on_delta(event.into());
        let view = BookView::of(view_symbol.clone(), next_id - 1, sync.book().unwrap(), 20);
        writer.publish(symbol.clone(), view);
    };
    const BATCH: u32 = 2000;
    let names = ["serde_json", "sonic_rs", "simd_json", "full_pipeline"];
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for _ in 0..40 {
        for (v, sample) in samples.iter_mut().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..BATCH {
                i += 1;
                let frame = black_box(&frames[i & 1]);
                match v {
                    0 => drop(black_box(
                        serde_json::from_slice::<DepthUpdate>(frame).unwrap(),
                    )),
                    1 => drop(black_box(
                        sonic_rs::from_slice::<DepthUpdate>(frame).unwrap(),
                    )),
                    2 => {
                        let mut bytes = frame.clone();
                        drop(black_box(
                            simd_json::serde::from_slice::<DepthUpdate>(&mut bytes).unwrap(),
                        ))
                    }
                    _ => full(frame),
                }
            }
            sample.push(start.elapsed().as_nanos() as f64 / f64::from(BATCH));
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let medians: Vec<f64> = samples.iter_mut().map(median).collect();
    println!(
        "depth_pipeline interleaved ({} bytes a frame): median ns per frame, ratio to serde_json",
        frames[0].len()
    );
    for (name, m) in names.iter().zip(&medians) {
        println!("  {name:<26} {m:>8.0} ns  {:>5.2}x", m / medians[0]);
    }
}

criterion_group!(benches, interleaved, pipeline);
criterion_main!(benches);
