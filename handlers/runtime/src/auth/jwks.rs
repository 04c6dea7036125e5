//! The JSON Web Key Set, fetched from the issuer and cached across invocations.
//!
//! Keys are refetched when the cache is older than its TTL, or when a token names a key id
//! the cache does not know (the issuer rotated keys) — but at most once per
//! `min_refetch_interval`, so a stream of tokens with made-up key ids cannot turn the
//! authorizer into a load generator against the issuer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::RwLock;

use super::AuthError;

/// A verification key and the algorithm its JWK pins (if any).
#[derive(Clone)]
pub struct Key {
    /// The key.
    pub key: Arc<DecodingKey>,
    /// `alg` of the JWK, when present: the token's header must name the same.
    pub alg: Option<Algorithm>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("alg", &self.alg).finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct State {
    keys: HashMap<String, Key>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
}

/// Cached JWKS of one URL.
#[derive(Debug)]
pub struct JwksCache {
    http: reqwest::Client,
    url: String,
    ttl: Duration,
    min_refetch_interval: Duration,
    state: RwLock<State>,
    fetches: AtomicU32,
}

impl JwksCache {
    /// A cache of the JWKS at `url`, trusted for `ttl`.
    pub fn new(url: impl Into<String>, ttl: Duration) -> Self {
        Self {
            http: crate::tls::reqwest_roots(reqwest::Client::builder())
                .connect_timeout(Duration::from_secs(3))
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            url: url.into(),
            ttl,
            min_refetch_interval: Duration::from_secs(10),
            state: RwLock::new(State::default()),
            fetches: AtomicU32::new(0),
        }
    }

    /// Changes the least time between two fetches triggered by unknown key ids (default 10 s).
    pub fn with_min_refetch_interval(mut self, d: Duration) -> Self {
        self.min_refetch_interval = d;
        self
    }

    /// How many times the JWKS was fetched (tests check the caching with it).
    pub fn fetch_count(&self) -> u32 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The key with id `kid`.
    pub async fn get(&self, kid: &str) -> Result<Key, AuthError> {
        {
            let st = self.state.read().await;
            let fresh = st.fetched_at.is_some_and(|t| t.elapsed() < self.ttl);
            if fresh {
                if let Some(k) = st.keys.get(kid) {
                    return Ok(k.clone());
                }
                if st.last_attempt.is_some_and(|t| t.elapsed() < self.min_refetch_interval) {
                    return Err(AuthError::UnknownKey(kid.into()));
                }
            }
        }
        let mut st = self.state.write().await;
        // Another task may have refreshed while this one waited for the lock.
        let recently = st.last_attempt.is_some_and(|t| t.elapsed() < self.min_refetch_interval);
        let fresh = st.fetched_at.is_some_and(|t| t.elapsed() < self.ttl);
        if !(recently && fresh) {
            st.last_attempt = Some(Instant::now());
            match self.fetch().await {
                Ok(keys) => {
                    st.keys = keys;
                    st.fetched_at = Some(Instant::now());
                }
                // Keep serving known keys when the issuer is briefly unreachable.
                Err(e) if st.keys.contains_key(kid) => {
                    tracing::warn!(error = %e, "JWKS refresh failed; using cached keys");
                }
                Err(e) => return Err(e),
            }
        }
        st.keys.get(kid).cloned().ok_or_else(|| AuthError::UnknownKey(kid.into()))
    }

    async fn fetch(&self) -> Result<HashMap<String, Key>, AuthError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let err = |e: String| AuthError::Jwks(format!("{}: {e}", self.url));
        let resp = self.http.get(&self.url).send().await.map_err(|e| err(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(err(format!("HTTP {}", resp.status().as_u16())));
        }
        let set: JwkSet = resp.json().await.map_err(|e| err(e.to_string()))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = &jwk.common.key_id else {
                continue;
            };
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    let alg = jwk.common.key_algorithm.and_then(|a| Algorithm::try_from(a).ok());
                    keys.insert(kid.clone(), Key { key: Arc::new(key), alg });
                }
                Err(e) => tracing::warn!(kid = %kid, error = %e, "JWKS key skipped"),
            }
        }
        tracing::info!(keys = keys.len(), "JWKS fetched");
        Ok(keys)
    }
}
