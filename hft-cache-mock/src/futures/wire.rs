//! The JSON the futures mock answers with, in USD-M's shapes and field names (strings for
//! every decimal, milliseconds for times). Built with `serde_json::json!` so that each answer
//! reads field by field against the documentation it follows.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::account::{max_notional, Assessment, Order, Risk, BRACKETS, MAINT_MARGIN_RATE};
use super::engine::{MAX_NUM_ORDERS, MULTIPLIER_DOWN, MULTIPLIER_UP};
use super::market::{amount_str, price_str, FuturesMarket};

/// An order as `POST`/`DELETE /fapi/v1/order` answer it (`with_time` adds `time`, as
/// `GET /fapi/v1/order` and `openOrders` do).
pub(crate) fn order(o: &Order, with_time: bool) -> Value {
    let mut v = json!({
        "orderId": o.order_id,
        "symbol": o.symbol,
        "status": o.status.as_str(),
        "clientOrderId": o.client_order_id,
        "price": price_str(o.price),
        "avgPrice": price_str(o.avg_price()),
        "origQty": price_str(o.orig_qty),
        "executedQty": price_str(o.executed_qty),
        "cumQty": price_str(o.executed_qty),
        "cumQuote": price_str(o.cum_quote.round_dp(8)),
        "timeInForce": o.time_in_force.as_str(),
        "type": o.order_type.as_str(),
        "reduceOnly": o.reduce_only,
        "closePosition": false,
        "side": o.side.as_str(),
        "positionSide": "BOTH",
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": false,
        "origType": o.order_type.as_str(),
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "updateTime": o.update_time,
    });
    if with_time {
        v["time"] = json!(o.time);
    }
    v
}

