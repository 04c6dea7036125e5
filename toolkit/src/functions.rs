//! The stack's Lambda functions, named by construct path: what `invoke`, `logs` and
//! `deploy --hotswap` act on.
//!
//! The cloud assembly says where each resource came from (`manifest.json`'s `constructPaths`:
//! logical id → construct path) and the template says what it is (type, log group, whether a
//! Function URL or a REST method streams its answer); the deployed stack says what it is called
//! (ListStackResources: logical id → physical id, a function's name, a log group's name).

use std::collections::{BTreeMap, HashMap};

use agentcdk_synth::StackArtifact;
use indexmap::IndexMap;
use serde_json::Value;

use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::{Error, Result};

/// One `AWS::Lambda::Function` of a stack, as the template declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFunction {
    /// The stack's name.
    pub stack: String,
    /// The logical id of the nested stack (its `AWS::CloudFormation::Stack` in the root) that
    /// holds the function, when the stack was split past CloudFormation's limits.
    pub nested: Option<String>,
    /// The function's logical id.
    pub logical_id: String,
    /// Its construct path below the stack (`Support/Runner/Function`), or the logical id when
    /// the manifest has no paths (an assembly written before they were recorded).
    pub path: String,
    /// Where it logs: a log group of the stack (logical id), a fixed name, or Lambda's default
    /// `/aws/lambda/<function name>`.
    pub log_group: LogGroup,
    /// Whether its answer is streamed (a `RESPONSE_STREAM` Function URL or a REST method with
    /// `ResponseTransferMode: STREAM` targets it): `invoke` then uses InvokeWithResponseStream.
    pub streaming: bool,
}

/// Where a function's log records go (`LoggingConfig.LogGroup`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogGroup {
    /// `{"Ref": <logical id>}`: a log group of the stack.
    Resource(String),
    /// A literal name.
    Named(String),
    /// None given: `/aws/lambda/<function name>`.
    Default,
}

/// Every function of the stack, in template order: the root's, then each nested stack's.
pub fn stack_functions(stack: &StackArtifact) -> Vec<StackFunction> {
    let root = Template { json: &stack.json, paths: &stack.manifest.construct_paths, nested: None };
    let nested = stack.nested.iter().map(|n| Template { json: &n.json, paths: &n.manifest.construct_paths, nested: Some(&n.logical_id) });
    std::iter::once(root).chain(nested).flat_map(|t| t.functions(&stack.name)).collect()
}

/// One template of a stack (the root or a nested one) and its resources' construct paths.
struct Template<'a> {
    json: &'a Value,
    paths: &'a IndexMap<String, String>,
    nested: Option<&'a String>,
}

impl Template<'_> {
    fn functions(&self, stack: &str) -> Vec<StackFunction> {
        let resources = self.json.get("Resources").and_then(Value::as_object);
        let streamed = streamed_functions(self.json);
        let prefix = format!("{stack}/");
        resources
            .into_iter()
            .flatten()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some("AWS::Lambda::Function"))
            .map(|(id, r)| {
                let path = self.paths.get(id).map_or(id.as_str(), |p| p.strip_prefix(&prefix).unwrap_or(p));
                let log_group = match r.pointer("/Properties/LoggingConfig/LogGroup") {
                    Some(Value::String(name)) => LogGroup::Named(name.clone()),
                    Some(v) => v.get("Ref").and_then(Value::as_str).map_or(LogGroup::Default, |id| LogGroup::Resource(id.to_owned())),
                    None => LogGroup::Default,
                };
                StackFunction {
                    stack: stack.to_owned(),
                    nested: self.nested.cloned(),
                    logical_id: id.clone(),
                    path: path.to_owned(),
                    log_group,
                    streaming: streamed.contains(id.as_str()),
                }
            })
            .collect()
    }
}

