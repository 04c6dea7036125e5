//! Validation: every rule CloudFormation would reject at deploy (or later), checked before
//! anything is written, all findings at once, each with its construct path and a hint.

use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;

use crate::cfn::registry;
use crate::codes;
use crate::condition::Condition;
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::expr::Pseudo;
use crate::render::Rendered;
use crate::stack::Stack;

/// CloudFormation quotas (per template).
pub mod limits {
    /// Resources in one template.
    pub const RESOURCES: usize = 500;
    /// Parameters in one template.
    pub const PARAMETERS: usize = 200;
    /// Outputs in one template.
    pub const OUTPUTS: usize = 200;
    /// Template body uploaded to S3.
    pub const TEMPLATE_BYTES: usize = 1_000_000;
    /// Template body passed inline (`--template-body`); larger ones need an S3 bucket.
    pub const INLINE_TEMPLATE_BYTES: usize = 51_200;
    /// Template and output descriptions.
    pub const DESCRIPTION_BYTES: usize = 1024;
    /// Operands of `Fn::And` / `Fn::Or`.
    pub const CONDITION_OPERANDS: std::ops::RangeInclusive<usize> = 2..=10;
}

/// What a stack's template refers to, collected from rendered JSON.
#[derive(Debug, Default)]
struct Refs<'a> {
    /// `Ref` targets, and `${X}` in `Fn::Sub`.
    refs: Vec<&'a str>,
    /// `Fn::GetAtt` targets and attributes, and `${X.Y}` in `Fn::Sub`.
    get_atts: Vec<(&'a str, &'a str)>,
    /// Conditions named by `Fn::If` or `{"Condition": ..}`.
    conditions: Vec<&'a str>,
}

// Borrowed from the JSON: a 50-agent app has ~10,000 references, each one allocation less.
impl<'a> Refs<'a> {
    fn of(json: &'a Json) -> Refs<'a> {
        let mut refs = Refs::default();
        refs.walk(json, &HashSet::new());
        refs
    }

    fn walk(&mut self, json: &'a Json, locals: &HashSet<&'a str>) {
        match json {
            Json::Array(items) => items.iter().for_each(|i| self.walk(i, locals)),
            Json::Object(map) if map.len() == 1 => {
                let Some((key, arg)) = map.iter().next() else { return };
                match (key.as_str(), arg) {
                    ("Ref", Json::String(target)) => self.refs.push(target),
                    ("Fn::GetAtt", Json::Array(a)) => {
                        if let (Some(Json::String(id)), Some(attr)) = (a.first(), a.get(1)) {
                            match attr {
                                Json::String(attr) => self.get_atts.push((id, attr)),
                                other => {
                                    self.get_atts.push((id, ""));
                                    self.walk(other, locals);
                                }
                            }
                        }
                    }
                    ("Fn::GetAtt", Json::String(dotted)) => {
                        let (id, attr) = dotted.split_once('.').unwrap_or((dotted, ""));
                        self.get_atts.push((id, attr));
                    }
                    ("Fn::Sub", Json::String(template)) => self.sub(template, locals),
                    ("Fn::Sub", Json::Array(a)) => {
                        let vars = a.get(1).and_then(Json::as_object);
                        let mut inner = locals.clone();
                        if let Some(vars) = vars {
                            inner.extend(vars.keys().map(String::as_str));
                            vars.values().for_each(|v| self.walk(v, locals));
                        }
                        if let Some(Json::String(template)) = a.first() {
                            self.sub(template, &inner);
                        }
                    }
                    ("Fn::If", Json::Array(a)) => {
                        if let Some(Json::String(c)) = a.first() {
                            self.conditions.push(c);
                        }
                        a.iter().skip(1).for_each(|i| self.walk(i, locals));
                    }
                    ("Condition", Json::String(c)) => self.conditions.push(c),
                    (_, arg) => self.walk(arg, locals),
                }
            }
            Json::Object(map) => map.values().for_each(|v| self.walk(v, locals)),
            _ => {}
        }
    }

    fn sub(&mut self, template: &'a str, locals: &HashSet<&'a str>) {
        for token in sub_tokens(template) {
            if locals.contains(token) {
                continue;
            }
            match token.split_once('.') {
                Some((id, attr)) if !token.starts_with("AWS::") => self.get_atts.push((id, attr)),
                _ => self.refs.push(token),
            }
        }
    }
}

/// The `${…}` names in an `Fn::Sub` template (`${!…}` is a literal and is skipped).
pub(crate) fn sub_tokens(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let token = after[..end].trim();
        if !token.starts_with('!') && !token.is_empty() {
            out.push(token);
        }
        rest = &after[end + 1..];
    }
    out
}

