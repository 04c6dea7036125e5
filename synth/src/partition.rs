//! Nested stacks: a stack that would pass one of CloudFormation's limits is split into a root
//! template and `AWS::CloudFormation::Stack` children, one per top-level construct subtree.
//!
//! **Placement is a pure function of the construct path** (and of the pins in
//! [`Partition::pins`]): a resource at `Stack/Agent7/...` goes to the nested stack of `Agent7`,
//! whatever else the app declares, so adding or removing an agent never moves another one's
//! resources. Resources directly below the stack, and subtrees pinned with
//! [`Placement::Root`] (the construct library pins its stack-wide singletons: the encryption
//! key, the alarm topic, the API Gateway account), stay in the root.
//!
//! References across templates are rewired on the rendered JSON, so typed handles are unchanged
//! for the user: a `Ref`/`Fn::GetAtt`/`${..}` in a child to something outside it becomes a
//! parameter of the child, whose value the root passes (from its own resource or parameter, or
//! from another child's output); a reference in the root to a child's resource becomes
//! `Fn::GetAtt [Child, Outputs.X]`. `AWS::StackName` and `AWS::StackId` in a child are the
//! root's, passed the same way, so names derived from them do not change.

use std::collections::{BTreeMap, HashMap};

use indexmap::{IndexMap, IndexSet};
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use crate::ids;
use crate::render::Rendered;
use crate::stack::ASSET_BUCKET_PARAMETER;
use crate::validate::{limits, sub_tokens};

/// How a stack is split into nested stacks (`StackProps::partition`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Partition {
    /// When to split. Default: [`PartitionMode::Auto`].
    pub mode: PartitionMode,
    /// Placements by top-level construct id, overriding the default (each subtree in a nested
    /// stack of its own). Pin a subtree to keep a stateful resource where it was deployed.
    /// Default: none (the construct library adds `Root` pins for its stack-wide singletons
    /// unless the app pinned them otherwise).
    pub pins: BTreeMap<String, Placement>,
}

impl Partition {
    /// Never split: a stack over a limit is an error (AC14xx).
    pub fn off() -> Self {
        Partition { mode: PartitionMode::Off, ..Default::default() }
    }

    /// Split even under the limits (to choose nested stacks before growth forces them).
    pub fn always() -> Self {
        Partition { mode: PartitionMode::Always, ..Default::default() }
    }

    /// Pins the subtree of the top-level construct `id`.
    pub fn pin(mut self, id: &str, placement: Placement) -> Self {
        self.pins.insert(id.to_owned(), placement);
        self
    }

    /// Where the resource at `components` (construct path below the stack) goes: `None` for
    /// the root, else the nested stack's name.
    pub fn placement<'a>(&'a self, components: &[&'a str]) -> Option<&'a str> {
        let [top, _, ..] = components else { return None };
        match self.pins.get(*top) {
            Some(Placement::Root) => None,
            Some(Placement::Nested(name)) => Some(name),
            None => Some(top),
        }
    }
}

/// When a stack is split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PartitionMode {
    /// When the single template would pass 90% of any limit: resources, parameters, outputs
    /// (of 500, 200, 200) or template bytes (of 1,000,000). Under that the template is exactly
    /// what it was without partitioning.
    #[default]
    Auto,
    /// Always: every unpinned top-level subtree in its own nested stack.
    Always,
    /// Never.
    Off,
}

/// Where a top-level subtree goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// In the root template.
    Root,
    /// In the nested stack of this name (several subtrees may share one; the default is the
    /// subtree's own id).
    Nested(String),
}

/// Fraction (in percent) of each limit at which `Auto` splits: room for what a change adds.
pub const MARGIN_PERCENT: usize = 90;

/// Whether a single template of these dimensions would be too close to CloudFormation's
/// limits.
pub(crate) fn over_margin(resources: usize, parameters: usize, outputs: usize, bytes: usize) -> bool {
    let near = |n: usize, max: usize| n * 100 > max * MARGIN_PERCENT;
    near(resources, limits::RESOURCES)
        || near(parameters, limits::PARAMETERS)
        || near(outputs, limits::OUTPUTS)
        || near(bytes, limits::TEMPLATE_BYTES)
}

/// The logical id of the nested stack called `name`.
pub fn nested_logical_id(name: &str) -> String {
    ids::logical_id(&[name, "NestedStack"]).to_string()
}

