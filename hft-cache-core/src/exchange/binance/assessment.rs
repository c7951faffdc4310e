//! What the emergency assessment reads of Binance spot's answers: the account's balances, a
//! symbol's assets. (USD-M futures reads its exchange info the same way.)

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exchange::venue::VenueBalance;

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
