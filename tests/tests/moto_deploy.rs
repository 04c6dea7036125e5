//! Every example deploys into a local moto_server through the real AWS SDK
//! (aws-sdk-cloudformation, aws-sdk-s3) and reaches CREATE_COMPLETE.
//!
//! moto ignores some resource types and fails on a `Fn::GetAtt` of them, so what is deployed
//! is a stubbed copy of the template (`agentcdk_tests::moto_stub`); the test prints what moto
//! skipped. The real template is never changed. `moto_ignores_exactly_the_types_we_stub`
//! keeps the stub list honest against the installed moto.

use std::path::Path;
use std::time::{Duration, Instant};

use agentcdk::{App, AssetSource, Expr, RawResource, StackProps};
use agentcdk_tests::moto::{error_text, wait_for_stack, MotoServer};
use agentcdk_tests::moto_stub::moto_supports;
use agentcdk_tests::{examples, repo_root, synth_into};
use serde_json::json;

/// The bucket the tests upload assets to (the `AssetBucket` parameter).
const BUCKET: &str = "agentcdk-assets";

/// Values of the examples' own stack parameters (besides the asset bucket).
const PARAMETERS: &[(&str, &str)] = &[("WeatherToolArn", "arn:aws:lambda:us-east-1:123456789012:function:weather")];

/// Synthesizes `app`, uploads its assets and deploys every stack into `moto`; checks each
/// reached CREATE_COMPLETE, has every output of the manifest with a value, and that moto made
/// every resource it was given.
async fn deploy_app(moto: &MotoServer, name: &str, app: App) -> Vec<agentcdk_tests::moto::Deployment> {
    let out = tempfile::tempdir().unwrap();
    let assembly = synth_into(app, out.path());
    let keys = moto.upload_assets(out.path(), BUCKET).await;
    println!("{name}: uploaded {} asset(s): {keys:?}", keys.len());
    let mut deployments = Vec::new();
    for stack in &assembly.stacks {
        let started = Instant::now();
        let deployment = moto.deploy_with(out.path(), &stack.name, BUCKET, PARAMETERS).await;
        println!("{name}/{}: CREATE_COMPLETE in {:.1?}", stack.name, started.elapsed());
        if deployment.skipped.is_empty() {
            println!("  moto skipped nothing");
        } else {
            println!("  moto ignores these types, so they were stubbed out of the deployed copy:");
            for (id, kind) in &deployment.skipped {
                println!("    {id} ({kind})");
            }
        }
        for output in &stack.manifest.outputs {
            let value = deployment.outputs.iter().find(|(k, _)| k == output).map(|(_, v)| v.as_str());
            assert!(
                value.is_some_and(|v| !v.is_empty()),
                "{name}/{}: output {output} missing or empty: {:?}",
                stack.name,
                deployment.outputs
            );
        }
        let resources = stack.json["Resources"].as_object().cloned().unwrap_or_default();
        for (id, resource) in &resources {
            let kind = resource["Type"].as_str().unwrap_or_default();
            let listed = deployment.resources.iter().find(|(l, _, _)| l == id);
            if deployment.skipped.iter().any(|(s, _)| s == id) {
                assert!(listed.is_none(), "{name}/{}: {id} was stubbed out but moto lists it", stack.name);
                continue;
            }
            let (_, listed_kind, physical) = listed.unwrap_or_else(|| panic!("{name}/{}: moto did not create {id} ({kind})", stack.name));
            assert_eq!(listed_kind, kind, "{name}/{}: {id}", stack.name);
            if has_physical_name(kind) {
                assert!(!physical.is_empty(), "{name}/{}: {id} ({kind}) has no physical id", stack.name);
            }
            if kind == "AWS::SQS::Queue" {
                // A real queue: moto's SQS answers with its URL.
                assert!(
                    physical.starts_with("https://sqs.us-east-1.amazonaws.com/123456789012/"),
                    "{name}/{}: {id}: {physical}",
                    stack.name
                );
                let fifo = resource["Properties"]["FifoQueue"] == json!(true);
                assert_eq!(physical.ends_with(".fifo"), fifo, "{name}/{}: {id}: {physical}", stack.name);
            }
        }
        deployments.push(deployment);
    }
    deployments
}

