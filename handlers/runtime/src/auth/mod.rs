//! Bearer token verification: JWT with real signatures (RS256, ES256) against the issuer's
//! JWKS, plus issuer (exactly as configured), audience and/or client id, Cognito's
//! `token_use`, expiry, not-before and issued-at (with a small leeway), claim JSON types,
//! scopes, custom claim rules and user-supplied [`Validator`]s.
//!
//! Only asymmetric algorithms are accepted, and only the one the key pins: this closes the
//! `alg: none` hole and the classic "HS256 signed with the public key" confusion. A header
//! with `crit` is refused (RFC 7515 §4.1.11: we understand no extension), and only JWKS keys
//! meant for signature verification are used (RFC 7517, see [`JwksCache`]).

mod claims;
mod jwks;

use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::env::{self, TokenUse};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde_json::{Map, Value};

pub use claims::{ClaimRule, Claims};
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
    /// `iat` is in the future.
    #[error("token issued in the future")]
    IssuedInFuture,
    /// `aud` has none of the configured audiences.
    #[error("wrong audience")]
    Audience,
    /// The client id claim is missing or not an allowed client.
    #[error("client not allowed")]
    Client,
    /// `token_use` is not the configured one (a Cognito ID token where an access token is
    /// expected, or the other way round).
    #[error("token_use is not {0:?}")]
    TokenUse(&'static str),
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

/// Your own check on verified claims (like Agent Kernel's AuthValidator), run after the
/// built-in ones. Return [`AuthError::Rejected`] to deny.
pub trait Validator: Send + Sync {
    /// Accepts or rejects verified claims.
    fn validate(&self, claims: &Claims) -> Result<(), AuthError>;
}

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// JWKS URL.
    pub jwks_url: String,
    /// Expected `iss`, compared byte for byte (a trailing slash matters, as in the IdP's own
    /// tokens).
    pub issuer: String,
    /// Accepted `aud` values; the token must carry one. Empty: `aud` is not checked, and
    /// `allowed_clients` must not be empty (else every token is refused).
    pub audiences: Vec<String>,
    /// Accepted client ids, checked on `client_id_claim`. Empty: any client.
    pub allowed_clients: Vec<String>,
    /// Claim naming the client (`client_id`, `azp`, `cid`).
    pub client_id_claim: String,
    /// Required `token_use` claim (Cognito). `None`: not checked.
    pub token_use: Option<TokenUse>,
    /// Scopes the token must all carry.
    pub required_scopes: Vec<String>,
    /// Custom claim rules.
    pub claim_rules: Vec<ClaimRule>,
    /// Claim holding the user id.
    pub user_id_claim: String,
    /// Clock skew allowed on `exp`/`nbf`/`iat`, seconds.
    pub leeway_secs: u64,
    /// How long a fetched JWKS is trusted.
    pub jwks_ttl: Duration,
    /// How long cached keys keep serving after `jwks_ttl` while the JWKS is refetched in the
    /// background.
    pub jwks_grace: Duration,
}

impl AuthConfig {
    /// Tokens of `issuer` for one of `audiences`, keys at `jwks_url`; everything else at the
    /// default [`AuthConfig::from_env`] applies (no client or `token_use` check, user id in
    /// `sub`, 30 s leeway, keys trusted for an hour and a day's grace).
    pub fn new(jwks_url: impl Into<String>, issuer: impl Into<String>, audiences: Vec<String>) -> Self {
        Self {
            jwks_url: jwks_url.into(),
            issuer: issuer.into(),
            audiences,
            allowed_clients: Vec::new(),
            client_id_claim: env::DEFAULT_JWT_CLIENT_ID_CLAIM.into(),
            token_use: None,
            required_scopes: Vec::new(),
            claim_rules: Vec::new(),
            user_id_claim: env::DEFAULT_JWT_USER_ID_CLAIM.into(),
            leeway_secs: env::DEFAULT_JWT_LEEWAY_SECONDS,
            jwks_ttl: Duration::from_secs(env::DEFAULT_JWKS_CACHE_SECONDS),
            jwks_grace: Duration::from_secs(env::DEFAULT_JWKS_GRACE_SECONDS),
        }
    }