/// What follows the content hash in a nested template's S3 key.
pub const TEMPLATE_KEY_SUFFIX: &str = ".template.json";

/// The S3 key of a nested template with this content hash.
pub fn template_object_key(hash: &str) -> String {
    format!("{hash}{TEMPLATE_KEY_SUFFIX}")
}

/// One nested stack after the split.
#[derive(Debug)]
pub(crate) struct Child {
    /// Its name (the subtree id, or the pin's name).
    pub name: String,
    /// Logical id of its `AWS::CloudFormation::Stack` resource in the root.
    pub logical_id: String,
    /// The template.
    pub json: Json,
    /// Resource count.
    pub resources: usize,
}

/// The split of one stack: the root template and its children.
#[derive(Debug)]
pub(crate) struct Split {
    pub root: Json,
    pub children: Vec<(Child, String, String)>,
}

/// What a reference points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Target {
    /// A resource or parameter, with an attribute for `Fn::GetAtt`.
    Id(String, Option<String>),
    /// `AWS::StackName` / `AWS::StackId` (a child's own differ from the root's).
    StackPseudo(&'static str),
}

impl Target {
    /// The parameter (in a child) or output (of a child) name that carries it.
    fn carrier(&self) -> String {
        match self {
            Target::Id(id, None) => id.clone(),
            Target::Id(id, Some(attr)) => format!("{id}{}", attr.chars().filter(char::is_ascii_alphanumeric).collect::<String>()),
            Target::StackPseudo(p) => format!("Root{}", p.trim_start_matches("AWS::")),
        }
    }

    /// The JSON of the reference where the target lives.
    fn local(&self) -> Json {
        match self {
            Target::Id(id, None) => json!({ "Ref": id }),
            Target::Id(id, Some(attr)) => json!({ "Fn::GetAtt": [id, attr] }),
            Target::StackPseudo(p) => json!({ "Ref": p }),
        }
    }
}

/// The template-wide facts the rewrite needs.
struct Ctx<'a> {
    /// Unit of each resource: 0 is the root, `i` the child `i - 1`.
    owner: HashMap<String, usize>,
    /// The root's parameters, with their types.
    parameters: &'a Map<String, Json>,
    /// Child logical ids, by unit − 1.
    child_ids: Vec<String>,
    /// Per unit: parameters it needs (child units only), with the value in the root.
    needs: Vec<IndexMap<String, (Target, Json)>>,
    /// Per unit: outputs it must provide (child units only).
    exports: Vec<IndexMap<String, Json>>,
    /// Per unit: units or root resources it must wait for (from `DependsOn` across units).
    waits: Vec<IndexSet<String>>,
}

