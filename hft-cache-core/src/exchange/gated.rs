//! A single request behind the trading gate: [`GatedRequest`].

use serde::de::DeserializeOwned;

use super::error::RequestError;
use crate::fetch::{Envelope, FreshRequest};
use crate::fresh::Fresh;
use crate::gate::TradingGate;
use crate::policy::Live;

/// A [`FreshRequest`] that the trading gate must let through; built with [`GatedRequest::new`].
/// Failures past the gate are [`RequestError::Fetch`] with no kind: a bare request has no
/// venue to classify them.
#[derive(Debug)]
#[must_use = "a request does nothing until it is fetched"]
pub struct GatedRequest {
    request: FreshRequest,
    gate: TradingGate,
}

impl GatedRequest {
    /// Puts the request behind `gate`: it is sent only if the gate is open at the moment of
    /// sending, else it fails with [`RequestError::Halted`]. For order placements made with a
    /// bare [`FreshClient`](crate::fetch::FreshClient); [`SignedClient`](super::SignedClient)
    /// gates its own.
    ///
    /// ```
    /// use hft_cache::fetch::FreshClient;
    /// use hft_cache::exchange::{GatedRequest, RequestError};
    /// use hft_cache::Live;
    /// use hft_cache::kill_switch::KillSwitch;
    /// use hft_cache::monitor::Registry;
    ///
    /// #[derive(Live, serde::Deserialize)]
    /// struct OrderAck {
    ///     id: u64,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let kill = KillSwitch::builder().registry(&Registry::new()).build();
    /// kill.trip("operator stop");
    /// let client = FreshClient::new()?;
    /// let order = client.post("http://127.0.0.1:9/order"); // never contacted
    /// let refused = GatedRequest::new(order, &kill.gate())
    ///     .fetch::<OrderAck>()
    ///     .await
    ///     .unwrap_err();
    /// assert!(matches!(refused, RequestError::Halted(_)));
    /// # Ok(()) }
    /// ```
    pub fn new(request: FreshRequest, gate: &TradingGate) -> Self {
        GatedRequest {
            request,
            gate: gate.clone(),
        }
    }

    /// [`FreshRequest::fetch`], if the gate is open.
    ///
    /// # Errors
    ///
    /// [`RequestError::Halted`] while trading is halted (nothing is sent); else the fetch's
    /// error as [`RequestError::Fetch`].
    pub async fn fetch<T: Live + DeserializeOwned>(self) -> Result<Fresh<T>, RequestError> {
        self.gate.check()?;
        Ok(self.request.fetch().await?)
    }

    /// [`FreshRequest::fetch_enveloped`], if the gate is open.
    ///
    /// # Errors
    ///
    /// As [`fetch`](Self::fetch).
    pub async fn fetch_enveloped<E, T>(self) -> Result<Fresh<T>, RequestError>
    where
        E: Envelope,
        T: Live + DeserializeOwned,
    {
        self.gate.check()?;
        Ok(self.request.fetch_enveloped::<E, T>().await?)
    }
}

crate::class::declare_class!(Plain for GatedRequest);
