//! The JSON Web Key Set, fetched from the issuer and cached across invocations.
//!
//! - Fresh (younger than the TTL): keys are served from memory.
//! - Stale but within the grace period: keys are still served at once, and one background task
//!   refetches the set. An issuer that is down or hangs therefore adds no latency to requests
//!   and locks no one out; a key the issuer removed stops verifying at the first successful
//!   refetch. (In Lambda a refresh still running when the invocation returns resumes with the
//!   next one; until it lands the cached keys keep serving.)
//! - A key id the cache does not know (the issuer rotated keys), nothing fetched yet, or keys
//!   older than TTL + grace: the request waits for a fetch.
//!
//! Every fetch is rate limited — at most one in flight, at most one per
//! `min_refetch_interval` — so a stream of tokens with made-up key ids cannot turn the
//! authorizer into a load generator against the issuer, and a failing issuer costs at most one
//! waiting request per interval.
//!
//! Only keys meant for signature verification are kept (RFC 7517 §4.2–4.4): a JWK whose `use`
//! is not `sig`, whose `key_ops` lacks `verify`, whose `alg` is not one we accept, or whose type
//! is not RSA or EC never verifies a token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcdk_contract::env;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use super::{AuthError, ALLOWED_ALGORITHMS};

/// Default least time between two fetches.
const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

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
    /// Why the last fetch failed (cleared by a successful one).
    last_error: Option<AuthError>,
}

/// Where the keys come from (cloned into background refreshes).
#[derive(Debug, Clone)]
struct Source {
    http: reqwest::Client,
    url: String,
}

/// What the foreground and background share.
#[derive(Debug, Default)]
struct Shared {
    state: RwLock<State>,
    /// Held for the length of a fetch: one at a time.
    fetching: Mutex<()>,
    /// A background refresh is scheduled or running.
    refreshing: AtomicBool,
    fetches: AtomicU32,
}

/// Cached JWKS of one URL.
#[derive(Debug)]
pub struct JwksCache {
    source: Source,
    ttl: Duration,
    grace: Duration,
    min_refetch_interval: Duration,
    shared: Arc<Shared>,
}

impl JwksCache {
    /// A cache of the JWKS at `url`, trusted for `ttl`, then served for the default grace
    /// period (`DEFAULT_JWKS_GRACE_SECONDS`) while refetching.
    pub fn new(url: impl Into<String>, ttl: Duration) -> Self {
        Self {
            source: Source {
                http: crate::tls::reqwest_roots(reqwest::Client::builder())
                    // Short: a request that has to wait for the JWKS should not wait long.
                    .connect_timeout(Duration::from_secs(2))
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap_or_default(),
                url: url.into(),
            },
            ttl,
            grace: Duration::from_secs(env::DEFAULT_JWKS_GRACE_SECONDS),
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            shared: Arc::default(),
        }
    }

    /// Changes the least time between two fetches (default 10 s).
    pub fn with_min_refetch_interval(mut self, d: Duration) -> Self {
        self.min_refetch_interval = d;
        self
    }

    /// Keeps serving keys for `grace` after the TTL while refetching in the background
    /// (default: `DEFAULT_JWKS_GRACE_SECONDS`; [`super::AuthConfig`] reads `JWKS_GRACE_SECONDS`).
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How many times the JWKS was fetched (tests check the caching with it).
    pub fn fetch_count(&self) -> u32 {
        self.shared.fetches.load(Ordering::Relaxed)
    }

    /// The key with id `kid`.
    pub async fn get(&self, kid: &str) -> Result<Key, AuthError> {
        let (hit, age) = {
            let st = self.shared.state.read().await;
            (st.keys.get(kid).cloned(), st.fetched_at.map(|t| t.elapsed()))
        };
        if let (Some(key), Some(age)) = (hit, age) {
            if age < self.ttl {
                return Ok(key);
            }
            if age < self.ttl.saturating_add(self.grace) {
                self.refresh_in_background();
                return Ok(key);
            }
        }
        self.refresh_now().await?;
        let st = self.shared.state.read().await;
        match (st.keys.get(kid), st.fetched_at) {
            (Some(key), Some(at)) if at.elapsed() < self.ttl.saturating_add(self.grace) => Ok(key.clone()),
            // Keys too old to trust and the issuer still unreachable: our problem, a 500.
            (Some(_), _) => Err(st.last_error.clone().unwrap_or_else(|| AuthError::Jwks("keys expired".into()))),
            (None, _) if st.fetched_at.is_none() => Err(st.last_error.clone().unwrap_or_else(|| AuthError::Jwks("no keys".into()))),
            (None, _) => Err(AuthError::UnknownKey(kid.into())),
        }
    }

