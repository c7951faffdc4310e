//! Bybit v5's order listings for the spot category: `GET /v5/order/realtime` (open orders, or
//! with `openOnly=1` the recent closed ones) and `GET /v5/order/history` (closed orders), in
//! pages of `limit` (1..=50, default 20) with a `cursor`.
//!
//! As Bybit documents them for a unified account: `realtime` gives open orders by default and
//! the most recent 500 closed (filled or cancelled) orders with `openOnly=1`, newest first;
//! `history` gives closed orders, newest first, filtered by `orderStatus` when given.
//! Filters: `symbol`, `orderId`, `orderLinkId`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::rest::{ok, spot, text, BybitError, Signed};
use super::state::{BybitState, ClosedOrder, OpenOrder};
use super::wire::{RealtimeOrder, RealtimePage};

/// `limit` and the cursor's start, as Bybit pages these listings.
fn page(params: &Map<String, Value>) -> Result<(usize, usize), BybitError> {
    let limit = match text(params, "limit").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(l @ 1..=50)) => l,
        Some(_) => return Err(BybitError::params("limit must be 1..=50")),
    };
    let from = match text(params, "cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| BybitError::params("invalid cursor"))?,
    };
    Ok((limit, from))
}

/// One page of `matching`, and the cursor of the next (empty on the last page).
fn answer<'a>(matching: Vec<RealtimeOrder<'a>>, limit: usize, from: usize) -> Response {
    let next = from.saturating_add(limit);
    let cursor = if next < matching.len() {
        next.to_string()
    } else {
        String::new()
    };
    let list = matching.into_iter().skip(from).take(limit).collect();
    ok(RealtimePage {
        category: "spot",
        list,
        next_page_cursor: cursor,
    })
}

fn open_matches(params: &Map<String, Value>, o: &OpenOrder) -> bool {
    text(params, "symbol").is_none_or(|s| s == o.symbol)
        && text(params, "orderId").is_none_or(|id| id == o.order_id)
        && text(params, "orderLinkId").is_none_or(|id| id == o.order_link_id)
}

fn closed_matches(params: &Map<String, Value>, c: &ClosedOrder) -> bool {
    open_matches(params, &c.order)
        && text(params, "orderStatus").is_none_or(|s| s == c.status.as_str())
}

/// `GET /v5/order/realtime?category=spot[&openOnly=0|1][&symbol=][&orderId=][&orderLinkId=]`.
pub(crate) async fn realtime(State(state): State<BybitState>, Signed(params): Signed) -> Response {
    if let Err(e) = spot(&params) {
        return e.into_response();
    }
    let (limit, from) = match page(&params) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let closed = match text(&params, "openOnly") {
        None | Some("0") => false,
        Some("1") => true,
        // 2 is for classic accounts and the inverse category, neither of which the mock is.
        Some(other) => {
            return BybitError::params(format!(
                "openOnly {other} is not valid for a unified spot account"
            ))
            .into_response()
        }
    };
    let exchange = state.lock();
    let matching: Vec<RealtimeOrder<'_>> = if closed {
        exchange
            .closed_orders
            .iter()
            .rev()
            .filter(|c| closed_matches(&params, c))
            .map(RealtimeOrder::closed)
            .collect()
    } else {
        exchange
            .open_orders
            .iter()
            .filter(|o| open_matches(&params, o))
            .map(RealtimeOrder::of)
            .collect()
    };
    answer(matching, limit, from)
}

/// `GET /v5/order/history?category=spot[&orderStatus=][&symbol=][&orderId=][&orderLinkId=]`.
pub(crate) async fn history(State(state): State<BybitState>, Signed(params): Signed) -> Response {
    if let Err(e) = spot(&params) {
        return e.into_response();
    }
    let (limit, from) = match page(&params) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let exchange = state.lock();
    let matching: Vec<RealtimeOrder<'_>> = exchange
        .closed_orders
        .iter()
        .rev()
        .filter(|c| closed_matches(&params, c))
        .map(RealtimeOrder::closed)
        .collect();
    answer(matching, limit, from)
}
