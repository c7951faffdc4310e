//! [`FleetClient`]: one connection to the fleet's NATS server, checked (JetStream on, server 2.11
//! or newer), and the fleet's buckets and streams on it.

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};

use super::error::FleetError;

/// The bucket of halts in force, one key per scope.
pub(super) const HALTS_BUCKET: &str = "hft_fleet_halts";
/// The bucket of leases, one key per member, with max age = the lease.
pub(super) const LEASES_BUCKET: &str = "hft_fleet_leases";
/// The audit stream: denies delete and purge.
pub(super) const AUDIT_STREAM: &str = "HFT_FLEET_AUDIT";
/// The audit stream's subjects: `hft.fleet.audit.<action>`.
pub(super) const AUDIT_SUBJECTS: &str = "hft.fleet.audit.>";
/// The subject of resume requests: recorded by the audit stream and heard by every member.
pub(super) const RESUME_REQUEST_SUBJECT: &str = "hft.fleet.audit.resume_requested";
/// The compliance stream: the last N reports of each member.
pub(super) const COMPLIANCE_STREAM: &str = "HFT_FLEET_COMPLIANCE";
/// A member's compliance subject is this plus its name.
pub(super) const COMPLIANCE_PREFIX: &str = "hft.fleet.compliance.";

/// The oldest server with per-message TTLs and expiry markers (ADR-43).
const MIN_SERVER: (u64, u64) = (2, 11);
/// The largest record the fleet writes or reads (a halt, a lease).
const MAX_RECORD: i32 = 16 * 1024;
/// How long an expiry marker stays in the leases bucket: the lapsed member stays visible.
const MARKER_TTL: Duration = Duration::from_secs(24 * 3600);
/// How many compliance reports a member keeps on the server (the default).
pub(super) const DEFAULT_COMPLIANCE_KEEP: i64 = 16;

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to the fleet's NATS server: what the operator's command and each member use.
///
/// Connecting checks that JetStream is enabled and that the server is 2.11 or newer (for the
/// leases' expiry markers), and fails with a [`FleetError`] that says what to do otherwise.
///
/// ```no_run
/// use hft_cache::fleet::FleetClient;
/// use hft_cache::kill_switch::HaltScope;
///
/// # async fn run() -> Result<(), hft_cache::fleet::FleetError> {
/// let fleet = FleetClient::connect("nats://127.0.0.1:4222").await?;
/// let halt = fleet.halt(&HaltScope::symbol("BTCUSDT"), "alice", "bad prints").await?;
/// println!("halt {} in force", halt.halt_id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FleetClient {
    pub(super) url: String,
    pub(super) client: async_nats::Client,
    pub(super) js: jetstream::Context,
    pub(super) timeout: Duration,
}

