use hft_cache::Static;

#[derive(Static)]
struct ExchangeConfig {
    #[hft(opaque)]
    cert_path: std::path::PathBuf,
}

fn main() {}
