//! What the emergency assessment reads of Binance spot: an order's state, the account's
//! balances, a symbol's assets. (USD-M futures reads its exchange info the same way.)

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Order, OrderSide, OrderStatus};
use crate::exchange::venue::{OrderState, VenueBalance};

#[derive(Deserialize)]
struct Account {
    balances: Vec<Balance>,
}

#[derive(Deserialize)]
struct Balance {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

#[derive(Deserialize)]
struct ExchangeInfo {
    symbols: Vec<SymbolAssets>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SymbolAssets {
    symbol: String,
    base_asset: String,
    quote_asset: String,
}

/// `GET /api/v3/account`'s balances.
pub(crate) fn balances(answer: &serde_json::Value) -> Result<Vec<VenueBalance>, serde_json::Error> {
    let account = Account::deserialize(answer)?;
    Ok(account
        .balances
        .into_iter()
        .map(|b| VenueBalance::new(b.asset, b.free, b.locked))
        .collect())
}

/// The base and quote asset of `symbol` in an `exchangeInfo` answer (spot's or USD-M's).
pub(crate) fn symbol_assets(
    symbol: &str,
    answer: Option<&serde_json::Value>,
) -> Option<(String, String)> {
    let info = ExchangeInfo::deserialize(answer?).ok()?;
    info.symbols
        .into_iter()
        .find(|s| s.symbol == symbol)
        .map(|s| (s.base_asset, s.quote_asset))
}

impl Order {
    /// The order as the assessment records it.
    pub(crate) fn state(&self) -> OrderState {
        OrderState::new(
            self.order_id.to_string(),
            Some(self.client_order_id.clone()),
            self.status.as_str(),
            match self.side {
                OrderSide::Sell => "SELL",
                _ => "BUY",
            },
            self.orig_qty,
            self.executed_qty,
            self.cummulative_quote_qty,
        )
    }
}

impl OrderStatus {
    /// The status as Binance spells it (`NEW`, `FILLED`, ...; `UNKNOWN` for one this crate
    /// does not know).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "NEW",
            OrderStatus::PendingNew => "PENDING_NEW",
            OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
            OrderStatus::Filled => "FILLED",
            OrderStatus::Canceled => "CANCELED",
            OrderStatus::PendingCancel => "PENDING_CANCEL",
            OrderStatus::Rejected => "REJECTED",
            OrderStatus::Expired => "EXPIRED",
            OrderStatus::ExpiredInMatch => "EXPIRED_IN_MATCH",
            OrderStatus::Unknown => "UNKNOWN",
        }
    }
}
