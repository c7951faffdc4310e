//! Configures a [`SignedClient`].

use std::fmt;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use secrecy::SecretString;

use super::client::{SignedClient, VenueConfig};
use super::signer::{InvalidApiKey, RequestSigner};
use super::venue::Venue;
use crate::clock::SharedClock;
use crate::fetch::{FetchError, FreshClient};
use crate::gate::TradingGate;
use crate::journal::OrderJournal;
use crate::pre_trade::PreTrade;
use crate::tls::{RootCertificate, TrustRoots};

/// The largest receive window accepted (Binance's maximum).
const MAX_RECV_WINDOW: Duration = Duration::from_secs(60);

/// The default bound on the clock offset: 5 minutes, the clock skew Kerberos tolerates by
/// default. A host clock further off than that is broken, not drifting, and a server time that
/// far away is a broken or hostile answer.
pub const DEFAULT_MAX_TIME_OFFSET: Duration = Duration::from_secs(5 * 60);

/// Why a [`SignedClient`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignedClientBuildError {
    /// No API key was given (and no signer).
    #[error("no API key was given")]
    MissingApiKey,
    /// No secret was given (and no signer).
    #[error("no API secret was given")]
    MissingSecret,
    /// The API key has characters an HTTP header cannot carry (the key itself is not shown).
    #[error("the API key is not a valid HTTP header value")]
    InvalidApiKey,
    /// The base URL is not an absolute `http`/`https` URL.
    #[error("invalid base URL `{0}`: expected http(s)://host[:port]")]
    InvalidBaseUrl(String),
    /// The receive window is zero or longer than 60 s.
    #[error("recvWindow {0:?} is outside 1 ms..=60 s")]
    InvalidRecvWindow(Duration),
    /// The time offset is further from zero than the
    /// [`max_time_offset`](SignedClientBuilder::max_time_offset).
    #[error("time offset {offset_ms} ms is outside the ±{max:?} bound")]
    InvalidTimeOffset {
        /// The offset given, in ms.
        offset_ms: i64,
        /// The bound.
        max: Duration,
    },
    /// The time endpoint is not a path starting with `/`.
    #[error("invalid time endpoint `{0}`: expected a path such as /api/v3/time")]
    InvalidTimeEndpoint(String),
    /// The HTTP client could not be created.
    #[error(transparent)]
    Http(#[from] FetchError),
}

impl From<InvalidApiKey> for SignedClientBuildError {
    fn from(_: InvalidApiKey) -> Self {
        SignedClientBuildError::InvalidApiKey
    }
}

/// Configures a [`SignedClient`]: venue, base URL, credentials or signer, receive window,
/// timeouts, trading gate, time endpoint, order rule.
///
/// Defaults: `recvWindow` 5 s, request timeout 5 s, connect timeout 2 s, bodies up to 4 MiB,
/// the system clock, no time offset (at most ±5 minutes), the venue's time endpoint and order
/// rule, no gate. The client never follows redirects.
/// `Debug` never shows the secret or the API key.
#[must_use]
pub struct SignedClientBuilder<V: Venue> {
    venue: V,
    base_url: String,
    api_key: Option<String>,
    secret: Option<SecretString>,
    signer: Option<Box<dyn RequestSigner>>,
    recv_window: Duration,
    timeout: Duration,
    connect_timeout: Duration,
    max_body_bytes: usize,
    clock: Option<SharedClock>,
    time_offset_ms: i64,
    max_time_offset: Duration,
    gate: Option<TradingGate>,
    journal: Option<OrderJournal>,
    pre_trade: Option<PreTrade>,
    time_path: Option<String>,
    order_rule: Option<fn(&Method, &str) -> bool>,
    roots: TrustRoots,
}

