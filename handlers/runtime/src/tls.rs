//! One TLS configuration per process, whose trust store is parsed on the first handshake.
//!
//! Every HTTPS client of a handler (the AWS SDK's, JWKS, OpenAI, MCP, OAuth, A2A) goes through
//! [`crate::net`], which hands reqwest a clone of [`client_config`]: one `rustls::ClientConfig`
//! and one verifier for the whole process. Parsing the ~150 roots of the CA bundle takes about a
//! millisecond, as much as a hello-world function's whole init, and used to happen once per
//! client at init (the SDK's hyper client even did it once per SDK client). Here the verifier
//! parses them on its first use, once, so a cold start does none of it and an invocation that
//! talks only plain HTTP or no HTTPS at all never does.
//!
//! Roots come from one PEM bundle (`SSL_CERT_FILE`, else the first standard bundle path that
//! exists: Amazon Linux 2023's first), else the platform's certificate store.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

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

/// The roots every client trusts: [`root_bundle`], else the platform's store. Parsed on the
/// first call (the first TLS handshake of the process), then shared.
pub fn root_store() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            match root_bundle() {
                Some(pem) => roots.add_parsable_certificates(CertificateDer::pem_slice_iter(pem).filter_map(Result::ok)),
                None => roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs),
            };
            if roots.is_empty() {
                tracing::warn!("no CA roots found (set SSL_CERT_FILE): every HTTPS connection will fail");
            }
            Arc::new(roots)
        })
        .clone()
}

/// ring: about 0.5 MB less per zip than aws-lc-rs for the same TLS 1.2/1.3 suites (issue
/// [2.7]: zips <= 3 MB). The authorizer's and ws-connection's JWT checks still use aws-lc-rs
/// (jsonwebtoken); the handlers that verify no token link no aws-lc at all.
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// The process's TLS client configuration (cheap to clone: its parts are shared). Building it
/// parses no certificate; see the module doc.
pub fn client_config() -> rustls::ClientConfig {
    static CONFIG: OnceLock<rustls::ClientConfig> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            rustls::ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .expect("ring supports TLS 1.2 and 1.3")
                // Not a weaker check: rustls' standard WebPKI verifier, built on its first use.
                .dangerous()
                .with_custom_certificate_verifier(verifier())
                .with_no_client_auth()
        })
        .clone()
}

/// The one certificate verifier of [`client_config`].
fn verifier() -> Arc<LazyVerifier> {
    static VERIFIER: OnceLock<Arc<LazyVerifier>> = OnceLock::new();
    VERIFIER.get_or_init(|| Arc::new(LazyVerifier { provider: provider(), inner: OnceLock::new() })).clone()
}

/// `builder` with the shared [`client_config`]. Prefer [`crate::net::builder`], which starts
/// from this.
pub fn reqwest_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.tls_backend_preconfigured(client_config())
}

/// rustls' WebPKI verifier over [`root_store`], created on the first certificate to verify.
/// Signature checks of the handshake need no roots and go straight to the provider.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
}

impl LazyVerifier {
    fn webpki(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.inner
            .get_or_init(|| {
                WebPkiServerVerifier::builder_with_provider(root_store(), self.provider.clone())
                    .build()
                    .map_err(|e| rustls::Error::General(format!("TLS roots: {e}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.webpki()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_verifier_and_one_root_store_per_process() {
        let pem = root_bundle().expect("a CA bundle on this machine");
        assert!(pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----"));
        client_config();
        assert!(Arc::ptr_eq(&verifier(), &verifier()), "one verifier");
        let roots = root_store();
        assert!(roots.len() > 50, "{} roots", roots.len());
        assert!(Arc::ptr_eq(&roots, &root_store()), "one parse");
        reqwest_roots(reqwest::Client::builder()).build().expect("reqwest client with the shared config");
    }

    #[test]
    fn roots_are_parsed_on_the_first_certificate_which_is_refused_when_no_root_signed_it() {
        // A well-formed self-signed leaf for example.com: the lazy verifier must reject it for
        // its issuer (a verifier that accepted anything would pass the test above).
        let leaf = CertificateDer::from_pem_slice(SELF_SIGNED.as_bytes()).expect("PEM");
        let name = ServerName::try_from("example.com").expect("name");
        let fresh = LazyVerifier { provider: provider(), inner: OnceLock::new() };
        assert!(fresh.inner.get().is_none(), "nothing parsed before a certificate comes");
        let err = fresh.verify_server_cert(&leaf, &[], &name, &[], UnixTime::now());
        assert!(fresh.inner.get().is_some_and(Result::is_ok), "the WebPKI verifier was built on first use");
        assert!(matches!(err, Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer))), "{err:?}");
    }

    /// `openssl req -x509 -newkey ec ... -days 36500 -subj /CN=example.com`, not a CA.
    const SELF_SIGNED: &str = "-----BEGIN CERTIFICATE-----
MIIBlzCCAT6gAwIBAgIUECU3DLVPhUo5iIi0alNSVYVjxtMwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLZXhhbXBsZS5jb20wIBcNMjYxMTMwMDY0MTM1WhgPMjEyNjEx
MDYwNjQxMzVaMBYxFDASBgNVBAMMC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAE2ZhcUjT10f3Pj/4RK/+Ia1EC5P2VGlDuR5NtEzctC5Je8ILz
qa6Fndi3yzFlWjtWur8gSSKVgiMQ8sUmGUhj7qNoMGYwHQYDVR0OBBYEFOOPpdd7
D/gpp7RUnzvUqVEW7XMVMB8GA1UdIwQYMBaAFOOPpdd7D/gpp7RUnzvUqVEW7XMV
MBYGA1UdEQQPMA2CC2V4YW1wbGUuY29tMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0E
AwIDRwAwRAIgAnSAiNLvjkudHrD2Xhrv9+jdyptKZm3Musfhd1Lnl4MCIF3tiFdJ
+FBxPs7vi5McglmHDCvDOZ9gUgsSsr3/n7uc
-----END CERTIFICATE-----
";
}
