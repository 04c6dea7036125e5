//! Bearer token verification: JWT with real signatures (RS256, ES256) against the issuer's
//! JWKS, plus issuer, audience, expiry, not-before (with a small leeway), scopes, custom claim
//! rules and user-supplied [`Validator`]s.
//!
//! Only asymmetric algorithms are accepted, and only the one the key pins: this closes the
//! `alg: none` hole and the classic "HS256 signed with the public key" confusion.

mod jwks;

use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::env;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

pub use jwks::{JwksCache, Key};

use crate::config::{self, ConfigError};

/// Algorithms a token may be signed with.
pub const ALLOWED_ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token was presented.
    #[error("no bearer token")]
    Missing,
    /// Not a JWT, or a header/claim does not parse.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// Signed with an algorithm other than RS256/ES256 (or not the key's).
    #[error("algorithm {0} is not accepted")]
    Algorithm(String),
    /// No key with this id in the JWKS, even after a refetch.
    #[error("unknown signing key {0:?}")]
    UnknownKey(String),
    /// The signature does not match the content.
    #[error("invalid signature")]
    Signature,
    /// `exp` is in the past.
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` has none of the configured audiences.
    #[error("wrong audience")]
    Audience,
    /// A required scope is missing.
    #[error("missing scope {0:?}")]
    Scope(String),
    /// A custom claim rule failed.
    #[error("claim {0:?} does not satisfy its rule")]
    ClaimRule(String),
    /// The user id claim is missing or not a non-empty string.
    #[error("missing user id claim {0:?}")]
    UserId(String),
    /// A [`Validator`] refused the token.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The JWKS could not be fetched: our problem, not the caller's.
    #[error("JWKS unavailable: {0}")]
    Jwks(String),
}

impl AuthError {
    /// Whether the caller is authenticated but not allowed (scopes, rules, validators): a Deny
    /// policy (403) rather than 401.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Scope(_) | Self::ClaimRule(_) | Self::Rejected(_))
    }

    /// Whether the failure is ours (JWKS unreachable) rather than the token's.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Jwks(_))
    }
}

/// A token's claims.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claims(pub Map<String, Value>);

impl Claims {
    /// Claim `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Scopes from `scope` (space-separated string) and `scp` (array or string).
    pub fn scopes(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for name in ["scope", "scp"] {
            match self.0.get(name) {
                Some(Value::String(s)) => out.extend(s.split_whitespace()),
                Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str)),
                _ => {}
            }
        }
        out
    }
}

/// Your own check on verified claims (like Agent Kernel's AuthValidator), run after the
/// built-in ones. Return [`AuthError::Rejected`] to deny.
pub trait Validator: Send + Sync {
    /// Accepts or rejects verified claims.
    fn validate(&self, claims: &Claims) -> Result<(), AuthError>;
}

/// A custom claim rule: the claim equals one of `allowed` (for array claims: contains one).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRule {
    /// Claim name.
    pub claim: String,
    /// Accepted values.
    pub allowed: Vec<Value>,
}

impl ClaimRule {
    fn check(&self, claims: &Claims) -> bool {
        match claims.get(&self.claim) {
            Some(Value::Array(items)) => items.iter().any(|i| self.allowed.contains(i)),
            Some(v) => self.allowed.contains(v),
            None => false,
        }
    }

    /// Parses `{"claim": value | [values]}`.
    pub fn parse_all(json: &str) -> Result<Vec<Self>, String> {
        let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let Value::Object(map) = v else {
            return Err("expected a JSON object".into());
        };
        Ok(map
            .into_iter()
            .map(|(claim, v)| ClaimRule {
                claim,
                allowed: match v {
                    Value::Array(a) => a,
                    other => vec![other],
                },
            })
            .collect())
    }
}

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// JWKS URL.
    pub jwks_url: String,
    /// Expected `iss`.
    pub issuer: String,
    /// Accepted `aud` values.
    pub audiences: Vec<String>,
    /// Scopes the token must all carry.
    pub required_scopes: Vec<String>,
    /// Custom claim rules.
    pub claim_rules: Vec<ClaimRule>,
    /// Claim holding the user id.
    pub user_id_claim: String,
    /// Clock skew allowed on `exp`/`nbf`, seconds.
    pub leeway_secs: u64,
    /// How long a fetched JWKS is trusted.
    pub jwks_ttl: Duration,
}

