//! `JwtConfig` per identity provider: the environment the authorizer reads, issuer exactly as
//! configured, JWKS URL derived right with and without a trailing slash. The handler side of
//! the same contract (tokens of each shape verified) is in handlers/authorizer/tests/idp.rs.

use agentcdk::contract::env;
use agentcdk::prelude::*;

/// The literal environment of `jwt`, missing variables absent.
fn env_of(jwt: &JwtConfig) -> Vec<(String, String)> {
    jwt.environment()
        .into_iter()
        .map(|(k, v)| match v {
            Value::Lit(s) => (k, s),
            Value::Expr(e) => panic!("{k} is an expression {e:?}"),
        })
        .collect()
}

fn get(jwt: &JwtConfig, name: &str) -> Option<String> {
    env_of(jwt).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[test]
fn cognito_access_tokens_are_checked_on_client_id_and_token_use_not_aud() {
    let jwt = JwtConfig::cognito_access("eu-west-1_AbC123", ["web-client", "cli-client"]);
    assert_eq!(get(&jwt, env::JWT_ISSUER).as_deref(), Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"));
    assert_eq!(
        get(&jwt, env::JWKS_URL).as_deref(),
        Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json")
    );
    assert_eq!(get(&jwt, env::JWT_AUDIENCE), None, "access tokens carry no aud");
    assert_eq!(get(&jwt, env::JWT_ALLOWED_CLIENTS).as_deref(), Some("web-client,cli-client"));
    assert_eq!(get(&jwt, env::JWT_CLIENT_ID_CLAIM).as_deref(), Some("client_id"));
    assert_eq!(get(&jwt, env::JWT_TOKEN_USE).as_deref(), Some("access"));
    assert_eq!(get(&jwt, env::JWT_CLAIM_RULES), None, "clients are not a claim rule (a wrong client is 401, not 403)");
}

#[test]
fn cognito_id_tokens_are_checked_on_aud_and_token_use() {
    let jwt = JwtConfig::cognito_id("us-east-1_xyz", ["web-client"]);
    assert_eq!(get(&jwt, env::JWT_AUDIENCE).as_deref(), Some("web-client"));
    assert_eq!(get(&jwt, env::JWT_ALLOWED_CLIENTS), None);
    assert_eq!(get(&jwt, env::JWT_TOKEN_USE).as_deref(), Some("id"));
}

#[test]
fn issuers_are_kept_exactly_and_jwks_urls_derived_per_provider() {
    let cases = [
        (
            JwtConfig::auth0("example.us.auth0.com", "support-api"),
            "https://example.us.auth0.com/",
            "https://example.us.auth0.com/.well-known/jwks.json",
        ),
        (
            JwtConfig::okta("https://example.okta.com/oauth2/default", "api://default"),
            "https://example.okta.com/oauth2/default",
            "https://example.okta.com/oauth2/default/v1/keys",
        ),
        (
            JwtConfig::entra_id("72f988bf-86f1-41af-91ab-2d7cd011db47", "api-app-id"),
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys",
        ),
        (
            JwtConfig::keycloak("https://sso.example.com/realms/acme", ["support-web"]),
            "https://sso.example.com/realms/acme",
            "https://sso.example.com/realms/acme/protocol/openid-connect/certs",
        ),
        (
            JwtConfig { issuer: "https://issuer.example.com".into(), audience: vec!["api".into()], ..Default::default() },
            "https://issuer.example.com",
            "https://issuer.example.com/.well-known/jwks.json",
        ),
        (
            JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["api".into()], ..Default::default() },
            "https://issuer.example.com/",
            "https://issuer.example.com/.well-known/jwks.json",
        ),
    ];
    for (jwt, issuer, jwks) in cases {
        assert_eq!(get(&jwt, env::JWT_ISSUER).as_deref(), Some(issuer));
        assert_eq!(get(&jwt, env::JWKS_URL).as_deref(), Some(jwks));
    }
    assert_eq!(get(&JwtConfig::okta("https://o.okta.com/oauth2/default", "a"), env::JWT_CLIENT_ID_CLAIM).as_deref(), Some("cid"));
    assert_eq!(get(&JwtConfig::entra_id("t", "a"), env::JWT_CLIENT_ID_CLAIM).as_deref(), Some("azp"));
    assert_eq!(get(&JwtConfig::keycloak("https://k/realms/r", ["c"]), env::JWT_ALLOWED_CLIENTS).as_deref(), Some("c"));
}

#[test]
fn every_provider_constructor_synthesizes_clean() {
    let configs = [
        JwtConfig::cognito_access("eu-west-1_AbC123", ["web"]),
        JwtConfig::cognito_id("eu-west-1_AbC123", ["web"]),
        JwtConfig::auth0("example.us.auth0.com", "support-api"),
        JwtConfig::okta("https://example.okta.com/oauth2/default", "api://default"),
        JwtConfig::entra_id("tenant", "app"),
        JwtConfig::keycloak("https://sso.example.com/realms/acme", ["support-web"]),
    ];
    for jwt in configs {
        let mut app = App::new();
        let stack = app.stack("S", StackProps::default());
        let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt.clone());
        assert_eq!(auth.props.jwt, jwt);
        if let Err(d) = app.synthesize(&[]) {
            panic!("{jwt:?}: {d}");
        }
    }
}
