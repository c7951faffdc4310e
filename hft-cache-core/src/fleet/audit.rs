//! The fleet's audit trail: records published with a message id (the server drops a repeat)
//! to a stream that denies delete and purge, and read back in order.

use std::time::{Duration, SystemTime};

use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use futures_util::StreamExt;
use serde::Serialize;

use super::client::FleetClient;
use super::error::FleetError;
use super::records::AuditEvent;

/// The most records one [`FleetClient::audit`] call returns (the newest are kept).
pub const MAX_AUDIT_READ: usize = 10_000;

/// One record of the audit stream, with its place in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Its sequence number in the stream.
    pub seq: u64,
    /// The record.
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// Publishes `event` under `msg_id` and waits for the stream's acknowledgment. Returns whether
/// the server had it already (a duplicate id within the stream's window).
pub(super) async fn publish(
    client: &FleetClient,
    event: &AuditEvent,
    msg_id: &str,
) -> Result<bool, FleetError> {
    let subject = format!("hft.fleet.audit.{}", event.action);
    let payload = serde_json::to_vec(event).map_err(|e| FleetError::BadRecord {
        what: "an audit event",
        detail: e.to_string(),
    })?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(async_nats::header::NATS_MESSAGE_ID, msg_id);
    let ack = client
        .bounded(
            "publish an audit record",
            client
                .js
                .publish_with_headers(subject, headers, payload.into()),
        )
        .await?;
    let ack = client
        .bounded(
            "publish an audit record",
            std::future::IntoFuture::into_future(ack),
        )
        .await?;
    Ok(ack.duplicate)
}

impl FleetClient {
    /// The audit trail, oldest first: every record since `since` (all if `None`), at most the
    /// [`MAX_AUDIT_READ`] newest.
    ///
    /// # Errors
    ///
    /// [`FleetError::Request`] if the stream cannot be read.
    pub async fn audit(&self, since: Option<SystemTime>) -> Result<Vec<AuditEntry>, FleetError> {
        let mut stream = self.audit_stream().await?;
        let info = self.bounded("read the audit stream", stream.info()).await?;
        if info.state.messages == 0 {
            return Ok(Vec::new());
        }
        let last = info.state.last_sequence;
        let deliver_policy = match since {
            Some(since) => DeliverPolicy::ByStartTime {
                start_time: since.into(),
            },
            None => DeliverPolicy::ByStartSequence {
                start_sequence: last.saturating_sub(MAX_AUDIT_READ as u64 - 1).max(1),
            },
        };
        let consumer = self
            .bounded(
                "read the audit stream",
                stream.create_consumer(pull::OrderedConfig {
                    deliver_policy,
                    ..Default::default()
                }),
            )
            .await?;
        if consumer.cached_info().num_pending == 0 {
            return Ok(Vec::new());
        }
        let mut messages = self
            .bounded("read the audit stream", consumer.messages())
            .await?;
        let mut entries = std::collections::VecDeque::new();
        loop {
            let next =
                tokio::time::timeout(self.timeout.max(Duration::from_secs(1)), messages.next());
            let message = match next.await {
                Ok(Some(Ok(message))) => message,
                Ok(Some(Err(e))) => return Err(FleetError::request("read the audit stream", e)),
                // Nothing more within the timeout: the trail has been read.
                Ok(None) | Err(_) => break,
            };
            let (seq, pending) = match message.info() {
                Ok(info) => (info.stream_sequence, info.pending),
                Err(e) => return Err(FleetError::request("read the audit stream", e)),
            };
            // A record this version cannot read is skipped, not fatal: the trail is append-only
            // and newer members may write more.
            match serde_json::from_slice::<AuditEvent>(&message.payload) {
                Ok(event) => {
                    if entries.len() == MAX_AUDIT_READ {
                        entries.pop_front();
                    }
                    entries.push_back(AuditEntry { seq, event });
                }
                Err(e) => tracing::warn!(seq, error = %e, "unreadable fleet audit record skipped"),
            }
            if pending == 0 || seq >= last {
                break;
            }
        }
        Ok(entries.into())
    }
}

/// Parses `--since`: a duration back from now (`15m`, `2h 30m`) or an RFC 3339 time.
///
/// # Errors
///
/// [`FleetError::BadTime`] for anything else.
pub fn parse_since(value: &str) -> Result<SystemTime, FleetError> {
    if let Ok(back) = humantime::parse_duration(value) {
        return SystemTime::now()
            .checked_sub(back)
            .ok_or_else(|| FleetError::BadTime {
                value: value.to_owned(),
            });
    }
    humantime::parse_rfc3339_weak(value).map_err(|_| FleetError::BadTime {
        value: value.to_owned(),
    })
}

crate::class::declare_class!(Plain for AuditEntry);

impl AuditEntry {
    /// The entry as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    }
}

impl std::fmt::Display for AuditEntry {
    /// One line: sequence, time, action, actor, member, scope, and why.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.event;
        write!(
            f,
            "#{} {} {} by {}",
            self.seq,
            humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + Duration::from_millis(e.at)),
            e.action,
            e.by
        )?;
        if let Some(member) = &e.member {
            write!(f, " on {member}")?;
        }
        write!(f, " [{}]", e.scope)?;
        if let Some(id) = &e.halt_id {
            write!(f, " halt {id}")?;
        }
        if let Some(sweep) = &e.sweep {
            write!(f, " sweep {sweep}")?;
        }
        write!(f, ": {}", e.why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_and_times() {
        let fifteen = parse_since("15m").unwrap();
        let back = SystemTime::now().duration_since(fifteen).unwrap();
        assert!(back >= Duration::from_secs(899) && back < Duration::from_secs(960));
        let at = parse_since("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(
            at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            1_767_323_045
        );
        assert!(matches!(
            parse_since("yesterday"),
            Err(FleetError::BadTime { .. })
        ));
    }
}