impl AuthConfig {
    /// From `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_REQUIRED_SCOPES`, `JWT_CLAIM_RULES`,
    /// `JWT_USER_ID_CLAIM`, `JWT_LEEWAY_SECONDS`, `JWKS_CACHE_SECONDS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let audiences = config::list(env::JWT_AUDIENCE);
        if audiences.is_empty() {
            return Err(ConfigError::Missing(env::JWT_AUDIENCE));
        }
        let claim_rules = match config::optional(env::JWT_CLAIM_RULES) {
            None => Vec::new(),
            Some(json) => ClaimRule::parse_all(&json).map_err(|reason| ConfigError::Invalid {
                name: env::JWT_CLAIM_RULES,
                value: json.clone(),
                reason,
            })?,
        };
        Ok(Self {
            jwks_url: config::required(env::JWKS_URL)?,
            issuer: config::required(env::JWT_ISSUER)?,
            audiences,
            required_scopes: config::list(env::JWT_REQUIRED_SCOPES),
            claim_rules,
            user_id_claim: config::optional(env::JWT_USER_ID_CLAIM).unwrap_or_else(|| env::DEFAULT_JWT_USER_ID_CLAIM.into()),
            leeway_secs: config::parse_or(env::JWT_LEEWAY_SECONDS, env::DEFAULT_JWT_LEEWAY_SECONDS)?,
            jwks_ttl: Duration::from_secs(config::parse_or(env::JWKS_CACHE_SECONDS, env::DEFAULT_JWKS_CACHE_SECONDS)?),
        })
    }
}

/// A verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The user id claim.
    pub user_id: String,
    /// All claims.
    pub claims: Claims,
}

/// Verifies bearer tokens; built once per sandbox (its JWKS cache lives across invocations).
pub struct JwtVerifier {
    config: AuthConfig,
    jwks: JwksCache,
    validators: Vec<Arc<dyn Validator>>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier").field("config", &self.config).field("validators", &self.validators.len()).finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier for `config`.
    pub fn new(config: AuthConfig) -> Self {
        let jwks = JwksCache::new(config.jwks_url.clone(), config.jwks_ttl);
        Self { config, jwks, validators: Vec::new() }
    }

    /// Replaces the JWKS cache (tests shorten its refetch interval).
    pub fn with_jwks(mut self, jwks: JwksCache) -> Self {
        self.jwks = jwks;
        self
    }

    /// Adds a custom validator.
    pub fn with_validator(mut self, v: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(v));
        self
    }

    /// The JWKS cache.
    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    /// Verifies `token` (without a `Bearer ` prefix).
    pub async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithmName | ErrorKind::UnsupportedAlgorithm => AuthError::Algorithm(e.to_string()),
            _ => AuthError::Malformed(e.to_string()),
        })?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(AuthError::Algorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| AuthError::Malformed("no kid in header".into()))?;
        let key = self.jwks.get(&kid).await?;
        if key.alg.is_some_and(|a| a != header.alg) {
            return Err(AuthError::Algorithm(format!("{:?} (key {kid} is {:?})", header.alg, key.alg)));
        }
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[&self.config.issuer]);
        v.set_audience(&self.config.audiences);
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        v.leeway = self.config.leeway_secs;
        v.validate_nbf = true;
        v.validate_exp = true;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &v).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => AuthError::Signature,
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidIssuer => AuthError::Issuer,
            ErrorKind::InvalidAudience => AuthError::Audience,
            ErrorKind::InvalidAlgorithm => AuthError::Algorithm(e.to_string()),
            _ => AuthError::Malformed(e.to_string()),
        })?;
        let claims = Claims(data.claims);
        let scopes = claims.scopes();
        if let Some(missing) = self.config.required_scopes.iter().find(|s| !scopes.contains(&s.as_str())) {
            return Err(AuthError::Scope(missing.clone()));
        }
        if let Some(rule) = self.config.claim_rules.iter().find(|r| !r.check(&claims)) {
            return Err(AuthError::ClaimRule(rule.claim.clone()));
        }
        for validator in &self.validators {
            validator.validate(&claims)?;
        }
        let user_id = claims
            .get(&self.config.user_id_claim)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::UserId(self.config.user_id_claim.clone()))?
            .to_owned();
        Ok(Verified { user_id, claims })
    }
}

/// The token of an `Authorization` header value: `Bearer <token>` (scheme case-insensitive)
/// or a bare token.
pub fn bearer(value: &str) -> Option<&str> {
    let v = value.trim();
    let token = match v.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        None => v,
    };
    (!token.is_empty()).then_some(token)
}
