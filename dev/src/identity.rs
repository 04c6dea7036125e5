//! A local OpenID issuer on 127.0.0.1, so an agent behind a JWT authorizer works offline with
//! real signatures and real verification: an RS256 key generated at start, OIDC discovery
//! (`/.well-known/openid-configuration`, "OpenID Connect Discovery 1.0" §4) and the JWKS
//! (`/.well-known/jwks.json`, RFC 7517), and `/token?user=U&scope=S` minting a token with the
//! claims the stack's JwtConfig requires (`aud` = its first audience, the required scopes,
//! equality claim rules), which `cargo agentcdk token` calls.

use std::net::SocketAddr;
use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hyper::body::Incoming;
use hyper::Request;
use serde_json::{json, Map, Value};

use crate::net::{self, Body};
use crate::DevError;

/// What the stack's authorizers require of a token (read from their environment).
#[derive(Debug, Clone, Default)]
pub struct Requirements {
    /// `JWT_AUDIENCE` (the token gets the first).
    pub audience: Vec<String>,
    /// `JWT_REQUIRED_SCOPES`.
    pub scopes: Vec<String>,
    /// `JWT_CLAIM_RULES` (equality rules and the first of a one-of list are satisfied).
    pub claim_rules: Map<String, Value>,
    /// `JWT_USER_ID_CLAIM` (default `sub`).
    pub user_claim: Option<String>,
}

/// The issuer.
pub struct Issuer {
    key: KeyPair,
    kid: String,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    requirements: Requirements,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Issuer {
    /// A fresh key; `url` is where it is served.
    pub fn new(url: String, requirements: Requirements) -> Result<Self, DevError> {
        let key = KeyPair::generate(KeySize::Rsa2048).map_err(|e| DevError::Start(format!("RSA key generation: {e}")))?;
        let kid = format!("dev-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        Ok(Self { key, kid, url, requirements })
    }

    /// `JWKS_URL` for the authorizers.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.url)
    }

    /// The public key as a JWKS.
    pub fn jwks(&self) -> Value {
        let public = aws_lc_rs::signature::KeyPair::public_key(&self.key);
        json!({"keys": [{
            "kty": "RSA", "kid": self.kid, "alg": "RS256", "use": "sig",
            "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
            "e": B64.encode(public.exponent().big_endian_without_leading_zero()),
        }]})
    }

    /// A token for `user` with `scopes` (none given: the stack's required scopes), valid for
    /// `ttl_secs`.
    pub fn mint(&self, user: &str, scopes: &[String], ttl_secs: u64) -> Result<String, DevError> {
        let now = crate::proxy::now_ms() / 1000;
        let r = &self.requirements;
        let scopes = if scopes.is_empty() { r.scopes.clone() } else { scopes.to_vec() };
        let mut claims = Map::new();
        for (k, v) in &r.claim_rules {
            let value = match v {
                Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            claims.insert(k.clone(), value);
        }
        claims.insert("iss".into(), json!(self.url));
        claims.insert("sub".into(), json!(user));
        claims.insert(r.user_claim.clone().unwrap_or_else(|| "sub".into()), json!(user));
        if let Some(aud) = r.audience.first() {
            claims.insert("aud".into(), json!(aud));
        }
        claims.insert("scope".into(), json!(scopes.join(" ")));
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now));
        claims.insert("exp".into(), json!(now + ttl_secs));
        claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        self.sign(&claims)
    }

    /// A token with exactly `claims`, signed with this issuer's key (tests use it to make
    /// tokens the stack must refuse: another audience, expired, another issuer's key).
    pub fn sign(&self, claims: &Map<String, Value>) -> Result<String, DevError> {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(Value::Object(claims.clone()).to_string()));
        let mut sig = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut sig)
            .map_err(|e| DevError::Start(format!("signing: {e}")))?;
        Ok(format!("{signing_input}.{}", B64.encode(sig)))
    }

    /// Serves discovery, JWKS and `/token` on `listener`.
    pub fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        net::serve(listener, move |req: Request<Incoming>, _: SocketAddr| {
            let issuer = self.clone();
            async move { issuer.handle(&req) }
        })
    }

    fn handle(&self, req: &Request<Incoming>) -> hyper::Response<Body> {
        match req.uri().path() {
            "/.well-known/openid-configuration" => net::json(
                200,
                &json!({"issuer": self.url, "jwks_uri": self.jwks_url(), "token_endpoint": format!("{}/token", self.url),
                    "response_types_supported": ["token"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"]}),
            ),
            "/.well-known/jwks.json" => net::json(200, &self.jwks()),
            "/token" => {
                let (q, multi) = crate::proxy::query(req.uri().query());
                let user = q.get("user").cloned().unwrap_or_else(|| "dev-user".into());
                let scopes: Vec<String> = multi.get("scope").cloned().unwrap_or_default();
                let ttl = q.get("ttl").and_then(|t| t.parse().ok()).unwrap_or(3600);
                match self.mint(&user, &scopes, ttl) {
                    Ok(t) => net::json(200, &json!({"access_token": t, "token_type": "Bearer", "expires_in": ttl})),
                    Err(e) => net::json(500, &json!({"error": e.to_string()})),
                }
            }
            _ => net::json(404, &json!({"error": "not_found"})),
        }
    }
}
