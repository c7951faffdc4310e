//! A signed REST client for exchange adapters: HMAC-SHA256 signing, `timestamp` and
//! `recvWindow`, timeouts, typed exchange errors, and secrets that are never printed.
//!
//! Every live answer is a [`Fresh<T>`](crate::Fresh) built by the crate's fetch path
//! ([`FreshRequest::fetch`](crate::FreshRequest::fetch)); static data and snapshots come back as
//! plain values from [`SignedClient::public_get`], which refuses live types at compile time.
//! The client assumes Binance's conventions (`X-MBX-APIKEY`, `signature` over the query string
//! and form body, `{"code":..,"msg":..}` errors) and no domain model: adapters bring their own
//! types, deriving their class.

use crate::class::{self, ClassMarker};

mod builder;
mod client;
mod signer;

pub use builder::{SignedClientBuildError, SignedClientBuilder};
pub(crate) use client::without_url;
pub use client::SignedClient;
pub use signer::Signer;

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