impl Ctx<'_> {
    /// Where `target` lives: `Some(unit)` for a resource, `None` for a root parameter or pseudo.
    fn home(&self, target: &Target) -> Option<usize> {
        match target {
            Target::Id(id, _) => self.owner.get(id.as_str()).copied(),
            Target::StackPseudo(_) => None,
        }
    }

    /// The value of `target` as seen from the root (exporting it from its child if needed).
    fn in_root(&mut self, target: &Target) -> Json {
        match self.home(target) {
            Some(unit) if unit > 0 => {
                let name = target.carrier();
                self.exports[unit].entry(name.clone()).or_insert_with(|| target.local());
                json!({ "Fn::GetAtt": [self.child_ids[unit - 1], format!("Outputs.{name}")] })
            }
            _ => match target {
                Target::Id(id, None) if is_list_parameter(self.parameters, id) => json!({ "Fn::Join": [",", { "Ref": id }] }),
                _ => target.local(),
            },
        }
    }

    /// Whether a reference from unit `here` to `id` (a logical id, parameter or pseudo
    /// parameter) may cross units: the test without allocations before [`Ctx::link`], which
    /// most references (to their own unit) fail.
    fn may_cross(&self, here: usize, id: &str) -> bool {
        match self.owner.get(id) {
            Some(&unit) => unit != here,
            None => here > 0 && (self.parameters.contains_key(id) || matches!(id, "AWS::StackName" | "AWS::StackId")),
        }
    }

    /// The replacement for a reference to `target` in unit `here`, or `None` to leave it.
    fn link(&mut self, here: usize, target: Target) -> Option<Json> {
        let home = self.home(&target);
        let crosses = match (&target, home) {
            (_, Some(unit)) => unit != here,
            (Target::Id(id, _), None) => here > 0 && self.parameters.contains_key(id),
            (Target::StackPseudo(_), None) => here > 0,
        };
        if !crosses {
            return None;
        }
        if here == 0 {
            return Some(self.in_root(&target));
        }
        let name = target.carrier();
        if !self.needs[here].contains_key(&name) {
            let value = self.in_root(&target);
            self.needs[here].insert(name.clone(), (target, value));
        }
        Some(json!({ "Ref": name }))
    }

    /// The `${..}` text for a reference to `target` in a `Fn::Sub` of unit `here`.
    fn sub_link(&mut self, here: usize, target: Target) -> Option<String> {
        let replaced = self.link(here, target)?;
        if let Some(Json::String(name)) = replaced.get("Ref") {
            return Some(name.clone());
        }
        let args = replaced.get("Fn::GetAtt")?.as_array()?;
        Some(format!("{}.{}", args.first()?.as_str()?, args.get(1)?.as_str()?))
    }

    /// Rewrites every reference in `json` (of unit `here`) that crosses units.
    fn rewrite(&mut self, here: usize, json: &mut Json, locals: &[String]) {
        match json {
            Json::Array(items) => items.iter_mut().for_each(|i| self.rewrite(here, i, locals)),
            Json::Object(map) if map.len() == 1 => {
                let Some((key, arg)) = map.iter_mut().next() else { return };
                let replacement = match (key.as_str(), &mut *arg) {
                    ("Ref", Json::String(t)) if self.may_cross(here, t) => self.link(here, ref_target(t)),
                    ("Fn::GetAtt", Json::Array(a)) => match (a.first(), a.get(1)) {
                        (Some(Json::String(id)), Some(Json::String(attr))) if self.may_cross(here, id) => {
                            self.link(here, Target::Id(id.clone(), Some(attr.clone())))
                        }
                        _ => None,
                    },
                    ("Fn::GetAtt", Json::String(dotted)) => {
                        let (id, attr) = dotted.split_once('.').unwrap_or((dotted, ""));
                        if self.may_cross(here, id) {
                            self.link(here, Target::Id(id.to_owned(), Some(attr.to_owned())))
                        } else {
                            None
                        }
                    }
                    ("Fn::Sub", Json::String(t)) => {
                        if let Some(rewritten) = self.rewrite_sub(here, t, locals) {
                            *t = rewritten;
                        }
                        None
                    }
                    ("Fn::Sub", Json::Array(a)) => {
                        let mut inner = locals.to_vec();
                        if let Some(Json::Object(vars)) = a.get_mut(1) {
                            inner.extend(vars.keys().cloned());
                            vars.values_mut().for_each(|v| self.rewrite(here, v, locals));
                        }
                        if let Some(Json::String(t)) = a.first_mut() {
                            if let Some(rewritten) = self.rewrite_sub(here, t, &inner) {
                                *t = rewritten;
                            }
                        }
                        None
                    }
                    (_, arg) => {
                        self.rewrite(here, arg, locals);
                        None
                    }
                };
                if let Some(r) = replacement {
                    *json = r;
                }
            }
            Json::Object(map) => map.values_mut().for_each(|v| self.rewrite(here, v, locals)),
            _ => {}
        }
    }

    /// The `Fn::Sub` template with its references across units rewritten, `None` when none is.
    fn rewrite_sub(&mut self, here: usize, template: &str, locals: &[String]) -> Option<String> {
        let tokens: Vec<String> = sub_tokens(template)
            .into_iter()
            .filter(|t| !locals.iter().any(|l| l == t) && self.may_cross(here, sub_id(t)))
            .map(str::to_owned)
            .collect();
        if tokens.is_empty() {
            return None;
        }
        let mut out = template.to_owned();
        for token in tokens {
            let target = match token.split_once('.') {
                Some((id, attr)) if !token.starts_with("AWS::") => Target::Id(id.to_owned(), Some(attr.to_owned())),
                _ => ref_target(&token),
            };
            if let Some(text) = self.sub_link(here, target) {
                out = out.replace(&format!("${{{token}}}"), &format!("${{{text}}}"));
            }
        }
        Some(out)
    }

    /// Moves `DependsOn` entries that cross units to the units' stack resources.
    fn rewrite_depends_on(&mut self, here: usize, resource: &mut Json) {
        let Some(Json::Array(deps)) = resource.get_mut("DependsOn") else { return };
        let mut kept = Vec::new();
        for d in deps.drain(..) {
            let Some(id) = d.as_str() else { continue };
            match self.owner.get(id).copied() {
                Some(unit) if unit != here => {
                    let on = if unit == 0 { id.to_owned() } else { self.child_ids[unit - 1].clone() };
                    if here == 0 {
                        kept.push(Json::String(on));
                    } else if unit != here {
                        self.waits[here].insert(on);
                    }
                }
                _ => kept.push(d),
            }
        }
        let mut unique = IndexSet::new();
        kept.retain(|d| unique.insert(d.clone()));
        if kept.is_empty() {
            if let Some(o) = resource.as_object_mut() {
                o.shift_remove("DependsOn");
            }
        } else {
            *deps = kept;
        }
    }
}

