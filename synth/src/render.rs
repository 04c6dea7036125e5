//! Rendering: a stack's typed model becomes CloudFormation JSON (before validation reads it,
//! so validation sees exactly what will be written — overrides and tags included).

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::expr::to_json;
use crate::ids::LogicalId;
use crate::parallel;
use crate::resource::Tagging;
use crate::stack::{Entry, Override, Stack};

/// The template format version every template declares.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// One rendered resource, with what validation needs beside the JSON.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub logical_id: LogicalId,
    pub path: String,
    pub type_name: String,
    pub json: Json,
    /// Required properties the typed model lacks; an override may still provide them.
    pub missing_required: Vec<String>,
}

/// Every resource of `stack`, in declaration order, rendered on all cores (a 50-agent app has
/// ~3,000 resources, and rendering them is a fifth of its synth).
pub(crate) fn resources(stack: &Stack) -> Vec<Rendered> {
    let entries: Vec<(&LogicalId, &Entry)> = stack.resources.iter().collect();
    let tags = &stack.props.tags;
    parallel::map(&entries, |&(logical_id, entry)| Rendered {
        logical_id: logical_id.clone(),
        path: entry.path.clone(),
        type_name: entry.resource.type_name().to_owned(),
        json: resource(entry, tags),
        missing_required: entry.resource.missing_required(),
    })
}

fn resource(entry: &Entry, tags: &BTreeMap<String, String>) -> Json {
    let mut properties = entry.resource.properties();
    if !properties.is_object() {
        properties = Json::Object(Map::new());
    }
    apply_tags(&mut properties, entry.resource.tagging(), tags);

    let mut out = Map::new();
    out.insert("Type".into(), Json::String(entry.resource.type_name().to_owned()));
    if properties.as_object().is_some_and(|p| !p.is_empty()) {
        out.insert("Properties".into(), properties);
    }
    let o = &entry.options;
    if !o.depends_on.is_empty() {
        out.insert("DependsOn".into(), to_json(&o.depends_on));
    }
    if let Some(c) = &o.condition {
        out.insert("Condition".into(), Json::String(c.clone()));
    }
    if let Some(p) = o.deletion_policy {
        out.insert("DeletionPolicy".into(), Json::String(p.name().into()));
    }
    if let Some(p) = o.update_replace_policy {
        out.insert("UpdateReplacePolicy".into(), Json::String(p.name().into()));
    }
    // Justifications first; an explicit metadata entry of the same key replaces them.
    let mut metadata: Map<String, Json> = o.justifications.metadata().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    for (k, v) in &o.metadata {
        metadata.insert(k.clone(), to_json(v));
    }
    if !metadata.is_empty() {
        out.insert("Metadata".into(), Json::Object(metadata));
    }
    let mut json = Json::Object(out);
    for ov in &o.overrides {
        apply_override(&mut json, ov);
    }
    json
}

/// Adds the stack's tags a resource does not set itself, in key order.
fn apply_tags(properties: &mut Json, tagging: Tagging, tags: &BTreeMap<String, String>) {
    if tags.is_empty() {
        return;
    }
    let Some(props) = properties.as_object_mut() else { return };
    match tagging {
        Tagging::None => {}
        Tagging::List => {
            let list = props.entry("Tags").or_insert_with(|| Json::Array(Vec::new()));
            let Some(list) = list.as_array_mut() else { return };
            for (k, v) in tags {
                let present = list.iter().any(|t| t.get("Key").and_then(Json::as_str) == Some(k));
                if !present {
                    list.push(serde_json::json!({ "Key": k, "Value": v }));
                }
            }
        }
        Tagging::Map => {
            let map = props.entry("Tags").or_insert_with(|| Json::Object(Map::new()));
            let Some(map) = map.as_object_mut() else { return };
            for (k, v) in tags {
                map.entry(k.clone()).or_insert_with(|| Json::String(v.clone()));
            }
        }
    }
}