/// Logical ids of functions whose answers stream: the target of a `RESPONSE_STREAM` Function
/// URL, or of a REST method integration with `ResponseTransferMode: STREAM`.
fn streamed_functions(template: &Value) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    let resources = template.get("Resources").and_then(Value::as_object);
    for r in resources.into_iter().flatten().map(|(_, r)| r) {
        let props = r.get("Properties").unwrap_or(&Value::Null);
        let target = match r.get("Type").and_then(Value::as_str) {
            Some("AWS::Lambda::Url") if props.get("InvokeMode").and_then(Value::as_str) == Some("RESPONSE_STREAM") => {
                props.get("TargetFunctionArn")
            }
            Some("AWS::ApiGateway::Method")
                if props.pointer("/Integration/ResponseTransferMode").and_then(Value::as_str) == Some("STREAM") =>
            {
                props.pointer("/Integration/Uri")
            }
            _ => None,
        };
        if let Some(target) = target {
            referenced_ids(target, &mut out);
        }
    }
    out
}

/// Logical ids named by `Ref`/`Fn::GetAtt` anywhere in `value` (a `Fn::Sub` string's `${Id.Arn}` too).
fn referenced_ids(value: &Value, out: &mut std::collections::HashSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("Ref") {
                out.insert(id.clone());
            }
            if let Some(Value::Array(a)) = map.get("Fn::GetAtt") {
                if let Some(Value::String(id)) = a.first() {
                    out.insert(id.clone());
                }
            }
            if let Some(Value::String(s)) = map.get("Fn::Sub") {
                for part in s.split("${").skip(1) {
                    let name = part.split('}').next().unwrap_or_default();
                    out.insert(name.split('.').next().unwrap_or_default().to_owned());
                }
            }
            map.values().for_each(|v| referenced_ids(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| referenced_ids(v, out)),
        _ => {}
    }
}

/// Whether `query` names `function`: its path below the stack or with the stack in front
/// (`Support/Runner`, `SupportAgent/Support/Runner`), a prefix of it ending at a `/`, or its
/// logical id.
pub fn matches(function: &StackFunction, query: &str) -> bool {
    let query = query.trim_matches('/');
    let full = format!("{}/{}", function.stack, function.path);
    let under = |path: &str| path == query || path.strip_prefix(query).is_some_and(|rest| rest.starts_with('/'));
    under(&function.path) || under(&full) || function.logical_id == query
}

/// The functions the queries name (all of them when there are none); each query must name at
/// least one.
pub fn select<'a>(functions: &'a [StackFunction], queries: &[String]) -> Result<Vec<&'a StackFunction>> {
    if queries.is_empty() {
        return Ok(functions.iter().collect());
    }
    let mut out: Vec<&StackFunction> = Vec::new();
    for query in queries {
        let found: Vec<&StackFunction> = functions.iter().filter(|f| matches(f, query)).collect();
        if found.is_empty() {
            return Err(Error::new(format!("no function at '{query}'")).hint(known(functions)));
        }
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// The one function `query` names; an error listing the candidates when it names several.
pub fn select_one<'a>(functions: &'a [StackFunction], query: &str) -> Result<&'a StackFunction> {
    let found = select(functions, &[query.to_owned()])?;
    match found.as_slice() {
        [one] => Ok(one),
        many => Err(Error::new(format!("'{query}' names {} functions", many.len()))
            .hint(format!("name one: {}", many.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ")))),
    }
}

fn known(functions: &[StackFunction]) -> String {
    if functions.is_empty() {
        return "the stacks have no Lambda functions".to_owned();
    }
    format!("the functions are: {}", functions.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", "))
}

/// The deployed stack's physical ids by logical id (ListStackResources, every page).
pub async fn physical_ids(clients: &Clients, stack: &str) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut token = None;
    loop {
        let page = clients.cfn.list_stack_resources().stack_name(stack).set_next_token(token).send().await.map_err(|e| {
            if is_missing_stack(&e) {
                Error::new(format!("{stack} is not deployed")).hint("deploy it first: cargo agentcdk deploy")
            } else {
                sdk_error(format!("list-stack-resources {stack}"), &e)
            }
        })?;
        for r in page.stack_resource_summaries() {
            if let (Some(logical), Some(physical)) = (r.logical_resource_id(), r.physical_resource_id()) {
                out.insert(logical.to_owned(), physical.to_owned());
            }
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// A function as deployed: its name and log group's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed<'a> {
    /// The function as declared.
    pub function: &'a StackFunction,
    /// Its physical name.
    pub name: String,
    /// Its log group's name.
    pub log_group: String,
}

/// The deployed names of `functions`, reading each (nested) stack's resources once.
pub async fn deployed<'a>(clients: &Clients, functions: &[&'a StackFunction]) -> Result<Vec<Deployed<'a>>> {
    let mut ids: BTreeMap<(&str, Option<&str>), HashMap<String, String>> = BTreeMap::new();
    let mut out = Vec::new();
    for f in functions {
        let root = (f.stack.as_str(), None);
        if let std::collections::btree_map::Entry::Vacant(e) = ids.entry(root) {
            e.insert(physical_ids(clients, &f.stack).await?);
        }
        let key = (f.stack.as_str(), f.nested.as_deref());
        if let (Some(nested), false) = (f.nested.as_deref(), ids.contains_key(&key)) {
            // A nested stack's physical id is its stack ARN, which ListStackResources takes.
            let arn = ids[&root].get(nested).cloned().ok_or_else(|| {
                Error::new(format!("{}: the deployed stack has no nested stack {nested}", f.stack))
                    .hint("deploy the stack first: the local template has it, the deployed one does not")
            })?;
            ids.insert(key, physical_ids(clients, &arn).await?);
        }
        out.push(name_of(f, &ids[&key])?);
    }
    Ok(out)
}

