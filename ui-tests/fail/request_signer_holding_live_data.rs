use hft_cache::exchange::{RequestSigner, SignRequest, Signer};
use hft_cache::Live;
use std::sync::Mutex;

#[derive(Live)]
struct Balance {
    free: u64,
}

// A signer the client keeps for good, hiding the last balance it signed for.
struct RememberingSigner {
    hmac: Signer,
    last_balance: Mutex<Option<Balance>>,
}

impl RequestSigner for RememberingSigner {
    fn sign(&self, request: &mut SignRequest) {
        let _ = (&self.hmac, &self.last_balance, request);
    }
}

fn main() {}
