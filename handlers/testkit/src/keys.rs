//! Signing keys generated per test (aws-lc-rs), their JWKs, and token helpers.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// A private key with its public JWK.
pub struct TestKey {
    /// Key id.
    pub kid: String,
    /// Algorithm (RS256 or ES256).
    pub alg: Algorithm,
    encoding: EncodingKey,
    /// The public key as a JWK.
    pub jwk: Value,
    /// The public key's DER (for the "HS256 signed with the public key" attack).
    pub public_der: Vec<u8>,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey").field("kid", &self.kid).field("alg", &self.alg).finish_non_exhaustive()
    }
}

impl TestKey {
    /// A fresh RSA-2048 key for RS256.
    pub fn rsa(kid: &str) -> Self {
        let kp = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA keygen");
        let pkcs8 = kp.as_der().expect("pkcs8");
        let pkcs1 = pkcs1_from_pkcs8(pkcs8.as_ref());
        let public = kp.public_key();
        let n = B64.encode(public.modulus().big_endian_without_leading_zero());
        let e = B64.encode(public.exponent().big_endian_without_leading_zero());
        let public_der = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(public).map(|d| d.as_ref().to_vec()).unwrap_or_default();
        Self {
            kid: kid.into(),
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_der(&pkcs1),
            jwk: json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": n, "e": e}),
            public_der,
        }
    }

    /// A fresh P-256 key for ES256.
    pub fn ec(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("EC keygen");
        let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).expect("EC parse");
        let point = kp.public_key().as_ref().to_vec(); // 0x04 || x || y
        let (x, y) = (B64.encode(&point[1..33]), B64.encode(&point[33..65]));
        Self {
            kid: kid.into(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(doc.as_ref()),
            jwk: json!({"kty": "EC", "kid": kid, "alg": "ES256", "use": "sig", "crv": "P-256", "x": x, "y": y}),
            public_der: point,
        }
    }

    /// Signs `claims` with this key, header `{alg, kid}`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut h = Header::new(self.alg);
        h.kid = Some(self.kid.clone());
        self.sign_with(h, claims)
    }

    /// Signs `claims` with this key and a custom header.
    pub fn sign_with(&self, header: Header, claims: &Value) -> String {
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }
}

/// A JWKS document of `keys`.
pub fn jwks(keys: &[&TestKey]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A token with header `header` and `claims`, unsigned (`alg: none` attacks).
pub fn unsigned(header: &Value, claims: &Value) -> String {
    format!("{}.{}.", B64.encode(header.to_string()), B64.encode(claims.to_string()))
}

/// `token` with its payload replaced by `claims` (signature kept: tampering).
pub fn tamper(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}.{}", parts[0], B64.encode(claims.to_string()), parts[2])
}

/// The RSAPrivateKey (PKCS#1) inside a PKCS#8 PrivateKeyInfo, which is what jsonwebtoken's
/// RSA signer takes.
fn pkcs1_from_pkcs8(der: &[u8]) -> Vec<u8> {
    fn tlv(b: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = b[0];
        let (len, hdr) = if b[1] & 0x80 == 0 {
            (b[1] as usize, 2)
        } else {
            let n = (b[1] & 0x7f) as usize;
            let len = b[2..2 + n].iter().fold(0usize, |a, x| (a << 8) | *x as usize);
            (len, 2 + n)
        };
        (tag, &b[hdr..hdr + len], &b[hdr + len..])
    }
    let (_, info, _) = tlv(der); // PrivateKeyInfo SEQUENCE
    let (_, _, rest) = tlv(info); // version INTEGER
    let (_, _, rest) = tlv(rest); // AlgorithmIdentifier SEQUENCE
    let (tag, key, _) = tlv(rest); // privateKey OCTET STRING
    assert_eq!(tag, 0x04, "PKCS#8 privateKey is not an OCTET STRING");
    key.to_vec()
}

/// How a [`JwksServer`] answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwksMode {
    /// 200 with the key set.
    Serve,
    /// 503 at once (the issuer is down).
    Fail,
    /// Nothing for this long, then 503 (the issuer hangs).
    Hang(std::time::Duration),
}

/// A JWKS endpoint on 127.0.0.1 whose keys and availability the test changes as it runs.
pub struct JwksServer {
    doc: std::sync::Arc<std::sync::Mutex<Value>>,
    mode: std::sync::Arc<std::sync::Mutex<JwksMode>>,
    server: crate::http::HttpServer,
}

impl std::fmt::Debug for JwksServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksServer").field("url", &self.url()).finish_non_exhaustive()
    }
}

impl JwksServer {
    /// Serves the JWKS of `keys` at `/.well-known/jwks.json`.
    pub fn start(keys: &[&TestKey]) -> Self {
        use std::sync::{Arc, Mutex};
        let doc = Arc::new(Mutex::new(jwks(keys)));
        let mode = Arc::new(Mutex::new(JwksMode::Serve));
        let (d, m) = (doc.clone(), mode.clone());
        let server = crate::http::HttpServer::start(move |req| {
            use crate::http::HttpResponse;
            if req.path != "/.well-known/jwks.json" {
                return HttpResponse::json(404, &json!({}));
            }
            let mode = *m.lock().expect("lock");
            match mode {
                JwksMode::Serve => HttpResponse::json(200, &d.lock().expect("lock")),
                JwksMode::Fail => HttpResponse::json(503, &json!({"message": "down"})),
                JwksMode::Hang(t) => {
                    std::thread::sleep(t);
                    HttpResponse::json(503, &json!({"message": "hung"}))
                }
            }
        });
        Self { doc, mode, server }
    }

    /// The JWKS URL.
    pub fn url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.server.url())
    }

    /// Serves the JWKS of `keys` from now on.
    pub fn set_keys(&self, keys: &[&TestKey]) {
        self.set_doc(jwks(keys));
    }

    /// Serves `doc` (any JSON, for odd key sets) from now on.
    pub fn set_doc(&self, doc: Value) {
        *self.doc.lock().expect("lock") = doc;
    }

    /// Answers like `mode` from now on.
    pub fn set_mode(&self, mode: JwksMode) {
        *self.mode.lock().expect("lock") = mode;
    }

    /// How many requests reached the server.
    pub fn hits(&self) -> usize {
        self.server.requests().len()
    }
}
