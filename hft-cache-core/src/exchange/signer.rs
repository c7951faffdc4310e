//! HMAC-SHA256 request signing with a secret that is never printed.

use std::fmt;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// Signs request payloads with HMAC-SHA256, as Binance's SIGNED endpoints require: the
/// signature is the lower-case hex HMAC of the payload (`totalParams`) keyed by the API secret.
///
/// The secret is held in a [`SecretString`] (zeroed on drop) and never printed: `Debug` shows
/// `[REDACTED]`.
///
/// ```
/// use hft_cache::exchange::Signer;
///
/// // The example from Binance's API documentation.
/// let signer = Signer::new("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
/// let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
/// assert_eq!(
///     signer.sign(payload),
///     "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
/// );
/// assert_eq!(format!("{signer:?}"), "Signer { secret: [REDACTED] }");
/// ```
#[derive(Clone)]
pub struct Signer {
    secret: SecretString,
}

impl Signer {
    /// A signer keyed by `secret`.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Signer {
            secret: secret.into(),
        }
    }

    /// The lower-case hex HMAC-SHA256 of `payload`.
    pub fn sign(&self, payload: &str) -> String {
        // HMAC takes a key of any length, so keying cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
        else {
            unreachable!("HMAC accepts keys of every length")
        };
        mac.update(payload.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer { secret: [REDACTED] }")
    }
}
