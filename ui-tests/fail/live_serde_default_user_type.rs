use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

#[derive(Live, Deserialize)]
struct Order {
    id: u64,
    #[serde(default)]
    status: Status,
}

#[derive(hft_cache::Static, Deserialize)]
enum Status {
    New,
}
impl Default for Status {
    fn default() -> Self {
        Status::New
    }
}

fn main() {}
