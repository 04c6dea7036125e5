//! From a registry schema (JSON Schema) to the model the templates render: structs, enums,
//! attributes and tagging of one resource type.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value as J};

use crate::naming::{snake_case, type_name, variant_name};

/// The Rust type of a property value (inside `Value<..>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Num,
    Bool,
    Json,
    List(Box<Ty>),
    Map(Box<Ty>),
    Struct(String),
    Enum(String),
}

impl Ty {
    /// The Rust spelling, relative to a generated file (which imports `Value`, `Json`, `IndexMap`).
    pub fn rust(&self) -> String {
        match self {
            Ty::Str => "String".into(),
            Ty::Int => "i64".into(),
            Ty::Num => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Json => "Json".into(),
            Ty::List(t) => format!("Vec<Value<{}>>", t.rust()),
            Ty::Map(t) => format!("IndexMap<String, Value<{}>>", t.rust()),
            Ty::Struct(n) | Ty::Enum(n) => n.clone(),
        }
    }

    /// Whether a struct is reachable through this type (so `Required` must recurse into it).
    pub fn has_struct(&self) -> bool {
        match self {
            Ty::Struct(_) => true,
            Ty::List(t) | Ty::Map(t) => t.has_struct(),
            _ => false,
        }
    }

    pub fn uses_json(&self) -> bool {
        match self {
            Ty::Json => true,
            Ty::List(t) | Ty::Map(t) => t.uses_json(),
            _ => false,
        }
    }

