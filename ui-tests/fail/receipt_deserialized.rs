use hft_cache::pre_trade::Receipt;

// Receipts are never read from outside: not from JSON, not from a file.
fn from_the_wire(text: &str) -> Receipt {
    serde_json::from_str(text).unwrap()
}

fn main() {}
