use serde_json::json;

use super::*;
use crate::object_like;

fn template() -> Template {
    Template::from_json(json!({
        "Resources": {
            "JobsA1B2C3D4": {"Type": "AWS::SQS::Queue", "Properties": {
                "FifoQueue": true, "VisibilityTimeout": 720,
                "RedrivePolicy": {"maxReceiveCount": 3, "deadLetterTargetArn": {"Fn::GetAtt": ["DlqE5F6A7B8", "Arn"]}},
                "Tags": [{"Key": "team", "Value": "ai"}, {"Key": "env", "Value": "dev"}]
            }},
            "DlqE5F6A7B8": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": true, "MessageRetentionPeriod": 1209600}},
            "Plain": {"Type": "AWS::SNS::Topic"},
            "FnRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "inline", "PolicyDocument": {
                "Statement": {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:logs"}
            }}]}},
            "FnPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "FnRole"}], "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"], "Resource": {"Fn::GetAtt": ["JobsA1B2C3D4", "Arn"]}},
                {"Effect": "Deny", "Action": "sqs:DeleteMessage", "Resource": "*"}
            ]}}},
            "OtherPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "OtherRole"}], "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}
            ]}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["FnRole", "Arn"]}}, "DependsOn": ["FnPolicy"]}
        },
        "Outputs": {"JobsUrl": {"Value": {"Ref": "JobsA1B2C3D4"}, "Description": "Send jobs here"}}
    }))
}

/// The panic message of `f`, which must panic.
fn failure(f: impl FnOnce()) -> String {
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("the assertion should have failed");
    err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned())).unwrap_or_default()
}

#[test]
fn counts_and_partial_matching() {
    let t = template();
    t.resource_count_is("AWS::SQS::Queue", 2);
    t.resource_count_is("AWS::DynamoDB::Table", 0);
    // A literal is a partial match at every depth.
    t.has_resource_properties("AWS::SQS::Queue", json!({"RedrivePolicy": {"maxReceiveCount": 3}}));
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"VisibilityTimeout" => 720.0, "DelaySeconds" => absent()});
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"MessageRetentionPeriod" => any_value(), "VisibilityTimeout" => absent()});
    t.resource_properties_count_is("AWS::SQS::Queue", json!({"FifoQueue": true}), 2);
    t.has_resource("AWS::Lambda::Function", object_like! {"DependsOn" => array_with(["FnPolicy"])});
    t.has_resource_properties("AWS::SNS::Topic", json!({}));
    assert_eq!(t.find_resources("AWS::SQS::Queue", json!({"VisibilityTimeout": 720})).len(), 1);
    assert_eq!(t.resource("AWS::SQS::Queue", object_like! {"RedrivePolicy" => any_value()}).logical_id, "JobsA1B2C3D4");
    t.has_output("JobsUrl", json!({"Value": {"Ref": "JobsA1B2C3D4"}}));
    t.has_output("*", object_like! {"Description" => starts_with("Send")});
    t.output_count_is(1);
}

#[test]
fn exact_array_and_negation_matchers() {
    let t = template();
    let tags = || json!([{"Key": "team", "Value": "ai"}, {"Key": "env", "Value": "dev"}]);
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"Tags" => tags()});
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"Tags" => array_with([json!({"Key": "env"})])});
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"Tags" => array_with([json!({"Key": "team"}), json!({"Key": "env"})])});
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"FifoQueue" => not(false)});
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"Nope" => not(any_value())});
    let exact_redrive = json!({"maxReceiveCount": 3, "deadLetterTargetArn": {"Fn::GetAtt": ["DlqE5F6A7B8", "Arn"]}});
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"RedrivePolicy" => exact(exact_redrive)});
    // Order matters for array_with; extra keys fail exact and object_equals; lengths fail arrays.
    for m in [
        object_like! {"Tags" => array_with([json!({"Key": "env"}), json!({"Key": "team"})])},
        object_like! {"RedrivePolicy" => exact(json!({"maxReceiveCount": 3}))},
        object_like! {"RedrivePolicy" => object_equals([("maxReceiveCount", Match::from(3))])},
        object_like! {"Tags" => array_equals([json!({"Key": "team"})])},
        object_like! {"Tags" => json!([{"Key": "team"}])},
        object_like! {"FifoQueue" => absent()},
    ] {
        assert!(t.find_resources("AWS::SQS::Queue", m.clone()).is_empty(), "{}", m.pattern());
    }
}

