//! `LambdaAuthorizer`: JWT verification at the edge for REST and WebSocket APIs.

use crate::codes;
use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::env;
use agentcdk_synth::cfn::apigateway::Authorizer as RestAuthorizer;
use agentcdk_synth::cfn::apigatewayv2::Authorizer as WsAuthorizer;
use agentcdk_synth::prelude::*;
use serde_json::json;

use crate::apigw::rest::{AuthorizerKind, RestApi};
use crate::apigw::ws::WebSocketApi;
use crate::lambda::{Code, Function, FunctionProps};
use crate::logs::RetentionDays;

/// A custom claim rule (the AgentCore `CUSTOM_JWT` surface).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimRule {
    /// The claim equals this value.
    Equals(String),
    /// The claim is one of these (for array claims: contains one of them).
    OneOf(Vec<String>),
}

pub use agentcdk_contract::env::TokenUse;

/// What a valid token looks like. Handed to the authorizer handler as environment variables
/// (`agentcdk_contract::env::JWT_*`). The constructors ([`JwtConfig::cognito_access`],
/// [`JwtConfig::cognito_id`], [`JwtConfig::auth0`], [`JwtConfig::okta`],
/// [`JwtConfig::entra_id`], [`JwtConfig::keycloak`]) fill it in for each identity provider's
/// token shape; set `required_scopes` and the rest on top.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JwtConfig {
    /// Expected `iss`, an https URL, compared byte for byte with the token's (no trailing
    /// slash added or removed: Auth0's issuer ends in `/`, Cognito's and Entra ID's do not).
    /// Required.
    pub issuer: String,
    /// Accepted `aud` values; the token must carry one. Default: none, and then `aud` is not
    /// checked and `allowed_clients` is required (Cognito access tokens carry no `aud`).
    pub audience: Vec<String>,
    /// The JSON Web Key Set URL. Default: `{issuer without trailing slash}/.well-known/jwks.json`
    /// (Auth0, Cognito and most OIDC providers publish it there; the constructors set Okta's,
    /// Entra ID's and Keycloak's own).
    pub jwks_url: Option<String>,
    /// Client ids allowed to call, checked on `client_id_claim` (a token without that claim is
    /// refused). Default: any client, and then `audience` is required.
    pub allowed_clients: Vec<String>,
    /// Claim naming the client, checked against `allowed_clients`. Default: `client_id`
    /// (Cognito access tokens, RFC 9068); `azp` for Auth0, Entra ID and Keycloak, `cid` for Okta.
    pub client_id_claim: Option<String>,
    /// The `token_use` claim a token must carry (Amazon Cognito: `access` or `id`), so one kind
    /// never passes for the other. Default: not checked.
    pub token_use: Option<TokenUse>,
    /// Scopes the token must all carry (`scope` string or `scp` string/array). Default: none.
    pub required_scopes: Vec<String>,
    /// Further claim rules. Default: none.
    pub claim_rules: BTreeMap<String, ClaimRule>,
    /// Claim holding the user id (passed to the handlers in the authorizer context; never
    /// taken from a request body). Default: `sub`.
    pub user_id_claim: Option<String>,
}

