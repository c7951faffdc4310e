//! The Bybit mock as Bybit v5 documents it: `marketUnit` on spot market orders, the
//! wallet's `coin` filter, the documented fields, a chosen address, and hostile numbers
//! answered with Bybit's codes.

use std::net::SocketAddr;
use std::time::Duration;

use hft_cache_mock::bybit::BybitMock;
use hft_cache_mock::MockStartError;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use sha2::Sha256;

const KEY: &str = "bybit-key";
const SECRET: &str = "bybit-secret";

async fn bybit() -> BybitMock {
    BybitMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(10000))
        .balance("BTC", dec!(1))
        .balance("ETH", Decimal::ZERO)
        // A book that does not move on its own between a read and an order.
        .stream_interval(Duration::from_secs(3600))
        .start()
        .await
        .unwrap()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn sign(timestamp: &str, recv_window: &str, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}{KEY}{recv_window}{payload}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn answer(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("the mock answers");
    assert_eq!(response.status(), 200, "Bybit answers errors in HTTP 200");
    let bytes = response.bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn signed_get(ex: &BybitMock, path: &str, query: &str) -> Value {
    let ts = now_ms().to_string();
    answer(
        reqwest::Client::new()
            .get(format!("{}{path}?{query}", ex.http_url()))
            .header("X-BAPI-API-KEY", KEY)
            .header("X-BAPI-TIMESTAMP", &ts)
            .header("X-BAPI-RECV-WINDOW", "5000")
            .header("X-BAPI-SIGN", sign(&ts, "5000", query)),
    )
    .await
}

async fn signed_post(ex: &BybitMock, path: &str, body: &Value) -> Value {
    let ts = now_ms().to_string();
    let body = body.to_string();
    answer(
        reqwest::Client::new()
            .post(format!("{}{path}", ex.http_url()))
            .header("X-BAPI-API-KEY", KEY)
            .header("X-BAPI-TIMESTAMP", &ts)
            .header("X-BAPI-RECV-WINDOW", "5000")
            .header("X-BAPI-SIGN", sign(&ts, "5000", &body))
            .header("Content-Type", "application/json")
            .body(body),
    )
    .await
}

fn dec_of(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

/// `coin`'s wallet balance.
async fn wallet(ex: &BybitMock, coin: &str) -> Decimal {
    let w = signed_get(
        ex,
        "/v5/account/wallet-balance",
        &format!("accountType=UNIFIED&coin={coin}"),
    )
    .await;
    dec_of(&w["result"]["list"][0]["coin"][0]["walletBalance"])
}

fn market(side: &str, qty: &str, unit: Option<&str>) -> Value {
    let mut order = json!({
        "category": "spot", "symbol": "BTCUSDT", "side": side, "orderType": "Market", "qty": qty,
    });
    if let Some(unit) = unit {
        order["marketUnit"] = json!(unit);
    }
    order
}

#[tokio::test]
async fn spot_market_orders_count_qty_in_the_unit_marketunit_says() {
    let ex = bybit().await;
    let (bid, ask) = ex.best_bid_ask("BTCUSDT").unwrap();
    let step = dec!(0.000001);
    let floor = |x: Decimal| (x / step).floor() * step;

    // A market buy's qty is quote coin by default: 1200 USDT's worth of BTC at the ask.
    let placed = signed_post(&ex, "/v5/order/create", &market("Buy", "1200", None)).await;
    assert_eq!(placed["retCode"], 0, "{placed}");
    let bought = floor(dec!(1200) / ask);
    assert_eq!(wallet(&ex, "BTC").await, dec!(1) + bought);
    assert_eq!(wallet(&ex, "USDT").await, dec!(10000) - bought * ask);

    // marketUnit=baseCoin: qty is BTC.
    let placed = signed_post(
        &ex,
        "/v5/order/create",
        &market("Buy", "0.01", Some("baseCoin")),
    )
    .await;
    assert_eq!(placed["retCode"], 0, "{placed}");
    assert_eq!(wallet(&ex, "BTC").await, dec!(1.01) + bought);

    // A market sell's qty is base coin by default...
    let btc = wallet(&ex, "BTC").await;
    let usdt = wallet(&ex, "USDT").await;
    let placed = signed_post(&ex, "/v5/order/create", &market("Sell", "0.02", None)).await;
    assert_eq!(placed["retCode"], 0, "{placed}");
    assert_eq!(wallet(&ex, "BTC").await, btc - dec!(0.02));
    assert_eq!(wallet(&ex, "USDT").await, usdt + dec!(0.02) * bid);

    // ...and quote coin with marketUnit=quoteCoin: 600 USDT's worth of BTC at the bid.
    let placed = signed_post(
        &ex,
        "/v5/order/create",
        &market("Sell", "600", Some("quoteCoin")),
    )
    .await;
    assert_eq!(placed["retCode"], 0, "{placed}");
    assert_eq!(
        wallet(&ex, "BTC").await,
        btc - dec!(0.02) - floor(dec!(600) / bid)
    );

    // A market buy of 1 "BTC" by default is 1 USDT: below the minimum quantity.
    let tiny = signed_post(&ex, "/v5/order/create", &market("Buy", "1", None)).await;
    assert_eq!(tiny["retCode"], 170136, "{tiny}");
    // More quote than the balance holds.
    let broke = signed_post(&ex, "/v5/order/create", &market("Buy", "50000", None)).await;
    assert_eq!(broke["retCode"], 170131, "{broke}");
    let bad_unit = signed_post(&ex, "/v5/order/create", &market("Buy", "100", Some("usd"))).await;
    assert_eq!(bad_unit["retCode"], 10001, "{bad_unit}");
    // A quote amount has the quote coin's precision (8 decimals).
    let fine = signed_post(
        &ex,
        "/v5/order/create",
        &market("Buy", "100.000000001", None),
    )
    .await;
    assert_eq!(fine["retCode"], 170148, "{fine}");
    ex.shutdown().await;
}

#[tokio::test]
async fn wallet_balance_honours_coin_and_lists_only_what_the_account_holds() {
    let ex = bybit().await;
    let coins = |w: &Value| -> Vec<String> {
        w["result"]["list"][0]["coin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["coin"].as_str().unwrap().to_owned())
            .collect()
    };
    // No filter: the non-zero coins only (ETH is held at zero).
    let all = signed_get(&ex, "/v5/account/wallet-balance", "accountType=UNIFIED").await;
    assert_eq!(all["retCode"], 0, "{all}");
    assert_eq!(coins(&all), ["BTC", "USDT"]);
    let one = signed_get(
        &ex,
        "/v5/account/wallet-balance",
        "accountType=UNIFIED&coin=USDT",
    )
    .await;
    assert_eq!(coins(&one), ["USDT"]);
    assert_eq!(
        dec_of(&one["result"]["list"][0]["coin"][0]["walletBalance"]),
        dec!(10000)
    );
    let two = signed_get(
        &ex,
        "/v5/account/wallet-balance",
        "accountType=UNIFIED&coin=USDT,BTC",
    )
    .await;
    assert_eq!(coins(&two), ["USDT", "BTC"]);
    // A coin asked for by name comes back even at zero, as the docs' example (coin=BTC, "0").
    let none = signed_get(
        &ex,
        "/v5/account/wallet-balance",
        "accountType=UNIFIED&coin=SOL",
    )
    .await;
    assert_eq!(coins(&none), ["SOL"]);
    assert_eq!(
        dec_of(&none["result"]["list"][0]["coin"][0]["walletBalance"]),
        Decimal::ZERO
    );
    // A coin emptied by a sale leaves the unfiltered list.
    ex.set_balance("BTC", Decimal::ZERO);
    let after = signed_get(&ex, "/v5/account/wallet-balance", "accountType=UNIFIED").await;
    assert_eq!(coins(&after), ["USDT"]);

    // Field by field, the docs' response parameters.
    let account = &all["result"]["list"][0];
    for field in [
        "accountType",
        "accountIMRate",
        "accountMMRate",
        "totalEquity",
        "totalWalletBalance",
        "totalMarginBalance",
        "totalAvailableBalance",
        "totalPerpUPL",
        "totalInitialMargin",
        "totalMaintenanceMargin",
        "accountIMRateByMp",
        "accountMMRateByMp",
        "totalInitialMarginByMp",
        "totalMaintenanceMarginByMp",
        "accountLTV",
    ] {
        assert!(account[field].is_string(), "{field}: {account}");
    }
    let coin = &account["coin"][0];
    for field in [
        "coin",
        "equity",
        "usdValue",
        "walletBalance",
        "locked",
        "spotHedgingQty",
        "borrowAmount",
        "accruedInterest",
        "totalOrderIM",
        "totalPositionIM",
        "totalPositionMM",
        "unrealisedPnl",
        "cumRealisedPnl",
        "bonus",
        "spotBorrow",
        "colRes",
        "availableToWithdraw",
        "availableToBorrow",
    ] {
        assert!(coin[field].is_string(), "{field}: {coin}");
    }
    assert!(coin["marginCollateral"].is_boolean() && coin["collateralSwitch"].is_boolean());
    ex.shutdown().await;
}

#[tokio::test]
async fn the_documented_fields_of_instruments_orders_and_cancels() {
    let ex = bybit().await;
    let info = answer(reqwest::Client::new().get(format!(
        "{}/v5/market/instruments-info?category=spot&symbol=BTCUSDT",
        ex.http_url()
    )))
    .await;
    let btc = &info["result"]["list"][0];
    assert!(btc["symbolId"].is_u64(), "{btc}");
    for field in [
        "symbol",
        "baseCoin",
        "quoteCoin",
        "innovation",
        "symbolType",
        "status",
        "marginTrading",
        "stTag",
    ] {
        assert!(btc[field].is_string(), "{field}: {btc}");
    }
    for field in [
        "basePrecision",
        "quotePrecision",
        "minOrderQty",
        "maxOrderQty",
        "minOrderAmt",
        "maxOrderAmt",
        "maxLimitOrderQty",
        "maxMarketOrderQty",
        "postOnlyMaxLimitOrderSize",
    ] {
        dec_of(&btc["lotSizeFilter"][field]);
    }
    dec_of(&btc["priceFilter"]["tickSize"]);

    let book = answer(reqwest::Client::new().get(format!(
        "{}/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=1000",
        ex.http_url()
    )))
    .await;
    assert_eq!(book["retCode"], 0, "spot takes limit up to 1000: {book}");

    // Resting orders, in pages.
    for i in 0..3 {
        let placed = signed_post(
            &ex,
            "/v5/order/create",
            &json!({"category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
                    "qty": "0.001", "price": "30000", "orderLinkId": format!("rest-{i}")}),
        )
        .await;
        assert_eq!(placed["retCode"], 0, "{placed}");
    }
    let page = signed_get(
        &ex,
        "/v5/order/realtime",
        "category=spot&symbol=BTCUSDT&limit=2",
    )
    .await;
    assert_eq!(page["result"]["list"].as_array().unwrap().len(), 2);
    let cursor = page["result"]["nextPageCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!cursor.is_empty());
    let rest = signed_get(
        &ex,
        "/v5/order/realtime",
        &format!("category=spot&symbol=BTCUSDT&limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(rest["result"]["list"].as_array().unwrap().len(), 1);
    assert_eq!(rest["result"]["nextPageCursor"], "");
    let order = &page["result"]["list"][0];
    for field in [
        "orderId",
        "orderLinkId",
        "parentOrderLinkId",
        "blockTradeId",
        "symbol",
        "price",
        "qty",
        "side",
        "isLeverage",
        "orderStatus",
        "createType",
        "cancelType",
        "rejectReason",
        "avgPrice",
        "leavesQty",
        "leavesValue",
        "cumExecQty",
        "cumExecValue",
        "cumExecFee",
        "timeInForce",
        "orderType",
        "stopOrderType",
        "orderIv",
        "marketUnit",
        "triggerPrice",
        "takeProfit",
        "stopLoss",
        "tpslMode",
        "ocoTriggerBy",
        "tpLimitPrice",
        "slLimitPrice",
        "tpTriggerBy",
        "slTriggerBy",
        "triggerBy",
        "lastPriceOnCreated",
        "basePrice",
        "placeType",
        "smpType",
        "smpOrderId",
        "createdTime",
        "updatedTime",
    ] {
        assert!(order[field].is_string(), "{field}: {order}");
    }
    for field in ["positionIdx", "triggerDirection", "smpGroup"] {
        assert!(order[field].is_i64(), "{field}: {order}");
    }
    assert!(order["reduceOnly"].is_boolean() && order["cumFeeDetail"].is_object());

    // Cancel: one of the ids is required; given both, orderId decides.
    let neither = signed_post(
        &ex,
        "/v5/order/cancel",
        &json!({"category": "spot", "symbol": "BTCUSDT"}),
    )
    .await;
    assert_eq!(neither["retCode"], 10001, "{neither}");
    let first_id = page["result"]["list"][0]["orderId"].clone();
    let wrong_pair = signed_post(
        &ex,
        "/v5/order/cancel",
        &json!({"category": "spot", "symbol": "BTCUSDT", "orderId": "1", "orderLinkId": "rest-0"}),
    )
    .await;
    assert_eq!(wrong_pair["retCode"], 170213, "{wrong_pair}");
    let cancelled = signed_post(
        &ex,
        "/v5/order/cancel",
        &json!({"category": "spot", "symbol": "BTCUSDT", "orderId": first_id, "orderLinkId": "nope"}),
    )
    .await;
    assert_eq!(cancelled["retCode"], 0, "{cancelled}");
    assert_eq!(ex.open_order_count(), 2);

    // PostOnly: rests when it would not take, is cancelled at once when it would.
    let (_, ask) = ex.best_bid_ask("BTCUSDT").unwrap();
    let taking = signed_post(
        &ex,
        "/v5/order/create",
        &json!({"category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
                "qty": "0.001", "price": ask.to_string(), "timeInForce": "PostOnly"}),
    )
    .await;
    assert_eq!(taking["retCode"], 0, "{taking}");
    assert_eq!(ex.open_order_count(), 2);
    let making = signed_post(
        &ex,
        "/v5/order/create",
        &json!({"category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
                "qty": "0.001", "price": "30000", "timeInForce": "PostOnly"}),
    )
    .await;
    assert_eq!(making["retCode"], 0, "{making}");
    assert_eq!(ex.open_order_count(), 3);
    ex.shutdown().await;
}

#[tokio::test]
async fn hostile_numbers_get_bybits_codes_and_the_mock_keeps_serving() {
    let ex = bybit().await;
    let limit = |qty: &str, price: &str| {
        json!({"category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
               "qty": qty, "price": price})
    };
    let decimal_max = "79228162514264337593543950335";
    let cases = [
        ("qty Decimal::MAX", limit(decimal_max, "50000"), 170381),
        (
            "qty past Decimal",
            limit("79228162514264337593543950336", "50000"),
            170130,
        ),
        ("price Decimal::MAX", limit("0.01", decimal_max), 170124),
        ("price × qty overflows", limit("9999", decimal_max), 170124),
        ("negative qty", limit("-1", "50000"), 170130),
        ("exponent", limit("1e3", "50000"), 170130),
        (
            "not a string",
            json!({"category": "spot", "symbol": "BTCUSDT", "side": "Buy",
                                "orderType": "Limit", "qty": 1, "price": "50000"}),
            170130,
        ),
        (
            "many decimals",
            limit("0.0000000000000000000000000001", "50000"),
            170137,
        ),
        (
            "quote Decimal::MAX",
            market("Buy", decimal_max, None),
            170124,
        ),
        (
            "base Decimal::MAX",
            market("Sell", decimal_max, None),
            170381,
        ),
        (
            "quote past the book",
            market("Sell", decimal_max, Some("quoteCoin")),
            170124,
        ),
        (
            "bad orderLinkId",
            json!({"category": "spot", "symbol": "BTCUSDT", "side": "Buy",
                                   "orderType": "Limit", "qty": "0.001", "price": "50000",
                                   "orderLinkId": "x".repeat(37)}),
            170130,
        ),
    ];
    for (case, order, code) in cases {
        let answer = signed_post(&ex, "/v5/order/create", &order).await;
        assert_eq!(answer["retCode"], code, "{case}: {answer}");
    }
    // A hostile receive window or timestamp in the signed headers.
    for (ts, window) in [
        (now_ms().to_string(), i64::MAX.to_string()),
        (i64::MAX.to_string(), "5000".to_owned()),
        (i64::MIN.to_string(), "5000".to_owned()),
    ] {
        let answered = answer(
            reqwest::Client::new()
                .get(format!(
                    "{}/v5/account/wallet-balance?accountType=UNIFIED",
                    ex.http_url()
                ))
                .header("X-BAPI-API-KEY", KEY)
                .header("X-BAPI-TIMESTAMP", &ts)
                .header("X-BAPI-RECV-WINDOW", &window)
                .header("X-BAPI-SIGN", sign(&ts, &window, "accountType=UNIFIED")),
        )
        .await;
        assert!(answered["retCode"].is_i64(), "{answered}");
    }
    // Still whole.
    assert_eq!(wallet(&ex, "USDT").await, dec!(10000));
    ex.shutdown().await;
}

#[tokio::test]
async fn bybit_mock_binds_the_address_it_is_given() {
    // A port known free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let ex = BybitMock::builder().bind(addr).start().await.unwrap();
    assert_eq!(ex.local_addr(), addr);
    assert_eq!(ex.http_url(), format!("http://{addr}"));
    let time =
        answer(reqwest::Client::new().get(format!("{}/v5/market/time", ex.http_url()))).await;
    assert_eq!(time["retCode"], 0);

    // The same address twice: the second is refused with the address in the error.
    let taken = BybitMock::builder().bind(addr).start().await.unwrap_err();
    assert!(
        matches!(taken, MockStartError::Bind { addr: a, .. } if a == addr),
        "{taken}"
    );
    ex.shutdown().await;
}