/// The logical id (or parameter) a `${..}` token of `Fn::Sub` names: `X` of `X.Attr`.
fn sub_id(token: &str) -> &str {
    match token.split_once('.') {
        Some((id, _)) if !token.starts_with("AWS::") => id,
        _ => token,
    }
}

fn ref_target(t: &str) -> Target {
    match t {
        "AWS::StackName" => Target::StackPseudo("AWS::StackName"),
        "AWS::StackId" => Target::StackPseudo("AWS::StackId"),
        other => Target::Id(other.to_owned(), None),
    }
}

fn is_list_parameter(parameters: &Map<String, Json>, id: &str) -> bool {
    parameters
        .get(id)
        .and_then(|p| p.get("Type"))
        .and_then(Json::as_str)
        .is_some_and(|t| t.starts_with("List<") || t == "CommaDelimitedList")
}

/// The nested stack (by name) of each resource, `None` for the root.
pub(crate) fn assign(partition: &Partition, stack: &str, resources: &[Rendered]) -> Vec<Option<String>> {
    let prefix = format!("{stack}/");
    resources
        .iter()
        .map(|r| {
            let below: Vec<&str> = r.path.strip_prefix(&prefix).unwrap_or(&r.path).split('/').collect();
            partition.placement(&below).map(str::to_owned)
        })
        .collect()
}

/// Splits a rendered template (whose `Resources` are in the order of `placement`) by
/// `placement`, moving its resources (no copy). Gives the template back when every resource
/// stays in the root.
pub(crate) fn split(stack: &str, mut template: Json, placement: &[Option<String>]) -> Result<Split, Json> {
    let mut names: IndexSet<&str> = IndexSet::new();
    placement.iter().flatten().for_each(|n| {
        names.insert(n.as_str());
    });
    let section = |t: &Json, name: &str| t.get(name).and_then(Json::as_object).cloned().unwrap_or_default();
    let (parameters, conditions) = (section(&template, "Parameters"), section(&template, "Conditions"));
    let Some(t) = template.as_object_mut().filter(|_| !names.is_empty()) else { return Err(template) };
    // Taken in place (a Null stays until the new sections are put back): the key order holds.
    let Json::Object(resources) = t.get_mut("Resources").map(Json::take).unwrap_or_default() else { return Err(template) };
    let mut root_outputs = t.get_mut("Outputs").map(Json::take).unwrap_or_default();
    let units = names.len() + 1;
    let unit_of = |p: &Option<String>| p.as_deref().and_then(|n| names.get_index_of(n)).map_or(0, |i| i + 1);
    let mut ctx = Ctx {
        owner: resources.keys().zip(placement).map(|(id, p)| (id.clone(), unit_of(p))).collect(),
        parameters: &parameters,
        child_ids: names.iter().map(|n| nested_logical_id(n)).collect(),
        needs: vec![IndexMap::new(); units],
        exports: vec![IndexMap::new(); units],
        waits: vec![IndexSet::new(); units],
    };
    let mut bodies: Vec<Map<String, Json>> = vec![Map::new(); units];
    let mut used_conditions: Vec<IndexSet<String>> = vec![IndexSet::new(); units];
    for ((id, mut r), p) in resources.into_iter().zip(placement) {
        let unit = unit_of(p);
        ctx.rewrite(unit, &mut r, &[]);
        ctx.rewrite_depends_on(unit, &mut r);
        if unit > 0 && !conditions.is_empty() {
            collect_conditions(&r, &conditions, &mut used_conditions[unit]);
        }
        bodies[unit].insert(id, r);
    }
    // Conditions copied into children may refer to root parameters: pass those too.
    let mut child_conditions: Vec<Map<String, Json>> = vec![Map::new(); units];
    for unit in 1..units {
        for name in &used_conditions[unit] {
            let mut c = conditions.get(name).cloned().unwrap_or(Json::Null);
            ctx.rewrite(unit, &mut c, &[]);
            child_conditions[unit].insert(name.clone(), c);
        }
    }
    ctx.rewrite(0, &mut root_outputs, &[]);
    let mut root_resources = std::mem::take(&mut bodies[0]);
    let built: Vec<Child> = (1..units)
        .map(|unit| {
            let (body, conditions) = (std::mem::take(&mut bodies[unit]), std::mem::take(&mut child_conditions[unit]));
            child_template(stack, names[unit - 1], &ctx, unit, body, conditions)
        })
        .collect();
    // The text and its hash (the template's S3 key) of every child, on all cores.
    let texts = crate::parallel::map(&built, |child| {
        let text = crate::render::to_text(&child.json);
        let hash = hex(&Sha256::digest(text.as_bytes()));
        (text, hash)
    });
    let mut children = Vec::with_capacity(built.len());
    for (unit, (child, (text, hash))) in (1..).zip(built.into_iter().zip(texts)) {
        root_resources.insert(child.logical_id.clone(), stack_resource(&ctx, unit, &template_object_key(&hash)));
        children.push((child, text, hash));
    }
    let params = t.entry("Parameters").or_insert_with(|| Json::Object(Map::new()));
    if let Some(p) = params.as_object_mut() {
        p.entry(ASSET_BUCKET_PARAMETER).or_insert_with(|| {
            json!({
                "Type": "String",
                "Description": "S3 bucket holding this stack's code assets and nested templates (uploaded by `package`/`deploy`)",
                "AllowedPattern": "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                "ConstraintDescription": "an S3 bucket name"
            })
        });
    }
    t.insert("Resources".into(), Json::Object(root_resources));
    if root_outputs.is_null() {
        t.shift_remove("Outputs");
    } else {
        t.insert("Outputs".into(), root_outputs);
    }
    Ok(Split { root: template, children })
}

