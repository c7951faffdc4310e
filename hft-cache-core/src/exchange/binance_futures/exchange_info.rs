//! `GET /fapi/v1/exchangeInfo`: contracts, their filters, rate limits. Static data.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::number_text;
use crate::exchange::binance::RateLimit;

/// `GET /fapi/v1/exchangeInfo`: USD-M futures' trading rules and limits, static (cache it in a
/// [`StaticCache`](crate::StaticCache), refreshed periodically).
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FuturesExchangeInfo {
    /// `UTC`.
    pub timezone: String,
    /// The server's time when it answered (the docs: use `GET /fapi/v1/time` for the clock).
    pub server_time: u64,
    /// The request and order limits.
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    /// The margin assets.
    #[serde(default)]
    pub assets: Vec<FuturesAssetInfo>,
    /// Every contract.
    pub symbols: Vec<FuturesSymbolInfo>,
}

impl FuturesExchangeInfo {
    /// The contract `symbol`, if listed.
    pub fn symbol(&self, symbol: &str) -> Option<&FuturesSymbolInfo> {
        self.symbols.iter().find(|s| s.symbol == symbol)
    }
}

/// A margin asset of [`FuturesExchangeInfo`].
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FuturesAssetInfo {
    /// The asset.
    pub asset: String,
    /// Whether it counts as margin in multi-assets mode.
    pub margin_available: bool,
    /// The auto-exchange threshold in multi-assets mode (`null` where there is none).
    #[serde(default)]
    pub auto_asset_exchange: Option<Decimal>,
}

/// One contract's rules.
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FuturesSymbolInfo {
    /// The symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// The underlying pair.
    #[serde(default)]
    pub pair: String,
    /// `PERPETUAL`, `CURRENT_QUARTER`, ...
    #[serde(default)]
    pub contract_type: String,
    /// When it is delivered, in milliseconds since the Unix epoch (far off for a perpetual).
    #[serde(default)]
    pub delivery_date: u64,
    /// When it was listed.
    #[serde(default)]
    pub onboard_date: u64,
    /// `TRADING`, `SETTLING`, ...
    pub status: String,
    /// The base asset.
    pub base_asset: String,
    /// The quote asset.
    pub quote_asset: String,
    /// The asset margin is held in.
    pub margin_asset: String,
    /// Decimal places of prices (the docs: not the tick size, which is `PRICE_FILTER`'s).
    pub price_precision: u32,
    /// Decimal places of quantities (not the step size, which is `LOT_SIZE`'s).
    pub quantity_precision: u32,
    /// Decimal places of the base asset.
    #[serde(default)]
    pub base_asset_precision: u32,
    /// Decimal places of the quote asset.
    #[serde(default)]
    pub quote_precision: u32,
    /// The contract's filters.
    pub filters: Vec<FuturesSymbolFilter>,
    /// The order types allowed (the docs spell the key `OrderType`).
    #[serde(rename = "OrderType", alias = "orderTypes", default)]
    pub order_types: Vec<String>,
    /// The times in force allowed.
    #[serde(default)]
    pub time_in_force: Vec<String>,
    /// The liquidation fee rate.
    #[serde(default)]
    pub liquidation_fee: Option<Decimal>,
    /// How far a market order may trade from the mark price, as a fraction.
    #[serde(default)]
    pub market_take_bound: Option<Decimal>,
}

impl FuturesSymbolInfo {
    /// The `PRICE_FILTER`'s tick size, if the contract has one.
    pub fn tick_size(&self) -> Option<Decimal> {
        self.filters.iter().find_map(|f| match f {
            FuturesSymbolFilter::PriceFilter { tick_size, .. } => Some(*tick_size),
            _ => None,
        })
    }

    /// The `LOT_SIZE` filter's step size, if the contract has one.
    pub fn step_size(&self) -> Option<Decimal> {
        self.filters.iter().find_map(|f| match f {
            FuturesSymbolFilter::LotSize { step_size, .. } => Some(*step_size),
            _ => None,
        })
    }
}

/// A futures contract's filter, tagged by `filterType`. Futures name some fields apart from
/// spot's: `MAX_NUM_ORDERS {limit}`, `MIN_NOTIONAL {notional}`.
#[derive(Debug, Clone, PartialEq, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(tag = "filterType", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum FuturesSymbolFilter {
    /// Price range and tick size.
    PriceFilter {
        /// The lowest price.
        min_price: Decimal,
        /// The highest price.
        max_price: Decimal,
        /// Prices are multiples of this.
        tick_size: Decimal,
    },
    /// Quantity range and step of limit orders.
    LotSize {
        /// The smallest quantity.
        min_qty: Decimal,
        /// The largest quantity.
        max_qty: Decimal,
        /// Quantities are multiples of this.
        step_size: Decimal,
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
    /// Most open orders on the contract.
    MaxNumOrders {
        /// The limit.
        limit: u32,
    },
    /// Most open conditional orders on the contract.
    MaxNumAlgoOrders {
        /// The limit.
        limit: u32,
    },
    /// Smallest notional (price × quantity) of an order; reduce-only orders are exempt.
    MinNotional {
        /// The minimum.
        notional: Decimal,
    },
    /// Price within multipliers of the mark price.
    PercentPrice {
        /// Upper multiplier.
        multiplier_up: Decimal,
        /// Lower multiplier.
        multiplier_down: Decimal,
        /// Decimal places of the multipliers.
        #[serde(default, deserialize_with = "number_text")]
        multiplier_decimal: u32,
    },
    /// A filter this crate does not know yet.
    #[serde(other)]
    Unknown,
}
