//! Public market-data endpoints beyond the depth snapshot: tickers, trades, klines and the
//! average price, all computed from the same book and trade history the streams publish.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rust_decimal::Decimal;

use super::api_error::ApiError;
use super::market::Market;
use super::state::{AppState, Shared};
use super::trades::KlineInterval;
use super::wire;

type Params = HashMap<String, String>;

/// Binance's default and largest page sizes for trades and klines.
const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = 1000;
/// The window of `avgPrice`, in minutes.
const AVG_PRICE_MINS: u64 = 5;

fn symbol_param<'a>(state: &'a Shared, params: &Params) -> Result<&'a Market, ApiError> {
    let symbol = params
        .get("symbol")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing_param("symbol"))?;
    state.market(symbol).map(|m| &**m)
}

fn number(params: &Params, name: &str) -> Result<Option<u64>, ApiError> {
    params
        .get(name)
        .filter(|v| !v.is_empty())
        .map(|raw| {
            raw.parse::<u64>()
                .map_err(|_| ApiError::illegal_param(name))
        })
        .transpose()
}

fn limit(params: &Params) -> Result<usize, ApiError> {
    Ok(number(params, "limit")?
        .map_or(DEFAULT_LIMIT, |n| n as usize)
        .clamp(1, MAX_LIMIT))
}

/// The markets a ticker endpoint is asked about: `symbol=`, `symbols=[..]`, or all; and
/// whether the answer is one object (`symbol=`) or an array.
fn selection<'a>(state: &'a Shared, params: &Params) -> Result<(Vec<&'a Market>, bool), ApiError> {
    match (params.get("symbol"), params.get("symbols")) {
        (Some(_), Some(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1128,
            "Combination of optional parameters invalid.",
        )),
        (Some(one), None) => Ok((vec![&**state.market(one)?], true)),
        (None, Some(list)) => {
            let names: Vec<String> =
                serde_json::from_str(list).map_err(|_| ApiError::illegal_param("symbols"))?;
            let mut markets = Vec::with_capacity(names.len());
            for name in &names {
                let market = &**state.market(name)?;
                if markets
                    .iter()
                    .any(|m: &&Market| m.spec.symbol == market.spec.symbol)
                {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        -1151,
                        "Symbol is present multiple times in the list.",
                    ));
                }
                markets.push(market);
            }
            Ok((markets, false))
        }
        (None, None) => Ok((state.markets.values().map(|m| &**m).collect(), false)),
    }
}

/// One object for `symbol=`, else an array.
fn one_or_many<T: serde::Serialize>(mut items: Vec<T>, single: bool) -> Response {
    match (single, items.pop()) {
        (true, Some(item)) => Json(item).into_response(),
        (_, last) => {
            items.extend(last);
            Json(items).into_response()
        }
    }
}

/// The best bid and ask of a market as `[price, qty]` strings (zeros for an empty side).
fn best(market: &Market) -> ([String; 2], [String; 2]) {
    let snapshot = market.snapshot(1);
    let zero = || [wire::dec(Decimal::ZERO), wire::dec(Decimal::ZERO)];
    let bid = snapshot.bids.into_iter().next().unwrap_or_else(zero);
    let ask = snapshot.asks.into_iter().next().unwrap_or_else(zero);
    (bid, ask)
}

/// `GET /api/v3/ticker/24hr`: 24 h rolling statistics, `type=FULL` (default) or `MINI`.
pub(crate) async fn ticker_24hr(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let mini = match params.get("type").map(String::as_str) {
        None | Some("FULL") => false,
        Some("MINI") => true,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1139,
                "Invalid ticker type.",
            ))
        }
    };
    let (markets, single) = selection(&state, &params)?;
    let now = wire::now_ms();
    let stats: Vec<_> = markets
        .into_iter()
        .map(|m| (m, m.lock().trades.stats(now)))
        .collect();
    if mini {
        let items = stats
            .into_iter()
            .map(|(m, s)| wire::Ticker24hMini {
                symbol: m.spec.symbol.clone(),
                open_price: wire::dec(s.open),
                high_price: wire::dec(s.high),
                low_price: wire::dec(s.low),
                last_price: wire::dec(s.last),
                volume: wire::dec(s.volume),
                quote_volume: wire::dec(s.quote_volume),
                open_time: s.open_time,
                close_time: s.close_time,
                first_id: s.first_id,
                last_id: s.last_id,
                count: s.count,
            })
            .collect();
        return Ok(one_or_many(items, single));
    }
    let items = stats
        .into_iter()
        .map(|(m, s)| {
            let ([bid, bid_qty], [ask, ask_qty]) = best(m);
            wire::Ticker24h {
                symbol: m.spec.symbol.clone(),
                price_change: wire::dec(s.change()),
                price_change_percent: s.change_percent().to_string(),
                weighted_avg_price: wire::dec(s.weighted_average()),
                prev_close_price: wire::dec(s.prev_close),
                last_price: wire::dec(s.last),
                last_qty: wire::dec(s.last_qty),
                bid_price: bid,
                bid_qty,
                ask_price: ask,
                ask_qty,
                open_price: wire::dec(s.open),
                high_price: wire::dec(s.high),
                low_price: wire::dec(s.low),
                volume: wire::dec(s.volume),
                quote_volume: wire::dec(s.quote_volume),
                open_time: s.open_time,
                close_time: s.close_time,
                first_id: s.first_id,
                last_id: s.last_id,
                count: s.count,
            }
        })
        .collect();
    Ok(one_or_many(items, single))
}

