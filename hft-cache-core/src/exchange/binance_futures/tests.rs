//! The USD-M docs' example answers, decoded as published (their `//` comments removed, and
//! one stray comma of the position example's `"notional": "0",,` left out: it is not JSON).

use rust_decimal_macros::dec;

use super::*;
use crate::exchange::binance::OrderStatus;

/// "New Order (TRADE)", `POST /fapi/v1/order`, response example.
const NEW_ORDER: &str = r#"{
    "clientOrderId": "testOrder",
    "cumQty": "0",
    "cumQuote": "0",
    "executedQty": "0",
    "orderId": 22542179,
    "avgPrice": "0.00000",
    "origQty": "10",
    "price": "0",
    "reduceOnly": false,
    "side": "BUY",
    "positionSide": "SHORT",
    "status": "NEW",
    "stopPrice": "9300",
    "closePosition": false,
    "symbol": "BTCUSDT",
    "timeInForce": "GTD",
    "type": "TRAILING_STOP_MARKET",
    "origType": "TRAILING_STOP_MARKET",
    "activatePrice": "9020",
    "priceRate": "0.3",
    "updateTime": 1566818724722,
    "workingType": "CONTRACT_PRICE",
    "priceProtect": false,
    "priceMatch": "NONE",
    "selfTradePreventionMode": "NONE",
    "goodTillDate": 1693207680000
}"#;

/// "Query Order (USER_DATA)", `GET /fapi/v1/order`, response example.
const QUERY_ORDER: &str = r#"{
    "avgPrice": "0.00000",
    "clientOrderId": "abc",
    "cumQuote": "0",
    "executedQty": "0",
    "orderId": 1917641,
    "origQty": "0.40",
    "origType": "TRAILING_STOP_MARKET",
    "price": "0",
    "reduceOnly": false,
    "side": "BUY",
    "positionSide": "SHORT",
    "status": "NEW",
    "stopPrice": "9300",
    "closePosition": false,
    "symbol": "BTCUSDT",
    "time": 1579276756075,
    "timeInForce": "GTC",
    "type": "TRAILING_STOP_MARKET",
    "activatePrice": "9020",
    "priceRate": "0.3",
    "updateTime": 1579276756075,
    "workingType": "CONTRACT_PRICE",
    "priceProtect": false,
    "priceMatch": "NONE",
    "selfTradePreventionMode": "NONE",
    "goodTillDate": 0
}"#;

/// "Position Information V2 (USER_DATA)", `GET /fapi/v2/positionRisk`, one-way mode.
const POSITIONS_ONE_WAY: &str = r#"[
    {
        "entryPrice": "0.00000",
        "breakEvenPrice": "0.0",
        "marginType": "isolated",
        "isAutoAddMargin": "false",
        "isolatedMargin": "0.00000000",
        "leverage": "10",
        "liquidationPrice": "0",
        "markPrice": "6679.50671178",
        "maxNotionalValue": "20000000",
        "positionAmt": "0.000",
        "notional": "0",
        "isolatedWallet": "0",
        "symbol": "BTCUSDT",
        "unRealizedProfit": "0.00000000",
        "positionSide": "BOTH",
        "updateTime": 0
    }
]"#;

/// The same page, hedge mode.
const POSITIONS_HEDGE: &str = r#"[
    {
        "symbol": "BTCUSDT",
        "positionAmt": "0.001",
        "entryPrice": "22185.2",
        "breakEvenPrice": "0.0",
        "markPrice": "21123.05052574",
        "unRealizedProfit": "-1.06214947",
        "liquidationPrice": "19731.45529116",
        "leverage": "4",
        "maxNotionalValue": "100000000",
        "marginType": "cross",
        "isolatedMargin": "0.00000000",
        "isAutoAddMargin": "false",
        "positionSide": "LONG",
        "notional": "21.12305052",
        "isolatedWallet": "0",
        "updateTime": 1655217461579
    },
    {
        "symbol": "BTCUSDT",
        "positionAmt": "0.000",
        "entryPrice": "0.0",
        "breakEvenPrice": "0.0",
        "markPrice": "21123.05052574",
        "unRealizedProfit": "0.00000000",
        "liquidationPrice": "0",
        "leverage": "4",
        "maxNotionalValue": "100000000",
        "marginType": "cross",
        "isolatedMargin": "0.00000000",
        "isAutoAddMargin": "false",
        "positionSide": "SHORT",
        "notional": "0",
        "isolatedWallet": "0",
        "updateTime": 0
    }
]"#;

