//! Where the JOSE RFCs say MUST: `crit` (RFC 7515 §4.1.11), JWK `use` / `key_ops` / `alg`
//! (RFC 7517 §4.2–4.4), the JSON types of registered claims (RFC 7519 §4.1), `iat` from the
//! future, and the issuer compared exactly. Real signatures, a JWKS served on 127.0.0.1.

mod common;

use agentcdk_runtime::auth::{AuthConfig, AuthError, JwtVerifier};
use agentcdk_testkit::keys::{now, JwksServer, TestKey};
use jsonwebtoken::Header;
use serde_json::{json, Value};

use common::{with, without};

const ISS: &str = "https://issuer.test/";
const AUD: &str = "support-api";

fn claims() -> Value {
    json!({"sub": "user-42", "iss": ISS, "aud": AUD, "exp": now() + 600, "nbf": now() - 5, "iat": now(),
           "scope": "chat:read", "scp": ["chat:read"], "client_id": "web", "azp": "web", "jti": "j-1"})
}

fn verifier(jwks: &JwksServer) -> JwtVerifier {
    JwtVerifier::new(AuthConfig::new(jwks.url(), ISS, vec![AUD.into()]))
}

#[tokio::test]
async fn a_crit_header_is_refused() {
    let key = TestKey::rsa("k1");
    let jwks = JwksServer::start(&[&key]);
    let v = verifier(&jwks);
    assert!(v.verify(&key.sign(&claims())).await.is_ok(), "the same token without crit verifies");
    let cases: [(&str, Vec<&str>); 4] = [
        ("an extension we do not understand", vec!["https://example.com/ext"]),
        ("RFC 7797 unencoded payload", vec!["b64"]),
        ("empty", vec![]),
        ("a registered header name", vec!["kid"]),
    ];
    for (name, crit) in cases {
        let mut h = Header::new(key.alg);
        h.kid = Some(key.kid.clone());
        h.crit = Some(crit.into_iter().map(String::from).collect());
        let err = v.verify(&key.sign_with(h, &claims())).await.expect_err(name);
        assert!(matches!(err, AuthError::Malformed(ref m) if m.contains("crit")), "{name}: {err:?}");
    }
}

/// `key` with JWK member `k` set to `v`.
fn jwk_with(key: &TestKey, k: &str, v: Value) -> Value {
    with(key.jwk.clone(), k, v)
}

#[tokio::test]
async fn only_keys_meant_for_verifying_signatures_verify() {
    let good = TestKey::rsa("good");
    let verify_op = TestKey::ec("verify-op");
    let bare = TestKey::rsa("bare");
    let enc = TestKey::rsa("enc");
    let encrypt_op = TestKey::rsa("encrypt-op");
    let sign_op = TestKey::ec("sign-op");
    let oaep = TestKey::rsa("oaep");
    let unknown_alg = TestKey::rsa("unknown-alg");
    let rs384 = TestKey::rsa("rs384");
    let pinned_es = TestKey::rsa("pinned-es256");
    let jwks = JwksServer::start(&[]);
    jwks.set_doc(json!({"keys": [
        good.jwk.clone(),
        jwk_with(&verify_op, "key_ops", json!(["verify"])),
        without(without(bare.jwk.clone(), "use"), "alg"),
        jwk_with(&enc, "use", json!("enc")),
        without(jwk_with(&encrypt_op, "key_ops", json!(["encrypt", "wrapKey"])), "use"),
        without(jwk_with(&sign_op, "key_ops", json!(["sign"])), "use"),
        jwk_with(&oaep, "alg", json!("RSA-OAEP")),
        jwk_with(&unknown_alg, "alg", json!("XY999")),
        jwk_with(&rs384, "alg", json!("RS384")),
        jwk_with(&pinned_es, "alg", json!("ES256")),
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "use": "sig"},
        {"kty": "Weird", "kid": "weird"},
        "not even an object",
    ]}));
    let v = verifier(&jwks);
    for ok in [&good, &verify_op, &bare] {
        let id = v.verify(&ok.sign(&claims())).await.unwrap_or_else(|e| panic!("{}: {e:?}", ok.kid));
        assert_eq!(id.user_id, "user-42", "{}: one odd key does not take the set down", ok.kid);
    }
    for not_for_signing in [&enc, &encrypt_op, &sign_op, &oaep, &unknown_alg, &rs384] {
        let err = v.verify(&not_for_signing.sign(&claims())).await.expect_err(&not_for_signing.kid);
        assert!(matches!(err, AuthError::UnknownKey(_)), "{}: {err:?}", not_for_signing.kid);
    }
    // The JWK pins ES256; a token naming RS256 for it is refused even though the key is RSA.
    let err = v.verify(&pinned_es.sign(&claims())).await.expect_err("alg mismatch");
    assert!(matches!(err, AuthError::Algorithm(_) | AuthError::UnknownKey(_)), "{err:?}");
}

