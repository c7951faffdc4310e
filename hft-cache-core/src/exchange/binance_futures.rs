//! Binance USD-M futures (`/fapi`): Binance's query-string HMAC signing and bare answers with
//! `{"code","msg"}` errors, the futures order paths and error codes, and typed answers of the
//! REST API, each with its class: orders, positions and the account are live (read them as
//! `Fresh<T>`), exchange info and its filters static. The venue's own dead man's switch,
//! `POST /fapi/v1/countdownCancelAll`, is its [`CountdownCancel`] (armed by
//! [`DeadMan`](crate::kill_switch::DeadMan)).
//!
//! The depth snapshot (`GET /fapi/v1/depth`) is a
//! [`book::DepthSnapshot`](crate::book::DepthSnapshot) as on spot; the depth stream's
//! synchronisation differs (each event's `pu` is the previous event's `u`):
//! [`book::FuturesDepthSync`](crate::book::FuturesDepthSync).

use std::time::Duration;

use reqwest::Method;
use secrecy::SecretString;

use super::binance::{BinanceSigner, BinanceTime};
use super::countdown::CountdownCancel;
use super::error::ExchangeErrorKind;
use super::signer::{InvalidApiKey, RequestSigner};
use super::venue::{
    BodyEncoding, ClosedStatus, ListsCancelled, ListsOrders, OrderFields, OrderState, OrderVenue,
    PaperFill, PaperStatus, Venue, VenueBalance, VenueCall, VenueOrder,
};
use crate::fetch::Bare;

mod account;
mod countdown;
mod exchange_info;
mod order;
mod positions;
mod pre_trade;
mod wire;

pub use account::{AccountPosition, FuturesAccount, FuturesAssetBalance, PositionRisk, Positions};
pub use countdown::CountdownArmed;
pub use exchange_info::{
    FuturesAssetInfo, FuturesExchangeInfo, FuturesSymbolFilter, FuturesSymbolInfo,
};
pub use order::{
    FuturesCancelAll, FuturesOpenOrders, FuturesOrder, FuturesOrderType, FuturesTimeInForce,
    PositionSide,
};

/// Binance USD-M futures' REST conventions, for `SignedClient<BinanceFutures>`
/// (`https://fapi.binance.com`).
///
/// Signing is spot's ([`BinanceSigner`]: HMAC-SHA256 of the query string and body, the key in
/// `X-MBX-APIKEY`); the server time is `GET /fapi/v1/time`. Orders are `POST /fapi/v1/order`
/// and `POST /fapi/v1/batchOrders`, and the `PUT`s that modify them (a modification can raise
/// a quantity); cancels (`DELETE`), `POST /fapi/v1/countdownCancelAll` and the leverage and
/// margin settings stay allowed while halted. Its name in reports and halt scopes is
/// `binance-futures`.
///
/// ```
/// use hft_cache::exchange::binance_futures::BinanceFutures;
/// use hft_cache::exchange::{ExchangeErrorKind, Venue};
/// use hft_cache::fetch::Method;
///
/// let futures = BinanceFutures;
/// assert!(futures.places_order(&Method::POST, "/fapi/v1/order"));
/// assert!(futures.places_order(&Method::POST, "/fapi/v1/batchOrders"));
/// assert!(!futures.places_order(&Method::DELETE, "/fapi/v1/order"));
/// assert!(!futures.places_order(&Method::POST, "/fapi/v1/countdownCancelAll"));
/// assert_eq!(futures.time_path(), "/fapi/v1/time");
/// // -2022: "ReduceOnly Order is rejected."; -2019: "Margin is insufficient."
/// assert_eq!(futures.classify(400, Some(-2022), true), ExchangeErrorKind::OrderRejected);
/// assert_eq!(futures.classify(400, Some(-2019), true), ExchangeErrorKind::OrderRejected);
/// assert_eq!(futures.classify(503, None, true), ExchangeErrorKind::ExecutionUnknown);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BinanceFutures;

/// The paths whose `POST` (or `PUT`, a modification) places or enlarges orders.
const ORDER_PATHS: [&str; 2] = ["/fapi/v1/order", "/fapi/v1/batchOrders"];

impl Venue for BinanceFutures {
    type Format = Bare;
    type ServerTime = BinanceTime;