/// Every rule but the template size (which needs the written text: [`template_size`]).
pub(crate) fn validate(stack: &Stack, resources: &[Rendered]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = stack.diagnostics.clone();
    let ids: HashMap<&str, &Rendered> = resources.iter().map(|r| (r.logical_id.as_str(), r)).collect();
    check_stack(stack, resources, &mut out);
    check_parameters(stack, &mut out);
    check_conditions(stack, &mut out);
    // On all cores: ~3,000 resources in a 50-agent app, each walked whole.
    let all_refs: Vec<Refs> = crate::parallel::map(resources, |r| Refs::of(&r.json));
    check_resources(stack, resources, &all_refs, &ids, &mut out);
    check_outputs(stack, &ids, &mut out);
    check_cycles(resources, &all_refs, &mut out);
    out
}

/// The stack's own limits: resource, parameter and output counts, description, tags.
fn check_stack(stack: &Stack, resources: &[Rendered], out: &mut Vec<Diagnostic>) {
    let name = stack.name();
    if resources.is_empty() {
        out.push(
            Diagnostic::error(codes::EMPTY_STACK, name, "the stack has no resources").hint("CloudFormation requires at least one resource"),
        );
    }
    if let Some(d) = &stack.props.description {
        if d.len() > limits::DESCRIPTION_BYTES {
            out.push(
                Diagnostic::error(
                    codes::DESCRIPTION_TOO_LONG,
                    name,
                    format!("description is {} bytes, over CloudFormation's {}", d.len(), limits::DESCRIPTION_BYTES),
                )
                .hint("shorten StackProps::description"),
            );
        }
    }
    for (k, v) in &stack.props.tags {
        if k.to_ascii_lowercase().starts_with("aws:") {
            out.push(
                Diagnostic::error(codes::RESERVED_TAG_KEY, name, format!("tag key '{k}' uses the reserved 'aws:' prefix"))
                    .hint("choose another key"),
            );
        }
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            out.push(
                Diagnostic::error(codes::TAG_OUT_OF_BOUNDS, name, format!("tag '{k}' is out of bounds"))
                    .hint("keys are 1-128 characters, values 0-256"),
            );
        }
    }
}

/// Each resource: required properties, references, `DependsOn`, `Condition`.
fn check_resources(stack: &Stack, resources: &[Rendered], all_refs: &[Refs], ids: &HashMap<&str, &Rendered>, out: &mut Vec<Diagnostic>) {
    for (r, refs) in resources.iter().zip(all_refs) {
        for missing in &r.missing_required {
            if !has_path(r.json.get("Properties"), missing) {
                out.push(
                    Diagnostic::error(
                        codes::MISSING_REQUIRED_PROPERTY,
                        &r.path,
                        format!("missing required property {missing} of {}", r.type_name),
                    )
                    .hint(format!("set it on the {} props (or with add_property_override)", short_type(&r.type_name))),
                );
            }
        }
        check_refs(stack, ids, &r.path, refs, out);
        if let Some(Json::Array(deps)) = r.json.get("DependsOn") {
            for d in deps.iter().filter_map(Json::as_str) {
                if !ids.contains_key(d) {
                    out.push(
                        Diagnostic::error(
                            codes::DEPENDS_ON_UNKNOWN,
                            &r.path,
                            format!("DependsOn '{d}', which is not a resource of this stack"),
                        )
                        .hint("depend on a resource handle of the same stack"),
                    );
                }
            }
        }
        if let Some(Json::String(c)) = r.json.get("Condition") {
            if !stack.conditions.contains_key(c) {
                out.push(undeclared_condition(&r.path, c));
            }
        }
    }
}