fn strings(items: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl JwtConfig {
    /// Amazon Cognito access tokens of user pool `user_pool_id` (e.g. `us-east-1_AbC123`; the
    /// region is its prefix) issued to `clients`: `client_id` must be one of them (access
    /// tokens carry no `aud`) and `token_use` must be `access`; scopes are in `scope`.
    pub fn cognito_access(user_pool_id: &str, clients: impl IntoIterator<Item = impl Into<String>>) -> Self {
        JwtConfig {
            issuer: cognito_issuer(user_pool_id),
            allowed_clients: strings(clients),
            client_id_claim: Some("client_id".into()),
            token_use: Some(TokenUse::Access),
            ..Default::default()
        }
    }

    /// Amazon Cognito ID tokens of user pool `user_pool_id` issued to `clients`: `aud` must be
    /// one of them and `token_use` must be `id`.
    pub fn cognito_id(user_pool_id: &str, clients: impl IntoIterator<Item = impl Into<String>>) -> Self {
        JwtConfig { issuer: cognito_issuer(user_pool_id), audience: strings(clients), token_use: Some(TokenUse::Id), ..Default::default() }
    }

    /// Auth0 access tokens of tenant `domain` (e.g. `example.us.auth0.com`) for API
    /// `audience`: issuer `https://{domain}/` (with the trailing slash Auth0 puts in `iss`);
    /// `aud` may be a string or an array; set `allowed_clients` to check `azp`.
    pub fn auth0(domain: &str, audience: impl Into<String>) -> Self {
        JwtConfig {
            issuer: format!("https://{}/", domain.trim_end_matches('/')),
            audience: vec![audience.into()],
            client_id_claim: Some("azp".into()),
            ..Default::default()
        }
    }

    /// Okta access tokens of authorization server `issuer` (e.g.
    /// `https://example.okta.com/oauth2/default`) for `audience` (e.g. `api://default`): JWKS
    /// at `{issuer}/v1/keys`; scopes in the `scp` array; set `allowed_clients` to check `cid`.
    pub fn okta(issuer: &str, audience: impl Into<String>) -> Self {
        JwtConfig {
            issuer: issuer.into(),
            audience: vec![audience.into()],
            jwks_url: Some(format!("{}/v1/keys", issuer.trim_end_matches('/'))),
            client_id_claim: Some("cid".into()),
            ..Default::default()
        }
    }

    /// Microsoft Entra ID v2.0 access tokens of tenant `tenant_id` for the API app `app_id`:
    /// issuer `https://login.microsoftonline.com/{tenant}/v2.0`, `aud` = the app id, JWKS at
    /// `.../discovery/v2.0/keys`; scopes in the `scp` string; set `allowed_clients` to check `azp`.
    pub fn entra_id(tenant_id: &str, app_id: impl Into<String>) -> Self {
        JwtConfig {
            issuer: format!("https://login.microsoftonline.com/{tenant_id}/v2.0"),
            audience: vec![app_id.into()],
            jwks_url: Some(format!("https://login.microsoftonline.com/{tenant_id}/discovery/v2.0/keys")),
            client_id_claim: Some("azp".into()),
            ..Default::default()
        }
    }

    /// Keycloak access tokens of realm `realm_url` (e.g. `https://sso.example.com/realms/acme`)
    /// issued to `clients`, checked on `azp` (Keycloak's `aud` is often just `account`): JWKS at
    /// `{realm}/protocol/openid-connect/certs`; scopes in the `scope` string.
    pub fn keycloak(realm_url: &str, clients: impl IntoIterator<Item = impl Into<String>>) -> Self {
        JwtConfig {
            issuer: realm_url.into(),
            jwks_url: Some(format!("{}/protocol/openid-connect/certs", realm_url.trim_end_matches('/'))),
            allowed_clients: strings(clients),
            client_id_claim: Some("azp".into()),
            ..Default::default()
        }
    }

    /// The JWKS URL in effect.
    pub fn jwks_url(&self) -> String {
        self.jwks_url.clone().unwrap_or_else(|| format!("{}/.well-known/jwks.json", self.issuer.trim_end_matches('/')))
    }

    /// The environment variables the authorizer and ws-connection handlers read.
    pub fn environment(&self) -> BTreeMap<String, Value<String>> {
        let mut e = BTreeMap::new();
        e.insert(env::JWT_ISSUER.to_owned(), self.issuer.clone().into());
        e.insert(env::JWKS_URL.to_owned(), self.jwks_url().into());
        let mut optional = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                e.insert(name.to_owned(), v.into());
            }
        };
        let joined = |items: &[String], sep: &str| (!items.is_empty()).then(|| items.join(sep));
        optional(env::JWT_AUDIENCE, joined(&self.audience, ","));
        optional(env::JWT_ALLOWED_CLIENTS, joined(&self.allowed_clients, ","));
        optional(env::JWT_CLIENT_ID_CLAIM, self.client_id_claim.clone());
        optional(env::JWT_TOKEN_USE, self.token_use.map(|t| t.as_str().to_owned()));
        optional(env::JWT_REQUIRED_SCOPES, joined(&self.required_scopes, " "));
        optional(env::JWT_USER_ID_CLAIM, self.user_id_claim.clone());
        let mut rules = serde_json::Map::new();
        for (claim, rule) in &self.claim_rules {
            rules.insert(
                claim.clone(),
                match rule {
                    ClaimRule::Equals(v) => json!(v),
                    ClaimRule::OneOf(vs) => json!(vs),
                },
            );
        }
        optional(env::JWT_CLAIM_RULES, (!rules.is_empty()).then(|| Json::Object(rules).to_string()));
        e
    }

    fn check(&self, scope: &mut Scope) {
        if !self.issuer.starts_with("https://") {
            scope.error(
                codes::JWT_ISSUER,
                format!("JWT issuer '{}' is not an https URL", self.issuer),
                "use your identity provider's issuer, e.g. https://example.auth0.com/",
            );
        }
        if self.audience.is_empty() && self.allowed_clients.is_empty() {
            scope.error(
                codes::JWT_AUDIENCE,
                "JWT config has neither audience nor allowed_clients",
                "set audience (the API your tokens are issued for) or allowed_clients (Cognito access tokens carry no aud: \
                 use JwtConfig::cognito_access); accepting any audience and any client accepts tokens minted for other apps",
            );
        }
        if self.audience.iter().chain(&self.allowed_clients).any(|s| s.trim().is_empty()) {
            scope.error(
                codes::JWT_AUDIENCE,
                "JWT audience or allowed_clients has an empty entry",
                "remove it, or put the client/API id in",
            );
        }
        if let Some(rest) = self.issuer.strip_prefix("https://cognito-idp.") {
            check_cognito_issuer(scope, &self.issuer, rest);
        }
        if !self.jwks_url().starts_with("https://") {
            scope.error(codes::JWT_ISSUER, format!("JWKS URL '{}' is not https", self.jwks_url()), "keys must be fetched over TLS");
        }
    }
}

