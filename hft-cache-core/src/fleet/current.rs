//! The current entry of every key of a bucket, deletions and expiry markers included: a watch
//! from the last value per key, read until it has caught up.

use std::time::Duration;

use async_nats::jetstream::kv;
use futures_util::StreamExt;

use super::error::FleetError;

/// The most keys read from one bucket.
const MAX_KEYS: usize = 100_000;

/// Every key's last entry (a put, a delete, or an expiry marker), oldest revision first.
pub(super) async fn current_entries(
    store: &kv::Store,
    timeout: Duration,
) -> Result<Vec<kv::Entry>, FleetError> {
    let info = tokio::time::timeout(timeout, store.stream.get_info())
        .await
        .map_err(|_| FleetError::request("read a bucket", "timed out"))?
        .map_err(|e| FleetError::request("read a bucket", e))?;
    if info.state.messages == 0 {
        return Ok(Vec::new());
    }
    let last = info.state.last_sequence;
    let mut watch = tokio::time::timeout(timeout, store.watch_with_history(">"))
        .await
        .map_err(|_| FleetError::request("read a bucket", "timed out"))?
        .map_err(|e| FleetError::request("read a bucket", e))?;
    let mut entries = Vec::new();
    loop {
        match tokio::time::timeout(timeout, watch.next()).await {
            Ok(Some(Ok(entry))) => {
                let done = entry.delta == 0 || entry.revision >= last;
                if entries.len() < MAX_KEYS {
                    entries.push(entry);
                }
                if done {
                    break;
                }
            }
            Ok(Some(Err(e))) => return Err(FleetError::request("read a bucket", e)),
            Ok(None) => break,
            // The last key's marker may have expired since the stream's info: what was read is
            // all there is. (For reading only: a member's halt watch never relies on this.)
            Err(_) => break,
        }
    }
    Ok(entries)
}
