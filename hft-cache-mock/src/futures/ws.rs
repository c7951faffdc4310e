//! The futures market streams, served by the spot mock's WebSocket (raw `/ws/<stream>..`,
//! combined `/stream?streams=`, `SUBSCRIBE`/`UNSUBSCRIBE`/`LIST_SUBSCRIPTIONS`/
//! `SET_PROPERTY`/`GET_PROPERTY`, server pings, `serverShutdown`, the connection lifetime):
//! this venue only says which stream names it serves, the diff-depth streams of its symbols.

use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::market::Speed;
use super::state::Shared;
use crate::faults::FaultState;
use crate::market::StreamEvent;
use crate::ws::{StreamHost, Subscription};

impl StreamHost for Shared {
    fn events(&self) -> broadcast::Receiver<StreamEvent> {
        self.bus.subscribe()
    }

    fn fault_state(&self) -> &FaultState {
        &self.faults.shared.inner
    }

    fn ping_interval(&self) -> Duration {
        self.ping_interval
    }

    fn connection_lifetime(&self) -> Duration {
        self.connection_lifetime
    }

    fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.clone()
    }

    /// `<symbol>@depth@100ms`, `<symbol>@depth` (also as `@depth@250ms` and `@depth@500ms`)
    /// of a listed symbol, in lower case as Binance names streams.
    fn subscription(&self, name: &str) -> Result<Subscription, String> {
        let invalid = || format!("Invalid stream name '{name}'.");
        let (symbol, suffix) = name.split_once('@').ok_or_else(invalid)?;
        let speed = Speed::parse(suffix).ok_or_else(invalid)?;
        if symbol.is_empty() || symbol.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(invalid());
        }
        if !self
            .lock()
            .markets
            .contains_key(&symbol.to_ascii_uppercase())
        {
            return Err(format!("Invalid symbol in stream '{name}'."));
        }
        Ok(Subscription {
            published: speed.stream(symbol),
            label: name.to_owned(),
        })
    }
}
