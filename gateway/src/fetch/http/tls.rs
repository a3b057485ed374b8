//! TLS to `https` entities, configured as reqwest configures it (rustls with the aws-lc-rs
//! provider, certificates checked by `rustls-platform-verifier` against the system's roots),
//! plus optional extra roots from PEM files (`fetch.extra_root_certs`).

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::PathBuf;
use std::sync::Arc;

/// The client configuration for every TLS connection to entities.
pub fn client_config(extra_roots: &[PathBuf]) -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let mut roots: Vec<CertificateDer<'static>> = Vec::new();
    for path in extra_roots {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("fetch.extra_root_certs: {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "fetch.extra_root_certs: {} holds no certificate",
                path.display()
            ));
        }
        roots.extend(certs);
    }
    let verifier = if roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
    }
    .map_err(|e| format!("TLS roots: {e}"))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
