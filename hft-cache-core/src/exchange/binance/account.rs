//! `GET /api/v3/account`.

use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET /api/v3/account`: balances and permissions, live.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Account {
    /// Maker commission, in basis points.
    pub maker_commission: i64,
    /// Taker commission, in basis points.
    pub taker_commission: i64,
    /// Buyer commission, in basis points.
    pub buyer_commission: i64,
    /// Seller commission, in basis points.
    pub seller_commission: i64,
    /// The commission rates as fractions.
    pub commission_rates: CommissionRates,
    /// Whether the account may trade.
    pub can_trade: bool,
    /// Whether the account may withdraw.
    pub can_withdraw: bool,
    /// Whether the account may deposit.
    pub can_deposit: bool,
    /// Whether the account is brokered.
    #[serde(default)]
    pub brokered: bool,
    /// Whether self-trade prevention is required.
    #[serde(default)]
    pub require_self_trade_prevention: bool,
    /// Whether smart order routing is prevented.
    #[serde(default)]
    pub prevent_sor: bool,
    /// When the account last changed, in milliseconds since the Unix epoch.
    pub update_time: u64,
    /// `SPOT`, ...
    pub account_type: String,
    /// One entry per asset.
    pub balances: Vec<AccountBalance>,
    /// `SPOT`, `MARGIN`, ...
    #[serde(default)]
    pub permissions: Vec<String>,
    /// The user id.
    #[serde(default)]
    pub uid: Option<u64>,
}

/// One asset's balance in an [`Account`].
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[non_exhaustive]
pub struct AccountBalance {
    /// The asset, e.g. `BTC`.
    pub asset: String,
    /// Available.
    pub free: Decimal,
    /// Held by open orders.
    pub locked: Decimal,
}

/// An account's commission rates, as fractions (`0.00150000` is 0.15 %): a fee schedule.
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[non_exhaustive]
pub struct CommissionRates {
    /// Maker rate.
    pub maker: Decimal,
    /// Taker rate.
    pub taker: Decimal,
    /// Buyer rate.
    pub buyer: Decimal,
    /// Seller rate.
    pub seller: Decimal,
}

impl Account {
    /// The balance of `asset`, if the account lists it.
    pub fn balance(&self, asset: &str) -> Option<&AccountBalance> {
        self.balances.iter().find(|b| b.asset == asset)
    }
}
