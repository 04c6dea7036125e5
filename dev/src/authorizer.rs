//! Lambda authorizers as API Gateway calls them ("Use API Gateway Lambda authorizers",
//! docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html):
//! - TOKEN: the identity source header is the `authorizationToken`; REQUEST: the whole request
//!   (headers, query, path, context). A missing identity source answers 401 without calling the
//!   function.
//! - The function's answer: a policy (`principalId`, `policyDocument`, `context`) — an `Allow`
//!   on the method ARN lets the request through with the context passed on to the integration
//!   (`requestContext.authorizer`); a `Deny` (or no matching `Allow`) is 403; an error whose
//!   message is `Unauthorized` is 401; any other failure is 500 (AUTHORIZER_FAILURE).
//! - Caching: the policy is cached by the identity source values for
//!   `AuthorizerResultTtlInSeconds` (default 300 s, 0 = off) and evaluated against each method
//!   ARN, so a cached policy scoped to one method denies another.

use agentcdk_synth::policy::wildcard_match;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::lambda::{Function, Reply};

/// TOKEN or REQUEST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The token header alone.
    Token,
    /// The request.
    Request,
}

/// Where an identity source value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `method.request.header.X` / `route.request.header.X`.
    Header(String),
    /// `method.request.querystring.X` / `route.request.querystring.X`.
    Query(String),
}

/// An authorizer of an API.
#[derive(Debug)]
pub struct Authorizer {
    /// TOKEN or REQUEST.
    pub kind: Kind,
    /// The function.
    pub function: Function,
    /// Identity sources (TOKEN: exactly one header).
    pub sources: Vec<Source>,
    /// Cache TTL (zero: no caching).
    pub ttl: Duration,
    cache: Mutex<HashMap<String, (Instant, Value)>>,
    /// How many times the function was called (the cache's effect, for the tests).
    pub calls: AtomicU64,
}

/// The verdict for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Allowed: `requestContext.authorizer` (principalId + context).
    Allow(Map<String, Value>),
    /// 401.
    Unauthorized,
    /// 403.
    Denied,
    /// 500: the authorizer failed.
    Failed,
}

impl Authorizer {
    /// An authorizer; `ttl` from `AuthorizerResultTtlInSeconds` (default 300 s).
    pub fn new(kind: Kind, function: Function, sources: Vec<Source>, ttl: Duration) -> Self {
        Self { kind, function, sources, ttl, cache: Mutex::new(HashMap::new()), calls: AtomicU64::new(0) }
    }

    /// Parses `method.request.header.Authorization`-style identity sources (comma-separated or a list).
    pub fn parse_sources(v: &Value) -> Vec<Source> {
        let items: Vec<String> = match v {
            Value::String(s) => s.split(',').map(|p| p.trim().to_owned()).collect(),
            Value::Array(a) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        items
            .iter()
            .filter_map(|s| {
                let rest = s.strip_prefix("method.request.").or_else(|| s.strip_prefix("route.request."))?;
                if let Some(h) = rest.strip_prefix("header.") {
                    Some(Source::Header(h.to_owned()))
                } else {
                    rest.strip_prefix("querystring.").map(|q| Source::Query(q.to_owned()))
                }
            })
            .collect()
    }

    /// Decides for a request. `headers`/`query` are the request's; `event` is the REQUEST
    /// authorizer event (built by the front door); `method_arn` the ARN being invoked.
    pub async fn authorize(
        &self,
        headers: &HashMap<String, String>,
        query: &HashMap<String, String>,
        event: Value,
        method_arn: &str,
    ) -> Verdict {
        let mut identity = Vec::new();
        for s in &self.sources {
            let v = match s {
                Source::Header(h) => headers.get(&h.to_ascii_lowercase()),
                Source::Query(q) => query.get(q),
            };
            match v.filter(|v| !v.is_empty()) {
                Some(v) => identity.push(v.clone()),
                None => return Verdict::Unauthorized,
            }
        }
        let key = identity.join("\u{0}");
        let cached = self.ttl > Duration::ZERO && !self.sources.is_empty();
        if cached {
            if let Some((at, policy)) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
                if at.elapsed() < self.ttl {
                    return evaluate(&policy, method_arn);
                }
            }
        }
        let event = match self.kind {
            Kind::Token => {
                json!({"type": "TOKEN", "authorizationToken": identity.first().cloned().unwrap_or_default(), "methodArn": method_arn})
            }
            Kind::Request => event,
        };
        self.calls.fetch_add(1, Ordering::SeqCst);
        let policy = match self.function.invoke(event).await {
            Ok(Reply::Buffered(b)) => match serde_json::from_slice::<Value>(&b) {
                Ok(v) => v,
                Err(_) => return Verdict::Failed,
            },
            Ok(Reply::Error(e)) if e["errorMessage"] == "Unauthorized" => return Verdict::Unauthorized,
            _ => return Verdict::Failed,
        };
        if cached {
            if let Ok(mut c) = self.cache.lock() {
                c.insert(key, (Instant::now(), policy.clone()));
            }
        }
        evaluate(&policy, method_arn)
    }
}

/// An explicit Deny wins; else an Allow whose resource matches the ARN (`*` and `?` wildcards).
fn evaluate(policy: &Value, method_arn: &str) -> Verdict {
    let statements = match &policy["policyDocument"]["Statement"] {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![policy["policyDocument"]["Statement"].clone()],
        _ => return Verdict::Failed,
    };
    let matches = |s: &Value| {
        let res = match &s["Resource"] {
            Value::String(r) => vec![r.clone()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => vec![],
        };
        res.iter().any(|r| wildcard_match(r, method_arn))
    };
    if statements.iter().any(|s| s["Effect"] == "Deny" && matches(s)) {
        return Verdict::Denied;
    }
    if !statements.iter().any(|s| s["Effect"] == "Allow" && matches(s)) {
        return Verdict::Denied;
    }
    let mut ctx = policy["context"].as_object().cloned().unwrap_or_default();
    ctx.insert("principalId".into(), policy["principalId"].clone());
    Verdict::Allow(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_wins_and_allow_must_match_the_method_arn() {
        let allow = json!({"principalId": "u", "policyDocument": {"Statement": [{"Effect": "Allow", "Resource": ["arn:x:api/stage/*"]}]}, "context": {"userId": "u"}});
        let Verdict::Allow(ctx) = evaluate(&allow, "arn:x:api/stage/POST/chat") else { panic!("allowed") };
        assert_eq!(ctx["userId"], "u");
        assert_eq!(ctx["principalId"], "u");
        assert_eq!(evaluate(&allow, "arn:x:api/other/POST/chat"), Verdict::Denied);
        let deny = json!({"principalId": "u", "policyDocument": {"Statement": [{"Effect": "Deny", "Resource": "*"}, {"Effect": "Allow", "Resource": "*"}]}});
        assert_eq!(evaluate(&deny, "arn:x"), Verdict::Denied);
    }
}
