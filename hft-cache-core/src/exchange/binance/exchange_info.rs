//! `GET /api/v3/exchangeInfo`: symbols, their filters, rate limits. Static data.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::order::OrderType;

/// `GET /api/v3/exchangeInfo`: trading rules and limits, static (cache it in a
/// [`StaticCache`](crate::StaticCache), refreshed periodically).
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExchangeInfo {
    /// `UTC`.
    pub timezone: String,
    /// The server's time when it answered.
    pub server_time: u64,
    /// The request and order limits.
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    /// Exchange-wide filters.
    #[serde(default)]
    pub exchange_filters: Vec<ExchangeFilter>,
    /// Every symbol.
    pub symbols: Vec<SymbolInfo>,
    /// Smart order routing groups, when SOR is available.
    #[serde(default)]
    pub sors: Vec<Sor>,
}

/// One symbol's rules.
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SymbolInfo {
    /// The symbol, e.g. `ETHBTC`.
    pub symbol: String,
    /// `TRADING`, `HALT`, `BREAK`.
    pub status: String,
    /// The base asset.
    pub base_asset: String,
    /// Decimal places of the base asset.
    pub base_asset_precision: u32,
    /// The quote asset.
    pub quote_asset: String,
    /// Decimal places of the quote asset (`quotePrecision`, its old name, is ignored).
    pub quote_asset_precision: u32,
    /// Decimal places of commissions in the base asset.
    #[serde(default)]
    pub base_commission_precision: u32,
    /// Decimal places of commissions in the quote asset.
    #[serde(default)]
    pub quote_commission_precision: u32,
    /// The order types allowed.
    pub order_types: Vec<OrderType>,
    /// Whether iceberg orders are allowed.
    pub iceberg_allowed: bool,
    /// Whether OCO lists are allowed.
    pub oco_allowed: bool,
    /// Whether OTO lists are allowed.
    #[serde(default)]
    pub oto_allowed: bool,
    /// Whether `quoteOrderQty` market orders are allowed.
    pub quote_order_qty_market_allowed: bool,
    /// Whether trailing stops are allowed.
    #[serde(default)]
    pub allow_trailing_stop: bool,
    /// Whether cancel-replace is allowed.
    #[serde(default)]
    pub cancel_replace_allowed: bool,
    /// Whether amending orders is allowed.
    #[serde(default)]
    pub amend_allowed: bool,
    /// Whether spot trading is allowed.
    pub is_spot_trading_allowed: bool,
    /// Whether margin trading is allowed.
    pub is_margin_trading_allowed: bool,
    /// The symbol's filters.
    pub filters: Vec<SymbolFilter>,
    /// Permission sets: an account may trade the symbol if it has every permission of a set.
    #[serde(default)]
    pub permission_sets: Vec<Vec<String>>,
    /// The default self-trade prevention mode.
    #[serde(default)]
    pub default_self_trade_prevention_mode: Option<String>,
    /// The allowed self-trade prevention modes.
    #[serde(default)]
    pub allowed_self_trade_prevention_modes: Vec<String>,
}

impl SymbolInfo {
    /// The `PRICE_FILTER`'s tick size, if the symbol has one.
    pub fn tick_size(&self) -> Option<Decimal> {
        self.filters.iter().find_map(|f| match f {
            SymbolFilter::PriceFilter { tick_size, .. } => Some(*tick_size),
            _ => None,
        })
    }

    /// The `LOT_SIZE` filter's step size, if the symbol has one.
    pub fn step_size(&self) -> Option<Decimal> {
        self.filters.iter().find_map(|f| match f {
            SymbolFilter::LotSize { step_size, .. } => Some(*step_size),
            _ => None,
        })
    }
}

