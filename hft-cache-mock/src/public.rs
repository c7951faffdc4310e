//! Public REST endpoints: ping, server time, exchange info and the depth snapshot.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;

use super::api_error::ApiError;
use super::market::Market;
use super::state::AppState;
use super::wire;

/// Binance's default depth limit, and its largest.
const DEFAULT_DEPTH_LIMIT: usize = 100;
const MAX_DEPTH_LIMIT: usize = 5000;

/// `GET /api/v3/ping`.
pub(crate) async fn ping() -> Json<serde_json::Value> {
    Json(serde_json::json!({}))
}

/// `GET /api/v3/time`.
pub(crate) async fn time() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "serverTime": wire::now_ms() }))
}

/// `GET /api/v3/depth?symbol=BTCUSDT&limit=100`.
pub(crate) async fn depth(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<wire::DepthSnapshot>, ApiError> {
    let symbol = params
        .get("symbol")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing_param("symbol"))?;
    let market = state.market(symbol)?;
    let limit = match params.get("limit") {
        None => DEFAULT_DEPTH_LIMIT,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::illegal_param("limit"))?
            .min(MAX_DEPTH_LIMIT),
    };
    Ok(Json(market.snapshot(limit)))
}

/// `GET /api/v3/exchangeInfo`, optionally `?symbol=BTCUSDT` or `?symbols=["BTCUSDT","ETHUSDT"]`.
pub(crate) async fn exchange_info(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<wire::ExchangeInfo>, ApiError> {
    let wanted: Option<Vec<String>> = match (params.get("symbol"), params.get("symbols")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                -1128,
                "Combination of optional parameters invalid.",
            ))
        }
        (Some(one), None) => Some(vec![one.clone()]),
        (None, Some(list)) => Some(
            serde_json::from_str::<Vec<String>>(list)
                .map_err(|_| ApiError::illegal_param("symbols"))?,
        ),
        (None, None) => None,
    };
    let markets: Vec<&Market> = match wanted {
        None => state.markets.values().map(|m| &**m).collect(),
        Some(list) => list
            .iter()
            .map(|s| state.market(s).map(|m| &**m))
            .collect::<Result<_, _>>()?,
    };
    Ok(Json(wire::ExchangeInfo {
        timezone: "UTC",
        server_time: wire::now_ms(),
        rate_limits: rate_limits(state.limits.weight_limit),
        exchange_filters: Vec::new(),
        symbols: markets.into_iter().map(symbol_info).collect(),
    }))
}

fn rate_limits(weight_limit: u32) -> Vec<wire::RateLimit> {
    let limit = |rate_limit_type, interval, interval_num, limit| wire::RateLimit {
        rate_limit_type,
        interval,
        interval_num,
        limit,
    };
    vec![
        limit("REQUEST_WEIGHT", "MINUTE", 1, weight_limit),
        limit("ORDERS", "SECOND", 10, 100),
        limit("ORDERS", "DAY", 1, 200_000),
        limit("RAW_REQUESTS", "MINUTE", 5, 61_000),
    ]
}

fn symbol_info(market: &Market) -> wire::SymbolInfo {
    let s = &market.spec;
    wire::SymbolInfo {
        symbol: s.symbol.clone(),
        status: s.status.clone(),
        base_asset: s.base.clone(),
        base_asset_precision: 8,
        quote_asset: s.quote.clone(),
        quote_precision: 8,
        quote_asset_precision: 8,
        base_commission_precision: 8,
        quote_commission_precision: 8,
        order_types: vec!["LIMIT", "LIMIT_MAKER", "MARKET"],
        iceberg_allowed: false,
        oco_allowed: false,
        oto_allowed: false,
        quote_order_qty_market_allowed: true,
        allow_trailing_stop: false,
        cancel_replace_allowed: false,
        is_spot_trading_allowed: true,
        is_margin_trading_allowed: false,
        filters: vec![
            wire::Filter::Price {
                min_price: wire::dec(s.min_price),
                max_price: wire::dec(s.max_price),
                tick_size: wire::dec(s.tick_size),
            },
            wire::Filter::LotSize {
                min_qty: wire::dec(s.min_qty),
                max_qty: wire::dec(s.max_qty),
                step_size: wire::dec(s.step_size),
            },
            wire::Filter::Notional {
                min_notional: wire::dec(s.min_notional),
                apply_min_to_market: true,
                max_notional: wire::dec(s.max_notional),
                apply_max_to_market: false,
                avg_price_mins: 5,
            },
        ],
        permissions: Vec::new(),
        permission_sets: vec![vec!["SPOT"]],
        default_self_trade_prevention_mode: "EXPIRE_MAKER",
        allowed_self_trade_prevention_modes: vec![
            "NONE",
            "EXPIRE_TAKER",
            "EXPIRE_MAKER",
            "EXPIRE_BOTH",
        ],
    }
}
