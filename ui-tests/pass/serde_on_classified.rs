// Classes combine with serde: static and streamed data serialize; live data deserializes only
// inside the crate's fetch.
use hft_cache::{Live, Static, Streamed};
use serde::{Deserialize, Serialize};

#[derive(Static, Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct SymbolInfo {
    tick_size: rust_decimal::Decimal,
}

#[derive(Streamed, Serialize, Deserialize, Clone, Debug)]
struct Ticker {
    bid: rust_decimal::Decimal,
}

#[derive(Live, Deserialize, Debug)]
struct Balance {
    asset: String,
    free: rust_decimal::Decimal,
}

fn main() {
    let info: SymbolInfo = serde_json::from_str(r#"{"tickSize":"0.01"}"#).unwrap();
    let _ = serde_json::to_string(&info).unwrap();
}
