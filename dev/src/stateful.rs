//! The stack's stateful resources (queues, tables, buckets), created in moto by deploying the
//! template's own definitions of them into moto's CloudFormation — no second interpretation of
//! FIFO, redrive, visibility, keys, GSIs or TTL — and their physical ids read back through stack
//! outputs that moto resolves itself.
//!
//! Everything else gets a local value: functions their names and ARNs, APIs local ids.
//! Encryption properties that point at the stack's KMS key are left out (moto crashes on KMS key
//! tags; local data needs no key) — so are any other properties referring to a resource outside
//! the subset.

use std::collections::HashSet;

use aws_sdk_cloudformation::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudformation::types::StackStatus;
use serde_json::{json, Map, Value};

use crate::assembly::Assembly;
use crate::intrinsics::Locals;
use crate::moto::{ACCOUNT_ID, REGION};
use crate::DevError;

/// Types created in moto, each with the attributes read back.
const STATEFUL: &[(&str, &[&str])] = &[
    ("AWS::SQS::Queue", &["Arn", "QueueName"]),
    ("AWS::DynamoDB::Table", &["Arn"]),
    ("AWS::S3::Bucket", &["Arn", "DomainName", "RegionalDomainName"]),
    // The buses: their rules and archives follow once the front doors are known ([`crate::events`]).
    ("AWS::Events::EventBus", &["Arn", "Name"]),
];

/// Dummy credentials moto accepts (any do).
pub fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "agentcdk-dev")
}

/// The subset template: stateful resources, their properties minus references outside it, and
/// one output per value to read back. Returns the template and what each output is.
pub fn subset(assembly: &Assembly) -> (Value, Vec<(String, Option<String>)>) {
    let keep: HashSet<&str> = STATEFUL.iter().flat_map(|(t, _)| assembly.of_type(t).map(|(id, _)| id)).collect();
    let mut resources = Map::new();
    let mut outputs = Map::new();
    let mut read_back = Vec::new();
    for (id, r) in assembly.resources() {
        let Some((ty, attrs)) = STATEFUL.iter().find(|(t, _)| r["Type"] == *t) else { continue };
        let mut props: Map<String, Value> = r["Properties"].as_object().cloned().unwrap_or_default();
        props.retain(|_, v| refs_of(v).iter().all(|target| keep.contains(target.as_str()) || target.starts_with("AWS::")));
        if *ty == "AWS::SQS::Queue" && props.get("FifoQueue") == Some(&json!(true)) && !props.contains_key("QueueName") {
            // moto crashes on a FIFO queue without a name; AWS generates one ending in .fifo.
            props.insert("QueueName".into(), json!(format!("{}-{id}.fifo", assembly.stack)));
        }
        resources.insert(id.clone(), json!({"Type": ty, "Properties": props}));
        let mut add = |attr: Option<&str>, value: Value| {
            outputs.insert(format!("V{}", read_back.len()), json!({ "Value": value }));
            read_back.push((id.clone(), attr.map(str::to_owned)));
        };
        add(None, json!({"Ref": id}));
        for a in *attrs {
            add(Some(a), json!({"Fn::GetAtt": [id, a]}));
        }
    }
    (json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs}), read_back)
}

