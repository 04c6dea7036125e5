//! authorizer: API Gateway Lambda authorizer for REST (TOKEN and REQUEST types) and WebSocket
//! (`$connect` REQUEST) APIs, verifying JWTs against the issuer's JWKS.
//!
//! - Valid token: an `Allow` IAM policy on every method and path of the API stage (the result
//!   is cached per token by API Gateway, so a policy for only the first method would deny the
//!   caller's next, different request), `principalId` and context `userId` = the user id claim.
//! - Authenticated but not allowed (scopes, claim rules, custom [`Validator`]s): `Deny` (403).
//! - Anything else wrong with the token: the error `Unauthorized`, which API Gateway answers
//!   with 401.
//! - JWKS unreachable: an error (API Gateway answers 500): our fault, not the caller's.

use agentcdk_contract::wire::AUTH_CONTEXT_USER_ID;
use agentcdk_runtime::auth::{bearer, AuthConfig, AuthError, JwtVerifier, Validator};
use agentcdk_runtime::config::ConfigError;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

pub use agentcdk_runtime::auth;

/// The error whose message API Gateway turns into a 401 answer.
#[derive(Debug, thiserror::Error)]
#[error("Unauthorized")]
pub struct Unauthorized;

/// The JWKS could not be fetched.
#[derive(Debug, thiserror::Error)]
#[error("authorizer unavailable: {0}")]
pub struct Unavailable(String);

/// The authorizer, built once per sandbox (its JWKS cache lives across invocations).
#[derive(Debug)]
pub struct Authorizer {
    verifier: JwtVerifier,
}

impl Authorizer {
    /// An authorizer over `verifier`.
    pub fn new(verifier: JwtVerifier) -> Self {
        Self { verifier }
    }

    /// The authorizer the environment describes (`JWKS_URL`, `JWT_*`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::new(JwtVerifier::new(AuthConfig::from_env()?)))
    }

    /// Adds a custom check run on verified claims.
    pub fn with_validator(self, v: impl Validator + 'static) -> Self {
        Self { verifier: self.verifier.with_validator(v) }
    }

    /// The verifier.
    pub fn verifier(&self) -> &JwtVerifier {
        &self.verifier
    }
}

/// The token of a TOKEN or REQUEST authorizer event (header names case-insensitive).
pub fn token_of(event: &Value) -> Option<&str> {
    if let Some(t) = event["authorizationToken"].as_str() {
        return bearer(t);
    }
    let headers = event["headers"].as_object()?;
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str());
    if let Some(t) = header("authorization").and_then(bearer) {
        return Some(t);
    }
    header("sec-websocket-protocol")?.split(',').map(str::trim).find(|p| p.split('.').count() == 3)
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/*` from a method ARN
/// (`.../{stage}/{METHOD}/{path}` for REST, `.../{stage}/{route}` for WebSocket).
pub fn stage_wildcard(method_arn: &str) -> String {
    let mut parts = method_arn.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(api), Some(stage)) => format!("{api}/{stage}/*"),
        _ => method_arn.to_owned(),
    }
}

/// An IAM policy answer.
pub fn policy(principal: &str, effect: &str, resource: &str, context: Value) -> Value {
    json!({
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": effect,
                "Resource": [resource],
            }],
        },
        "context": context,
    })
}

/// The Lambda entry point.
pub async fn handle(app: &Authorizer, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let ev = event.payload;
    let method_arn = ev["methodArn"].as_str().unwrap_or_default();
    let resource = stage_wildcard(method_arn);
    let Some(token) = token_of(&ev) else {
        tracing::info!("denied: no token");
        return Err(Unauthorized.into());
    };
    match app.verifier.verify(token).await {
        Ok(v) => {
            tracing::info!("allowed");
            let scopes = v.claims.scopes().join(" ");
            Ok(policy(&v.user_id, "Allow", &resource, json!({ AUTH_CONTEXT_USER_ID: v.user_id, "scope": scopes })))
        }
        Err(e) if e.is_forbidden() => {
            tracing::info!(reason = %e, "denied: forbidden");
            Ok(policy("forbidden", "Deny", &resource, json!({})))
        }
        Err(AuthError::Jwks(msg)) => {
            tracing::error!(error = %msg, "JWKS unavailable");
            Err(Unavailable(msg).into())
        }
        Err(e) => {
            tracing::info!(reason = %e, "denied: unauthorized");
            Err(Unauthorized.into())
        }
    }
}