#[tokio::test]
async fn claims_of_the_wrong_json_type_are_refused() {
    let key = TestKey::ec("k1");
    let jwks = JwksServer::start(&[&key]);
    let v = verifier(&jwks);
    let far = now() + 100_000;
    let cases: Vec<(&str, Value)> = vec![
        ("nbf as a string (would skip the nbf check)", with(claims(), "nbf", json!(far.to_string()))),
        ("nbf null", with(claims(), "nbf", Value::Null)),
        ("exp as a string", with(claims(), "exp", json!(far.to_string()))),
        ("iat as a string", with(claims(), "iat", json!(far.to_string()))),
        ("iat as an object", with(claims(), "iat", json!({"t": 1}))),
        ("iss as an array", with(claims(), "iss", json!([ISS, "https://evil.test/"]))),
        ("sub as a number", with(claims(), "sub", json!(42))),
        ("aud with a number in it", with(claims(), "aud", json!([AUD, 7]))),
        ("aud as a number", with(claims(), "aud", json!(7))),
        ("scope as an array", with(claims(), "scope", json!(["chat:read"]))),
        ("scp as a number", with(claims(), "scp", json!(1))),
        ("scp with an object in it", with(claims(), "scp", json!(["chat:read", {}]))),
        ("client_id as an array", with(claims(), "client_id", json!(["web"]))),
        ("azp as a number", with(claims(), "azp", json!(3))),
        ("jti as a number", with(claims(), "jti", json!(3))),
    ];
    for (name, c) in cases {
        let err = v.verify(&key.sign(&c)).await.expect_err(name);
        assert!(matches!(err, AuthError::Malformed(_)), "{name}: {err:?}");
    }
    // NumericDate may be fractional (RFC 7519 §2).
    assert!(v.verify(&key.sign(&with(claims(), "iat", json!(now() as f64 - 0.5)))).await.is_ok());
}

#[tokio::test]
async fn iat_in_the_future_beyond_the_leeway_is_refused() {
    let key = TestKey::ec("k1");
    let jwks = JwksServer::start(&[&key]);
    let v = verifier(&jwks);
    assert!(v.verify(&key.sign(&with(claims(), "iat", json!(now() + 10)))).await.is_ok(), "within the 30 s leeway");
    assert_eq!(v.verify(&key.sign(&with(claims(), "iat", json!(now() + 300)))).await, Err(AuthError::IssuedInFuture));
    assert!(v.verify(&key.sign(&without(claims(), "iat"))).await.is_ok(), "iat is optional");
}

#[tokio::test]
async fn the_issuer_is_compared_exactly_as_configured() {
    let key = TestKey::rsa("k1");
    let jwks = JwksServer::start(&[&key]);
    let slash = JwtVerifier::new(AuthConfig::new(jwks.url(), "https://issuer.test/", vec![AUD.into()]));
    let bare = JwtVerifier::new(AuthConfig::new(jwks.url(), "https://issuer.test", vec![AUD.into()]));
    let with_slash = key.sign(&with(claims(), "iss", json!("https://issuer.test/")));
    let without_slash = key.sign(&with(claims(), "iss", json!("https://issuer.test")));
    assert!(slash.verify(&with_slash).await.is_ok());
    assert!(bare.verify(&without_slash).await.is_ok());
    assert_eq!(slash.verify(&without_slash).await, Err(AuthError::Issuer));
    assert_eq!(bare.verify(&with_slash).await, Err(AuthError::Issuer));
}

#[tokio::test]
async fn a_config_without_audience_or_clients_refuses_everything() {
    let key = TestKey::rsa("k1");
    let jwks = JwksServer::start(&[&key]);
    let open = JwtVerifier::new(AuthConfig::new(jwks.url(), ISS, vec![]));
    assert_eq!(open.verify(&key.sign(&claims())).await, Err(AuthError::Audience));
}
