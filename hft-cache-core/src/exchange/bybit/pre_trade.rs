//! The pre-trade controls' rules and throttle for Bybit v5: [`TradingRules::from_bybit`] over
//! `instruments-info`, and [`Throttle::bybit`] from Bybit's published order rate limits
//! (Bybit does not publish them in an answer, unlike Binance's `rateLimits`).

use std::time::Duration;

use rust_decimal::Decimal;

use super::instruments::Instrument;
use crate::pre_trade::{LotRule, NotionalRule, PriceRule, Throttle, TradingRules};

impl TradingRules {
    /// A Bybit instrument's rules, from its `priceFilter` and `lotSizeFilter`: the tick size
    /// (and, for derivatives, the price bounds), the quantity bounds and step (`basePrecision`
    /// on spot, `qtyStep` on derivatives), the market-order quantity bound, and the order
    /// value bounds (`minOrderAmt`/`maxOrderAmt` on spot, `minNotionalValue` on derivatives).
    /// A part the instrument does not send stays disabled. Bybit holds market orders to the
    /// same value bounds.
    ///
    /// ```
    /// use hft_cache::exchange::bybit::InstrumentsInfo;
    /// use hft_cache::pre_trade::TradingRules;
    /// use rust_decimal_macros::dec;
    ///
    /// let info: InstrumentsInfo = serde_json::from_str(r#"{"category":"spot","list":[{
    ///   "symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","status":"Trading",
    ///   "lotSizeFilter":{"basePrecision":"0.000001","quotePrecision":"0.00000001",
    ///     "minOrderQty":"0.000048","maxOrderQty":"71.73956243","minOrderAmt":"1",
    ///     "maxOrderAmt":"2000000"},
    ///   "priceFilter":{"tickSize":"0.01"}}]}"#).unwrap();
    /// let rules = TradingRules::from_bybit(&info.list[0]);
    /// assert_eq!(rules.price.unwrap().tick, dec!(0.01));
    /// assert_eq!(rules.lot.unwrap().step, dec!(0.000001));
    /// assert_eq!(rules.notional.unwrap().min, dec!(1));
    /// ```
    pub fn from_bybit(instrument: &Instrument) -> Self {
        let price = &instrument.price_filter;
        let lot = &instrument.lot_size_filter;
        let mut rules = TradingRules::new();
        rules.price = Some(PriceRule {
            min: price.min_price.unwrap_or(Decimal::ZERO),
            max: price.max_price.unwrap_or(Decimal::ZERO),
            tick: price.tick_size,
        });
        // Bybit's quantities are multiples of the step, not `min` plus one: the two agree
        // whenever the minimum is itself on the step, which Bybit's are.
        rules.lot = Some(LotRule {
            min: lot.min_order_qty,
            max: lot.max_order_qty,
            step: lot.base_precision.or(lot.qty_step).unwrap_or(Decimal::ZERO),
        });
        if let Some(max) = lot.max_market_order_qty.or(lot.max_mkt_order_qty) {
            rules.market_lot = Some(LotRule {
                min: Decimal::ZERO,
                max,
                step: Decimal::ZERO,
            });
        }
        let min = lot.min_order_amt.or(lot.min_notional_value);
        let max = lot.max_order_amt;
        if min.is_some() || max.is_some() {
            rules.notional = Some(NotionalRule {
                min: min.unwrap_or(Decimal::ZERO),
                min_applies_to_market: true,
                max: max.unwrap_or(Decimal::ZERO),
                max_applies_to_market: true,
            });
        }
        rules
    }
}

impl Throttle {
    /// Bybit v5's published limit on order placements for `category` (its rate-limit table:
    /// `POST /v5/order/create` and `/cancel`, per second and account: 20 on spot, 10 on
    /// `linear` and `inverse`); `None` for a category it does not publish (options).
    ///
    /// ```
    /// use hft_cache::pre_trade::Throttle;
    /// use std::time::Duration;
    ///
    /// let spot = Throttle::bybit("spot").unwrap();
    /// assert_eq!((spot.limit(), spot.per()), (20, Duration::from_secs(1)));
    /// ```
    pub fn bybit(category: &str) -> Option<Self> {
        let per_second = match category {
            "spot" => 20,
            "linear" | "inverse" => 10,
            _ => return None,
        };
        Throttle::new(per_second, Duration::from_secs(1))
    }
}
