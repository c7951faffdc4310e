//! The operations endpoint: the kill switch and the compliance monitor, reachable from outside
//! the process over HTTP (feature `ops`).
//!
//! | route | auth | answer |
//! | --- | --- | --- |
//! | `GET /compliance` | none | the [`ComplianceReport`](crate::monitor::ComplianceReport), JSON |
//! | `GET /metrics` | none | OpenMetrics text (`prometheus-client`): cache hits, misses, refusals, feed health, gate mode, trips |
//! | `POST /halt` | bearer token | [`KillSwitch::halt`] of everything or of one scope (body below); always 200 with the [`EmergencyReport`](crate::kill_switch::EmergencyReport), JSON, whose `cancellation` is the sweep just started |
//! | `POST /resume` | bearer token | [`KillSwitch::resume_with`] of everything or of one scope, acknowledging orders: 200 with the gate mode; 400 without an operator or with a body that is not a resume request; 409 with the switch's reason and the open orders named |
//!
//! # Halt and resume bodies
//!
//! ```text
//! POST /halt    {"scope": "all", "by": "alice", "why": "risk desk: feed suspect"}
//! POST /halt    {"scope": {"symbol": "BTCUSDT"}, "by": "alice", "why": "BTC quotes wrong"}
//! POST /halt    risk desk: feed suspect                        (plain text: everything)
//! POST /resume  {"scope": {"venue": "bybit"}, "by": "bob"}
//! POST /resume  {"scope": "all", "by": "bob", "acknowledge": ["8812", "bybit"]}
//! ```
//!
//! - **Scope** is `"all"` (also when left out), `{"venue": "binance"}`, `{"symbol": "BTCUSDT"}`
//!   or `{"strategy": "mm1"}` (the orders whose client order id starts with `mm1`): a
//!   [`HaltScope`], spelled the same way in halts, resumes and the resume's answer. A scoped
//!   halt refuses and sweeps only its scope's orders; a resume lifts the halt of the scope it
//!   names.
//! - **Operator**: `by`, or else the `X-HFT-Operator` header ([`OPERATOR_HEADER`]); trimmed, control
//!   characters dropped, cut to [`MAX_OPERATOR_CHARS`]. It is the actor of the audit record
//!   ([`AuditRecord`](crate::kill_switch::AuditRecord)) of every halt, resume, acknowledgment
//!   and refusal made through the endpoint.
//! - **A body is JSON** when its content type is `application/json` (or `…+json`) or it starts
//!   with `{`; any other `/halt` body is plain text, the reason of a halt of everything.
//! - **`acknowledge`** lists the venue order ids (and the names of venues whose open orders are
//!   unknown) of an incomplete sweep that the operator resumes past, as the 409 answer's
//!   `to_acknowledge` lists them ([`KillSwitch::resume_acknowledging`]).
//!
//! A halt is never refused, so what it cannot trust widens it to everything: a JSON body that is
//! not a halt request (malformed, cut at the body cap, an unknown field, an empty or unknown
//! scope) halts everything with the body's text as the reason; a scoped halt that names no
//! operator halts everything too (narrowing a halt is for someone who answers for it), and the
//! reason says which scope was asked for. A halt with no operator at all is audited with the
//! actor [`OPERATOR_MISSING`] (`ops.operator_missing`). A resume is the opposite: without an
//! operator, or with a body that is not a resume request, it is refused with 400 and audited as
//! a refused resume ([`KillSwitch::audit_refused_resume`]); the switch's own refusals (the sweep
//! pending or incomplete, validation failed, nothing to lift) answer 409:
//!
//! ```text
//! {"resumed": false, "scope": "all", "by": "bob",
//!  "error": "resume refused, trading stays halted: the cancel sweep of all is incomplete, ...",
//!  "open": ["binance order 8812 BTCUSDT BUY 0.01 @ 50000"], "to_acknowledge": ["8812"]}
//! ```
//!
//! The token is read from an environment variable (default `HFT_CACHE_OPS_TOKEN`) when the
//! server starts, and compared in constant time. A missing or wrong token gets 401 and a
//! warning in the log, never a state change. The server binds to loopback by default; put it
//! behind TLS termination before exposing it further.
//!
//! # Hostile clients
//!
//! Anyone who reaches the port can send anything, so the endpoint bounds what a client costs:
//!
//! - **The token is checked before any body is read.** An unauthenticated request gets its 401
//!   from the headers alone; its body is never read, and the connection is closed after the
//!   answer.
//! - **Bodies are capped at [`MAX_BODY_BYTES`] (4 KiB)**, read within the body timeout (default
//!   5 s). Only `/halt` and `/resume` read one, after the token; what is past the cap is never
//!   read.
//! - **An authorized halt always halts.** The reason (the plain-text body, or the JSON `why`) is
//!   decoded lossily (bytes that are not UTF-8 become `U+FFFD`), trimmed and cut to
//!   [`MAX_REASON_CHARS`] (500) characters; a body too long, not UTF-8, not JSON, or too slow to
//!   arrive never stops the trip (it only widens it to everything).
//! - **A request head must arrive whole within the header timeout** (default 5 s, also the
//!   longest a kept-alive connection waits for its next request), and is at most 16 KiB; a
//!   slow-header client (slowloris) is dropped when it runs out.
//! - **A connection that moves no byte either way for the idle timeout** (default 30 s) is
//!   closed: a peer that stops reading its answer does not hold a task.
//! - **At most [`max_connections`](OpsServerBuilder::max_connections) connections** (default
//!   1024) are served at once; past the cap a new connection is closed as soon as it is
//!   accepted, until a slot frees.
//!
//! ```
//! use hft_cache::ops::OpsServer;
//! use hft_cache::kill_switch::KillSwitch;
//! use hft_cache::monitor::Registry;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # std::env::set_var("HFT_CACHE_OPS_TOKEN", "example-token");
//! let registry = Registry::new();
//! let kill = KillSwitch::builder().registry(&registry).build();
//! // The token comes from HFT_CACHE_OPS_TOKEN; the address defaults to 127.0.0.1:9187.
//! let ops = OpsServer::builder(&kill)
//!     .addr(([127, 0, 0, 1], 0).into())
//!     .spawn()
//!     .await?;
//! let url = format!("http://{}", ops.local_addr());
//! let http = reqwest::Client::new();
//!
//! let metrics = http.get(format!("{url}/metrics")).send().await?.text().await?;
//! assert!(metrics.contains("hft_trading_gate{mode=\"live\"} 1"));
//! let refused = http.post(format!("{url}/halt")).send().await?;
//! assert_eq!(refused.status(), 401);
//! let post = |route: &str, body: &'static str| {
//!     http.post(format!("{url}{route}")).bearer_auth("example-token").body(body).send()
//! };
//!
//! // One symbol, by alice: only its orders are refused (and swept).
//! let halted = post("/halt", r#"{"scope":{"symbol":"ETHUSDT"},"by":"alice","why":"ETH quotes wrong"}"#).await?;
//! assert_eq!(halted.status(), 200);
//! assert!(!kill.is_halted());
//! assert!(kill.gate().check_order("binance", "ETHUSDT", None).is_err());
//! assert!(kill.gate().check_order("binance", "BTCUSDT", None).is_ok());
//!
//! // A resume names its operator, or is refused; a named one lifts the scope it names.
//! assert_eq!(post("/resume", r#"{"scope":{"symbol":"ETHUSDT"}}"#).await?.status(), 400);
//! let resumed = post("/resume", r#"{"scope":{"symbol":"ETHUSDT"},"by":"bob"}"#).await?;
//! assert_eq!(resumed.status(), 200);
//! assert!(kill.gate().check_order("binance", "ETHUSDT", None).is_ok());
//!
//! // Plain text halts everything.
//! assert_eq!(post("/halt", "risk desk").await?.status(), 200);
//! assert!(kill.is_halted());
//! let actors: Vec<String> = kill.audit_trail().into_iter().map(|a| a.actor).collect();
//! assert_eq!(actors, ["alice", "ops.operator_missing", "bob", "ops.operator_missing"]);
//! ops.shutdown().await;
//! # Ok(()) }
//! ```

