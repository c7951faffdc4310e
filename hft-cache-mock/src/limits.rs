//! Binance's IP request-weight limit and order counters: every REST answer carries
//! `X-MBX-USED-WEIGHT-1M`; past the limit a request gets 429 with `Retry-After`, and one more
//! request in the same window gets the IP banned (418 with `Retry-After`) for a while. Every
//! accepted order carries `X-MBX-ORDER-COUNT-10S` and `X-MBX-ORDER-COUNT-1D`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use super::api_error::ApiError;
use super::state::Shared;
use super::wire;

const WINDOW: Duration = Duration::from_secs(60);
const ORDER_WINDOW: Duration = Duration::from_secs(10);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

pub(crate) const USED_WEIGHT: HeaderName = HeaderName::from_static("x-mbx-used-weight-1m");
const ORDER_COUNT_10S: HeaderName = HeaderName::from_static("x-mbx-order-count-10s");
const ORDER_COUNT_1D: HeaderName = HeaderName::from_static("x-mbx-order-count-1d");

/// The limits of one mock exchange (all clients share one IP: loopback).
#[derive(Debug)]
pub(crate) struct Limits {
    pub(crate) weight_limit: u32,
    ban: Duration,
    state: Mutex<Counters>,
}

#[derive(Debug)]
struct Counters {
    window_start: Instant,
    used: u32,
    /// A 429 was sent in this window: the next request over the limit gets banned.
    warned: bool,
    banned_until: Option<Instant>,
    orders: VecDeque<Instant>,
    day_start: Instant,
    orders_today: u32,
}

