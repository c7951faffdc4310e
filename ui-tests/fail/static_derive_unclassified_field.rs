use hft_cache::Static;

/// A type of the user's own that declared no class.
struct Certificate {
    der: Vec<u8>,
}

#[derive(Static)]
struct ExchangeConfig {
    name: String,
    cert: Certificate,
}

fn main() {}
