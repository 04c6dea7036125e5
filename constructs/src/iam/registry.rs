//! The per-stack registry of policies that grow while constructs are built: each holds typed
//! statements until finalize, when they are rendered (sorted, deduplicated) into the one
//! resource property that holds them. Nothing reads a rendered policy back.

use crate::codes;
use agentcdk_synth::cfn::iam::{role, Policy, Role};
use agentcdk_synth::cfn::kms::Key;
use agentcdk_synth::cfn::sqs::QueuePolicy;
use agentcdk_synth::prelude::*;
use indexmap::IndexMap;

use super::{PolicyDocument, Statement};

/// The property a policy renders into.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Holder {
    /// An `AWS::IAM::Policy`'s `PolicyDocument`.
    Policy(ResourceRef<Policy>),
    /// A role's inline policy of this name (left out while it has no statements).
    RoleInline(ResourceRef<Role>, &'static str),
    /// A key's `KeyPolicy`.
    Key(ResourceRef<Key>),
    /// A queue policy's `PolicyDocument` (TLS-only deny, plus the services allowed to send).
    QueuePolicy(ResourceRef<QueuePolicy>),
}

impl Holder {
    fn logical_id(&self) -> &str {
        match self {
            Holder::Policy(r) => r.logical_id(),
            Holder::RoleInline(r, _) => r.logical_id(),
            Holder::Key(r) => r.logical_id(),
            Holder::QueuePolicy(r) => r.logical_id(),
        }
    }

    fn path(&self) -> &str {
        match self {
            Holder::Policy(r) => r.path(),
            Holder::RoleInline(r, _) => r.path(),
            Holder::Key(r) => r.path(),
            Holder::QueuePolicy(r) => r.path(),
        }
    }
}

#[derive(Default)]
struct Policies {
    /// By the logical id of the resource holding the policy.
    held: IndexMap<String, (Holder, Vec<Statement>)>,
    /// Whether a render is registered for the coming finalize phase.
    scheduled: bool,
}

/// Starts holding the policy of `holder` (a resource of this stack) with `statements`.
pub(crate) fn hold(stack: &mut Stack, holder: Holder, statements: Vec<Statement>) {
    let id = holder.logical_id().to_owned();
    stack.state_mut::<Policies>().held.insert(id, (holder, statements));
    schedule(stack);
}

/// Adds a statement to the policy held for the resource `logical_id`; false when none is.
pub(crate) fn add_statement(stack: &mut Stack, logical_id: &str, statement: Statement) -> bool {
    let Some((_, statements)) = stack.state_mut::<Policies>().held.get_mut(logical_id) else { return false };
    statements.push(statement);
    schedule(stack);
    true
}

fn schedule(stack: &mut Stack) {
    let policies = stack.state_mut::<Policies>();
    if !policies.scheduled {
        policies.scheduled = true;
        stack.on_finalize(render_all);
    }
}

/// Renders every held policy into its resource (again, if a finalizer granted more).
fn render_all(stack: &mut Stack) {
    let policies = stack.state_mut::<Policies>();
    policies.scheduled = false;
    let held: Vec<(Holder, Vec<Statement>)> = policies.held.values().cloned().collect();
    for (holder, statements) in held {
        let mut doc = PolicyDocument::new(statements);
        for sid in doc.normalize() {
            stack.error_at(
                holder.path(),
                codes::POLICY_SID_CLASH,
                format!("two different policy statements share the sid '{sid}'"),
                "statement ids are unique within a policy; give one of them another sid",
            );
        }
        if !write(stack, &holder, &doc) {
            stack.error_at(
                holder.path(),
                codes::NOT_HELD,
                "policy holder is not a resource of this stack",
                "hold only resources of the stack",
            );
        }
    }
}

fn write(stack: &mut Stack, holder: &Holder, doc: &PolicyDocument) -> bool {
    let json = doc.to_json();
    match holder {
        Holder::Policy(r) => stack.props_mut(r).map(|p| p.policy_document = Some(json.into())).is_some(),
        Holder::Key(r) => stack.props_mut(r).map(|k| k.key_policy = Some(json.into())).is_some(),
        Holder::QueuePolicy(r) => stack.props_mut(r).map(|p| p.policy_document = Some(json.into())).is_some(),
        Holder::RoleInline(r, name) => {
            let inline = (!doc.statements.is_empty())
                .then(|| Value::Lit(vec![role::Policy { policy_name: Some((*name).into()), policy_document: Some(json.into()) }.into()]));
            stack.props_mut(r).map(|role| role.policies = inline).is_some()
        }
    }
}