impl<V: Venue> SignedClientBuilder<V> {
    pub(super) fn new(venue: V, base_url: impl Into<String>) -> Self {
        SignedClientBuilder {
            venue,
            base_url: base_url.into(),
            api_key: None,
            secret: None,
            signer: None,
            recv_window: Duration::from_secs(5),
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_body_bytes: 4 << 20,
            clock: None,
            time_offset_ms: 0,
            max_time_offset: DEFAULT_MAX_TIME_OFFSET,
            gate: None,
            journal: None,
            pre_trade: None,
            time_path: None,
            order_rule: None,
            roots: TrustRoots::default(),
        }
    }

    /// The API key, for the venue's own signer (marked sensitive, so HTTP logs hide it).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The API secret, for the venue's own signer. Pass a [`SecretString`] to keep it out of
    /// plain `String`s from the start.
    pub fn secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Signs with `signer` instead of the venue's signer built from
    /// [`api_key`](Self::api_key) and [`secret`](Self::secret) (an OKX passphrase, a key kept
    /// in an HSM, another scheme).
    pub fn signer(mut self, signer: impl RequestSigner) -> Self {
        self.signer = Some(Box::new(signer));
        self
    }

    /// How long after its timestamp the exchange may still execute a request (default 5 s,
    /// at most 60 s). Shorter is safer: a delayed order is refused instead of executed late.
    pub fn recv_window(mut self, recv_window: Duration) -> Self {
        self.recv_window = recv_window;
        self
    }

    /// The whole request, body included, must finish within this (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connecting must finish within this (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Larger response bodies are refused (default 4 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Trusts `certificate` as well as the public roots, for the venue's TLS (see
    /// [`tls`](crate::tls)). Verification is never switched off.
    pub fn root_certificate(mut self, certificate: RootCertificate) -> Self {
        self.roots.add(certificate);
        self
    }

    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    /// The monotonic clock that stamps and ages every `Fresh` (default: the system clock).
    /// Request timestamps always come from the wall clock.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Milliseconds added to the local wall clock for request timestamps: the exchange's time
    /// minus ours, at most [`max_time_offset`](Self::max_time_offset) either way.
    /// [`SignedClient::sync_time`] measures and sets it.
    pub fn time_offset_ms(mut self, offset_ms: i64) -> Self {
        self.time_offset_ms = offset_ms;
        self
    }

    /// The largest clock offset accepted, either way (default
    /// [`DEFAULT_MAX_TIME_OFFSET`], 5 minutes): [`SignedClient::sync_time`] refuses a server
    /// time further from the local clock with
    /// [`RequestError::ImplausibleServerTime`](super::RequestError::ImplausibleServerTime),
    /// and [`build`](Self::build) a [`time_offset_ms`](Self::time_offset_ms) past it. Raise it
    /// only for a host whose clock is known to be off; a hundred years is never drift.
    pub fn max_time_offset(mut self, max: Duration) -> Self {
        self.max_time_offset = max;
        self
    }

    /// Where [`SignedClient::sync_time`] reads the exchange's clock (default: the venue's,
    /// e.g. `/api/v3/time` or `/v5/market/time`); the answer has the venue's
    /// [`ServerTime`](super::ServerTime) type.
    pub fn time_endpoint(mut self, path: impl Into<String>) -> Self {
        self.time_path = Some(path.into());
        self
    }

    /// Which calls place orders, and so must pass the trading gate (default: the venue's
    /// [`places_order`](Venue::places_order)). Cancels must not match: they reduce exposure
    /// and stay allowed while trading is halted.
    pub fn order_rule(mut self, places_order: fn(&Method, &str) -> bool) -> Self {
        self.order_rule = Some(places_order);
        self
    }

