//! The generated L1 layer (`agentcdk_synth::cfn`, written by agentcdk-codegen) against its
//! contract: exact JSON, required-property paths, schema facts, the registry, typed attributes.

use agentcdk_synth::cfn::{apigateway, apigatewayv2, dynamodb, iam, lambda, registry, sqs, wafv2};
use agentcdk_synth::{App, CfnResource, Expr, Required, StackProps, Tagging, Value};
use indexmap::IndexMap;
use serde_json::json;

fn missing(r: &impl Required) -> Vec<String> {
    let mut out = Vec::new();
    r.missing_required("", &mut out);
    out
}

#[test]
fn queue_with_redrive_policy_serializes_to_exact_json() {
    let queue = sqs::Queue {
        visibility_timeout: Some(180.into()),
        queue_name: Some("jobs".into()),
        redrive_policy: Some(
            sqs::queue::RedrivePolicy {
                dead_letter_target_arn: Some(Expr::get_att("JobsDlq", "Arn").into()),
                max_receive_count: Some(5.into()),
            }
            .into(),
        ),
        tags: Some(vec![sqs::queue::Tag { key: Some("team".into()), value: Some("billing".into()) }.into()].into()),
        ..Default::default()
    };
    // Properties come out in schema-name order, literals as JSON, the intrinsic in its CFN form.
    assert_eq!(
        serde_json::to_string(&queue).unwrap(),
        r#"{"QueueName":"jobs","RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["JobsDlq","Arn"]},"maxReceiveCount":5},"Tags":[{"Key":"team","Value":"billing"}],"VisibilityTimeout":180}"#
    );
    // A whole list can be an intrinsic too.
    let from_param = sqs::Queue { tags: Some(Expr::reference("QueueTags").into()), ..Default::default() };
    assert_eq!(serde_json::to_value(&from_param).unwrap(), json!({"Tags": {"Ref": "QueueTags"}}));
    assert_eq!(serde_json::to_value(sqs::Queue::default()).unwrap(), json!({}));
}

#[test]
fn enums_maps_and_free_form_json_serialize_as_cloudformation_expects() {
    let function = lambda::Function {
        runtime: Some(lambda::function::Runtime::Python3_13.into()),
        architectures: Some(vec![lambda::function::Architectures::X86_64.into()].into()),
        environment: Some(
            lambda::function::Environment { variables: Some(IndexMap::from([("TABLE".to_owned(), Value::from("t"))]).into()) }.into(),
        ),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&function).unwrap(),
        json!({"Architectures": ["x86_64"], "Environment": {"Variables": {"TABLE": "t"}}, "Runtime": "python3.13"})
    );
    let api = apigatewayv2::Api {
        protocol_type: Some("WEBSOCKET".into()),
        tags: Some(IndexMap::from([("team".to_owned(), Value::from("billing"))]).into()),
        ..Default::default()
    };
    assert_eq!(serde_json::to_value(&api).unwrap(), json!({"ProtocolType": "WEBSOCKET", "Tags": {"team": "billing"}}));
    let role = iam::Role { assume_role_policy_document: Some(json!({"Version": "2012-10-17"}).into()), ..Default::default() };
    assert_eq!(serde_json::to_value(&role).unwrap(), json!({"AssumeRolePolicyDocument": {"Version": "2012-10-17"}}));
    let method = apigateway::Method {
        request_parameters: Some(IndexMap::from([("method.request.querystring.q".to_owned(), Value::from(true))]).into()),
        ..Default::default()
    };
    assert_eq!(serde_json::to_value(&method).unwrap(), json!({"RequestParameters": {"method.request.querystring.q": true}}));
}