/// `GET /api/v3/ticker/price`: the last trade price.
pub(crate) async fn ticker_price(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let (markets, single) = selection(&state, &params)?;
    let items = markets
        .into_iter()
        .map(|m| wire::PriceTicker {
            symbol: m.spec.symbol.clone(),
            price: wire::dec(m.lock().trades.last_price()),
        })
        .collect();
    Ok(one_or_many(items, single))
}

/// `GET /api/v3/ticker/bookTicker`: the best bid and ask.
pub(crate) async fn book_ticker(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let (markets, single) = selection(&state, &params)?;
    let items = markets
        .into_iter()
        .map(|m| {
            let ([bid_price, bid_qty], [ask_price, ask_qty]) = best(m);
            wire::BookTicker {
                symbol: m.spec.symbol.clone(),
                bid_price,
                bid_qty,
                ask_price,
                ask_qty,
            }
        })
        .collect();
    Ok(one_or_many(items, single))
}

/// `GET /api/v3/avgPrice`: the volume-weighted price of the last five minutes.
pub(crate) async fn avg_price(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Json<wire::AvgPrice>, ApiError> {
    let market = symbol_param(&state, &params)?;
    let (price, close_time) = market.lock().trades.average(wire::now_ms(), AVG_PRICE_MINS);
    Ok(Json(wire::AvgPrice {
        mins: AVG_PRICE_MINS,
        price: wire::dec(price),
        close_time,
    }))
}

/// `GET /api/v3/trades`: the most recent trades, oldest first.
pub(crate) async fn trades(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Json<Vec<wire::RecentTrade>>, ApiError> {
    let market = symbol_param(&state, &params)?;
    let limit = limit(&params)?;
    let st = market.lock();
    let all = st.trades.all();
    let items = all
        .iter()
        .skip(all.len().saturating_sub(limit))
        .map(|t| wire::RecentTrade {
            id: t.id,
            price: wire::dec(t.price),
            qty: wire::dec(t.qty),
            quote_qty: wire::dec(t.price.saturating_mul(t.qty)),
            time: t.time,
            is_buyer_maker: t.buyer_is_maker,
            is_best_match: true,
        })
        .collect();
    Ok(Json(items))
}

/// `GET /api/v3/aggTrades`: by `fromId`, by time, or the most recent.
pub(crate) async fn agg_trades(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Json<Vec<wire::AggTrade>>, ApiError> {
    let market = symbol_param(&state, &params)?;
    let limit = limit(&params)?;
    let from_id = number(&params, "fromId")?;
    let start = number(&params, "startTime")?;
    let end = number(&params, "endTime")?;
    let st = market.lock();
    let matching: Vec<_> = st
        .trades
        .all()
        .iter()
        .filter(|t| {
            from_id.is_none_or(|id| t.agg_id >= id)
                && start.is_none_or(|s| t.time >= s)
                && end.is_none_or(|e| t.time <= e)
        })
        .collect();
    let forward = from_id.is_some() || start.is_some();
    let page: Vec<_> = if forward {
        matching.into_iter().take(limit).collect()
    } else {
        let skip = matching.len().saturating_sub(limit);
        matching.into_iter().skip(skip).collect()
    };
    Ok(Json(
        page.into_iter()
            .map(|t| wire::AggTrade {
                agg_id: t.agg_id,
                price: wire::dec(t.price),
                qty: wire::dec(t.qty),
                first_id: t.id,
                last_id: t.id,
                time: t.time,
                buyer_is_maker: t.buyer_is_maker,
                best_match: true,
            })
            .collect(),
    ))
}

/// `GET /api/v3/klines`: candles of the mock's own trades, from the symbol's listing on.
pub(crate) async fn klines(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Json<Vec<wire::KlineRow>>, ApiError> {
    let market = symbol_param(&state, &params)?;
    let interval = params
        .get("interval")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing_param("interval"))?;
    let interval = KlineInterval::parse(interval)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, -1120, "Invalid interval."))?;
    let limit = limit(&params)?;
    let start = number(&params, "startTime")?;
    let end = number(&params, "endTime")?;
    let st = market.lock();
    let klines = st
        .trades
        .klines(interval, start, end, limit, wire::now_ms());
    Ok(Json(klines.iter().map(wire::kline_row).collect()))
}
