//! Venue adapters' toolkit: signed REST clients for any venue, request signers, and error
//! classification.
//!
//! A venue is a [`Venue`]: how its answers are wrapped (bare or in an
//! [`Envelope`](crate::fetch::Envelope)), how requests are signed ([`RequestSigner`]) and their
//! parameters encoded, where its clock is, which calls place orders, and what its error codes
//! mean ([`ExchangeErrorKind`]). [`SignedClient<V>`] does the rest for any of them: timestamps
//! on the exchange's clock, the trading gate on order placements, every live answer as a
//! [`Fresh<T>`](crate::Fresh) of the inner type, static data as plain values, typed errors,
//! and secrets that are never printed.
//!
//! The crate ships [`binance::Binance`] (the default; `SignedClient` alone means
//! `SignedClient<Binance>`), [`bybit::Bybit`], and the [`okx::OkxSigner`].

use crate::class::{self, ClassMarker};

pub mod binance;
mod builder;
pub mod bybit;
mod client;
mod error;
mod gated;
pub mod okx;
mod signer;
mod venue;

pub use builder::{SignedClientBuildError, SignedClientBuilder};
pub use client::SignedClient;
pub use error::{ExchangeErrorKind, RequestError};
pub use gated::GatedRequest;
pub use signer::{InvalidApiKey, RequestSigner, SignRequest, Signer};
pub use venue::{BodyEncoding, ServerTime, Venue};

/// The classes [`SignedClient::public_get`] may return as plain values: everything but live data.
#[diagnostic::on_unimplemented(
    message = "`{F}` is live trading data and cannot be fetched as a plain value",
    label = "live data outside `Fresh<T>`",
    note = "fetch live data with `signed_get`/`public_get_fresh`, which return `Fresh<{F}>`"
)]
pub trait PublicData<F: ?Sized>: ClassMarker {}

#[diagnostic::do_not_recommend]
impl<F: ?Sized> PublicData<F> for class::Plain {}
#[diagnostic::do_not_recommend]
impl<F: ?Sized> PublicData<F> for class::Static {}
#[diagnostic::do_not_recommend]
impl<F: ?Sized> PublicData<F> for class::Streamed {}
