//! Order books kept from an exchange's diff-depth stream.
//!
//! - [`OrderBook`]: an L2 book (price → quantity per side) that refuses negative quantities and
//!   reports a crossed book.
//! - [`DepthSync`]: the documented synchronisation of a REST snapshot with buffered stream
//!   events (Binance's rules): it says, for every event, whether it was applied, ignored, or
//!   revealed a gap that needs a new snapshot.
//! - [`BookView`]: the top levels of a synchronised book, the streamed value a
//!   [`StreamCache`](crate::StreamCache) holds and readers read.
//!
//! The snapshot only seeds the stream: a book becomes readable with the first stream event
//! applied on top of it, never from the snapshot alone.

mod order_book;
mod sync;
mod view;
mod wire;

pub use order_book::{BookError, OrderBook, Side};
pub use sync::{DepthSync, SyncOutcome};
pub use view::{BookView, Level};
pub use wire::{DepthSnapshot, DepthUpdate};
