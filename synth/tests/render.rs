//! What synthesis writes: template sections, intrinsics, resource attributes, tags, assets,
//! determinism, and the command line.

use std::process::ExitCode;

use agentcdk_synth::cfn::lambda::{self, Function};
use agentcdk_synth::cfn::sqs::{self, Queue};
use agentcdk_synth::manifest::{AssetSourceManifest, Manifest};
use agentcdk_synth::prelude::*;
use serde_json::json;

fn build() -> App {
    let mut app = App::new();
    let tags = [("team".to_owned(), "agents".to_owned())].into_iter().collect();
    let s = app.stack("Demo", StackProps { description: Some("demo stack".into()), tags, ..Default::default() });
    let env = s.parameter("Env", Parameter::string().allowed_values(["dev", "prod"]).default_value("dev").description("stage"));
    let prod = s.condition("IsProd", Condition::equals(env.value(), "prod"));
    let dlq = s.scope("Jobs").scope("Dlq").add("Resource", Queue::default());
    let mut jobs = s.scope("Work");
    let q = jobs.add(
        "Resource",
        Queue {
            redrive_policy: Some(
                sqs::queue::RedrivePolicy { dead_letter_target_arn: Some(dlq.attr_arn().into()), max_receive_count: Some(3.into()) }.into(),
            ),
            visibility_timeout: Some(Value::Expr(Expr::if_(&prod, 300, 60))),
            ..Default::default()
        },
    );
    s.resource(&q).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain).metadata("owner", "me");
    let notify = s.add_raw("Notify", RawResource::new("AWS::SNS::Topic"));
    s.resource(&notify).depends_on(&q);
    s.output("QueueUrl", Output::new(q.reference()).description("the queue").export(Expr::sub("${AWS::StackName}-QueueUrl")));
    app
}