    /// From `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_ALLOWED_CLIENTS`,
    /// `JWT_CLIENT_ID_CLAIM`, `JWT_TOKEN_USE`, `JWT_REQUIRED_SCOPES`, `JWT_CLAIM_RULES`,
    /// `JWT_USER_ID_CLAIM`, `JWT_LEEWAY_SECONDS`, `JWKS_CACHE_SECONDS`, `JWKS_GRACE_SECONDS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let audiences = config::list(env::JWT_AUDIENCE);
        let allowed_clients = config::list(env::JWT_ALLOWED_CLIENTS);
        if audiences.is_empty() && allowed_clients.is_empty() {
            return Err(ConfigError::Invalid {
                name: env::JWT_AUDIENCE,
                value: String::new(),
                reason: format!("set {} or {} (or both)", env::JWT_AUDIENCE, env::JWT_ALLOWED_CLIENTS),
            });
        }
        let invalid = |name, value: String, reason: String| ConfigError::Invalid { name, value, reason };
        let claim_rules = match config::optional(env::JWT_CLAIM_RULES) {
            None => Vec::new(),
            Some(json) => ClaimRule::parse_all(&json).map_err(|reason| invalid(env::JWT_CLAIM_RULES, json.clone(), reason))?,
        };
        let token_use = config::parse_optional::<TokenUse>(env::JWT_TOKEN_USE)?;
        let secs = |name, default| config::parse_or(name, default).map(Duration::from_secs);
        Ok(Self {
            jwks_url: config::required(env::JWKS_URL)?,
            issuer: config::required(env::JWT_ISSUER)?,
            audiences,
            allowed_clients,
            client_id_claim: config::optional(env::JWT_CLIENT_ID_CLAIM).unwrap_or_else(|| env::DEFAULT_JWT_CLIENT_ID_CLAIM.into()),
            token_use,
            required_scopes: config::list(env::JWT_REQUIRED_SCOPES),
            claim_rules,
            user_id_claim: config::optional(env::JWT_USER_ID_CLAIM).unwrap_or_else(|| env::DEFAULT_JWT_USER_ID_CLAIM.into()),
            leeway_secs: config::parse_or(env::JWT_LEEWAY_SECONDS, env::DEFAULT_JWT_LEEWAY_SECONDS)?,
            jwks_ttl: secs(env::JWKS_CACHE_SECONDS, env::DEFAULT_JWKS_CACHE_SECONDS)?,
            jwks_grace: secs(env::JWKS_GRACE_SECONDS, env::DEFAULT_JWKS_GRACE_SECONDS)?,
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
        let jwks = JwksCache::new(config.jwks_url.clone(), config.jwks_ttl).with_grace(config.jwks_grace);
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
        check_header(&header)?;
        let kid = header.kid.ok_or_else(|| AuthError::Malformed("no kid in header".into()))?;
        let key = self.jwks.get(&kid).await?;
        if key.alg.is_some_and(|a| a != header.alg) {
            return Err(AuthError::Algorithm(format!("{:?} (key {kid} is {:?})", header.alg, key.alg)));
        }
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &self.validation(header.alg)?).map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => AuthError::Signature,
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidIssuer => AuthError::Issuer,
                ErrorKind::InvalidAudience => AuthError::Audience,
                ErrorKind::InvalidAlgorithm => AuthError::Algorithm(e.to_string()),
                _ => AuthError::Malformed(e.to_string()),
            })?;
        let claims = Claims(data.claims);
        self.check_claims(&claims)?;
        let user_id = claims
            .str(&self.config.user_id_claim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::UserId(self.config.user_id_claim.clone()))?
            .to_owned();
        Ok(Verified { user_id, claims })
    }

    /// What jsonwebtoken checks: signature, `exp`, `nbf`, `iss`. (`aud` is checked in
    /// [`Self::check_claims`], after its JSON type, so an `aud` of the wrong type is
    /// malformed rather than skipped.)
    fn validation(&self, alg: Algorithm) -> Result<Validation, AuthError> {
        let cfg = &self.config;
        if cfg.audiences.is_empty() && cfg.allowed_clients.is_empty() {
            // Fail closed: a token for any audience and any client is no check at all.
            return Err(AuthError::Audience);
        }
        let mut v = Validation::new(alg);
        v.set_issuer(&[&cfg.issuer]);
        v.set_required_spec_claims(&["exp", "iss"]);
        v.validate_aud = false;
        v.leeway = cfg.leeway_secs;
        v.validate_nbf = true;
        v.validate_exp = true;
        Ok(v)
    }

    /// The checks on signed claims beyond jsonwebtoken's, in order: JSON types, `iat`,
    /// audience, client, `token_use`, scopes, claim rules, validators.
    fn check_claims(&self, claims: &Claims) -> Result<(), AuthError> {
        let cfg = &self.config;
        claims.check_types()?;
        claims.check_issued_at(jsonwebtoken::get_current_timestamp(), cfg.leeway_secs)?;
        if !cfg.audiences.is_empty() && !claims.audiences().iter().any(|a| cfg.audiences.iter().any(|c| c == a)) {
            return Err(AuthError::Audience);
        }
        if !cfg.allowed_clients.is_empty() && !claims.str(&cfg.client_id_claim).is_some_and(|c| cfg.allowed_clients.iter().any(|a| a == c))
        {
            return Err(AuthError::Client);
        }
        if let Some(want) = cfg.token_use {
            if claims.str("token_use") != Some(want.as_str()) {
                return Err(AuthError::TokenUse(want.as_str()));
            }
        }
        let scopes = claims.scopes();
        if let Some(missing) = cfg.required_scopes.iter().find(|s| !scopes.contains(&s.as_str())) {
            return Err(AuthError::Scope(missing.clone()));
        }
        if let Some(rule) = cfg.claim_rules.iter().find(|r| !r.check(claims)) {
            return Err(AuthError::ClaimRule(rule.claim.clone()));
        }
        for validator in &self.validators {
            validator.validate(claims)?;
        }
        Ok(())
    }
}

/// Header rules: an accepted algorithm, and no `crit` (RFC 7515 §4.1.11: a recipient MUST
/// reject a JWS whose `crit` lists an extension it does not understand — we understand none —
/// and `crit` MUST NOT be empty nor list names the JWS spec defines).
fn check_header(header: &Header) -> Result<(), AuthError> {
    if !ALLOWED_ALGORITHMS.contains(&header.alg) {
        return Err(AuthError::Algorithm(format!("{:?}", header.alg)));
    }
    match header.crit.as_deref() {
        None => Ok(()),
        Some([]) => Err(AuthError::Malformed("crit is empty".into())),
        Some(names) => {
            const REGISTERED: [&str; 11] = ["alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"];
            match names.iter().find(|n| REGISTERED.contains(&n.as_str())) {
                Some(n) => Err(AuthError::Malformed(format!("crit lists the registered header {n:?}"))),
                None => Err(AuthError::Malformed(format!("unsupported critical extension(s) {names:?}"))),
            }
        }
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