#[test]
fn missing_required_properties_are_reported_with_dotted_paths() {
    assert_eq!(missing(&lambda::Function::default()), ["Code", "Role"]);

    let function = lambda::Function {
        code: Some(lambda::function::Code { zip_file: Some("exports.handler = 1".into()), ..Default::default() }.into()),
        role: Some(Expr::get_att("Role", "Arn").into()),
        file_system_configs: Some(
            vec![
                lambda::function::FileSystemConfig {
                    arn: Some("arn:fs".into()),
                    local_mount_path: Some("/mnt/a".into()),
                    ..Default::default()
                }
                .into(),
                lambda::function::FileSystemConfig { arn: Some("arn:fs".into()), ..Default::default() }.into(),
            ]
            .into(),
        ),
        ..Default::default()
    };
    assert_eq!(missing(&function), ["FileSystemConfigs[1].LocalMountPath"]);

    // An intrinsic is evaluated by CloudFormation: nothing to check inside it.
    let function = lambda::Function { file_system_configs: Some(Expr::reference("Configs").into()), ..function };
    assert!(missing(&function).is_empty());

    let table = dynamodb::Table {
        key_schema: Some(vec![dynamodb::table::KeySchema { attribute_name: Some("pk".into()), ..Default::default() }.into()].into()),
        ..Default::default()
    };
    assert_eq!(missing(&table), ["KeySchema[0].KeyType"]);
}

#[test]
fn recursive_property_types_are_boxed_and_still_checked() {
    use wafv2::web_acl::{NotStatement, Statement};
    let statement =
        Statement { not_statement: Some(NotStatement { statement: Some(Statement::default().into()) }.into()), ..Default::default() };
    assert_eq!(serde_json::to_value(&statement).unwrap(), json!({"NotStatement": {"Statement": {}}}));
    let empty_not = Statement { not_statement: Some(NotStatement::default().into()), ..Default::default() };
    assert_eq!(missing(&empty_not), ["NotStatement.Statement"]);
}

#[test]
fn type_info_lists_getatt_attributes_and_tagging() {
    let queue = <sqs::Queue as CfnResource>::INFO;
    assert_eq!(queue.type_name, "AWS::SQS::Queue");
    assert_eq!(queue.attributes, ["Arn", "QueueName", "QueueUrl"]);
    assert_eq!(queue.tagging, Tagging::List);

    let api = <apigatewayv2::Api as CfnResource>::INFO;
    assert_eq!(api.attributes, ["ApiEndpoint", "ApiId", "ExecuteApiArn"]);
    assert_eq!(api.tagging, Tagging::Map);

    let function = <lambda::Function as CfnResource>::INFO;
    assert!(function.attributes.contains(&"SnapStartResponse.ApplyOn"));
    assert_eq!(<lambda::Permission as CfnResource>::INFO.tagging, Tagging::None);
    assert_eq!(<iam::Policy as CfnResource>::INFO.tagging, Tagging::None);
    // Taggable in the schema's eyes is not enough: ApiGatewayV2 deployments are marked not taggable.
    assert_eq!(<apigatewayv2::Deployment as CfnResource>::INFO.tagging, Tagging::None);
}

#[test]
fn registry_finds_every_generated_type() {
    assert!(registry::ALL.len() >= 47, "{}", registry::ALL.len());
    assert!(registry::ALL.windows(2).all(|w| w[0].type_name < w[1].type_name), "ALL must be sorted for lookup");
    for info in registry::ALL {
        assert_eq!(registry::lookup(info.type_name).map(|i| i.type_name), Some(info.type_name));
    }
    let queue = registry::lookup("AWS::SQS::Queue").expect("generated");
    assert_eq!(queue.attributes, <sqs::Queue as CfnResource>::INFO.attributes);
    assert_eq!(registry::lookup("AWS::ApiGatewayV2::Stage").map(|i| i.tagging), Some(Tagging::Map));
    assert_eq!(registry::lookup("AWS::BedrockAgentCore::Runtime").map(|i| i.tagging), Some(Tagging::Map));
    assert!(registry::lookup("AWS::SQS::Nope").is_none());
    assert!(registry::lookup("aws::sqs::queue").is_none());
}

#[test]
fn typed_attribute_accessors_build_getatt() {
    let mut app = App::new();
    let stack = app.stack("S", StackProps::default());
    let queue = stack.add("Jobs", sqs::Queue::default());
    assert_eq!(queue.attr_queue_url(), Expr::get_att(queue.logical_id(), "QueueUrl"));
    assert_eq!(queue.attr_arn().to_json(), json!({"Fn::GetAtt": [queue.logical_id(), "Arn"]}));
    let function = stack.add("Fn", lambda::Function::default());
    assert_eq!(function.attr_snap_start_response_apply_on(), Expr::get_att(function.logical_id(), "SnapStartResponse.ApplyOn"));
}
