//! `--tls <cert-file>`: a self-signed certificate for `localhost` and `127.0.0.1` (plus the listen
//! address), made at start, written as PEM for clients to trust, and served with rustls (ring).

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Makes the certificate, writes it to `cert_file` and returns the acceptor that serves it.
pub fn acceptor(cert_file: &Path, listen: IpAddr) -> Result<TlsAcceptor, String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !listen.is_unspecified() && listen.to_string() != "127.0.0.1" {
        names.push(listen.to_string());
    }
    let fail = |e: rcgen::Error| format!("--tls: cannot make a certificate: {e}");
    let mut params = CertificateParams::new(names).map_err(fail)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "ACS Identity emulator (localhost)");
    params.distinguished_name = dn;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // Strict verifiers (Python 3.13's default context) want the key identifiers.
    params.use_authority_key_identifier_extension = true;
    let key_pair = KeyPair::generate().map_err(fail)?;
    let cert = params.self_signed(&key_pair).map_err(fail)?;
    std::fs::write(cert_file, cert.pem())
        .map_err(|e| format!("--tls: cannot write {}: {e}", cert_file.display()))?;

    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("--tls: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("--tls: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
