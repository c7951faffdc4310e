//! TLS for every link the crate opens: one rustls stack and one roots policy, for REST and for
//! streams alike.
//!
//! The HTTP clients (reqwest) and the WebSocket feeds (tokio-tungstenite) both verify servers
//! against the Mozilla root store shipped in `webpki-roots`, plus any [`RootCertificate`] given
//! to their builder's `.root_certificate(..)`: a firm's own CA in front of a venue, or a test CA
//! for a loopback exchange. Both use rustls with the `ring` provider; nothing links OpenSSL.
//!
//! There is deliberately no switch that turns verification off: a `Fresh<T>` is only as good as
//! the proof that it came from the venue, and an unverified TLS link proves nothing.
//!
//! ```
//! use hft_cache::tls::RootCertificate;
//!
//! // Not a certificate: a clear error, before any connection is tried.
//! let err = RootCertificate::from_pem("not a certificate").unwrap_err();
//! assert!(err.to_string().contains("no PEM certificate"), "{err}");
//! ```

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// A certificate authority to trust besides the public roots.
///
/// Built from PEM or DER; checked when built, so a file that holds no usable CA fails here with
/// a [`TlsError`], not later as an opaque handshake failure.
#[derive(Clone)]
pub struct RootCertificate {
    der: CertificateDer<'static>,
}

impl RootCertificate {
    /// The first certificate of a PEM document (`-----BEGIN CERTIFICATE-----`).
    ///
    /// # Errors
    ///
    /// [`TlsError::Pem`] if the text holds no PEM certificate, [`TlsError::Certificate`] if the
    /// certificate cannot serve as a trust anchor.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, TlsError> {
        let der = CertificateDer::from_pem_slice(pem.as_ref())
            .map_err(|e| TlsError::Pem(format!("no PEM certificate found: {e}")))?;
        Self::checked(der)
    }

    /// A DER-encoded certificate.
    ///
    /// # Errors
    ///
    /// [`TlsError::Certificate`] if the bytes are not a certificate that can serve as a trust
    /// anchor.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Result<Self, TlsError> {
        Self::checked(CertificateDer::from(der.into()))
    }

    fn checked(der: CertificateDer<'static>) -> Result<Self, TlsError> {
        let mut probe = RootCertStore::empty();
        probe
            .add(der.clone())
            .map_err(|e| TlsError::Certificate(e.to_string()))?;
        Ok(RootCertificate { der })
    }

    /// The certificate's DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for RootCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCertificate")
            .field("der_bytes", &self.der.len())
            .finish()
    }
}

/// Why a certificate or a TLS configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The text is not a PEM certificate.
    #[error("{0}")]
    Pem(String),
    /// The certificate cannot serve as a trust anchor.
    #[error("not a usable CA certificate: {0}")]
    Certificate(String),
    /// The TLS stack could not be configured.
    #[error("TLS configuration failed: {0}")]
    Config(String),
}

/// The roots a client trusts: the public ones and the builder's extras.
#[derive(Clone, Debug, Default)]
pub(crate) struct TrustRoots {
    extra: Vec<RootCertificate>,
}

impl TrustRoots {
    /// Trusts `cert` as well.
    pub(crate) fn add(&mut self, cert: RootCertificate) {
        self.extra.push(cert);
    }

    /// The extra roots.
    #[cfg_attr(not(feature = "feeds"), allow(dead_code))]
    pub(crate) fn extra(&self) -> &[RootCertificate] {
        &self.extra
    }

    /// A reqwest builder that trusts the same roots as the streams: reqwest's built-in store is
    /// the same `webpki-roots`, and the extras are added to it.
    pub(crate) fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, reqwest::Error> {
        for cert in &self.extra {
            builder = builder.add_root_certificate(reqwest::Certificate::from_der(cert.der())?);
        }
        Ok(builder)
    }

    /// The rustls configuration of a stream link (no ALPN: a WebSocket upgrade is HTTP/1.1).
    #[cfg_attr(not(feature = "feeds"), allow(dead_code))]
    pub(crate) fn stream_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in &self.extra {
            roots
                .add(cert.der.clone())
                .map_err(|e| TlsError::Certificate(e.to_string()))?;
        }
        // The provider is named, not taken from the process default, so that another crate's
        // choice cannot change (or fail) this one.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

crate::class::declare_class!(Plain for RootCertificate);
crate::class::declare_class!(Plain for TlsError);
