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
//! The crate ships four venues: [`binance::Binance`] (spot, the default; `SignedClient` alone
//! means `SignedClient<Binance>`), [`binance_futures::BinanceFutures`] (USD-M futures),
//! [`bybit::Bybit`] and [`okx::Okx`], each with its envelope, server time, error classifier and
//! the kill switch's cancel sweep ([`OrderVenue`]). A venue with its own dead man's switch
//! implements [`CountdownCancel`] (Binance USD-M's `countdownCancelAll`).
//!
//! # Writing an adapter for another venue
//!
//! 1. **Answers.** If the venue wraps them (`{"ok":true,"result":..}`), implement
//!    [`Envelope`](crate::fetch::Envelope) for the wrapper: `open` hands back the payload's raw
//!    JSON or the venue's error, never a decoded value. The crate decodes the payload inside the
//!    fetch, so callers get `Fresh<Inner>`, and an error code in an HTTP 200 is a typed error.
//!    Make every part the venue may leave out an `Option` (error answers often carry no
//!    payload), and look inside per-order results if the venue reports a rejection there (as
//!    [`okx::OkxEnvelope`] does with OKX's `sCode`).
//! 2. **Signing.** Use [`BinanceSigner`](binance::BinanceSigner) (HMAC in the parameters),
//!    [`BybitSigner`](bybit::BybitSigner) (HMAC in headers) or [`OkxSigner`](okx::OkxSigner)
//!    (base64 HMAC over method and path), or implement [`RequestSigner`] with [`Signer`], the
//!    keyed HMAC they share.
//! 3. **The venue.** Implement [`Venue`]: the format, the server-time endpoint and its answer
//!    ([`ServerTime`]), the body encoding, which calls place orders (cancels must not match:
//!    they stay allowed while halted), and the classifier that maps codes to
//!    [`ExchangeErrorKind`], with [`ExecutionUnknown`](ExchangeErrorKind::ExecutionUnknown) for
//!    answers that leave an order's fate open (query it before placing it again). Implement
//!    [`OrderVenue`] too, so that the kill switch can list and cancel its resting orders.
//! 4. **Static data** (symbols, rules, fees) goes into a [`StaticCache`](crate::StaticCache)
//!    whose loader uses [`SignedClient::public_get`] or
//!    [`FreshRequest::fetch_static`](crate::fetch::FreshRequest::fetch_static): the size limit,
//!    timeouts and typed errors of the live path, and live types refused at compile time.
//! 5. **The adapter** struct derives `NoLiveState`: it holds the client, caches and gate, and
//!    never a balance or an order.
//!
//! An imaginary venue, "Acme", that wraps answers in `{"ok":..,"result":..,"error":..}` and signs
//! in headers the way Bybit does:
//!
//! ```no_run
//! use hft_cache::exchange::bybit::BybitSigner;
//! use hft_cache::exchange::{
//!     BodyEncoding, ExchangeErrorKind, InvalidApiKey, RequestSigner, SecretString, ServerTime,
//!     SignedClient, Venue,
//! };
//! use hft_cache::fetch::{ApiError, Envelope, Enveloped, Method, RawValue};
//! use hft_cache::{Fresh, Live};
//! use serde::Deserialize;
//!
//! /// `{"ok":true,"result":{..}}` or `{"ok":false,"error":{"code":"E_AUTH","message":".."}}`.
//! #[derive(Deserialize)]
//! struct AcmeEnvelope {
//!     ok: bool,
//!     result: Option<Box<RawValue>>,
//!     error: Option<AcmeError>,
//! }
//!
//! #[derive(Deserialize)]
//! struct AcmeError {
//!     code: String,
//!     message: String,
//! }
//!
//! impl Envelope for AcmeEnvelope {
//!     fn open(self) -> Result<Box<RawValue>, ApiError> {
//!         match (self.ok, self.result, self.error) {
//!             (true, Some(result), _) => Ok(result),
//!             // Acme's codes are words: map the ones the classifier needs to numbers.
//!             (_, _, Some(e)) => Err(ApiError {
//!                 code: match e.code.as_str() { "E_AUTH" => 401, "E_RATE" => 429, "E_FUNDS" => 1008, _ => -1 },
//!                 msg: format!("{}: {}", e.code, e.message),
//!             }),
//!             _ => Err(ApiError { code: -1, msg: "an answer with neither result nor error".into() }),
//!         }
//!     }
//! }
//!
//! /// `GET /v1/time`: `{"ok":true,"result":{"unix_ms":1597026383085}}`.
//! #[derive(Deserialize)]
//! struct AcmeTime {
//!     unix_ms: i64,
//! }
//!
//! impl ServerTime for AcmeTime {
//!     fn unix_ms(&self) -> i64 {
//!         self.unix_ms
//!     }
//! }
//!
//! #[derive(Debug)]
//! struct Acme;
//!
//! impl Venue for Acme {
//!     type Format = Enveloped<AcmeEnvelope>;
//!     type ServerTime = AcmeTime;
//!
//!     fn time_path(&self) -> &str {
//!         "/v1/time"
//!     }
//!     fn body_encoding(&self) -> BodyEncoding {
//!         BodyEncoding::Json
//!     }
//!     fn places_order(&self, method: &Method, path: &str) -> bool {
//!         *method == Method::POST && matches!(path, "/v1/orders" | "/v1/orders/amend")
//!     }
//!     fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind {
//!         match (code, status) {
//!             (_, 500..=599) if placing_order => ExchangeErrorKind::ExecutionUnknown,
//!             (Some(401), _) | (_, 401) => ExchangeErrorKind::Unauthorized,
//!             (Some(429), _) | (_, 429) => ExchangeErrorKind::RateLimited,
//!             (Some(1008), _) => ExchangeErrorKind::OrderRejected,
//!             (_, 500..=599) => ExchangeErrorKind::Unavailable,
//!             _ => ExchangeErrorKind::Other,
//!         }
//!     }
//!     fn signer(&self, key: &str, secret: SecretString) -> Result<Box<dyn RequestSigner>, InvalidApiKey> {
//!         Ok(Box::new(BybitSigner::new(key, secret)?))
//!     }
//! }
//!
//! #[derive(Live, Deserialize)]
//! struct Balances(Vec<serde_json::Value>);
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = SignedClient::builder_for(Acme, "https://api.acme.example")
//!     .api_key("key")
//!     .secret("secret")
//!     .build()?;
//! client.sync_time().await?;
//! let balances: Fresh<Balances> = client.signed_get("/v1/balances", &[("asset", "BTC")]).await?;
//! # let _ = balances; Ok(()) }
//! ```

pub mod binance;
pub mod binance_futures;
mod builder;
pub mod bybit;
mod client;
mod countdown;
mod error;
mod gated;
pub mod okx;
mod order_path;
mod positions;
mod signer;
mod venue;

pub use builder::{SignedClientBuildError, SignedClientBuilder, DEFAULT_MAX_TIME_OFFSET};
pub use client::SignedClient;
pub use countdown::CountdownCancel;
pub use error::{ExchangeErrorKind, RequestError};
pub use gated::GatedRequest;
pub use positions::{ListsPositions, PositionVenue, VenuePosition};
/// The secret type credentials are held in (secrecy's, re-exported so that adapters need no
/// matching version): zeroed on drop, never printed.
pub use secrecy::SecretString;
pub use signer::{InvalidApiKey, RequestSigner, SignRequest, Signer};
pub use venue::{
    BodyEncoding, ClosedStatus, ListsCancelled, ListsOrders, OrderFields, OrderState, OrderVenue,
    PaperFill, PaperStatus, ServerTime, Venue, VenueBalance, VenueCall, VenueOrder,
};
