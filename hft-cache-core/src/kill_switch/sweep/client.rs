//! A venue client as the sweep uses it: [`SweepClient`], implemented for `SignedClient<V>` of
//! every [`OrderVenue`], so that one switch sweeps clients of different venues.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::exchange::{
    ClosedStatus, ExchangeErrorKind, ListsCancelled, ListsOrders, OrderState, OrderVenue,
    RequestError, SignedClient, Venue, VenueBalance, VenueCall, VenueOrder,
};
use crate::fresh::Fresh;

/// A venue's answer as JSON, for the venue's own reader ([`OrderVenue::read_balances`]):
/// fetched fresh and read at once, never kept.
#[derive(serde::Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(transparent)]
struct VenueAnswer(serde_json::Value);

/// A symbol and its base and quote asset, if the venue tells.
pub(crate) type SymbolAssets = (String, Option<(String, String)>);

/// Pages of open orders read at most per query (Bybit's 50 a page: 2 500 orders).
const MAX_PAGES: usize = 50;

/// A failed sweep request, as the sweep needs to know it.
#[derive(Debug, Clone)]
pub(crate) struct SweepError {
    pub(crate) text: String,
    /// Worth retrying: a 5xx, a timeout, a connection failure, a rate limit.
    pub(crate) retryable: bool,
    /// A 429/418 or the venue's rate-limit code.
    pub(crate) rate_limited: bool,
    /// The venue's `Retry-After`, when the error carries it.
    pub(crate) retry_after: Option<Duration>,
    /// The venue does not know the order (or, for a cancel-all, has none open).
    pub(crate) unknown_order: bool,
    /// HTTP 418, an IP ban: a request before it lifts extends it, so the sweep retries only
    /// after the `Retry-After` the ban names, never blindly.
    pub(crate) banned: bool,
}

impl SweepError {
    pub(crate) fn of(error: &RequestError) -> Self {
        let kind = error.exchange_kind();
        let rate_limited = kind == Some(ExchangeErrorKind::RateLimited);
        let status = match error {
            RequestError::Exchange { status, .. } => Some(*status),
            _ => error
                .fetch_error()
                .and_then(crate::fetch::FetchError::status),
        };
        let banned = status == Some(418);
        let retry_after = retry_after_of(error);
        SweepError {
            text: error.to_string(),
            retryable: if banned {
                retry_after.is_some()
            } else {
                rate_limited || error.is_retryable()
            },
            rate_limited,
            retry_after,
            unknown_order: kind == Some(ExchangeErrorKind::UnknownOrder),
            banned,
        }
    }

    /// An answer that does not have the venue's shape: trying again may read a good one.
    pub(crate) fn unreadable(what: &str, error: impl std::fmt::Display) -> Self {
        SweepError {
            text: format!("{what}: unreadable answer: {error}"),
            ..Self::stale(what, "")
        }
    }

    pub(crate) fn stale(what: &str, error: impl std::fmt::Display) -> Self {
        SweepError {
            text: format!("{what}: {error}"),
            retryable: true,
            rate_limited: false,
            retry_after: None,
            unknown_order: false,
            banned: false,
        }
    }
}

/// The `Retry-After` a rate-limited (429) or banned (418) answer carried, if any.
fn retry_after_of(error: &RequestError) -> Option<Duration> {
    error.retry_after()
}