/// Configures a [`FleetClient`]: timeouts and the connection's name.
#[derive(Debug, Clone)]
#[must_use]
pub struct FleetClientBuilder {
    url: String,
    name: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl FleetClient {
    /// Connects with the default timeouts (2 s to connect, 2 s per request).
    ///
    /// # Errors
    ///
    /// [`FleetError::Unreachable`], [`FleetError::JetStreamDisabled`],
    /// [`FleetError::ServerTooOld`].
    pub async fn connect(url: impl Into<String>) -> Result<Self, FleetError> {
        Self::builder(url).connect().await
    }

    /// Configures a connection to the server at `url` (`nats://host:port`, or `host:port`).
    pub fn builder(url: impl Into<String>) -> FleetClientBuilder {
        FleetClientBuilder {
            url: url.into(),
            name: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// The server's version, as it reported it.
    pub fn server_version(&self) -> String {
        self.client.server_info().version
    }

    /// The server's address.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The halts bucket, created if missing.
    pub(super) async fn halts(&self) -> Result<kv::Store, FleetError> {
        self.bucket(kv::Config {
            bucket: HALTS_BUCKET.to_owned(),
            description: "hft-cache fleet halts in force, one key per scope".to_owned(),
            history: 1,
            max_value_size: MAX_RECORD,
            ..Default::default()
        })
        .await
    }

    /// The leases bucket, created with max age `lease` if missing.
    ///
    /// # Errors
    ///
    /// [`FleetError::Misconfigured`] if it exists with another max age: every member of a fleet
    /// has one lease.
    pub(super) async fn leases(&self, lease: Duration) -> Result<kv::Store, FleetError> {
        let store = self
            .bucket(kv::Config {
                bucket: LEASES_BUCKET.to_owned(),
                description: "hft-cache fleet leases: a key per member, gone when not renewed"
                    .to_owned(),
                history: 1,
                max_age: lease,
                max_value_size: MAX_RECORD,
                limit_markers: Some(MARKER_TTL),
                ..Default::default()
            })
            .await?;
        let max_age = store.stream.cached_info().config.max_age;
        if max_age != lease {
            return Err(FleetError::Misconfigured {
                what: "leases bucket",
                detail: format!("its lease is {max_age:?}, this member's {lease:?}"),
            });
        }
        Ok(store)
    }

    /// The leases bucket as it is, for reading; `None` if no member ever joined.
    pub(super) async fn existing_leases(&self) -> Result<Option<kv::Store>, FleetError> {
        self.existing_bucket(LEASES_BUCKET).await
    }

    /// The halts bucket as it is, for reading; `None` if no halt was ever written.
    pub(super) async fn existing_halts(&self) -> Result<Option<kv::Store>, FleetError> {
        self.existing_bucket(HALTS_BUCKET).await
    }

    async fn existing_bucket(&self, name: &str) -> Result<Option<kv::Store>, FleetError> {
        if !self.stream_exists(&format!("KV_{name}")).await? {
            return Ok(None);
        }
        self.bounded("open a bucket", self.js.get_key_value(name))
            .await
            .map(Some)
    }

    async fn bucket(&self, config: kv::Config) -> Result<kv::Store, FleetError> {
        let name = config.bucket.clone();
        if self.stream_exists(&format!("KV_{name}")).await? {
            return self
                .bounded("open a bucket", self.js.get_key_value(name))
                .await;
        }
        self.bounded("create a bucket", self.js.create_key_value(config))
            .await
    }

    /// The audit stream (deny delete, deny purge), created if missing.
    pub(super) async fn audit_stream(&self) -> Result<stream::Stream, FleetError> {
        let stream = self
            .bounded(
                "create the audit stream",
                self.js.get_or_create_stream(stream::Config {
                    name: AUDIT_STREAM.to_owned(),
                    description: Some(
                        "hft-cache fleet audit trail: halts, resumes, trips; never deleted"
                            .to_owned(),
                    ),
                    subjects: vec![AUDIT_SUBJECTS.to_owned()],
                    deny_delete: true,
                    deny_purge: true,
                    max_message_size: 1024 * 1024,
                    duplicate_window: Duration::from_secs(120),
                    ..Default::default()
                }),
            )
            .await?;
        let config = &stream.cached_info().config;
        if !(config.deny_delete && config.deny_purge) {
            return Err(FleetError::Misconfigured {
                what: "audit stream",
                detail: "it allows deleting or purging records".to_owned(),
            });
        }
        Ok(stream)
    }

    /// The compliance stream (the last `keep` reports per member), created if missing.
    pub(super) async fn compliance_stream(&self, keep: i64) -> Result<stream::Stream, FleetError> {
        self.bounded(
            "create the compliance stream",
            self.js.get_or_create_stream(stream::Config {
                name: COMPLIANCE_STREAM.to_owned(),
                description: Some(
                    "hft-cache fleet: each member's last compliance reports".to_owned(),
                ),
                subjects: vec![format!("{COMPLIANCE_PREFIX}*")],
                max_messages_per_subject: keep,
                max_message_size: 1024 * 1024,
                ..Default::default()
            }),
        )
        .await
    }

    /// The compliance stream as it is, for reading.
    pub(super) async fn existing_compliance(&self) -> Result<Option<stream::Stream>, FleetError> {
        if !self.stream_exists(COMPLIANCE_STREAM).await? {
            return Ok(None);
        }
        self.bounded(
            "open the compliance stream",
            self.js.get_stream(COMPLIANCE_STREAM),
        )
        .await
        .map(Some)
    }

    async fn stream_exists(&self, name: &str) -> Result<bool, FleetError> {
        match tokio::time::timeout(self.timeout, self.js.get_stream(name)).await {
            Ok(Ok(_)) => Ok(true),
            Ok(Err(e)) => match e.kind() {
                jetstream::context::GetStreamErrorKind::JetStream(js)
                    if js.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND =>
                {
                    Ok(false)
                }
                _ => Err(FleetError::request("look up a stream", e)),
            },
            Err(_) => Err(FleetError::request("look up a stream", "timed out")),
        }
    }

    /// Runs a request within the client's timeout.
    pub(super) async fn bounded<T, E: std::fmt::Display>(
        &self,
        action: &'static str,
        request: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, FleetError> {
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(FleetError::request(action, e)),
            Err(_) => Err(FleetError::request(
                action,
                format!("no answer within {:?}", self.timeout),
            )),
        }
    }
}

impl FleetClientBuilder {
    /// The connection's name, as the server's monitoring shows it (default none).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How long connecting may take (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long each JetStream request may take (default 2 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Connects and checks the server.
    ///
    /// # Errors
    ///
    /// [`FleetError::Unreachable`], [`FleetError::JetStreamDisabled`],
    /// [`FleetError::ServerTooOld`].
    pub async fn connect(self) -> Result<FleetClient, FleetError> {
        let FleetClientBuilder {
            url,
            name,
            connect_timeout,
            request_timeout,
        } = self;
        let unreachable = |detail: String| FleetError::Unreachable {
            url: url.clone(),
            timeout: connect_timeout,
            detail,
        };
        let mut options = async_nats::ConnectOptions::new()
            .connection_timeout(connect_timeout)
            .request_timeout(Some(request_timeout))
            // Reconnect for ever, quickly: a member that cannot renew its lease halts itself
            // meanwhile, and wants the link back as soon as the server is.
            .max_reconnects(None)
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis((50 * attempts as u64).min(1000))
            })
            .ping_interval(Duration::from_secs(2));
        if let Some(name) = name {
            options = options.name(name);
        }
        let client =
            match tokio::time::timeout(connect_timeout, options.connect(url.as_str())).await {
                Ok(Ok(client)) => client,
                Ok(Err(e)) => return Err(unreachable(e.to_string())),
                Err(_) => return Err(unreachable("no answer".to_owned())),
            };
        let version = client.server_info().version;
        if !at_least(&version, MIN_SERVER) {
            return Err(FleetError::ServerTooOld { url, version });
        }
        let js = jetstream::ContextBuilder::new()
            .timeout(request_timeout)
            .build(client.clone());
        match tokio::time::timeout(request_timeout, js.query_account()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                return Err(FleetError::JetStreamDisabled {
                    url,
                    detail: e.to_string(),
                })
            }
            Err(_) => {
                return Err(FleetError::JetStreamDisabled {
                    url,
                    detail: format!("no answer to a JetStream request within {request_timeout:?}"),
                })
            }
        }
        Ok(FleetClient {
            url,
            client,
            js,
            timeout: request_timeout,
        })
    }
}

/// Whether `version` (`2.11.3`, `2.12.0-beta.1`) is at least `min` (major, minor).
fn at_least(version: &str, min: (u64, u64)) -> bool {
    let mut parts = version.split(['.', '-']).map(|p| p.parse::<u64>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= min,
        _ => false,
    }
}

crate::class::declare_class!(Plain for FleetClient);
crate::class::declare_class!(Plain for FleetClientBuilder);

#[cfg(test)]
mod tests {
    use super::at_least;

    #[test]
    fn server_versions_compare_by_major_and_minor() {
        assert!(at_least("2.11.0", (2, 11)));
        assert!(at_least("2.15.1", (2, 11)));
        assert!(at_least("3.0.0", (2, 11)));
        assert!(at_least("2.12.0-beta.2", (2, 11)));
        assert!(!at_least("2.10.24", (2, 11)));
        assert!(!at_least("1.99.0", (2, 11)));
        assert!(!at_least("garbage", (2, 11)));
    }
}
