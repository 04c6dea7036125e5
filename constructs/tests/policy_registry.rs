//! Mistakes the old JSON-walking mutators let through in silence — a grant to a policy whose
//! document is not a literal, a second value for an environment variable, a second key policy
//! statement under a taken sid — are errors with the construct path now. Public API only, so
//! each test also runs (and fails) against the code before the typed policy registry.

use agentcdk::cfn::iam::{Policy, Role};
use agentcdk::iam::{self, actions, GrantTarget, Statement};
use agentcdk::kms;
use agentcdk::prelude::*;
use agentcdk::{codes, Diagnostics};

/// What synth of an app built by `build` reported (nothing when it succeeded).
fn errors(build: impl FnOnce(&mut Stack)) -> Diagnostics {
    let mut app = App::new();
    build(app.stack("S", StackProps::default()));
    app.synthesize(&[]).err().unwrap_or(Diagnostics(Vec::new()))
}

#[test]
fn a_grant_to_a_policy_agentcdk_does_not_hold_is_an_error() {
    let found = errors(|stack| {
        let mut scope = stack.scope("Mine");
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let role = scope.add("Role", Role { assume_role_policy_document: Some(trust.into()), ..Default::default() });
        let policy = scope.add(
            "Policy",
            Policy {
                policy_document: Some(Value::Expr(Expr::import_value("SharedPolicy"))),
                policy_name: Some("P".into()),
                roles: Some(Value::Lit(vec![role.reference().into()])),
                ..Default::default()
            },
        );
        iam::grant(stack, &GrantTarget { role, policy }, Statement::allow(actions::S3_GET, [Expr::sub("arn:${AWS::Partition}:s3:::b/*")]));
    });
    assert_eq!(found.errors().count(), 1, "{found}");
    assert!(found.has_at(codes::NOT_HELD, "S/Mine/Policy"), "{found}");
}

#[test]
fn an_environment_variable_set_twice_to_different_values_is_an_error() {
    let found = errors(|stack| {
        let f = Function::new(&mut stack.scope("F"), FunctionProps { code: Code::handler("request-handler"), ..Default::default() });
        f.add_environment(stack, "TABLE", "one");
        f.add_environment(stack, "TABLE", "two");
    });
    assert!(found.has_at(codes::ENVIRONMENT_CONFLICT, "S/F"), "{found}");
}

#[test]
fn a_runtime_memory_id_the_props_set_otherwise_is_an_error() {
    let found = errors(|stack| {
        let runtime = AgentCoreRuntime::new(
            &mut stack.scope("Agent"),
            AgentCoreRuntimeProps {
                artifact: RuntimeArtifact::Container { uri: "1.dkr.ecr.us-east-1.amazonaws.com/agent:1".into() },
                environment: [("AGENTCORE_MEMORY_ID".to_owned(), Value::from("mine"))].into(),
                ..Default::default()
            },
        );
        let memory = AgentCoreMemory::new(&mut stack.scope("Memory"), AgentCoreMemoryProps::default());
        runtime.use_memory(stack, &memory);
    });
    assert!(found.has_at(codes::ENVIRONMENT_CONFLICT, "S/Agent"), "{found}");
}

#[test]
fn two_key_policy_statements_under_one_sid_are_an_error() {
    let found = errors(|stack| {
        kms::allow_service(stack, "ServiceUse", "cloudwatch.amazonaws.com", actions::KMS_DECRYPT);
        kms::allow_service(stack, "ServiceUse", "events.amazonaws.com", actions::KMS_DECRYPT);
    });
    assert!(found.has_at(codes::POLICY_SID_CLASH, "S/EncryptionKey"), "{found}");
}
