// Std types with no trading meaning are Plain: they may be fields of any class, and of a
// long-lived struct, without `opaque`.
use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::{NonZeroU16, NonZeroU64, Wrapping};
use std::ops::{Range, RangeInclusive};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicU16, AtomicU32, AtomicU8};
use std::time::{Instant, SystemTime};

use hft_cache::{Classified, DataClass, NoLiveState, Static};

#[derive(Static)]
struct Venue {
    name: Cow<'static, str>,
    label: &'static str,
    host: Ipv4Addr,
    host6: Ipv6Addr,
    addr: SocketAddr,
    weight: NonZeroU16,
    id: NonZeroU64,
    seq: Wrapping<u32>,
    dir: PathBuf,
    side: Ordering,
    ticks: Range<i64>,
    sizes: RangeInclusive<u32>,
    listed: SystemTime,
    mark: char,
    extra: serde_json::Value,
    wide: (u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8),
}

#[derive(NoLiveState)]
struct Counters {
    a: AtomicU8,
    b: AtomicU16,
    c: AtomicU32,
    d: AtomicI32,
    started: Instant,
}

const _: () = {
    assert!(matches!(<Venue as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Cow<'static, str> as Classified>::CLASS, DataClass::Plain));
};

fn main() {}
