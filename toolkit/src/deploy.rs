//! `deploy`, `destroy` and `outputs`: CloudFormation change sets, stack events, outputs.

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::time::Duration;

use agentcdk_synth::{StackArtifact, ASSET_BUCKET_PARAMETER};
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, StackEvent, Tag};
use console::style;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::changes::{format_summary, ResourceChange};
use crate::package::{size, Staged};
use crate::{DeployArgs, Error, Result};

/// Templates larger than this must be read by CloudFormation from S3.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// How often stack and change-set status is polled.
const POLL: Duration = Duration::from_secs(2);

/// Deploys every stack of the cloud assembly, in order; stops at the first that fails.
pub async fn deploy(clients: &Clients, stacks: &[StackArtifact], staged: &[Staged], args: &DeployArgs) -> Result<()> {
    for (key, _) in &args.parameters {
        if !stacks.iter().any(|s| s.manifest.parameters.contains_key(key)) {
            let declared: Vec<&str> = stacks.iter().flat_map(|s| s.manifest.parameters.keys()).map(String::as_str).collect();
            return Err(Error::new(format!("--parameter {key}: no selected stack declares a parameter '{key}'"))
                .hint(format!("declared parameters: {}", if declared.is_empty() { "none".to_owned() } else { declared.join(", ") })));
        }
    }
    for stack in stacks {
        deploy_stack(clients, stack, staged, args).await?;
    }
    Ok(())
}

/// What the stack's current state means for a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No stack (or only a change set, REVIEW_IN_PROGRESS): a CREATE change set.
    Create,
    /// A failed first create (ROLLBACK_COMPLETE): delete it, then CREATE.
    Recreate,
    /// An UPDATE change set.
    Update,
    /// Cannot deploy now; why, and what to do.
    Refuse(String, String),
}

/// The plan for a stack in `status` (`None`: it does not exist).
pub fn plan(status: Option<&str>) -> Plan {
    match status {
        None | Some("REVIEW_IN_PROGRESS") => Plan::Create,
        Some("ROLLBACK_COMPLETE") => Plan::Recreate,
        Some(s) if s.ends_with("_IN_PROGRESS") => {
            Plan::Refuse(format!("the stack is busy ({s})"), "wait until the operation in progress ends, then deploy again".to_owned())
        }
        Some(s @ ("ROLLBACK_FAILED" | "DELETE_FAILED")) => Plan::Refuse(
            format!("the stack is in {s}"),
            "delete it (destroy, or the console with the failing resources retained), then deploy again".to_owned(),
        ),
        Some("UPDATE_ROLLBACK_FAILED") => Plan::Refuse(
            "the stack is in UPDATE_ROLLBACK_FAILED".to_owned(),
            "aws cloudformation continue-update-rollback --stack-name <stack>, then deploy again".to_owned(),
        ),
        Some(_) => Plan::Update,
    }
}

