//! Bybit v5's order answers the kill switch's sweep reads: `GET /v5/order/realtime`,
//! `POST /v5/order/cancel-all`, `POST /v5/order/cancel`.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exchange::venue::{ClosedStatus, ListsCancelled, ListsOrders, OrderState, VenueOrder};

/// `GET /v5/order/realtime`'s result: open orders (and, queried by id, recent closed ones),
/// a page at a time.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RealtimeOrders {
    /// The orders of this page.
    pub list: Vec<RealtimeOrder>,
    /// The cursor of the next page; empty on the last.
    #[serde(default)]
    pub next_page_cursor: String,
}

/// One order of [`RealtimeOrders`].
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RealtimeOrder {
    /// The exchange's order id.
    pub order_id: String,
    /// The client's order id.
    #[serde(default)]
    pub order_link_id: String,
    /// The symbol.
    pub symbol: String,
    /// `Buy` or `Sell`.
    pub side: String,
    /// The limit price (`"0"` or empty for a market order).
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub price: Decimal,
    /// The quantity ordered.
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub qty: Decimal,
    /// The quantity still to fill.
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub leaves_qty: Decimal,
    /// `New`, `PartiallyFilled`, `Filled`, `Cancelled`, `Rejected`, ...
    #[serde(default)]
    pub order_status: String,
    /// The quantity filled.
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub cum_exec_qty: Decimal,
    /// The quote quantity filled.
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub cum_exec_value: Decimal,
}

/// `POST /v5/order/cancel-all`'s result: the orders cancelled (at most the venue's per-call
/// limit; the sweep repeats until the confirming query shows none).
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelAllResult {
    /// The orders cancelled.
    pub list: Vec<OrderIds>,
    /// `"1"` when every order was cancelled.
    #[serde(default)]
    pub success: String,
}

/// An order's ids: `POST /v5/order/cancel`'s result, and an entry of [`CancelAllResult`].
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderIds {
    /// The exchange's order id.
    pub order_id: String,
    /// The client's order id.
    #[serde(default)]
    pub order_link_id: String,
}

/// Bybit sends `""` for a number it has no value for.
pub(super) fn lenient_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(d)?;
    if text.is_empty() {
        return Ok(Decimal::ZERO);
    }
    text.parse().map_err(serde::de::Error::custom)
}

impl RealtimeOrder {
    /// The order as the kill switch's sweep records it.
    pub fn record(&self) -> VenueOrder {
        VenueOrder::new(
            self.order_id.clone(),
            Some(self.order_link_id.clone()),
            self.symbol.clone(),
            self.side.clone(),
            (!self.price.is_zero()).then_some(self.price),
            self.leaves_qty,
        )
    }
}

impl ListsOrders for RealtimeOrders {
    fn orders(&self) -> Vec<VenueOrder> {
        self.list.iter().map(RealtimeOrder::record).collect()
    }

    fn next_page(&self) -> Option<String> {
        (!self.next_page_cursor.is_empty()).then(|| self.next_page_cursor.clone())
    }
}

impl ListsCancelled for CancelAllResult {
    fn cancelled_ids(&self) -> Vec<String> {
        self.list.iter().map(|o| o.order_id.clone()).collect()
    }
}

impl ClosedStatus for RealtimeOrders {
    fn filled(&self) -> Option<bool> {
        match self.list.first()?.order_status.as_str() {
            "Filled" => Some(true),
            "Cancelled" | "Rejected" | "Deactivated" | "PartiallyFilledCanceled" => Some(false),
            _ => None,
        }
    }

    fn state(&self) -> Option<OrderState> {
        let order = self.list.first()?;
        Some(OrderState::new(
            order.order_id.clone(),
            Some(order.order_link_id.clone()),
            order.order_status.clone(),
            order.side.clone(),
            order.qty,
            order.cum_exec_qty,
            order.cum_exec_value,
        ))
    }
}