/// What the sweep does with one venue's client.
pub(crate) trait SweepClient: Send + Sync {
    /// The venue's name.
    fn venue(&self) -> &'static str;
    /// Every open order (of `symbol`), all pages.
    fn open_orders(
        &self,
        symbol: Option<String>,
    ) -> BoxFuture<'_, Result<Vec<VenueOrder>, SweepError>>;
    /// Whether the venue can cancel a symbol's orders at once.
    fn has_cancel_all(&self) -> bool;
    /// Cancels every open order of `symbol`; the ids cancelled, or `None` when the venue's
    /// answer names none (the confirming query and each order's status then tell).
    fn cancel_all(&self, symbol: String) -> BoxFuture<'_, Result<Option<Vec<String>>, SweepError>>;
    /// Cancels one order.
    fn cancel(&self, order: VenueOrder) -> BoxFuture<'_, Result<(), SweepError>>;
    /// Whether a closed order filled (`Some(true)`), closed otherwise (`Some(false)`) or
    /// is not known (`None`, also when the venue has no such query).
    fn filled(&self, order: VenueOrder) -> BoxFuture<'_, Result<Option<bool>, SweepError>>;
    /// The order as the venue reports it now (by its order id, or by its client order id when
    /// the id is empty); `None` if the venue has no such order or cannot say.
    fn lookup(&self, order: VenueOrder) -> BoxFuture<'_, Result<Option<OrderState>, SweepError>>;
    /// The account's balances; `None` if the venue describes no such query.
    fn balances(&self) -> BoxFuture<'_, Result<Option<Vec<VenueBalance>>, SweepError>>;
    /// The base and quote asset of each of `symbols`, where the venue tells (one request per
    /// distinct call: USD-M's exchange info answers for every symbol at once). A failure names
    /// the symbol it was asked for.
    fn symbol_assets(
        &self,
        symbols: Vec<String>,
    ) -> BoxFuture<'_, Result<Vec<SymbolAssets>, (String, SweepError)>>;
    /// The venue's clock minus ours, in milliseconds, if its time endpoint answers.
    fn clock_offset(&self) -> BoxFuture<'_, Option<i64>>;
}

async fn call<V: OrderVenue, T>(
    client: &SignedClient<V>,
    call: VenueCall,
) -> Result<Fresh<T>, SweepError>
where
    T: crate::policy::Live + serde::de::DeserializeOwned,
{
    client
        .signed::<T, _>(call.method, call.path, &call.params)
        .await
        .map_err(|e| SweepError::of(&e))
}

/// What a fresh status answer says (read at once), and whether it names the order at all.
fn read_status<T: ClosedStatus + crate::policy::Live, R>(
    status: &Fresh<T>,
    what: impl FnOnce(&T) -> R,
) -> Result<(R, bool), SweepError> {
    let status = status
        .read()
        .map_err(|e| SweepError::stale("order status", e))?;
    Ok((
        what(status),
        status.state().is_some() || status.filled().is_some(),
    ))
}

impl<V: OrderVenue> SignedClient<V> {
    /// `order`'s status answer, read by `read` at once: from the venue's `order_status`, or,
    /// when that query does not find the order (an answer that does not name it, or "unknown
    /// order"), from its `closed_order_status`, if it has one. `None`: the venue has no such
    /// query.
    async fn read_order_status<R>(
        &self,
        order: &VenueOrder,
        read: fn(&V::OrderStatus) -> R,
    ) -> Result<Option<R>, SweepError> {
        let venue = SignedClient::venue(self);
        let Some(request) = venue.order_status(order) else {
            return Ok(None);
        };
        let first = match call::<V, V::OrderStatus>(self, request).await {
            Ok(status) => Ok(read_status(&status, read)?),
            Err(error) if error.unknown_order => Err(error),
            Err(error) => return Err(error),
        };
        match (first, venue.closed_order_status(order)) {
            (Ok((first, true)), _) | (Ok((first, false)), None) => Ok(Some(first)),
            (Err(unknown), None) => Err(unknown),
            (_, Some(closed)) => {
                let status: Fresh<V::OrderStatus> = call(self, closed).await?;
                Ok(Some(read_status(&status, read)?.0))
            }
        }
    }
}

