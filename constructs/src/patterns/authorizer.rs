//! `LambdaAuthorizer`: JWT verification at the edge for REST and WebSocket APIs.

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::{artifacts, env};
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

/// What a valid token looks like. Handed to the authorizer handler as environment variables
/// (`agentcdk_contract::env::JWT_*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JwtConfig {
    /// Expected `iss`, an https URL. Required.
    pub issuer: String,
    /// Accepted `aud` values; the token must carry one. Required (at least one).
    pub audience: Vec<String>,
    /// The JSON Web Key Set URL. Default: `{issuer}/.well-known/jwks.json` (Auth0, Cognito,
    /// Okta and most OIDC providers publish it there).
    pub jwks_url: Option<String>,
    /// Client ids allowed to call (checked on the `client_id` claim, Cognito's and
    /// AgentCore's convention). Default: any.
    pub allowed_clients: Vec<String>,
    /// Scopes the token must all carry. Default: none.
    pub required_scopes: Vec<String>,
    /// Further claim rules. Default: none.
    pub claim_rules: BTreeMap<String, ClaimRule>,
    /// Claim holding the user id (passed to the handlers in the authorizer context; never
    /// taken from a request body). Default: `sub`.
    pub user_id_claim: Option<String>,
}

impl JwtConfig {
    /// The JWKS URL in effect.
    pub fn jwks_url(&self) -> String {
        self.jwks_url.clone().unwrap_or_else(|| format!("{}/.well-known/jwks.json", self.issuer.trim_end_matches('/')))
    }

    /// The environment variables the authorizer and ws-connection handlers read.
    pub fn environment(&self) -> BTreeMap<String, Value<String>> {
        let mut e = BTreeMap::new();
        e.insert(env::JWT_ISSUER.to_owned(), self.issuer.clone().into());
        e.insert(env::JWT_AUDIENCE.to_owned(), self.audience.join(",").into());
        e.insert(env::JWKS_URL.to_owned(), self.jwks_url().into());
        if !self.required_scopes.is_empty() {
            e.insert(env::JWT_REQUIRED_SCOPES.to_owned(), self.required_scopes.join(" ").into());
        }
        let mut rules = serde_json::Map::new();
        if !self.allowed_clients.is_empty() {
            rules.insert("client_id".into(), json!(self.allowed_clients));
        }
        for (claim, rule) in &self.claim_rules {
            rules.insert(
                claim.clone(),
                match rule {
                    ClaimRule::Equals(v) => json!(v),
                    ClaimRule::OneOf(vs) => json!(vs),
                },
            );
        }
        if !rules.is_empty() {
            e.insert(env::JWT_CLAIM_RULES.to_owned(), Json::Object(rules).to_string().into());
        }
        if let Some(c) = &self.user_id_claim {
            e.insert(env::JWT_USER_ID_CLAIM.to_owned(), c.clone().into());
        }
        e
    }

    fn check(&self, scope: &mut Scope) {
        if !self.issuer.starts_with("https://") {
            scope.error(
                format!("JWT issuer '{}' is not an https URL", self.issuer),
                "use your identity provider's issuer, e.g. https://example.auth0.com/",
            );
        }
        if self.audience.is_empty() || self.audience.iter().any(String::is_empty) {
            scope.error(
                "JWT audience is empty",
                "list the audience(s) your tokens are issued for; accepting any audience accepts tokens minted for other apps",
            );
        }
        if !self.jwks_url().starts_with("https://") {
            scope.error(format!("JWKS URL '{}' is not https", self.jwks_url()), "keys must be fetched over TLS");
        }
    }
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
            code: Code::handler(artifacts::AUTHORIZER),
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
            scope.error(format!("authorizer result TTL {:?} is above API Gateway's 3600 s", props.result_ttl), "150 s is a good balance");
        }
        if let AuthorizerKind::Request { identity_sources } = &props.rest_kind {
            if identity_sources.is_empty() && !props.result_ttl.is_zero() {
                scope.error(
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
