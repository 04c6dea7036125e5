//! Step 3, plan: what the stack's state allows (create, recreate, update or refuse), the
//! parameters and capabilities, the change set, and the summary people read before executing.

use std::collections::BTreeMap;

use agentcdk_synth::{StackArtifact, ASSET_BUCKET_PARAMETER};
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, Tag};
use serde_json::Value;

use super::watch::{failure, watch_stack};
use super::POLL;
use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::changes::{format_summary, ResourceChange};
use crate::{Error, Result};

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

/// The capabilities of a stack and its nested stacks together (CloudFormation asks the root's
/// deployment for what any nested template needs).
pub fn stack_capabilities(stack: &StackArtifact) -> Vec<Capability> {
    let mut caps = required_capabilities(&stack.json);
    for n in &stack.nested {
        for c in required_capabilities(&n.json) {
            if !caps.contains(&c) {
                caps.push(c);
            }
        }
    }
    caps
}

/// Parameters for the change set: `AssetBucket` from `--bucket`, then `--parameter`s the stack
/// declares; a parameter without default and value keeps its previous value on update, and is
/// an error on create.
pub fn parameters(stack: &StackArtifact, bucket: Option<&str>, given: &[(String, String)], update: bool) -> Result<Vec<Parameter>> {
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

/// Whether a change set failure (or refusal) means there is nothing to deploy.
pub fn is_no_changes(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// The stack's state as a change set kind, with its status (`None`: no stack). A stack whose
/// first create failed is deleted here first.
pub async fn prepare(clients: &Clients, name: &str) -> Result<(ChangeSetType, Option<String>)> {
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
    Ok((kind, status))
}

/// A change set that was created.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    /// The name given (`agentcdk-<millis>`).
    pub name: String,
    /// Its id (ARN), or the name when the service gave none.
    pub id: String,
    /// The stack's id, or its name.
    pub stack_id: String,
    /// CREATE or UPDATE.
    pub kind: ChangeSetType,
    /// A CREATE change set made an empty stack (REVIEW_IN_PROGRESS): if it is not executed,
    /// that stack is deleted too, so nothing is left behind.
    pub made_empty_stack: bool,
}

impl ChangeSet {
    /// Deletes the change set (and the empty stack it made); best effort.
    pub async fn discard(&self, clients: &Clients) {
        let _ = clients.cfn.delete_change_set().change_set_name(&self.id).send().await;
        if self.made_empty_stack {
            let _ = clients.cfn.delete_stack().stack_name(&self.stack_id).send().await;
        }
    }
}

/// Creates the change set from the template body, or from `template_url` for a large one.
/// `None`: the service refused it at once for having no changes (moto does).
pub async fn create_change_set(
    clients: &Clients,
    stack: &StackArtifact,
    (kind, status): (ChangeSetType, Option<String>),
    parameters: Vec<Parameter>,
    template_url: Option<String>,
) -> Result<Option<ChangeSet>> {
    let name = stack.name.as_str();
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
        .set_capabilities(Some(stack_capabilities(stack)));
    for (k, v) in &stack.manifest.tags {
        create = create.tags(Tag::builder().key(k).value(v).build());
    }
    create = match template_url {
        Some(url) => create.template_url(url),
        None => create.template_body(&stack.template),
    };
    let created = match create.send().await {
        Ok(created) => created,
        Err(e) if is_no_changes(&crate::aws::error_text(&e)) => return Ok(None),
        Err(e) => return Err(sdk_error(format!("create-change-set {name}"), &e)),
    };
    Ok(Some(ChangeSet {
        id: created.id().unwrap_or(&change_set_name).to_owned(),
        stack_id: created.stack_id().unwrap_or(name).to_owned(),
        made_empty_stack: kind == ChangeSetType::Create && status.as_deref() != Some("REVIEW_IN_PROGRESS"),
        name: change_set_name,
        kind,
    }))
}

/// Polls the change set until it is ready or failed: its status, reason and changes.
pub async fn wait_for_change_set(clients: &Clients, id: &str, name: &str) -> Result<(ChangeSetStatus, String, Vec<ResourceChange>)> {
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
            changes.extend(answer.changes().iter().filter_map(|c| c.resource_change()).map(|rc| ResourceChange {
                action: rc.action().map(|a| a.as_str().to_owned()).unwrap_or_default(),
                logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
                resource_type: rc.resource_type().unwrap_or_default().to_owned(),
                replacement: rc.replacement().map(|r| r.as_str().to_owned()),
            }));
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

/// The plan as printed before asking: the change set's name and kind, then one line per
/// resource and the counts.
pub fn render_plan(stack: &str, change_set: &ChangeSet, changes: &[ResourceChange]) -> String {
    format!("{stack}: change set {} ({})\n{}", change_set.name, change_set.kind.as_str(), format_summary(changes))
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

    #[test]
    fn parameters_given_defaulted_previous_or_missing() {
        let stack = super::super::tests::artifact();
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
    fn the_plan_reads_as_the_change_set_then_its_changes() {
        console::set_colors_enabled(false);
        let cs = ChangeSet {
            name: "agentcdk-1".into(),
            id: "arn:cs".into(),
            stack_id: "arn:stack".into(),
            kind: ChangeSetType::Update,
            made_empty_stack: false,
        };
        let changes = [ResourceChange {
            action: "Add".into(),
            logical_id: "Queue".into(),
            resource_type: "AWS::SQS::Queue".into(),
            replacement: None,
        }];
        let text = render_plan("S", &cs, &changes);
        assert!(text.starts_with("S: change set agentcdk-1 (UPDATE)\n+ Queue  AWS::SQS::Queue\n"), "{text}");
        assert!(text.ends_with("1 to add\n") || text.contains("1 to add"), "{text}");
    }

    #[test]
    fn no_changes_is_recognised_in_both_wordings() {
        assert!(is_no_changes("The submitted information didn't contain changes. Submit different information"));
        assert!(is_no_changes("No updates are to be performed."));
        assert!(!is_no_changes("Template format error"));
    }
}
