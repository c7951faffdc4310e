//! [`StreamCache`]: the latest streamed value per key, written only by a stream feed through its
//! [`FeedWriter`], and readable only while fresh and while that feed is healthy.
//!
//! Each key has its own slot holding an immutable entry (value, time, writing feed) that the
//! writer replaces whole (`arc-swap`): a reader sees the old entry or the new one, never a mix,
//! and never blocks the writer. Adding a key copies the key map, which happens once per symbol.
//!
//! Writers come from the crate's own feeds, or from the one explicit escape for a user's own
//! transport, [`StreamCache::custom_transport_writer`](crate::StreamCache::custom_transport_writer), which the compliance report lists.

mod builder;
pub(crate) mod cache;
mod error;
mod feed;
mod reader;

pub(crate) use cache::StreamCache;
use cache::{Body, Entry, Shared, Slot, SlotMap};

pub use builder::{StreamCacheBuildError, StreamCacheBuilder};
pub use error::{FeedFault, StreamReadError};
pub use feed::FeedWriter;
pub use reader::StreamReader;
