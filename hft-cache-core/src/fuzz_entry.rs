//! Entry points for the fuzz targets in `fuzz/`, compiled only under `cargo fuzz`
//! (`--cfg fuzzing`), never in a build a user makes: they reach the decoding that the crate
//! keeps to itself (a user never turns a body into a value; only the crate's fetch does).

use serde::de::DeserializeOwned;

use crate::fetch::{FetchError, ResponseFormat};

/// Decodes an answer as the crate's fetch does once it has the status and the whole body:
/// a [`Bare`](crate::fetch::Bare) answer or one in a venue's envelope, its errors mapped to
/// [`FetchError`]. A status outside 100..=999 is taken as 500.
///
/// # Errors
///
/// As the fetch: the venue's error, an HTTP error, or a body that does not decode.
pub fn decode<F: ResponseFormat, T: DeserializeOwned>(
    status: u16,
    body: &[u8],
) -> Result<T, FetchError> {
    let status =
        reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    <F as crate::fetch::Decode>::decode(status, body)
}