impl Limits {
    pub(crate) fn new(weight_limit: u32, ban: Duration) -> Self {
        let now = Instant::now();
        Limits {
            weight_limit,
            ban,
            state: Mutex::new(Counters {
                window_start: now,
                used: 0,
                warned: false,
                banned_until: None,
                orders: VecDeque::new(),
                day_start: now,
                orders_today: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Counters> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an accepted order; the order-count headers to answer with.
    pub(crate) fn count_order(&self) -> HeaderMap {
        let now = Instant::now();
        let mut c = self.lock();
        while c
            .orders
            .front()
            .is_some_and(|t| now.duration_since(*t) >= ORDER_WINDOW)
        {
            c.orders.pop_front();
        }
        c.orders.push_back(now);
        if now.duration_since(c.day_start) >= DAY {
            c.day_start = now;
            c.orders_today = 0;
        }
        c.orders_today += 1;
        let mut headers = HeaderMap::new();
        headers.insert(ORDER_COUNT_10S, HeaderValue::from(c.orders.len()));
        headers.insert(ORDER_COUNT_1D, HeaderValue::from(c.orders_today));
        headers
    }
}

/// What a request may do after its weight is counted.
enum Verdict {
    Go(u32),
    TooMany {
        used: u32,
        retry_after: u64,
    },
    Banned {
        used: u32,
        retry_after: u64,
        until_ms: u64,
    },
}

impl Limits {
    fn admit(&self, weight: u32) -> Verdict {
        let now = Instant::now();
        let mut c = self.lock();
        if let Some(until) = c.banned_until {
            if now < until {
                return self.banned(&c, until, now);
            }
            c.banned_until = None;
        }
        if now.duration_since(c.window_start) >= WINDOW {
            c.window_start = now;
            c.used = 0;
            c.warned = false;
        }
        c.used = c.used.saturating_add(weight);
        if c.used <= self.weight_limit {
            return Verdict::Go(c.used);
        }
        if c.warned {
            let until = now + self.ban;
            c.banned_until = Some(until);
            return self.banned(&c, until, now);
        }
        c.warned = true;
        let window_end = c.window_start + WINDOW;
        Verdict::TooMany {
            used: c.used,
            retry_after: seconds_until(now, window_end),
        }
    }

    fn banned(&self, c: &Counters, until: Instant, now: Instant) -> Verdict {
        let left = until.duration_since(now);
        Verdict::Banned {
            used: c.used,
            retry_after: seconds_until(now, until),
            until_ms: wire::now_ms() + left.as_millis() as u64,
        }
    }
}

fn seconds_until(now: Instant, then: Instant) -> u64 {
    then.duration_since(now).as_secs_f64().ceil().max(1.0) as u64
}

/// A venue whose REST requests are weighed against its [`Limits`]: the spot mock and the
/// futures mock share the middleware, each with its own documented weights.
pub(crate) trait Metered: Send + Sync + 'static {
    fn limits(&self) -> &Limits;
    /// The documented request weight of an endpoint.
    fn weight_of(&self, method: &Method, path: &str, query: Option<&str>) -> u32;
}

impl Metered for Shared {
    fn limits(&self) -> &Limits {
        &self.limits
    }

    fn weight_of(&self, method: &Method, path: &str, query: Option<&str>) -> u32 {
        weight_of(method, path, query)
    }
}

/// The middleware: counts the request's weight and answers 429/418 past the limit.
pub(crate) async fn enforce<H: Metered>(
    State(state): State<Arc<H>>,
    request: Request,
    next: Next,
) -> Response {
    let weight = state.weight_of(
        request.method(),
        request.uri().path(),
        request.uri().query(),
    );
    let limits = state.limits();
    let (mut response, used, retry_after) = match limits.admit(weight) {
        Verdict::Go(used) => (next.run(request).await, used, None),
        Verdict::TooMany { used, retry_after } => {
            let msg = format!(
                "Too much request weight used; current limit is {} request weight per 1 MINUTE. \
                 Please use WebSocket Streams for live updates to avoid polling the API.",
                limits.weight_limit
            );
            let error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, -1003, msg);
            (error.into_response(), used, Some(retry_after))
        }
        Verdict::Banned {
            used,
            retry_after,
            until_ms,
        } => {
            let msg = format!(
                "Way too much request weight used; IP banned until {until_ms}. \
                 Please use WebSocket Streams for live updates to avoid bans."
            );
            let error = ApiError::new(StatusCode::IM_A_TEAPOT, -1003, msg);
            (error.into_response(), used, Some(retry_after))
        }
    };
    let headers = response.headers_mut();
    headers.insert(USED_WEIGHT, HeaderValue::from(used));
    if let Some(secs) = retry_after {
        headers.insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// The documented request weight of a spot endpoint.
fn weight_of(method: &Method, path: &str, query: Option<&str>) -> u32 {
    let params: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let has = |name: &str| params.iter().any(|(k, v)| k == name && !v.is_empty());
    let value = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let symbols = || {
        value("symbols")
            .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
            .map(|v| v.len())
    };
    match (method.as_str(), path) {
        ("GET", "/api/v3/depth") => match value("limit").and_then(|l| l.parse::<u32>().ok()) {
            None | Some(0..=100) => 5,
            Some(101..=500) => 25,
            Some(501..=1000) => 50,
            Some(_) => 250,
        },
        ("GET", "/api/v3/exchangeInfo") => 20,
        ("GET", "/api/v3/trades") => 25,
        ("GET", "/api/v3/aggTrades") => 4,
        ("GET", "/api/v3/klines" | "/api/v3/avgPrice") => 2,
        ("GET", "/api/v3/ticker/24hr") => match (has("symbol"), symbols()) {
            (true, _) => 2,
            (false, Some(0..=20)) => 2,
            (false, Some(21..=100)) => 40,
            _ => 80,
        },
        ("GET", "/api/v3/ticker/price" | "/api/v3/ticker/bookTicker") => {
            if has("symbol") {
                2
            } else {
                4
            }
        }
        ("GET", "/api/v3/account" | "/api/v3/allOrders") => 20,
        ("GET", "/api/v3/openOrders") => {
            if has("symbol") {
                6
            } else {
                80
            }
        }
        ("GET", "/api/v3/order") => 4,
        ("GET", "/api/v3/myTrades") => {
            if has("orderId") {
                5
            } else {
                20
            }
        }
        _ => 1,
    }
}
