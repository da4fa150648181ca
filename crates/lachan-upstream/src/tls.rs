//! The rustls client configuration shared by DNS-over-TLS and DNS-over-HTTPS upstreams.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use crate::UpstreamError;

/// Builds a client configuration trusting the Mozilla roots plus any certificates in
/// `extra_roots_pem`, offering `alpn` protocols.
pub(crate) fn client_config(
    extra_roots_pem: Option<&[u8]>,
    alpn: &[&[u8]],
) -> Result<Arc<ClientConfig>, UpstreamError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(pem) = extra_roots_pem {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| UpstreamError::ExtraRoots(e.to_string()))?;
        if certs.is_empty() {
            return Err(UpstreamError::ExtraRoots(
                "no CERTIFICATE block found".to_owned(),
            ));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| UpstreamError::ExtraRoots(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| UpstreamError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_pem_without_certificates() {
        let err = client_config(Some(b"not a certificate"), &[]).expect_err("must fail");
        assert!(matches!(err, UpstreamError::ExtraRoots(_)), "{err}");
    }

    #[test]
    fn builds_with_public_roots_only() {
        let config = client_config(None, &[b"h2"]).expect("builds");
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
    }
}
