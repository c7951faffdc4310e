//! The pre-trade controls' rules and throttle from USD-M futures' `exchangeInfo`:
//! [`TradingRules::from_binance_futures`] and [`Throttle::from_binance_futures`].

use rust_decimal::Decimal;

use super::exchange_info::{FuturesExchangeInfo, FuturesSymbolFilter, FuturesSymbolInfo};
use crate::pre_trade::{LotRule, NotionalRule, PriceRule, Throttle, TradingRules};

impl TradingRules {
    /// A USD-M contract's rules, from its `exchangeInfo` filters (`PRICE_FILTER`, `LOT_SIZE`,
    /// `MARKET_LOT_SIZE`, `MIN_NOTIONAL {notional}`, `MAX_NUM_ORDERS {limit}`). Futures hold
    /// market orders to the minimum notional too (at the mark price); there is no maximum.
    ///
    /// ```
    /// use hft_cache::exchange::binance_futures::FuturesExchangeInfo;
    /// use hft_cache::pre_trade::TradingRules;
    /// use rust_decimal_macros::dec;
    ///
    /// let info: FuturesExchangeInfo = serde_json::from_str(r#"{"timezone":"UTC","serverTime":0,"symbols":[{
    ///   "symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT",
    ///   "pricePrecision":2,"quantityPrecision":3,"filters":[
    ///     {"filterType":"PRICE_FILTER","minPrice":"0.10","maxPrice":"1000000","tickSize":"0.10"},
    ///     {"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1000","stepSize":"0.001"},
    ///     {"filterType":"MIN_NOTIONAL","notional":"100"},
    ///     {"filterType":"MAX_NUM_ORDERS","limit":200}]}]}"#).unwrap();
    /// let rules = TradingRules::from_binance_futures(&info.symbols[0]);
    /// assert_eq!(rules.price.unwrap().tick, dec!(0.10));
    /// assert_eq!(rules.notional.unwrap().min, dec!(100));
    /// assert_eq!(rules.max_open_orders, Some(200));
    /// ```
    pub fn from_binance_futures(symbol: &FuturesSymbolInfo) -> Self {
        let mut rules = TradingRules::new();
        for filter in &symbol.filters {
            match filter {
                FuturesSymbolFilter::PriceFilter {
                    min_price,
                    max_price,
                    tick_size,
                } => {
                    rules.price = Some(PriceRule {
                        min: *min_price,
                        max: *max_price,
                        tick: *tick_size,
                    });
                }
                FuturesSymbolFilter::LotSize {
                    min_qty,
                    max_qty,
                    step_size,
                } => {
                    rules.lot = Some(LotRule {
                        min: *min_qty,
                        max: *max_qty,
                        step: *step_size,
                    });
                }
                FuturesSymbolFilter::MarketLotSize {
                    min_qty,
                    max_qty,
                    step_size,
                } => {
                    rules.market_lot = Some(LotRule {
                        min: *min_qty,
                        max: *max_qty,
                        step: *step_size,
                    });
                }
                FuturesSymbolFilter::MinNotional { notional } => {
                    rules.notional = Some(NotionalRule {
                        min: *notional,
                        min_applies_to_market: true,
                        max: Decimal::ZERO,
                        max_applies_to_market: false,
                    });
                }
                FuturesSymbolFilter::MaxNumOrders { limit } => {
                    rules.max_open_orders = Some(*limit);
                }
                _ => {}
            }
        }
        rules
    }
}

impl Throttle {
    /// The venue's published order limit with the shortest interval (`rateLimits` of type
    /// `ORDERS`, e.g. 1200 a minute), if it publishes one.
    pub fn from_binance_futures(info: &FuturesExchangeInfo) -> Option<Self> {
        Throttle::from_rate_limits(&info.rate_limits)
    }
}
