use hft_cache::Live;

#[derive(Live)]
struct Position {
    qty: i64,
}

impl Clone for Position {
    fn clone(&self) -> Self {
        Position { qty: self.qty }
    }
}

fn main() {}
