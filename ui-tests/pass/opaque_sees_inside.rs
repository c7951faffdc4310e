// `#[hft(opaque)]` fields with trait objects, `Fn` sugar, qualified paths, pointers and
// parameters inside: accepted when nothing inside is live data.
use std::marker::PhantomData;

use hft_cache::{Fresh, Live, NoLiveState, Static};

#[derive(Static)]
struct Rules {
    lot: u64,
}

#[derive(Live)]
struct Balance {
    free: u64,
}

trait Transport {
    type Frame;
}
struct Tcp;
struct Frame;
impl Transport for Tcp {
    type Frame = Frame;
}
struct Pool<T>(Vec<T>);

#[derive(NoLiveState)]
struct Adapter<'a, T: Transport, P> {
    #[hft(opaque)]
    frames: Box<dyn Iterator<Item = Frame> + Send>,
    #[hft(opaque)]
    on_rules: Box<dyn Fn(&Rules) -> bool>,
    #[hft(opaque)]
    fetcher: Box<dyn Fn() -> Option<Fresh<Balance>>>,
    #[hft(opaque)]
    last: <Tcp as Transport>::Frame,
    #[hft(opaque)]
    pool: Pool<(P, Frame)>,
    #[hft(opaque)]
    raw: *const Frame,
    #[hft(opaque)]
    borrowed: &'a Pool<Frame>,
    transport: PhantomData<T>,
}

fn takes<S: NoLiveState>(_: &S) {}

fn main() {
    let pool = Pool(Vec::new());
    let adapter: Adapter<'_, Tcp, u32> = Adapter {
        frames: Box::new(std::iter::empty()),
        on_rules: Box::new(|r| r.lot > 0),
        fetcher: Box::new(|| None),
        last: Frame,
        pool: Pool(vec![(1, Frame)]),
        raw: std::ptr::null(),
        borrowed: &pool,
        transport: PhantomData,
    };
    takes(&adapter);
}
