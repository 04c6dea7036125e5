//! The authorizer attack suite: real RS256/ES256 signatures with keys generated here, a JWKS
//! served over HTTP on 127.0.0.1, and every rejection the authorizer promises.

mod common;

use std::time::Duration;

use agentcdk_runtime::auth::{AuthConfig, AuthError, Claims, JwksCache, JwtVerifier, Validator};
use agentcdk_testkit::keys::{now, tamper, unsigned, JwksServer, TestKey};
use authorizer::{handle, Authorizer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};

use common::with;

/// An attack: its name, the token, and the rejection it must get.
type Attack = (&'static str, String, fn(&AuthError) -> bool);

const ISS: &str = "https://issuer.test/";
const AUD: &str = "support-api";

struct Env {
    rsa: TestKey,
    ec: TestKey,
    jwks: JwksServer,
}

fn env() -> Env {
    let rsa = TestKey::rsa("rsa-1");
    let ec = TestKey::ec("ec-1");
    let jwks = JwksServer::start(&[&rsa, &ec]);
    Env { rsa, ec, jwks }
}

fn config(e: &Env) -> AuthConfig {
    AuthConfig {
        jwks_url: e.jwks.url(),
        issuer: ISS.into(),
        audiences: vec![AUD.into(), "other-api".into()],
        allowed_clients: vec![],
        client_id_claim: "client_id".into(),
        token_use: None,
        required_scopes: vec![],
        claim_rules: vec![],
        user_id_claim: "sub".into(),
        leeway_secs: 30,
        jwks_ttl: Duration::from_secs(3600),
        jwks_grace: Duration::from_secs(3600),
    }
}

fn claims() -> Value {
    json!({"sub": "user-42", "iss": ISS, "aud": AUD, "exp": now() + 600, "nbf": now() - 5,
           "iat": now(), "scope": "chat:read chat:write", "tenant": "acme"})
}

fn token_event(token: &str) -> Value {
    let mut ev = agentcdk_testkit::events::Fixture::TokenAuthorizer.json();
    ev["authorizationToken"] = json!(format!("Bearer {token}"));
    ev
}

async fn call(app: &Authorizer, event: Value) -> Result<Value, String> {
    handle(app, LambdaEvent::new(event, Context::default())).await.map_err(|e| e.to_string())
}

async fn verify(e: &Env, token: &str) -> Result<String, AuthError> {
    JwtVerifier::new(config(e)).verify(token).await.map(|v| v.user_id)
}

#[tokio::test]
async fn rs256_token_gets_an_allow_policy_for_the_whole_stage() {
    let e = env();
    let app = Authorizer::new(JwtVerifier::new(config(&e)));
    let out = call(&app, token_event(&e.rsa.sign(&claims()))).await.expect("allowed");
    assert_eq!(out["principalId"], "user-42");
    assert_eq!(out["context"]["userId"], "user-42");
    assert_eq!(out["context"]["scope"], "chat:read chat:write");
    let stmt = &out["policyDocument"]["Statement"][0];
    assert_eq!(stmt["Effect"], "Allow");
    assert_eq!(stmt["Action"], "execute-api:Invoke");
    // Cached per token: the policy must cover every method and path, not just GET /.
    assert_eq!(stmt["Resource"][0], "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*");
    // Parses as the aws_lambda_events response type.
    let typed: aws_lambda_events::event::apigw::ApiGatewayCustomAuthorizerResponse =
        serde_json::from_value(out).expect("authorizer response shape");
    assert_eq!(typed.principal_id.as_deref(), Some("user-42"));
}

#[tokio::test]
async fn es256_token_in_a_request_event_header_any_case() {
    let e = env();
    let app = Authorizer::new(JwtVerifier::new(config(&e)));
    let mut ev = agentcdk_testkit::events::Fixture::RequestAuthorizer.json();
    ev["headers"]["AUTHORIZATION"] = json!(format!("bearer {}", e.ec.sign(&claims())));
    let out = call(&app, ev).await.expect("allowed");
    assert_eq!(out["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(out["policyDocument"]["Statement"][0]["Resource"][0], "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/*");
}

#[tokio::test]
async fn websocket_connect_request_authorizer() {
    let e = env();
    let app = Authorizer::new(JwtVerifier::new(config(&e)));
    let mut ev = agentcdk_testkit::events::Fixture::WebSocketAuthorizer.json();
    // Browsers can only send the token as a subprotocol.
    ev["headers"]["Sec-WebSocket-Protocol"] = json!(format!("bearer, {}", e.rsa.sign(&claims())));
    let out = call(&app, ev.clone()).await.expect("allowed");
    assert_eq!(out["principalId"], "user-42");
    assert_eq!(out["policyDocument"]["Statement"][0]["Resource"][0], "arn:aws:execute-api:eu-west-1:123456789012:abcdef123/test/*");
    ev["headers"]["Sec-WebSocket-Protocol"] = json!("bearer");
    assert_eq!(call(&app, ev).await.expect_err("must fail"), "Unauthorized");
}

#[tokio::test]
async fn every_attack_is_unauthorized() {
    let e = env();
    let app = Authorizer::new(JwtVerifier::new(config(&e)));
    let good = e.rsa.sign(&claims());
    let none_header = json!({"alg": "none", "typ": "JWT", "kid": "rsa-1"});
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("rsa-1".into());
    let hs_with_public_key = jsonwebtoken::encode(&hs, &claims(), &EncodingKey::from_secret(&e.rsa.public_der)).expect("hs256");
    let mut es_on_rsa_kid = Header::new(Algorithm::ES256);
    es_on_rsa_kid.kid = Some("rsa-1".into());
    let stranger = TestKey::rsa("rsa-1"); // same kid, different key
    let mut no_kid = Header::new(Algorithm::RS256);
    no_kid.kid = None;
    let attacks: Vec<Attack> = vec![
        ("alg none", unsigned(&none_header, &claims()), |e| matches!(e, AuthError::Algorithm(_) | AuthError::Malformed(_))),
        ("alg none with a signature", format!("{}sig", unsigned(&none_header, &claims())), |e| {
            matches!(e, AuthError::Algorithm(_) | AuthError::Malformed(_))
        }),
        ("HS256 signed with the public key", hs_with_public_key, |e| matches!(e, AuthError::Algorithm(_))),
        ("ES256 header on the RSA key id", e.ec.sign_with(es_on_rsa_kid, &claims()), |e| matches!(e, AuthError::Algorithm(_))),
        ("expired", e.rsa.sign(&with(claims(), "exp", json!(now() - 120))), |e| *e == AuthError::Expired),
        ("not yet valid", e.rsa.sign(&with(claims(), "nbf", json!(now() + 300))), |e| *e == AuthError::NotYetValid),
        ("wrong issuer", e.rsa.sign(&with(claims(), "iss", json!("https://evil.test/"))), |e| *e == AuthError::Issuer),
        ("wrong audience", e.rsa.sign(&with(claims(), "aud", json!("someone-else"))), |e| *e == AuthError::Audience),
        (
            "no exp",
            {
                let mut c = claims();
                c.as_object_mut().expect("obj").remove("exp");
                e.rsa.sign(&c)
            },
            |e| matches!(e, AuthError::Malformed(_)),
        ),
        ("tampered payload", tamper(&good, &with(claims(), "sub", json!("admin"))), |e| *e == AuthError::Signature),
        ("signed by a stranger's key with a known kid", stranger.sign(&claims()), |e| *e == AuthError::Signature),
        ("unknown kid", TestKey::ec("ec-unknown").sign(&claims()), |e| matches!(e, AuthError::UnknownKey(_))),
        ("no kid", e.rsa.sign_with(no_kid, &claims()), |e| matches!(e, AuthError::Malformed(_))),
        (
            "no user id claim",
            {
                let mut c = claims();
                c.as_object_mut().expect("obj").remove("sub");
                e.rsa.sign(&c)
            },
            |e| matches!(e, AuthError::UserId(_)),
        ),
        ("garbage", "not-a-token".into(), |e| matches!(e, AuthError::Malformed(_))),
        ("three garbage parts", "a.b.c".into(), |e| matches!(e, AuthError::Malformed(_))),
        ("truncated", good[..good.len() / 2].to_string(), |e| matches!(e, AuthError::Malformed(_) | AuthError::Signature)),
        ("empty", String::new(), |e| *e == AuthError::Missing),
    ];
    for (name, token, expected) in attacks {
        let err = verify(&e, &token).await.expect_err(&format!("{name}: accepted"));
        assert!(expected(&err), "{name}: unexpected error {err:?}");
        let out = call(&app, token_event(&token)).await;
        assert_eq!(out, Err("Unauthorized".into()), "{name}");
    }
    // And no token at all.
    let mut ev = token_event("x");
    ev.as_object_mut().expect("obj").remove("authorizationToken");
    assert_eq!(call(&app, ev).await, Err("Unauthorized".into()));
}

#[tokio::test]
async fn leeway_is_small() {
    let e = env();
    let just_expired = e.rsa.sign(&with(claims(), "exp", json!(now() - 10)));
    assert_eq!(verify(&e, &just_expired).await.as_deref(), Ok("user-42"));
    let almost_valid = e.rsa.sign(&with(claims(), "nbf", json!(now() + 10)));
    assert_eq!(verify(&e, &almost_valid).await.as_deref(), Ok("user-42"));
    let long_expired = e.rsa.sign(&with(claims(), "exp", json!(now() - 45)));
    assert_eq!(verify(&e, &long_expired).await, Err(AuthError::Expired));
}

struct NoMallory;
impl Validator for NoMallory {
    fn validate(&self, claims: &Claims) -> Result<(), AuthError> {
        match claims.get("sub").and_then(Value::as_str) {
            Some("mallory") => Err(AuthError::Rejected("mallory is banned".into())),
            _ => Ok(()),
        }
    }
}

#[tokio::test]
async fn scopes_claim_rules_and_validators_deny() {
    let e = env();
    let mut cfg = config(&e);
    cfg.required_scopes = vec!["chat:write".into()];
    cfg.claim_rules = agentcdk_runtime::auth::ClaimRule::parse_all(r#"{"tenant": ["acme", "globex"]}"#).expect("rules");
    let app = Authorizer::new(JwtVerifier::new(cfg)).with_validator(NoMallory);
    let deny = |out: Value| {
        assert_eq!(out["policyDocument"]["Statement"][0]["Effect"], "Deny", "{out}");
    };
    let ok = call(&app, token_event(&e.rsa.sign(&claims()))).await.expect("ok");
    assert_eq!(ok["policyDocument"]["Statement"][0]["Effect"], "Allow");
    deny(call(&app, token_event(&e.rsa.sign(&with(claims(), "scope", json!("chat:read"))))).await.expect("deny"));
    // `scp` arrays count as scopes too.
    let scp = {
        let mut c = claims();
        c.as_object_mut().expect("obj").remove("scope");
        c["scp"] = json!(["chat:write"]);
        c
    };
    let out = call(&app, token_event(&e.rsa.sign(&scp))).await.expect("ok");
    assert_eq!(out["policyDocument"]["Statement"][0]["Effect"], "Allow");
    deny(call(&app, token_event(&e.rsa.sign(&with(claims(), "tenant", json!("initech"))))).await.expect("deny"));
    deny(call(&app, token_event(&e.rsa.sign(&with(claims(), "sub", json!("mallory"))))).await.expect("deny"));
}

#[tokio::test]
async fn jwks_is_cached_and_refetched_on_key_rotation() {
    let e = env();
    let cfg = config(&e);
    let verifier = JwtVerifier::new(cfg.clone())
        .with_jwks(JwksCache::new(cfg.jwks_url.clone(), cfg.jwks_ttl).with_min_refetch_interval(Duration::ZERO));
    for _ in 0..3 {
        verifier.verify(&e.rsa.sign(&claims())).await.expect("ok");
        verifier.verify(&e.ec.sign(&claims())).await.expect("ok");
    }
    assert_eq!(verifier.jwks().fetch_count(), 1, "cached across calls");
    let rotated = TestKey::ec("ec-2");
    e.jwks.set_keys(&[&e.rsa, &rotated]);
    verifier.verify(&rotated.sign(&claims())).await.expect("new key accepted");
    assert_eq!(verifier.jwks().fetch_count(), 2, "refetched for the unknown kid");
    assert!(matches!(verifier.verify(&e.ec.sign(&claims())).await, Err(AuthError::UnknownKey(_))), "retired key refused");
}

#[tokio::test]
async fn unknown_kids_do_not_hammer_the_issuer() {
    let e = env();
    let verifier = JwtVerifier::new(config(&e));
    verifier.verify(&e.rsa.sign(&claims())).await.expect("ok");
    for i in 0..5 {
        let t = TestKey::ec(&format!("made-up-{i}")).sign(&claims());
        assert!(matches!(verifier.verify(&t).await, Err(AuthError::UnknownKey(_))));
    }
    assert_eq!(verifier.jwks().fetch_count(), 1, "refetches are rate limited");
}

#[tokio::test]
async fn unreachable_jwks_is_an_error_not_a_401() {
    let e = env();
    let mut cfg = config(&e);
    cfg.jwks_url = format!("http://127.0.0.1:{}/jwks.json", agentcdk_testkit::free_port());
    let app = Authorizer::new(JwtVerifier::new(cfg));
    let err = call(&app, token_event(&e.rsa.sign(&claims()))).await.expect_err("must fail");
    assert!(err.starts_with("authorizer unavailable"), "{err}");
}
