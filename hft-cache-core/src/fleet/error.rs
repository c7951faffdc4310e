//! [`FleetError`]: why a fleet operation failed, in words that say what to do.

use std::time::Duration;

/// Why joining the fleet or an operator's command failed. Each message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// No NATS server answered at the address within the timeout.
    #[error("cannot reach the NATS server at {url} within {timeout:?}: {detail}; start one with JetStream (`nats-server -js`) or check --nats")]
    Unreachable {
        /// The address tried.
        url: String,
        /// The connect timeout.
        timeout: Duration,
        /// What the client said.
        detail: String,
    },
    /// The server answered but JetStream is not enabled for this account.
    #[error("the NATS server at {url} has JetStream disabled ({detail}); restart it with `-js` (and `-sd DIR` for a store directory)")]
    JetStreamDisabled {
        /// The server's address.
        url: String,
        /// What the server said.
        detail: String,
    },
    /// The server is older than 2.11: no per-message TTL, no expiry markers, so lapsed leases
    /// would not be visible.
    #[error("the NATS server at {url} is version {version}; fleet control needs 2.11 or newer (per-key TTLs and expiry markers): upgrade the server")]
    ServerTooOld {
        /// The server's address.
        url: String,
        /// The version it reported.
        version: String,
    },
    /// A name or scope cannot be a NATS key or subject token.
    #[error("`{value}` cannot be a fleet {what}: use letters, digits, `-`, `_` and `=` only (at most 64)")]
    InvalidName {
        /// What it was meant to be (`member name`, `venue`, `symbol`, `strategy prefix`).
        what: &'static str,
        /// The value given.
        value: String,
    },
    /// A fleet bucket or stream exists with a configuration this process cannot use.
    #[error("the fleet's {what} exists with another configuration ({detail}); use the fleet's settings or recreate it")]
    Misconfigured {
        /// Which bucket or stream.
        what: &'static str,
        /// What differs.
        detail: String,
    },
    /// A JetStream request failed or timed out.
    #[error("NATS JetStream request failed: {action}: {detail}; check the server (`hft-fleet status`) and retry")]
    Request {
        /// What was being done.
        action: &'static str,
        /// What the client or server said.
        detail: String,
    },
    /// A record read from the fleet could not be decoded.
    #[error("a fleet record in {what} is not valid JSON: {detail}")]
    BadRecord {
        /// Where it was read.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A `--since` time is neither a duration (`15m`) nor an RFC 3339 time.
    #[error("`{value}` is not a time: give a duration back from now (`15m`, `2h`) or an RFC 3339 time (`2026-01-02T03:04:05Z`)")]
    BadTime {
        /// The value given.
        value: String,
    },
}

impl FleetError {
    /// The process exit code `hft-fleet` uses for this error: 3 server unreachable, 4 JetStream
    /// disabled, 5 server too old, 6 a request failed, 1 otherwise (2 is for usage errors).
    pub fn exit_code(&self) -> u8 {
        match self {
            FleetError::Unreachable { .. } => 3,
            FleetError::JetStreamDisabled { .. } => 4,
            FleetError::ServerTooOld { .. } => 5,
            FleetError::Request { .. } => 6,
            _ => 1,
        }
    }

    pub(super) fn request(action: &'static str, detail: impl std::fmt::Display) -> Self {
        FleetError::Request {
            action,
            detail: detail.to_string(),
        }
    }
}

crate::class::declare_class!(Plain for FleetError);
