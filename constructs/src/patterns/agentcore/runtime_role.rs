//! The execution role AgentCore documents for a runtime, scoped to this runtime's log groups,
//! workload identity and artifact.

use agentcdk_synth::cfn::iam::Role;
use agentcdk_synth::prelude::*;

use super::runtime::RuntimeArtifact;
use crate::iam::{self, actions, Holder, Operator, Principal, Reason, Resource, Statement};

/// The name of the role's inline policy.
const POLICY_NAME: &str = "Runtime";

/// The role, its inline policy held until finalize (so `use_memory`/`use_gateway` add to it).
pub(super) fn generated_role(scope: &mut Scope, name: &str, artifact: &RuntimeArtifact, extra: &[Statement]) -> ResourceRef<Role> {
    let mut statements = base_statements(name);
    statements.extend(artifact_statements(artifact));
    statements.extend(extra.iter().cloned());
    let trust = Statement::assume_role(Principal::service("bedrock-agentcore.amazonaws.com"))
        .with_condition(Operator::StringEquals, "aws:SourceAccount", [Expr::account_id()])
        .with_condition(
            Operator::ArnLike,
            "aws:SourceArn",
            [Expr::sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:*")],
        );
    let role = scope.add(
        "Role",
        Role {
            assume_role_policy_document: Some(iam::trust_with(trust).into()),
            description: Some("AgentCore Runtime execution role".into()),
            ..Default::default()
        },
    );
    iam::hold(scope.stack(), Holder::RoleInline(role.clone(), POLICY_NAME), statements);
    role
}

/// Logs, traces, metrics, workload identity and model invocation: what every runtime needs.
fn base_statements(name: &str) -> Vec<Statement> {
    let log_groups = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/bedrock-agentcore/runtimes/*";
    let identity = "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default";
    let any = || [Resource::any_because(Reason::NoResourceLevelPermissions)];
    vec![
        Statement::allow(actions::LOGS_CREATE_GROUP, [Expr::sub(log_groups)]),
        Statement::allow(actions::LOGS_WRITE, [Expr::sub(format!("{log_groups}:log-stream:*"))]),
        Statement::allow(
            actions::LOGS_DESCRIBE_GROUPS,
            [Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")],
        ),
        // X-Ray and PutMetricData have no resource-level permissions; metrics are limited to
        // AgentCore's namespace by condition.
        Statement::allow(actions::XRAY_WRITE_AND_SAMPLE, any()),
        Statement::allow(actions::CLOUDWATCH_PUT_METRICS, any()).with_condition(
            Operator::StringEquals,
            "cloudwatch:namespace",
            ["bedrock-agentcore"],
        ),
        Statement::allow(
            actions::AGENTCORE_WORKLOAD_TOKENS,
            [Expr::sub(identity), Expr::sub(format!("{identity}/workload-identity/{name}-*"))],
        ),
        Statement::allow(
            actions::BEDROCK_INVOKE,
            [
                Expr::sub("arn:${AWS::Partition}:bedrock:*::foundation-model/*"),
                Expr::sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/*"),
            ],
        ),
    ]
}

/// Pulling the artifact: the image's ECR repository, or the code object in S3.
fn artifact_statements(artifact: &RuntimeArtifact) -> Vec<Statement> {
    match artifact {
        RuntimeArtifact::Container { uri } => {
            let repo = uri.split_once('/').map(|(_, r)| r.split([':', '@']).next().unwrap_or(r)).unwrap_or_default();
            vec![
                Statement::allow(
                    actions::ECR_PULL,
                    [Expr::sub(format!("arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{AWS::AccountId}}:repository/{repo}"))],
                ),
                // GetAuthorizationToken has no resource-level permissions.
                Statement::allow(actions::ECR_AUTH, [Resource::any_because(Reason::NoResourceLevelPermissions)]),
            ]
        }
        // Staged as `Code` (the asset object) before the role is made.
        RuntimeArtifact::Source { .. } => Vec::new(),
        RuntimeArtifact::Code { bucket, key, .. } => {
            let object = Expr::sub_with("arn:${AWS::Partition}:s3:::${Bucket}/${Key}", [("Bucket", bucket.clone()), ("Key", key.clone())]);
            vec![Statement::allow(actions::S3_GET, [object])]
        }
    }
}