mod metrics;
mod request;
mod serve;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::gate::HaltScope;
use crate::kill_switch::{Halt, KillSwitch, Resume, ResumeError};
use request::{BadResume, Widened};

/// The environment variable the token is read from unless told otherwise.
pub const DEFAULT_TOKEN_ENV: &str = "HFT_CACHE_OPS_TOKEN";

/// A `/halt` reason longer than this many characters is cut to it.
pub const MAX_REASON_CHARS: usize = 500;

/// An operator name (from `by` or the header) longer than this many characters is cut to it.
pub const MAX_OPERATOR_CHARS: usize = 100;

/// The header that names the operator when the body does not (`by`).
pub const OPERATOR_HEADER: &str = "x-hft-operator";

/// The audit actor of a `/halt` or refused `/resume` that named no operator.
pub const OPERATOR_MISSING: &str = "ops.operator_missing";

/// The most of a request body the endpoint reads (4 KiB: 500 characters of any UTF-8 with
/// room to spare); the rest is never read.
pub const MAX_BODY_BYTES: usize = 4 * 1024;

const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// The default address: loopback only.
const DEFAULT_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 9187);

/// The operations endpoint. See [the module](crate::ops).
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
#[derive(Debug)]
pub struct OpsServer;

/// Configures an [`OpsServer`].
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
#[must_use]
#[derive(Debug)]
pub struct OpsServerBuilder {
    kill: KillSwitch,
    addr: SocketAddr,
    token_env: String,
    header_timeout: Duration,
    body_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
}