    pub fn uses_map(&self) -> bool {
        match self {
            Ty::Map(_) => true,
            Ty::List(t) => t.uses_map(),
            _ => false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    /// Rust field name.
    pub rust: String,
    /// Property name in the template.
    pub schema: String,
    pub ty: Ty,
    /// `Box` breaks a cycle of directly nested structs.
    pub boxed: bool,
    pub required: bool,
    pub doc: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub doc: Vec<String>,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub doc: Vec<String>,
    pub variants: Vec<Variant>,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    /// Dotted attribute name (`Endpoint.Address`).
    pub name: String,
    /// `attr_endpoint_address`.
    pub method: String,
    pub doc: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tagging {
    None,
    List,
    Map,
}

impl Tagging {
    pub fn rust(self) -> &'static str {
        match self {
            Tagging::None => "None",
            Tagging::List => "List",
            Tagging::Map => "Map",
        }
    }
}

/// One resource type, ready to render.
#[derive(Clone, Debug)]
pub struct Resource {
    /// `AWS::SQS::Queue`.
    pub type_name: String,
    /// The resource struct (`Queue`); also `structs[0]`.
    pub name: String,
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    pub attributes: Vec<Attribute>,
    pub tagging: Tagging,
    /// Structs that are held in a `Box` somewhere (need `From`/`Required` for `Box<T>`).
    pub boxed: BTreeSet<String>,
}

/// Names a generated type must not take (they are used unqualified in generated code).
const RESERVED: &[&str] = &["String", "Vec", "Option", "Box", "Value", "Json", "IndexMap", "Result", "Default", "Some", "None", "Self"];

struct Builder<'a> {
    root: &'a J,
    type_name: String,
    resource_name: String,
    readonly: BTreeSet<String>,
    /// Type names of all definitions: inline types avoid them, so a definition keeps its name.
    def_names: HashSet<String>,
    used: HashSet<String>,
    memo: HashMap<String, Ty>,
    in_progress: HashSet<String>,
    /// A definition name the next allocated type may take (the items of an array definition).
    claimable: Option<String>,
    structs: Vec<StructDef>,
    enums: Vec<EnumDef>,
}

/// Builds the model of one resource type from its (patched) registry schema.
/// `extra_attributes`: documented GetAtt attributes missing from `readOnlyProperties`.
pub fn build(schema: &J, extra_attributes: &[String]) -> Result<Resource, String> {
    let type_name_full = schema.get("typeName").and_then(J::as_str).ok_or("schema has no typeName")?.to_owned();
    let short = type_name_full.rsplit("::").next().unwrap_or(&type_name_full);
    let resource_name = type_name(short);
    let readonly: BTreeSet<String> = str_list(schema.get("readOnlyProperties")).into_iter().collect();
    let def_names = schema.get("definitions").and_then(J::as_object).map(|d| d.keys().map(|k| type_name(k)).collect()).unwrap_or_default();
    let mut b = Builder {
        root: schema,
        type_name: type_name_full.clone(),
        resource_name: resource_name.clone(),
        readonly,
        def_names,
        used: HashSet::from([resource_name.clone()]),
        memo: HashMap::new(),
        in_progress: HashSet::new(),
        claimable: None,
        structs: Vec::new(),
        enums: Vec::new(),
    };

    let deprecated: HashSet<String> = str_list(schema.get("deprecatedProperties"))
        .into_iter()
        .filter_map(|p| p.strip_prefix("/properties/").map(str::to_owned))
        .collect();
    let props = schema.get("properties").and_then(J::as_object).cloned().unwrap_or_default();
    let required = str_list(schema.get("required"));
    let fields = b.fields(&props, &required, "/properties", &resource_name, &deprecated);
    let mut doc = schema.get("description").and_then(J::as_str).map(sanitize_doc).unwrap_or_default();
    if !doc.is_empty() {
        doc.push(String::new());
    }
    doc.push(format!("CloudFormation resource type `{type_name_full}`; this struct is its `Properties` object."));
    let resource = StructDef { name: resource_name.clone(), doc, fields };

    let mut structs = std::mem::take(&mut b.structs);
    structs.sort_by(|a, b| a.name.cmp(&b.name));
    structs.insert(0, resource);
    let mut enums = std::mem::take(&mut b.enums);
    enums.sort_by(|a, b| a.name.cmp(&b.name));
    let boxed = break_cycles(&mut structs);

    let attributes = b.attributes(extra_attributes)?;
    let tagging = b.tagging();
    Ok(Resource { type_name: type_name_full, name: resource_name, structs, enums, attributes, tagging, boxed })
}

fn str_list(v: Option<&J>) -> Vec<String> {
    v.and_then(J::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

impl Builder<'_> {
    /// The fields of a struct: properties sorted by name, read-only ones left out.
    fn fields(&mut self, props: &Map<String, J>, required: &[String], path: &str, parent: &str, skip: &HashSet<String>) -> Vec<Field> {
        let mut names: Vec<&String> = props.keys().collect();
        names.sort();
        let mut fields = Vec::new();
        let mut taken = HashSet::new();
        for name in names {
            let prop_path = format!("{path}/{name}");
            if self.readonly.contains(&prop_path) || skip.contains(name) {
                continue;
            }
            let node = &props[name];
            let ty = self.resolve(node, &prop_path, &type_name(name), parent, None);
            let is_required = required.iter().any(|r| r == name);
            let mut doc = self.describe(node);
            let facts = facts(node, is_required);
            if !facts.is_empty() {
                if !doc.is_empty() {
                    doc.push(String::new());
                }
                doc.push(facts.join(" "));
            }
            let mut rust = snake_case(name);
            while !taken.insert(rust.clone()) {
                rust.push('_');
            }
            fields.push(Field { rust, schema: name.clone(), ty, boxed: false, required: is_required, doc });
        }
        fields
    }

    /// A node's description, or the description of the definition it refers to.
    fn describe(&self, node: &J) -> Vec<String> {
        if let Some(d) = node.get("description").and_then(J::as_str) {
            return sanitize_doc(d);
        }
        if let Some(target) = node.get("$ref").and_then(J::as_str).and_then(|r| self.pointer(r)) {
            if let Some(d) = target.get("description").and_then(J::as_str) {
                return sanitize_doc(d);
            }
        }
        Vec::new()
    }

    fn pointer(&self, reference: &str) -> Option<&J> {
        self.root.pointer(reference.strip_prefix('#')?)
    }

    /// Picks a free type name: the hint, then `<Parent><Hint>`, then numbered.
    fn alloc_name(&mut self, hint: &str, parent: &str, is_def: bool) -> String {
        let mut candidates = Vec::new();
        if hint == self.resource_name || RESERVED.contains(&hint) {
            candidates.push(format!("{hint}Property"));
        } else {
            candidates.push(hint.to_owned());
        }
        if !parent.is_empty() && parent != hint {
            candidates.push(format!("{parent}{hint}"));
        }
        let claimable = self.claimable.take();
        for c in &candidates {
            let clashes_def = !is_def && self.def_names.contains(c) && claimable.as_ref() != Some(c);
            if !clashes_def && !self.used.contains(c) && !RESERVED.contains(&c.as_str()) {
                self.used.insert(c.clone());
                return c.clone();
            }
        }
        let base = candidates.last().cloned().unwrap_or_else(|| hint.to_owned());
        let mut i = 2;
        loop {
            let c = format!("{base}{i}");
            if !self.used.contains(&c) && !self.def_names.contains(&c) {
                self.used.insert(c.clone());
                return c;
            }
            i += 1;
        }
    }

    fn resolve_def(&mut self, def: &str, path: &str) -> Ty {
        if let Some(t) = self.memo.get(def) {
            return t.clone();
        }
        if self.in_progress.contains(def) {
            // A cycle through a definition that is not a struct (an array or map of itself):
            // nothing sensible to name, so it stays untyped.
            return Ty::Json;
        }
        let Some(node) = self.root.pointer(&format!("/definitions/{}", escape_pointer(def))) else {
            return Ty::Json;
        };
        self.in_progress.insert(def.to_owned());
        let ty = self.resolve(node, path, &type_name(def), "", Some(def));
        self.in_progress.remove(def);
        self.memo.insert(def.to_owned(), ty.clone());
        ty
    }

    /// The type of a schema node. `hint` names a struct/enum made for it; `def` is set when the
    /// node is a definition (so recursive references find the struct being built).
    fn resolve(&mut self, node: &J, path: &str, hint: &str, parent: &str, def: Option<&str>) -> Ty {
        let Some(obj) = node.as_object() else { return Ty::Json };
        if let Some(r) = obj.get("$ref").and_then(J::as_str) {
            if let Some(name) = r.strip_prefix("#/definitions/") {
                return self.resolve_def(&unescape_pointer(name), path);
            }
            return match self.pointer(r).cloned() {
                Some(target) => {
                    let last = r.rsplit('/').next().unwrap_or(hint);
                    self.resolve(&target, path, &type_name(last), parent, None)
                }
                None => Ty::Json,
            };
        }
        if let Some(all) = obj.get("allOf").and_then(J::as_array) {
            let typed: Vec<&J> = all.iter().filter(|a| is_typed(a)).collect();
            if typed.len() == 1 && !is_typed_self(obj) {
                return self.resolve(typed[0], path, hint, parent, def);
            }
        }
        let types: Vec<&str> = match obj.get("type") {
            Some(J::String(s)) => vec![s.as_str()],
            Some(J::Array(a)) => a.iter().filter_map(J::as_str).collect(),
            _ => Vec::new(),
        };
        let has_props = obj.get("properties").and_then(J::as_object).is_some_and(|p| !p.is_empty());
        if has_props && (types.is_empty() || types.contains(&"object")) {
            return self.make_struct(obj, path, hint, parent, def);
        }
        match types.as_slice() {
            [] => {
                if let Some(values) = obj.get("enum").and_then(J::as_array) {
                    if values.iter().all(J::is_string) {
                        return self.make_enum(obj, values, hint, parent, def);
                    }
                }
                self.resolve_union(obj, path, hint, parent, def)
            }
            ["string"] => match obj.get("enum").and_then(J::as_array) {
                Some(values) if values.iter().all(J::is_string) && !values.is_empty() => self.make_enum(obj, values, hint, parent, def),
                _ => Ty::Str,
            },
            ["integer"] => Ty::Int,
            ["number"] | ["integer", "number"] | ["number", "integer"] => Ty::Num,
            ["boolean"] => Ty::Bool,
            ["array"] => self.resolve_array(obj, path, hint, parent, def),
            ["object"] => self.resolve_object(obj, path, hint, parent, def),
            _ => Ty::Json,
        }
    }

    /// An array: its items' type (an array definition lends its name to the item type).
    fn resolve_array(&mut self, obj: &Map<String, J>, path: &str, hint: &str, parent: &str, def: Option<&str>) -> Ty {
        match obj.get("items") {
            Some(items) if items.is_object() => {
                // An array definition names no type itself: its item type takes the name.
                if def.is_some() {
                    self.claimable = Some(hint.to_owned());
                }
                let item = self.resolve(items, &format!("{path}/*"), hint, parent, None);
                self.claimable = None;
                Ty::List(Box::new(item))
            }
            _ => Ty::List(Box::new(Ty::Json)),
        }
    }

    /// An object without properties: a map (pattern or additional properties), a marker
    /// struct, or a union.
    fn resolve_object(&mut self, obj: &Map<String, J>, path: &str, hint: &str, parent: &str, def: Option<&str>) -> Ty {
        if let Some(pp) = obj.get("patternProperties").and_then(J::as_object) {
            let mut tys = Vec::new();
            for v in pp.values() {
                tys.push(self.resolve(v, &format!("{path}/*"), hint, parent, None));
            }
            tys.dedup();
            return match tys.as_slice() {
                [one] => Ty::Map(Box::new(one.clone())),
                _ => Ty::Json,
            };
        }
        match obj.get("additionalProperties") {
            Some(ap @ J::Object(_)) => {
                let v = self.resolve(ap, &format!("{path}/*"), hint, parent, None);
                return Ty::Map(Box::new(v));
            }
            Some(J::Bool(false)) if !obj.contains_key("oneOf") && !obj.contains_key("anyOf") => {
                // An object that takes no properties at all (a marker like WAF's `All: {}`).
                return self.make_struct(obj, path, hint, parent, def);
            }
            _ => {}
        }
        self.resolve_union(obj, path, hint, parent, def)
    }

    /// `oneOf`/`anyOf`: alternatives that are all objects with properties merge into one struct
    /// (every field optional unless every alternative requires it); free-form alternatives are
    /// dropped; one remaining alternative is used as is; anything else is `Json`.
    fn resolve_union(&mut self, obj: &Map<String, J>, path: &str, hint: &str, parent: &str, def: Option<&str>) -> Ty {
        let Some(alts) = obj.get("oneOf").or_else(|| obj.get("anyOf")).and_then(J::as_array) else {
            return Ty::Json;
        };
        let mut flat = Vec::new();
        if !self.flatten_alternatives(alts, &mut flat, 0) {
            return Ty::Json;
        }
        // Drop free-form alternatives (`{"type": ["object", "string"], "format": "json"}`).
        let (typed, originals): (Vec<J>, Vec<J>) = flat.into_iter().filter(|(a, _)| !is_free_form(a)).unzip();
        if typed.is_empty() {
            return Ty::Json;
        }
        if typed.iter().all(is_object_with_properties) {
            let mut props = Map::new();
            let mut required: Option<BTreeSet<String>> = None;
            for a in &typed {
                for (k, v) in a["properties"].as_object().into_iter().flatten() {
                    props.entry(k.clone()).or_insert_with(|| v.clone());
                }
                let req: BTreeSet<String> = str_list(a.get("required")).into_iter().collect();
                required = Some(match required {
                    None => req,
                    Some(r) => r.intersection(&req).cloned().collect(),
                });
            }
            let mut merged = obj.clone();
            if typed.len() > 1 {
                let names: Vec<String> = props.keys().map(|k| format!("`{k}`")).collect();
                let how = if obj.contains_key("oneOf") { "exactly one" } else { "at least one" };
                let note = format!("Set {how} of: {}.", names.join(", "));
                let text = match obj.get("description").and_then(J::as_str) {
                    Some(d) => format!("{d}\n\n{note}"),
                    None => note,
                };
                merged.insert("description".into(), J::String(text));
            }
            merged.remove("oneOf");
            merged.remove("anyOf");
            merged.insert("properties".into(), J::Object(props));
            merged.insert("required".into(), required.unwrap_or_default().into_iter().map(J::String).collect());
            return self.make_struct(&merged, path, hint, parent, def);
        }
        if typed.len() == 1 {
            // Resolve the alternative as written, so a `$ref` keeps its definition's type name.
            let mut only = originals[0].clone();
            if let (Some(o), Some(d)) = (only.as_object_mut(), obj.get("description")) {
                o.entry("description").or_insert_with(|| d.clone());
            }
            return self.resolve(&only, path, hint, parent, def);
        }
        Ty::Json
    }

    /// Inlines `$ref`s and nested `oneOf`-only alternatives. False when too deep (a cycle).
    /// Each entry is (alternative with `$ref` followed, alternative as written).
    fn flatten_alternatives(&self, alts: &[J], out: &mut Vec<(J, J)>, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        for alt in alts {
            let resolved = match alt.get("$ref").and_then(J::as_str) {
                // Keep refs to definitions that are real structs as refs only when they have
                // properties: merging their properties in is what makes the union a struct.
                Some(r) => match self.pointer(r) {
                    Some(t) => t.clone(),
                    None => return false,
                },
                None => alt.clone(),
            };
            let nested = resolved.get("oneOf").or_else(|| resolved.get("anyOf")).and_then(J::as_array);
            let has_props = resolved.get("properties").is_some();
            match nested {
                Some(n) if !has_props => {
                    if !self.flatten_alternatives(n, out, depth + 1) {
                        return false;
                    }
                }
                _ => out.push((resolved, alt.clone())),
            }
        }
        true
    }

    fn make_struct(&mut self, obj: &Map<String, J>, path: &str, hint: &str, parent: &str, def: Option<&str>) -> Ty {
        let name = self.alloc_name(hint, parent, def.is_some());
        if let Some(d) = def {
            self.memo.insert(d.to_owned(), Ty::Struct(name.clone()));
        }
        let props = obj.get("properties").and_then(J::as_object).cloned().unwrap_or_default();
        let required = str_list(obj.get("required"));
        let fields = self.fields(&props, &required, path, &name, &HashSet::new());
        let mut doc = obj.get("description").and_then(J::as_str).map(sanitize_doc).unwrap_or_default();
        if doc.is_empty() {
            doc.push(format!("Property type `{hint}` of `{}`.", self.type_name));
        }
        self.structs.push(StructDef { name: name.clone(), doc, fields });
        Ty::Struct(name)
    }

    fn make_enum(&mut self, obj: &Map<String, J>, values: &[J], hint: &str, parent: &str, def: Option<&str>) -> Ty {
        let name = self.alloc_name(hint, parent, def.is_some());
        if let Some(d) = def {
            self.memo.insert(d.to_owned(), Ty::Enum(name.clone()));
        }
        let mut variants: Vec<Variant> = Vec::new();
        let mut seen_values = HashSet::new();
        for v in values.iter().filter_map(J::as_str) {
            if !seen_values.insert(v) {
                continue;
            }
            let base = variant_name(v);
            let mut vname = base.clone();
            let mut i = 2;
            while variants.iter().any(|x| x.name == vname) {
                vname = format!("{base}{i}");
                i += 1;
            }
            variants.push(Variant { name: vname, value: v.to_owned() });
        }
        let mut doc =
            if def.is_some() { obj.get("description").and_then(J::as_str).map(sanitize_doc).unwrap_or_default() } else { Vec::new() };
        if doc.is_empty() {
            doc.push(format!("Allowed values of `{hint}` in `{}`.", self.type_name));
        }
        self.enums.push(EnumDef { name: name.clone(), doc, variants });
        Ty::Enum(name)
    }

    /// `readOnlyProperties` as GetAtt attributes (list items, `/*/`, cannot be addressed).
    fn attributes(&self, extra: &[String]) -> Result<Vec<Attribute>, String> {
        let mut attrs: BTreeMap<String, Attribute> = BTreeMap::new();
        let mut methods = HashSet::new();
        let mut paths: Vec<String> = self.readonly.iter().cloned().collect();
        for e in extra {
            let segments: Vec<&str> = e.split('.').collect();
            if self.node_at(&segments).is_none() {
                return Err(format!("extra attribute {e} is not a property of the schema"));
            }
            paths.push(format!("/properties/{}", segments.join("/")));
        }
        for p in &paths {
            let Some(rest) = p.strip_prefix("/properties/") else { continue };
            let segments: Vec<&str> = rest.split('/').collect();
            if segments.contains(&"*") {
                continue;
            }
            let name = segments.join(".");
            if attrs.contains_key(&name) {
                continue;
            }
            let mut method =
                format!("attr_{}", segments.iter().map(|s| snake_case(s).trim_end_matches('_').to_owned()).collect::<Vec<_>>().join("_"));
            while !methods.insert(method.clone()) {
                method.push('_');
            }
            let doc = self.node_at(&segments).map(|n| self.describe(n)).unwrap_or_default();
            attrs.insert(name.clone(), Attribute { name, method, doc });
        }
        Ok(attrs.into_values().collect())
    }

    /// The schema node of a (nested) property, following `$ref`s.
    fn node_at(&self, segments: &[&str]) -> Option<&J> {
        let mut node = self.root.get("properties")?.get(segments[0])?;
        for s in &segments[1..] {
            node = self.deref(node);
            node = node.get("properties")?.get(*s)?;
        }
        Some(node)
    }

    fn deref<'n>(&'n self, mut node: &'n J) -> &'n J {
        for _ in 0..8 {
            match node.get("$ref").and_then(J::as_str).and_then(|r| self.pointer(r)) {
                Some(t) => node = t,
                None => break,
            }
        }
        node
    }

    /// How the type takes tags: from the `tagging` block and the shape of its tag property.
    fn tagging(&self) -> Tagging {
        let tagging = self.root.get("tagging");
        if tagging.and_then(|t| t.get("taggable")).and_then(J::as_bool) == Some(false) {
            return Tagging::None;
        }
        let prop = tagging.and_then(|t| t.get("tagProperty")).and_then(J::as_str).unwrap_or("/properties/Tags");
        let Some(node) = self.root.pointer(prop) else { return Tagging::None };
        let node = self.deref(node);
        let types: Vec<&str> = match node.get("type") {
            Some(J::String(s)) => vec![s.as_str()],
            Some(J::Array(a)) => a.iter().filter_map(J::as_str).collect(),
            _ => Vec::new(),
        };
        if types.contains(&"array") {
            let item = node.get("items").map(|i| self.deref(i));
            let props = item.and_then(|i| i.get("properties"));
            if props.is_some_and(|p| p.get("Key").is_some() && p.get("Value").is_some()) {
                return Tagging::List;
            }
            return Tagging::None;
        }
        if types.contains(&"object") && node.get("properties").is_none() {
            return Tagging::Map;
        }
        Tagging::None
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// Carries type information (not just annotations like `default` or `description`).
fn is_typed(node: &J) -> bool {
    node.as_object().is_some_and(is_typed_self)
}

fn is_typed_self(o: &Map<String, J>) -> bool {
    ["$ref", "type", "properties", "enum", "items", "oneOf", "anyOf", "patternProperties"].iter().any(|k| o.contains_key(*k))
}

/// An object schema with at least one property (not an array that happens to carry `properties`).
fn is_object_with_properties(node: &J) -> bool {
    let has_props = node.get("properties").and_then(J::as_object).is_some_and(|p| !p.is_empty());
    let object_type = match node.get("type") {
        None => true,
        Some(J::String(s)) => s == "object",
        Some(J::Array(a)) => a.iter().any(|t| t == "object"),
        Some(_) => false,
    };
    has_props && object_type
}

/// `{"type": ["object", "string"], "format": "json"}` and friends: accepts anything.
fn is_free_form(node: &J) -> bool {
    let Some(o) = node.as_object() else { return true };
    if o.contains_key("properties") || o.contains_key("$ref") || o.contains_key("items") || o.contains_key("enum") {
        return false;
    }
    match o.get("type") {
        Some(J::Array(_)) => true,
        Some(J::String(s)) => s == "object" && !o.contains_key("patternProperties") && !o.contains_key("additionalProperties"),
        _ => !o.contains_key("oneOf") && !o.contains_key("anyOf"),
    }
}

/// Cheap facts about allowed values, for the field's doc comment.
fn facts(node: &J, required: bool) -> Vec<String> {
    let mut out = Vec::new();
    if required {
        out.push("Required.".to_owned());
    }
    let num = |k: &str| node.get(k).filter(|v| v.is_number()).map(|v| v.to_string());
    match (num("minLength"), num("maxLength")) {
        (Some(a), Some(b)) => out.push(format!("Length: {a}..={b}.")),
        (Some(a), None) => out.push(format!("Minimum length: {a}.")),
        (None, Some(b)) => out.push(format!("Maximum length: {b}.")),
        _ => {}
    }
    match (num("minimum"), num("maximum")) {
        (Some(a), Some(b)) => out.push(format!("Range: {a}..={b}.")),
        (Some(a), None) => out.push(format!("Minimum: {a}.")),
        (None, Some(b)) => out.push(format!("Maximum: {b}.")),
        _ => {}
    }
    match (num("minItems"), num("maxItems")) {
        (Some(a), Some(b)) => out.push(format!("Items: {a}..={b}.")),
        (Some(a), None) => out.push(format!("Minimum items: {a}.")),
        (None, Some(b)) => out.push(format!("Maximum items: {b}.")),
        _ => {}
    }
    if let Some(p) = node.get("pattern").and_then(J::as_str) {
        if !p.contains('`') && !p.contains('\n') {
            out.push(format!("Pattern: `{p}`."));
        }
    }
    if let Some(values) = node.get("enum").and_then(J::as_array) {
        if !values.iter().all(J::is_string) {
            let vals: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            out.push(format!("Allowed values: {}.", vals.join(", ")));
        }
    }
    if let Some(d) = node.get("default") {
        let text = match d {
            J::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !text.contains('`') && !text.contains('\n') && text.len() < 200 {
            out.push(format!("Default: `{text}`."));
        }
    }
    out
}

/// Makes a schema description safe as a doc comment: no indentation (so nothing becomes an
/// indented code block), no code fences (so nothing becomes a doctest), no tabs, no blank runs.
pub fn sanitize_doc(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n").replace('\t', " ");
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim().replace("```", "'''").replace("~~~", "'''");
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Puts `Box` on struct fields that would otherwise make a struct contain itself (directly or
/// through other structs). `Vec` and `IndexMap` already add indirection. Returns the boxed types.
fn break_cycles(structs: &mut [StructDef]) -> BTreeSet<String> {
    let index: HashMap<String, usize> = structs.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
    let direct = |s: &StructDef| -> Vec<usize> {
        s.fields.iter().filter_map(|f| if let Ty::Struct(n) = &f.ty { index.get(n).copied() } else { None }).collect()
    };
    let edges: Vec<Vec<usize>> = structs.iter().map(direct).collect();
    let reaches = |from: usize, to: usize| -> bool {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(edges[n].iter().copied());
        }
        false
    };
    let mut boxed = BTreeSet::new();
    let mut to_box = Vec::new();
    for (i, s) in structs.iter().enumerate() {
        for (fi, f) in s.fields.iter().enumerate() {
            if let Ty::Struct(n) = &f.ty {
                if let Some(&j) = index.get(n) {
                    if reaches(j, i) {
                        to_box.push((i, fi));
                        boxed.insert(n.clone());
                    }
                }
            }
        }
    }
    for (i, fi) in to_box {
        structs[i].fields[fi].boxed = true;
    }
    boxed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> J {
        json!({
            "typeName": "AWS::Test::Thing",
            "description": "A thing.\n    indented\n```\ncode\n```",
            "definitions": {
                "Config": {
                    "type": "object",
                    "description": "Config block.",
                    "properties": {
                        "Mode": {"type": "string", "enum": ["FAST", "slow_mode", "FAST"]},
                        "Limit": {"type": "integer", "minimum": 1, "maximum": 10},
                        "Inner": {"$ref": "#/definitions/Config"}
                    },
                    "required": ["Mode"]
                },
                "Tag": {"type": "object", "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}}, "required": ["Key", "Value"]},
                "Thing": {"type": "object", "properties": {"X": {"type": "boolean"}}}
            },
            "properties": {
                "Config": {"$ref": "#/definitions/Config"},
                "Configs": {"type": "array", "items": {"$ref": "#/definitions/Config"}},
                "Policy": {"type": ["object", "string"]},
                "Redrive": {"type": ["object", "string"], "properties": {"maxReceiveCount": {"type": "integer"}}},
                "Labels": {"type": "object", "patternProperties": {"^[a-z]+$": {"type": "string"}}, "additionalProperties": false},
                "Ratio": {"type": "number"},
                "Modes": {"type": "array", "items": {"type": "string", "enum": ["A", "B"]}},
                "Self": {"$ref": "#/definitions/Thing"},
                "Either": {"oneOf": [
                    {"type": "object", "properties": {"A": {"type": "string"}}, "required": ["A"]},
                    {"type": "object", "properties": {"B": {"type": "string"}}, "required": ["B"]}
                ]},
                "Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}},
                "Type": {"type": "string"},
                "Arn": {"type": "string"},
                "Endpoint": {"type": "object", "properties": {"Address": {"type": "string"}, "Port": {"type": "integer"}}}
            },
            "required": ["Type", "Config"],
            "readOnlyProperties": ["/properties/Arn", "/properties/Endpoint/Address", "/properties/Configs/*/Limit"],
            "tagging": {"taggable": true, "tagProperty": "/properties/Tags"}
        })
    }

    fn field<'a>(s: &'a StructDef, name: &str) -> &'a Field {
        s.fields.iter().find(|f| f.schema == name).unwrap_or_else(|| panic!("no field {name} in {}", s.name))
    }

    #[test]
    fn maps_schema_types_to_rust_types() {
        let r = build(&sample(), &[]).unwrap();
        assert_eq!(r.name, "Thing");
        let top = &r.structs[0];
        assert_eq!(top.name, "Thing");
        assert_eq!(field(top, "Config").ty, Ty::Struct("Config".into()));
        assert_eq!(field(top, "Configs").ty.rust(), "Vec<Value<Config>>");
        assert_eq!(field(top, "Policy").ty, Ty::Json);
        assert_eq!(field(top, "Redrive").ty, Ty::Struct("Redrive".into()));
        assert_eq!(field(top, "Labels").ty.rust(), "IndexMap<String, Value<String>>");
        assert_eq!(field(top, "Ratio").ty, Ty::Num);
        assert_eq!(field(top, "Modes").ty.rust(), "Vec<Value<Modes>>");
        // The definition named like the resource gets a suffix.
        assert_eq!(field(top, "Self").ty, Ty::Struct("ThingProperty".into()));
        assert_eq!(field(top, "Type").rust, "type_");
        assert!(field(top, "Type").required && field(top, "Config").required && !field(top, "Ratio").required);
        // Read-only properties are attributes, not inputs.
        assert!(top.fields.iter().all(|f| f.schema != "Arn"));
        let endpoint = r.structs.iter().find(|s| s.name == "Endpoint").unwrap();
        assert_eq!(endpoint.fields.iter().map(|f| f.schema.as_str()).collect::<Vec<_>>(), ["Port"]);
        // Fields sorted by schema name.
        let names: Vec<&str> = top.fields.iter().map(|f| f.schema.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    #[test]
    fn enums_recursion_unions_and_required() {
        let r = build(&sample(), &[]).unwrap();
        let config = r.structs.iter().find(|s| s.name == "Config").unwrap();
        assert!(field(config, "Mode").required);
        assert_eq!(field(config, "Mode").ty, Ty::Enum("Mode".into()));
        assert!(field(config, "Limit").doc.iter().any(|l| l.contains("Range: 1..=10.")));
        // Config contains Config: boxed.
        assert!(field(config, "Inner").boxed);
        assert!(r.boxed.contains("Config"));
        let mode = r.enums.iter().find(|e| e.name == "Mode").unwrap();
        let variants: Vec<(&str, &str)> = mode.variants.iter().map(|v| (v.name.as_str(), v.value.as_str())).collect();
        assert_eq!(variants, [("Fast", "FAST"), ("SlowMode", "slow_mode")]);
        let either = r.structs.iter().find(|s| s.name == "Either").unwrap();
        assert_eq!(either.fields.len(), 2);
        assert_eq!(either.doc, ["Set exactly one of: `A`, `B`."]);
        assert!(either.fields.iter().all(|f| !f.required && f.ty == Ty::Str));
    }

    #[test]
    fn attributes_tagging_and_docs() {
        let r = build(&sample(), &[]).unwrap();
        let attrs: Vec<(&str, &str)> = r.attributes.iter().map(|a| (a.name.as_str(), a.method.as_str())).collect();
        assert_eq!(attrs, [("Arn", "attr_arn"), ("Endpoint.Address", "attr_endpoint_address")]);
        assert_eq!(r.tagging, Tagging::List);
        let mut map = sample();
        map["properties"]["Tags"] = json!({"type": "object", "patternProperties": {".*": {"type": "string"}}});
        assert_eq!(build(&map, &[]).unwrap().tagging, Tagging::Map);
        map["tagging"]["taggable"] = json!(false);
        assert_eq!(build(&map, &[]).unwrap().tagging, Tagging::None);
        let doc = &r.structs[0].doc;
        assert_eq!(doc[..4], ["A thing.", "indented", "'''", "code"]);
        assert!(doc.iter().all(|l| !l.starts_with(' ') && !l.contains("```")));
    }
}