/// A Cognito issuer is `https://cognito-idp.{region}.amazonaws.com/{region}_{id}`, exactly.
fn check_cognito_issuer(scope: &mut Scope, issuer: &str, rest: &str) {
    if issuer.ends_with('/') {
        scope.error(
            codes::JWT_ISSUER, format!("Cognito issuer '{issuer}' ends in '/'"),
            "Cognito tokens carry iss without a trailing slash and the issuer is compared exactly: drop the '/', or use JwtConfig::cognito_access",
        );
        return;
    }
    let well_formed = rest.split_once(".amazonaws.com/").is_some_and(|(region, pool)| {
        !region.is_empty() && pool.strip_prefix(region).is_some_and(|id| id.len() > 1 && id.starts_with('_'))
    });
    if !well_formed {
        scope.error(
            codes::JWT_ISSUER,
            format!("Cognito issuer '{issuer}' is not https://cognito-idp.{{region}}.amazonaws.com/{{user pool id}}"),
            "pass the user pool id (e.g. us-east-1_AbC123) to JwtConfig::cognito_access or cognito_id",
        );
    }
}

/// `https://cognito-idp.{region}.amazonaws.com/{user_pool_id}`; the region is the pool id's
/// prefix before `_`.
fn cognito_issuer(user_pool_id: &str) -> String {
    let region = user_pool_id.split_once('_').map_or("", |(r, _)| r);
    format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}")
}