/// The capabilities a template needs: `CAPABILITY_IAM` for IAM resources,
/// `CAPABILITY_NAMED_IAM` when one has a fixed name, `CAPABILITY_AUTO_EXPAND` for transforms.
pub fn required_capabilities(template: &Value) -> Vec<Capability> {
    const NAMES: [(&str, &str); 5] = [
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::IAM::User", "UserName"),
        ("AWS::IAM::Group", "GroupName"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
        ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
    ];
    let mut caps = Vec::new();
    let resources = template.get("Resources").and_then(Value::as_object);
    let types = resources.into_iter().flat_map(|r| r.values());
    let mut iam = false;
    let mut named = false;
    for r in types {
        let kind = r.get("Type").and_then(Value::as_str).unwrap_or_default();
        if kind.starts_with("AWS::IAM::") {
            iam = true;
            named |= NAMES.iter().any(|(t, p)| *t == kind && r.get("Properties").and_then(|props| props.get(*p)).is_some());
        }
    }
    if iam {
        caps.push(Capability::CapabilityIam);
    }
    if named {
        caps.push(Capability::CapabilityNamedIam);
    }
    if template.get("Transform").is_some() {
        caps.push(Capability::CapabilityAutoExpand);
    }
    caps
}

async fn deploy_stack(clients: &Clients, stack: &StackArtifact, staged: &[Staged], args: &DeployArgs) -> Result<()> {
    let name = stack.name.as_str();
    println!("{}", style(format!("{name}: deploying")).bold());
    let large = stack.template.len() > MAX_TEMPLATE_BODY;
    let bucket = match (&args.bucket, stack.manifest.assets.is_empty() && !large) {
        (Some(b), _) => Some(b.as_str()),
        (None, true) => None,
        (None, false) => {
            let why = if large {
                format!("its template is {} (over 51,200 bytes)", size(stack.template.len()))
            } else {
                "it has assets".to_owned()
            };
            return Err(Error::new(format!("{name}: --bucket is needed: {why}"))
                .hint("pass --bucket BUCKET (an S3 bucket in the stack's region; create one with `aws s3 mb s3://BUCKET`)"));
        }
    };
    if let Some(bucket) = bucket {
        if let Err(e) = clients.s3.head_bucket().bucket(bucket).send().await {
            let missing = e.as_service_error().is_some_and(|s| s.is_not_found());
            let err = sdk_error(format!("bucket {bucket}"), &e);
            return Err(if missing {
                Error::new(format!("bucket {bucket} does not exist")).hint(format!("create it once: aws s3 mb s3://{bucket}"))
            } else {
                err
            });
        }
        upload_assets(clients, stack, staged, bucket).await?;
    }

    let described = match clients.cfn.describe_stacks().stack_name(name).send().await {
        Ok(answer) => answer.stacks().first().cloned(),
        Err(e) if is_missing_stack(&e) => None,
        Err(e) => return Err(sdk_error(format!("describe-stacks {name}"), &e)),
    };
    let status = described.as_ref().and_then(|s| s.stack_status()).map(|s| s.as_str().to_owned());
    let kind = match plan(status.as_deref()) {
        Plan::Create => ChangeSetType::Create,
        Plan::Update => ChangeSetType::Update,
        Plan::Recreate => {
            println!("{name}: ROLLBACK_COMPLETE (its first create failed): deleting it before creating it again");
            let id = described.as_ref().and_then(|s| s.stack_id()).unwrap_or(name).to_owned();
            clients.cfn.delete_stack().stack_name(&id).send().await.map_err(|e| sdk_error(format!("delete-stack {name}"), &e))?;
            let end = watch_stack(clients, &id, name, 0).await?;
            if end.status != "DELETE_COMPLETE" {
                return Err(failure(name, &end, "could not delete the rolled-back stack"));
            }
            ChangeSetType::Create
        }
        Plan::Refuse(why, hint) => return Err(Error::new(format!("{name}: cannot deploy: {why}")).hint(hint.replace("<stack>", name))),
    };

    let parameters = parameters(stack, bucket, &args.parameters, kind == ChangeSetType::Update)?;
    let change_set_name =
        format!("agentcdk-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis()));
    let mut create = clients
        .cfn
        .create_change_set()
        .stack_name(name)
        .change_set_name(&change_set_name)
        .change_set_type(kind.clone())
        .description("agentcdk deploy")
        .set_parameters(Some(parameters))
        .set_capabilities(Some(required_capabilities(&stack.json)));
    for (k, v) in &stack.manifest.tags {
        create = create.tags(Tag::builder().key(k).value(v).build());
    }
    create = match bucket.filter(|_| large) {
        Some(bucket) => {
            let digest: String = Sha256::digest(stack.template.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect();
            let key = format!("templates/{name}-{digest}.template.json");
            clients
                .s3
                .put_object()
                .bucket(bucket)
                .key(&key)
                .body(stack.template.clone().into_bytes().into())
                .send()
                .await
                .map_err(|e| sdk_error(format!("upload of the template to s3://{bucket}/{key}"), &e))?;
            println!("  template ({}) uploaded to s3://{bucket}/{key}", size(stack.template.len()));
            create.template_url(clients.object_url(bucket, &key))
        }
        None => create.template_body(&stack.template),
    };
    let created = match create.send().await {
        Ok(created) => created,
        // Some implementations (moto) refuse an empty change set right away instead of failing it.
        Err(e) if is_no_changes(&crate::aws::error_text(&e)) => {
            println!("{name}: no changes");
            return print_outputs(clients, name).await;
        }
        Err(e) => return Err(sdk_error(format!("create-change-set {name}"), &e)),
    };
    let change_set_id = created.id().unwrap_or(&change_set_name).to_owned();
    let stack_id = created.stack_id().unwrap_or(name).to_owned();

    // A CREATE change set made an empty stack (REVIEW_IN_PROGRESS): if it is not executed,
    // delete that too, so nothing is left behind.
    let made_empty_stack = kind == ChangeSetType::Create && status.as_deref() != Some("REVIEW_IN_PROGRESS");
    let (cs_status, reason, changes) = wait_for_change_set(clients, &change_set_id, name).await?;
    if cs_status == ChangeSetStatus::Failed {
        let _ = clients.cfn.delete_change_set().change_set_name(&change_set_id).send().await;
        if made_empty_stack {
            let _ = clients.cfn.delete_stack().stack_name(&stack_id).send().await;
        }
        if is_no_changes(&reason) {
            println!("{name}: no changes");
            print_outputs(clients, &stack_id).await?;
            return Ok(());
        }
        return Err(Error::new(format!("{name}: the change set failed: {reason}")));
    }
    println!("{name}: change set {change_set_name} ({})", kind.as_str());
    print!("{}", format_summary(&changes));

    if !args.yes {
        let confirmed = confirm(&format!("Deploy {name}?"));
        if confirmed != Some(true) {
            let _ = clients.cfn.delete_change_set().change_set_name(&change_set_id).send().await;
            if made_empty_stack {
                let _ = clients.cfn.delete_stack().stack_name(&stack_id).send().await;
            }
            return Err(match confirmed {
                None => Error::new(format!("{name}: not deployed: confirmation needs a terminal"))
                    .hint("pass --yes to deploy without confirmation"),
                _ => Error::new(format!("{name}: not deployed (declined); the change set was deleted")),
            });
        }
    }

    let marker = newest_event(clients, &stack_id).await?;
    clients
        .cfn
        .execute_change_set()
        .change_set_name(&change_set_id)
        .send()
        .await
        .map_err(|e| sdk_error(format!("execute-change-set {name}"), &e))?;
    let resources = stack.json.get("Resources").and_then(Value::as_object).map_or(0, |r| r.len());
    let end = watch_stack_from(clients, &stack_id, name, resources, marker).await?;
    if end.status == "CREATE_COMPLETE" || end.status == "UPDATE_COMPLETE" {
        println!("{}", style(format!("{name}: {}", end.status)).green().bold());
        print_outputs(clients, &stack_id).await
    } else {
        Err(failure(name, &end, "deployment failed"))
    }
}

/// Whether a change set failure (or refusal) means there is nothing to deploy.
fn is_no_changes(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// Parameters for the change set: `AssetBucket` from `--bucket`, then `--parameter`s the stack
/// declares; a parameter without default and value keeps its previous value on update, and is
/// an error on create.
fn parameters(stack: &StackArtifact, bucket: Option<&str>, given: &[(String, String)], update: bool) -> Result<Vec<Parameter>> {
    let mut values: BTreeMap<&str, &str> = BTreeMap::new();
    if let (Some(bucket), true) = (bucket, stack.manifest.parameters.contains_key(ASSET_BUCKET_PARAMETER)) {
        values.insert(ASSET_BUCKET_PARAMETER, bucket);
    }
    for (k, v) in given {
        if stack.manifest.parameters.contains_key(k) {
            values.insert(k, v);
        }
    }
    let mut out = Vec::new();
    for (key, declared) in &stack.manifest.parameters {
        match values.get(key.as_str()) {
            Some(v) => out.push(Parameter::builder().parameter_key(key).parameter_value(*v).build()),
            None if declared.default.is_some() => {}
            None if update => out.push(Parameter::builder().parameter_key(key).use_previous_value(true).build()),
            None => {
                return Err(Error::new(format!("{}: parameter {key} has no default and no value", stack.name))
                    .hint(format!("pass --parameter {key}=VALUE")))
            }
        }
    }
    Ok(out)
}

async fn upload_assets(clients: &Clients, stack: &StackArtifact, staged: &[Staged], bucket: &str) -> Result<()> {
    for hash in &stack.manifest.assets {
        let asset = staged
            .iter()
            .find(|s| &s.hash == hash)
            .ok_or_else(|| Error::new(format!("{}: asset {hash} was not packaged", stack.name)).hint("run package"))?;
        let exists = match clients.s3.head_object().bucket(bucket).key(&asset.object_key).send().await {
            Ok(_) => true,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => false,
            Err(e) => return Err(sdk_error(format!("head-object s3://{bucket}/{}", asset.object_key), &e)),
        };
        if exists {
            println!("  asset s3://{bucket}/{}: already uploaded", asset.object_key);
            continue;
        }
        let body = std::fs::read(&asset.file).map_err(|e| Error::new(format!("cannot read {}: {e}", asset.file.display())))?;
        let len = body.len();
        clients
            .s3
            .put_object()
            .bucket(bucket)
            .key(&asset.object_key)
            .body(body.into())
            .send()
            .await
            .map_err(|e| sdk_error(format!("upload of s3://{bucket}/{}", asset.object_key), &e))?;
        println!("  asset s3://{bucket}/{}: uploaded ({})", asset.object_key, size(len));
    }
    Ok(())
}

async fn wait_for_change_set(clients: &Clients, id: &str, name: &str) -> Result<(ChangeSetStatus, String, Vec<ResourceChange>)> {
    loop {
        let mut changes = Vec::new();
        let mut token: Option<String> = None;
        let (status, reason) = loop {
            let answer = clients
                .cfn
                .describe_change_set()
                .change_set_name(id)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| sdk_error(format!("describe-change-set {name}"), &e))?;
            for change in answer.changes() {
                if let Some(rc) = change.resource_change() {
                    changes.push(ResourceChange {
                        action: rc.action().map(|a| a.as_str().to_owned()).unwrap_or_default(),
                        logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
                        resource_type: rc.resource_type().unwrap_or_default().to_owned(),
                        replacement: rc.replacement().map(|r| r.as_str().to_owned()),
                    });
                }
            }
            token = answer.next_token().map(str::to_owned);
            if token.is_none() {
                break (answer.status().cloned(), answer.status_reason().unwrap_or_default().to_owned());
            }
        };
        match status {
            Some(s @ (ChangeSetStatus::CreateComplete | ChangeSetStatus::Failed)) => return Ok((s, reason, changes)),
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// How a watched stack operation ended.
#[derive(Debug, Clone)]
struct End {
    status: String,
    reason: Option<String>,
    failures: Vec<String>,
}

fn failure(name: &str, end: &End, what: &str) -> Error {
    let mut message = format!("{name}: {what}: {}", end.status);
    if let Some(reason) = &end.reason {
        message.push_str(&format!(" ({reason})"));
    }
    if !end.failures.is_empty() {
        message.push_str("\nfailed resources:");
        for f in &end.failures {
            message.push_str(&format!("\n  {f}"));
        }
    }
    Error::new(message)
}

/// The id of the stack's newest event (events after it belong to what we start now).
async fn newest_event(clients: &Clients, stack_id: &str) -> Result<Option<String>> {
    match clients.cfn.describe_stack_events().stack_name(stack_id).send().await {
        Ok(answer) => Ok(answer.stack_events().first().and_then(|e| e.event_id()).map(str::to_owned)),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(sdk_error("describe-stack-events", &e)),
    }
}

async fn watch_stack(clients: &Clients, stack_id: &str, name: &str, resources: usize) -> Result<End> {
    let marker = newest_event(clients, stack_id).await?;
    watch_stack_from(clients, stack_id, name, resources, marker).await
}

/// Prints the stack's events after `marker` as they come, with a progress bar, until the
/// stack leaves `*_IN_PROGRESS`.
async fn watch_stack_from(clients: &Clients, stack_id: &str, name: &str, resources: usize, mut marker: Option<String>) -> Result<End> {
    let bar = ProgressBar::new(resources as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} resources  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut failures = Vec::new();
    let result = loop {
        let events = new_events(clients, stack_id, &mut marker).await?;
        for event in &events {
            let status = event.resource_status().map(|s| s.as_str()).unwrap_or("?");
            let logical = event.logical_resource_id().unwrap_or("?");
            let reason = event.resource_status_reason().unwrap_or_default();
            let line = format_event(event);
            bar.suspend(|| println!("{line}"));
            let is_stack = logical == name;
            if !is_stack && status.ends_with("_COMPLETE") && !status.contains("ROLLBACK") {
                bar.inc(1);
            }
            if status.ends_with("_FAILED") && !reason.is_empty() && !reason.contains("Resource creation cancelled") {
                failures.push(format!("{logical} ({}): {reason}", event.resource_type().unwrap_or("?")));
            }
            bar.set_message(status.to_owned());
        }
        let described = clients.cfn.describe_stacks().stack_name(stack_id).send().await;
        let stack = match described {
            Ok(answer) => answer.stacks().first().cloned(),
            Err(e) if is_missing_stack(&e) => None,
            Err(e) => {
                bar.finish_and_clear();
                return Err(sdk_error(format!("describe-stacks {name}"), &e));
            }
        };
        let Some(stack) = stack else {
            break End { status: "DELETE_COMPLETE".to_owned(), reason: None, failures };
        };
        let status = stack.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        if !status.ends_with("_IN_PROGRESS") {
            // Events written together with the final status.
            for event in new_events(clients, stack_id, &mut marker).await? {
                let line = format_event(&event);
                bar.suspend(|| println!("{line}"));
            }
            break End { status, reason: stack.stack_status_reason().map(str::to_owned), failures };
        }
        tokio::time::sleep(POLL).await;
    };
    bar.finish_and_clear();
    Ok(result)
}

/// Events newer than `marker`, oldest first; moves `marker` to the newest.
async fn new_events(clients: &Clients, stack_id: &str, marker: &mut Option<String>) -> Result<Vec<StackEvent>> {
    let mut fresh = Vec::new();
    let mut token: Option<String> = None;
    'pages: for _ in 0..20 {
        let answer = match clients.cfn.describe_stack_events().stack_name(stack_id).set_next_token(token.clone()).send().await {
            Ok(a) => a,
            Err(e) if is_missing_stack(&e) => break,
            Err(e) => return Err(sdk_error("describe-stack-events", &e)),
        };
        for event in answer.stack_events() {
            if event.event_id().is_some() && event.event_id() == marker.as_deref() {
                break 'pages;
            }
            fresh.push(event.clone());
        }
        token = answer.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if let Some(newest) = fresh.first().and_then(|e| e.event_id()) {
        *marker = Some(newest.to_owned());
    }
    fresh.reverse();
    Ok(fresh)
}

/// `HH:MM:SS  STATUS  LogicalId  Type  reason`, coloured by status.
pub fn format_event(event: &StackEvent) -> String {
    let time = event
        .timestamp()
        .map(|t| t.secs().rem_euclid(86_400))
        .map_or_else(|| "--:--:--".to_owned(), |s| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60));
    let status = event.resource_status().map(|s| s.as_str()).unwrap_or("?");
    let styled = if status.ends_with("FAILED") || status.contains("ROLLBACK") {
        style(format!("{status:<20}")).red()
    } else if status.ends_with("_COMPLETE") {
        style(format!("{status:<20}")).green()
    } else {
        style(format!("{status:<20}")).dim()
    };
    let mut line = format!(
        "  {time}  {styled}  {}  {}",
        event.logical_resource_id().unwrap_or("?"),
        style(event.resource_type().unwrap_or("?")).dim()
    );
    if let Some(reason) = event.resource_status_reason().filter(|r| !r.is_empty()) {
        line.push_str(&format!("  {reason}"));
    }
    line
}

/// Asks a yes/no question on the terminal. `None`: stdin is not a terminal.
fn confirm(question: &str) -> Option<bool> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok()?;
    Some(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// A deployed stack's outputs: (key, value, description).
pub async fn stack_outputs(clients: &Clients, stack: &str) -> Result<Vec<(String, String, Option<String>)>> {
    let answer = clients.cfn.describe_stacks().stack_name(stack).send().await.map_err(|e| {
        if is_missing_stack(&e) {
            Error::new(format!("{stack} is not deployed")).hint("deploy it first")
        } else {
            sdk_error(format!("describe-stacks {stack}"), &e)
        }
    })?;
    let outputs = answer.stacks().first().map(|s| s.outputs().to_vec()).unwrap_or_default();
    Ok(outputs
        .iter()
        .map(|o| {
            (
                o.output_key().unwrap_or_default().to_owned(),
                o.output_value().unwrap_or_default().to_owned(),
                o.description().map(str::to_owned),
            )
        })
        .collect())
}

/// `  Key = Value` lines (`  (no outputs)` when there are none).
pub fn format_outputs(outputs: &[(String, String, Option<String>)]) -> String {
    if outputs.is_empty() {
        return "  (no outputs)\n".to_owned();
    }
    let width = outputs.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
    outputs.iter().map(|(k, v, _)| format!("  {k:<width$} = {v}\n")).collect()
}

async fn print_outputs(clients: &Clients, stack: &str) -> Result<()> {
    let outputs = stack_outputs(clients, stack).await?;
    println!("Outputs:");
    print!("{}", format_outputs(&outputs));
    Ok(())
}

/// Deletes each stack (last first: later stacks may use earlier ones' exports), after asking
/// unless `yes`.
pub async fn destroy(clients: &Clients, names: &[String], yes: bool) -> Result<()> {
    for name in names.iter().rev() {
        let described = match clients.cfn.describe_stacks().stack_name(name).send().await {
            Ok(answer) => answer.stacks().first().cloned(),
            Err(e) if is_missing_stack(&e) => None,
            Err(e) => return Err(sdk_error(format!("describe-stacks {name}"), &e)),
        };
        let Some(stack) = described else {
            println!("{name}: not deployed");
            continue;
        };
        if !yes {
            match confirm(&format!("Delete stack {name} and its resources (retained ones stay)?")) {
                Some(true) => {}
                Some(false) => return Err(Error::new(format!("{name}: not deleted (declined)"))),
                None => {
                    return Err(Error::new(format!("{name}: not deleted: confirmation needs a terminal"))
                        .hint("pass --yes to delete without confirmation"))
                }
            }
        }
        let id = stack.stack_id().unwrap_or(name).to_owned();
        let marker = newest_event(clients, &id).await?;
        clients.cfn.delete_stack().stack_name(&id).send().await.map_err(|e| sdk_error(format!("delete-stack {name}"), &e))?;
        let end = watch_stack_from(clients, &id, name, 0, marker).await?;
        if end.status != "DELETE_COMPLETE" {
            return Err(failure(name, &end, "delete failed"));
        }
        println!("{}", style(format!("{name}: DELETE_COMPLETE")).green().bold());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plans_follow_the_stack_status() {
        assert_eq!(plan(None), Plan::Create);
        assert_eq!(plan(Some("REVIEW_IN_PROGRESS")), Plan::Create);
        assert_eq!(plan(Some("ROLLBACK_COMPLETE")), Plan::Recreate);
        assert_eq!(plan(Some("CREATE_COMPLETE")), Plan::Update);
        assert_eq!(plan(Some("UPDATE_ROLLBACK_COMPLETE")), Plan::Update);
        assert!(matches!(plan(Some("UPDATE_IN_PROGRESS")), Plan::Refuse(..)));
        assert!(
            matches!(plan(Some("UPDATE_ROLLBACK_FAILED")), Plan::Refuse(w, h) if w.contains("UPDATE_ROLLBACK_FAILED") && h.contains("continue-update-rollback"))
        );
    }

    #[test]
    fn capabilities_from_the_template() {
        assert!(required_capabilities(&json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})).is_empty());
        assert_eq!(required_capabilities(&json!({"Resources": {"R": {"Type": "AWS::IAM::Role"}}})), [Capability::CapabilityIam]);
        assert_eq!(
            required_capabilities(
                &json!({"Transform": "AWS::Serverless-2016-10-31", "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}})
            ),
            [Capability::CapabilityIam, Capability::CapabilityNamedIam, Capability::CapabilityAutoExpand]
        );
    }

    fn artifact() -> StackArtifact {
        let mut app = agentcdk_synth::App::new();
        let stack = app.stack("S", agentcdk_synth::StackProps::default());
        stack.parameter("Stage", agentcdk_synth::Parameter::string().default_value("dev"));
        stack.parameter("Token", agentcdk_synth::Parameter::string());
        let q = stack.add("Q", agentcdk_synth::cfn::sqs::Queue::default());
        stack.output("Url", q.reference());
        app.synthesize(&[]).unwrap().stacks.remove(0)
    }

    #[test]
    fn parameters_given_defaulted_previous_or_missing() {
        let stack = artifact();
        let given = [("Token".to_owned(), "t".to_owned()), ("Other".to_owned(), "x".to_owned())];
        let ps = parameters(&stack, Some("b"), &given, false).unwrap();
        let keys: Vec<(&str, Option<&str>)> = ps.iter().map(|p| (p.parameter_key().unwrap(), p.parameter_value())).collect();
        assert_eq!(keys, [("Token", Some("t"))], "defaults left to CloudFormation, undeclared keys ignored");

        let e = parameters(&stack, None, &[], false).unwrap_err();
        assert!(e.message.contains("Token has no default"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("pass --parameter Token=VALUE"));

        let ps = parameters(&stack, None, &[], true).unwrap();
        assert_eq!(ps[0].use_previous_value(), Some(true), "an update keeps the previous value");
    }

    #[test]
    fn failures_name_the_resources_and_reasons() {
        let end = End {
            status: "ROLLBACK_COMPLETE".into(),
            reason: Some("The following resource(s) failed to create: [Fn]".into()),
            failures: vec!["Fn (AWS::Lambda::Function): Resource handler returned message: \"Error occurred while GetObject\"".into()],
        };
        assert_eq!(
            failure("S", &end, "deployment failed").to_string(),
            "error: S: deployment failed: ROLLBACK_COMPLETE (The following resource(s) failed to create: [Fn])\n\
             failed resources:\n  Fn (AWS::Lambda::Function): Resource handler returned message: \"Error occurred while GetObject\""
        );
    }

    #[test]
    fn events_read_as_one_line() {
        use aws_sdk_cloudformation::primitives::DateTime;
        use aws_sdk_cloudformation::types::ResourceStatus;
        console::set_colors_enabled(false);
        let event = StackEvent::builder()
            .stack_id("id")
            .event_id("e1")
            .stack_name("S")
            .timestamp(DateTime::from_secs(3 * 3600 + 25 * 60 + 7))
            .logical_resource_id("Queue")
            .resource_type("AWS::SQS::Queue")
            .resource_status(ResourceStatus::CreateFailed)
            .resource_status_reason("Access denied")
            .build();
        assert_eq!(format_event(&event), "  03:25:07  CREATE_FAILED         Queue  AWS::SQS::Queue  Access denied");
    }

    #[test]
    fn outputs_are_aligned() {
        let outputs = [("QueueUrl".to_owned(), "https://q".to_owned(), None), ("Arn".to_owned(), "arn:x".to_owned(), None)];
        assert_eq!(format_outputs(&outputs), "  QueueUrl = https://q\n  Arn      = arn:x\n");
        assert_eq!(format_outputs(&[]), "  (no outputs)\n");
    }
}
