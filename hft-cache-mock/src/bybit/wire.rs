//! Bybit v5's answers, as typed values serialized straight to the wire: a listing of many
//! orders built as `serde_json::Value` maps costs a map insert per field, which made the mock,
//! not the client, the slow side of a 50-order page.

use serde::Serialize;

use rust_decimal::Decimal;

use super::state::{ClosedOrder, OpenOrder};

/// `{"retCode","retMsg","result","retExtInfo":{},"time"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope<'a, T> {
    pub(crate) ret_code: i64,
    pub(crate) ret_msg: &'a str,
    pub(crate) result: T,
    pub(crate) ret_ext_info: Empty,
    pub(crate) time: i64,
}

/// `{}`.
#[derive(Serialize)]
pub(crate) struct Empty {}

/// `GET /v5/order/realtime`'s result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RealtimePage<'a> {
    pub(crate) category: &'static str,
    pub(crate) list: Vec<RealtimeOrder<'a>>,
    pub(crate) next_page_cursor: String,
}

/// One order, open or closed, every field the real answer carries (conditional, TP/SL and SMP fields in
/// the empty forms of an order that uses none).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RealtimeOrder<'a> {
    order_id: &'a str,
    order_link_id: &'a str,
    parent_order_link_id: &'static str,
    block_trade_id: &'static str,
    symbol: &'a str,
    price: String,
    qty: String,
    side: &'static str,
    is_leverage: &'static str,
    position_idx: u8,
    order_status: &'static str,
    create_type: &'static str,
    cancel_type: &'static str,
    reject_reason: &'static str,
    avg_price: String,
    leaves_qty: String,
    leaves_value: String,
    cum_exec_qty: String,
    cum_exec_value: String,
    cum_exec_fee: &'static str,
    time_in_force: &'a str,
    order_type: &'static str,
    stop_order_type: &'static str,
    created_time: String,
    updated_time: String,
    cum_fee_detail: Empty,
    order_iv: &'static str,
    market_unit: &'static str,
    trigger_price: &'static str,
    take_profit: &'static str,
    stop_loss: &'static str,
    tpsl_mode: &'static str,
    oco_trigger_by: &'static str,
    tp_limit_price: &'static str,
    sl_limit_price: &'static str,
    tp_trigger_by: &'static str,
    sl_trigger_by: &'static str,
    trigger_direction: u8,
    trigger_by: &'static str,
    last_price_on_created: &'static str,
    base_price: &'static str,
    reduce_only: bool,
    close_on_trigger: bool,
    place_type: &'static str,
    smp_type: &'static str,
    smp_group: u8,
    smp_order_id: &'static str,
}

impl<'a> RealtimeOrder<'a> {
    pub(crate) fn of(o: &'a OpenOrder) -> Self {
        let created = o.created_ms.to_string();
        RealtimeOrder {
            order_id: &o.order_id,
            order_link_id: &o.order_link_id,
            parent_order_link_id: "",
            block_trade_id: "",
            symbol: &o.symbol,
            price: o.price.normalize().to_string(),
            qty: o.qty.normalize().to_string(),
            side: if o.buy { "Buy" } else { "Sell" },
            is_leverage: "0",
            position_idx: 0,
            order_status: "New",
            create_type: "CreateByUser",
            cancel_type: "UNKNOWN",
            reject_reason: "EC_NoError",
            avg_price: "0".to_owned(),
            leaves_qty: o.qty.normalize().to_string(),
            leaves_value: o.qty.saturating_mul(o.price).normalize().to_string(),
            cum_exec_qty: "0".to_owned(),
            cum_exec_value: "0".to_owned(),
            cum_exec_fee: "0",
            time_in_force: &o.time_in_force,
            order_type: "Limit",
            stop_order_type: "",
            updated_time: created.clone(),
            created_time: created,
            cum_fee_detail: Empty {},
            order_iv: "",
            market_unit: "",
            trigger_price: "0",
            take_profit: "0",
            stop_loss: "0",
            tpsl_mode: "",
            oco_trigger_by: "",
            tp_limit_price: "0",
            sl_limit_price: "0",
            tp_trigger_by: "",
            sl_trigger_by: "",
            trigger_direction: 0,
            trigger_by: "",
            last_price_on_created: "",
            base_price: "",
            reduce_only: false,
            close_on_trigger: false,
            place_type: "",
            smp_type: "None",
            smp_group: 0,
            smp_order_id: "",
        }
    }

    /// A closed order: its status, what filled (`avgPrice` the filled value over the filled
    /// quantity, empty when nothing filled), nothing left.
    pub(crate) fn closed(c: &'a ClosedOrder) -> Self {
        let mut o = RealtimeOrder::of(&c.order);
        let text = |d: Decimal| d.normalize().to_string();
        o.order_status = c.status.as_str();
        o.cancel_type = c.cancel_type;
        o.reject_reason = c.reject_reason;
        o.avg_price = c
            .exec_value
            .checked_div(c.exec_qty)
            .map_or_else(String::new, text);
        o.cum_exec_qty = text(c.exec_qty);
        o.cum_exec_value = text(c.exec_value);
        o.leaves_qty = "0".to_owned();
        o.leaves_value = "0".to_owned();
        o.updated_time = c.updated_ms.to_string();
        if let Some(unit) = c.market_unit {
            o.order_type = "Market";
            o.market_unit = unit;
        }
        o
    }
}
