//! Encryption at rest: one customer-managed KMS key per stack.
//!
//! Logs, queues, tables, topics and Lambda environments of every construct are encrypted with
//! the stack's key by default, so one key policy and one CloudTrail trail cover the stack's
//! data. [`Encryption::AwsManaged`] opts a construct out.

use crate::codes;
use crate::iam::{self, actions, Grantable, Operator, PolicyDocument, Principal, Reason, Resource, Statement};
use agentcdk_synth::cfn::kms::Key;
use agentcdk_synth::prelude::*;

/// Construct id of the stack key (directly under the stack).
pub const STACK_KEY_ID: &str = "EncryptionKey";

/// How a construct encrypts its data at rest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encryption {
    /// The stack's customer-managed KMS key (created on first use, rotation on, retained on
    /// stack deletion because retained tables stay readable only with it). Default.
    #[default]
    StackKey,
    /// AWS-managed or AWS-owned keys (SQS-managed SSE, DynamoDB's default encryption, Lambda's
    /// default key, CloudWatch Logs' default encryption): no key cost, no key to control.
    AwsManaged,
}

impl Encryption {
    /// Grants `key_actions` on the stack key to `to` when the data is encrypted with it: what a
    /// reader or writer of a queue, table or bucket needs besides the data grant. AWS-managed
    /// keys need no grant.
    pub fn grant_key_use(self, stack: &mut Stack, to: &impl Grantable, key_actions: &[&str]) {
        if self == Encryption::StackKey {
            let key = stack_key(stack);
            iam::grant(stack, to, Statement::allow(key_actions, [key.attr_arn()]));
        }
    }
}

/// The stack's key, created on first use.
///
/// Its key policy lets the account administer it through IAM (AWS's default key policy; key
/// policies require `Resource: "*"`, meaning this key) and lets CloudWatch Logs of this account
/// and region use it for log groups of this account only. Constructs add statements with
/// [`allow_service`]; the policy is rendered at finalize.
pub fn stack_key(stack: &mut Stack) -> ResourceRef<Key> {
    if let Some(key) = stack.find::<Key>(&[STACK_KEY_ID, "Resource"]) {
        return key;
    }
    stack.keep_in_root(STACK_KEY_ID);
    let this_key = || [Resource::any_because(Reason::KeyPolicyMeansThisKey)];
    let statements = vec![
        Statement::allow(actions::KMS_ADMIN, this_key()).with_sid("AccountAdministersThroughIam").with_principal(Principal::this_account()),
        Statement::allow(actions::KMS_FOR_LOGS, this_key())
            .with_sid("CloudWatchLogsOfThisAccount")
            .with_principal(Principal::service(Expr::sub("logs.${AWS::Region}.amazonaws.com")))
            .with_condition(
                Operator::ArnLike,
                "kms:EncryptionContext:aws:logs:arn",
                [Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")],
            ),
    ];
    let key = stack.scope(STACK_KEY_ID).add(
        "Resource",
        Key {
            description: Some(Expr::sub("Encrypts the data of stack ${AWS::StackName}").into()),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(PolicyDocument::new(statements.clone()).to_json().into()),
            pending_window_in_days: Some(30.into()),
            ..Default::default()
        },
    );
    stack.resource(&key).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain);
    iam::hold(stack, iam::Holder::Key(key.clone()), statements);
    key
}

/// Adds a statement to the stack key's policy (for AWS services that use the key on the
/// stack's behalf, like CloudWatch alarms publishing to an encrypted topic), limited to calls
/// on behalf of this account. Identical statements are rendered once; two different ones with
/// the same `sid` are an error.
pub fn allow_service(stack: &mut Stack, sid: &str, service: &str, actions: &[&str]) {
    let key = stack_key(stack);
    let statement = Statement::allow(actions, [Resource::any_because(Reason::KeyPolicyMeansThisKey)])
        .with_sid(sid)
        .with_principal(Principal::service(service))
        .with_condition(Operator::StringEquals, "aws:SourceAccount", [Expr::account_id()]);
    if !iam::add_statement(stack, key.logical_id(), statement) {
        stack.error_at(key.path(), codes::NOT_HELD, "the stack key's policy is not held by agentcdk", "make the key with kms::stack_key");
    }
}
