//! A copy of a template that moto_server can deploy: the resource types moto ignores are taken
//! out and every reference to them is replaced by a placeholder.
//!
//! moto's CloudFormation creates only the types it has a model for; any other resource is
//! skipped silently, a `Ref` to it yields nothing (an output using it disappears) and a
//! `Fn::GetAtt` on it makes create-stack fail with HTTP 500. The real template is never
//! changed: [`stub_for_moto`] returns a stubbed copy and the list of what it took out, which
//! the deploy test prints.
//!
//! [`MOTO_TYPES`] is moto 5.2.5's list (`moto.cloudformation.parsing.get_model_map()`), checked
//! against the server by `tests/tests/moto_deploy.rs::moto_ignores_exactly_the_types_we_stub`,
//! which deploys one resource of every type in `synth/schemas/allowlist.toml` and fails when
//! moto starts or stops supporting one of them. Of the allowlist, moto ignores:
//! `AWS::ApiGateway::{Account, Authorizer, GatewayResponse, Model, RequestValidator, Stage,
//! UsagePlan}`, every `AWS::ApiGatewayV2` and `AWS::BedrockAgentCore` type,
//! `AWS::CloudWatch::Alarm`, `AWS::Lambda::{Alias, Url}`, `AWS::SecretsManager::Secret`,
//! `AWS::S3::BucketPolicy`, `AWS::SQS::QueuePolicy`, every `AWS::WAFv2` and `AWS::CloudFront` type.

use serde_json::{Map, Value};

use crate::moto::{ACCOUNT_ID, REGION};

/// The resource types moto 5.2.5's CloudFormation creates. `Custom::` resources are left out
/// on purpose: moto would try to invoke their provider Lambda in Docker.
pub const MOTO_TYPES: &[&str] = &[
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::RestApi",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::AutoScaling::ScheduledAction",
    "AWS::Batch::ComputeEnvironment",
    "AWS::Batch::JobDefinition",
    "AWS::Batch::JobQueue",
    "AWS::CloudFormation::Stack",
    "AWS::CloudWatch::Dashboard",
    "AWS::DataPipeline::Pipeline",
    "AWS::DynamoDB::Table",
    "AWS::EC2::EIP",
    "AWS::EC2::FlowLog",
    "AWS::EC2::Instance",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::LaunchTemplate",
    "AWS::EC2::NatGateway",
    "AWS::EC2::NetworkInterface",
    "AWS::EC2::Route",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SpotFleet",
    "AWS::EC2::Subnet",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::TransitGateway",
    "AWS::EC2::VPC",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::VPCPeeringConnection",
    "AWS::EC2::VPNGateway",
    "AWS::EC2::Volume",
    "AWS::EC2::VolumeAttachment",
    "AWS::ECR::Repository",
    "AWS::ECS::Cluster",
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
    "AWS::EFS::AccessPoint",
    "AWS::EFS::FileSystem",
    "AWS::EFS::MountTarget",
    "AWS::EMR::Cluster",
    "AWS::EMR::InstanceGroupConfig",
    "AWS::EMR::SecurityConfiguration",
    "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::Events::Archive",
    "AWS::Events::EventBus",
    "AWS::Events::Rule",
    "AWS::IAM::AccessKey",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::IoT::BillingGroup",
    "AWS::IoT::JobTemplate",
    "AWS::IoT::Policy",
    "AWS::IoT::RoleAlias",
    "AWS::IoT::Thing",
    "AWS::IoT::ThingType",
    "AWS::KMS::Alias",
    "AWS::KMS::Key",
    "AWS::Kinesis::Stream",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Logs::LogGroup",
    "AWS::Logs::ResourcePolicy",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBParameterGroup",
    "AWS::RDS::DBSecurityGroup",
    "AWS::RDS::DBSubnetGroup",
    "AWS::Redshift::Cluster",
    "AWS::Redshift::ClusterParameterGroup",
    "AWS::Redshift::ClusterSubnetGroup",
    "AWS::Route53::HealthCheck",
    "AWS::Route53::HostedZone",
    "AWS::Route53::RecordSet",
    "AWS::Route53::RecordSetGroup",
    "AWS::S3::Bucket",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SSM::Document",
    "AWS::SSM::Parameter",
    "AWS::SageMaker::Endpoint",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Model",
    "AWS::SageMaker::NotebookInstance",
    "AWS::SageMaker::NotebookInstanceLifecycleConfig",
    "AWS::StepFunctions::StateMachine",
];

