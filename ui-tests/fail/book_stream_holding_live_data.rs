use hft_cache::book::DepthSync;
use hft_cache::feed::{BookMessage, BookStream};
use hft_cache::{Fresh, Live};

#[derive(Live)]
struct Position {
    qty: i64,
}

// A book stream lives in the feed's task for as long as the feed runs.
struct StreamWithAPosition {
    position: Option<Fresh<Position>>,
}

impl BookStream for StreamWithAPosition {
    type Sync = DepthSync;
    fn new_sync(&self) -> DepthSync {
        let _ = &self.position;
        todo!()
    }
    fn url(&self, _: &str) -> String {
        todo!()
    }
    fn decode(&self, _: &str, _: &str) -> Result<BookMessage, String> {
        todo!()
    }
}

fn main() {}
