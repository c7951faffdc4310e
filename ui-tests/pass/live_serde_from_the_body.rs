// Serde attributes that read the response body stay legal on live data: renames, aliases, a bare
// `default` on std types, the crate-known decimal transforms, and a vouched transform.
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use hft_cache::Live;

#[derive(Live, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Order {
    #[serde(rename = "orderId", alias = "id")]
    order_id: u64,
    #[serde(default)]
    client_ids: Vec<String>,
    #[serde(default)]
    stop_price: Option<Decimal>,
    #[serde(default)]
    iceberg_qty: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    price: Decimal,
    #[hft(trusted_transform)]
    #[serde(deserialize_with = "qty_from_text")]
    qty: u64,
}

fn qty_from_text<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

fn main() {
    let order: Order = serde_json::from_str(
        r#"{"id":7,"price":"1.5","qty":"3","icebergQty":"0"}"#,
    )
    .unwrap();
    assert_eq!(order.order_id, 7);
    assert_eq!(order.qty, 3);
    assert!(order.client_ids.is_empty() && order.stop_price.is_none());
    assert_eq!(order.price, Decimal::new(15, 1));
    assert_eq!(order.iceberg_qty, Decimal::ZERO);
}
