use hft_cache::exchange::{RequestSigner, SignRequest};
use hft_cache::Live;

// A live type cannot be the signer a client keeps: derive `NoLiveState` on a signer instead.
#[derive(Live)]
struct BalanceSigner {
    free: u64,
}

impl RequestSigner for BalanceSigner {
    fn sign(&self, _: &mut SignRequest) {}
}

fn main() {}
