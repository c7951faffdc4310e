//! `GET /v5/market/instruments-info`: each instrument's price and lot filters. Static data.

use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET /v5/market/instruments-info?category=..`'s `result`: trading rules, static (cache them
/// in a [`StaticCache`](crate::StaticCache), refreshed periodically; for the pre-trade check,
/// as [`TradingRules::from_bybit`](crate::pre_trade::TradingRules::from_bybit)).
///
/// The spot and the derivatives categories spell their filters differently; every field that
/// only one of them sends is optional here, so one type reads both.
///
/// ```
/// use hft_cache::exchange::bybit::InstrumentsInfo;
/// use rust_decimal_macros::dec;
///
/// // The spot example of Bybit's docs, trimmed.
/// let info: InstrumentsInfo = serde_json::from_str(r#"{"category":"spot","list":[{
///   "symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","innovation":"0","status":"Trading",
///   "marginTrading":"utaOnly","stTag":"0",
///   "lotSizeFilter":{"basePrecision":"0.000001","quotePrecision":"0.00000001",
///     "minOrderQty":"0.000048","maxOrderQty":"71.73956243","minOrderAmt":"1",
///     "maxOrderAmt":"2000000"},
///   "priceFilter":{"tickSize":"0.01"},
///   "riskParameters":{"priceLimitRatioX":"0.01","priceLimitRatioY":"0.02"}}]}"#).unwrap();
/// let btc = &info.list[0];
/// assert_eq!(btc.lot_size_filter.base_precision, Some(dec!(0.000001)));
/// assert_eq!(btc.price_filter.tick_size, dec!(0.01));
/// ```
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InstrumentsInfo {
    /// `spot`, `linear`, `inverse` or `option`.
    pub category: String,
    /// Every instrument of the page.
    pub list: Vec<Instrument>,
    /// The cursor of the next page (derivatives page their answer), empty on the last.
    #[serde(default)]
    pub next_page_cursor: String,
}

/// One instrument's rules.
#[derive(Debug, Clone, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Instrument {
    /// The symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// `Trading`, `PreLaunch`, `Delivering`, `Closed`.
    pub status: String,
    /// The base coin.
    pub base_coin: String,
    /// The quote coin.
    pub quote_coin: String,
    /// Quantity bounds and step.
    pub lot_size_filter: LotSizeFilter,
    /// Price bounds and tick size.
    pub price_filter: PriceFilter,
}

/// An instrument's `lotSizeFilter`. Spot sends `basePrecision` (the quantity step) and order
/// amounts in the quote coin; derivatives send `qtyStep`, `maxMktOrderQty` and
/// `minNotionalValue`.
#[derive(Debug, Clone, PartialEq, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LotSizeFilter {
    /// The smallest quantity.
    pub min_order_qty: Decimal,
    /// The largest quantity of one order.
    pub max_order_qty: Decimal,
    /// Spot: the quantity step (the base coin's precision).
    #[serde(default)]
    pub base_precision: Option<Decimal>,
    /// Derivatives: the quantity step.
    #[serde(default)]
    pub qty_step: Option<Decimal>,
    /// Spot: the smallest order value, in the quote coin.
    #[serde(default)]
    pub min_order_amt: Option<Decimal>,
    /// Spot: the largest order value, in the quote coin.
    #[serde(default)]
    pub max_order_amt: Option<Decimal>,
    /// Derivatives: the smallest order value.
    #[serde(default)]
    pub min_notional_value: Option<Decimal>,
    /// Spot: the largest market order quantity.
    #[serde(default)]
    pub max_market_order_qty: Option<Decimal>,
    /// Derivatives: the largest market order quantity.
    #[serde(default)]
    pub max_mkt_order_qty: Option<Decimal>,
}

/// An instrument's `priceFilter`. Spot sends only `tickSize`; derivatives add price bounds.
#[derive(Debug, Clone, PartialEq, Deserialize, hft_cache_macros::Static)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceFilter {
    /// Prices are multiples of this.
    pub tick_size: Decimal,
    /// Derivatives: the lowest price.
    #[serde(default)]
    pub min_price: Option<Decimal>,
    /// Derivatives: the highest price.
    #[serde(default)]
    pub max_price: Option<Decimal>,
}
