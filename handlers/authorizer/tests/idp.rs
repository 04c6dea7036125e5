//! Identity providers as they really are: tokens shaped like Amazon Cognito's (access and ID),
//! Auth0's, Okta's, Entra ID's and Keycloak's, signed with real keys, verified with the config
//! `JwtConfig`'s constructor for that provider puts in the environment (the constructs side of
//! the contract is constructs/tests/jwt_config.rs), through the verifier and through the built
//! authorizer binary over the Lambda Runtime API.

mod common;

use std::path::Path;
use std::time::Duration;

use agentcdk_contract::env::{self, TokenUse};
use agentcdk_runtime::auth::{AuthConfig, AuthError, JwtVerifier};
use agentcdk_testkit::keys::{now, JwksServer, TestKey};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

use common::{with, without};

const POOL_ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1";
const APP_CLIENT: &str = "1example23456789abcdefghij";

/// A Cognito user pool access token (no `aud`; `client_id`, `token_use: access`, `scope`).
fn cognito_access() -> Value {
    json!({"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "cognito:groups": ["support"], "iss": POOL_ISS, "version": 2,
           "client_id": APP_CLIENT, "origin_jti": "o-1", "event_id": "e-1", "token_use": "access",
           "scope": "aws.cognito.signin.user.admin openid chat/write", "auth_time": now() - 60, "exp": now() + 3600,
           "iat": now() - 60, "jti": "j-1", "username": "jdoe"})
}

/// A Cognito user pool ID token (`aud` = the app client, `token_use: id`).
fn cognito_id() -> Value {
    json!({"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "cognito:groups": ["support"], "email_verified": true, "iss": POOL_ISS,
           "cognito:username": "jdoe", "origin_jti": "o-1", "aud": APP_CLIENT, "event_id": "e-1", "token_use": "id",
           "auth_time": now() - 60, "exp": now() + 3600, "iat": now() - 60, "jti": "j-2", "email": "jdoe@example.com"})
}

fn config(jwks: &JwksServer, issuer: &str, audiences: &[&str], clients: &[&str], client_claim: &str) -> AuthConfig {
    AuthConfig {
        allowed_clients: clients.iter().map(|c| c.to_string()).collect(),
        client_id_claim: client_claim.into(),
        ..AuthConfig::new(jwks.url(), issuer, audiences.iter().map(|a| a.to_string()).collect())
    }
}

#[tokio::test]
async fn cognito_access_tokens_pass_on_client_id_and_token_use() {
    let key = TestKey::rsa("cognito-1");
    let jwks = JwksServer::start(&[&key]);
    let v = JwtVerifier::new(AuthConfig {
        token_use: Some(TokenUse::Access),
        required_scopes: vec!["chat/write".into()],
        ..config(&jwks, POOL_ISS, &[], &[APP_CLIENT], "client_id")
    });
    let ok = v.verify(&key.sign(&cognito_access())).await.expect("access token");
    assert_eq!(ok.user_id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    // The ID token of the same user and client is not an access token.
    assert!(matches!(v.verify(&key.sign(&cognito_id())).await, Err(AuthError::Client | AuthError::TokenUse(_))));
    // An ID token that also carries client_id is refused on token_use.
    let id_with_client = with(cognito_id(), "client_id", json!(APP_CLIENT));
    assert_eq!(v.verify(&key.sign(&id_with_client)).await, Err(AuthError::TokenUse("access")));
    // Another app client of the same pool.
    assert_eq!(v.verify(&key.sign(&with(cognito_access(), "client_id", json!("other-client")))).await, Err(AuthError::Client));
    assert_eq!(v.verify(&key.sign(&without(cognito_access(), "client_id"))).await, Err(AuthError::Client));
}

#[tokio::test]
async fn cognito_id_tokens_pass_on_aud_and_token_use() {
    let key = TestKey::rsa("cognito-1");
    let jwks = JwksServer::start(&[&key]);
    let v = JwtVerifier::new(AuthConfig { token_use: Some(TokenUse::Id), ..config(&jwks, POOL_ISS, &[APP_CLIENT], &[], "client_id") });
    assert_eq!(v.verify(&key.sign(&cognito_id())).await.expect("id token").user_id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(v.verify(&key.sign(&cognito_access())).await, Err(AuthError::Audience), "no aud in an access token");
    assert_eq!(v.verify(&key.sign(&with(cognito_id(), "aud", json!("other-client")))).await, Err(AuthError::Audience));
    let access_with_aud = with(cognito_access(), "aud", json!(APP_CLIENT));
    assert_eq!(v.verify(&key.sign(&access_with_aud)).await, Err(AuthError::TokenUse("id")));
}

/// Another identity provider: what `JwtConfig`'s constructor for it configures, and a token
/// shaped like the provider's.
struct Provider {
    name: &'static str,
    issuer: &'static str,
    audiences: &'static [&'static str],
    clients: &'static [&'static str],
    client_claim: &'static str,
    scope: &'static str,
    claims: Value,
}

