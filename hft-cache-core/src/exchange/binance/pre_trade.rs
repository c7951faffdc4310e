//! The pre-trade controls' rules and throttle from Binance's `exchangeInfo`:
//! [`TradingRules::from_binance`] and [`Throttle::from_binance`].

use std::time::Duration;

use rust_decimal::Decimal;

use super::exchange_info::{ExchangeInfo, RateLimit, SymbolFilter, SymbolInfo};
use crate::pre_trade::{LotRule, NotionalRule, PriceRule, Throttle, TradingRules};

impl TradingRules {
    /// A Binance symbol's rules, from its `exchangeInfo` filters (`PRICE_FILTER`, `LOT_SIZE`,
    /// `MARKET_LOT_SIZE`, `MIN_NOTIONAL`, `NOTIONAL`, `MAX_NUM_ORDERS`).
    ///
    /// ```
    /// use hft_cache::exchange::binance::ExchangeInfo;
    /// use hft_cache::pre_trade::TradingRules;
    /// use rust_decimal_macros::dec;
    ///
    /// let info: ExchangeInfo = serde_json::from_str(r#"{"timezone":"UTC","serverTime":0,"symbols":[{
    ///   "symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","baseAssetPrecision":8,
    ///   "quoteAsset":"USDT","quoteAssetPrecision":8,"orderTypes":["LIMIT"],"icebergAllowed":false,
    ///   "ocoAllowed":false,"quoteOrderQtyMarketAllowed":true,"isSpotTradingAllowed":true,
    ///   "isMarginTradingAllowed":false,"filters":[
    ///     {"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000000","tickSize":"0.01"},
    ///     {"filterType":"LOT_SIZE","minQty":"0.00001","maxQty":"9000","stepSize":"0.00001"},
    ///     {"filterType":"MAX_NUM_ORDERS","maxNumOrders":200}]}]}"#).unwrap();
    /// let rules = TradingRules::from_binance(&info.symbols[0]);
    /// assert_eq!(rules.price.unwrap().tick, dec!(0.01));
    /// assert_eq!(rules.max_open_orders, Some(200));
    /// ```
    pub fn from_binance(symbol: &SymbolInfo) -> Self {
        let mut rules = TradingRules::new();
        for filter in &symbol.filters {
            match filter {
                SymbolFilter::PriceFilter {
                    min_price,
                    max_price,
                    tick_size,
                } => {
                    rules.price = Some(PriceRule {
                        min: *min_price,
                        max: *max_price,
                        tick: *tick_size,
                    })
                }
                SymbolFilter::LotSize {
                    min_qty,
                    max_qty,
                    step_size,
                } => {
                    rules.lot = Some(LotRule {
                        min: *min_qty,
                        max: *max_qty,
                        step: *step_size,
                    })
                }
                SymbolFilter::MarketLotSize {
                    min_qty,
                    max_qty,
                    step_size,
                } => {
                    rules.market_lot = Some(LotRule {
                        min: *min_qty,
                        max: *max_qty,
                        step: *step_size,
                    })
                }
                SymbolFilter::MinNotional {
                    min_notional,
                    apply_to_market,
                    ..
                } => {
                    let notional = rules.notional.get_or_insert(NotionalRule {
                        min: Decimal::ZERO,
                        min_applies_to_market: false,
                        max: Decimal::ZERO,
                        max_applies_to_market: false,
                    });
                    notional.min = notional.min.max(*min_notional);
                    notional.min_applies_to_market |= *apply_to_market;
                }
                SymbolFilter::Notional {
                    min_notional,
                    apply_min_to_market,
                    max_notional,
                    apply_max_to_market,
                    ..
                } => {
                    let notional = rules.notional.get_or_insert(NotionalRule {
                        min: Decimal::ZERO,
                        min_applies_to_market: false,
                        max: Decimal::ZERO,
                        max_applies_to_market: false,
                    });
                    notional.min = notional.min.max(*min_notional);
                    notional.min_applies_to_market |= *apply_min_to_market;
                    notional.max = *max_notional;
                    notional.max_applies_to_market = *apply_max_to_market;
                }
                SymbolFilter::MaxNumOrders { max_num_orders } => {
                    rules.max_open_orders = Some(*max_num_orders);
                }
                _ => {}
            }
        }
        rules
    }
}

impl Throttle {
    /// The venue's published order limit with the shortest interval (Binance's
    /// `rateLimits` of type `ORDERS`, e.g. 100 per 10 s), if it publishes one.
    pub fn from_binance(info: &ExchangeInfo) -> Option<Self> {
        Throttle::from_rate_limits(&info.rate_limits)
    }

    /// The `ORDERS` limit with the shortest interval among Binance's `rateLimits` (spot's and
    /// futures' share the shape).
    pub(crate) fn from_rate_limits(limits: &[RateLimit]) -> Option<Self> {
        limits
            .iter()
            .filter(|l| l.rate_limit_type == "ORDERS")
            .filter_map(|l| {
                let unit = match l.interval.as_str() {
                    "SECOND" => 1,
                    "MINUTE" => 60,
                    "HOUR" => 3600,
                    "DAY" => 86_400,
                    _ => return None,
                };
                let per = Duration::from_secs(unit * u64::from(l.interval_num));
                Throttle::new(u32::try_from(l.limit).unwrap_or(u32::MAX), per)
            })
            .min_by_key(Throttle::per)
    }
}