impl<V: OrderVenue> SweepClient for SignedClient<V> {
    fn venue(&self) -> &'static str {
        Venue::name(SignedClient::venue(self))
    }

    fn open_orders(
        &self,
        symbol: Option<String>,
    ) -> BoxFuture<'_, Result<Vec<VenueOrder>, SweepError>> {
        Box::pin(async move {
            let venue = SignedClient::venue(self);
            let mut orders = Vec::new();
            let mut seen = BTreeSet::new();
            let mut cursor: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let page: Fresh<V::OpenOrders> = call(
                    self,
                    venue.open_orders(symbol.as_deref(), cursor.as_deref()),
                )
                .await?;
                // Copied into the report's record at once, while fresh.
                let page = page
                    .read()
                    .map_err(|e| SweepError::stale("open orders", e))?;
                for order in page.orders() {
                    if seen.insert(order.order_id.clone()) {
                        orders.push(order);
                    }
                }
                cursor = page.next_page();
                if cursor.is_none() {
                    break;
                }
            }
            Ok(orders)
        })
    }

    fn has_cancel_all(&self) -> bool {
        SignedClient::venue(self).cancel_all("-").is_some()
    }

    fn cancel_all(&self, symbol: String) -> BoxFuture<'_, Result<Option<Vec<String>>, SweepError>> {
        Box::pin(async move {
            let Some(request) = SignedClient::venue(self).cancel_all(&symbol) else {
                return Ok(Some(Vec::new()));
            };
            let answer: Fresh<V::CancelAll> = call(self, request).await?;
            let answer = answer
                .read()
                .map_err(|e| SweepError::stale("cancel-all", e))?;
            Ok(answer.names_orders().then(|| answer.cancelled_ids()))
        })
    }

    fn cancel(&self, order: VenueOrder) -> BoxFuture<'_, Result<(), SweepError>> {
        Box::pin(async move {
            let request = SignedClient::venue(self).cancel(&order);
            let _: Fresh<V::Cancelled> = call(self, request).await?;
            Ok(())
        })
    }

    fn filled(&self, order: VenueOrder) -> BoxFuture<'_, Result<Option<bool>, SweepError>> {
        Box::pin(async move {
            Ok(self
                .read_order_status(&order, ClosedStatus::filled)
                .await?
                .flatten())
        })
    }

    fn lookup(&self, order: VenueOrder) -> BoxFuture<'_, Result<Option<OrderState>, SweepError>> {
        Box::pin(async move {
            match self.read_order_status(&order, ClosedStatus::state).await {
                // Copied into the report's record at once, while fresh.
                Ok(state) => Ok(state.flatten()),
                Err(error) if error.unknown_order => Ok(None),
                Err(error) => Err(error),
            }
        })
    }

    fn balances(&self) -> BoxFuture<'_, Result<Option<Vec<VenueBalance>>, SweepError>> {
        Box::pin(async move {
            let venue = SignedClient::venue(self);
            let Some(request) = venue.balances() else {
                return Ok(None);
            };
            let answer: Fresh<VenueAnswer> = call(self, request).await?;
            let answer = answer
                .read()
                .map_err(|e| SweepError::stale("balances", e))?;
            venue
                .read_balances(&answer.0)
                .map(Some)
                .map_err(|e| SweepError::unreadable("balances", e))
        })
    }

    fn symbol_assets(
        &self,
        symbols: Vec<String>,
    ) -> BoxFuture<'_, Result<Vec<SymbolAssets>, (String, SweepError)>> {
        Box::pin(async move {
            let venue = SignedClient::venue(self);
            // Static data, public: read as the value itself, and asked once per distinct call.
            let mut answers: Vec<(VenueCall, serde_json::Value)> = Vec::new();
            let mut assets = Vec::with_capacity(symbols.len());
            for symbol in symbols {
                let found = match venue.symbol_info(&symbol) {
                    None => venue.read_symbol_assets(&symbol, None),
                    Some(request) => {
                        if !answers.iter().any(|(asked, _)| *asked == request) {
                            let info: serde_json::Value = self
                                .public_get(request.path, &request.params)
                                .await
                                .map_err(|e| (symbol.clone(), SweepError::of(&e)))?;
                            answers.push((request.clone(), info));
                        }
                        let info = answers.iter().find(|(asked, _)| *asked == request);
                        venue.read_symbol_assets(&symbol, info.map(|(_, info)| info))
                    }
                };
                assets.push((symbol, found));
            }
            Ok(assets)
        })
    }

    fn clock_offset(&self) -> BoxFuture<'_, Option<i64>> {
        Box::pin(async move { self.sync_time().await.ok() })
    }
}