/// Props of a [`LambdaAuthorizer`]; defaults follow Agent Kernel's authorizer module.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizerProps {
    /// Token rules. Required.
    pub jwt: JwtConfig,
    /// How long API Gateway caches a decision per token (0–3600 s). Default: 150 s.
    pub result_ttl: Duration,
    /// Authorizer function timeout. Default: 30 s.
    pub timeout: Duration,
    /// Authorizer function memory. Default: 128 MB.
    pub memory_mb: u32,
    /// How a REST API passes the token. Default: TOKEN from the `Authorization` header.
    pub rest_kind: AuthorizerKind,
    /// Where a WebSocket `$connect` carries the token. Default:
    /// `route.request.header.Sec-WebSocket-Protocol` (the one header browsers can set).
    pub websocket_identity_source: String,
    /// Extra environment variables. Default: none.
    pub environment: BTreeMap<String, Value<String>>,
    /// The authorizer code. Default: the stock `authorizer` handler.
    pub code: Code,
    /// Log retention. Default: 3 months.
    pub log_retention: RetentionDays,
}

impl Default for AuthorizerProps {
    fn default() -> Self {
        AuthorizerProps {
            jwt: JwtConfig::default(),
            result_ttl: Duration::from_secs(150),
            timeout: Duration::from_secs(30),
            memory_mb: 128,
            rest_kind: AuthorizerKind::Token { header: "Authorization".into() },
            websocket_identity_source: "route.request.header.Sec-WebSocket-Protocol".into(),
            environment: BTreeMap::new(),
            code: Code::handler(Artifact::Authorizer),
            log_retention: RetentionDays::default(),
        }
    }
}

/// A Lambda authorizer: one function, attachable to REST APIs (TOKEN or REQUEST) and
/// WebSocket APIs (REQUEST on `$connect`).
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaAuthorizer {
    /// The authorizer function.
    pub function: Function,
    /// The props it was made with.
    pub props: AuthorizerProps,
}

impl LambdaAuthorizer {
    /// A JWT authorizer with the default props.
    pub fn jwt(scope: &mut Scope, jwt: JwtConfig) -> LambdaAuthorizer {
        LambdaAuthorizer::new(scope, AuthorizerProps { jwt, ..Default::default() })
    }

    /// An authorizer in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AuthorizerProps) -> LambdaAuthorizer {
        props.jwt.check(scope);
        if props.result_ttl > Duration::from_secs(3600) {
            scope.error(
                codes::AUTHORIZER_CACHE,
                format!("authorizer result TTL {:?} is above API Gateway's 3600 s", props.result_ttl),
                "150 s is a good balance",
            );
        }
        if let AuthorizerKind::Request { identity_sources } = &props.rest_kind {
            if identity_sources.is_empty() && !props.result_ttl.is_zero() {
                scope.error(
                    codes::AUTHORIZER_CACHE,
                    "REQUEST authorizer with caching but no identity sources",
                    "name the headers the cache is keyed on, or set result_ttl to 0",
                );
            }
        }
        let mut environment = props.jwt.environment();
        environment.extend(props.environment.clone());
        let function = Function::new(
            &mut scope.scope("Function"),
            FunctionProps {
                code: props.code.clone(),
                description: Some("Verifies JWTs for API Gateway".into()),
                memory_mb: props.memory_mb,
                timeout: props.timeout,
                environment,
                log_retention: props.log_retention,
                ..Default::default()
            },
        );
        LambdaAuthorizer { function, props }
    }

    /// Attaches this authorizer to a REST API.
    pub fn attach_rest(&self, scope: &mut Scope, api: &RestApi) -> ResourceRef<RestAuthorizer> {
        api.add_authorizer(scope, "Authorizer", &self.function, self.props.rest_kind.clone(), self.props.result_ttl.as_secs() as u32)
    }

    /// Attaches this authorizer to a WebSocket API's `$connect`.
    pub fn attach_websocket(&self, scope: &mut Scope, api: &WebSocketApi) -> ResourceRef<WsAuthorizer> {
        api.add_authorizer(scope, "Authorizer", &self.function, std::slice::from_ref(&self.props.websocket_identity_source))
    }
}
