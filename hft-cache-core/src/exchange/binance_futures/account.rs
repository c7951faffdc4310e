//! Positions and the account: `GET /fapi/v2/positionRisk`, `GET /fapi/v2/account`.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::order::PositionSide;
use super::wire::number_text;

/// One position as `GET /fapi/v2/positionRisk` reports it: size, entry, mark, unrealized
/// PnL, liquidation price, leverage. Live data: a position is as old as the answer it came in,
/// so it is read only through a [`Fresh<Positions>`](crate::Fresh), never cached.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PositionRisk {
    /// The symbol.
    pub symbol: String,
    /// The size: positive long, negative short, zero flat.
    pub position_amt: Decimal,
    /// The volume-weighted entry price (0 when flat).
    pub entry_price: Decimal,
    /// The price at which closing breaks even after fees.
    #[serde(default)]
    pub break_even_price: Option<Decimal>,
    /// The mark price PnL and liquidation are measured at.
    pub mark_price: Decimal,
    /// Unrealized PnL at the mark price, in the margin asset.
    #[serde(rename = "unRealizedProfit")]
    pub unrealized_profit: Decimal,
    /// The estimated liquidation price (0 when there is none).
    pub liquidation_price: Decimal,
    /// The symbol's initial leverage.
    #[serde(deserialize_with = "number_text")]
    #[hft(trusted_transform)]
    pub leverage: u32,
    /// The largest notional the leverage allows.
    #[serde(default)]
    pub max_notional_value: Option<Decimal>,
    /// `cross` or `isolated`.
    #[serde(default)]
    pub margin_type: Option<String>,
    /// The isolated margin (0 in cross mode).
    #[serde(default)]
    pub isolated_margin: Option<Decimal>,
    /// Whether isolated margin is topped up on its own (`"true"`/`"false"` on the wire).
    #[serde(default)]
    pub is_auto_add_margin: Option<String>,
    /// The position it is: `BOTH` in one-way mode.
    pub position_side: PositionSide,
    /// The size at the mark price, signed as the size.
    #[serde(default)]
    pub notional: Decimal,
    /// The isolated wallet (0 in cross mode).
    #[serde(default)]
    pub isolated_wallet: Option<Decimal>,
    /// When it last changed, in milliseconds since the Unix epoch (0: never).
    #[serde(default)]
    pub update_time: u64,
}

impl PositionRisk {
    /// Whether there is a position at all.
    pub fn is_open(&self) -> bool {
        !self.position_amt.is_zero()
    }
}

/// `GET /fapi/v2/positionRisk`: one entry per symbol (and side, in hedge mode).
///
/// ```
/// use hft_cache::exchange::binance_futures::Positions;
/// use rust_decimal_macros::dec;
///
/// let positions: Positions = serde_json::from_str(r#"[{"symbol":"BTCUSDT","positionAmt":"0.010",
///   "entryPrice":"60000","markPrice":"60100","unRealizedProfit":"1.0","liquidationPrice":"54321",
///   "leverage":"10","positionSide":"BOTH","notional":"601","updateTime":1}]"#).unwrap();
/// let btc = positions.get("BTCUSDT").unwrap();
/// assert_eq!((btc.position_amt, btc.leverage), (dec!(0.010), 10));
/// assert_eq!(positions.open().count(), 1);
/// ```
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(transparent)]
pub struct Positions(pub Vec<PositionRisk>);

impl Positions {
    /// The one-way (or first) position of `symbol`, if listed.
    pub fn get(&self, symbol: &str) -> Option<&PositionRisk> {
        self.0.iter().find(|p| p.symbol == symbol)
    }

    /// The positions that are not flat.
    pub fn open(&self) -> impl Iterator<Item = &PositionRisk> {
        self.0.iter().filter(|p| p.is_open())
    }
}

/// `GET /fapi/v2/account`: wallet, margin and positions, live.
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FuturesAccount {
    /// The commission tier.
    #[serde(default)]
    pub fee_tier: u32,
    /// Whether fees are paid in BNB at a discount.
    #[serde(default)]
    pub fee_burn: bool,
    /// Whether the account may trade.
    #[serde(default)]
    pub can_trade: bool,
    /// Whether assets may be transferred in.
    #[serde(default)]
    pub can_deposit: bool,
    /// Whether assets may be transferred out.
    #[serde(default)]
    pub can_withdraw: bool,
    /// Whether multi-assets margin mode is on.
    #[serde(default)]
    pub multi_assets_margin: bool,
    /// Initial margin required at the mark price.
    pub total_initial_margin: Decimal,
    /// Maintenance margin required.
    pub total_maint_margin: Decimal,
    /// The wallet balance.
    pub total_wallet_balance: Decimal,
    /// Unrealized PnL.
    pub total_unrealized_profit: Decimal,
    /// Wallet plus unrealized PnL.
    pub total_margin_balance: Decimal,
    /// Initial margin of the positions.
    #[serde(default)]
    pub total_position_initial_margin: Decimal,
    /// Initial margin of the open orders.
    #[serde(default)]
    pub total_open_order_initial_margin: Decimal,
    /// The cross wallet balance.
    #[serde(default)]
    pub total_cross_wallet_balance: Decimal,
    /// Unrealized PnL of the cross positions.
    #[serde(default)]
    pub total_cross_un_pnl: Decimal,
    /// What new orders may use.
    pub available_balance: Decimal,
    /// What may be transferred out.
    #[serde(default)]
    pub max_withdraw_amount: Decimal,
    /// One entry per margin asset.
    #[serde(default)]
    pub assets: Vec<FuturesAssetBalance>,
    /// One entry per symbol.
    #[serde(default)]
    pub positions: Vec<AccountPosition>,
}

/// One margin asset of a [`FuturesAccount`].
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FuturesAssetBalance {
    /// The asset, e.g. `USDT`.
    pub asset: String,
    /// The wallet balance.
    pub wallet_balance: Decimal,
    /// Unrealized PnL.
    pub unrealized_profit: Decimal,
    /// Wallet plus unrealized PnL.
    pub margin_balance: Decimal,
    /// Maintenance margin required.
    #[serde(default)]
    pub maint_margin: Decimal,
    /// Initial margin required.
    #[serde(default)]
    pub initial_margin: Decimal,
    /// What new orders may use.
    pub available_balance: Decimal,
    /// What may be transferred out.
    #[serde(default)]
    pub max_withdraw_amount: Decimal,
    /// When it last changed.
    #[serde(default)]
    pub update_time: u64,
}

/// One symbol's position as `GET /fapi/v2/account` lists it (no mark or liquidation price:
/// [`Positions`] has those).
#[derive(Debug, Deserialize, hft_cache_macros::Live)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccountPosition {
    /// The symbol.
    pub symbol: String,
    /// The size, signed.
    pub position_amt: Decimal,
    /// The entry price.
    #[serde(default)]
    pub entry_price: Decimal,
    /// Unrealized PnL.
    #[serde(default)]
    pub unrealized_profit: Decimal,
    /// Initial margin required.
    #[serde(default)]
    pub initial_margin: Decimal,
    /// Maintenance margin required.
    #[serde(default)]
    pub maint_margin: Decimal,
    /// The leverage.
    #[serde(default, deserialize_with = "number_text")]
    #[hft(trusted_transform)]
    pub leverage: u32,
    /// Whether the position is isolated.
    #[serde(default)]
    pub isolated: bool,
    /// The position side.
    pub position_side: PositionSide,
    /// When it last changed.
    #[serde(default)]
    pub update_time: u64,
}