    /// Records every order placement (sent, simulated in a paper phase, or refused) in
    /// `journal`, for the kill switch's assessment and for audit. Orders to `.../order` without
    /// a `newClientOrderId` get one, so that they can be looked up even if their answer is lost.
    pub fn journal(mut self, journal: OrderJournal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Runs `controls` on every order placement, after signing and right before the order is
    /// written: the receipts of its [`Decision`](crate::pre_trade::Decision) (given with
    /// [`SignedClient::signed_decided`] or [`Decision::scope`](crate::pre_trade::Decision::scope))
    /// must still be within their max ages and their feeds healthy in the same epoch, then the
    /// price collar, the venue's rules, the limits, the duplicate window and the throttle. A
    /// refusal is [`RequestError::PreTrade`](super::RequestError::PreTrade) and nothing is sent;
    /// the journal records it. Cancels take room in the throttle but are never refused. The
    /// paper phase runs the same checks.
    pub fn pre_trade(mut self, controls: PreTrade) -> Self {
        self.pre_trade = Some(controls);
        self
    }

    /// Checks `gate` before every order placement: while the kill switch has trading halted,
    /// the order is refused with [`RequestError::Halted`](super::RequestError::Halted) and never
    /// sent. Cancels and queries still go through.
    pub fn trading_gate(mut self, gate: TradingGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`SignedClientBuildError`] for a missing or unusable credential, base URL, receive
    /// window, time offset or time endpoint, or an HTTP client that cannot be created.
    pub fn build(self) -> Result<SignedClient<V>, SignedClientBuildError> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            _ => return Err(SignedClientBuildError::InvalidBaseUrl(self.base_url)),
        }
        let signer = match self.signer {
            Some(signer) => signer,
            None => {
                let api_key = self.api_key.ok_or(SignedClientBuildError::MissingApiKey)?;
                if api_key.is_empty() {
                    return Err(SignedClientBuildError::MissingApiKey);
                }
                let secret = self.secret.ok_or(SignedClientBuildError::MissingSecret)?;
                self.venue.signer(&api_key, secret)?
            }
        };
        if self.recv_window < Duration::from_millis(1) || self.recv_window > MAX_RECV_WINDOW {
            return Err(SignedClientBuildError::InvalidRecvWindow(self.recv_window));
        }
        // Saturates: a bound past i64::MAX ms accepts every offset, and the sums are checked.
        let max_time_offset_ms =
            u64::try_from(self.max_time_offset.as_millis()).unwrap_or(u64::MAX);
        if self.time_offset_ms.unsigned_abs() > max_time_offset_ms {
            return Err(SignedClientBuildError::InvalidTimeOffset {
                offset_ms: self.time_offset_ms,
                max: self.max_time_offset,
            });
        }
        let time_path = match self.time_path {
            Some(path) if !path.starts_with('/') => {
                return Err(SignedClientBuildError::InvalidTimeEndpoint(path))
            }
            Some(path) => path,
            None => self.venue.time_path().to_owned(),
        };
        let fresh = FreshClient::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .max_body_bytes(self.max_body_bytes)
            .clock_opt(self.clock)
            .roots(self.roots)
            .build()?;
        Ok(SignedClient {
            fresh,
            base_url,
            config: Arc::new(VenueConfig {
                venue: self.venue,
                signer,
                time_path,
                order_rule: self.order_rule,
            }),
            // At most 60 s, checked above.
            recv_window_ms: u64::try_from(self.recv_window.as_millis()).unwrap_or(60_000),
            time_offset_ms: Arc::new(AtomicI64::new(self.time_offset_ms)),
            max_time_offset_ms,
            gate: self.gate,
            journal: self.journal,
            pre_trade: self.pre_trade,
        })
    }
}

impl<V: Venue> fmt::Debug for SignedClientBuilder<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |set: bool| if set { "[REDACTED]" } else { "None" };
        f.debug_struct("SignedClientBuilder")
            .field("venue", &self.venue)
            .field("base_url", &self.base_url)
            .field(
                "api_key",
                &format_args!("{}", redacted(self.api_key.is_some())),
            )
            .field(
                "secret",
                &format_args!("{}", redacted(self.secret.is_some())),
            )
            .field("recv_window", &self.recv_window)
            .field("timeout", &self.timeout)
            .field("max_time_offset", &self.max_time_offset)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!([V: Venue] Plain joined(V) for SignedClientBuilder<V>);

crate::class::declare_class!(Plain for SignedClientBuildError);