/// A symbol filter (filters.md, "Symbol filters"), tagged by `filterType`.
#[derive(Debug, Clone, PartialEq, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(tag = "filterType", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum SymbolFilter {
    /// Price range and tick size (a zero bound is disabled).
    PriceFilter {
        /// The lowest price.
        min_price: Decimal,
        /// The highest price.
        max_price: Decimal,
        /// Prices are multiples of this.
        tick_size: Decimal,
    },
    /// Price within multipliers of the average price over `avgPriceMins` minutes.
    PercentPrice {
        /// Upper multiplier.
        multiplier_up: Decimal,
        /// Lower multiplier.
        multiplier_down: Decimal,
        /// Minutes of the average (0: last price).
        avg_price_mins: u32,
    },
    /// [`PercentPrice`](Self::PercentPrice) with bounds per side.
    PercentPriceBySide {
        /// Upper multiplier for bids.
        bid_multiplier_up: Decimal,
        /// Lower multiplier for bids.
        bid_multiplier_down: Decimal,
        /// Upper multiplier for asks.
        ask_multiplier_up: Decimal,
        /// Lower multiplier for asks.
        ask_multiplier_down: Decimal,
        /// Minutes of the average (0: last price).
        avg_price_mins: u32,
    },
    /// Quantity range and step.
    LotSize {
        /// The smallest quantity.
        min_qty: Decimal,
        /// The largest quantity.
        max_qty: Decimal,
        /// Quantities are multiples of this.
        step_size: Decimal,
    },
    /// Minimum notional (price × quantity).
    MinNotional {
        /// The minimum.
        min_notional: Decimal,
        /// Whether market orders are checked.
        apply_to_market: bool,
        /// Minutes of the average price market orders are checked at.
        avg_price_mins: u32,
    },
    /// Notional range.
    Notional {
        /// The minimum.
        min_notional: Decimal,
        /// Whether market orders are checked against the minimum.
        apply_min_to_market: bool,
        /// The maximum.
        max_notional: Decimal,
        /// Whether market orders are checked against the maximum.
        apply_max_to_market: bool,
        /// Minutes of the average price market orders are checked at.
        avg_price_mins: u32,
    },
    /// Most parts an iceberg order may have.
    IcebergParts {
        /// The limit.
        limit: u32,
    },
    /// [`LotSize`](Self::LotSize) for market orders.
    MarketLotSize {
        /// The smallest quantity.
        min_qty: Decimal,
        /// The largest quantity.
        max_qty: Decimal,
        /// Quantities are multiples of this.
        step_size: Decimal,
    },
    /// Most open orders on the symbol.
    MaxNumOrders {
        /// The limit.
        max_num_orders: u32,
    },
    /// Most open stop/take-profit orders on the symbol.
    MaxNumAlgoOrders {
        /// The limit.
        max_num_algo_orders: u32,
    },
    /// Most open iceberg orders on the symbol.
    MaxNumIcebergOrders {
        /// The limit.
        max_num_iceberg_orders: u32,
    },
    /// Largest position in the base asset (balance plus open buys).
    MaxPosition {
        /// The limit.
        max_position: Decimal,
    },
    /// Trailing-delta bounds, in basis points.
    TrailingDelta {
        /// Smallest delta above the price.
        min_trailing_above_delta: u32,
        /// Largest delta above the price.
        max_trailing_above_delta: u32,
        /// Smallest delta below the price.
        min_trailing_below_delta: u32,
        /// Largest delta below the price.
        max_trailing_below_delta: u32,
    },
    /// Most amendments of one order.
    MaxNumOrderAmends {
        /// The limit.
        max_num_order_amends: u32,
    },
    /// Most open order lists on the symbol.
    MaxNumOrderLists {
        /// The limit.
        max_num_order_lists: u32,
    },
    /// A filter this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// An exchange-wide filter (filters.md, "Exchange Filters"), tagged by `filterType`.
#[derive(Debug, Clone, PartialEq, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(tag = "filterType", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum ExchangeFilter {
    /// Most open orders on the account.
    ExchangeMaxNumOrders {
        /// The limit.
        max_num_orders: u32,
    },
    /// Most open stop/take-profit orders on the account.
    ExchangeMaxNumAlgoOrders {
        /// The limit.
        max_num_algo_orders: u32,
    },
    /// Most open iceberg orders on the account.
    ExchangeMaxNumIcebergOrders {
        /// The limit.
        max_num_iceberg_orders: u32,
    },
    /// Most open order lists on the account.
    ExchangeMaxNumOrderLists {
        /// The limit.
        max_num_order_lists: u32,
    },
    /// A filter this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// An asset filter (filters.md, "Asset Filters"; `GET /api/v3/myFilters`).
#[derive(Debug, Clone, PartialEq, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(tag = "filterType", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum AssetFilter {
    /// Largest quantity of an asset a user may buy with one order.
    MaxAsset {
        /// The asset.
        asset: String,
        /// The limit.
        limit: Decimal,
    },
    /// A filter this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// A request or order rate limit (enums.md, "Rate limiters").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RateLimit {
    /// `REQUEST_WEIGHT`, `ORDERS` or `RAW_REQUESTS`.
    pub rate_limit_type: String,
    /// `SECOND`, `MINUTE` or `DAY`.
    pub interval: String,
    /// How many intervals the window spans.
    pub interval_num: u32,
    /// The limit in the window.
    pub limit: u64,
}

/// A smart-order-routing group.
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Sor {
    /// The base asset.
    pub base_asset: String,
    /// The symbols routed together.
    pub symbols: Vec<String>,
}