    /// Fetches now unless a fetch ran within the interval (then its outcome stands).
    async fn refresh_now(&self) -> Result<(), AuthError> {
        let _one = self.shared.fetching.lock().await;
        if !self.shared.due(self.min_refetch_interval).await {
            return Ok(());
        }
        self.shared.refresh(&self.source).await
    }

    /// Starts one background refetch unless one is running or one ran within the interval.
    fn refresh_in_background(&self) {
        if self.shared.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (shared, source, interval) = (self.shared.clone(), self.source.clone(), self.min_refetch_interval);
        tokio::spawn(async move {
            {
                let _one = shared.fetching.lock().await;
                if shared.due(interval).await {
                    if let Err(e) = shared.refresh(&source).await {
                        tracing::warn!(error = %e, "JWKS refresh failed; serving cached keys");
                    }
                }
            }
            shared.refreshing.store(false, Ordering::Release);
        });
    }
}

impl Shared {
    /// Whether the last attempt is older than `interval` (or there was none).
    async fn due(&self, interval: Duration) -> bool {
        self.state.read().await.last_attempt.is_none_or(|t| t.elapsed() >= interval)
    }

    /// One fetch; the state lock is not held while it runs.
    async fn refresh(&self, source: &Source) -> Result<(), AuthError> {
        self.state.write().await.last_attempt = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = fetch(source).await;
        let mut st = self.state.write().await;
        match result {
            Ok(keys) => {
                st.keys = keys;
                st.fetched_at = Some(Instant::now());
                st.last_error = None;
                Ok(())
            }
            Err(e) => {
                st.last_error = Some(e.clone());
                Err(e)
            }
        }
    }
}

async fn fetch(source: &Source) -> Result<HashMap<String, Key>, AuthError> {
    let err = |e: String| AuthError::Jwks(format!("{}: {e}", source.url));
    let resp = source.http.get(&source.url).send().await.map_err(|e| err(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(err(format!("HTTP {}", resp.status().as_u16())));
    }
    let set: Value = resp.json().await.map_err(|e| err(e.to_string()))?;
    let Some(entries) = set.get("keys").and_then(Value::as_array) else {
        return Err(err("no \"keys\" array".into()));
    };
    let mut keys = HashMap::new();
    // One odd key (a new key type, an encryption key) must not take the whole set down.
    for entry in entries {
        let kid = entry.get("kid").and_then(Value::as_str).unwrap_or_default();
        match serde_json::from_value::<Jwk>(entry.clone()).map_err(|e| e.to_string()).and_then(|jwk| verification_key(&jwk)) {
            Ok(key) if !kid.is_empty() => {
                keys.insert(kid.to_owned(), key);
            }
            Ok(_) => tracing::warn!("JWKS key without kid skipped"),
            Err(reason) => tracing::warn!(kid = %kid, reason = %reason, "JWKS key skipped"),
        }
    }
    tracing::info!(keys = keys.len(), "JWKS fetched");
    Ok(keys)
}

/// The key of `jwk` if it may verify signatures (RFC 7517 §4.2 `use`, §4.3 `key_ops`,
/// §4.4 `alg`), else why not.
fn verification_key(jwk: &Jwk) -> Result<Key, String> {
    let common = &jwk.common;
    if let Some(u) = &common.public_key_use {
        if *u != PublicKeyUse::Signature {
            return Err(format!("use is {u:?}, not sig"));
        }
    }
    if let Some(ops) = &common.key_operations {
        if !ops.contains(&KeyOperations::Verify) {
            return Err("key_ops does not include verify".into());
        }
    }
    let alg = match common.key_algorithm {
        None => None,
        Some(a) => match Algorithm::try_from(a) {
            Ok(alg) if ALLOWED_ALGORITHMS.contains(&alg) => Some(alg),
            _ => return Err(format!("alg {a:?} is not a signature algorithm we accept")),
        },
    };
    if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_) | AlgorithmParameters::EllipticCurve(_)) {
        return Err("key type is not RSA or EC".into());
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    Ok(Key { key: Arc::new(key), alg })
}
