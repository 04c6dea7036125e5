//! One TLS trust store per process, read from a single PEM bundle.
//!
//! Left to their defaults, the AWS SDK's HTTPS client and reqwest (JWKS, OpenAI) each load the
//! platform's roots at init, and on many images that means the bundle file *and* every file of
//! the hashed `/etc/ssl/certs` directory: a few milliseconds of cold start per client. Both
//! stores hold the same roots, so this reads the bundle once (`SSL_CERT_FILE`, else the first
//! standard bundle path that exists: Amazon Linux 2023's first) and gives it to both clients.
//! Where no bundle exists, the clients keep their platform defaults.

use std::path::PathBuf;
use std::sync::OnceLock;

use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};

/// Bundle paths tried in order after `SSL_CERT_FILE`.
pub const BUNDLE_PATHS: [&str; 4] = [
    "/etc/pki/tls/certs/ca-bundle.crt",   // Amazon Linux 2023 (provided.al2023), Fedora
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The PEM root bundle, read once per process; `None` when there is none.
pub fn root_bundle() -> Option<&'static [u8]> {
    static BUNDLE: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            std::env::var_os("SSL_CERT_FILE")
                .map(PathBuf::from)
                .into_iter()
                .chain(BUNDLE_PATHS.iter().map(PathBuf::from))
                .filter_map(|p| std::fs::read(p).ok())
                .find(|b| !b.is_empty())
        })
        .as_deref()
}

/// The AWS SDK's HTTPS client trusting exactly [`root_bundle`]; `None` keeps the SDK default.
pub fn sdk_http_client() -> Option<aws_sdk_sqs::config::SharedHttpClient> {
    let pem = root_bundle()?;
    let trust = TrustStore::empty().with_native_roots(false).with_pem_certificate(pem.to_vec());
    let ctx = TlsContext::builder().with_trust_store(trust).build().ok()?;
    Some(aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).tls_context(ctx).build_https())
}

/// `builder` trusting exactly [`root_bundle`] (platform verifier when there is none).
pub fn reqwest_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    match root_bundle().and_then(|pem| reqwest::Certificate::from_pem_bundle(pem).ok()) {
        Some(certs) if !certs.is_empty() => builder.tls_certs_only(certs),
        _ => builder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_is_found_and_both_clients_take_it() {
        let pem = root_bundle().expect("a CA bundle on this machine");
        assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----") || pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----"));
        let certs = reqwest::Certificate::from_pem_bundle(pem).expect("PEM bundle");
        assert!(certs.len() > 50, "{} roots", certs.len());
        assert!(sdk_http_client().is_some());
        reqwest_roots(reqwest::Client::builder()).build().expect("reqwest client with the bundle");
    }
}