/// The function's deployed name and log group from the stack's physical ids.
pub fn name_of<'a>(function: &'a StackFunction, ids: &HashMap<String, String>) -> Result<Deployed<'a>> {
    let name = ids.get(&function.logical_id).cloned().ok_or_else(|| {
        Error::new(format!("{}/{}: the deployed stack has no resource {}", function.stack, function.path, function.logical_id))
            .hint("deploy the stack first: the local template has it, the deployed one does not")
    })?;
    let log_group = match &function.log_group {
        LogGroup::Named(group) => group.clone(),
        LogGroup::Resource(id) => ids.get(id).cloned().unwrap_or_else(|| format!("/aws/lambda/{name}")),
        LogGroup::Default => format!("/aws/lambda/{name}"),
    };
    Ok(Deployed { function, name, log_group })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn artifact(template: Value, paths: &[(&str, &str)]) -> StackArtifact {
        let mut stack = crate::deploy::tests::artifact();
        stack.name = "App".into();
        stack.json = template;
        stack.manifest.construct_paths = paths.iter().map(|(id, p)| ((*id).to_owned(), (*p).to_owned())).collect();
        stack
    }

    fn template() -> Value {
        json!({"Resources": {
            "RunnerFn": {"Type": "AWS::Lambda::Function", "Properties": {"LoggingConfig": {"LogGroup": {"Ref": "RunnerLogs"}}}},
            "RunnerLogs": {"Type": "AWS::Logs::LogGroup"},
            "HandlerFn": {"Type": "AWS::Lambda::Function", "Properties": {"LoggingConfig": {"LogGroup": "/fixed/name"}}},
            "StreamFn": {"Type": "AWS::Lambda::Function"},
            "StreamUrl": {"Type": "AWS::Lambda::Url", "Properties": {"InvokeMode": "RESPONSE_STREAM", "TargetFunctionArn": {"Fn::GetAtt": ["StreamFn", "Arn"]}}},
            "RestStreamFn": {"Type": "AWS::Lambda::Function"},
            "Method": {"Type": "AWS::ApiGateway::Method", "Properties": {"Integration": {"ResponseTransferMode": "STREAM",
                "Uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2021-11-15/functions/${RestStreamFn.Arn}/response-streaming-invocations"}}}},
            "BufferedUrl": {"Type": "AWS::Lambda::Url", "Properties": {"InvokeMode": "BUFFERED", "TargetFunctionArn": {"Fn::GetAtt": ["HandlerFn", "Arn"]}}}
        }})
    }

    fn functions() -> Vec<StackFunction> {
        stack_functions(&artifact(
            template(),
            &[
                ("RunnerFn", "App/Support/Runner/Function"),
                ("HandlerFn", "App/Support/Handler/Function"),
                ("StreamFn", "App/Writer/Stream"),
                ("RestStreamFn", "App/Writer/RestStream"),
            ],
        ))
    }

    #[test]
    fn functions_carry_path_log_group_and_streaming() {
        let fs = functions();
        let summary: Vec<(&str, &LogGroup, bool)> = fs.iter().map(|f| (f.path.as_str(), &f.log_group, f.streaming)).collect();
        assert_eq!(
            summary,
            [
                ("Support/Runner/Function", &LogGroup::Resource("RunnerLogs".into()), false),
                ("Support/Handler/Function", &LogGroup::Named("/fixed/name".into()), false),
                ("Writer/Stream", &LogGroup::Default, true),
                ("Writer/RestStream", &LogGroup::Default, true),
            ]
        );
    }

    #[test]
    fn paths_select_by_prefix_with_or_without_the_stack() {
        let fs = functions();
        let paths = |q: &[&str]| -> Vec<String> {
            select(&fs, &q.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap().iter().map(|f| f.path.clone()).collect()
        };
        assert_eq!(paths(&["Support/Runner"]), ["Support/Runner/Function"]);
        assert_eq!(paths(&["App/Support/Runner/"]), ["Support/Runner/Function"]);
        assert_eq!(paths(&["Support"]), ["Support/Runner/Function", "Support/Handler/Function"]);
        assert_eq!(paths(&["HandlerFn", "Support"]), ["Support/Handler/Function", "Support/Runner/Function"], "no duplicates");
        assert_eq!(paths(&[]).len(), 4, "all by default");
        assert!(select(&fs, &["Supp".to_owned()]).is_err(), "a prefix must end at a path separator");
        let e = select(&fs, &["Nope".to_owned()]).unwrap_err();
        assert_eq!(e.message, "no function at 'Nope'");
        assert!(e.hint.unwrap().contains("Support/Runner/Function, Support/Handler/Function"));
        let e = select_one(&fs, "Writer").unwrap_err();
        assert_eq!(e.message, "'Writer' names 2 functions");
        assert_eq!(e.hint.as_deref(), Some("name one: Writer/Stream, Writer/RestStream"));
        assert_eq!(select_one(&fs, "Writer/Stream").unwrap().logical_id, "StreamFn");
    }

    #[test]
    fn functions_of_nested_stacks_carry_their_paths_and_stack() {
        let mut stack = artifact(template(), &[("RunnerFn", "App/Support/Runner/Function")]);
        let child =
            json!({"Resources": {"BillingFn": {"Type": "AWS::Lambda::Function"}, "BillingTable": {"Type": "AWS::DynamoDB::Table"}}});
        stack.nested.push(agentcdk_synth::NestedArtifact {
            logical_id: "Billing".into(),
            template: child.to_string(),
            json: child,
            manifest: agentcdk_synth::manifest::NestedStackManifest {
                template_file: "App.Billing.template.json".into(),
                object_key: "k.template.json".into(),
                subtree: "Billing".into(),
                parameters: vec![],
                outputs: vec![],
                resources: 2,
                template_bytes: 0,
                construct_paths: [("BillingFn".to_owned(), "App/Billing/Handler/Function".to_owned())].into_iter().collect(),
            },
        });
        let fs = stack_functions(&stack);
        let billing = select_one(&fs, "Billing/Handler").unwrap();
        assert_eq!((billing.logical_id.as_str(), billing.nested.as_deref()), ("BillingFn", Some("Billing")));
        assert_eq!(select_one(&fs, "Support/Runner").unwrap().nested, None);
        assert_eq!(fs.len(), 5, "the root's four and the nested stack's one");
    }

    #[test]
    fn deployed_names_and_log_groups() {
        let fs = functions();
        let ids: HashMap<String, String> =
            [("RunnerFn", "app-runner-1"), ("RunnerLogs", "app-runner-logs"), ("HandlerFn", "app-handler-2"), ("StreamFn", "app-stream-3")]
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .into();
        let groups: Vec<String> = fs[..3].iter().map(|f| name_of(f, &ids).unwrap().log_group).collect();
        assert_eq!(groups, ["app-runner-logs", "/fixed/name", "/aws/lambda/app-stream-3"]);
        let e = name_of(&fs[3], &ids).unwrap_err();
        assert!(e.message.contains("the deployed stack has no resource RestStreamFn"), "{e}");
    }
}
