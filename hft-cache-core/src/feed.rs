//! Stream feeds: tasks that keep streamed data in a [`StreamCache`](crate::StreamCache).
//!
//! [`DepthFeed`] keeps one order book per symbol from an exchange's diff-depth WebSocket
//! stream, synchronised with REST snapshots, and publishes each book's top levels as a
//! [`BookView`](crate::book::BookView). It marks a symbol's feed unhealthy (so the cache refuses
//! it) the moment the stream disconnects, falls silent, skips an update, sends garbage or breaks
//! the book, and healthy again only once it has resynchronised.

mod depth;
mod health;

pub use depth::{DepthFeed, DepthFeedBuildError, DepthFeedBuilder, DepthFeedHandle};
pub use health::{FeedHealth, FeedPhase};