/// Logical ids a value refers to (`Ref`, `Fn::GetAtt`, `${X}` in `Fn::Sub`).
pub(crate) fn refs_of(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_refs(v, &mut out);
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, a) in m {
                match (k.as_str(), a) {
                    ("Ref", Value::String(s)) => out.push(s.clone()),
                    ("Fn::GetAtt", Value::Array(p)) => out.extend(p.first().and_then(Value::as_str).map(str::to_owned)),
                    ("Fn::Sub", s) => {
                        let text = s.as_str().or_else(|| s.get(0).and_then(Value::as_str)).unwrap_or_default();
                        for part in text.split("${").skip(1) {
                            let name = part.split('}').next().unwrap_or_default();
                            out.push(name.split('.').next().unwrap_or_default().to_owned());
                        }
                        if let Some(vars) = s.get(1) {
                            collect_refs(vars, out);
                        }
                    }
                    _ => collect_refs(a, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

/// Deploys the subset into moto and returns the local values of every resource.
pub async fn create(assembly: &Assembly, endpoint: &str) -> Result<Locals, DevError> {
    deploy(assembly, endpoint, Deploy::Create).await
}

/// How [`deploy`] reaches moto's stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deploy {
    /// `CreateStack` (dev's start).
    Create,
    /// `UpdateStack` with the new subset (a reload whose queues, tables or buckets changed):
    /// CloudFormation adds, removes, updates or replaces each resource as its own update rules say.
    Update,
    /// Nothing changed: the outputs are read again (for the new template's other resources).
    Read,
}

/// The subset of `assembly` deployed into moto as `how` says; the local values of every resource.
pub async fn deploy(assembly: &Assembly, endpoint: &str, how: Deploy) -> Result<Locals, DevError> {
    let (template, read_back) = subset(assembly);
    let stack = apply(endpoint, &assembly.stack, &template, how)
        .await
        .map_err(|e| DevError::Start(format!("creating the queues, tables and buckets in moto: {e}")))?;
    let mut locals = placeholders(assembly);
    for o in stack.outputs.unwrap_or_default() {
        let (Some(key), Some(value)) = (o.output_key, o.output_value) else { continue };
        let Some((id, attr)) = key.strip_prefix('V').and_then(|i| i.parse::<usize>().ok()).and_then(|i| read_back.get(i)) else { continue };
        match attr {
            None => locals.refs.insert(id.clone(), value),
            Some(a) => locals.attrs.insert((id.clone(), a.clone()), value),
        };
    }
    Ok(locals)
}

/// Creates or updates (as `how` says) stack `name` in moto's CloudFormation with `template`,
/// and waits until it is done; the stack as described then.
pub(crate) async fn apply(
    endpoint: &str,
    name: &str,
    template: &Value,
    how: Deploy,
) -> Result<aws_sdk_cloudformation::types::Stack, String> {
    let cfn = cloudformation(endpoint);
    let context = |e: &dyn std::error::Error| format!("{}", aws_sdk_cloudformation::error::DisplayErrorContext(e));
    match how {
        Deploy::Create => {
            cfn.create_stack().stack_name(name).template_body(template.to_string()).send().await.map_err(|e| context(&e))?;
        }
        Deploy::Update => {
            cfn.update_stack().stack_name(name).template_body(template.to_string()).send().await.map_err(|e| context(&e))?;
        }
        Deploy::Read => {}
    }
    loop {
        let out = cfn.describe_stacks().stack_name(name).send().await.map_err(|e| context(&e))?;
        let stack = out.stacks.and_then(|s| s.into_iter().next()).ok_or("stack vanished")?;
        match stack.stack_status {
            Some(StackStatus::CreateInProgress | StackStatus::UpdateInProgress | StackStatus::UpdateCompleteCleanupInProgress) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Some(StackStatus::CreateComplete | StackStatus::UpdateComplete) => return Ok(stack),
            other => return Err(format!("status {other:?}: {}", stack.stack_status_reason.unwrap_or_default())),
        }
    }
}

/// A CloudFormation client of moto; no retries: a create that moto fails half-way (a 500) would
/// be retried into `AlreadyExists`, hiding moto's own error.
pub(crate) fn cloudformation(endpoint: &str) -> aws_sdk_cloudformation::Client {
    let conf = aws_sdk_cloudformation::Config::builder()
        .retry_config(aws_sdk_cloudformation::config::retry::RetryConfig::disabled())
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_cloudformation::Client::from_conf(conf)
}

/// Local values of everything moto does not hold: parameters (their defaults; the asset
/// bucket a placeholder), functions (`<stack>-<logical id>` and its ARN), any other resource
/// (its logical id and an ARN naming it).
fn placeholders(assembly: &Assembly) -> Locals {
    let mut l = Locals { stack: assembly.stack.clone(), ..Default::default() };
    if let Some(params) = assembly.template["Parameters"].as_object() {
        for (name, p) in params {
            l.refs.insert(name.clone(), p["Default"].as_str().unwrap_or("agentcdk-dev-local").to_owned());
        }
    }
    for (id, r) in assembly.resources() {
        let ty = r["Type"].as_str().unwrap_or_default();
        let service = ty.split("::").nth(1).unwrap_or("local").to_ascii_lowercase();
        let (reference, arn) = match ty {
            "AWS::Lambda::Function" => {
                let name = function_name(&assembly.stack, id, &r["Properties"]);
                (name.clone(), format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"))
            }
            "AWS::SecretsManager::Secret" => {
                let arn = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{}-{id}", assembly.stack);
                (arn.clone(), arn)
            }
            _ => (local_id(id), format!("arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{id}")),
        };
        l.refs.insert(id.clone(), reference);
        l.attrs.insert((id.clone(), "Arn".into()), arn);
        l.attrs.insert((id.clone(), "RootResourceId".into()), "root".into());
    }
    l
}

/// A function's local name: its `FunctionName`, else `<stack>-<logical id>` (CloudFormation's
/// generated names have the same shape).
pub fn function_name(stack: &str, id: &str, props: &Value) -> String {
    props["FunctionName"].as_str().map(str::to_owned).unwrap_or_else(|| format!("{stack}-{id}"))
}

/// A short lower-case id for APIs and other resources (API Gateway ids are 10 lower-case
/// alphanumerics).
pub fn local_id(logical: &str) -> String {
    logical.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).take(10).collect()
}
