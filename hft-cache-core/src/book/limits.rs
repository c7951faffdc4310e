//! [`BookLimits`]: how much of a venue's data a book and its sync may hold.

/// The caps a [`BookSync`](super::BookSync) and a [`DepthFeed`](crate::feed::DepthFeed) put on
/// what a venue sends, so that no stream, honest or hostile, grows memory or work without
/// bound. Each cap past which data arrives is a fault (the book is discarded and rebuilt from
/// a new snapshot), never growth. The defaults fit every venue the crate speaks with room to
/// spare:
///
/// | cap | default | in memory | a real stream sends |
/// | --- | --- | --- | --- |
/// | [`max_levels_per_message`](Self::max_levels_per_message) | 20,000 levels (both sides) | 625 KiB of levels | Binance's largest snapshot: 10,000; a Bybit `orderbook.1000` snapshot: 2,000 |
/// | [`max_buffered_deltas`](Self::max_buffered_deltas) | 10,000 deltas | | 1,000 s of `@depth@100ms` |
/// | [`max_buffered_levels`](Self::max_buffered_levels) | 200,000 levels | 6.1 MiB of levels (32 bytes each), at most twice that with the vectors' spare capacity | a few thousand while a snapshot is awaited |
/// | [`max_book_levels`](Self::max_book_levels) | 200,000 levels per side | 7.6 MiB a side (40 bytes a level) | tens of thousands on the busiest pairs |
///
/// ```
/// use hft_cache::book::{BookLimits, DepthSync};
///
/// let limits = BookLimits::default().max_buffered_levels(50_000);
/// assert_eq!(limits.buffered_levels(), 50_000);
/// let sync = DepthSync::new().with_limits(limits);
/// # let _ = sync;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookLimits {
    levels_per_message: usize,
    buffered_deltas: usize,
    buffered_levels: usize,
    book_levels: usize,
}

impl Default for BookLimits {
    fn default() -> Self {
        BookLimits {
            levels_per_message: 20_000,
            buffered_deltas: 10_000,
            buffered_levels: 200_000,
            book_levels: 200_000,
        }
    }
}

impl BookLimits {
    /// Levels one snapshot or delta may carry, bids and asks together (default 20,000). A
    /// message with more is refused as [`BookError::TooManyLevels`](super::BookError) before
    /// any of it is applied.
    #[must_use]
    pub fn max_levels_per_message(mut self, levels: usize) -> Self {
        self.levels_per_message = levels;
        self
    }

    /// Deltas kept while a snapshot is awaited (default 10,000). One more is
    /// [`BookError::BufferFull`](super::BookError): the buffer is emptied and the feed
    /// resynchronises.
    #[must_use]
    pub fn max_buffered_deltas(mut self, deltas: usize) -> Self {
        self.buffered_deltas = deltas;
        self
    }

    /// Levels kept in the buffered deltas while a snapshot is awaited, all deltas together
    /// (default 200,000, about 6.1 MiB). A delta that would take the buffer past it is
    /// [`BookError::BufferFull`](super::BookError): the buffer is emptied and the feed
    /// resynchronises.
    #[must_use]
    pub fn max_buffered_levels(mut self, levels: usize) -> Self {
        self.buffered_levels = levels;
        self
    }

    /// Levels a side of the book may hold (default 200,000). A message that takes a side
    /// past it is [`BookError::TooManyLevels`](super::BookError): the book is discarded.
    #[must_use]
    pub fn max_book_levels(mut self, levels: usize) -> Self {
        self.book_levels = levels;
        self
    }

    /// The cap on levels per message.
    pub fn levels_per_message(&self) -> usize {
        self.levels_per_message
    }

    /// The cap on buffered deltas.
    pub fn buffered_deltas(&self) -> usize {
        self.buffered_deltas
    }

    /// The cap on buffered levels.
    pub fn buffered_levels(&self) -> usize {
        self.buffered_levels
    }

    /// The cap on levels per side of the book.
    pub fn book_levels(&self) -> usize {
        self.book_levels
    }
}

/// What a sync holds while it waits for a snapshot: the memory a hostile stream could try to
/// grow, reported in a feed's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct BufferStats {
    /// Deltas buffered.
    pub deltas: usize,
    /// Levels in them, bids and asks together.
    pub levels: usize,
    /// Bytes they hold on the heap and in the buffer itself (the vectors' capacity, not only
    /// their length).
    pub bytes: usize,
}

crate::class::declare_class!(Plain for BookLimits);
crate::class::declare_class!(Plain for BufferStats);
