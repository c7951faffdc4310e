//! A symbol the mock lists: its assets, starting mid price and trading rules (Binance filters).

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// One symbol of a [`MockExchange`](super::MockExchange): assets, starting price and filters.
///
/// The defaults are BTCUSDT-like: tick size 0.01, step size 0.00001, minimum quantity 0.00001,
/// maximum quantity 9000, notional between 5 and 9 000 000, prices between 0.01 and 1 000 000.
///
/// ```
/// use hft_cache_mock::SymbolSpec;
/// use rust_decimal_macros::dec;
///
/// let eth = SymbolSpec::new("ETHUSDT", "ETH", "USDT", dec!(3000))
///     .tick_size(dec!(0.01))
///     .step_size(dec!(0.0001))
///     .min_notional(dec!(10));
/// # let _ = eth;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct SymbolSpec {
    pub(crate) symbol: String,
    pub(crate) base: String,
    pub(crate) quote: String,
    pub(crate) mid_price: Decimal,
    pub(crate) tick_size: Decimal,
    pub(crate) step_size: Decimal,
    pub(crate) min_qty: Decimal,
    pub(crate) max_qty: Decimal,
    pub(crate) min_price: Decimal,
    pub(crate) max_price: Decimal,
    pub(crate) min_notional: Decimal,
    pub(crate) max_notional: Decimal,
    pub(crate) status: String,
}

impl SymbolSpec {
    /// A trading symbol (`"BTCUSDT"`) of `base` (`"BTC"`) priced in `quote` (`"USDT"`), whose
    /// book starts around `mid_price`. Symbols and assets are upper-cased.
    pub fn new(
        symbol: impl Into<String>,
        base: impl Into<String>,
        quote: impl Into<String>,
        mid_price: Decimal,
    ) -> Self {
        SymbolSpec {
            symbol: symbol.into().to_ascii_uppercase(),
            base: base.into().to_ascii_uppercase(),
            quote: quote.into().to_ascii_uppercase(),
            mid_price,
            tick_size: Decimal::new(1, 2),
            step_size: Decimal::new(1, 5),
            min_qty: Decimal::new(1, 5),
            max_qty: Decimal::from(9000),
            min_price: Decimal::new(1, 2),
            max_price: Decimal::from(1_000_000),
            min_notional: Decimal::from(5),
            max_notional: Decimal::from(9_000_000),
            status: "TRADING".to_owned(),
        }
    }

    /// `PRICE_FILTER.tickSize`: prices are multiples of it (default 0.01).
    pub fn tick_size(mut self, tick_size: Decimal) -> Self {
        self.tick_size = tick_size;
        self
    }

    /// `LOT_SIZE.stepSize`: quantities are multiples of it (default 0.00001).
    pub fn step_size(mut self, step_size: Decimal) -> Self {
        self.step_size = step_size;
        self
    }

    /// `LOT_SIZE.minQty` and `maxQty` (defaults 0.00001 and 9000).
    pub fn qty_range(mut self, min_qty: Decimal, max_qty: Decimal) -> Self {
        self.min_qty = min_qty;
        self.max_qty = max_qty;
        self
    }

    /// `PRICE_FILTER.minPrice` and `maxPrice` (defaults 0.01 and 1 000 000).
    pub fn price_range(mut self, min_price: Decimal, max_price: Decimal) -> Self {
        self.min_price = min_price;
        self.max_price = max_price;
        self
    }

    /// `NOTIONAL.minNotional` (default 5): price × quantity must reach it.
    pub fn min_notional(mut self, min_notional: Decimal) -> Self {
        self.min_notional = min_notional;
        self
    }

    /// `NOTIONAL.maxNotional` (default 9 000 000).
    pub fn max_notional(mut self, max_notional: Decimal) -> Self {
        self.max_notional = max_notional;
        self
    }

    /// The symbol's `status` (default `"TRADING"`); orders on any other status are rejected.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// Checks what the mock relies on; the reason if a value is unusable.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let positive = [
            ("mid price", self.mid_price),
            ("tick size", self.tick_size),
            ("step size", self.step_size),
            ("max quantity", self.max_qty),
            ("max price", self.max_price),
        ];
        for (what, value) in positive {
            if value <= Decimal::ZERO {
                return Err(format!("{}: {what} must be positive", self.symbol));
            }
        }
        if self.symbol.is_empty() || self.base.is_empty() || self.quote.is_empty() {
            return Err("symbol and asset names must not be empty".to_owned());
        }
        if self
            .mid_price
            .checked_div(self.tick_size)
            .is_none_or(|t| t.round() < Decimal::from(100))
        {
            return Err(format!(
                "{}: mid price must be at least 100 ticks, so that the book has room below it",
                self.symbol
            ));
        }
        Ok(())
    }

    /// A price in ticks.
    pub(crate) fn to_ticks(&self, price: Decimal) -> Option<i64> {
        let ticks = price.checked_div(self.tick_size)?;
        if ticks.fract().is_zero() {
            ticks.to_i64()
        } else {
            None
        }
    }

    /// A price in ticks, as a decimal (saturating: ticks come from prices the mock checked).
    pub(crate) fn price_of(&self, ticks: i64) -> Decimal {
        Decimal::from(ticks).saturating_mul(self.tick_size)
    }

    /// The starting mid price in ticks.
    pub(crate) fn mid_ticks(&self) -> i64 {
        let ticks = self
            .mid_price
            .checked_div(self.tick_size)
            .map(|t| t.round())
            .and_then(|t| t.checked_mul(self.tick_size));
        ticks.and_then(|t| self.to_ticks(t)).unwrap_or(1_000)
    }

    /// The size unit of book levels (a level holds 1 to 100 units): a multiple of the step size
    /// worth about ten minimum notionals, so that the book is deep enough for real order sizes.
    pub(crate) fn level_unit(&self) -> Decimal {
        let target = self
            .min_notional
            .saturating_mul(Decimal::TEN)
            .checked_div(self.mid_price)
            .unwrap_or(self.min_qty)
            .max(self.min_qty);
        let steps = target
            .checked_div(self.step_size)
            .map_or(Decimal::ONE, |s| s.ceil().max(Decimal::ONE));
        steps.saturating_mul(self.step_size)
    }
}
