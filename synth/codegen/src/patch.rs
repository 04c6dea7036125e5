//! Upstream schema fixes as data: `synth/schemas/patches/*.json`.
//!
//! ```json
//! {
//!   "type": "AWS::Lambda::Function",
//!   "reason": "why the upstream schema is wrong for us",
//!   "operations": [
//!     {"op": "replace", "path": "/definitions/X/type", "expected": ["a", "b"], "value": "string"},
//!     {"op": "add", "path": "/definitions/Y/enum", "value": ["A", "B"]},
//!     {"op": "remove", "path": "/definitions/Z/oneOf", "expected": [..]}
//!   ]
//! }
//! ```
//!
//! Every operation states what it expects to find (`expected` for replace/remove, absence for
//! add), so a patch fails loudly once upstream has changed, instead of silently doing nothing.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value as J;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    #[serde(rename = "type")]
    pub type_name: String,
    pub reason: String,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum Operation {
    Replace { path: String, expected: J, value: J },
    Add { path: String, value: J },
    Remove { path: String, expected: J },
}

/// All patches, sorted by file name.
pub fn load(dir: &Path) -> Result<Vec<(String, Patch)>, String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(out) };
    let mut paths: Vec<_> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let patch: Patch = serde_json::from_str(&text).map_err(|e| format!("patches/{name}: {e}"))?;
        out.push((name, patch));
    }
    Ok(out)
}

fn split(path: &str) -> Result<(&str, String), String> {
    let (parent, last) = path.rsplit_once('/').ok_or_else(|| format!("`{path}` is not a JSON pointer"))?;
    Ok((parent, last.replace("~1", "/").replace("~0", "~")))
}

/// Applies one patch to a schema; an error names the patch and the operation that no longer fits.
pub fn apply(name: &str, patch: &Patch, schema: &mut J) -> Result<(), String> {
    for (i, op) in patch.operations.iter().enumerate() {
        let fail = |msg: String| {
            format!(
                "patch {name} operation {i} ({}: {}): {msg}; upstream changed — update or delete the patch",
                patch.type_name, patch.reason
            )
        };
        match op {
            Operation::Replace { path, expected, value } => {
                let target = schema.pointer_mut(path).ok_or_else(|| fail(format!("{path} does not exist")))?;
                if target != expected {
                    return Err(fail(format!("{path} is {target}, expected {expected}")));
                }
                *target = value.clone();
            }
            Operation::Add { path, value } => {
                let (parent, key) = split(path)?;
                let obj =
                    schema.pointer_mut(parent).and_then(J::as_object_mut).ok_or_else(|| fail(format!("{parent} is not an object")))?;
                if let Some(existing) = obj.get(&key) {
                    return Err(fail(format!("{path} already exists ({existing})")));
                }
                obj.insert(key, value.clone());
            }
            Operation::Remove { path, expected } => {
                let (parent, key) = split(path)?;
                let obj =
                    schema.pointer_mut(parent).and_then(J::as_object_mut).ok_or_else(|| fail(format!("{parent} is not an object")))?;
                match obj.get(&key) {
                    Some(v) if v == expected => {
                        obj.shift_remove(&key);
                    }
                    Some(v) => return Err(fail(format!("{path} is {v}, expected {expected}"))),
                    None => return Err(fail(format!("{path} does not exist"))),
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(ops: J) -> Patch {
        serde_json::from_value(json!({"type": "AWS::T::T", "reason": "test", "operations": ops})).unwrap()
    }

    #[test]
    fn applies_and_fails_loudly_when_upstream_changed() {
        let mut schema = json!({"definitions": {"A": {"type": ["string", "number"]}}});
        let p = patch(json!([
            {"op": "replace", "path": "/definitions/A/type", "expected": ["string", "number"], "value": "string"},
            {"op": "add", "path": "/definitions/A/enum", "value": ["X"]}
        ]));
        apply("p.json", &p, &mut schema).unwrap();
        assert_eq!(schema, json!({"definitions": {"A": {"type": "string", "enum": ["X"]}}}));
        // Applying again: the expected old value is gone.
        let err = apply("p.json", &p, &mut schema).unwrap_err();
        assert!(err.contains("upstream changed") && err.contains("/definitions/A/type"), "{err}");
        let rm = patch(json!([{"op": "remove", "path": "/definitions/A/enum", "expected": ["Y"]}]));
        assert!(apply("rm.json", &rm, &mut schema).is_err());
        let rm = patch(json!([{"op": "remove", "path": "/definitions/A/enum", "expected": ["X"]}]));
        apply("rm.json", &rm, &mut schema).unwrap();
        assert_eq!(schema, json!({"definitions": {"A": {"type": "string"}}}));
    }
}
