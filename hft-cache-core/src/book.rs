//! Order books kept from an exchange's stream.
//!
//! - [`OrderBook`]: an L2 book (price → quantity per side) that refuses negative quantities and
//!   reports a crossed book.
//! - [`BookSync`]: a venue's synchronisation procedure, over the neutral [`BookSnapshot`] and
//!   [`BookDelta`]: it says, for every message, whether it was applied, buffered, ignored, or
//!   revealed a gap that needs a new snapshot. [`DepthSync`] is Binance spot's (REST snapshot
//!   plus buffered `[U;u]` deltas), [`FuturesDepthSync`] Binance USD-M futures' (the same, with
//!   deltas chained by `pu`), [`SnapshotDeltaSync`] that of venues which send the book on the
//!   stream (Bybit v5, OKX). Either verifies a venue's [`BookChecksum`] where it sends one.
//! - [`BookLimits`]: the caps on levels per message, the sync buffer and the book, past which
//!   a message is a fault and the book is rebuilt, never grown.
//! - [`BookView`]: the top levels of a synchronised book, the streamed value a
//!   [`StreamCache`](crate::StreamCache) holds and readers read.
//! - [`DepthSnapshot`], [`DepthUpdate`]: Binance's JSON, convertible into the neutral types.
//!
//! A REST snapshot only seeds the stream: a Binance book becomes readable with the first stream
//! event applied on top of it, never from the snapshot alone.

mod binance_sync;
mod buffered_sync;
mod checksum;
mod futures_sync;
mod limits;
mod order_book;
mod snapshot_delta;
mod sync;
mod update;
mod view;
mod wire;

pub use binance_sync::DepthSync;
pub use checksum::BookChecksum;
pub use futures_sync::FuturesDepthSync;
pub use limits::{BookLimits, BufferStats};
pub use order_book::{BookError, OrderBook, Side};
pub use snapshot_delta::SnapshotDeltaSync;
pub use sync::{BookSync, SyncOutcome};
pub use update::{BookDelta, BookSnapshot};
pub use view::{BookView, Level};
pub use wire::{DepthSnapshot, DepthUpdate};
