//! [`StreamCache`]: the latest streamed value per key, written only by a stream feed through its
//! [`FeedWriter`], and readable only while fresh and while that feed is healthy.
//!
//! Each key has its own slot holding an entry (value, time, writing feed) that a writer replaces
//! whole: a reader sees the old entry or the new one, never a mix, and never blocks the writer
//! (see `slot` for the protocol). The writer refills storage that no reader holds, so a publish
//! allocates nothing in the steady state. Keys live in an add-only table (`slot_table`) that
//! readers and writers search without a lock or a reference count.
//!
//! Writers come from the crate's own feeds, or from the one explicit escape for a user's own
//! transport, [`StreamCache::custom_transport_writer`], which the compliance report lists.

mod builder;
pub(crate) mod cache;
mod error;
pub(crate) mod feed;
mod reader;
mod slot;
mod slot_table;

pub(crate) use cache::StreamCache;
use cache::{Body, Entry, Shared};
use slot_table::SlotTable;

pub use builder::{StreamCacheBuildError, StreamCacheBuilder};
pub use error::{FeedFault, StreamReadError};
pub use feed::FeedWriter;
pub use reader::StreamReader;
