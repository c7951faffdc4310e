//! [`BookChecksum`]: checking a synchronised book against the checksum a venue sends.

use std::fmt;
use std::fmt::Write as _;

use super::order_book::{OrderBook, Side};

/// How a venue checksums its book; a [`BookSync`](super::BookSync) given one compares it with
/// every checksum a snapshot or delta carries, and treats a mismatch as a gap.
#[derive(Clone, Copy)]
pub struct BookChecksum {
    name: &'static str,
    compute: fn(&OrderBook) -> i32,
}

impl BookChecksum {
    /// OKX's: CRC-32 (IEEE) of the best 25 levels a side, interleaved as
    /// `bidPx:bidSz:askPx:askSz:…` (the shorter side simply ends), read as a signed 32-bit
    /// integer. Prices and sizes are written as the exchange sent them.
    ///
    /// ```
    /// use hft_cache::book::{BookChecksum, OrderBook, Side};
    /// use rust_decimal_macros::dec;
    ///
    /// // OKX's documented example: "3366.1:7:3366.8:9:3366:6:3368:8".
    /// let mut book = OrderBook::new();
    /// book.apply(Side::Bid, dec!(3366.1), dec!(7))?;
    /// book.apply(Side::Bid, dec!(3366), dec!(6))?;
    /// book.apply(Side::Ask, dec!(3366.8), dec!(9))?;
    /// book.apply(Side::Ask, dec!(3368), dec!(8))?;
    /// assert_eq!(BookChecksum::OKX.compute(&book), -1881014294);
    /// # Ok::<(), hft_cache::book::BookError>(())
    /// ```
    pub const OKX: BookChecksum = BookChecksum {
        name: "okx-crc32-25",
        compute: okx,
    };

    /// A venue's own checksum function.
    pub const fn custom(name: &'static str, compute: fn(&OrderBook) -> i32) -> Self {
        BookChecksum { name, compute }
    }

    /// The checksum of `book`.
    pub fn compute(&self, book: &OrderBook) -> i32 {
        (self.compute)(book)
    }

    /// `Err((expected, computed))` when `book` does not match the venue's `expected`.
    pub(crate) fn verify(&self, book: &OrderBook, expected: i32) -> Result<(), (i32, i32)> {
        let computed = self.compute(book);
        if computed == expected {
            Ok(())
        } else {
            Err((expected, computed))
        }
    }
}

impl fmt::Debug for BookChecksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BookChecksum").field(&self.name).finish()
    }
}

fn okx(book: &OrderBook) -> i32 {
    const LEVELS: usize = 25;
    let mut text = String::with_capacity(LEVELS * 2 * 24);
    let mut bids = book.levels(Side::Bid).take(LEVELS);
    let mut asks = book.levels(Side::Ask).take(LEVELS);
    loop {
        let (bid, ask) = (bids.next(), asks.next());
        if bid.is_none() && ask.is_none() {
            break;
        }
        for (price, qty) in bid.into_iter().chain(ask) {
            if !text.is_empty() {
                text.push(':');
            }
            // Writing into a String cannot fail.
            let _ = write!(text, "{price}:{qty}");
        }
    }
    crc32fast::hash(text.as_bytes()) as i32
}

crate::class::declare_class!(Plain for BookChecksum);
