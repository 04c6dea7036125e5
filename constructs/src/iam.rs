//! IAM: roles with one default policy, statements, and named grants with fixed action lists
//! scoped to exact ARNs.
//!
//! Every grant in agentcdk names its resources. `Resource: "*"` appears only where AWS offers
//! nothing narrower, and each such place is listed here:
//! - X-Ray `PutTraceSegments` / `PutTelemetryRecords` (no resource-level permissions);
//! - `cloudwatch:PutMetricData` (no resource-level permissions; scoped by a namespace condition);
//! - KMS key policies (`Resource: "*"` there means "this key").

use agentcdk_synth::cfn::iam::{Policy, Role};
use agentcdk_synth::prelude::*;
use serde_json::json;

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`
    Allow,
    /// `Deny`
    Deny,
}

/// One policy statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Allow (default) or deny.
    pub effect: Effect,
    /// Actions, e.g. `sqs:SendMessage`.
    pub actions: Vec<String>,
    /// Resource ARNs (literals or intrinsics).
    pub resources: Vec<Value<String>>,
    /// Condition block. Default: none.
    pub condition: Option<Json>,
}

impl Statement {
    /// Allows `actions` on `resources`.
    pub fn allow<R: Into<Value<String>>>(actions: &[&str], resources: impl IntoIterator<Item = R>) -> Self {
        Statement {
            effect: Effect::Allow,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            resources: resources.into_iter().map(Into::into).collect(),
            condition: None,
        }
    }

    /// Adds a condition block.
    pub fn with_condition(mut self, condition: Json) -> Self {
        self.condition = Some(condition);
        self
    }

    /// The JSON form.
    pub fn to_json(&self) -> Json {
        let mut s = serde_json::Map::new();
        s.insert("Effect".into(), json!(if self.effect == Effect::Allow { "Allow" } else { "Deny" }));
        s.insert("Action".into(), if self.actions.len() == 1 { json!(self.actions[0]) } else { json!(self.actions) });
        let resources: Vec<Json> = self.resources.iter().map(|r| serde_json::to_value(r).unwrap_or(Json::Null)).collect();
        s.insert("Resource".into(), if resources.len() == 1 { resources[0].clone() } else { Json::Array(resources) });
        if let Some(c) = &self.condition {
            s.insert("Condition".into(), c.clone());
        }
        Json::Object(s)
    }
}

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

/// Adds `statement` to the grantee's default policy (once: an identical statement is not
/// repeated).
pub fn grant(stack: &mut Stack, to: &impl Grantable, statement: Statement) {
    let target = to.grant_target();
    let json = statement.to_json();
    let Some(policy) = stack.props_mut(&target.policy) else {
        let path = target.policy.path().to_owned();
        stack.error_at(&path, "grant to a role of another stack", "grant within one stack; share resources across stacks through exports");
        return;
    };
    if let Some(Value::Lit(doc)) = policy.policy_document.as_mut() {
        if let Some(statements) = doc.get_mut("Statement").and_then(Json::as_array_mut) {
            if !statements.contains(&json) {
                statements.push(json);
            }
        }
    }
}

/// A service role: who may assume it and its default policy. The policy starts with the
/// statements the construct always needs (a policy must have at least one).
pub fn service_role(scope: &mut Scope, service: &str, first: Statement, description: &str) -> GrantTarget {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
    });
    let mut role_scope = scope.scope("Role");
    let role = role_scope.add(
        "Resource",
        Role { assume_role_policy_document: Some(trust.into()), description: Some(description.into()), ..Default::default() },
    );
    let doc = json!({"Version": "2012-10-17", "Statement": [first.to_json()]});
    let policy = role_scope.add(
        "DefaultPolicy",
        Policy {
            policy_document: Some(doc.into()),
            policy_name: Some("DefaultPolicy".into()),
            roles: Some(Value::Lit(vec![role.reference().into()])),
            ..Default::default()
        },
    );
    GrantTarget { role, policy }
}

/// Named, fixed action lists (as in AWS CDK's grants tables).
pub mod actions {
    /// Send to a queue.
    pub const SQS_SEND: &[&str] = &["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"];
    /// Receive and delete from a queue (what a Lambda event source mapping needs).
    pub const SQS_CONSUME: &[&str] =
        &["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];
    /// Read items.
    pub const DYNAMODB_READ: &[&str] =
        &["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"];
    /// Write items.
    pub const DYNAMODB_WRITE: &[&str] =
        &["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"];
    /// Write objects (no read, list or delete).
    pub const S3_PUT: &[&str] = &["s3:PutObject"];
    /// Read objects (no list).
    pub const S3_GET: &[&str] = &["s3:GetObject"];
    /// Use a KMS key to read data encrypted with it.
    pub const KMS_DECRYPT: &[&str] = &["kms:Decrypt"];
    /// Use a KMS key to write data encrypted with it.
    pub const KMS_ENCRYPT_DECRYPT: &[&str] = &["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];
    /// Invoke a Lambda function.
    pub const LAMBDA_INVOKE: &[&str] = &["lambda:InvokeFunction"];
    /// Invoke an AgentCore runtime (SigV4); covers InvokeAgentRuntime's streamed answers.
    pub const AGENTCORE_INVOKE: &[&str] = &["bedrock-agentcore:InvokeAgentRuntime"];
    /// Post to and drop WebSocket connections.
    pub const EXECUTE_API_MANAGE_CONNECTIONS: &[&str] = &["execute-api:ManageConnections"];
    /// Write a function's own logs.
    pub const LOGS_WRITE: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];
    /// Send X-Ray traces (no resource-level permissions exist).
    pub const XRAY_WRITE: &[&str] = &["xray:PutTraceSegments", "xray:PutTelemetryRecords"];
    /// Invoke Bedrock models (Converse / ConverseStream use these).
    pub const BEDROCK_INVOKE: &[&str] = &["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];
    /// Read a secret's value.
    pub const SECRETS_READ: &[&str] = &["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"];
}