/// One symbol of `GET /fapi/v1/exchangeInfo`.
pub(crate) fn symbol_info(m: &FuturesMarket, onboard: u64) -> Value {
    let s = &m.spec;
    let decimals = |d: Decimal| d.normalize().scale();
    json!({
        "symbol": s.symbol,
        "pair": s.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4_133_404_800_000_u64,
        "onboardDate": onboard,
        "status": s.status,
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": s.base,
        "quoteAsset": s.quote,
        "marginAsset": s.quote,
        "pricePrecision": decimals(s.tick_size),
        "quantityPrecision": decimals(s.step_size),
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": price_str(s.min_price),
                "maxPrice": price_str(s.max_price),
                "tickSize": price_str(s.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": price_str(s.min_qty),
                "maxQty": price_str(s.max_qty),
                "stepSize": price_str(s.step_size),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": price_str(s.min_qty),
                "maxQty": price_str(s.max_qty),
                "stepSize": price_str(s.step_size),
            },
            { "filterType": "MAX_NUM_ORDERS", "limit": MAX_NUM_ORDERS },
            { "filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10 },
            { "filterType": "MIN_NOTIONAL", "notional": price_str(s.min_notional) },
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": format!("{:.4}", MULTIPLIER_UP),
                "multiplierDown": format!("{:.4}", MULTIPLIER_DOWN),
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": ["LIMIT", "MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    })
}

/// One entry of `GET /fapi/v2/positionRisk` (one-way mode, cross margin).
pub(crate) fn position_risk(symbol: &str, r: &Risk) -> Value {
    json!({
        "symbol": symbol,
        "positionAmt": price_str(r.position.amount),
        "entryPrice": price_str(r.position.entry),
        "breakEvenPrice": price_str(r.position.entry),
        "markPrice": amount_str(r.mark),
        "unRealizedProfit": amount_str(r.unrealized),
        "liquidationPrice": price_str(r.liquidation_price),
        "leverage": r.leverage.to_string(),
        "maxNotionalValue": price_str(max_notional(r.leverage)),
        "marginType": "cross",
        "isolatedMargin": amount_str(Decimal::ZERO),
        "isAutoAddMargin": "false",
        "positionSide": "BOTH",
        "notional": amount_str(r.notional),
        "isolatedWallet": "0",
        "updateTime": r.position.update_time,
    })
}

/// One entry of `GET /fapi/v3/positionRisk` (only symbols with a position or open orders).
pub(crate) fn position_risk_v3(symbol: &str, r: &Risk) -> Value {
    json!({
        "symbol": symbol,
        "positionSide": "BOTH",
        "positionAmt": price_str(r.position.amount),
        "entryPrice": price_str(r.position.entry),
        "breakEvenPrice": price_str(r.position.entry),
        "markPrice": amount_str(r.mark),
        "unRealizedProfit": amount_str(r.unrealized),
        "liquidationPrice": price_str(r.liquidation_price),
        "isolatedMargin": "0",
        "notional": amount_str(r.notional),
        "marginAsset": "USDT",
        "isolatedWallet": "0",
        "initialMargin": amount_str(r.initial_margin.saturating_add(r.open_order_margin)),
        "maintMargin": amount_str(r.maint_margin),
        "positionInitialMargin": amount_str(r.initial_margin),
        "openOrderInitialMargin": amount_str(r.open_order_margin),
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": r.position.update_time,
    })
}

/// `GET /fapi/v2/balance`: the one margin asset, USDT.
pub(crate) fn balance(wallet: Decimal, a: &Assessment, update_time: u64) -> Value {
    json!([{
        "accountAlias": "mock",
        "asset": "USDT",
        "balance": amount_str(wallet),
        "crossWalletBalance": amount_str(wallet),
        "crossUnPnl": amount_str(a.unrealized),
        "availableBalance": amount_str(a.available),
        "maxWithdrawAmount": amount_str(a.available),
        "marginAvailable": true,
        "updateTime": update_time,
    }])
}

/// `GET /fapi/v2/account`.
pub(crate) fn account(wallet: Decimal, a: &Assessment, update_time: u64) -> Value {
    let positions: Vec<Value> = a
        .per_symbol
        .iter()
        .map(|(symbol, r)| {
            json!({
                "symbol": symbol,
                "initialMargin": amount_str(r.initial_margin.saturating_add(r.open_order_margin)),
                "maintMargin": amount_str(r.maint_margin),
                "unrealizedProfit": amount_str(r.unrealized),
                "positionInitialMargin": amount_str(r.initial_margin),
                "openOrderInitialMargin": amount_str(r.open_order_margin),
                "leverage": r.leverage.to_string(),
                "isolated": false,
                "entryPrice": price_str(r.position.entry),
                "breakEvenPrice": price_str(r.position.entry),
                "maxNotional": price_str(max_notional(r.leverage)),
                "bidNotional": "0",
                "askNotional": "0",
                "positionSide": "BOTH",
                "positionAmt": price_str(r.position.amount),
                "notional": amount_str(r.notional),
                "isolatedWallet": "0",
                "updateTime": r.position.update_time,
            })
        })
        .collect();
    let mut usdt = usdt_asset(wallet, a, update_time);
    usdt.insert("marginAvailable".into(), true.into());
    let mut body = totals(wallet, a);
    for (key, value) in [
        ("feeTier", json!(0)),
        ("feeBurn", json!(false)),
        ("canTrade", json!(true)),
        ("canDeposit", json!(true)),
        ("canWithdraw", json!(true)),
        ("updateTime", json!(0)),
        ("multiAssetsMargin", json!(false)),
        ("tradeGroupId", json!(-1)),
        ("assets", json!([usdt])),
        ("positions", json!(positions)),
    ] {
        body.insert(key.into(), value);
    }
    Value::Object(body)
}

/// The totals V2 and V3 of `GET /fapi/*/account` both give.
fn totals(wallet: Decimal, a: &Assessment) -> Map<String, Value> {
    let margin_balance = wallet.saturating_add(a.unrealized);
    let Value::Object(totals) = json!({
        "totalInitialMargin": amount_str(a.initial_margin),
        "totalMaintMargin": amount_str(a.maint_margin),
        "totalWalletBalance": amount_str(wallet),
        "totalUnrealizedProfit": amount_str(a.unrealized),
        "totalMarginBalance": amount_str(margin_balance),
        "totalPositionInitialMargin": amount_str(a.position_initial_margin),
        "totalOpenOrderInitialMargin": amount_str(a.open_order_margin),
        "totalCrossWalletBalance": amount_str(wallet),
        "totalCrossUnPnl": amount_str(a.unrealized),
        "availableBalance": amount_str(a.available),
        "maxWithdrawAmount": amount_str(a.available),
    }) else {
        unreachable!("an object literal")
    };
    totals
}

/// The USDT entry of `assets` V2 and V3 both give (V2 adds `marginAvailable`).
fn usdt_asset(wallet: Decimal, a: &Assessment, update_time: u64) -> Map<String, Value> {
    let margin_balance = wallet.saturating_add(a.unrealized);
    let Value::Object(asset) = json!({
        "asset": "USDT",
        "walletBalance": amount_str(wallet),
        "unrealizedProfit": amount_str(a.unrealized),
        "marginBalance": amount_str(margin_balance),
        "maintMargin": amount_str(a.maint_margin),
        "initialMargin": amount_str(a.initial_margin),
        "positionInitialMargin": amount_str(a.position_initial_margin),
        "openOrderInitialMargin": amount_str(a.open_order_margin),
        "crossWalletBalance": amount_str(wallet),
        "crossUnPnl": amount_str(a.unrealized),
        "availableBalance": amount_str(a.available),
        "maxWithdrawAmount": amount_str(a.available),
        "updateTime": update_time,
    }) else {
        unreachable!("an object literal")
    };
    asset
}

/// `GET /fapi/v3/account` (single-asset mode): the totals, the USDT asset, and only the
/// symbols with a position or open orders, without V2's leverage and entry fields.
pub(crate) fn account_v3(
    wallet: Decimal,
    a: &Assessment,
    update_time: u64,
    active: impl Fn(&str, &Risk) -> bool,
) -> Value {
    let positions: Vec<Value> = a
        .per_symbol
        .iter()
        .filter(|(symbol, r)| active(symbol, r))
        .map(|(symbol, r)| {
            json!({
                "symbol": symbol,
                "positionSide": "BOTH",
                "positionAmt": price_str(r.position.amount),
                "unrealizedProfit": amount_str(r.unrealized),
                "isolatedMargin": "0",
                "notional": amount_str(r.notional),
                "isolatedWallet": "0",
                "initialMargin": amount_str(r.initial_margin.saturating_add(r.open_order_margin)),
                "maintMargin": amount_str(r.maint_margin),
                "updateTime": r.position.update_time,
            })
        })
        .collect();
    let mut body = totals(wallet, a);
    body.insert("assets".into(), json!([usdt_asset(wallet, a, update_time)]));
    body.insert("positions".into(), json!(positions));
    Value::Object(body)
}

/// One symbol's entry of `GET /fapi/v1/leverageBracket`: every bracket of [`BRACKETS`].
pub(crate) fn leverage_brackets(symbol: &str) -> Value {
    let brackets: Vec<Value> = BRACKETS
        .iter()
        .map(|(bracket, initial, floor, cap)| {
            json!({
                "bracket": bracket,
                "initialLeverage": initial,
                "notionalCap": cap,
                "notionalFloor": floor,
                // A number, as the venue sends it (not a string like the other decimals).
                "maintMarginRatio": MAINT_MARGIN_RATE.to_f64(),
                "cum": 0,
            })
        })
        .collect();
    json!({ "symbol": symbol, "brackets": brackets })
}