/// "Account Information V2 (USER_DATA)", `GET /fapi/v2/account`, single-asset mode.
const ACCOUNT: &str = r#"{
    "feeTier": 0,
    "feeBurn": true,
    "canTrade": true,
    "canDeposit": true,
    "canWithdraw": true,
    "updateTime": 0,
    "multiAssetsMargin": false,
    "tradeGroupId": -1,
    "totalInitialMargin": "0.00000000",
    "totalMaintMargin": "0.00000000",
    "totalWalletBalance": "23.72469206",
    "totalUnrealizedProfit": "0.00000000",
    "totalMarginBalance": "23.72469206",
    "totalPositionInitialMargin": "0.00000000",
    "totalOpenOrderInitialMargin": "0.00000000",
    "totalCrossWalletBalance": "23.72469206",
    "totalCrossUnPnl": "0.00000000",
    "availableBalance": "23.72469206",
    "maxWithdrawAmount": "23.72469206",
    "assets": [
        {
            "asset": "USDT",
            "walletBalance": "23.72469206",
            "unrealizedProfit": "0.00000000",
            "marginBalance": "23.72469206",
            "maintMargin": "0.00000000",
            "initialMargin": "0.00000000",
            "positionInitialMargin": "0.00000000",
            "openOrderInitialMargin": "0.00000000",
            "crossWalletBalance": "23.72469206",
            "crossUnPnl": "0.00000000",
            "availableBalance": "23.72469206",
            "maxWithdrawAmount": "23.72469206",
            "marginAvailable": true,
            "updateTime": 1625474304765
        }
    ],
    "positions": [
        {
            "symbol": "BTCUSDT",
            "initialMargin": "0",
            "maintMargin": "0",
            "unrealizedProfit": "0.00000000",
            "positionInitialMargin": "0",
            "openOrderInitialMargin": "0",
            "leverage": "100",
            "isolated": true,
            "entryPrice": "0.00000",
            "breakEvenPrice": "0.0",
            "maxNotional": "250000",
            "bidNotional": "0",
            "askNotional": "0",
            "positionSide": "BOTH",
            "positionAmt": "0",
            "updateTime": 0
        }
    ]
}"#;

/// "Exchange Information", `GET /fapi/v1/exchangeInfo`, response example.
const EXCHANGE_INFO: &str = r#"{
    "exchangeFilters": [],
    "rateLimits": [
        {"interval": "MINUTE", "intervalNum": 1, "limit": 2400, "rateLimitType": "REQUEST_WEIGHT"},
        {"interval": "MINUTE", "intervalNum": 1, "limit": 1200, "rateLimitType": "ORDERS"}
    ],
    "serverTime": 1565613908500,
    "assets": [
        {"asset": "BUSD", "marginAvailable": true, "autoAssetExchange": 0},
        {"asset": "USDT", "marginAvailable": true, "autoAssetExchange": 0},
        {"asset": "BNB", "marginAvailable": false, "autoAssetExchange": null}
    ],
    "symbols": [
        {
            "symbol": "BLZUSDT",
            "pair": "BLZUSDT",
            "contractType": "PERPETUAL",
            "deliveryDate": 4133404800000,
            "onboardDate": 1598252400000,
            "status": "TRADING",
            "maintMarginPercent": "2.5000",
            "requiredMarginPercent": "5.0000",
            "baseAsset": "BLZ",
            "quoteAsset": "USDT",
            "marginAsset": "USDT",
            "pricePrecision": 5,
            "quantityPrecision": 0,
            "baseAssetPrecision": 8,
            "quotePrecision": 8,
            "underlyingType": "COIN",
            "underlyingSubType": ["STORAGE"],
            "settlePlan": 0,
            "triggerProtect": "0.15",
            "filters": [
                {"filterType": "PRICE_FILTER", "maxPrice": "300", "minPrice": "0.0001", "tickSize": "0.0001"},
                {"filterType": "LOT_SIZE", "maxQty": "10000000", "minQty": "1", "stepSize": "1"},
                {"filterType": "MARKET_LOT_SIZE", "maxQty": "590119", "minQty": "1", "stepSize": "1"},
                {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                {"filterType": "MIN_NOTIONAL", "notional": "5.0"},
                {"filterType": "PERCENT_PRICE", "multiplierUp": "1.1500", "multiplierDown": "0.8500", "multiplierDecimal": 4}
            ],
            "OrderType": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
            "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
            "liquidationFee": "0.010000",
            "marketTakeBound": "0.30"
        }
    ],
    "timezone": "UTC"
}"#;

