//! TLS with rustls (ring provider): TLS 1.2 and 1.3 only, HTTP/2 and HTTP/1.1 by ALPN.

use crate::{ServerError, TlsFiles};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ServerError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| ServerError(format!("{}: {e}", files.cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| ServerError(format!("{}: {e}", files.cert.display())))?;
    if certs.is_empty() {
        return Err(ServerError(format!(
            "{}: no PEM certificate found",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| {
        ServerError(format!(
            "{}: no usable PEM private key: {e}",
            files.key.display()
        ))
    })?;
    // ring, the provider ureq already brings, builds without cmake; rustls deprecates it only
    // because it lacks post-quantum key exchange, which no client of this API needs yet.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ServerError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServerError(format!("{}: {e}", files.cert.display())))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