/// Whether moto's CloudFormation creates resources of this type.
pub fn moto_supports(resource_type: &str) -> bool {
    MOTO_TYPES.contains(&resource_type)
}

/// A stubbed copy of `template` and the resources taken out, as (logical id, type) in
/// template order. The copy has no resource of a type moto ignores; every `Ref`, `Fn::GetAtt`
/// and `Fn::Sub` reference to one is a placeholder value instead (an ARN for attributes named
/// `*Arn`, a URL for `*Url`/`*Endpoint`, else `moto-stub-<LogicalId>`), and `DependsOn` lists
/// no longer name them. Outputs stay, with the same placeholders.
pub fn stub_for_moto(template: &Value) -> (Value, Vec<(String, String)>) {
    let mut copy = template.clone();
    let mut skipped = Vec::new();
    let Some(resources) = copy.get_mut("Resources").and_then(Value::as_object_mut) else {
        return (copy, skipped);
    };
    for (id, resource) in resources.iter() {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        if !moto_supports(kind) {
            skipped.push((id.clone(), kind.to_owned()));
        }
    }
    for (id, resource) in resources.iter_mut() {
        fix_for_moto(id, resource);
    }
    if skipped.is_empty() {
        return (copy, skipped);
    }
    let gone: Vec<&str> = skipped.iter().map(|(id, _)| id.as_str()).collect();
    resources.retain(|id, _| !gone.contains(&id.as_str()));
    for resource in resources.values_mut() {
        let Some(resource) = resource.as_object_mut() else { continue };
        prune_depends_on(resource, &gone);
        for (key, value) in resource.iter_mut() {
            if key != "Type" && key != "DependsOn" {
                replace_references(value, &gone);
            }
        }
    }
    if let Some(outputs) = copy.get_mut("Outputs") {
        replace_references(outputs, &gone);
    }
    (copy, skipped)
}

/// Works around moto bugs in resources it does create, in the copy only. Each fixup has a test
/// (`tests/tests/moto_deploy.rs::moto_still_needs_the_fixups`) that fails once moto no longer
/// needs it.
///
/// - `AWS::KMS::Key` `Tags`: moto 5.2.5 hands CloudFormation's `{Key, Value}` tags to its KMS
///   API tagger, which expects `{TagKey, TagValue}`: create-stack fails with HTTP 500
///   (`KeyError: 'TagKey'`). The copy spells them the KMS API way.
/// - `AWS::SQS::Queue` with `FifoQueue` and no `QueueName`: CloudFormation generates a name
///   ending in `.fifo`, moto generates one without and refuses it ("Queue name must end in
///   .fifo for FIFO queues"). The copy names the queue `<stack name>-<logical id>.fifo`.
/// - `AWS::ApiGateway::Method` whose `Integration` has no `IntegrationHttpMethod` or `Uri`
///   (a `MOCK` integration, e.g. a CORS preflight): moto reads both unconditionally and fails
///   with HTTP 500 (`KeyError: 'IntegrationHttpMethod'`). The copy sets `POST` and `""`.
/// - `AWS::Events::Archive` `EventPattern` as a JSON object (its CloudFormation type is Json):
///   moto 5.2.5 `json.loads` it and fails with HTTP 500 (`TypeError: the JSON object must be
///   str`). The copy gives the pattern as a string.
pub const MOTO_FIXUPS: &[&str] =
    &["AWS::KMS::Key Tags", "AWS::SQS::Queue FIFO name", "AWS::ApiGateway::Method MOCK integration", "AWS::Events::Archive EventPattern"];

