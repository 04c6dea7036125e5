//! A token's claims: typed access, the JSON types the RFCs require of them, and custom rules.

use serde_json::{Map, Value};

use super::AuthError;

/// Registered claims that must be JSON numbers (RFC 7519 §4.1.4–4.1.6, NumericDate).
const NUMBER_CLAIMS: [&str; 3] = ["exp", "nbf", "iat"];
/// Claims that must be strings when present: RFC 7519 `iss`, `sub`, `jti`; RFC 8693 `scope`;
/// RFC 9068 `client_id`; OIDC `azp`; Okta `cid`; Cognito `token_use`.
const STRING_CLAIMS: [&str; 8] = ["iss", "sub", "jti", "scope", "client_id", "azp", "cid", "token_use"];
/// Claims that are a string or an array of strings: RFC 7519 `aud`; `scp` (Okta: array,
/// Entra ID: space-separated string).
const STRING_OR_LIST_CLAIMS: [&str; 2] = ["aud", "scp"];

/// A token's claims.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claims(pub Map<String, Value>);

impl Claims {
    /// Claim `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Claim `name` when it is a string.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// The audiences in `aud` (a string or an array of strings; none when absent).
    pub fn audiences(&self) -> Vec<&str> {
        match self.0.get("aud") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
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

    /// Rejects a token whose registered claims have the wrong JSON type (a `null` included):
    /// a library that skips what it cannot parse would otherwise skip the check it carries —
    /// an `nbf` sent as a string, an `iss` sent as an array.
    pub fn check_types(&self) -> Result<(), AuthError> {
        let bad = |name: &str, want: &str| Err(AuthError::Malformed(format!("claim {name} is not {want}")));
        for name in NUMBER_CLAIMS {
            if self.get(name).is_some_and(|v| !v.is_number()) {
                return bad(name, "a number");
            }
        }
        for name in STRING_CLAIMS {
            if self.get(name).is_some_and(|v| !v.is_string()) {
                return bad(name, "a string");
            }
        }
        for name in STRING_OR_LIST_CLAIMS {
            let ok = match self.get(name) {
                None | Some(Value::String(_)) => true,
                Some(Value::Array(items)) => items.iter().all(Value::is_string),
                Some(_) => false,
            };
            if !ok {
                return bad(name, "a string or an array of strings");
            }
        }
        Ok(())
    }

    /// Rejects an `iat` later than `now + leeway` (a token from the future was not issued by a
    /// clock we trust).
    pub fn check_issued_at(&self, now: u64, leeway: u64) -> Result<(), AuthError> {
        match self.get("iat").and_then(Value::as_f64) {
            Some(iat) if iat > (now + leeway) as f64 => Err(AuthError::IssuedInFuture),
            _ => Ok(()),
        }
    }
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
    pub(super) fn check(&self, claims: &Claims) -> bool {
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
