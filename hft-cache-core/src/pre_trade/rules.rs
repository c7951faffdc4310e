//! [`TradingRules`]: a venue's rules for one symbol, as static data for a
//! [`StaticCache`](crate::StaticCache) that the pre-trade check reads at send time.

use rust_decimal::Decimal;

/// Price bounds and tick size (Binance `PRICE_FILTER`, Bybit `priceFilter`). A zero value
/// disables that part, as on Binance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, hft_cache_macros::Static)]
#[hft(crate = "crate")]
pub struct PriceRule {
    /// The lowest price.
    pub min: Decimal,
    /// The highest price.
    pub max: Decimal,
    /// Prices are `min` plus a multiple of this.
    pub tick: Decimal,
}

/// Quantity bounds and step (Binance `LOT_SIZE`, `MARKET_LOT_SIZE`; Bybit `lotSizeFilter`). A
/// zero value disables that part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, hft_cache_macros::Static)]
#[hft(crate = "crate")]
pub struct LotRule {
    /// The smallest quantity.
    pub min: Decimal,
    /// The largest quantity.
    pub max: Decimal,
    /// Quantities are `min` plus a multiple of this.
    pub step: Decimal,
}

/// Notional bounds (Binance `MIN_NOTIONAL` and `NOTIONAL`). A zero bound is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, hft_cache_macros::Static)]
#[hft(crate = "crate")]
pub struct NotionalRule {
    /// The smallest price × quantity.
    pub min: Decimal,
    /// Whether market orders are held to the minimum.
    pub min_applies_to_market: bool,
    /// The largest price × quantity.
    pub max: Decimal,
    /// Whether market orders are held to the maximum.
    pub max_applies_to_market: bool,
}

/// One symbol's trading rules on its venue, venue-neutral: what the pre-trade check holds an
/// order to before it is sent. Keep them in a `StaticCache<String, TradingRules>` refreshed from
/// the venue (for Binance, [`TradingRules::from_binance`] over `GET /api/v3/exchangeInfo`), and
/// give the cache to [`PreTradeBuilder::rules`](super::PreTradeBuilder::rules): a symbol
/// missing from it, or a data set past its max age, refuses the order.
#[derive(Debug, Clone, PartialEq, Eq, Default, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[non_exhaustive]
pub struct TradingRules {
    /// Price bounds and tick size.
    pub price: Option<PriceRule>,
    /// Quantity bounds and step, for every order.
    pub lot: Option<LotRule>,
    /// Quantity bounds and step for market orders, on top of [`lot`](Self::lot).
    pub market_lot: Option<LotRule>,
    /// Notional bounds.
    pub notional: Option<NotionalRule>,
    /// The most open orders the symbol may have (Binance `MAX_NUM_ORDERS`).
    pub max_open_orders: Option<u32>,
}

impl TradingRules {
    /// No rules yet: add them with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the price bounds and tick size.
    #[must_use]
    pub fn price(mut self, min: Decimal, max: Decimal, tick: Decimal) -> Self {
        self.price = Some(PriceRule { min, max, tick });
        self
    }

    /// Sets the quantity bounds and step.
    #[must_use]
    pub fn lot(mut self, min: Decimal, max: Decimal, step: Decimal) -> Self {
        self.lot = Some(LotRule { min, max, step });
        self
    }

    /// Sets the market-order quantity bounds and step.
    #[must_use]
    pub fn market_lot(mut self, min: Decimal, max: Decimal, step: Decimal) -> Self {
        self.market_lot = Some(LotRule { min, max, step });
        self
    }

    /// Sets the notional bounds (applied to market orders too).
    #[must_use]
    pub fn notional(mut self, min: Decimal, max: Decimal) -> Self {
        self.notional = Some(NotionalRule {
            min,
            min_applies_to_market: true,
            max,
            max_applies_to_market: true,
        });
        self
    }

    /// Sets the most open orders.
    #[must_use]
    pub fn max_open_orders(mut self, max: u32) -> Self {
        self.max_open_orders = Some(max);
        self
    }
}
