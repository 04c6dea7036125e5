//! Helpers shared by the authorizer's test files.
#![allow(dead_code)] // each test file uses its own subset

use serde_json::Value;

/// `claims` with `k` set to `v`.
pub fn with(mut claims: Value, k: &str, v: Value) -> Value {
    claims[k] = v;
    claims
}

/// `claims` without `k`.
pub fn without(mut claims: Value, k: &str) -> Value {
    if let Some(map) = claims.as_object_mut() {
        map.remove(k);
    }
    claims
}
