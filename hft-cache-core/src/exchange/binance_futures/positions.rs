//! Binance USD-M's positions for the kill switch: [`PositionVenue`] over
//! `GET /fapi/v2/positionRisk` and reduce-only `MARKET` orders.

use reqwest::Method;
use rust_decimal::Decimal;

use super::{BinanceFutures, FuturesOrder, Positions};
use crate::exchange::positions::{ListsPositions, PositionVenue, VenuePosition};
use crate::exchange::VenueCall;

impl PositionVenue for BinanceFutures {
    type Positions = Positions;
    type Closed = FuturesOrder;

    fn positions(&self) -> VenueCall {
        VenueCall::new(Method::GET, "/fapi/v2/positionRisk")
    }

    /// `POST /fapi/v1/order` with `type=MARKET`, `reduceOnly=true`, the side that shrinks the
    /// position (one-way mode) and `newOrderRespType=RESULT`.
    fn close(&self, position: &VenuePosition, quantity: Decimal) -> VenueCall {
        let side = if position.size.is_sign_negative() {
            "BUY"
        } else {
            "SELL"
        };
        VenueCall::new(Method::POST, "/fapi/v1/order")
            .param("symbol", position.symbol.as_str())
            .param("side", side)
            .param("type", "MARKET")
            .param("quantity", quantity.normalize().to_string())
            .param("reduceOnly", "true")
            .param("newOrderRespType", "RESULT")
    }
}

impl ListsPositions for Positions {
    fn open_positions(&self) -> Vec<VenuePosition> {
        self.open()
            .map(|p| {
                VenuePosition::new(p.symbol.as_str(), p.position_amt, p.entry_price)
                    .marked(p.mark_price, p.unrealized_profit)
                    .margin(p.liquidation_price, Some(p.leverage))
            })
            .collect()
    }
}