fn child_template(stack: &str, name: &str, ctx: &Ctx, unit: usize, resources: Map<String, Json>, conditions: Map<String, Json>) -> Child {
    let mut t = Map::new();
    t.insert("AWSTemplateFormatVersion".into(), Json::String(crate::FORMAT_VERSION.into()));
    t.insert("Description".into(), Json::String(format!("{stack}/{name}: nested stack of {stack} (agentcdk)")));
    if !ctx.needs[unit].is_empty() {
        let params: Map<String, Json> = ctx.needs[unit]
            .iter()
            .map(|(n, (target, _))| {
                let kind = match target {
                    Target::Id(id, None) => ctx.parameters.get(id).and_then(|p| p.get("Type")).cloned(),
                    _ => None,
                };
                (n.clone(), json!({ "Type": kind.unwrap_or_else(|| Json::String("String".into())) }))
            })
            .collect();
        t.insert("Parameters".into(), Json::Object(params));
    }
    if !conditions.is_empty() {
        t.insert("Conditions".into(), Json::Object(conditions));
    }
    let count = resources.len();
    t.insert("Resources".into(), Json::Object(resources));
    if !ctx.exports[unit].is_empty() {
        let outs: Map<String, Json> = ctx.exports[unit].iter().map(|(n, v)| (n.clone(), json!({ "Value": v }))).collect();
        t.insert("Outputs".into(), Json::Object(outs));
    }
    Child { name: name.to_owned(), logical_id: ctx.child_ids[unit - 1].clone(), json: Json::Object(t), resources: count }
}

/// The `AWS::CloudFormation::Stack` resource of child `unit` in the root.
fn stack_resource(ctx: &Ctx, unit: usize, key: &str) -> Json {
    let mut props = Map::new();
    props.insert(
        "TemplateURL".into(),
        json!({ "Fn::Sub": format!("https://${{{ASSET_BUCKET_PARAMETER}}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{key}") }),
    );
    if !ctx.needs[unit].is_empty() {
        let params: Map<String, Json> = ctx.needs[unit].iter().map(|(n, (_, v))| (n.clone(), v.clone())).collect();
        props.insert("Parameters".into(), Json::Object(params));
    }
    let mut r = Map::new();
    r.insert("Type".into(), Json::String("AWS::CloudFormation::Stack".into()));
    r.insert("Properties".into(), Json::Object(props));
    if !ctx.waits[unit].is_empty() {
        r.insert("DependsOn".into(), Json::Array(ctx.waits[unit].iter().cloned().map(Json::String).collect()));
    }
    r.insert("UpdateReplacePolicy".into(), Json::String("Delete".into()));
    r.insert("DeletionPolicy".into(), Json::String("Delete".into()));
    Json::Object(r)
}