impl Provider {
    fn config(&self, jwks: &JwksServer) -> AuthConfig {
        AuthConfig {
            required_scopes: vec![self.scope.into()],
            ..config(jwks, self.issuer, self.audiences, self.clients, self.client_claim)
        }
    }

    /// The environment `JwtConfig::environment` gives the authorizer for this provider.
    fn env(&self, jwks_url: &str) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            (env::JWKS_URL, jwks_url.to_owned()),
            (env::JWT_ISSUER, self.issuer.to_owned()),
            (env::JWT_ALLOWED_CLIENTS, self.clients.join(",")),
            (env::JWT_CLIENT_ID_CLAIM, self.client_claim.to_owned()),
            (env::JWT_REQUIRED_SCOPES, self.scope.to_owned()),
        ];
        if !self.audiences.is_empty() {
            vars.push((env::JWT_AUDIENCE, self.audiences.join(",")));
        }
        vars
    }
}

const ENTRA_ISS: &str = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
const ENTRA_APP: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

fn providers() -> Vec<Provider> {
    let (t, exp) = (now(), now() + 3600);
    vec![
        Provider {
            name: "Auth0: aud array, azp, scope string, issuer with its trailing slash",
            issuer: "https://example.us.auth0.com/",
            audiences: &["support-api"],
            clients: &["auth0-web-client"],
            client_claim: "azp",
            scope: "chat:write",
            claims: json!({"iss": "https://example.us.auth0.com/", "sub": "auth0|64f0c0ffee", "aud": ["support-api", "https://example.us.auth0.com/userinfo"],
                   "iat": t, "exp": exp, "azp": "auth0-web-client", "scope": "openid profile chat:write", "permissions": ["chat:write"]}),
        },
        Provider {
            name: "Okta: scp array, cid, issuer without trailing slash",
            issuer: "https://example.okta.com/oauth2/default",
            audiences: &["api://default"],
            clients: &["0oa1okta-client"],
            client_claim: "cid",
            scope: "chat:write",
            claims: json!({"ver": 1, "jti": "AT.x", "iss": "https://example.okta.com/oauth2/default", "aud": "api://default", "iat": t, "exp": exp,
                   "cid": "0oa1okta-client", "uid": "00u1user", "scp": ["openid", "chat:write"], "auth_time": t, "sub": "jdoe@example.com"}),
        },
        Provider {
            name: "Entra ID v2: aud app id, azp, scp string, roles",
            issuer: ENTRA_ISS,
            audiences: &[ENTRA_APP],
            clients: &["entra-spa-client"],
            client_claim: "azp",
            scope: "chat.write",
            claims: json!({"aud": ENTRA_APP, "iss": ENTRA_ISS, "iat": t, "nbf": t, "exp": exp, "aio": "AWQAm/8", "azp": "entra-spa-client",
                   "azpacr": "0", "name": "Jane Doe", "oid": "00000000-0000-0000-66f3-3332eca7ea81", "preferred_username": "jane@contoso.com",
                   "rh": "0.AAAA", "roles": ["Chat.Admin"], "scp": "chat.read chat.write", "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
                   "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0"}),
        },
        Provider {
            name: "Keycloak: aud account, azp, scope string, realm_access",
            issuer: "https://sso.example.com/realms/acme",
            audiences: &[],
            clients: &["support-web"],
            client_claim: "azp",
            scope: "profile",
            claims: json!({"exp": exp, "iat": t, "auth_time": t, "jti": "onrtac:1", "iss": "https://sso.example.com/realms/acme", "aud": "account",
                   "sub": "f3a1c5e2-0000-4000-8000-000000000001", "typ": "Bearer", "azp": "support-web", "sid": "s-1", "acr": "1",
                   "realm_access": {"roles": ["default-roles-acme", "offline_access"]},
                   "resource_access": {"account": {"roles": ["manage-account"]}}, "scope": "openid email profile",
                   "email_verified": true, "preferred_username": "jdoe"}),
        },
    ]
}

