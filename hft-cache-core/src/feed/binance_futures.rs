//! Binance USD-M futures' diff-depth stream, described for the depth feed: spot's stream and
//! REST snapshot under futures' paths, synchronised by [`FuturesDepthSync`] (each event's `pu`
//! is the previous event's `u`).

use std::time::Duration;

use super::binance_depth::BinanceDepth;
use super::depth::{BookMessage, BookStream, SnapshotFuture};
use crate::book::FuturesDepthSync;
use crate::tls::RootCertificate;

/// USD-M futures' book stream: `{ws_url}/ws/{symbol}@depth@100ms` (`wss://fstream.binance.com`),
/// snapshots from `{rest_url}/fapi/v1/depth?symbol=..&limit=1000` (`https://fapi.binance.com`),
/// [`FuturesDepthSync`] as the procedure. Frames decode as spot's, with `pu`.
///
/// ```no_run
/// use hft_cache::book::BookView;
/// use hft_cache::feed::DepthFeed;
/// use hft_cache::StreamCache;
///
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let books = StreamCache::<String, BookView>::builder().name("futures-books").build()?;
/// let feed = DepthFeed::binance_futures("wss://fstream.binance.com", "https://fapi.binance.com")
///     .symbols(["BTCUSDT"])
///     .spawn(&books)?;
/// # let _ = feed; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BinanceFuturesDepth {
    inner: BinanceDepth,
}

impl BinanceFuturesDepth {
    /// The stream and snapshots of the venue at these base URLs.
    pub fn new(ws_url: impl Into<String>, rest_url: impl Into<String>) -> Self {
        BinanceFuturesDepth {
            inner: BinanceDepth::new(ws_url, rest_url)
                .snapshot_path("/fapi/v1/depth")
                .snapshot_limit(1000),
        }
    }

    /// The stream after `<symbol>@` (default `depth@100ms`; `@depth@250ms` and `@depth@500ms`
    /// exist too).
    #[must_use]
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.inner = self.inner.stream_name(name);
        self
    }

    /// Levels per side in the snapshot request (default 1000, futures' largest; 5, 10, 20,
    /// 50, 100 and 500 are the others it accepts).
    #[must_use]
    pub fn snapshot_limit(mut self, limit: u32) -> Self {
        self.inner = self.inner.snapshot_limit(limit);
        self
    }

    /// A snapshot request must finish within this (default 5 s).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.request_timeout(timeout);
        self
    }
}

impl BookStream for BinanceFuturesDepth {
    type Sync = FuturesDepthSync;

    fn new_sync(&self) -> FuturesDepthSync {
        FuturesDepthSync::new()
    }

    fn url(&self, symbol: &str) -> String {
        self.inner.url(symbol)
    }

    fn decode(&self, symbol: &str, text: &str) -> Result<BookMessage, String> {
        self.inner.decode(symbol, text)
    }

    fn snapshot(&self, symbol: &str) -> Option<SnapshotFuture> {
        self.inner.snapshot(symbol)
    }

    fn root_certificates(&mut self, certificates: &[RootCertificate]) {
        self.inner.root_certificates(certificates);
    }

    fn prepare(&mut self, connect_timeout: Duration) -> Result<(), String> {
        self.inner.prepare(connect_timeout)
    }
}

crate::class::declare_class!(Plain for BinanceFuturesDepth);