/// Types whose physical id moto always fills in (a name, URL or ARN).
fn has_physical_name(kind: &str) -> bool {
    matches!(
        kind,
        "AWS::SQS::Queue" | "AWS::Lambda::Function" | "AWS::DynamoDB::Table" | "AWS::IAM::Role" | "AWS::Logs::LogGroup" | "AWS::KMS::Key"
    )
}

#[tokio::test]
async fn examples_deploy_into_moto() {
    let moto = MotoServer::start();
    for (name, app) in examples() {
        let started = Instant::now();
        let deployments = deploy_app(&moto, name, app()).await;
        assert!(!deployments.is_empty(), "{name} has no stack");
        println!("{name}: deployed in {:.1?}", started.elapsed());
    }
}

/// A small app of raw resources with everything the harness must handle: a path asset and a
/// handler asset in S3, GetAtt and Ref to resources moto ignores (a Function URL, a queue
/// policy) in properties and outputs, DependsOn on them.
fn harness_app(asset_dir: &Path) -> App {
    let mut app = App::new();
    let stack = app.stack("MotoHarness", StackProps::default());
    let mut scope = stack.scope("Worker");
    let code = scope.asset(AssetSource::path(asset_dir));
    let handler_code = scope.asset(AssetSource::handler(agentcdk::contract::artifacts::Artifact::RequestHandler));
    let role = scope.add_raw(
        "Role",
        RawResource::new("AWS::IAM::Role").prop(
            "AssumeRolePolicyDocument",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        ),
    );
    let function = |code: &agentcdk::AssetRef| {
        RawResource::new("AWS::Lambda::Function")
            .prop("Runtime", "provided.al2023")
            .prop("Handler", "bootstrap")
            .prop("Role", role.get_att("Arn"))
            .prop("Code", json!({"S3Bucket": serde_json::Value::from(code.bucket()), "S3Key": code.key()}))
    };
    let from_path = scope.add_raw("FromPath", function(&code));
    let from_handler = scope.add_raw("FromHandler", function(&handler_code));
    let url = scope.add_raw(
        "Url",
        RawResource::new("AWS::Lambda::Url").prop("AuthType", "AWS_IAM").prop("TargetFunctionArn", from_path.get_att("Arn")),
    );
    let queue = scope.add_raw("Queue", RawResource::new("AWS::SQS::Queue").prop("SqsManagedSseEnabled", true));
    let policy = scope.add_raw(
        "QueuePolicy",
        RawResource::new("AWS::SQS::QueuePolicy").prop("Queues", json!([serde_json::Value::from(queue.reference())])).prop(
            "PolicyDocument",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": serde_json::Value::from(queue.get_att("Arn")), "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
        ),
    );
    let permission = scope.add_raw(
        "Invoke",
        RawResource::new("AWS::Lambda::Permission")
            .prop("Action", "lambda:InvokeFunctionUrl")
            .prop("FunctionName", from_handler.reference())
            .prop("Principal", "*")
            .prop("FunctionUrlAuthType", "AWS_IAM")
            .prop("SourceArn", Expr::sub(format!("${{{}.FunctionArn}}", url.logical_id()))),
    );
    let _ = (policy, permission);
    stack.output("FunctionUrl", url.get_att("FunctionUrl"));
    stack.output("QueueUrl", queue.reference());
    stack.output("FunctionArn", from_path.get_att("Arn"));
    app
}

