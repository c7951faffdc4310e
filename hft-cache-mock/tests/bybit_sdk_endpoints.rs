//! The Bybit mock's endpoints that exchange SDKs (ccxt's `bybit`) call before and around
//! trading, as Bybit v5 documents them: the API key's description (`GET /v5/user/query-api`),
//! the account's mode (`GET /v5/account/info`), coin info (`GET /v5/asset/coin/query-info`),
//! and closed orders: `GET /v5/order/realtime?openOnly=1` and `GET /v5/order/history`.

use std::time::Duration;

use hft_cache_mock::bybit::BybitMock;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use sha2::Sha256;

const KEY: &str = "bybit-sdk-key";
const SECRET: &str = "bybit-sdk-secret";

async fn bybit() -> BybitMock {
    BybitMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .symbol("ETHUSDT", "ETH", "USDT", dec!(3000))
        .balance("USDT", dec!(100000))
        .balance("BTC", dec!(1))
        // A book that does not move on its own between a read and an order.
        .stream_interval(Duration::from_secs(3600))
        .start()
        .await
        .unwrap()
}

fn headers(request: reqwest::RequestBuilder, payload: &str) -> reqwest::RequestBuilder {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}{KEY}5000{payload}").as_bytes());
    request
        .header("X-BAPI-API-KEY", KEY)
        .header("X-BAPI-TIMESTAMP", &ts)
        .header("X-BAPI-RECV-WINDOW", "5000")
        .header("X-BAPI-SIGN", hex::encode(mac.finalize().into_bytes()))
}

