//! HTTPS and WSS for the mock: a certificate authority made when the test starts, so that TLS
//! clients are tested for real, with verification on.
//!
//! [`MockTls::generate`] makes a fresh CA and a server certificate for `localhost` and
//! `127.0.0.1` signed by it; the mock serves REST and streams over TLS with it, and a client
//! trusts it through its builder's `.root_certificate(..)` with [`MockTls::ca_certificate_pem`].
//! Nothing is written to disk and nothing is shared between runs.

use std::fmt;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// A test certificate authority and the server certificate it signed.
#[derive(Clone)]
pub struct MockTls {
    ca_pem: String,
    ca_der: Vec<u8>,
    server: Arc<ServerConfig>,
}

/// Why a test CA could not be made.
#[derive(Debug, thiserror::Error)]
#[error("mock TLS set-up failed: {0}")]
pub struct MockTlsError(String);

fn failed(e: impl fmt::Display) -> MockTlsError {
    MockTlsError(e.to_string())
}

impl MockTls {
    /// A new CA (its name says it is a test CA) and a certificate for `localhost` and
    /// `127.0.0.1` signed by it.
    ///
    /// # Errors
    ///
    /// [`MockTlsError`] if key generation or signing fails.
    pub fn generate() -> Result<Self, MockTlsError> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "hft-cache-mock test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().map_err(failed)?;
        let ca_cert = ca_params.self_signed(&ca_key).map_err(failed)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut leaf_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .map_err(failed)?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "hft-cache-mock");
        leaf_params.use_authority_key_identifier_extension = true;
        let leaf_key = KeyPair::generate().map_err(failed)?;
        let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(failed)?;

        let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(failed)?;
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(MockTls {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            server: Arc::new(server),
        })
    }

    /// The CA certificate in PEM, for a client's `.root_certificate(..)`.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate in DER.
    pub fn ca_certificate_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// The server side, for the listener.
    pub(crate) fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.server)
    }
}

impl fmt::Debug for MockTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockTls").finish_non_exhaustive()
    }
}

/// Serves `app` over TLS on `listener` until `stop` resolves, then drains connections for at
/// most a second (the plain server's `with_graceful_shutdown`, for TLS).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    tls: &MockTls,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.into_std()?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        stop.await;
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(1)));
    });
    let config = axum_server::tls_rustls::RustlsConfig::from_config(tls.server_config());
    axum_server::from_tcp_rustls(listener, config)?
        .handle(handle)
        .serve(app.into_make_service())
        .await
}