/// Conditions a resource uses (its `Condition`, `Fn::If`), and the ones those use.
fn collect_conditions(json: &Json, all: &Map<String, Json>, out: &mut IndexSet<String>) {
    match json {
        Json::Array(items) => items.iter().for_each(|i| collect_conditions(i, all, out)),
        Json::Object(map) => {
            for (k, v) in map {
                let named = match (k.as_str(), v) {
                    ("Condition", Json::String(c)) => Some(c.clone()),
                    ("Fn::If", Json::Array(a)) => a.first().and_then(Json::as_str).map(str::to_owned),
                    _ => None,
                };
                if let Some(c) = named {
                    if out.insert(c.clone()) {
                        if let Some(def) = all.get(&c) {
                            collect_conditions(def, all, out);
                        }
                    }
                }
                collect_conditions(v, all, out);
            }
        }
        _ => {}
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_is_the_top_level_subtree_unless_pinned() {
        let p = Partition::default().pin("Key", Placement::Root).pin("B", Placement::Nested("A".into()));
        assert_eq!(p.placement(&["A", "Queue", "Resource"]), Some("A"));
        assert_eq!(p.placement(&["B", "Resource"]), Some("A"));
        assert_eq!(p.placement(&["Key", "Resource"]), None);
        assert_eq!(p.placement(&["Lonely"]), None, "a resource directly below the stack stays in the root");
    }

    #[test]
    fn references_across_units_become_parameters_and_outputs() {
        let template = json!({
            "Parameters": {"AssetBucket": {"Type": "String"}, "Names": {"Type": "CommaDelimitedList"}},
            "Resources": {
                "Key": {"Type": "AWS::KMS::Key"},
                "AQueue": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, "Tags": [{"Key": "n", "Value": {"Fn::Join": [",", {"Ref": "Names"}]}}]}},
                "BFn": {"Type": "AWS::Lambda::Function", "DependsOn": ["AQueue"], "Properties": {"Environment": {"Variables": {
                    "Q": {"Fn::Sub": "${AQueue.QueueName}@${AWS::StackName}/${AWS::Region}"},
                    "U": {"Ref": "AQueue"}}}}}
            },
            "Outputs": {"QueueUrl": {"Value": {"Ref": "AQueue"}}}
        });
        let split = split("S", template, &[None, Some("A".into()), Some("B".into())]).expect("split");
        let (a, _, _) = &split.children[0];
        let (b, _, _) = &split.children[1];
        assert_eq!(a.json["Parameters"], json!({"KeyArn": {"Type": "String"}, "Names": {"Type": "CommaDelimitedList"}}));
        assert_eq!(a.json["Resources"]["AQueue"]["Properties"]["KmsMasterKeyId"], json!({"Ref": "KeyArn"}));
        assert_eq!(
            a.json["Outputs"],
            json!({"AQueueQueueName": {"Value": {"Fn::GetAtt": ["AQueue", "QueueName"]}}, "AQueue": {"Value": {"Ref": "AQueue"}}})
        );
        assert_eq!(
            b.json["Resources"]["BFn"]["Properties"]["Environment"]["Variables"]["Q"],
            json!({"Fn::Sub": "${AQueueQueueName}@${RootStackName}/${AWS::Region}"})
        );
        assert!(b.json["Resources"]["BFn"].get("DependsOn").is_none());
        let root = &split.root["Resources"];
        let b_stack = &root[&b.logical_id];
        assert_eq!(b_stack["DependsOn"], json!([a.logical_id]));
        assert_eq!(
            b_stack["Properties"]["Parameters"]["AQueueQueueName"],
            json!({"Fn::GetAtt": [a.logical_id, "Outputs.AQueueQueueName"]})
        );
        assert_eq!(b_stack["Properties"]["Parameters"]["RootStackName"], json!({"Ref": "AWS::StackName"}));
        assert_eq!(root[&a.logical_id]["Properties"]["Parameters"]["Names"], json!({"Fn::Join": [",", {"Ref": "Names"}]}));
        assert_eq!(split.root["Outputs"]["QueueUrl"]["Value"], json!({"Fn::GetAtt": [a.logical_id, "Outputs.AQueue"]}));
    }
}
