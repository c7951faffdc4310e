//! [`Venue`]: what a signed client needs to know about one exchange's REST API.

use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::error::ExchangeErrorKind;
use super::signer::{InvalidApiKey, RequestSigner};
use crate::fetch::ResponseFormat;

/// One exchange's REST conventions, for [`SignedClient<V>`](super::SignedClient): how answers
/// are wrapped, how requests are signed and their parameters encoded, where the server time is,
/// which calls place orders, and what its error codes mean.
///
/// The crate ships [`Binance`](super::binance::Binance) and [`Bybit`](super::bybit::Bybit); a
/// new venue is one implementation of this trait (and of [`Envelope`](crate::fetch::Envelope)
/// and [`RequestSigner`] if its answers or signatures are new), with no other glue.
pub trait Venue: Send + Sync + std::fmt::Debug + 'static {
    /// How answers are laid out: [`Bare`](crate::fetch::Bare) or
    /// [`Enveloped<E>`](crate::fetch::Enveloped).
    type Format: ResponseFormat;
    /// The answer of the server-time endpoint.
    type ServerTime: ServerTime + DeserializeOwned;

    /// The default server-time endpoint (the builder's
    /// [`time_endpoint`](super::SignedClientBuilder::time_endpoint) overrides it).
    fn time_path(&self) -> &str;

    /// How parameters of a request with a body (`POST`, `PUT`) are encoded.
    fn body_encoding(&self) -> BodyEncoding;

    /// Whether `method path` places an order (or raises exposure), so that the trading gate
    /// must pass first. Cancels and queries must not match: they stay allowed while halted.
    /// The builder's [`order_rule`](super::SignedClientBuilder::order_rule) overrides it.
    fn places_order(&self, method: &Method, path: &str) -> bool;

    /// What a failure means. `code` is the venue's error code when it sent one; `status` the
    /// HTTP status; `placing_order` whether the call was an order placement, where a server
    /// error means the order's fate is unknown.
    fn classify(&self, status: u16, code: Option<i64>, placing_order: bool) -> ExchangeErrorKind;

    /// The venue's signer for an API key and secret (what
    /// [`api_key`](super::SignedClientBuilder::api_key) and
    /// [`secret`](super::SignedClientBuilder::secret) build).
    ///
    /// # Errors
    ///
    /// [`InvalidApiKey`] for a key an HTTP header cannot carry.
    fn signer(
        &self,
        api_key: &str,
        secret: SecretString,
    ) -> Result<Box<dyn RequestSigner>, InvalidApiKey>;
}

/// How the parameters of a request with a body are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (Binance).
    Form,
    /// `application/json` (Bybit, OKX).
    Json,
}

/// A server-time answer: the exchange's clock, which request timestamps follow.
pub trait ServerTime {
    /// Milliseconds since the Unix epoch.
    fn unix_ms(&self) -> i64;
}

crate::class::declare_class!(owned Plain for BodyEncoding);