/// Each output: references, condition, description length.
fn check_outputs(stack: &Stack, ids: &HashMap<&str, &Rendered>, out: &mut Vec<Diagnostic>) {
    let name = stack.name();
    for (oname, output) in &stack.outputs {
        let path = format!("{name}/Outputs/{oname}");
        let mut json = serde_json::Map::new();
        json.insert("Value".into(), crate::expr::to_json(&output.value));
        if let Some(e) = &output.export_name {
            json.insert("Export".into(), crate::expr::to_json(e));
        }
        let json = Json::Object(json);
        let refs = Refs::of(&json);
        check_refs(stack, ids, &path, &refs, out);
        if let Some(c) = &output.condition {
            if !stack.conditions.contains_key(c.name()) {
                out.push(undeclared_condition(&path, c.name()));
            }
        }
        if output.description.as_ref().is_some_and(|d| d.len() > limits::DESCRIPTION_BYTES) {
            out.push(
                Diagnostic::error(codes::OUTPUT_DESCRIPTION_TOO_LONG, &path, "output description is over 1024 bytes").hint("shorten it"),
            );
        }
    }
}

/// The count limits of one written template (the whole stack, or the root or a nested stack
/// of a split one): resources, parameters, outputs, then its size (`nested`: deployed from S3,
/// so the inline limit does not apply).
pub(crate) fn template_limits(name: &str, template: &Json, template_bytes: usize, nested: bool) -> Vec<Diagnostic> {
    let count = |section: &str| template.get(section).and_then(Json::as_object).map_or(0, serde_json::Map::len);
    let mut out = Vec::new();
    let split =
        "set StackProps::partition to Partition::default() (nested stacks by construct subtree), or split the app into several stacks";
    count_limit(&mut out, name, codes::TOO_MANY_RESOURCES, "resources", count("Resources"), limits::RESOURCES, split);
    count_limit(
        &mut out,
        name,
        codes::TOO_MANY_PARAMETERS,
        "parameters",
        count("Parameters"),
        limits::PARAMETERS,
        "pass related settings in one parameter, or use SSM parameters",
    );
    count_limit(
        &mut out,
        name,
        codes::TOO_MANY_OUTPUTS,
        "outputs",
        count("Outputs"),
        limits::OUTPUTS,
        "output fewer values, or store them in SSM parameters",
    );
    // A nested template is always deployed from S3: the inline limit does not apply.
    out.extend(template_size(name, template_bytes).filter(|d| !nested || d.is_error()));
    out
}

/// Cycles between the root's resources and its nested stacks (a nested stack waits for every
/// value it is passed): `stack` is the root template of a split stack, `paths` names each
/// resource for the message.
pub(crate) fn nested_cycles(template: &Json, paths: &HashMap<String, String>) -> Vec<Diagnostic> {
    let Some(resources) = template.get("Resources").and_then(Json::as_object) else { return Vec::new() };
    let rendered: Vec<Rendered> = resources
        .iter()
        .map(|(id, json)| Rendered {
            logical_id: crate::ids::LogicalId::from(id.as_str()),
            path: paths.get(id).cloned().unwrap_or_else(|| id.clone()),
            type_name: json.get("Type").and_then(Json::as_str).unwrap_or_default().to_owned(),
            json: json.clone(),
            missing_required: Vec::new(),
        })
        .collect();
    let refs: Vec<Refs> = rendered.iter().map(|r| Refs::of(&r.json)).collect();
    let mut out = Vec::new();
    check_cycles(&rendered, &refs, &mut out);
    out.into_iter()
        .map(|d| {
            Diagnostic::error(codes::NESTED_STACK_CYCLE, d.path.clone(), d.message.replace("dependency cycle", "cycle between nested stacks"))
                .hint("nested stacks are made one after another; pin the subtrees that refer to each other into one nested stack (Placement::Nested) or into the root")
        })
        .collect()
}

