//! IAM: one model for every policy agentcdk writes — roles' policies, key policies, bucket and
//! queue policies, trust policies, Lambda permissions — and named grants with fixed action
//! lists ([`actions`]) scoped to exact ARNs.
//!
//! Statements are typed ([`Statement`]); policies that grow while constructs are built (a
//! role's default policy, a runtime's inline policy, the stack key's policy) collect them in a
//! per-stack registry and render them at finalize, sorted and without duplicates
//! ([`PolicyDocument::normalize`]). A grant to a policy the registry does not hold is an error,
//! never a silent no-op.
//!
//! Every `"*"` is written by [`Resource::any_because`] or [`Principal::any_because`] with a
//! [`Reason`]; these are all the places that do:
//! - X-Ray `PutTraceSegments` / `PutTelemetryRecords` (Lambda tracing, AgentCore runtimes):
//!   no resource-level permissions;
//! - `cloudwatch:PutMetricData` of AgentCore runtimes: none either, scoped by a namespace
//!   condition;
//! - `ecr:GetAuthorizationToken` of container runtimes: none either;
//! - the network-interface actions of a VPC function: none either;
//! - the stack key's policy (`Resource: "*"` there means "this key");
//! - the TLS-only denies of bucket and queue policies (principal: everyone);
//! - the resource permissions of a public Function URL (principal: everyone, opted in).

pub mod actions;
mod registry;
mod statement;

use crate::codes;
use agentcdk_synth::cfn::iam::{Policy, Role};
use agentcdk_synth::prelude::*;

pub(crate) use registry::{add_statement, hold, Holder};
pub use statement::{Conditions, Effect, Operator, PolicyDocument, Principal, Reason, Resource, Statement};

/// A principal that permissions can be granted to: a role and its default policy.
pub trait Grantable {
    /// The role and the policy grants add statements to.
    fn grant_target(&self) -> GrantTarget;
}

/// Where a grant's statements go.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantTarget {
    /// The role.
    pub role: ResourceRef<Role>,
    /// The role's default policy (an `AWS::IAM::Policy`, separate from the role so resources
    /// may refer to the role without a dependency cycle).
    pub policy: ResourceRef<Policy>,
}

impl Grantable for GrantTarget {
    fn grant_target(&self) -> GrantTarget {
        self.clone()
    }
}

/// Adds `statement` to the grantee's default policy (rendered at finalize, sorted, an
/// identical statement once). A role of another stack, or a policy agentcdk did not make, is
/// an error.
pub fn grant(stack: &mut Stack, to: &impl Grantable, statement: Statement) {
    let target = to.grant_target();
    let path = target.policy.path().to_owned();
    if target.policy.stack_name() != stack.name() {
        stack.error_at(
            &path,
            codes::GRANT_ACROSS_STACKS,
            "grant to a role of another stack",
            "grant within one stack; share resources across stacks through exports",
        );
        return;
    }
    if !add_statement(stack, target.policy.logical_id(), statement) {
        stack.error_at(
            &path,
            codes::NOT_HELD,
            "grant to a policy agentcdk does not manage",
            "grant to a role made by a construct (iam::service_role); add statements to your own policies yourself",
        );
    }
}

/// A trust policy: `principal` may assume the role.
pub fn trust(principal: Principal) -> Json {
    trust_with(Statement::assume_role(principal))
}

/// A trust policy of one (conditioned) assume-role statement.
pub fn trust_with(statement: Statement) -> Json {
    PolicyDocument::new(vec![statement]).to_json()
}

/// `deny` (a statement on a bucket's or queue's ARNs) made the resource policy's TLS-only
/// rule: named `DenyInsecureTransport`, for every caller, when the request is not over TLS.
pub fn deny_insecure_transport(deny: Statement) -> Statement {
    deny.with_sid("DenyInsecureTransport").with_principal(Principal::any_because(Reason::DenyForEveryone)).with_condition(
        Operator::Bool,
        "aws:SecureTransport",
        ["false"],
    )
}

/// A service role: who may assume it and its default policy. The policy starts with the
/// statements the construct always needs (a policy must have at least one).
pub fn service_role(scope: &mut Scope, service: &str, first: Statement, description: &str) -> GrantTarget {
    let mut role_scope = scope.scope("Role");
    let role = role_scope.add(
        "Resource",
        Role {
            assume_role_policy_document: Some(trust(Principal::service(service)).into()),
            description: Some(description.into()),
            ..Default::default()
        },
    );
    let policy = role_scope.add(
        "DefaultPolicy",
        Policy {
            policy_document: Some(PolicyDocument::new(vec![first.clone()]).to_json().into()),
            policy_name: Some("DefaultPolicy".into()),
            roles: Some(Value::Lit(vec![role.reference().into()])),
            ..Default::default()
        },
    );
    hold(role_scope.stack(), Holder::Policy(policy.clone()), vec![first]);
    GrantTarget { role, policy }
}

#[cfg(test)]
mod tests;