fn fix_for_moto(logical_id: &str, resource: &mut Value) {
    match resource.get("Type").and_then(Value::as_str) {
        Some("AWS::KMS::Key") => {
            let Some(Value::Array(tags)) = resource.pointer_mut("/Properties/Tags") else { return };
            for tag in tags.iter_mut().filter_map(Value::as_object_mut) {
                for (from, to) in [("Key", "TagKey"), ("Value", "TagValue")] {
                    if let Some(v) = tag.remove(from) {
                        tag.insert(to.to_owned(), v);
                    }
                }
            }
        }
        Some("AWS::SQS::Queue") => {
            let Some(properties) = resource.get_mut("Properties").and_then(Value::as_object_mut) else { return };
            let fifo = matches!(properties.get("FifoQueue"), Some(Value::Bool(true)))
                || properties.get("FifoQueue").and_then(Value::as_str) == Some("true");
            if fifo && !properties.contains_key("QueueName") {
                // SQS names: at most 80 characters; stack names here are short.
                let id: String = logical_id.chars().take(40).collect();
                properties.insert("QueueName".to_owned(), serde_json::json!({"Fn::Sub": format!("${{AWS::StackName}}-{id}.fifo")}));
            }
        }
        Some("AWS::ApiGateway::Method") => {
            let Some(Value::Object(integration)) = resource.pointer_mut("/Properties/Integration") else { return };
            integration.entry("IntegrationHttpMethod").or_insert_with(|| Value::from("POST"));
            integration.entry("Uri").or_insert_with(|| Value::from(""));
        }
        Some("AWS::Events::Archive") => {
            let Some(pattern) = resource.pointer_mut("/Properties/EventPattern") else { return };
            if pattern.is_object() {
                *pattern = Value::from(pattern.to_string());
            }
        }
        _ => {}
    }
}

fn prune_depends_on(resource: &mut Map<String, Value>, gone: &[&str]) {
    let keep = match resource.get("DependsOn") {
        Some(Value::String(one)) if gone.contains(&one.as_str()) => Some(Vec::new()),
        Some(Value::Array(many)) => Some(many.iter().filter(|d| !d.as_str().is_some_and(|d| gone.contains(&d))).cloned().collect()),
        _ => None,
    };
    match keep {
        Some(keep) if keep.is_empty() => {
            resource.remove("DependsOn");
        }
        Some(keep) if matches!(resource.get("DependsOn"), Some(Value::Array(_))) => {
            resource.insert("DependsOn".to_owned(), Value::Array(keep));
        }
        _ => {}
    }
}

/// The placeholder for `Ref` (attribute `None`) or `Fn::GetAtt` of a removed resource.
pub fn placeholder(logical_id: &str, attribute: Option<&str>) -> String {
    match attribute {
        Some(a) if a.ends_with("Arn") || a == "Arn" => format!("arn:aws:moto-stub:{REGION}:{ACCOUNT_ID}:{logical_id}"),
        Some(a) if a.ends_with("Url") || a.ends_with("Endpoint") => format!("https://moto-stub-{logical_id}.invalid/"),
        _ => format!("moto-stub-{logical_id}"),
    }
}

fn replace_references(value: &mut Value, gone: &[&str]) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| replace_references(v, gone)),
        Value::Object(map) if map.len() == 1 => {
            if let Some(replacement) = reference_replacement(map, gone) {
                *value = Value::String(replacement);
                return;
            }
            if let Some(sub) = map.get_mut("Fn::Sub") {
                stub_sub(sub, gone);
            }
            for v in map.values_mut() {
                replace_references(v, gone);
            }
        }
        Value::Object(map) => map.values_mut().for_each(|v| replace_references(v, gone)),
        _ => {}
    }
}

/// The placeholder if `map` is `{"Ref": gone}` or `{"Fn::GetAtt": [gone, attr]}` (or the
/// `"gone.attr"` string form).
fn reference_replacement(map: &Map<String, Value>, gone: &[&str]) -> Option<String> {
    if let Some(Value::String(id)) = map.get("Ref") {
        return gone.contains(&id.as_str()).then(|| placeholder(id, None));
    }
    let (id, attribute) = match map.get("Fn::GetAtt")? {
        Value::Array(parts) => (parts.first()?.as_str()?.to_owned(), parts.get(1).and_then(Value::as_str).map(str::to_owned)),
        Value::String(dotted) => {
            let (id, attribute) = dotted.split_once('.')?;
            (id.to_owned(), Some(attribute.to_owned()))
        }
        _ => return None,
    };
    gone.contains(&id.as_str()).then(|| placeholder(&id, attribute.as_deref()))
}