/// Why the ops endpoint did not start.
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpsError {
    /// The token's environment variable is unset, empty, or not Unicode: without a token the
    /// control routes would be open to anyone who reaches the port.
    #[error("the ops endpoint needs a bearer token in the environment variable `{var}`")]
    MissingToken {
        /// The variable's name.
        var: String,
    },
    /// The address could not be bound.
    #[error("cannot bind the ops endpoint to {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// A running ops endpoint; stops when dropped or [shut down](OpsHandle::shutdown).
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
#[derive(Debug)]
#[must_use = "the ops endpoint stops when this handle is dropped"]
pub struct OpsHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

struct Ops {
    kill: KillSwitch,
    token: Box<[u8]>,
    body_timeout: Duration,
}

impl OpsServer {
    /// Configures an endpoint for `kill` and its registry.
    pub fn builder(kill: &KillSwitch) -> OpsServerBuilder {
        OpsServerBuilder {
            kill: kill.clone(),
            addr: SocketAddr::from(DEFAULT_ADDR),
            token_env: DEFAULT_TOKEN_ENV.to_owned(),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl OpsServerBuilder {
    /// The address to listen on (default `127.0.0.1:9187`; port 0 picks a free one).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The environment variable holding the bearer token (default `HFT_CACHE_OPS_TOKEN`).
    pub fn token_env(mut self, var: impl Into<String>) -> Self {
        self.token_env = var.into();
        self
    }

    /// How long a client has to send a request head in full (default 5 s), counted from when
    /// the server starts waiting for it: after accepting, and after each answer on a kept-alive
    /// connection. A client that runs out is disconnected. Zero is raised to 1 ms.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long an authorized `/halt` waits for its reason (default 5 s); the switch trips with
    /// whatever came by then. It is held under half the idle timeout, so that the idle timeout
    /// never closes a halt before it trips.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How long a connection may move no byte either way before it is closed (default 30 s).
    /// Zero is raised to 1 ms.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The most connections served at once (default 1024, at least 1); past it, a new
    /// connection is closed as soon as it is accepted.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Reads the token, binds, and serves on a tokio task.
    ///
    /// # Errors
    ///
    /// [`OpsError::MissingToken`] if the variable is unset or empty; [`OpsError::Bind`] if the
    /// address cannot be bound.
    pub async fn spawn(self) -> Result<OpsHandle, OpsError> {
        let token = std::env::var(&self.token_env)
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OpsError::MissingToken {
                var: self.token_env.clone(),
            })?;
        let listener = TcpListener::bind(self.addr)
            .await
            .map_err(|source| OpsError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| OpsError::Bind {
            addr: self.addr,
            source,
        })?;
        let state = Arc::new(Ops {
            kill: self.kill,
            token: token.into_bytes().into_boxed_slice(),
            body_timeout: self.body_timeout.min(self.idle_timeout / 2),
        });
        let app = Router::new()
            .route("/compliance", get(compliance))
            .route("/metrics", get(metrics))
            .route("/halt", post(halt))
            .route("/resume", post(resume))
            .with_state(state);
        let limits = serve::Limits {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve::serve(listener, app, limits, stopped));
        tracing::info!(%addr, token_env = %self.token_env, "ops endpoint listening");
        Ok(OpsHandle {
            addr,
            stop: Some(stop),
            task,
        })
    }
}

impl OpsHandle {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, finishes the requests under way, and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for OpsHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn compliance(State(ops): State<Arc<Ops>>) -> Response {
    json(
        StatusCode::OK,
        ops.kill.registry().report().to_json_pretty(),
    )
}

async fn metrics(State(ops): State<Arc<Ops>>) -> Response {
    (
        [(CONTENT_TYPE, metrics::CONTENT_TYPE)],
        metrics::render(&metrics::registry(&ops.kill)),
    )
        .into_response()
}

async fn halt(
    State(ops): State<Arc<Ops>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // The headers decide; an unauthenticated body is never read.
    if !authorized(&ops, &headers, peer, "/halt") {
        return unauthorized();
    }
    let raw = serve::read_capped(body, MAX_BODY_BYTES, ops.body_timeout).await;
    let asked = request::halt(&raw, is_json(&headers), operator_header(&headers));
    let mut reason = format!("ops endpoint, from {peer}");
    match &asked.widened {
        None => {}
        Some(Widened::Malformed(error)) => {
            tracing::warn!(%peer, %error, "ops endpoint: /halt body is not a halt request; halting everything");
            reason.push_str(", body not a halt request, so everything is halted");
        }
        Some(Widened::NoOperator(scope)) => {
            tracing::warn!(%peer, %scope, "ops endpoint: scoped /halt names no operator; halting everything");
            reason.push_str(&format!(
                ", no operator named, so the halt of {scope} asked for covers everything"
            ));
        }
    }
    if !asked.why.is_empty() {
        reason.push_str(": ");
        reason.push_str(&asked.why);
    }
    let operator = asked.operator.as_deref().unwrap_or_else(|| {
        tracing::warn!(%peer, "ops endpoint: /halt names no operator; halting, audited as {OPERATOR_MISSING}");
        OPERATOR_MISSING
    });
    let report = ops
        .kill
        .halt(Halt::new(reason).scope(asked.scope).by(operator));
    json(StatusCode::OK, report.to_json())
}

async fn resume(
    State(ops): State<Arc<Ops>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !authorized(&ops, &headers, peer, "/resume") {
        return unauthorized();
    }
    let raw = serve::read_capped(body, MAX_BODY_BYTES, ops.body_timeout).await;
    let asked = match request::resume(&raw, is_json(&headers), operator_header(&headers)) {
        Ok(asked) => asked,
        Err(refused) => {
            let scope = match &refused {
                BadResume::NoOperator { scope } => scope.clone(),
                BadResume::Malformed(_) => HaltScope::All,
            };
            // Who asked, if the header says so even though the body could not be read.
            let actor = operator_header(&headers)
                .and_then(request::operator_of_bytes)
                .unwrap_or_else(|| OPERATOR_MISSING.to_owned());
            tracing::warn!(%peer, %actor, error = %refused, "ops endpoint: /resume refused");
            ops.kill.audit_refused_resume(
                &scope,
                &actor,
                format!("ops endpoint, from {peer}: {refused}"),
            );
            return json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({ "resumed": false, "error": refused.to_string() }).to_string(),
            );
        }
    };
    let scope = asked.scope.clone();
    let resume = Resume::scope(asked.scope)
        .by(asked.operator.clone())
        .acknowledging(asked.acknowledge);
    match ops.kill.resume_with(resume) {
        Ok(_) => json(
            StatusCode::OK,
            serde_json::json!({
                "resumed": true,
                "scope": request::wire(&scope),
                "by": asked.operator,
                "gate": ops.kill.gate().mode(),
            })
            .to_string(),
        ),
        Err(error) => {
            let (open, to_acknowledge) = match &error {
                ResumeError::SweepPending { open, .. } => (open.clone(), Vec::new()),
                ResumeError::SweepIncomplete {
                    open,
                    to_acknowledge,
                    ..
                } => (open.clone(), to_acknowledge.clone()),
                ResumeError::ValidationFailed { reasons, .. } => (reasons.clone(), Vec::new()),
                _ => (Vec::new(), Vec::new()),
            };
            json(
                StatusCode::CONFLICT,
                serde_json::json!({
                    "resumed": false,
                    "scope": request::wire(&scope),
                    "by": asked.operator,
                    "error": error.to_string(),
                    "open": open,
                    "to_acknowledge": to_acknowledge,
                })
                .to_string(),
            )
        }
    }
}

/// Whether the body is declared JSON (`application/json`, or any `+json` type).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
}

/// The raw `X-HFT-Operator` header, if given.
fn operator_header(headers: &HeaderMap) -> Option<&[u8]> {
    headers.get(OPERATOR_HEADER).map(|v| v.as_bytes())
}

/// Whether the request carries the right bearer token; a refusal is logged.
fn authorized(ops: &Ops, headers: &HeaderMap, peer: SocketAddr, route: &'static str) -> bool {
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
    // Constant time over the bytes: only the length can leak, not how much of it matched.
    if given.is_some_and(|given| bool::from(given.ct_eq(&ops.token))) {
        return true;
    }
    tracing::warn!(
        %peer,
        route,
        token = if given.is_some() { "wrong" } else { "missing" },
        "ops endpoint: request refused, bad or missing bearer token; nothing changed"
    );
    false
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [("www-authenticate", "Bearer")],
        "a valid bearer token is required\n",
    )
        .into_response()
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(CONTENT_TYPE, "application/json")], body).into_response()
}

impl fmt::Debug for Ops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ops").finish_non_exhaustive()
    }
}

crate::class::declare_class!(Plain for OpsServer);
crate::class::declare_class!(Plain for OpsHandle);
crate::class::declare_class!(Plain for OpsServerBuilder);
crate::class::declare_class!(Plain for OpsError);