#[test]
fn new_order_answer() {
    let order: FuturesOrder = serde_json::from_str(NEW_ORDER).unwrap();
    assert_eq!(order.order_id, 22542179);
    assert_eq!(order.order_type, FuturesOrderType::TrailingStopMarket);
    assert_eq!(order.time_in_force, FuturesTimeInForce::Gtd);
    assert_eq!(order.position_side, PositionSide::Short);
    assert_eq!(order.status, OrderStatus::New);
    assert_eq!(order.cum_qty, Some(dec!(0)));
    assert_eq!(order.stop_price, Some(dec!(9300)));
    assert_eq!(order.price_rate, Some(dec!(0.3)));
    assert_eq!(order.good_till_date, Some(1693207680000));
    let record = order.record();
    assert_eq!(record.order_id, "22542179");
    assert_eq!(record.price, None); // price 0: no limit
    assert_eq!(record.quantity_left, dec!(10));
}

#[test]
fn query_order_answer() {
    let order: FuturesOrder = serde_json::from_str(QUERY_ORDER).unwrap();
    assert_eq!((order.order_id, order.time), (1917641, Some(1579276756075)));
    assert_eq!(order.cum_qty, None);
    assert_eq!(order.filled(), None); // still open
    let open: FuturesOpenOrders = serde_json::from_str(&format!("[{QUERY_ORDER}]")).unwrap();
    assert_eq!(open.orders()[0].client_order_id.as_deref(), Some("abc"));
}

#[test]
fn positions_one_way_and_hedge() {
    let one_way: Positions = serde_json::from_str(POSITIONS_ONE_WAY).unwrap();
    let btc = one_way.get("BTCUSDT").unwrap();
    assert_eq!(btc.leverage, 10);
    assert_eq!(btc.position_side, PositionSide::Both);
    assert_eq!(btc.mark_price, dec!(6679.50671178));
    assert_eq!(one_way.open().count(), 0);

    let hedge: Positions = serde_json::from_str(POSITIONS_HEDGE).unwrap();
    let long = hedge.open().next().unwrap();
    assert_eq!(long.position_side, PositionSide::Long);
    assert_eq!(long.unrealized_profit, dec!(-1.06214947));
    assert_eq!(long.liquidation_price, dec!(19731.45529116));
    assert_eq!(long.entry_price, dec!(22185.2));
    assert_eq!(long.update_time, 1655217461579);
}

#[test]
fn account_answer() {
    let account: FuturesAccount = serde_json::from_str(ACCOUNT).unwrap();
    assert_eq!(account.total_wallet_balance, dec!(23.72469206));
    assert_eq!(account.assets[0].asset, "USDT");
    assert_eq!(account.positions[0].leverage, 100);
    assert!(account.positions[0].isolated);
}