#[test]
fn a_mismatch_names_the_closest_resource_each_difference_and_a_diff() {
    let message = failure(|| {
        template().has_resource_properties(
            "AWS::SQS::Queue",
            object_like! {"FifoQueue" => true, "VisibilityTimeout" => 30, "RedrivePolicy" => json!({"maxReceiveCount": 5})},
        )
    });
    assert!(message.contains("no AWS::SQS::Queue properties match the pattern (2 AWS::SQS::Queue candidate(s))"), "{message}");
    assert!(message.contains("closest: JobsA1B2C3D4, with 2 mismatch(es)"), "{message}");
    assert!(message.contains("/VisibilityTimeout: expected 30, found 720"), "{message}");
    assert!(message.contains("/RedrivePolicy/maxReceiveCount: expected 5, found 3"), "{message}");
    // The diff shows only what the pattern looks at, expected against found.
    assert!(message.contains("--- expected\n+++ JobsA1B2C3D4"), "{message}");
    assert!(message.contains("-  \"VisibilityTimeout\": 30,") && message.contains("+  \"VisibilityTimeout\": 720,"), "{message}");
    assert!(!message.contains("Tags"), "the diff leaves out what the pattern does not mention: {message}");

    let missing = failure(|| template().has_resource_properties("AWS::SQS::Queue", object_like! {"KmsMasterKeyId" => any_value()}));
    assert!(missing.contains("/KmsMasterKeyId: expected \"<any value>\", found nothing"), "{missing}");
    let no_type = failure(|| template().has_resource_properties("AWS::DynamoDB::Table", json!({})));
    assert!(no_type.contains("no AWS::DynamoDB::Table resource") && no_type.contains("AWS::SQS::Queue"), "{no_type}");
    let count = failure(|| template().resource_count_is("AWS::SQS::Queue", 3));
    assert!(count.contains("expected 3 AWS::SQS::Queue resource(s), found 2"), "{count}");
    let several = failure(|| {
        template().resource("AWS::SQS::Queue", json!({"FifoQueue": true}));
    });
    assert!(several.contains("expected 1 AWS::SQS::Queue properties matching the pattern, found 2"), "{several}");
    let output = failure(|| template().has_output("JobsUrl", json!({"Value": "x"})));
    assert!(output.contains("/Value: expected \"x\", found {\"Ref\":\"JobsA1B2C3D4\"}"), "{output}");
    assert!(failure(|| template().has_output("Nope", any_value())).contains("the template's outputs: [\"JobsUrl\"]"));
}

#[test]
fn captures_keep_values_of_matching_resources_only() {
    let t = template();
    let retention = Capture::new();
    t.has_resource_properties("AWS::SQS::Queue", object_like! {"MessageRetentionPeriod" => &retention});
    assert_eq!(retention.values(), [json!(1209600)]);
    let dlq = Capture::new();
    t.has_resource_properties(
        "AWS::SQS::Queue",
        object_like! {"RedrivePolicy" => object_like! {"deadLetterTargetArn" => object_like! {
            "Fn::GetAtt" => array_with([Match::from(&dlq)])
        }}},
    );
    assert_eq!(dlq.string(), "DlqE5F6A7B8");
    let unused = Capture::new();
    assert!(t.find_resources("AWS::SQS::Queue", object_like! {"Nope" => &unused}).is_empty());
    assert!(unused.values().is_empty());
}

#[test]
fn iam_helpers_resolve_a_function_to_its_role_and_statements() {
    let t = template();
    assert_eq!(t.role_of("Fn"), "FnRole");
    let actions: Vec<String> = t.statements_of("Fn").into_iter().flat_map(|s| s.actions).collect();
    assert_eq!(actions, ["logs:PutLogEvents", "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:DeleteMessage"]);
    let queue_arn = json!({"Fn::GetAtt": ["JobsA1B2C3D4", "Arn"]});
    t.assert_can_exactly("Fn", "sqs:SendMessage", [queue_arn.clone()]);
    t.assert_can("Fn", "SQS:sendmessage", object_like! {"Fn::GetAtt" => array_with(["JobsA1B2C3D4"])});
    t.assert_cannot("Fn", "sqs:DeleteMessage");
    assert_eq!(t.statements().len(), 4);
    let wider = failure(|| t.assert_can_exactly("Fn", "sqs:SendMessage", [queue_arn.clone(), json!("arn:other")]));
    assert!(wider.contains("Fn may sqs:SendMessage on [{\"Fn::GetAtt\":[\"JobsA1B2C3D4\",\"Arn\"]}], expected exactly"), "{wider}");
    assert!(wider.contains("[FnPolicy]"), "the message lists the statements: {wider}");
    assert!(failure(|| t.assert_can("Fn", "sqs:ReceiveMessage", any_value())).contains("Fn may not sqs:ReceiveMessage"));
    assert!(failure(|| t.assert_cannot("Fn", "sqs:SendMessage")).contains("expected nothing"));
    assert!(failure(|| drop(t.role_of("Plain"))).contains("Plain has no Role/RoleArn"));
}

#[test]
fn from_stack_synthesizes_and_validates() {
    use crate::prelude::*;
    let mut app = App::new();
    let stack = app.stack("S", StackProps::default());
    let q = Queue::new(&mut stack.scope("Jobs"), QueueProps::default());
    let f = Function::new(&mut stack.scope("Worker"), FunctionProps { code: Code::handler("agent-runner"), ..Default::default() });
    q.grant_send_messages(stack, &f);
    stack.output("JobsUrl", q.url());
    let t = Template::from_stack(&mut app, "S");
    t.resource_count_is("AWS::SQS::Queue", 2);
    t.assert_can_exactly(&f, "sqs:SendMessage", [q.arn()]);
    t.has_output("JobsUrl", json!({"Value": q.url()}));
    let mut broken = App::new();
    broken.stack("S", StackProps::default()).output("bad name", "x");
    assert!(failure(move || drop(Template::from_stack(&mut broken, "S"))).contains("output name 'bad name' is not alphanumeric"));
}
