//! A JWKS outage after the cache expires: requests keep verifying from the cached keys without
//! waiting for the issuer, the set is refetched in the background at most once per interval,
//! and a rotation is picked up once the issuer answers again. A JWKS peer on 127.0.0.1 that
//! fails or hangs on demand.

use std::time::{Duration, Instant};

use agentcdk_runtime::auth::{AuthConfig, AuthError, JwksCache, JwtVerifier};
use agentcdk_testkit::keys::{now, JwksMode, JwksServer, TestKey};
use serde_json::{json, Value};

const ISS: &str = "https://issuer.test/";
const AUD: &str = "api";
const TTL: Duration = Duration::from_millis(300);

fn claims() -> Value {
    json!({"sub": "user-1", "iss": ISS, "aud": AUD, "exp": now() + 600})
}

/// Least time between two fetches: shorter than [`TTL`], as in production (10 s vs 1 h).
const INTERVAL: Duration = Duration::from_millis(200);

/// A verifier whose keys are trusted for [`TTL`], then served for `grace`.
fn verifier(jwks: &JwksServer, grace: Duration) -> JwtVerifier {
    let cfg = AuthConfig { jwks_ttl: TTL, jwks_grace: grace, ..AuthConfig::new(jwks.url(), ISS, vec![AUD.into()]) };
    let cache = JwksCache::new(cfg.jwks_url.clone(), TTL).with_grace(grace).with_min_refetch_interval(INTERVAL);
    JwtVerifier::new(cfg).with_jwks(cache)
}

/// The default grace period (a day).
fn default_grace() -> Duration {
    AuthConfig::new("", "", vec![]).jwks_grace
}

/// Lets a background refresh send its request (and the peer record it).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(150)).await;
}

#[tokio::test]
async fn a_hanging_jwks_after_the_ttl_adds_no_latency() {
    let key = TestKey::ec("k1");
    let jwks = JwksServer::start(&[&key]);
    let v = verifier(&jwks, default_grace());
    let token = key.sign(&claims());
    v.verify(&token).await.expect("first request fetches");
    assert_eq!(jwks.hits(), 1);
    // The issuer now takes 8 s and then fails: longer than the fetch timeout.
    jwks.set_mode(JwksMode::Hang(Duration::from_secs(8)));
    tokio::time::sleep(TTL + Duration::from_millis(50)).await;
    for i in 0..20 {
        let t0 = Instant::now();
        v.verify(&token).await.unwrap_or_else(|e| panic!("request {i} after the TTL: {e:?}"));
        let took = t0.elapsed();
        assert!(took < Duration::from_millis(100), "request {i} after the TTL took {took:?}: it waited for the JWKS");
        settle().await;
    }
    // The refetch hangs until its 5 s timeout, longer than this loop: it is the only one.
    assert_eq!(jwks.hits(), 2, "one background refetch in flight, not one per request");
}

#[tokio::test]
async fn an_outage_is_ridden_out_and_a_rotation_picked_up_after_it() {
    let old = TestKey::ec("old");
    let new = TestKey::rsa("new");
    let jwks = JwksServer::start(&[&old]);
    let v = verifier(&jwks, default_grace());
    let old_token = old.sign(&claims());
    v.verify(&old_token).await.expect("fetch");
    jwks.set_mode(JwksMode::Fail);
    tokio::time::sleep(TTL + Duration::from_millis(50)).await;
    for _ in 0..5 {
        let t0 = Instant::now();
        v.verify(&old_token).await.expect("cached key during the outage");
        assert!(t0.elapsed() < Duration::from_millis(100));
    }
    settle().await;
    assert_eq!(jwks.hits(), 2, "failed refetches are rate limited");
    // An unknown kid during the outage: refused, and quickly (the issuer fails fast here; a
    // hanging one is bounded by the fetch timeout and the interval).
    let t0 = Instant::now();
    assert!(v.verify(&new.sign(&claims())).await.is_err());
    assert!(t0.elapsed() < Duration::from_millis(100));
    let before = jwks.hits();

    // The issuer is back, with the old key retired.
    jwks.set_keys(&[&new]);
    jwks.set_mode(JwksMode::Serve);
    tokio::time::sleep(Duration::from_millis(250)).await;
    v.verify(&old_token).await.expect("still in grace; this request triggers the refetch");
    settle().await;
    assert_eq!(jwks.hits(), before + 1);
    v.verify(&new.sign(&claims())).await.expect("the new key, from the background refetch");
    assert_eq!(jwks.hits(), before + 1, "no fetch: the set is fresh");
    assert!(matches!(v.verify(&old_token).await, Err(AuthError::UnknownKey(_))), "a retired key stops verifying");
}

#[tokio::test]
async fn past_the_grace_period_an_unreachable_jwks_is_a_fast_error() {
    let key = TestKey::rsa("k1");
    let jwks = JwksServer::start(&[&key]);
    let v = verifier(&jwks, Duration::ZERO);
    let token = key.sign(&claims());
    v.verify(&token).await.expect("fetch");
    jwks.set_mode(JwksMode::Fail);
    tokio::time::sleep(TTL + Duration::from_millis(50)).await;
    assert!(matches!(v.verify(&token).await, Err(AuthError::Jwks(_))), "keys past TTL + grace are not trusted");
    for _ in 0..5 {
        let t0 = Instant::now();
        assert!(matches!(v.verify(&token).await, Err(AuthError::Jwks(_))));
        assert!(t0.elapsed() < Duration::from_millis(100));
    }
    assert_eq!(jwks.hits(), 2, "one attempt per interval");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_stampede_fetches_once() {
    let key = TestKey::ec("k1");
    let jwks = JwksServer::start(&[&key]);
    let v = std::sync::Arc::new(verifier(&jwks, default_grace()));
    let token = key.sign(&claims());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (v, token) = (v.clone(), token.clone());
            tokio::spawn(async move { v.verify(&token).await.map(|ok| ok.user_id) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("join").as_deref(), Ok("user-1"));
    }
    assert_eq!(jwks.hits(), 1);
}
