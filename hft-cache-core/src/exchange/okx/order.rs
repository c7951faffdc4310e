//! OKX v5's order answers the kill switch's sweep reads: `GET /api/v5/trade/orders-pending`,
//! `GET /api/v5/trade/order`, `POST /api/v5/trade/cancel-order`.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exchange::venue::{ClosedStatus, ListsCancelled, ListsOrders, OrderState, VenueOrder};

/// How many orders the sweep asks for a page (OKX's maximum).
pub(super) const PAGE: usize = 100;

/// `GET /api/v5/trade/orders-pending`'s data (open orders, newest first, a page at a time),
/// and `GET /api/v5/trade/order`'s (one order, in any state).
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(transparent)]
#[non_exhaustive]
pub struct PendingOrders {
    /// The orders of this page.
    pub orders: Vec<PendingOrder>,
}

/// One order of [`PendingOrders`].
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PendingOrder {
    /// The exchange's order id.
    pub ord_id: String,
    /// The client's order id.
    #[serde(default)]
    pub cl_ord_id: String,
    /// The instrument (`BTC-USDT`).
    pub inst_id: String,
    /// `buy` or `sell`.
    pub side: String,
    /// `limit`, `market`, `post_only`, `fok`, `ioc`, ...
    #[serde(default)]
    pub ord_type: String,
    /// The limit price (empty for a market order).
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub px: Decimal,
    /// The quantity ordered.
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub sz: Decimal,
    /// The quantity filled so far.
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub acc_fill_sz: Decimal,
    /// `live`, `partially_filled`, `filled`, `canceled`, `mmp_canceled`.
    #[serde(default)]
    pub state: String,
    /// The average fill price (empty, read as 0, before any fill).
    #[serde(default, deserialize_with = "lenient_decimal")]
    #[hft(trusted_transform)]
    pub avg_px: Decimal,
}

/// `POST /api/v5/trade/cancel-order`'s data (and `cancel-batch-orders`'): one result per
/// order. A failed cancel never reaches it: the envelope opens it as the venue's error.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(transparent)]
#[non_exhaustive]
pub struct OrderResults {
    /// One per order.
    pub results: Vec<OrderResult>,
}

/// One order's result in an order endpoint's answer: `{"ordId","clOrdId","sCode","sMsg"}`
/// (also the shape of `POST /api/v5/trade/order`'s and `batch-orders`' data).
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderResult {
    /// The exchange's order id.
    #[serde(default)]
    pub ord_id: String,
    /// The client's order id.
    #[serde(default)]
    pub cl_ord_id: String,
    /// `"0"` when this order succeeded, else its error code.
    #[serde(default)]
    pub s_code: String,
    /// What went wrong with this order.
    #[serde(default)]
    pub s_msg: String,
}

/// OKX sends `""` for a number it has no value for (a market order's `px`).
pub(super) fn lenient_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(d)?;
    if text.is_empty() {
        return Ok(Decimal::ZERO);
    }
    text.parse().map_err(serde::de::Error::custom)
}

impl PendingOrder {
    /// The order as the kill switch's sweep records it. The quantity left is `sz` less
    /// `accFillSz` (never below zero).
    pub fn record(&self) -> VenueOrder {
        let left = self
            .sz
            .checked_sub(self.acc_fill_sz)
            .unwrap_or(Decimal::ZERO)
            .max(Decimal::ZERO);
        VenueOrder::new(
            self.ord_id.clone(),
            Some(self.cl_ord_id.clone()),
            self.inst_id.clone(),
            self.side.clone(),
            (!self.px.is_zero()).then_some(self.px),
            left,
        )
    }
}

impl ListsOrders for PendingOrders {
    fn orders(&self) -> Vec<VenueOrder> {
        self.orders.iter().map(PendingOrder::record).collect()
    }

    /// A full page may have a next one: the orders older than its last (`after`).
    fn next_page(&self) -> Option<String> {
        if self.orders.len() < PAGE {
            return None;
        }
        self.orders.last().map(|o| o.ord_id.clone())
    }
}

impl ListsCancelled for OrderResults {
    fn cancelled_ids(&self) -> Vec<String> {
        self.results
            .iter()
            .filter(|r| r.s_code.is_empty() || r.s_code == "0")
            .map(|r| r.ord_id.clone())
            .collect()
    }
}

impl ClosedStatus for PendingOrders {
    fn filled(&self) -> Option<bool> {
        match self.orders.first()?.state.as_str() {
            "filled" => Some(true),
            "canceled" | "mmp_canceled" => Some(false),
            _ => None,
        }
    }

    fn state(&self) -> Option<OrderState> {
        let order = self.orders.first()?;
        Some(OrderState::new(
            order.ord_id.clone(),
            Some(order.cl_ord_id.clone()),
            order.state.clone(),
            order.side.clone(),
            order.sz,
            order.acc_fill_sz,
            order
                .acc_fill_sz
                .checked_mul(order.avg_px)
                .unwrap_or_default(),
        ))
    }
}