/// CloudFormation's template size limits, on the bytes written.
pub(crate) fn template_size(name: &str, template_bytes: usize) -> Option<Diagnostic> {
    if template_bytes > limits::TEMPLATE_BYTES {
        Some(
            Diagnostic::error(
                codes::TEMPLATE_TOO_LARGE,
                name,
                format!("template is {template_bytes} bytes, over CloudFormation's limit of {} bytes", limits::TEMPLATE_BYTES),
            )
            .hint("split the app into several stacks"),
        )
    } else if template_bytes > limits::INLINE_TEMPLATE_BYTES {
        Some(
            Diagnostic::warning(
                codes::TEMPLATE_NEEDS_BUCKET,
                name,
                format!("template is {template_bytes} bytes, over {} bytes", limits::INLINE_TEMPLATE_BYTES),
            )
            .hint("deploying needs an S3 bucket for the template (`deploy --bucket`, or `aws cloudformation deploy --s3-bucket`)"),
        )
    } else {
        None
    }
}

fn count_limit(out: &mut Vec<Diagnostic>, stack: &str, code: DiagnosticCode, what: &str, n: usize, max: usize, hint: &str) {
    if n > max {
        out.push(Diagnostic::error(code, stack, format!("{n} {what}, over CloudFormation's limit of {max}")).hint(hint));
    }
}

fn short_type(type_name: &str) -> &str {
    type_name.rsplit("::").next().unwrap_or(type_name)
}

fn undeclared_condition(path: &str, c: &str) -> Diagnostic {
    Diagnostic::error(codes::UNDECLARED_CONDITION, path, format!("condition '{c}' is not declared"))
        .hint("declare it with stack.condition(..) and use the returned ConditionRef")
}

fn check_refs(stack: &Stack, ids: &HashMap<&str, &Rendered>, path: &str, refs: &Refs, out: &mut Vec<Diagnostic>) {
    for target in &refs.refs {
        if !ids.contains_key(target) && !stack.parameters.contains_key(*target) && Pseudo::from_name(target).is_none() {
            out.push(
                Diagnostic::error(
                    codes::REF_UNKNOWN,
                    path,
                    format!("Ref to '{target}', which is not a resource or parameter of this stack"),
                )
                .hint("refer through a handle of this stack; values of another stack come from an exported output and Expr::import_value"),
            );
        }
    }
    for (target, attr) in &refs.get_atts {
        match ids.get(target) {
            None if stack.parameters.contains_key(*target) => {
                out.push(
                    Diagnostic::error(codes::GET_ATT_UNKNOWN, path, format!("Fn::GetAtt on parameter '{target}'"))
                        .hint("parameters have no attributes; use its value (Ref)"),
                );
            }
            None => out.push(
                Diagnostic::error(codes::GET_ATT_UNKNOWN, path, format!("Fn::GetAtt on '{target}', which is not a resource of this stack"))
                    .hint("use the attr_* methods of a handle of this stack"),
            ),
            Some(r) => {
                if let Some(info) = registry::lookup(&r.type_name) {
                    if !attr.is_empty() && !info.attributes.contains(attr) {
                        out.push(
                            Diagnostic::error(
                                codes::GET_ATT_NO_ATTRIBUTE,
                                path,
                                format!("{} has no attribute '{attr}' (GetAtt on '{target}')", r.type_name),
                            )
                            .hint(format!("its attributes are: {}", info.attributes.join(", "))),
                        );
                    }
                }
            }
        }
    }
    for c in &refs.conditions {
        if !stack.conditions.contains_key(*c) {
            out.push(undeclared_condition(path, c));
        }
    }
}

