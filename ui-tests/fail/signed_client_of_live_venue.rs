use hft_cache::Live;

#[derive(Live, Debug)]
struct Balance {
    free: u64,
}

use hft_cache::exchange::binance::Binance;
use hft_cache::exchange::{
    BodyEncoding, ExchangeErrorKind, InvalidApiKey, RequestSigner, SecretString, SignedClient, Venue,
};
use hft_cache::fetch::Method;
use hft_cache::NoLiveState;

// A venue that keeps the last balance it saw: the client over it holds live data.
#[derive(Live, Debug)]
struct CachingVenue {
    last: Balance,
}

impl Venue for CachingVenue {
    type Format = <Binance as Venue>::Format;
    type ServerTime = <Binance as Venue>::ServerTime;
    fn time_path(&self) -> &str {
        "/time"
    }
    fn body_encoding(&self) -> BodyEncoding {
        BodyEncoding::Form
    }
    fn places_order(&self, _: &Method, _: &str) -> bool {
        false
    }
    fn classify(&self, _: u16, _: Option<i64>, _: bool) -> ExchangeErrorKind {
        todo!()
    }
    fn signer(&self, _: &str, _: SecretString) -> Result<Box<dyn RequestSigner>, InvalidApiKey> {
        todo!()
    }
}

#[derive(NoLiveState)]
struct Adapter {
    client: SignedClient<CachingVenue>,
}

fn main() {}
