// No field escapes the max-age fold: a field that is a type macro, a projection or mentions
// `Self` lowers the type's max age like any other (the shortest wins).
use hft_cache::policy::max_age_of;
use hft_cache::{Live, Static};

#[derive(Static)]
#[hft(max_age_ms = 60000)]
struct Fees {
    bps: u32,
}

#[derive(Live)]
#[hft(max_age_ms = 50)]
struct Balance {
    free: u64,
}

macro_rules! fees {
    () => { Fees };
}

trait Table {
    type Row;
}
struct FeeTable;
impl Table for FeeTable {
    type Row = Fees;
}

#[derive(Static)]
struct ByMacro {
    fees: fees!(),
}

#[derive(Static)]
struct ByProjection {
    fees: <FeeTable as Table>::Row,
}

#[derive(Static)]
struct BySelf {
    next: Option<Box<Self>>,
    fees: Vec<(Fees, Option<Box<Self>>)>,
}

#[derive(Live)]
struct Account {
    parent: Option<Box<Self>>,
    balances: Vec<Balance>,
}

fn main() {
    assert_eq!(max_age_of::<ByMacro>().as_millis(), 60_000);
    assert_eq!(max_age_of::<ByProjection>().as_millis(), 60_000);
    assert_eq!(max_age_of::<BySelf>().as_millis(), 60_000);
    assert_eq!(max_age_of::<Account>().as_millis(), 50);
}
