#[serde(default, from = "Raw")]
struct Weird {
    #[serde(deserialize_with = "my::parse")]
    #[hft(trusted_transform)]
    x: u8,
    #[serde(skip_deserializing)]
    y: Option<u8>,
    #[serde(default = "zero")]
    z: u64,
}
