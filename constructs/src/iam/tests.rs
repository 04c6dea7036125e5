//! The statement model's order, dedup and merge, and the errors that replace silent no-ops.

use agentcdk_synth::prelude::*;
use serde_json::json;

use super::*;

fn synth_errors(app: &mut App) -> String {
    app.synthesize(&[]).err().map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn documents_sort_by_sid_then_effect_and_actions_and_drop_duplicates() {
    let b = Statement::allow(actions::SQS_SEND, ["arn:b"]);
    let a = Statement::allow(actions::DYNAMODB_READ, ["arn:a"]);
    let named = Statement::deny(actions::S3_ALL, ["arn:c"]).with_sid("Z");
    let deny = Statement::deny(actions::DYNAMODB_READ, ["arn:a"]);
    let mut doc = PolicyDocument::new(vec![b.clone(), deny.clone(), a.clone(), b.clone(), named.clone()]);
    assert!(doc.normalize().is_empty());
    assert_eq!(doc.statements, vec![named, a, b, deny]);
    // The order does not depend on the order statements were added in.
    let mut reversed = doc.clone();
    reversed.statements.reverse();
    reversed.normalize();
    assert_eq!(reversed, doc);
}

#[test]
fn different_statements_sharing_a_sid_are_reported() {
    let one = Statement::allow(actions::S3_GET, ["arn:a"]).with_sid("Read");
    let two = Statement::allow(actions::S3_GET, ["arn:b"]).with_sid("Read");
    let mut doc = PolicyDocument::new(vec![one.clone(), two, one]);
    assert_eq!(doc.normalize(), vec!["Read".to_owned()]);
    assert_eq!(doc.statements.len(), 2);
}

#[test]
fn conditions_merge_by_operator_and_key_and_render_in_written_order() {
    let s = Statement::assume_role(Principal::service("x.amazonaws.com"))
        .with_condition(Operator::StringEquals, "aws:SourceAccount", ["1"])
        .with_condition(Operator::ArnLike, "aws:SourceArn", ["arn:a"])
        .with_condition(Operator::StringEquals, "aws:SourceAccount", ["2", "1"]);
    assert_eq!(
        s.to_json(),
        json!({
            "Effect": "Allow",
            "Principal": {"Service": "x.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ["1", "2"]}, "ArnLike": {"aws:SourceArn": "arn:a"}}
        })
    );
}

#[test]
fn wildcards_render_only_through_their_reasons() {
    let s = Statement::deny(actions::SQS_ALL, [Resource::any_because(Reason::DenyForEveryone)])
        .with_principal(Principal::any_because(Reason::DenyForEveryone));
    assert_eq!(s.to_json(), json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*", "Resource": "*"}));
    assert_eq!(Principal::any_because(Reason::PublicFunctionUrl).permission_value(), Value::from("*"));
}

#[test]
fn grants_render_sorted_and_once_at_finalize() {
    let mut app = App::new();
    let stack = app.stack("S", StackProps::default());
    let role = service_role(&mut stack.scope("F"), "lambda.amazonaws.com", Statement::allow(actions::LOGS_WRITE, ["arn:logs"]), "r");
    grant(stack, &role, Statement::allow(actions::SQS_SEND, ["arn:q"]));
    grant(stack, &role, Statement::allow(actions::DYNAMODB_READ, ["arn:t"]));
    grant(stack, &role, Statement::allow(actions::SQS_SEND, ["arn:q"]));
    let assembly = app.synthesize(&[]).expect("valid");
    let doc = &assembly.stacks[0].json["Resources"][role.policy.logical_id()]["Properties"]["PolicyDocument"]["Statement"];
    let actions: Vec<Json> = doc.as_array().expect("statements").iter().map(|s| s["Action"].clone()).collect();
    assert_eq!(actions, vec![json!(actions::DYNAMODB_READ), json!(actions::LOGS_WRITE), json!(actions::SQS_SEND)]);
}

#[test]
fn grant_to_a_role_of_another_stack_is_an_error() {
    let mut app = App::new();
    let role = service_role(
        &mut app.stack("A", StackProps::default()).scope("F"),
        "lambda.amazonaws.com",
        Statement::allow(actions::LOGS_WRITE, ["arn:l"]),
        "r",
    );
    grant(app.stack("B", StackProps::default()), &role, Statement::allow(actions::S3_GET, ["arn:o"]));
    assert!(synth_errors(&mut app).contains("another stack"));
}