    fn name(&self) -> &'static str {
        "binance-futures"
    }

    fn time_path(&self) -> &str {
        "/fapi/v1/time"
    }

    fn body_encoding(&self) -> BodyEncoding {
        BodyEncoding::Form
    }

    fn places_order(&self, method: &Method, path: &str) -> bool {
        (*method == Method::POST || *method == Method::PUT)
            && ORDER_PATHS.contains(&path.trim_end_matches('/'))
    }

    /// USD-M's codes (the futures "Error Codes" page): -1006/-1007 and, on an order
    /// placement, an HTTP 5xx leave the order's fate unknown; -1001/-1004/-1008 (server busy)
    /// and -1016 say it was not processed; -2010, -2019 (margin insufficient), -2020/-2021
    /// (unable to fill, would trigger at once), -2022 (reduce-only rejected), -2025/-2027/
    /// -2028 (position or leverage limits), -4164 (notional too small) and -5021/-5022
    /// (FOK and post-only not met) refuse the order; -2011/-2013 name an unknown order;
    /// -1100..=-1130 and the -4xxx filter codes a bad parameter.
    fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind {
        match (code, status) {
            (Some(-1006 | -1007), _) => ExchangeErrorKind::ExecutionUnknown,
            (Some(-2014 | -2015 | -1002), _) => ExchangeErrorKind::Unauthorized,
            (Some(-1022), _) => ExchangeErrorKind::InvalidSignature,
            (Some(-1021), _) => ExchangeErrorKind::TimestampOutsideRecvWindow,
            (Some(-1003 | -1015), _) | (_, 418 | 429) => ExchangeErrorKind::RateLimited,
            (
                Some(
                    -2010 | -2019 | -2020 | -2021 | -2022 | -2025 | -2027 | -2028 | -4164 | -5021
                    | -5022,
                ),
                _,
            ) => ExchangeErrorKind::OrderRejected,
            (Some(-2011 | -2013), _) => ExchangeErrorKind::UnknownOrder,
            (Some(-1013 | -1121), _) | (Some(-1130..=-1100), _) | (Some(-4999..=-4000), _) => {
                ExchangeErrorKind::InvalidParameter
            }
            (Some(-1001 | -1004 | -1008 | -1016), _) => ExchangeErrorKind::Unavailable,
            (_, 500..=599) if placing_order => ExchangeErrorKind::ExecutionUnknown,
            (_, 500..=599) => ExchangeErrorKind::Unavailable,
            _ => ExchangeErrorKind::Other,
        }
    }

    fn signer(
        &self,
        api_key: &str,
        secret: SecretString,
    ) -> Result<Box<dyn RequestSigner>, InvalidApiKey> {
        Ok(Box::new(BinanceSigner::new(api_key, secret)?))
    }

    /// `symbol`, `side`, `type`, `timeInForce`, `price`, `quantity`, `newClientOrderId` on
    /// `POST /fapi/v1/order` (a batch carries its orders in one JSON parameter, which the
    /// journal records as the path and outcome only).
    fn order_fields(&self, path: &str) -> Option<OrderFields> {
        (path.trim_end_matches('/') == "/fapi/v1/order").then_some(
            OrderFields::new(
                "symbol",
                "side",
                "type",
                "timeInForce",
                "price",
                "quantity",
                "newClientOrderId",
            )
            .answer("orderId", "status", "executedQty"),
        )
    }

    /// The futures order answer (`RESULT`), `orderId` 0: the order exists nowhere.
    fn paper_answer(&self, fill: &PaperFill<'_>) -> Option<serde_json::Value> {
        let dec = |d: rust_decimal::Decimal| d.normalize().to_string();
        let status = match fill.status {
            PaperStatus::New => "NEW",
            PaperStatus::PartiallyFilled => "PARTIALLY_FILLED",
            PaperStatus::Filled => "FILLED",
            _ => "EXPIRED",
        };
        let avg_price = if fill.executed.is_zero() {
            rust_decimal::Decimal::ZERO
        } else {
            fill.quote.checked_div(fill.executed).unwrap_or_default()
        };
        Some(serde_json::json!({
            "clientOrderId": fill.client_order_id.unwrap_or_default(),
            "cumQty": dec(fill.executed),
            "cumQuote": dec(fill.quote),
            "executedQty": dec(fill.executed),
            "orderId": 0,
            "avgPrice": dec(avg_price),
            "origQty": dec(fill.quantity),
            "price": dec(fill.price.unwrap_or_default()),
            "reduceOnly": false,
            "side": fill.side,
            "positionSide": "BOTH",
            "status": status,
            "stopPrice": "0",
            "closePosition": false,
            "symbol": fill.symbol,
            "timeInForce": fill.time_in_force.unwrap_or("GTC"),
            "type": fill.order_type,
            "origType": fill.order_type,
            "updateTime": fill.at_unix_ms,
            "workingType": "CONTRACT_PRICE",
            "priceProtect": false,
            "priceMatch": "NONE",
            "selfTradePreventionMode": "NONE",
            "goodTillDate": 0,
        }))
    }
}

/// USD-M's sweep: `GET /fapi/v1/openOrders`, `DELETE /fapi/v1/allOpenOrders` per symbol (its
/// answer names no order: the confirming query tells), `DELETE /fapi/v1/order`,
/// `GET /fapi/v1/order`.
impl OrderVenue for BinanceFutures {
    type OpenOrders = FuturesOpenOrders;
    type CancelAll = FuturesCancelAll;
    type Cancelled = FuturesOrder;
    type OrderStatus = FuturesOrder;

