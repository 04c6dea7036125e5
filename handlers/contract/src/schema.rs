//! JSON Schemas of the wire types for API Gateway request models.
//!
//! API Gateway models speak JSON Schema draft 4, so the schemas are generated with schemars'
//! draft-07 settings, every subschema inlined (no `$ref`, which API Gateway would resolve
//! against other models), and `$schema` set to draft 4; a test keeps out draft-6+ keywords.
//!
//! ```
//! let schema = agentcdk_contract::chat_request_schema();
//! assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
//! assert_eq!(schema["required"][0], "message");
//! ```

use schemars::{generate::SchemaSettings, JsonSchema};
use serde_json::Value;

/// `$schema` of draft 4, the dialect of API Gateway models.
pub const DRAFT4: &str = "http://json-schema.org/draft-04/schema#";

/// Draft-4 friendly JSON Schema of `T`: inlined, `$schema` = [`DRAFT4`].
pub fn draft4_schema_for<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = Some(DRAFT4.into());
        })
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    strip_formats(&mut schema);
    schema
}

/// Removes schemars' integer `format`s (`uint32`, ...), which draft 4 does not know.
fn strip_formats(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("int") || f.starts_with("uint") || f == "float" || f == "double")
            {
                map.remove("format");
            }
            map.values_mut().for_each(strip_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_formats),
        _ => {}
    }
}

/// Schema of [`crate::wire::ChatRequest`], the body of POST chat, for the API Gateway Model.
pub fn chat_request_schema() -> Value {
    draft4_schema_for::<crate::wire::ChatRequest>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    out.push(k.clone());
                    keys(v, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }

    #[test]
    fn chat_request_schema_is_draft4_friendly() {
        let s = chat_request_schema();
        assert_eq!(s["$schema"], DRAFT4);
        assert_eq!(s["type"], "object");
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["properties"]["message"]["minLength"], 1);
        assert_eq!(s["properties"]["message"]["maxLength"], 32768);
        assert_eq!(s["properties"]["session_id"]["pattern"], crate::wire::SESSION_ID_PATTERN);
        assert_eq!(s["required"], serde_json::json!(["message"]));
        let mut all = Vec::new();
        keys(&s, &mut all);
        for banned in ["$ref", "$defs", "const", "examples", "contains", "propertyNames"] {
            assert!(!all.iter().any(|k| k == banned), "{banned} in {s}");
        }
    }
}
