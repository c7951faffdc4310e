//! The snapshot-then-delta procedure end to end: a Bybit-v5-shaped WebSocket server on
//! 127.0.0.1 (`orderbook.50.BTCUSDT`, `type` snapshot/delta, `data` {s,b,a,u,seq}, `ts`, `cts`)
//! and a depth feed built on the crate's [`BookStream`] with [`SnapshotDeltaSync`]: no timer,
//! backoff or sequence check of the adapter's own.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::feed::bybit::BybitOrderbook;
use hft_cache::feed::DepthFeed;
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use rust_decimal::Decimal;
use support::{wait_until, Conn, Server};

/// What a Bybit adapter writes: where the stream is, how to subscribe, how to read a frame.
#[derive(Default)]
struct Model {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
}

type Levels = Vec<(Decimal, Decimal)>;

impl Model {
    fn apply(&mut self, bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]) {
        for (side, levels) in [(&mut self.bids, bids), (&mut self.asks, asks)] {
            for &(p, q) in levels {
                if q.is_zero() {
                    side.remove(&p);
                } else {
                    side.insert(p, q);
                }
            }
        }
    }

    fn top(&self) -> (Levels, Levels) {
        (
            self.bids.iter().rev().map(|(p, q)| (*p, *q)).collect(),
            self.asks.iter().map(|(p, q)| (*p, *q)).collect(),
        )
    }
}

fn levels(levels: &[(Decimal, Decimal)]) -> String {
    let items: Vec<_> = levels
        .iter()
        .map(|(p, q)| format!(r#"["{p}","{q}"]"#))
        .collect();
    format!("[{}]", items.join(","))
}

fn frame(
    kind: &str,
    u: u64,
    seq: u64,
    bids: &[(Decimal, Decimal)],
    asks: &[(Decimal, Decimal)],
) -> String {
    format!(
        r#"{{"topic":"orderbook.50.BTCUSDT","type":"{kind}","ts":1672304484978,"data":{{"s":"BTCUSDT","b":{},"a":{},"u":{u},"seq":{seq}}},"cts":1672304484976}}"#,
        levels(bids),
        levels(asks)
    )
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Accepts the feed's link, checks its subscription, answers it as Bybit does.
async fn subscribed(server: &mut Server) -> Conn {
    let mut conn = server.accept().await;
    assert_eq!(conn.path, "/v5/public/spot");
    assert_eq!(
        conn.received().await,
        r#"{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}"#
    );
    conn.send(r#"{"success":true,"ret_msg":"","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b","req_id":"","op":"subscribe"}"#);
    conn
}

#[tokio::test]
async fn a_bybit_style_book_is_served_from_its_snapshot_and_deltas_and_resynced_after_a_gap() {
    let mut server = Server::start().await;
    let books = StreamCache::<String, BookView>::builder()
        .name("bybit-books")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = DepthFeed::with_stream(BybitOrderbook::new(server.ws_url.clone()))
        .name("bybit")
        .symbols(["BTCUSDT"])
        .silence_timeout(Duration::from_secs(1))
        .ping_interval(Duration::from_millis(100))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .depth(50)
        .spawn(&books)
        .unwrap();
    let mut conn = subscribed(&mut server).await;
    let view = || books.read("BTCUSDT", BookView::clone);
    // Bybit's heartbeat is its own JSON, answered in JSON: not a fault, not data.
    assert_eq!(conn.received().await, r#"{"op":"ping"}"#);
    conn.send(r#"{"success":true,"ret_msg":"pong","conn_id":"465772b1-7630-4fdc-a492-e003e6f0f260","req_id":"","op":"ping"}"#);

    // Bybit's documented snapshot.
    let mut model = Model::default();
    let (bids, asks) = (
        vec![(d("16493.50"), d("0.006")), (d("16493.00"), d("0.100"))],
        vec![(d("16611.00"), d("0.029")), (d("16612.00"), d("0.213"))],
    );
    model.apply(&bids, &asks);
    conn.send(frame("snapshot", 18521288, 7961638724, &bids, &asks));
    wait_until("the snapshot served", || view().is_ok()).await;
    assert_eq!(view().unwrap().last_update_id, 18521288);

    // Deltas, `u` strictly +1: changes, removals, new levels.
    let deltas: [(Levels, Levels); 4] = [
        (vec![(d("16493.50"), d("0.010"))], vec![]),
        (
            vec![(d("16493.00"), d("0"))],
            vec![(d("16610.50"), d("1.5"))],
        ),
        (vec![(d("16494.00"), d("2"))], vec![(d("16612.00"), d("0"))]),
        (vec![], vec![(d("16610.50"), d("0.5"))]),
    ];
    for (i, (b, a)) in deltas.iter().enumerate() {
        let u = 18521289 + i as u64;
        model.apply(b, a);
        conn.send(frame("delta", u, 7961638800 + i as u64, b, a));
        wait_until("the delta", || view().map(|v| v.last_update_id) == Ok(u)).await;
        let v = view().unwrap();
        let served = (
            v.bids.iter().map(|l| (l.price, l.qty)).collect::<Vec<_>>(),
            v.asks.iter().map(|l| (l.price, l.qty)).collect::<Vec<_>>(),
        );
        assert_eq!(served, model.top(), "after u={u}");
    }
    let health = feed.health("BTCUSDT").unwrap();
    assert_eq!(
        (health.events, health.gaps, health.reconnects),
        (5, 0, 0),
        "{health:?}"
    );

    // A skipped `u` is a gap: refused at once, and a new link brings a fresh snapshot.
    conn.send(frame(
        "delta",
        18521294,
        7961638900,
        &[(d("16494.00"), d("3"))],
        &[],
    ));
    wait_until("the gap", || {
        matches!(
            books.read("BTCUSDT", |_| ()),
            Err(StreamReadError::FeedUnhealthy {
                fault: FeedFault::SequenceGap {
                    expected: 18521293,
                    got: 18521294
                },
                ..
            })
        )
    })
    .await;
    let conn = subscribed(&mut server).await;
    let fresh = [(d("16500.00"), d("1"))];
    conn.send(frame(
        "snapshot",
        18530000,
        7961700000,
        &fresh,
        &[(d("16600.00"), d("1"))],
    ));
    wait_until("the fresh snapshot", || {
        view().map(|v| v.last_update_id) == Ok(18530000)
    })
    .await;
    let v = view().unwrap();
    assert_eq!(
        (v.bids.len(), v.best_bid().unwrap().price),
        (1, d("16500.00"))
    );
    let health = feed.health("BTCUSDT").unwrap();
    assert_eq!((health.gaps, health.reconnects), (1, 1), "{health:?}");

    // A snapshot mid-stream replaces the book (Bybit resends one after a problem on its side).
    conn.send(frame(
        "snapshot",
        1,
        7961700001,
        &[(d("16400.00"), d("4"))],
        &[(d("16401.00"), d("4"))],
    ));
    wait_until("the replacement", || {
        view().map(|v| v.last_update_id) == Ok(1)
    })
    .await;
    assert_eq!(view().unwrap().best_bid().unwrap().qty, d("4"));
}
