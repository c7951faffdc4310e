//! [`PositionVenue`]: what the kill switch needs of a venue that holds positions (derivatives):
//! how it lists them, fresh, and how it closes one with a reduce-only order.

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::venue::{OrderVenue, VenueCall};
use crate::policy::Live;

/// A venue with positions. Given a `SignedClient<V>` of one,
/// [`KillSwitchBuilder::exchange_with_positions`] sweeps its orders on every halt, as
/// [`exchange`](crate::kill_switch::KillSwitchBuilder::exchange) does, then fetches its
/// positions fresh for the report and, with
/// [`flatten_positions`](crate::kill_switch::KillSwitchBuilder::flatten_positions), closes them.
///
/// The crate implements it for
/// [`BinanceFutures`](super::binance_futures::BinanceFutures) (`GET /fapi/v2/positionRisk`,
/// reduce-only `MARKET` orders on `POST /fapi/v1/order`).
///
/// [`KillSwitchBuilder::exchange_with_positions`]:
///     crate::kill_switch::KillSwitchBuilder::exchange_with_positions
pub trait PositionVenue: OrderVenue {
    /// The answer of [`positions`](Self::positions).
    type Positions: Live + DeserializeOwned + ListsPositions;
    /// The answer of [`close`](Self::close) (an order answer; only its success is used, the
    /// next position query says what it did).
    type Closed: Live + DeserializeOwned;

    /// Lists the account's positions, every symbol.
    fn positions(&self) -> VenueCall;

    /// An order that only shrinks `position`, by `quantity` at most: a reduce-only market
    /// order on the opposite side. The venue refuses it if it would open or grow a position.
    fn close(&self, position: &VenuePosition, quantity: Decimal) -> VenueCall;
}

/// A venue's answer listing positions: [`PositionVenue::Positions`].
pub trait ListsPositions {
    /// Every position that is not flat, copied into a record.
    fn open_positions(&self) -> Vec<VenuePosition>;
}

/// A position on a venue, as the kill switch records it: a copy taken from a fresh answer at
/// once, for the report (a record of that moment, never a state to trade on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VenuePosition {
    /// The symbol.
    pub symbol: String,
    /// The size: positive long, negative short.
    pub size: Decimal,
    /// The volume-weighted entry price.
    pub entry_price: Decimal,
    /// The mark price.
    pub mark_price: Decimal,
    /// The unrealized PnL at the mark price, in the margin asset.
    pub unrealized_pnl: Decimal,
    /// The estimated liquidation price, if there is one.
    pub liquidation_price: Option<Decimal>,
    /// The leverage, if the venue says.
    pub leverage: Option<u32>,
}

impl VenuePosition {
    /// A record of one position.
    pub fn new(symbol: impl Into<String>, size: Decimal, entry_price: Decimal) -> Self {
        VenuePosition {
            symbol: symbol.into(),
            size,
            entry_price,
            mark_price: Decimal::ZERO,
            unrealized_pnl: Decimal::ZERO,
            liquidation_price: None,
            leverage: None,
        }
    }

    /// With the mark price and the unrealized PnL at it.
    #[must_use]
    pub fn marked(mut self, mark_price: Decimal, unrealized_pnl: Decimal) -> Self {
        self.mark_price = mark_price;
        self.unrealized_pnl = unrealized_pnl;
        self
    }

    /// With the liquidation price (zero: none) and the leverage.
    #[must_use]
    pub fn margin(mut self, liquidation_price: Decimal, leverage: Option<u32>) -> Self {
        self.liquidation_price = (!liquidation_price.is_zero()).then_some(liquidation_price);
        self.leverage = leverage;
        self
    }

    /// `long` or `short`.
    pub fn direction(&self) -> &'static str {
        if self.size.is_sign_negative() {
            "short"
        } else {
            "long"
        }
    }

    /// The size without its sign.
    pub fn quantity(&self) -> Decimal {
        self.size.abs()
    }
}

crate::class::declare_class!(Plain for VenuePosition);