/// Rewrites `${Gone}` and `${Gone.Attr}` in a `Fn::Sub` string (either form) to placeholder
/// text, unless the name is one of the Sub's own variables. `${!Literal}` stays.
fn stub_sub(sub: &mut Value, gone: &[&str]) {
    let (text, variables): (&mut Value, Vec<String>) = match sub {
        Value::String(_) => (sub, Vec::new()),
        Value::Array(parts) if !parts.is_empty() => {
            let variables = parts.get(1).and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
            (&mut parts[0], variables)
        }
        _ => return,
    };
    let Value::String(text) = text else { return };
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..end];
        let (id, attribute) = match name.split_once('.') {
            Some((id, attribute)) => (id, Some(attribute)),
            None => (name, None),
        };
        if !name.starts_with('!') && gone.contains(&id) && !variables.iter().any(|v| v == name) {
            out.push_str(&placeholder(id, attribute));
        } else {
            out.push_str(&rest[start..start + 2 + end + 1]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    *text = out;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template() -> Value {
        json!({
            "Parameters": {"AssetBucket": {"Type": "String"}},
            "Resources": {
                "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
                "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
                "FnUrl": {"Type": "AWS::Lambda::Url", "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}}},
                "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "ws"}},
                "Perm": {
                    "Type": "AWS::Lambda::Permission",
                    "DependsOn": ["Api", "Role"],
                    "Properties": {
                        "FunctionName": {"Ref": "Fn"},
                        "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"},
                        "Principal": {"Fn::GetAtt": "FnUrl.FunctionUrl"}
                    }
                },
                "Policy": {
                    "Type": "AWS::IAM::Policy",
                    "DependsOn": "Api",
                    "Properties": {"Resources": [{"Fn::Join": ["", [{"Fn::GetAtt": ["Api", "ApiId"]}, "/x"]]}]}
                }
            },
            "Outputs": {
                "Url": {"Value": {"Fn::GetAtt": ["FnUrl", "FunctionUrl"]}},
                "Ws": {"Value": {"Fn::Sub": ["wss://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}/${!Literal}", {"Stage": "prod"}]}},
                "FnName": {"Value": {"Ref": "Fn"}}
            }
        })
    }

    #[test]
    fn removes_ignored_types_and_lists_them_in_order() {
        let (stubbed, skipped) = stub_for_moto(&template());
        assert_eq!(skipped, [("FnUrl".to_owned(), "AWS::Lambda::Url".to_owned()), ("Api".to_owned(), "AWS::ApiGatewayV2::Api".to_owned())]);
        let ids: Vec<&String> = stubbed["Resources"].as_object().unwrap().keys().collect();
        assert_eq!(ids, ["Fn", "Role", "Perm", "Policy"]);
    }

    #[test]
    fn replaces_every_reference_to_a_removed_resource() {
        let (stubbed, _) = stub_for_moto(&template());
        let perm = &stubbed["Resources"]["Perm"];
        assert_eq!(perm["DependsOn"], json!(["Role"]));
        assert_eq!(
            perm["Properties"]["SourceArn"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:moto-stub-Api/*"})
        );
        assert_eq!(perm["Properties"]["Principal"], json!("https://moto-stub-FnUrl.invalid/"));
        let policy = &stubbed["Resources"]["Policy"];
        assert!(policy.get("DependsOn").is_none(), "a DependsOn naming only removed resources goes");
        assert_eq!(policy["Properties"]["Resources"], json!([{"Fn::Join": ["", ["moto-stub-Api", "/x"]]}]));
        assert_eq!(stubbed["Outputs"]["Url"]["Value"], json!("https://moto-stub-FnUrl.invalid/"));
        assert_eq!(
            stubbed["Outputs"]["Ws"]["Value"],
            json!({"Fn::Sub": ["wss://moto-stub-Api.execute-api.${AWS::Region}.amazonaws.com/${Stage}/${!Literal}", {"Stage": "prod"}]})
        );
    }

    #[test]
    fn keeps_references_to_resources_moto_creates() {
        let (stubbed, _) = stub_for_moto(&template());
        assert_eq!(stubbed["Resources"]["Fn"]["Properties"]["Role"], json!({"Fn::GetAtt": ["Role", "Arn"]}));
        assert_eq!(stubbed["Outputs"]["FnName"]["Value"], json!({"Ref": "Fn"}));
        assert_eq!(stubbed["Parameters"], template()["Parameters"]);
    }

    #[test]
    fn never_changes_the_real_template() {
        let real = template();
        let before = real.to_string();
        let (stubbed, _) = stub_for_moto(&real);
        assert_eq!(real.to_string(), before);
        assert_ne!(stubbed, real);
    }

    #[test]
    fn a_template_moto_fully_supports_is_unchanged() {
        let real = json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "DependsOn": "R"}, "R": {"Type": "AWS::SQS::Queue"}}});
        let (stubbed, skipped) = stub_for_moto(&real);
        assert!(skipped.is_empty());
        assert_eq!(stubbed, real);
    }

    #[test]
    fn sub_variables_shadow_resource_names() {
        let mut sub = json!(["${Api}-${Api.Id}", {"Api": "mine"}]);
        stub_sub(&mut sub, &["Api"]);
        assert_eq!(sub, json!(["${Api}-moto-stub-Api", {"Api": "mine"}]));
        let mut unterminated = json!("x-${Api");
        stub_sub(&mut unterminated, &["Api"]);
        assert_eq!(unterminated, json!("x-${Api"));
    }

    #[test]
    fn kms_key_tags_are_spelled_for_moto() {
        let real = json!({"Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": {"Tags": [{"Key": "a", "Value": "b"}]}}}});
        let (stubbed, skipped) = stub_for_moto(&real);
        assert!(skipped.is_empty());
        assert_eq!(stubbed["Resources"]["K"]["Properties"]["Tags"], json!([{"TagKey": "a", "TagValue": "b"}]));
        assert_eq!(real["Resources"]["K"]["Properties"]["Tags"], json!([{"Key": "a", "Value": "b"}]));
    }

    #[test]
    fn fifo_queues_get_a_name_ending_in_fifo() {
        let real = json!({"Resources": {
            "In": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": true}},
            "Named": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": true, "QueueName": "mine.fifo"}},
            "Std": {"Type": "AWS::SQS::Queue", "Properties": {}}
        }});
        let (stubbed, _) = stub_for_moto(&real);
        assert_eq!(stubbed["Resources"]["In"]["Properties"]["QueueName"], json!({"Fn::Sub": "${AWS::StackName}-In.fifo"}));
        assert_eq!(stubbed["Resources"]["Named"], real["Resources"]["Named"]);
        assert_eq!(stubbed["Resources"]["Std"], real["Resources"]["Std"]);
    }

    #[test]
    fn mock_integrations_get_the_fields_moto_reads() {
        let real = json!({"Resources": {"Options": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "OPTIONS", "Integration": {"Type": "MOCK"}}}}});
        let (stubbed, _) = stub_for_moto(&real);
        assert_eq!(
            stubbed["Resources"]["Options"]["Properties"]["Integration"],
            json!({"Type": "MOCK", "IntegrationHttpMethod": "POST", "Uri": ""})
        );
    }

    #[test]
    fn placeholders_fit_the_attribute() {
        assert_eq!(placeholder("Alarm", Some("Arn")), "arn:aws:moto-stub:us-east-1:123456789012:Alarm");
        assert_eq!(placeholder("Rt", Some("AgentRuntimeArn")), "arn:aws:moto-stub:us-east-1:123456789012:Rt");
        assert_eq!(placeholder("Ws", Some("ApiEndpoint")), "https://moto-stub-Ws.invalid/");
        assert_eq!(placeholder("Stage", None), "moto-stub-Stage");
    }
}