#[test]
fn exchange_info_and_rules() {
    let info: FuturesExchangeInfo = serde_json::from_str(EXCHANGE_INFO).unwrap();
    let blz = info.symbol("BLZUSDT").unwrap();
    assert_eq!(blz.tick_size(), Some(dec!(0.0001)));
    assert_eq!(blz.step_size(), Some(dec!(1)));
    assert_eq!(blz.order_types.len(), 7);
    assert!(blz.filters.contains(&FuturesSymbolFilter::MinNotional {
        notional: dec!(5.0)
    }));
    assert!(blz.filters.contains(&FuturesSymbolFilter::PercentPrice {
        multiplier_up: dec!(1.15),
        multiplier_down: dec!(0.85),
        multiplier_decimal: 4,
    }));
    let rules = crate::pre_trade::TradingRules::from_binance_futures(blz);
    assert_eq!(rules.lot.unwrap().max, dec!(10000000));
    assert_eq!(rules.market_lot.unwrap().max, dec!(590119));
    assert_eq!(rules.notional.unwrap().min, dec!(5));
    assert_eq!(rules.max_open_orders, Some(200));
    let throttle = crate::pre_trade::Throttle::from_binance_futures(&info).unwrap();
    assert_eq!(throttle.per(), std::time::Duration::from_secs(60));
    assert_eq!(info.assets[2].auto_asset_exchange, None);
}

#[test]
fn cancel_all_and_countdown_answers() {
    let done: FuturesCancelAll = serde_json::from_str(
        r#"{"code": 200, "msg": "The operation of cancel all open order is done."}"#,
    )
    .unwrap();
    assert_eq!(done.code, 200);
    assert!(!done.names_orders());
    assert!(done.cancelled_ids().is_empty());
    // "Auto-Cancel All Open Orders (TRADE)" response example: the countdown is text.
    let armed: CountdownArmed =
        serde_json::from_str(r#"{"symbol": "BTCUSDT", "countdownTime": "100000"}"#).unwrap();
    assert_eq!(armed.countdown_time, 100_000);
    let armed: CountdownArmed =
        serde_json::from_str(r#"{"symbol": "BTCUSDT", "countdownTime": 0}"#).unwrap();
    assert_eq!(armed.countdown_time, 0);
}

#[test]
fn venue_calls() {
    let venue = BinanceFutures;
    let arm = venue.arm("BTCUSDT", Duration::from_secs(120));
    assert_eq!(
        (arm.method, arm.path),
        (Method::POST, "/fapi/v1/countdownCancelAll")
    );
    assert_eq!(arm.params["countdownTime"], "120000");
    assert_eq!(venue.disarm("BTCUSDT").params["countdownTime"], "0");
    // A zero countdown would stop the timer: arming always asks for at least 1 ms.
    assert_eq!(
        venue.arm("BTCUSDT", Duration::ZERO).params["countdownTime"],
        "1"
    );
    assert!(venue.places_order(&Method::PUT, "/fapi/v1/order"));
    assert!(!venue.places_order(&Method::POST, "/fapi/v1/leverage"));
    assert!(!venue.places_order(&Method::DELETE, "/fapi/v1/allOpenOrders"));
    assert_eq!(
        venue.classify(400, Some(-2011), false),
        ExchangeErrorKind::UnknownOrder
    );
    assert_eq!(
        venue.classify(400, Some(-4164), true),
        ExchangeErrorKind::OrderRejected
    );
    assert_eq!(
        venue.classify(400, Some(-4014), true),
        ExchangeErrorKind::InvalidParameter
    );
    assert_eq!(
        venue.classify(503, None, false),
        ExchangeErrorKind::Unavailable
    );
    assert_eq!(venue.name(), "binance-futures");
    let fields = venue.order_fields("/fapi/v1/order").unwrap();
    assert_eq!(fields.client_order_id, "newClientOrderId");
    assert!(venue.order_fields("/fapi/v1/batchOrders").is_none());
}

#[test]
fn paper_answer_decodes_as_an_order() {
    let fills = [(dec!(100), dec!(0.5)), (dec!(101), dec!(0.5))];
    let fill = PaperFill {
        symbol: "BTCUSDT",
        side: "BUY",
        order_type: "MARKET",
        time_in_force: None,
        price: None,
        quantity: dec!(1),
        client_order_id: Some("paper-1"),
        executed: dec!(1),
        quote: dec!(100.5),
        status: PaperStatus::Filled,
        fills: &fills,
        at_unix_ms: 1,
    };
    let answer = BinanceFutures.paper_answer(&fill).unwrap();
    let order: FuturesOrder = serde_json::from_value(answer).unwrap();
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(order.avg_price, dec!(100.5));
    assert_eq!(order.order_id, 0);
}
