//! The public market-data endpoints beyond the depth snapshot, over real HTTP: each payload has
//! exactly the fields and JSON types of the docs' example, and agrees with the book and the
//! trade history the streams publish.

mod common;

use std::time::Duration;

use common::{assert_decimals, assert_shape, exchange, get, signed};
use rust_decimal::Decimal;
use serde_json::Value;

const TICKER_FULL: &[(&str, &str)] = &[
    ("symbol", "string"),
    ("priceChange", "string"),
    ("priceChangePercent", "string"),
    ("weightedAvgPrice", "string"),
    ("prevClosePrice", "string"),
    ("lastPrice", "string"),
    ("lastQty", "string"),
    ("bidPrice", "string"),
    ("bidQty", "string"),
    ("askPrice", "string"),
    ("askQty", "string"),
    ("openPrice", "string"),
    ("highPrice", "string"),
    ("lowPrice", "string"),
    ("volume", "string"),
    ("quoteVolume", "string"),
    ("openTime", "number"),
    ("closeTime", "number"),
    ("firstId", "number"),
    ("lastId", "number"),
    ("count", "number"),
];

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

/// Places a market buy so that the history has at least one trade of ours.
async fn trade(ex: &hft_cache_mock::MockExchange) -> Value {
    let a = signed(
        ex,
        reqwest::Method::POST,
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.01"),
        ],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

#[tokio::test]
async fn ticker_24hr_full_and_mini_for_one_some_or_all_symbols() {
    let ex = exchange().await;
    let order = trade(&ex).await;
    let one = get(&ex, "/api/v3/ticker/24hr?symbol=BTCUSDT").await;
    assert_eq!(one.status, 200);
    assert_shape(&one.body, TICKER_FULL);
    assert_decimals(&one.body, &["lastPrice", "volume", "highPrice", "lowPrice"]);
    let t = &one.body;
    assert!(
        dec(&t["lowPrice"]) <= dec(&t["lastPrice"]) && dec(&t["lastPrice"]) <= dec(&t["highPrice"])
    );
    assert!(
        dec(&t["volume"]) >= Decimal::new(1, 2),
        "our 0.01 is in the volume"
    );
    assert!(t["count"].as_u64().unwrap() >= 1);
    assert!(t["lastId"].as_i64().unwrap() >= order["fills"][0]["tradeId"].as_i64().unwrap());
    assert!(dec(&t["bidPrice"]) < dec(&t["askPrice"]));
    assert_eq!(
        t["priceChangePercent"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap()
            .len(),
        3
    );

    let all = get(&ex, "/api/v3/ticker/24hr").await;
    assert_eq!(all.body.as_array().unwrap().len(), 2);
    let some = get(&ex, r#"/api/v3/ticker/24hr?symbols=["ETHUSDT"]&type=MINI"#).await;
    let items = some.body.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_shape(
        &items[0],
        &[
            ("symbol", "string"),
            ("openPrice", "string"),
            ("highPrice", "string"),
            ("lowPrice", "string"),
            ("lastPrice", "string"),
            ("volume", "string"),
            ("quoteVolume", "string"),
            ("openTime", "number"),
            ("closeTime", "number"),
            ("firstId", "number"),
            ("lastId", "number"),
            ("count", "number"),
        ],
    );

    let both = get(
        &ex,
        r#"/api/v3/ticker/24hr?symbol=BTCUSDT&symbols=["ETHUSDT"]"#,
    )
    .await;
    assert_eq!((both.status, both.code()), (400, Some(-1128)));
    let bad_type = get(&ex, "/api/v3/ticker/24hr?symbol=BTCUSDT&type=HUGE").await;
    assert_eq!(bad_type.code(), Some(-1139));
    let unknown = get(&ex, "/api/v3/ticker/24hr?symbol=NOPE").await;
    assert_eq!((unknown.status, unknown.code()), (400, Some(-1121)));
    ex.shutdown().await;
}

#[tokio::test]
async fn price_and_book_tickers_match_the_last_trade_and_the_book() {
    let ex = hft_cache_mock::MockExchange::builder()
        .stream_interval(Duration::from_secs(3600)) // a book that does not move on its own
        .api_key(common::KEY)
        .secret(common::SECRET)
        .balance("USDT", rust_decimal_macros::dec!(10000))
        .start()
        .await
        .unwrap();
    let order = trade(&ex).await;
    let fills = order["fills"].as_array().unwrap();
    let last_fill = &fills[fills.len() - 1]["price"];

    let price = get(&ex, "/api/v3/ticker/price?symbol=BTCUSDT").await;
    assert_shape(&price.body, &[("symbol", "string"), ("price", "string")]);
    assert_eq!(dec(&price.body["price"]), dec(last_fill));
    let all = get(&ex, "/api/v3/ticker/price").await;
    assert!(all.body.is_array());

    let book = get(&ex, "/api/v3/ticker/bookTicker?symbol=BTCUSDT").await;
    assert_shape(
        &book.body,
        &[
            ("symbol", "string"),
            ("bidPrice", "string"),
            ("bidQty", "string"),
            ("askPrice", "string"),
            ("askQty", "string"),
        ],
    );
    let depth = get(&ex, "/api/v3/depth?symbol=BTCUSDT&limit=1").await.body;
    assert_eq!(book.body["bidPrice"], depth["bids"][0][0]);
    assert_eq!(book.body["bidQty"], depth["bids"][0][1]);
    assert_eq!(book.body["askPrice"], depth["asks"][0][0]);
    assert_eq!(book.body["askQty"], depth["asks"][0][1]);
    ex.shutdown().await;
}

#[tokio::test]
async fn avg_price_is_the_five_minute_weighted_price() {
    let ex = exchange().await;
    trade(&ex).await;
    let avg = get(&ex, "/api/v3/avgPrice?symbol=BTCUSDT").await;
    assert_shape(
        &avg.body,
        &[
            ("mins", "number"),
            ("price", "string"),
            ("closeTime", "number"),
        ],
    );
    assert_eq!(avg.body["mins"], 5);
    let p = dec(&avg.body["price"]);
    assert!(
        p > Decimal::from(50_000) && p < Decimal::from(70_000),
        "{p}"
    );
    let missing = get(&ex, "/api/v3/avgPrice").await;
    assert_eq!(missing.code(), Some(-1102));
    ex.shutdown().await;
}

#[tokio::test]
async fn trades_and_agg_trades_list_the_fills_with_their_ids() {
    let ex = exchange().await;
    let order = trade(&ex).await;
    let fill_ids: Vec<i64> = order["fills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["tradeId"].as_i64().unwrap())
        .collect();

    let trades = get(&ex, "/api/v3/trades?symbol=BTCUSDT&limit=1000")
        .await
        .body;
    let trades = trades.as_array().unwrap();
    assert_shape(
        &trades[0],
        &[
            ("id", "number"),
            ("price", "string"),
            ("qty", "string"),
            ("quoteQty", "string"),
            ("time", "number"),
            ("isBuyerMaker", "bool"),
            ("isBestMatch", "bool"),
        ],
    );
    let ids: Vec<i64> = trades.iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first");
    for id in &fill_ids {
        let t = trades
            .iter()
            .find(|t| t["id"] == *id)
            .expect("our fill is listed");
        assert_eq!(t["isBuyerMaker"], false, "we bought as the taker");
    }
    let limited = get(&ex, "/api/v3/trades?symbol=BTCUSDT&limit=1").await.body;
    assert_eq!(limited.as_array().unwrap().len(), 1);

    let aggs = get(&ex, "/api/v3/aggTrades?symbol=BTCUSDT&limit=1000")
        .await
        .body;
    let aggs = aggs.as_array().unwrap();
    assert_shape(
        &aggs[0],
        &[
            ("a", "number"),
            ("p", "string"),
            ("q", "string"),
            ("f", "number"),
            ("l", "number"),
            ("T", "number"),
            ("m", "bool"),
            ("M", "bool"),
        ],
    );
    let ours = aggs
        .iter()
        .find(|a| a["f"] == fill_ids[0])
        .expect("our first fill is aggregated");
    let from = ours["a"].as_i64().unwrap();
    let page = get(
        &ex,
        &format!("/api/v3/aggTrades?symbol=BTCUSDT&fromId={from}&limit=2"),
    )
    .await
    .body;
    assert_eq!(page[0]["a"], from, "fromId is inclusive");
    assert!(page.as_array().unwrap().len() <= 2);
    ex.shutdown().await;
}

#[tokio::test]
async fn klines_are_candles_of_the_trades() {
    let ex = exchange().await;
    trade(&ex).await;
    let klines = get(&ex, "/api/v3/klines?symbol=BTCUSDT&interval=1m")
        .await
        .body;
    let rows = klines.as_array().unwrap();
    assert!(!rows.is_empty());
    let row = rows.last().unwrap().as_array().unwrap();
    let kinds: Vec<&str> = row
        .iter()
        .map(|v| {
            if v.is_number() {
                "number"
            } else if v.is_string() {
                "string"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "number", "string", "string", "string", "string", "string", "number", "string",
            "number", "string", "string", "string"
        ]
    );
    let (open_time, close_time) = (row[0].as_u64().unwrap(), row[6].as_u64().unwrap());
    assert_eq!(open_time % 60_000, 0);
    assert_eq!(close_time, open_time + 59_999);
    let (o, h, l, c) = (dec(&row[1]), dec(&row[2]), dec(&row[3]), dec(&row[4]));
    assert!(l <= o.min(c) && h >= o.max(c));
    let volume: Decimal = rows.iter().map(|r| dec(&r[5])).sum();
    assert!(volume >= Decimal::new(1, 2), "our trade is in a candle");

    for interval in ["1s", "3m", "1h", "1d", "1w", "1M"] {
        let a = get(
            &ex,
            &format!("/api/v3/klines?symbol=BTCUSDT&interval={interval}&limit=2"),
        )
        .await;
        assert_eq!(a.status, 200, "{interval}: {}", a.body);
        assert!(!a.body.as_array().unwrap().is_empty(), "{interval}");
    }
    let bad = get(&ex, "/api/v3/klines?symbol=BTCUSDT&interval=2m").await;
    assert_eq!((bad.status, bad.code()), (400, Some(-1120)));
    let missing = get(&ex, "/api/v3/klines?symbol=BTCUSDT").await;
    assert_eq!(missing.code(), Some(-1102));
    ex.shutdown().await;
}