fn apply_override(json: &mut Json, ov: &Override) {
    let Some((last, parents)) = ov.path.split_last() else { return };
    let mut node = json;
    for part in parents {
        node = match node {
            Json::Array(items) => match part.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => item,
                None => return,
            },
            other => {
                if !other.is_object() {
                    *other = Json::Object(Map::new());
                }
                let Json::Object(map) = other else { return };
                map.entry(part.clone()).or_insert_with(|| Json::Object(Map::new()))
            }
        };
    }
    match (node, &ov.value) {
        (Json::Array(items), value) => {
            if let Ok(i) = last.parse::<usize>() {
                match value {
                    Some(v) if i < items.len() => items[i] = v.clone(),
                    Some(v) if i == items.len() => items.push(v.clone()),
                    None if i < items.len() => {
                        items.remove(i);
                    }
                    _ => {}
                }
            }
        }
        (Json::Object(map), Some(v)) => {
            map.insert(last.clone(), v.clone());
        }
        (Json::Object(map), None) => {
            map.shift_remove(last);
        }
        (other, Some(v)) => {
            let mut map = Map::new();
            map.insert(last.clone(), v.clone());
            *other = Json::Object(map);
        }
        (_, None) => {}
    }
}

/// The whole template, sections in CloudFormation's customary order, empty ones left out.
pub(crate) fn template(stack: &Stack, resources: Vec<Rendered>) -> Json {
    let mut t = Map::new();
    t.insert("AWSTemplateFormatVersion".into(), Json::String(FORMAT_VERSION.into()));
    if let Some(d) = &stack.props.description {
        t.insert("Description".into(), Json::String(d.clone()));
    }
    if !stack.parameters.is_empty() {
        t.insert("Parameters".into(), to_json(&stack.parameters));
    }
    if !stack.conditions.is_empty() {
        t.insert("Conditions".into(), to_json(&stack.conditions));
    }
    let mut rs = Map::new();
    for r in resources {
        rs.insert(r.logical_id.to_string(), r.json);
    }
    t.insert("Resources".into(), Json::Object(rs));
    if !stack.outputs.is_empty() {
        let mut outs = Map::new();
        for (name, o) in &stack.outputs {
            let mut out = Map::new();
            if let Some(d) = &o.description {
                out.insert("Description".into(), Json::String(d.clone()));
            }
            out.insert("Value".into(), to_json(&o.value));
            if let Some(e) = &o.export_name {
                out.insert("Export".into(), serde_json::json!({ "Name": to_json(e) }));
            }
            if let Some(c) = &o.condition {
                out.insert("Condition".into(), Json::String(c.name().to_owned()));
            }
            outs.insert(name.clone(), Json::Object(out));
        }
        t.insert("Outputs".into(), Json::Object(outs));
    }
    Json::Object(t)
}

/// The bytes written for a template: pretty JSON with a final newline.
pub(crate) fn to_text(template: &Json) -> String {
    // Sized up front (a resource takes about 1 KB of text): growing the buffer by doubling
    // copies it once more, and each step makes glibc's allocator consolidate its free lists.
    let resources = template.get("Resources").and_then(Json::as_object).map_or(0, Map::len);
    let mut bytes = Vec::with_capacity(4096 + resources * 1280);
    if serde_json::to_writer_pretty(&mut bytes, template).is_err() {
        return String::new();
    }
    bytes.push(b'\n');
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ov(path: &str, value: Option<Json>) -> Override {
        Override { path: path.split('.').map(str::to_owned).collect(), value }
    }

    #[test]
    fn overrides_create_replace_and_delete() {
        let mut j = json!({"Type": "T", "Properties": {"A": {"B": 1}, "L": [1, 2]}});
        apply_override(&mut j, &ov("Properties.A.C.D", Some(json!("x"))));
        apply_override(&mut j, &ov("Properties.A.B", None));
        apply_override(&mut j, &ov("Properties.L.1", Some(json!(5))));
        apply_override(&mut j, &ov("UpdatePolicy", Some(json!({"X": true}))));
        assert_eq!(j, json!({"Type": "T", "Properties": {"A": {"C": {"D": "x"}}, "L": [1, 5]}, "UpdatePolicy": {"X": true}}));
    }

    #[test]
    fn stack_tags_fill_in_without_overriding_resource_tags() {
        let tags = [("team".to_owned(), "ai".to_owned()), ("env".to_owned(), "dev".to_owned())].into_iter().collect();
        let mut list = json!({"Tags": [{"Key": "env", "Value": "prod"}]});
        apply_tags(&mut list, Tagging::List, &tags);
        assert_eq!(list, json!({"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "ai"}]}));
        let mut map = json!({});
        apply_tags(&mut map, Tagging::Map, &tags);
        assert_eq!(map, json!({"Tags": {"env": "dev", "team": "ai"}}));
        let mut none = json!({});
        apply_tags(&mut none, Tagging::None, &tags);
        assert_eq!(none, json!({}));
    }
}
