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
//!
//! # Writing an adapter for another venue
//!
//! 1. **Answers.** If the venue wraps them (`{"code":0,"data":..}`), implement
//!    [`Envelope`](crate::fetch::Envelope) for the wrapper: `open` hands back the payload's raw
//!    JSON or the venue's error, never a decoded value. The crate decodes the payload inside the
//!    fetch, so callers get `Fresh<Inner>`, and an error code in an HTTP 200 is a typed error.
//! 2. **Signing.** Use [`BinanceSigner`](binance::BinanceSigner) (HMAC in the parameters),
//!    [`BybitSigner`](bybit::BybitSigner) (HMAC in headers) or [`OkxSigner`](okx::OkxSigner)
//!    (base64 HMAC over method and path), or implement [`RequestSigner`] with [`Signer`], the
//!    keyed HMAC they share.
//! 3. **The venue.** Implement [`Venue`]: the format, the server-time endpoint and its answer
//!    ([`ServerTime`]), the body encoding, which calls place orders (cancels must not match:
//!    they stay allowed while halted), and the classifier that maps codes to
//!    [`ExchangeErrorKind`], with [`ExecutionUnknown`](ExchangeErrorKind::ExecutionUnknown) for
//!    answers that leave an order's fate open (query it before placing it again).
//! 4. **Static data** (symbols, rules, fees) goes into a [`StaticCache`](crate::StaticCache)
//!    whose loader uses [`SignedClient::public_get`] or
//!    [`FreshRequest::fetch_static`](crate::fetch::FreshRequest::fetch_static): the size limit,
//!    timeouts and typed errors of the live path, and live types refused at compile time.
//! 5. **The adapter** struct derives `NoLiveState`: it holds the client, caches and gate, and
//!    never a balance or an order.
//!
//! ```no_run
//! use hft_cache::exchange::okx::OkxSigner;
//! use hft_cache::exchange::{
//!     BodyEncoding, ExchangeErrorKind, InvalidApiKey, RequestSigner, SecretString, ServerTime,
//!     SignedClient, Venue,
//! };
//! use hft_cache::fetch::{ApiError, Envelope, Enveloped, Method, RawValue};
//! use hft_cache::{Fresh, Live};
//! use serde::Deserialize;
//!
//! /// OKX-style answers: `{"code":"0","msg":"","data":[..]}`.
//! #[derive(Deserialize)]
//! struct OkxEnvelope {
//!     code: String,
//!     msg: String,
//!     data: Box<RawValue>,
//! }
//!
//! impl Envelope for OkxEnvelope {
//!     fn open(self) -> Result<Box<RawValue>, ApiError> {
//!         match self.code.parse::<i64>() {
//!             Ok(0) => Ok(self.data),
//!             code => Err(ApiError { code: code.unwrap_or(-1), msg: self.msg }),
//!         }
//!     }
//! }
//!
//! /// `GET /api/v5/public/time`: `[{"ts":"1597026383085"}]`.
//! #[derive(Deserialize)]
//! struct OkxTime(Vec<OkxTs>);
//! #[derive(Deserialize)]
//! struct OkxTs {
//!     ts: String,
//! }
//!
//! impl ServerTime for OkxTime {
//!     fn unix_ms(&self) -> i64 {
//!         self.0.first().and_then(|t| t.ts.parse().ok()).unwrap_or_default()
//!     }
//! }
//!
//! #[derive(Debug)]
//! struct Okx {
//!     passphrase: SecretString,
//! }
//!
//! impl Venue for Okx {
//!     type Format = Enveloped<OkxEnvelope>;
//!     type ServerTime = OkxTime;
//!
//!     fn time_path(&self) -> &str {
//!         "/api/v5/public/time"
//!     }
//!     fn body_encoding(&self) -> BodyEncoding {
//!         BodyEncoding::Json
//!     }
//!     fn places_order(&self, method: &Method, path: &str) -> bool {
//!         *method == Method::POST
//!             && matches!(path, "/api/v5/trade/order" | "/api/v5/trade/batch-orders" | "/api/v5/trade/amend-order")
//!     }
//!     fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind {
//!         match (code, status) {
//!             (_, 500..=599) if placing_order => ExchangeErrorKind::ExecutionUnknown,
//!             (Some(50111 | 50113), _) => ExchangeErrorKind::Unauthorized,
//!             (Some(50011), _) | (_, 429) => ExchangeErrorKind::RateLimited,
//!             (Some(51008), _) => ExchangeErrorKind::OrderRejected,
//!             (_, 500..=599) => ExchangeErrorKind::Unavailable,
//!             _ => ExchangeErrorKind::Other,
//!         }
//!     }
//!     fn signer(&self, key: &str, secret: SecretString) -> Result<Box<dyn RequestSigner>, InvalidApiKey> {
//!         Ok(Box::new(OkxSigner::new(key, secret, self.passphrase.clone())?))
//!     }
//! }
//!
//! #[derive(Live, Deserialize)]
//! struct Balances(Vec<serde_json::Value>);
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let okx = Okx { passphrase: "passphrase".into() };
//! let client = SignedClient::builder_for(okx, "https://www.okx.com")
//!     .api_key("key")
//!     .secret("secret")
//!     .build()?;
//! client.sync_time().await?;
//! let balances: Fresh<Balances> = client.signed_get("/api/v5/account/balance", &[("ccy", "BTC")]).await?;
//! # let _ = balances; Ok(()) }
//! ```

pub mod binance;
mod builder;
pub mod bybit;
mod client;
mod error;
mod gated;
pub mod okx;
mod order_path;
mod signer;
mod venue;

pub use builder::{SignedClientBuildError, SignedClientBuilder, DEFAULT_MAX_TIME_OFFSET};
pub use client::SignedClient;
pub use error::{ExchangeErrorKind, RequestError};
pub use gated::GatedRequest;
/// The secret type credentials are held in (secrecy's, re-exported so that adapters need no
/// matching version): zeroed on drop, never printed.
pub use secrecy::SecretString;
pub use signer::{InvalidApiKey, RequestSigner, SignRequest, Signer};
pub use venue::{
    BodyEncoding, ClosedStatus, ListsCancelled, ListsOrders, OrderFields, OrderVenue, PaperFill,
    PaperStatus, ServerTime, Venue, VenueCall, VenueOrder,
};
