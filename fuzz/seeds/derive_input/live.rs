#[derive(Live, serde::Deserialize)]
#[hft(max_age_ms = 100)]
struct Balance {
    asset: String,
    #[serde(rename = "free", with = "rust_decimal::serde::str")]
    free: rust_decimal::Decimal,
    #[serde(default)]
    locked: Option<rust_decimal::Decimal>,
}
