//! The USD-M futures mock's endpoints that exchange SDKs (ccxt's `binanceusdm`) call before
//! and around trading, as Binance documents them: "Account Information V3"
//! (`GET /fapi/v3/account`), "Notional and Leverage Brackets" (`GET /fapi/v1/leverageBracket`),
//! and the routed `/public` WebSocket base of USD-M's public (depth) streams.

use std::time::Duration;

use futures_util::StreamExt;
use hft_cache_mock::futures::FuturesMock;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;
use sha2::Sha256;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "sdk-key";
const SECRET: &str = "sdk-secret";
const PATIENCE: Duration = Duration::from_secs(10);

async fn mock(stream_interval: Duration) -> FuturesMock {
    FuturesMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", dec!(60000))
        .symbol("ETHUSDT", dec!(3000))
        .balance(dec!(10000))
        .leverage(10)
        .stream_interval(stream_interval)
        .start()
        .await
        .expect("futures mock starts")
}

/// A signed request; the answer's HTTP status and JSON body.
async fn signed(
    mock: &FuturesMock,
    method: reqwest::Method,
    path: &str,
    params: &str,
) -> (u16, Value) {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let query = if params.is_empty() {
        format!("timestamp={timestamp}")
    } else {
        format!("{params}&timestamp={timestamp}")
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(query.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let response = reqwest::Client::new()
        .request(
            method,
            format!("{}{path}?{query}&signature={signature}", mock.http_url()),
        )
        .header("X-MBX-APIKEY", KEY)
        .send()
        .await
        .expect("the mock answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

async fn get(mock: &FuturesMock, path: &str, params: &str) -> Value {
    let (status, body) = signed(mock, reqwest::Method::GET, path, params).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn dec_of(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a string"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn account_v3_lists_the_funded_wallet_and_only_symbols_with_a_position_or_orders() {
    let mock = mock(Duration::from_secs(3600)).await;
    let flat = get(&mock, "/fapi/v3/account", "").await;
    assert_eq!(dec_of(&flat["totalWalletBalance"]), dec!(10000));
    assert_eq!(dec_of(&flat["availableBalance"]), dec!(10000));
    let usdt = &flat["assets"][0];
    assert_eq!(usdt["asset"], "USDT");
    assert_eq!(dec_of(&usdt["walletBalance"]), dec!(10000));
    // A funded wallet has been updated (clients skip an asset with updateTime 0 as stale).
    assert!(usdt["updateTime"].as_u64().unwrap() > 0, "{usdt}");
    assert_eq!(
        flat["positions"],
        Value::Array(vec![]),
        "no position, no order: none listed"
    );
    // V3 drops V2's account-level flags.
    assert!(
        flat.get("canTrade").is_none() && flat.get("feeTier").is_none(),
        "{flat}"
    );

    let (status, _) = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010",
    )
    .await;
    assert_eq!(status, 200);
    let (bid, _) = mock.best_bid_ask("ETHUSDT").unwrap();
    let (status, body) = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/order",
        &format!(
            "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.100&price={}",
            bid - dec!(100)
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let account = get(&mock, "/fapi/v3/account", "").await;
    let positions = account["positions"].as_array().unwrap();
    let symbols: Vec<&str> = positions
        .iter()
        .map(|p| p["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(
        symbols,
        ["BTCUSDT", "ETHUSDT"],
        "a position, and open orders"
    );
    let btc = &positions[0];
    assert_eq!(dec_of(&btc["positionAmt"]), dec!(0.01));
    assert_eq!(btc["positionSide"], "BOTH");
    assert!(
        btc.get("leverage").is_none() && btc.get("entryPrice").is_none(),
        "{btc}"
    );
    assert!(dec_of(&btc["initialMargin"]) > Decimal::ZERO);
    assert_eq!(dec_of(&positions[1]["positionAmt"]), Decimal::ZERO);
    assert!(dec_of(&account["totalOpenOrderInitialMargin"]) > Decimal::ZERO);
}

#[tokio::test]
async fn leverage_brackets_list_every_symbol_or_one_as_an_object() {
    let mock = mock(Duration::from_secs(3600)).await;
    let all = get(&mock, "/fapi/v1/leverageBracket", "").await;
    let entries = all.as_array().expect("a list without symbol");
    assert_eq!(entries.len(), 2);
    let one = get(&mock, "/fapi/v1/leverageBracket", "symbol=BTCUSDT").await;
    assert_eq!(one["symbol"], "BTCUSDT", "an object with symbol: {one}");
    let brackets = one["brackets"].as_array().unwrap();
    assert_eq!(brackets[0]["bracket"], 1);
    assert_eq!(brackets[0]["notionalFloor"], 0);
    // Brackets tile the notional range, leverage falling as notional grows.
    for pair in brackets.windows(2) {
        assert_eq!(pair[0]["notionalCap"], pair[1]["notionalFloor"]);
        assert!(pair[0]["initialLeverage"].as_u64() > pair[1]["initialLeverage"].as_u64());
    }
    assert!(brackets
        .iter()
        .all(|b| b["maintMarginRatio"].as_f64() == Some(0.004)));

    // The brackets are the ones the venue enforces: at 10x, the cap of the last bracket
    // allowing 10x is the position limit `POST /fapi/v1/leverage` reports.
    let cap = brackets
        .iter()
        .rfind(|b| b["initialLeverage"].as_u64().unwrap() >= 10)
        .unwrap()["notionalCap"]
        .as_u64()
        .unwrap();
    let (status, set) = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/leverage",
        "symbol=BTCUSDT&leverage=10",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(dec_of(&set["maxNotionalValue"]), Decimal::from(cap));

    let (status, unknown) = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/leverageBracket",
        "symbol=NOPEUSDT",
    )
    .await;
    assert_eq!((status, unknown["code"].as_i64()), (400, Some(-1121)));
}

#[tokio::test]
async fn depth_streams_are_served_at_the_routed_public_base() {
    let mock = mock(Duration::from_millis(10)).await;
    for url in [
        format!("{}/public/ws/btcusdt@depth@100ms", mock.ws_url()),
        format!(
            "{}/public/stream?streams=btcusdt@depth@100ms",
            mock.ws_url()
        ),
        format!("{}/ws/btcusdt@depth@100ms", mock.ws_url()),
    ] {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connects");
        let text = tokio::time::timeout(PATIENCE, async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) => return t.to_string(),
                    Some(Ok(_)) => {}
                    other => panic!("{url}: {other:?}"),
                }
            }
        })
        .await
        .expect("an event arrives");
        let event: Value = serde_json::from_str(&text).unwrap();
        let event = event.get("data").unwrap_or(&event);
        assert_eq!(event["e"], "depthUpdate", "{url}: {event}");
        assert_eq!(event["s"], "BTCUSDT");
    }
}