/// The issuer with its trailing slash added or removed.
fn slash_flipped(issuer: &str) -> String {
    match issuer.strip_suffix('/') {
        Some(bare) => bare.to_owned(),
        None => format!("{issuer}/"),
    }
}

#[tokio::test]
async fn auth0_okta_entra_and_keycloak_token_shapes() {
    let key = TestKey::rsa("idp-1");
    let jwks = JwksServer::start(&[&key]);
    for p in providers() {
        let v = JwtVerifier::new(p.config(&jwks));
        v.verify(&key.sign(&p.claims)).await.unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
        let other_client = with(p.claims.clone(), p.client_claim, json!("someone-else"));
        assert_eq!(v.verify(&key.sign(&other_client)).await, Err(AuthError::Client), "{}", p.name);
        let flipped = with(p.claims.clone(), "iss", json!(slash_flipped(p.issuer)));
        assert_eq!(v.verify(&key.sign(&flipped)).await, Err(AuthError::Issuer), "{}", p.name);
        let no_scope = AuthConfig { required_scopes: vec!["admin:all".into()], ..p.config(&jwks) };
        assert!(matches!(JwtVerifier::new(no_scope).verify(&key.sign(&p.claims)).await, Err(AuthError::Scope(_))), "{}", p.name);
    }
}

#[test]
fn every_provider_through_the_authorizer_binary() {
    let key = TestKey::rsa("idp-1");
    let jwks = JwksServer::start(&[&key]);
    for p in providers() {
        let vars: Vec<(&str, String)> = p.env(&jwks.url());
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (api, f) = binary(&vars);
        let allowed = invoke(&api, &key.sign(&p.claims)).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert_eq!(allowed["policyDocument"]["Statement"][0]["Effect"], "Allow", "{}", p.name);
        assert_eq!(allowed["principalId"], p.claims["sub"], "{}", p.name);
        let other_client = with(p.claims.clone(), p.client_claim, json!("someone-else"));
        assert_eq!(invoke(&api, &key.sign(&other_client)), Err("Unauthorized".into()), "{}", p.name);
        f.stop();
    }
}

/// The authorizer binary with `vars` (as `JwtConfig::environment` sets them) over the Runtime API.
fn binary(vars: &[(&str, &str)]) -> (RuntimeApi, Function) {
    let api = RuntimeApi::start();
    let env: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_authorizer")), &api, &env);
    (api, f)
}

fn invoke(api: &RuntimeApi, token: &str) -> Result<Value, String> {
    let event = json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"),
                       "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/chat"});
    match api.invoke(event, Duration::from_secs(30)) {
        Outcome::Response(v) => Ok(v),
        Outcome::Error(v) => Err(v["errorMessage"].as_str().unwrap_or_default().to_owned()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cognito_tokens_through_the_authorizer_binary() {
    let key = TestKey::rsa("cognito-1");
    let jwks = JwksServer::start(&[&key]);
    let url = jwks.url();
    let shared = [(env::JWKS_URL, url.as_str()), (env::JWT_ISSUER, POOL_ISS)];
    let access_vars = [(env::JWT_ALLOWED_CLIENTS, APP_CLIENT), (env::JWT_CLIENT_ID_CLAIM, "client_id"), (env::JWT_TOKEN_USE, "access")];
    let (access_api, access_fn) = binary(&[shared.as_slice(), access_vars.as_slice()].concat());
    let id_vars = [(env::JWT_AUDIENCE, APP_CLIENT), (env::JWT_TOKEN_USE, "id")];
    let (id_api, id_fn) = binary(&[shared.as_slice(), id_vars.as_slice()].concat());
    let (access, id) = (key.sign(&cognito_access()), key.sign(&cognito_id()));

    let allowed = invoke(&access_api, &access).expect("access token allowed");
    assert_eq!(allowed["principalId"], "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(allowed["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(invoke(&access_api, &id).expect_err("id token at the access authorizer"), "Unauthorized");

    let allowed = invoke(&id_api, &id).expect("id token allowed");
    assert_eq!(allowed["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(invoke(&id_api, &access).expect_err("access token at the id authorizer"), "Unauthorized");
    access_fn.stop();
    id_fn.stop();
}
