//! An app past CloudFormation's limits (`examples/many-agents`: ten queued agents behind one
//! authorizer, 600 resources) split into nested stacks: every template passes cfn-lint, and the
//! app deploys into moto_server through the toolkit (deploy, diff, destroy) and through the
//! plain AWS CLI path of the README (`package`, `aws s3 sync`, `aws cloudformation deploy`).
//!
//! moto 5.2.5 creates nested stacks from a `TemplateURL` in its S3 and passes them their
//! `Parameters`, but it has no `Fn::GetAtt [NestedStack, Outputs.X]` (create-stack fails with
//! `'Stack' object has no attribute 'get_cfn_attribute'`). The deployed copies therefore get a
//! placeholder for each such value (as `agentcdk_tests::moto_stub` does for the types moto
//! ignores), and the contract is asserted on both sides instead: every `Outputs.X` the root
//! reads is an output the nested template declares, and every parameter the root passes is one
//! the nested template declares (and every one it declares is passed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use agentcdk::Assembly;
use agentcdk_tests::moto::{error_text, zip_entries, MotoServer};
use agentcdk_tests::moto_stub::{placeholder, stub_for_moto};
use agentcdk_tests::{cfn_lint, synth_into, venv_tool};
use serde_json::Value;

const BUCKET: &str = "agentcdk-nested";
const STACK: &str = "ManyAgents";