fn check_parameters(stack: &Stack, out: &mut Vec<Diagnostic>) {
    for (pname, p) in &stack.parameters {
        let path = format!("{}/Parameters/{pname}", stack.name());
        let string_only = p.min_length.is_some() || p.max_length.is_some() || p.allowed_pattern.is_some();
        if string_only && !p.kind.is_stringish() {
            out.push(
                Diagnostic::error(
                    codes::PARAMETER_STRING_CONSTRAINTS,
                    &path,
                    format!("length/pattern constraints on a {} parameter", p.kind.name()),
                )
                .hint("MinLength, MaxLength and AllowedPattern apply to String parameters only"),
            );
        }
        if (p.min_value.is_some() || p.max_value.is_some()) && !p.kind.is_numeric() {
            out.push(
                Diagnostic::error(codes::PARAMETER_NUMBER_BOUNDS, &path, format!("value bounds on a {} parameter", p.kind.name()))
                    .hint("MinValue and MaxValue apply to Number parameters only"),
            );
        }
        if let (Some(min), Some(max)) = (p.min_length, p.max_length) {
            if min > max {
                out.push(
                    Diagnostic::error(codes::PARAMETER_BOUNDS_INVERTED, &path, format!("MinLength {min} is above MaxLength {max}"))
                        .hint("swap them"),
                );
            }
        }
        if let (Some(min), Some(max)) = (p.min_value, p.max_value) {
            if min > max {
                out.push(
                    Diagnostic::error(codes::PARAMETER_BOUNDS_INVERTED, &path, format!("MinValue {min} is above MaxValue {max}"))
                        .hint("swap them"),
                );
            }
        }
        if let Some(d) = &p.default {
            if !p.allowed_values.is_empty() && !p.allowed_values.contains(d) {
                out.push(
                    Diagnostic::error(codes::PARAMETER_BAD_DEFAULT, &path, format!("default '{d}' is not among the allowed values"))
                        .hint(format!("allowed: {}", p.allowed_values.join(", "))),
                );
            }
            if p.kind == crate::parameter::ParameterType::Number && d.parse::<f64>().is_err() {
                out.push(
                    Diagnostic::error(codes::PARAMETER_BAD_DEFAULT, &path, format!("default '{d}' of a Number parameter is not a number"))
                        .hint("give a numeric default"),
                );
            }
        }
    }
}

fn check_conditions(stack: &Stack, out: &mut Vec<Diagnostic>) {
    fn walk(c: &Condition, stack: &Stack, path: &str, out: &mut Vec<Diagnostic>) {
        match c {
            Condition::Equals(a, b) => {
                for v in [a, b] {
                    let json = crate::expr::to_json(v);
                    let refs = Refs::of(&json);
                    for r in refs.refs.iter().filter(|r| !stack.parameters.contains_key(**r) && Pseudo::from_name(r).is_none()) {
                        out.push(
                            Diagnostic::error(
                                codes::CONDITION_BAD_REFERENCE,
                                path,
                                format!("condition refers to '{r}', which is not a parameter"),
                            )
                            .hint("conditions may refer to parameters and pseudo parameters only (not resources)"),
                        );
                    }
                    if !refs.get_atts.is_empty() {
                        out.push(
                            Diagnostic::error(codes::CONDITION_BAD_REFERENCE, path, "condition uses Fn::GetAtt")
                                .hint("conditions are evaluated before resources exist"),
                        );
                    }
                }
            }
            Condition::And(cs) | Condition::Or(cs) => {
                if !limits::CONDITION_OPERANDS.contains(&cs.len()) {
                    out.push(
                        Diagnostic::error(codes::CONDITION_OPERANDS, path, format!("Fn::And/Fn::Or with {} operands", cs.len()))
                            .hint("CloudFormation takes 2 to 10"),
                    );
                }
                cs.iter().for_each(|c| walk(c, stack, path, out));
            }
            Condition::Not(c) => walk(c, stack, path, out),
            Condition::Named(n) if !stack.conditions.contains_key(n) => out.push(undeclared_condition(path, n)),
            Condition::Named(_) => {}
        }
    }
    for (cname, c) in &stack.conditions {
        walk(c, stack, &format!("{}/Conditions/{cname}", stack.name()), out);
    }
}

