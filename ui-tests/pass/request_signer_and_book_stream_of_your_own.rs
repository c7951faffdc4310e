use hft_cache::book::SnapshotDeltaSync;
use hft_cache::exchange::{RequestSigner, SignRequest, Signer};
use hft_cache::feed::{BookMessage, BookStream};
use hft_cache::NoLiveState;

// A signer and a book stream of one's own: both derive `NoLiveState`, so the crate may keep them.
#[derive(NoLiveState)]
struct HeaderSigner {
    hmac: Signer,
    key: String,
}

impl RequestSigner for HeaderSigner {
    fn sign(&self, request: &mut SignRequest) {
        let _ = (&self.key, self.hmac.sign(&request.body));
    }
}

#[derive(NoLiveState)]
struct AcmeBooks {
    url: String,
}

impl BookStream for AcmeBooks {
    type Sync = SnapshotDeltaSync;
    fn new_sync(&self) -> SnapshotDeltaSync {
        SnapshotDeltaSync::new()
    }
    fn url(&self, symbol: &str) -> String {
        format!("{}/{symbol}", self.url)
    }
    fn decode(&self, _: &str, _: &str) -> Result<BookMessage, String> {
        Ok(BookMessage::Skip)
    }
}

fn main() {}