#[test]
fn template_sections_in_order_with_every_attribute() {
    let a = build().synthesize(&[]).expect("valid");
    let t = &a.stacks[0].json;
    let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["AWSTemplateFormatVersion", "Description", "Parameters", "Conditions", "Resources", "Outputs"]);
    assert_eq!(
        t["Resources"]["Notify"]["Properties"]["Tags"],
        json!([{"Key": "team", "Value": "agents"}]),
        "raw resources of known types are tagged too"
    );
    assert_eq!(
        t["Parameters"]["Env"],
        json!({"Type": "String", "Description": "stage", "Default": "dev", "AllowedValues": ["dev", "prod"]})
    );
    assert_eq!(t["Conditions"]["IsProd"], json!({"Fn::Equals": [{"Ref": "Env"}, "prod"]}));
    let work = t["Resources"].as_object().unwrap().iter().find(|(k, _)| k.starts_with("Work")).unwrap();
    let (work_id, work) = work;
    assert_eq!(work_id.len(), "Work".len() + 8, "the Resource child is hidden from the readable part");
    let dlq_id = t["Resources"].as_object().unwrap().keys().find(|k| k.starts_with("JobsDlq")).unwrap().clone();
    assert_eq!(
        work,
        &json!({
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}, "maxReceiveCount": 3},
                "Tags": [{"Key": "team", "Value": "agents"}],
                "VisibilityTimeout": {"Fn::If": ["IsProd", 300, 60]}
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Metadata": {"owner": "me"}
        })
    );
    assert_eq!(t["Resources"]["Notify"]["DependsOn"], json!([work_id]));
    assert_eq!(
        t["Outputs"]["QueueUrl"],
        json!({"Description": "the queue", "Value": {"Ref": work_id}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-QueueUrl"}}})
    );
}

#[test]
fn the_same_program_writes_byte_identical_templates() {
    let one = build().synthesize(&[]).unwrap();
    let two = build().synthesize(&[]).unwrap();
    assert_eq!(one.stacks[0].template, two.stacks[0].template);
    assert!(one.stacks[0].template.ends_with("}\n"));
}

#[test]
fn intrinsics_render_as_cloudformation_json() {
    let cases = [
        (Expr::reference("X"), json!({"Ref": "X"})),
        (Expr::region(), json!({"Ref": "AWS::Region"})),
        (Expr::account_id(), json!({"Ref": "AWS::AccountId"})),
        (Expr::partition(), json!({"Ref": "AWS::Partition"})),
        (Expr::url_suffix(), json!({"Ref": "AWS::URLSuffix"})),
        (Expr::stack_name(), json!({"Ref": "AWS::StackName"})),
        (Expr::no_value(), json!({"Ref": "AWS::NoValue"})),
        (Expr::get_att("Q", "Arn"), json!({"Fn::GetAtt": ["Q", "Arn"]})),
        (Expr::sub("a-${AWS::Region}"), json!({"Fn::Sub": "a-${AWS::Region}"})),
        (Expr::sub_with("${A}", [("A", Expr::reference("B"))]), json!({"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]})),
        (Expr::join(",", ["a", "b"]), json!({"Fn::Join": [",", ["a", "b"]]})),
        (Expr::select(1, Expr::split(",", "a,b")), json!({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]})),
        (Expr::join_list("-", Expr::get_azs()), json!({"Fn::Join": ["-", {"Fn::GetAZs": ""}]})),
        (Expr::import_value("Shared-Vpc"), json!({"Fn::ImportValue": "Shared-Vpc"})),
        (Expr::base64(Expr::sub("#!/bin/sh\n${X}")), json!({"Fn::Base64": {"Fn::Sub": "#!/bin/sh\n${X}"}})),
        (Expr::Pseudo(Pseudo::NotificationArns), json!({"Ref": "AWS::NotificationARNs"})),
        (Expr::Pseudo(Pseudo::StackId), json!({"Ref": "AWS::StackId"})),
    ];
    for (expr, expected) in cases {
        assert_eq!(expr.to_json(), expected);
    }
    let c = Condition::Or(vec![
        Condition::not(Condition::equals("a", "b")),
        Condition::And(vec![Condition::Named("X".into()), Condition::Named("Y".into())]),
    ]);
    assert_eq!(
        c.to_json(),
        json!({"Fn::Or": [{"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}, {"Fn::And": [{"Condition": "X"}, {"Condition": "Y"}]}]})
    );
}

#[test]
fn parameter_types_and_constraints_render() {
    let mut app = App::new();
    let s = app.stack("P", StackProps::default());
    s.add_raw("T", RawResource::new("AWS::SNS::Topic"));
    s.parameter("Count", Parameter::number().range(1.0, 10.0).default_value(3));
    s.parameter("Subnets", Parameter::aws_specific("List<AWS::EC2::Subnet::Id>"));
    s.parameter("Names", Parameter::comma_delimited_list());
    s.parameter("Ports", Parameter::number_list());
    s.parameter("Secret", Parameter::string().no_echo().length(8, 64).allowed_pattern("^[a-z]+$").constraint_description("lowercase"));
    let t = app.synthesize(&[]).unwrap().stacks.remove(0).json;
    assert_eq!(t["Parameters"]["Count"], json!({"Type": "Number", "Default": "3", "MinValue": 1.0, "MaxValue": 10.0}));
    assert_eq!(t["Parameters"]["Subnets"], json!({"Type": "List<AWS::EC2::Subnet::Id>"}));
    assert_eq!(t["Parameters"]["Names"], json!({"Type": "CommaDelimitedList"}));
    assert_eq!(t["Parameters"]["Ports"], json!({"Type": "List<Number>"}));
    assert_eq!(
        t["Parameters"]["Secret"],
        json!({"Type": "String", "AllowedPattern": "^[a-z]+$", "ConstraintDescription": "lowercase", "MinLength": 8, "MaxLength": 64, "NoEcho": true})
    );
}

#[test]
fn overrides_and_raw_resources() {
    let mut app = App::new();
    let s = app.stack("O", StackProps::default());
    let q = s.add("Q", Queue { fifo_queue: Some(true.into()), ..Default::default() });
    s.resource(&q)
        .add_property_override("ContentBasedDeduplication", true)
        .add_property_deletion_override("FifoQueue")
        .add_override("UpdatePolicy.X", 1);
    s.add_raw("Custom", RawResource::new("Custom::Thing").prop("ServiceToken", q.attr_arn()).prop("Size", 3));
    let t = app.synthesize(&[]).unwrap().stacks.remove(0).json;
    assert_eq!(
        t["Resources"]["Q"],
        json!({"Type": "AWS::SQS::Queue", "Properties": {"ContentBasedDeduplication": true}, "UpdatePolicy": {"X": 1}})
    );
    assert_eq!(
        t["Resources"]["Custom"],
        json!({"Type": "Custom::Thing", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Q", "Arn"]}, "Size": 3}})
    );
}

#[test]
fn props_can_be_changed_after_adding() {
    let mut app = App::new();
    let s = app.stack("M", StackProps::default());
    let q = s.add("Q", Queue::default());
    s.props_mut(&q).unwrap().delay_seconds = Some(5.into());
    s.on_finalize(move |stack| {
        stack.props_mut(&q).unwrap().queue_name = Some("set-in-finalize".into());
    });
    let t = app.synthesize(&[]).unwrap().stacks.remove(0).json;
    assert_eq!(t["Resources"]["Q"]["Properties"], json!({"DelaySeconds": 5, "QueueName": "set-in-finalize"}));
}

#[test]
fn assets_add_the_bucket_parameter_and_a_content_addressed_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.py"), "def handler(event, context):\n    return event\n").unwrap();
    let mut app = App::new();
    let s = app.stack("A", StackProps::default());
    let mut f = s.scope("Fn");
    let code = f.asset(AssetSource::path(dir.path()));
    let again = f.asset(AssetSource::path(dir.path()));
    assert_eq!(code, again, "same sources, same asset");
    f.add(
        "Resource",
        Function {
            code: Some(
                lambda::function::Code { s3_bucket: Some(code.bucket().into()), s3_key: Some(code.key().into()), ..Default::default() }
                    .into(),
            ),
            role: Some("arn:aws:iam::123456789012:role/r".into()),
            ..Default::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let mut assembly = app.synthesize(&[]).unwrap();
    assembly.write(out.path()).unwrap();
    let stack = assembly.stacks.remove(0);
    assert_eq!(stack.json["Parameters"]["AssetBucket"]["Type"], "String");
    let fn_id = stack.json["Resources"].as_object().unwrap().keys().next().unwrap().clone();
    assert_eq!(
        stack.json["Resources"][&fn_id]["Properties"]["Code"],
        json!({"S3Bucket": {"Ref": "AssetBucket"}, "S3Key": format!("{}.zip", code.hash())})
    );

    let manifest: Manifest = serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.stacks["A"].assets, [code.hash()]);
    assert_eq!(manifest.stacks["A"].template_file, "A.template.json");
    let asset = &manifest.assets[code.hash()];
    assert_eq!(asset.packaging, "zip-directory");
    assert_eq!(asset.object_key, format!("{}.zip", code.hash()));
    let AssetSourceManifest::Path { path } = &asset.source else { panic!("path source expected") };
    assert!(path.starts_with("..") && out.path().join(path).join("index.py").is_file(), "{path} is relative to the output folder");
    assert_eq!(std::fs::read_to_string(out.path().join("A.template.json")).unwrap(), stack.template);
}

#[test]
fn cli_synth_writes_templates_and_manifest() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("cdk.out");
    let lock = out.path().join("agentcdk.lock");
    let code = build().run_with(["app", "synth", "--out", dir.to_str().unwrap(), "--lock", lock.to_str().unwrap()]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(dir.join("Demo.template.json").is_file());
    assert!(dir.join("manifest.json").is_file());
    let lock = std::fs::read_to_string(lock).expect("the placement lock is written");
    assert!(lock.contains("\"Demo/Jobs/Dlq/Resource\": \"Demo\""), "{lock}");
    let written = std::fs::read_to_string(dir.join("Demo.template.json")).unwrap();
    assert_eq!(written, build().synthesize(&[]).unwrap().stacks[0].template);
}

/// A re-synth leaves files that already hold the right bytes untouched (their mtime stays), and
/// replaces the ones that changed.
#[test]
fn writing_again_rewrites_only_changed_files() {
    let out = tempfile::tempdir().unwrap();
    let template = out.path().join("Demo.template.json");
    let manifest = out.path().join("manifest.json");
    build().synthesize(&[]).unwrap().write(out.path()).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    for file in [&template, &manifest] {
        std::fs::File::options().write(true).open(file).unwrap().set_modified(old).unwrap();
    }
    let mtime = |file: &std::path::Path| std::fs::metadata(file).unwrap().modified().unwrap();

    let written = build().synthesize(&[]).unwrap().write(out.path()).unwrap();
    assert_eq!(written, [template.clone(), manifest.clone()], "every output file is listed, written or not");
    assert_eq!((mtime(&template), mtime(&manifest)), (old, old), "unchanged files are not rewritten");

    let mut changed = build();
    changed.stack("Other", StackProps::default()).add("Q", Queue::default());
    changed.synthesize(&[]).unwrap().write(out.path()).unwrap();
    assert_eq!(mtime(&template), old, "the Demo template did not change");
    assert_ne!(mtime(&manifest), old, "the manifest now lists Other too");
}

#[test]
fn cli_synth_writes_nothing_on_error() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("cdk.out");
    let mut app = build();
    app.stack("Broken", StackProps::default()).add_raw("T", RawResource::new("AWS::SNS::Topic").prop("X", Expr::reference("Nope")));
    let lock = out.path().join("agentcdk.lock");
    let code = app.run_with(["app", "synth", "--out", dir.to_str().unwrap(), "--lock", lock.to_str().unwrap()]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(!lock.exists(), "nor the lock");
    assert!(!dir.exists(), "nothing may be written when validation fails");
}

#[test]
fn cli_selects_stacks_and_rejects_bad_arguments() {
    let out = tempfile::tempdir().unwrap();
    let mut app = build();
    app.stack("Other", StackProps::default()).add_raw("T", RawResource::new("AWS::SNS::Topic"));
    let lock = out.path().join("agentcdk.lock");
    let args = ["app", "synth", "-o", out.path().to_str().unwrap(), "--lock", lock.to_str().unwrap(), "Other"];
    assert_eq!(app.run_with(args), ExitCode::SUCCESS);
    assert!(out.path().join("Other.template.json").is_file());
    assert!(!out.path().join("Demo.template.json").exists());
    assert_eq!(build().run_with(["app", "frobnicate"]), ExitCode::from(2));
    assert_eq!(build().run_with(["app", "list", "--long"]), ExitCode::SUCCESS);
    assert_eq!(build().run_with(["app", "--help"]), ExitCode::SUCCESS);
}

#[test]
fn justifications_render_for_each_scanner_and_explicit_metadata_wins() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let q = s.add("Q", Queue::default());
    let r = s.add("R", Queue::default());
    s.resource(&q).metadata("owner", "me").justify(Check::SqsQueueKms, "SQS-managed keys");
    s.resource(&r).justify(Check::SqsQueueKms, "SQS-managed keys").metadata("checkov", json!({"skip": []}));
    let t = app.synthesize(&[]).unwrap().stacks.remove(0).json;
    assert_eq!(
        t["Resources"]["Q"]["Metadata"],
        json!({
            "checkov": {"skip": [{"id": "CKV_AWS_27", "comment": "SQS-managed keys"}]},
            "cfn_nag": {"rules_to_suppress": [{"id": "W48", "reason": "SQS-managed keys"}]},
            "owner": "me"
        })
    );
    assert_eq!(t["Resources"]["R"]["Metadata"]["checkov"], json!({"skip": []}), "an explicit metadata entry replaces the rendered one");
}
