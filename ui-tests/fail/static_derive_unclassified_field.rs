use hft_cache::Static;

#[derive(Static)]
struct ExchangeConfig {
    name: String,
    cert_path: std::path::PathBuf,
}

fn main() {}
