//! Encryption at rest: one customer-managed KMS key per stack.
//!
//! Logs, queues, tables, topics and Lambda environments of every construct are encrypted with
//! the stack's key by default, so one key policy and one CloudTrail trail cover the stack's
//! data. [`Encryption::AwsManaged`] opts a construct out.

use agentcdk_synth::cfn::kms::Key;
use agentcdk_synth::prelude::*;
use serde_json::json;

use crate::iam::{self, Grantable, Statement};

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
/// and region use it for log groups of this account only.
pub fn stack_key(stack: &mut Stack) -> ResourceRef<Key> {
    if let Some(key) = stack.find::<Key>(&[STACK_KEY_ID, "Resource"]) {
        return key;
    }
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                "Action": "kms:*",
                "Resource": "*"
            },
            {
                "Sid": "CloudWatchLogsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": Expr::sub("logs.${AWS::Region}.amazonaws.com")},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")}}
            }
        ]
    });
    let key = stack.scope(STACK_KEY_ID).add(
        "Resource",
        Key {
            description: Some(Expr::sub("Encrypts the data of stack ${AWS::StackName}").into()),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(policy.into()),
            pending_window_in_days: Some(30.into()),
            ..Default::default()
        },
    );
    stack.resource(&key).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain);
    key
}

/// Adds a statement to the stack key's policy (for AWS services that use the key on the
/// stack's behalf, like CloudWatch alarms publishing to an encrypted topic). Identical
/// statements are added once.
pub fn allow_service(stack: &mut Stack, sid: &str, service: &str, actions: &[&str]) {
    let key = stack_key(stack);
    let statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": actions,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": Expr::account_id()}}
    });
    if let Some(Value::Lit(policy)) = stack.props_mut(&key).and_then(|k| k.key_policy.as_mut()) {
        if let Some(statements) = policy.get_mut("Statement").and_then(Json::as_array_mut) {
            if !statements.iter().any(|s| s.get("Sid") == statement.get("Sid")) {
                statements.push(statement);
            }
        }
    }
}