    fn open_orders(&self, symbol: Option<&str>, _cursor: Option<&str>) -> VenueCall {
        let call = VenueCall::new(Method::GET, "/fapi/v1/openOrders");
        match symbol {
            Some(symbol) => call.param("symbol", symbol),
            None => call,
        }
    }

    fn cancel_all(&self, symbol: &str) -> Option<VenueCall> {
        Some(VenueCall::new(Method::DELETE, "/fapi/v1/allOpenOrders").param("symbol", symbol))
    }

    fn cancel(&self, order: &VenueOrder) -> VenueCall {
        VenueCall::new(Method::DELETE, "/fapi/v1/order")
            .param("symbol", order.symbol.as_str())
            .param("orderId", order.order_id.as_str())
    }

    fn order_status(&self, order: &VenueOrder) -> Option<VenueCall> {
        let call =
            VenueCall::new(Method::GET, "/fapi/v1/order").param("symbol", order.symbol.as_str());
        Some(match (&order.client_order_id, order.order_id.is_empty()) {
            (Some(client_id), true) => call.param("origClientOrderId", client_id.as_str()),
            _ => call.param("orderId", order.order_id.as_str()),
        })
    }

    fn balances(&self) -> Option<VenueCall> {
        Some(VenueCall::new(Method::GET, "/fapi/v2/account"))
    }

    /// Each margin asset: `availableBalance` free, the rest of `walletBalance` locked (in
    /// positions' and orders' margin).
    fn read_balances(
        &self,
        answer: &serde_json::Value,
    ) -> Result<Vec<VenueBalance>, serde_json::Error> {
        #[derive(serde::Deserialize)]
        struct Account {
            assets: Vec<Asset>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Asset {
            asset: String,
            wallet_balance: rust_decimal::Decimal,
            available_balance: rust_decimal::Decimal,
        }
        let account = <Account as serde::Deserialize>::deserialize(answer)?;
        Ok(account
            .assets
            .into_iter()
            .map(|a| {
                let locked = a
                    .wallet_balance
                    .checked_sub(a.available_balance)
                    .unwrap_or_default()
                    .max(rust_decimal::Decimal::ZERO);
                VenueBalance::new(a.asset, a.available_balance, locked)
            })
            .collect())
    }

    fn symbol_info(&self, symbol: &str) -> Option<VenueCall> {
        // USD-M's exchange info takes no symbol: the whole list.
        let _ = symbol;
        Some(VenueCall::new(Method::GET, "/fapi/v1/exchangeInfo"))
    }

    fn read_symbol_assets(
        &self,
        symbol: &str,
        answer: Option<&serde_json::Value>,
    ) -> Option<(String, String)> {
        super::binance::assessment::symbol_assets(symbol, answer)
    }
}

/// `POST /fapi/v1/countdownCancelAll`: every open order of the symbol is cancelled when the
/// countdown lapses (checked about every 10 ms); `countdownTime` 0 stops it.
impl CountdownCancel for BinanceFutures {
    type Armed = CountdownArmed;

    fn arm(&self, symbol: &str, countdown: Duration) -> VenueCall {
        // At least 1 ms: 0 would stop the countdown instead of arming it.
        let ms = u64::try_from(countdown.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        VenueCall::new(Method::POST, "/fapi/v1/countdownCancelAll")
            .param("symbol", symbol)
            .param("countdownTime", ms.to_string())
    }

    fn disarm(&self, symbol: &str) -> VenueCall {
        VenueCall::new(Method::POST, "/fapi/v1/countdownCancelAll")
            .param("symbol", symbol)
            .param("countdownTime", "0")
    }
}

impl ListsOrders for FuturesOpenOrders {
    fn orders(&self) -> Vec<VenueOrder> {
        self.0.iter().map(FuturesOrder::record).collect()
    }
}

impl ListsCancelled for FuturesCancelAll {
    fn cancelled_ids(&self) -> Vec<String> {
        Vec::new()
    }

    fn names_orders(&self) -> bool {
        false
    }
}

impl ClosedStatus for FuturesOrder {
    fn filled(&self) -> Option<bool> {
        self.status.filled()
    }

    fn state(&self) -> Option<OrderState> {
        Some(OrderState::new(
            self.order_id.to_string(),
            Some(self.client_order_id.clone()),
            self.status.as_str(),
            self.side.as_str(),
            self.orig_qty,
            self.executed_qty,
            self.cum_quote,
        ))
    }
}

impl FuturesOrder {
    /// The order as the kill switch's sweep records it.
    pub fn record(&self) -> VenueOrder {
        VenueOrder::new(
            self.order_id.to_string(),
            Some(self.client_order_id.clone()),
            self.symbol.clone(),
            self.side.as_str(),
            (!self.price.is_zero()).then_some(self.price),
            self.quantity_left(),
        )
    }
}

crate::class::declare_class!(Plain for BinanceFutures);

#[cfg(test)]
mod tests;
