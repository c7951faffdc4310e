//! The docs' general rules over real HTTP: microsecond timestamps, `recvWindow` with decimals,
//! query-over-body precedence, weight headers, 429 then 418 with `Retry-After`, and Binance's
//! JSON error body for an unknown path or method.

mod common;

use std::time::Duration;

use common::{now_ms, signed_raw};
use reqwest::Method;

#[tokio::test]
async fn timestamps_in_microseconds_and_recv_window_with_decimals_are_accepted() {
    let ex = common::exchange().await;
    let micros = now_ms() * 1000 + 123;
    let a = signed_raw(
        &ex,
        Method::GET,
        "/api/v3/account",
        &format!("timestamp={micros}"),
        "",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);

    let old_micros = (now_ms() - 10_000) * 1000;
    let stale = signed_raw(
        &ex,
        Method::GET,
        "/api/v3/account",
        &format!("timestamp={old_micros}"),
        "",
    )
    .await;
    assert_eq!(
        stale.code(),
        Some(-1021),
        "µs timestamps are checked against the window too"
    );

    let ahead = signed_raw(
        &ex,
        Method::GET,
        "/api/v3/account",
        &format!("timestamp={}", (now_ms() + 5_000) * 1000),
        "",
    )
    .await;
    assert_eq!(ahead.code(), Some(-1021));

    let q = format!("recvWindow=6000.346&timestamp={}", now_ms());
    let decimals = signed_raw(&ex, Method::GET, "/api/v3/account", &q, "").await;
    assert_eq!(decimals.status, 200, "{}", decimals.body);
    // Three milliseconds late in a one-microsecond window: refused.
    let tight = format!("recvWindow=0.001&timestamp={}", now_ms() - 3);
    let refused = signed_raw(&ex, Method::GET, "/api/v3/account", &tight, "").await;
    assert_eq!(refused.code(), Some(-1021));
    let four = format!("recvWindow=5000.0001&timestamp={}", now_ms());
    let too_precise = signed_raw(&ex, Method::GET, "/api/v3/account", &four, "").await;
    assert_eq!(too_precise.code(), Some(-1111));
    let over = format!("recvWindow=60000.001&timestamp={}", now_ms());
    assert_eq!(
        signed_raw(&ex, Method::GET, "/api/v3/account", &over, "")
            .await
            .code(),
        Some(-1131)
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn a_parameter_in_both_query_and_body_takes_the_query_value() {
    let ex = common::exchange().await;
    let query = format!(
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&timestamp={}",
        now_ms()
    );
    // The body says SELL 0.02; the query's BUY 0.01 wins. The signature covers both as sent.
    let a = signed_raw(
        &ex,
        Method::POST,
        "/api/v3/order",
        &query,
        "side=SELL&quantity=0.02",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (a.body["side"].as_str(), a.body["origQty"].as_str()),
        (Some("BUY"), Some("0.01000000"))
    );
    // Parameters only in the body are read.
    let body = format!(
        "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.01&timestamp={}",
        now_ms()
    );
    let b = signed_raw(
        &ex,
        Method::POST,
        "/api/v3/order",
        "newOrderRespType=ACK",
        &body,
    )
    .await;
    assert_eq!(b.status, 200, "{}", b.body);
    assert!(b.body.get("side").is_none(), "ACK came from the query");
    // The same parameter twice in one place is still an error.
    let twice = format!("timestamp={0}&timestamp={0}", now_ms());
    assert_eq!(
        signed_raw(&ex, Method::GET, "/api/v3/account", &twice, "")
            .await
            .code(),
        Some(-1101)
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn every_answer_carries_the_used_weight() {
    let ex = common::exchange().await;
    let first = common::get(&ex, "/api/v3/ping").await;
    assert_eq!(first.header("x-mbx-used-weight-1m"), Some("1"));
    let depth = common::get(&ex, "/api/v3/depth?symbol=BTCUSDT&limit=1000").await;
    assert_eq!(
        depth.header("x-mbx-used-weight-1m"),
        Some("51"),
        "depth 1000 weighs 50"
    );
    let error = common::get(&ex, "/api/v3/depth?symbol=NOPE").await;
    assert_eq!(
        error.header("x-mbx-used-weight-1m"),
        Some("56"),
        "errors count too"
    );
    let account = common::signed(&ex, Method::GET, "/api/v3/account", &[]).await;
    assert_eq!(
        account.header("x-mbx-used-weight-1m"),
        Some("76"),
        "account weighs 20"
    );
    let info = common::get(&ex, "/api/v3/exchangeInfo").await;
    assert_eq!(info.body["rateLimits"][0]["limit"], 6000);
    ex.shutdown().await;
}

#[tokio::test]
async fn past_the_weight_limit_comes_429_then_a_418_ban() {
    let ex = common::builder()
        .request_weight_limit(10)
        .ban_duration(Duration::from_secs(90))
        .start()
        .await
        .unwrap();
    for _ in 0..2 {
        let ok = common::get(&ex, "/api/v3/depth?symbol=BTCUSDT&limit=5").await;
        assert_eq!(ok.status, 200);
    }
    let limited = common::get(&ex, "/api/v3/ping").await;
    assert_eq!((limited.status, limited.code()), (429, Some(-1003)));
    assert_eq!(limited.header("x-mbx-used-weight-1m"), Some("11"));
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(limited.body["msg"]
        .as_str()
        .unwrap()
        .contains("current limit is 10"));

    let banned = common::get(&ex, "/api/v3/ping").await;
    assert_eq!((banned.status, banned.code()), (418, Some(-1003)));
    let ban: u64 = banned.header("retry-after").unwrap().parse().unwrap();
    assert!((60..=90).contains(&ban), "{ban}");
    assert!(banned.body["msg"]
        .as_str()
        .unwrap()
        .contains("IP banned until"));
    // Banned means banned, whatever the endpoint.
    let still = common::signed(&ex, Method::GET, "/api/v3/account", &[]).await;
    assert_eq!(still.status, 418);
    ex.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_binance_json() {
    let ex = common::exchange().await;
    let client = reqwest::Client::new();
    let unknown = common::send(client.get(format!("{}/api/v3/nope", ex.http_url()))).await;
    assert_eq!((unknown.status, unknown.code()), (404, Some(-1000)));
    assert!(unknown.body["msg"].is_string());
    for (method, path) in [
        (Method::DELETE, "/api/v3/time"),
        (Method::POST, "/api/v3/depth"),
        (Method::PUT, "/api/v3/order"),
        (Method::PATCH, "/api/v3/openOrders"),
    ] {
        let a =
            common::send(client.request(method.clone(), format!("{}{path}", ex.http_url()))).await;
        assert_eq!((a.status, a.code()), (405, Some(-1000)), "{method} {path}");
    }
    ex.shutdown().await;
}
