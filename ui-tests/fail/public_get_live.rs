// Live data fetched as a plain value would escape `Fresh<T>`: `public_get` refuses it.
use hft_cache::exchange::SignedClient;
use hft_cache::Live;

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

async fn leak(client: &SignedClient) -> Balance {
    client.public_get("/api/v3/account", &()).await.unwrap()
}

fn main() {}