#[tokio::test]
async fn the_harness_deploys_assets_and_stubs() {
    let sources = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(sources.path().join("lib")).unwrap();
    std::fs::write(sources.path().join("bootstrap"), "#!/bin/sh\n").unwrap();
    std::fs::write(sources.path().join("lib/data.txt"), "data").unwrap();
    let moto = MotoServer::start();
    let deployments = deploy_app(&moto, "harness", harness_app(sources.path())).await;
    let deployment = &deployments[0];
    let skipped: Vec<&str> = deployment.skipped.iter().map(|(_, kind)| kind.as_str()).collect();
    assert_eq!(skipped, ["AWS::Lambda::Url", "AWS::SQS::QueuePolicy"]);
    let output = |key: &str| deployment.outputs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap();
    assert!(output("QueueUrl").starts_with("https://sqs.us-east-1.amazonaws.com/123456789012/"), "{:?}", deployment.outputs);
    assert!(output("FunctionArn").starts_with("arn:aws:lambda:us-east-1:123456789012:function:"), "{:?}", deployment.outputs);
    assert_eq!(output("FunctionUrl"), format!("https://moto-stub-{}.invalid/", deployment.skipped[0].0));

    // The function's code is the uploaded object: a real zip of the source folder.
    let s3 = moto.s3();
    let listed = s3.list_objects_v2().bucket(BUCKET).send().await.unwrap();
    assert_eq!(listed.contents().len(), 2, "one object per asset");
    for object in listed.contents() {
        let body =
            s3.get_object().bucket(BUCKET).key(object.key().unwrap()).send().await.unwrap().body.collect().await.unwrap().into_bytes();
        assert!(body.starts_with(b"PK\x03\x04"), "{:?} is not a zip", object.key());
    }
}

#[test]
fn zips_a_folder_with_relative_sorted_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
    std::fs::write(dir.path().join("b/c/d.txt"), "d").unwrap();
    std::fs::write(dir.path().join("a.txt"), "a").unwrap();
    let zip = agentcdk_tests::moto::zip_path(dir.path());
    let text = String::from_utf8_lossy(&zip);
    let (a, d) = (text.find("a.txt").unwrap(), text.find("b/c/d.txt").unwrap());
    assert!(a < d, "entries are sorted");
    assert_eq!(zip, agentcdk_tests::moto::zip_path(dir.path()), "zipping is deterministic");
}

/// The resource types agentcdk has typed L1 structs for (`synth/schemas/allowlist.toml`).
fn allowlisted_types() -> Vec<String> {
    let path = repo_root().join("synth/schemas/allowlist.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut namespace = String::new();
    let mut types = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("namespace = ") {
            namespace = value.trim_matches('"').to_owned();
        } else if let Some(list) = line.strip_prefix("types = ") {
            let names =
                list.trim_matches(|c| c == '[' || c == ']').split(',').map(|t| t.trim().trim_matches('"')).filter(|t| !t.is_empty());
            types.extend(names.map(|t| format!("{namespace}::{t}")));
        }
    }
    assert!(types.len() > 10, "cannot read the types of {}", path.display());
    types
}

/// For every allowlisted type, one stack holding one resource of it with no properties: moto
/// ignores the type exactly when the stack completes without listing the resource. (A type moto
/// handles lists the resource, or fails to create it for the missing properties.) This fails
/// when a moto upgrade starts or stops supporting a type, so the stub list follows moto.
#[tokio::test]
async fn moto_ignores_exactly_the_types_we_stub() {
    let moto = MotoServer::start();
    let cfn = moto.cloudformation();
    let mut wrong = Vec::new();
    for (i, kind) in allowlisted_types().iter().enumerate() {
        let stack = format!("probe{i}");
        let template = json!({"Resources": {"Probe": {"Type": kind, "Properties": {}}}});
        let created = cfn.create_stack().stack_name(&stack).template_body(template.to_string()).send().await;
        let ignored = match created {
            Err(_) => false,
            Ok(_) => {
                let described = wait_for_stack(&cfn, &stack, Duration::from_secs(60)).await;
                let status = described.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
                let listed = cfn.describe_stack_resources().stack_name(&stack).send().await;
                let listed = listed.unwrap_or_else(|e| panic!("describe-stack-resources {stack}: {}", error_text(&e)));
                status == "CREATE_COMPLETE" && !listed.stack_resources().iter().any(|r| r.logical_resource_id() == Some("Probe"))
            }
        };
        println!("{kind}: moto {}", if ignored { "ignores it (stubbed)" } else { "handles it" });
        if ignored == moto_supports(kind) {
            wrong.push(format!("{kind}: moto {} it, MOTO_TYPES says the opposite", if ignored { "ignores" } else { "handles" }));
        }
    }
    assert!(wrong.is_empty(), "update MOTO_TYPES in tests/src/moto_stub.rs:\n{}", wrong.join("\n"));
}