fn has_path(props: Option<&Json>, dotted: &str) -> bool {
    let mut node = match props {
        Some(p) => p,
        None => return false,
    };
    for part in dotted.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        node = match node.get(key) {
            Some(n) => n,
            None => return false,
        };
        if let Some(i) = index {
            node = match node.get(i) {
                Some(n) => n,
                None => return false,
            };
        }
    }
    true
}

fn check_cycles(resources: &[Rendered], all_refs: &[Refs], out: &mut Vec<Diagnostic>) {
    // Edges: every resource a resource refers to or depends on, in template order.
    let edges: Vec<Vec<usize>> = {
        let index: HashMap<&str, usize> = resources.iter().enumerate().map(|(i, r)| (r.logical_id.as_str(), i)).collect();
        resources
            .iter()
            .zip(all_refs)
            .map(|(r, refs)| {
                let mut targets: Vec<usize> = refs
                    .refs
                    .iter()
                    .copied()
                    .chain(refs.get_atts.iter().map(|(t, _)| *t))
                    .chain(r.json.get("DependsOn").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str))
                    .filter_map(|t| index.get(t).copied())
                    .collect();
                targets.dedup();
                targets
            })
            .collect()
    };
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; resources.len()];
    let mut stack: Vec<usize> = Vec::new();
    for start in 0..resources.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next edge index).
        let mut work = vec![(start, 0usize)];
        marks[start] = Mark::Active;
        stack.push(start);
        while let Some((node, next)) = work.last_mut() {
            let node = *node;
            if let Some(&target) = edges[node].get(*next) {
                *next += 1;
                match marks[target] {
                    Mark::New => {
                        marks[target] = Mark::Active;
                        stack.push(target);
                        work.push((target, 0));
                    }
                    Mark::Active => {
                        let from = stack.iter().position(|&n| n == target).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            stack[from..].iter().map(|&n| format!("{} ({})", resources[n].path, resources[n].logical_id)).collect();
                        cycle.push(format!("{} ({})", resources[target].path, resources[target].logical_id));
                        out.push(
                            Diagnostic::error(codes::DEPENDENCY_CYCLE, &resources[target].path, format!("dependency cycle: {}", cycle.join(" -> ")))
                                .hint("a resource cannot depend on itself through references or DependsOn; move one reference into a separate resource (e.g. an IAM Policy instead of an inline role policy)"),
                        );
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                stack.pop();
                work.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sub_tokens_skip_literals_and_find_attributes() {
        assert_eq!(sub_tokens("arn:${AWS::Partition}:sqs:${Queue.Arn}/${!Literal}/${ Name }"), ["AWS::Partition", "Queue.Arn", "Name"]);
        assert!(sub_tokens("${unterminated").is_empty());
    }

    #[test]
    fn refs_are_collected_from_every_intrinsic() {
        let j = json!({
            "A": {"Ref": "P"},
            "B": {"Fn::GetAtt": ["Q", "Arn"]},
            "C": {"Fn::GetAtt": "T.Endpoint.Address"},
            "D": {"Fn::Sub": ["${Local}-${R.Name}-${S}", {"Local": {"Ref": "U"}}]},
            "E": {"Fn::If": ["IsProd", {"Ref": "V"}, {"Ref": "AWS::NoValue"}]},
            "F": [{"Fn::Join": ["", [{"Ref": "W"}]]}]
        });
        let r = Refs::of(&j);
        assert_eq!(r.refs, ["P", "U", "S", "V", "AWS::NoValue", "W"], "Sub variables are walked before the template");
        assert_eq!(r.get_atts, [("Q", "Arn"), ("T", "Endpoint.Address"), ("R", "Name")]);
        assert_eq!(r.conditions, ["IsProd"]);
    }

    #[test]
    fn has_path_follows_objects_and_indices() {
        let p = json!({"A": {"B": [{"C": 1}]}});
        assert!(has_path(Some(&p), "A.B[0].C"));
        assert!(!has_path(Some(&p), "A.B[1].C"));
        assert!(!has_path(Some(&p), "A.X"));
    }
}