fn run(moto: &MotoServer, dir: &Path, program: &Path, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .envs(moto.env())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    println!(
        "$ {} {} ({})\n{}{}",
        program.file_name().unwrap_or_default().to_string_lossy(),
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn toolkit(moto: &MotoServer, dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--app", "cdk.out"];
    all.extend_from_slice(args);
    run(moto, dir, Path::new(env!("CARGO_BIN_EXE_agentcdk-toolkit")), &all)
}

fn assert_ok(o: &Output, moto: &MotoServer) {
    assert!(
        o.status.success(),
        "stdout:\n{}\nstderr:\n{}\nmoto log:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
        moto.log_tail()
    );
}

/// Every template file of the assembly: the root's, then its nested stacks'.
fn template_files(assembly: &Assembly, out: &Path) -> Vec<PathBuf> {
    let stack = &assembly.stacks[0];
    std::iter::once(out.join(stack.file_name())).chain(stack.nested.iter().map(|n| out.join(&n.manifest.template_file))).collect()
}

/// Replaces each `Fn::GetAtt [<nested stack>, Outputs.X]` with a placeholder (moto lacks it).
fn stub_nested_outputs(json: &mut Value, nested: &[String]) {
    match json {
        Value::Array(items) => items.iter_mut().for_each(|i| stub_nested_outputs(i, nested)),
        Value::Object(map) => {
            let target = map.get("Fn::GetAtt").and_then(Value::as_array).and_then(|a| Some((a.first()?.as_str()?, a.get(1)?.as_str()?)));
            if let Some((id, attr)) = target.filter(|(id, _)| nested.iter().any(|n| n == id)) {
                *json = Value::String(placeholder(id, Some(attr)));
                return;
            }
            map.values_mut().for_each(|v| stub_nested_outputs(v, nested));
        }
        _ => {}
    }
}

/// The contract moto cannot check: what the root passes and reads matches what each nested
/// template declares.
fn assert_parameters_and_outputs_match(assembly: &Assembly) {
    let stack = &assembly.stacks[0];
    let root = stack.json.to_string();
    for n in &stack.nested {
        let resource = &stack.json["Resources"][&n.logical_id];
        let passed: Vec<&String> = resource["Properties"]["Parameters"].as_object().map(|p| p.keys().collect()).unwrap_or_default();
        let declared: Vec<&String> = n.json["Parameters"].as_object().map(|p| p.keys().collect()).unwrap_or_default();
        assert_eq!(passed, declared, "{}: parameters passed vs declared", n.logical_id);
        let prefix = format!("[\"{}\",\"Outputs.", n.logical_id);
        for (i, _) in root.match_indices(&prefix) {
            let rest = &root[i + prefix.len()..];
            let output = &rest[..rest.find('"').unwrap()];
            assert!(n.json["Outputs"].get(output).is_some(), "{} reads output {output}, which it does not declare", n.logical_id);
        }
    }
}

/// Writes the stubbed copies over the templates (the manifest's object keys stay: the toolkit
/// uploads each file to the key the root names) and a placeholder zip per asset (moto never
/// runs the code; `package` skips staged assets, so nothing is built).
fn prepare_for_moto(assembly: &Assembly, out: &Path) {
    let stack = &assembly.stacks[0];
    let nested: Vec<String> = stack.nested.iter().map(|n| n.logical_id.clone()).collect();
    let files = template_files(assembly, out);
    let jsons = std::iter::once(&stack.json).chain(stack.nested.iter().map(|n| &n.json));
    for (file, json) in files.iter().zip(jsons) {
        let (mut stubbed, skipped) = stub_for_moto(&short_fifo_names(json));
        stub_nested_outputs(&mut stubbed, &nested);
        println!("{}: moto ignores {} resource(s), stubbed", file.display(), skipped.len());
        std::fs::write(file, serde_json::to_string_pretty(&stubbed).unwrap() + "\n").unwrap();
    }
    let assets = out.join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    for hash in assembly.assets.keys() {
        let zip = zip_entries(&[("bootstrap".to_owned(), b"#!/bin/sh\n# placeholder; moto never runs it\n".to_vec())]);
        std::fs::write(assets.join(agentcdk::assets::object_key(hash)), zip).unwrap();
    }
}

/// Names each FIFO queue after its logical id (unique in the app): moto names a nested stack
/// `<root>-<logical id>-<suffix>`, too long for moto_stub's `<stack name>-<id>.fifo` fixup
/// within SQS's 80 characters.
fn short_fifo_names(template: &Value) -> Value {
    let mut copy = template.clone();
    for (id, r) in copy["Resources"].as_object_mut().into_iter().flatten() {
        if r["Type"] == "AWS::SQS::Queue" && r["Properties"]["FifoQueue"] == Value::Bool(true) {
            r["Properties"]["QueueName"] = Value::String(format!("{id}.fifo"));
        }
    }
    copy
}

/// Names and statuses of every stack moto has (nested ones included).
async fn stacks(moto: &MotoServer) -> Vec<(String, String)> {
    let answer = moto.cloudformation().describe_stacks().send().await.unwrap_or_else(|e| panic!("describe-stacks: {}", error_text(&e)));
    answer
        .stacks()
        .iter()
        .map(|s| (s.stack_name().unwrap_or_default().to_owned(), s.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default()))
        .filter(|(_, status)| status != "DELETE_COMPLETE")
        .collect()
}

#[test]
fn ten_and_fifty_agents_split_into_nested_stacks_that_pass_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    let ten = synth_into(many_agents::app(10), dir.path());
    assert_eq!(ten.stacks[0].nested.len(), 10, "one per agent; the shared authorizer is pinned to the root");
    assert_parameters_and_outputs_match(&ten);
    let (code, text) = cfn_lint(&template_files(&ten, dir.path()));
    assert_eq!(code, 0, "cfn-lint on the root and every nested stack of 10 agents:\n{text}");

    // Fifty agents: every nested template has the same shape, so the root (50 nested stacks, the
    // most outputs) and the first, second and last agent are linted.
    let dir = tempfile::tempdir().unwrap();
    let fifty = synth_into(many_agents::app(50), dir.path());
    let stack = &fifty.stacks[0];
    assert_eq!(stack.nested.len(), 50);
    assert!(stack.manifest.resources < 500 && stack.manifest.template_bytes < 1_000_000, "{:?}", stack.manifest);
    assert_parameters_and_outputs_match(&fifty);
    let files = template_files(&fifty, dir.path());
    let picked = [files[0].clone(), files[1].clone(), files[2].clone(), files[files.len() - 1].clone()];
    let (code, text) = cfn_lint(&picked);
    assert_eq!(code, 0, "cfn-lint on the 50-agent root, Agent1, Agent2 and Agent50:\n{text}");
}

/// `logs Agent7` finds the agent's functions in its nested stack (the root's ListStackResources
/// gives the nested stack's ARN, the nested stack's gives the log groups) and prints a record
/// written to one of them.
async fn logs_reach_a_nested_stack(moto: &MotoServer, dir: &Path, made: &[(String, String)]) {
    let nested = made.iter().map(|(name, _)| name).find(|name| name.contains("Agent7")).expect("Agent7's nested stack");
    let listed = moto.cloudformation().describe_stack_resources().stack_name(nested).send().await.unwrap();
    let group = listed
        .stack_resources()
        .iter()
        .find(|r| r.resource_type() == Some("AWS::Logs::LogGroup"))
        .and_then(|r| r.physical_resource_id())
        .expect("a log group in Agent7's stack")
        .to_owned();
    let aws = venv_tool("aws");
    assert_ok(&run(moto, dir, &aws, &["logs", "create-log-stream", "--log-group-name", &group, "--log-stream-name", "s"]), moto);
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let events = format!(r#"[{{"timestamp": {now_ms}, "message": "hello from a nested stack"}}]"#);
    let put = ["logs", "put-log-events", "--log-group-name", &group, "--log-stream-name", "s", "--log-events", &events];
    assert_ok(&run(moto, dir, &aws, &put), moto);
    let o = toolkit(moto, dir, &["logs", "Agent7", "--since", "1h"]);
    assert_ok(&o, moto);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("hello from a nested stack"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_agents_deploy_into_moto_through_the_toolkit_and_the_aws_cli() {
    let moto = MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let out = dir.join("cdk.out");
    let assembly = synth_into(many_agents::app(10), &out);
    prepare_for_moto(&assembly, &out);
    let nested = assembly.stacks[0].nested.len();
    moto.s3().create_bucket().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("create-bucket: {e:?}"));

    // The toolkit: package stages the nested templates beside the assets, deploy uploads them
    // and creates the root, CloudFormation (here moto) the nested stacks.
    assert_ok(&toolkit(&moto, dir, &["deploy", "--bucket", BUCKET, "--yes"]), &moto);
    let made = stacks(&moto).await;
    assert_eq!(made.len(), nested + 1, "the root and its nested stacks: {made:?}");
    assert!(made.iter().all(|(_, status)| status == "CREATE_COMPLETE"), "{made:?}");
    let mut queues = 0;
    for (name, _) in &made {
        let listed = moto.cloudformation().describe_stack_resources().stack_name(name).send().await;
        let listed = listed.unwrap_or_else(|e| panic!("describe-stack-resources {name}: {}", error_text(&e)));
        queues += listed.stack_resources().iter().filter(|r| r.resource_type() == Some("AWS::SQS::Queue")).count();
    }
    assert_eq!(queues, 40, "four queues per agent, made in the nested stacks");

    let o = toolkit(&moto, dir, &["diff"]);
    assert_ok(&o, &moto);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("ManyAgents/Agent7: no differences") && text.contains("ManyAgents: no differences"), "{text}");
    logs_reach_a_nested_stack(&moto, dir, &made).await;

    assert_ok(&toolkit(&moto, dir, &["destroy", "--yes"]), &moto);
    assert_eq!(stacks(&moto).await, [], "destroying the root deletes its nested stacks");

    // The README's plain path: the staged folder synced, the root deployed by the AWS CLI. A
    // fresh moto: the one above keeps some of the destroyed nested stacks' queues (moto 5.2.5
    // stops deleting a nested stack's resources at the first one it cannot delete), and the
    // stubbed copies name every FIFO queue.
    drop(moto);
    let moto = MotoServer::start();
    moto.s3().create_bucket().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("create-bucket: {e:?}"));
    let aws = venv_tool("aws");
    let bucket = format!("s3://{BUCKET}");
    assert_ok(&run(&moto, dir, &aws, &["s3", "sync", "cdk.out/assets", &bucket]), &moto);
    let parameter = format!("AssetBucket={BUCKET}");
    let template = format!("cdk.out/{STACK}.template.json");
    let deploy = [
        "cloudformation",
        "deploy",
        "--template-file",
        &template,
        "--stack-name",
        STACK,
        "--parameter-overrides",
        &parameter,
        "--capabilities",
        "CAPABILITY_IAM",
    ];
    assert_ok(&run(&moto, dir, &aws, &deploy), &moto);
    let made = stacks(&moto).await;
    assert_eq!(made.len(), nested + 1, "{made:?}");
    let o = toolkit(&moto, dir, &["diff"]);
    assert_ok(&o, &moto);
    assert!(String::from_utf8_lossy(&o.stdout).contains("ManyAgents/Agent10: no differences"));
}
