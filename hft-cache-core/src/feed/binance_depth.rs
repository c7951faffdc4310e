//! [`BinanceDepth`]: Binance spot's diff-depth stream and REST snapshot.

use std::time::Duration;

use super::depth::{BookMessage, BookStream, SnapshotFuture};
use super::link::{self, Control};
use crate::book::{BookSnapshot, DepthSnapshot, DepthSync, DepthUpdate};
use crate::fetch::FreshClient;
use crate::tls::RootCertificate;

/// Binance spot's book stream: `{ws_url}/ws/{symbol}@depth@100ms`, snapshots from
/// `{rest_url}/api/v3/depth?symbol=..&limit=5000`, [`DepthSync`] as the procedure. Made by
/// [`DepthFeed::builder`](super::DepthFeed::builder), which also sets its options.
#[derive(Debug, Clone)]
pub struct BinanceDepth {
    ws_url: String,
    rest_url: String,
    stream_name: String,
    /// `/api/v3/depth` on spot, `/fapi/v1/depth` on USD-M futures.
    snapshot_path: &'static str,
    snapshot_limit: u32,
    request_timeout: Duration,
    roots: Vec<RootCertificate>,
    http: Option<FreshClient>,
}

impl BinanceDepth {
    /// The stream and snapshots of the exchange at these base URLs.
    pub fn new(ws_url: impl Into<String>, rest_url: impl Into<String>) -> Self {
        BinanceDepth {
            ws_url: ws_url.into().trim_end_matches('/').to_owned(),
            rest_url: rest_url.into().trim_end_matches('/').to_owned(),
            stream_name: "depth@100ms".into(),
            snapshot_path: "/api/v3/depth",
            snapshot_limit: 5000,
            request_timeout: Duration::from_secs(5),
            roots: Vec::new(),
            http: None,
        }
    }

    /// The same stream and snapshots under another snapshot path (futures' `/fapi/v1/depth`).
    pub(super) fn snapshot_path(mut self, path: &'static str) -> Self {
        self.snapshot_path = path;
        self
    }

    /// The stream after `<symbol>@` (default `depth@100ms`).
    #[must_use]
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream_name = name.into();
        self
    }

    /// Levels per side in the snapshot request (default 5000, Binance's largest).
    #[must_use]
    pub fn snapshot_limit(mut self, limit: u32) -> Self {
        self.snapshot_limit = limit;
        self
    }

    /// A snapshot request must finish within this (default 5 s).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

impl BookStream for BinanceDepth {
    type Sync = DepthSync;

    fn new_sync(&self) -> DepthSync {
        DepthSync::new()
    }

    fn url(&self, symbol: &str) -> String {
        format!(
            "{}/ws/{}@{}",
            self.ws_url,
            symbol.to_lowercase(),
            self.stream_name
        )
    }

    fn decode(&self, _symbol: &str, text: &str) -> Result<BookMessage, String> {
        // serde_json: on a 10-level frame sonic-rs decoded ~10 % faster and simd-json no faster
        // (benches/depth_pipeline.rs), too little for a SIMD parser in the runtime.
        match serde_json::from_str::<DepthUpdate>(text) {
            Ok(event) => Ok(BookMessage::Delta(event.into())),
            Err(e) => match link::control(text) {
                Some(Control::Shutdown) => Ok(BookMessage::Reconnect),
                Some(Control::Reply) => Ok(BookMessage::Skip),
                None => Err(e.to_string()),
            },
        }
    }

    fn snapshot(&self, symbol: &str) -> Option<SnapshotFuture> {
        let http = self.http.as_ref()?;
        let request = http
            .get(format!("{}{}", self.rest_url, self.snapshot_path))
            .query(&[
                ("symbol", symbol.to_owned()),
                ("limit", self.snapshot_limit.to_string()),
            ]);
        Some(Box::pin(async move {
            let depth = request.fetch_not_live::<DepthSnapshot>().await?;
            Ok(BookSnapshot::from(depth))
        }))
    }

    fn root_certificates(&mut self, certificates: &[RootCertificate]) {
        self.roots = certificates.to_vec();
    }

    fn prepare(&mut self, connect_timeout: Duration) -> Result<(), String> {
        if self.request_timeout.is_zero() {
            return Err("request_timeout must be above zero".into());
        }
        let http = self
            .roots
            .iter()
            .cloned()
            .fold(FreshClient::builder(), |b, cert| b.root_certificate(cert))
            .timeout(self.request_timeout)
            .connect_timeout(connect_timeout)
            .build()
            .map_err(|e| e.to_string())?;
        self.http = Some(http);
        Ok(())
    }
}

crate::class::declare_class!(Plain for BinanceDepth);