/// One template per fixup of `stub_for_moto`: moto must still fail on the real template (else
/// the fixup is stale: delete it) and deploy the fixed copy.
#[tokio::test]
async fn moto_still_needs_the_fixups() {
    let cases = [
        (
            "AWS::KMS::Key Tags",
            json!({"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {
                "KeyPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]},
                "Tags": [{"Key": "project", "Value": "x"}]
            }}}}),
        ),
        ("AWS::SQS::Queue FIFO name", json!({"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": true}}}})),
        (
            "AWS::ApiGateway::Method MOCK integration",
            json!({"Resources": {
                "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
                "Options": {"Type": "AWS::ApiGateway::Method", "Properties": {
                    "RestApiId": {"Ref": "Api"}, "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "OPTIONS", "AuthorizationType": "NONE", "Integration": {"Type": "MOCK"}
                }}
            }}),
        ),
        (
            "AWS::Events::Archive EventPattern",
            json!({"Resources": {"Archive": {"Type": "AWS::Events::Archive", "Properties": {
                "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"},
                "EventPattern": {"source": ["support.desk"]}
            }}}}),
        ),
    ];
    assert_eq!(cases.iter().map(|(name, _)| *name).collect::<Vec<_>>(), agentcdk_tests::moto_stub::MOTO_FIXUPS, "one case per fixup");
    let moto = MotoServer::start();
    let cfn = moto.cloudformation();
    for (i, (name, template)) in cases.iter().enumerate() {
        let real = cfn.create_stack().stack_name(format!("real{i}")).template_body(template.to_string()).send().await;
        let fails = match real {
            Err(_) => true,
            Ok(_) => {
                wait_for_stack(&cfn, &format!("real{i}"), Duration::from_secs(60)).await.stack_status().map(|s| s.as_str())
                    != Some("CREATE_COMPLETE")
            }
        };
        assert!(fails, "moto now deploys the real template of fixup \"{name}\": delete the fixup from tests/src/moto_stub.rs");
        let (fixed, _) = agentcdk_tests::moto_stub::stub_for_moto(template);
        let copy = cfn.create_stack().stack_name(format!("fixed{i}")).template_body(fixed.to_string()).send().await;
        copy.unwrap_or_else(|e| panic!("{name}: the fixed copy fails too: {}\n{}", error_text(&e), moto.log_tail()));
        let status =
            wait_for_stack(&cfn, &format!("fixed{i}"), Duration::from_secs(60)).await.stack_status().map(|s| s.as_str().to_owned());
        assert_eq!(status.as_deref(), Some("CREATE_COMPLETE"), "{name}: the fixed copy");
    }
}

#[test]
fn moto_server_stops_with_its_fixture() {
    let moto = MotoServer::start();
    let port = moto.port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(moto);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "moto_server still listens on {port} after drop");
}

#[test]
fn moto_server_stops_when_a_test_panics() {
    let port = std::panic::catch_unwind(|| {
        let moto = MotoServer::start();
        let port = moto.port();
        // resume_unwind unwinds like a failing assertion, without printing a panic message.
        std::panic::resume_unwind(Box::new(port));
    })
    .unwrap_err()
    .downcast::<u16>()
    .map(|port| *port)
    .unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "moto_server still listens on {port} after a panic");
}