async fn answer(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("the mock answers");
    assert_eq!(response.status(), 200, "Bybit answers errors in HTTP 200");
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

async fn get(ex: &BybitMock, path: &str, query: &str) -> Value {
    let url = format!("{}{path}?{query}", ex.http_url());
    answer(headers(reqwest::Client::new().get(url), query)).await
}

async fn post(ex: &BybitMock, path: &str, body: &Value) -> Value {
    let body = body.to_string();
    let request = reqwest::Client::new()
        .post(format!("{}{path}", ex.http_url()))
        .header("Content-Type", "application/json")
        .body(body.clone());
    answer(headers(request, &body)).await
}

fn ok(answer: &Value) -> &Value {
    assert_eq!(answer["retCode"], 0, "{answer}");
    &answer["result"]
}

fn dec_of(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_key_the_account_and_the_coins_describe_a_unified_master_account() {
    let ex = bybit().await;
    let key = get(&ex, "/v5/user/query-api", "").await;
    let key = ok(&key);
    assert_eq!(key["apiKey"], KEY);
    assert_eq!(
        (key["uta"].as_i64(), key["unified"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(key["readOnly"], 0);
    assert_eq!(key["isMaster"], true);
    assert_eq!(key["permissions"]["Spot"], json!(["SpotTrade"]));

    let account = get(&ex, "/v5/account/info", "").await;
    let account = ok(&account);
    assert_eq!(account["unifiedMarginStatus"], 5, "UTA 2.0");
    assert_eq!(account["marginMode"], "REGULAR_MARGIN");

    let coins = get(&ex, "/v5/asset/coin/query-info", "").await;
    let names: Vec<&str> = ok(&coins)["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["coin"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["BTC", "ETH", "USDT"],
        "every listed instrument's coins"
    );
    let eth = get(&ex, "/v5/asset/coin/query-info", "coin=ETH").await;
    let rows = ok(&eth)["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["chains"][0]["chainDeposit"], "1");

    // A bad key is refused on these too.
    let refused = answer(
        reqwest::Client::new()
            .get(format!("{}/v5/account/info", ex.http_url()))
            .header("X-BAPI-API-KEY", "nope"),
    )
    .await;
    assert_eq!(refused["retCode"], 10003);
}

#[tokio::test]
async fn closed_orders_are_listed_by_openonly_1_and_by_history_newest_first() {
    let ex = bybit().await;
    let (bid, _) = ex.best_bid_ask("BTCUSDT").unwrap();
    let place = |body: Value| {
        let ex = &ex;
        async move {
            let placed = post(ex, "/v5/order/create", &body).await;
            ok(&placed)["orderId"].as_str().unwrap().to_owned()
        }
    };
    let limit = |price: Decimal, link: &str| {
        json!({"category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
               "qty": "0.01", "price": price.to_string(), "orderLinkId": link})
    };
    let resting = place(limit(bid - dec!(500), "rest-1")).await;
    let sold = place(
        json!({"category": "spot", "symbol": "BTCUSDT", "side": "Sell",
                            "orderType": "Market", "qty": "0.02"}),
    )
    .await;
    let mut ioc = limit(bid - dec!(600), "ioc-1");
    ioc["timeInForce"] = json!("IOC");
    let killed = place(ioc).await;
    let cancel = json!({"category": "spot", "symbol": "BTCUSDT", "orderId": resting});
    ok(&post(&ex, "/v5/order/cancel", &cancel).await);

    // Open only by default: nothing is open now.
    let open = get(&ex, "/v5/order/realtime", "category=spot").await;
    assert_eq!(ok(&open)["list"], json!([]));

    let closed = get(&ex, "/v5/order/realtime", "category=spot&openOnly=1").await;
    let list = ok(&closed)["list"].as_array().unwrap();
    let ids: Vec<&str> = list
        .iter()
        .map(|o| o["orderId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [resting.as_str(), killed.as_str(), sold.as_str()],
        "newest first"
    );
    let by_id = |id: &str| list.iter().find(|o| o["orderId"] == id).unwrap();

    let cancelled = by_id(&resting);
    assert_eq!(cancelled["orderStatus"], "Cancelled");
    assert_eq!(cancelled["cancelType"], "CancelByUser");
    assert_eq!(dec_of(&cancelled["cumExecQty"]), Decimal::ZERO);
    assert_eq!(cancelled["orderLinkId"], "rest-1");

    let market = by_id(&sold);
    assert_eq!(market["orderStatus"], "Filled");
    assert_eq!(market["orderType"], "Market");
    assert_eq!(market["marketUnit"], "baseCoin");
    assert_eq!(dec_of(&market["cumExecQty"]), dec!(0.02));
    assert_eq!(dec_of(&market["leavesQty"]), Decimal::ZERO);
    let avg = dec_of(&market["avgPrice"]);
    assert_eq!(dec_of(&market["cumExecValue"]), avg * dec!(0.02));
    assert_eq!(avg, bid, "a market sell fills at the best bid");

    let unfilled = by_id(&killed);
    assert_eq!(unfilled["orderStatus"], "Cancelled");
    assert_eq!(unfilled["rejectReason"], "EC_NoImmediateQtyToFill");

    // History: the same closed orders, filtered by status, id or link id, paged.
    let filled = get(&ex, "/v5/order/history", "category=spot&orderStatus=Filled").await;
    let filled = ok(&filled)["list"].as_array().unwrap();
    assert_eq!(filled.len(), 1);
    assert_eq!(filled[0]["orderId"], sold.as_str());
    let by_link = get(&ex, "/v5/order/history", "category=spot&orderLinkId=ioc-1").await;
    assert_eq!(ok(&by_link)["list"][0]["orderId"], killed.as_str());
    let page = get(&ex, "/v5/order/history", "category=spot&limit=2").await;
    let page = ok(&page);
    assert_eq!(page["list"].as_array().unwrap().len(), 2);
    let next = page["nextPageCursor"].as_str().unwrap().to_owned();
    let rest = get(
        &ex,
        "/v5/order/history",
        &format!("category=spot&limit=2&cursor={next}"),
    )
    .await;
    let rest = ok(&rest);
    assert_eq!(rest["list"][0]["orderId"], sold.as_str());
    assert_eq!(rest["nextPageCursor"], "");

    let bad = get(&ex, "/v5/order/realtime", "category=spot&openOnly=2").await;
    assert_eq!(
        bad["retCode"], 10001,
        "openOnly 2 is for classic accounts: {bad}"
    );
}
