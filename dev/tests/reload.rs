//! Reload of a changed app ([`agentcdk_dev::DevServer::reload`], what `cargo agentcdk dev` calls
//! after the app's synth when the app's sources change; a test cannot run cargo inside `cargo
//! test`, so the new assembly is synthesized here from the Rust constructs and handed over).
//! Real moto, real handler processes, the real REST front doors; the model is the scripted peer.

mod support;

use std::time::Duration;

use agentcdk::prelude::{Access, AgentProps, App, Model, RawResource, ServerlessAgent, StackProps};
use agentcdk_dev::assembly::Assembly;
use agentcdk_dev::chat::http;
use agentcdk_dev::{DevServer, FrontDoorKind};
use serde_json::{json, Value};
use support::{serve, ModelPeer};

const REPLY: &str = "Reloaded and answering.";

/// Two Sync agents; `version` 2 changes the first one's system prompt, adds a third agent and
/// a queue, and leaves the second agent as it was.
fn app(version: u8) -> App {
    let mut app = App::new();
    let stack = app.stack("Reload", StackProps::default());
    let agent = |prompt: &str| AgentProps {
        system_prompt: prompt.into(),
        ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
    };
    let first = if version == 1 { "You are the first agent." } else { "You are the first agent, version two." };
    ServerlessAgent::new(&mut stack.scope("First"), agent(first));
    ServerlessAgent::new(&mut stack.scope("Second"), agent("You are the second agent."));
    if version == 2 {
        ServerlessAgent::new(&mut stack.scope("Third"), agent("You are the third agent."));
        stack.add_raw("ExtraQueue", RawResource::new("AWS::SQS::Queue").prop("QueueName", "reload-extra"));
    }
    app
}

fn synth(version: u8, dir: &std::path::Path) -> Assembly {
    let mut app = app(version);
    let assembly = app.synthesize(&[]).unwrap_or_else(|d| panic!("synthesis failed:\n{d}"));
    assembly.write(dir).expect("write the assembly");
    Assembly::load(dir, Some("Reload")).expect("load")
}

/// The REST stage URL of the API whose logical id starts with `scope`.
fn stage(dev: &DevServer, scope: &str) -> String {
    let door = dev.urls().iter().find(|d| d.kind == FrontDoorKind::RestApi && d.logical_id.starts_with(scope));
    door.unwrap_or_else(|| panic!("no REST API of {scope}: {:?}", dev.urls())).url.clone()
}

fn function(dev: &DevServer, scope: &str) -> String {
    let ids = dev.function_ids();
    ids.iter().find(|id| id.starts_with(scope) && id.contains("RequestHandler")).cloned().unwrap_or_else(|| panic!("{scope}: {ids:?}"))
}

async fn turn(stage: &str) -> (u16, Value) {
    let body = json!({"message": "hello"}).to_string().into_bytes();
    let (status, out) =
        http("POST", &format!("{stage}/api/v1/chat"), &[("content-type", "application/json".to_owned())], body).await.expect("POST");
    (status, serde_json::from_slice(&out).unwrap_or(Value::Null))
}

/// The system prompt of the model peer's latest call.
fn last_system_prompt(peer: &ModelPeer) -> String {
    let calls = peer.calls.lock().expect("lock");
    let last = calls.last().expect("a model call");
    last["messages"].as_array().and_then(|m| m.iter().find(|m| m["role"] == "system")).map(|m| m["content"].to_string()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_changed_app_reloads_what_changed_and_keeps_the_rest_running() {
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (mut dev, _dir) = serve(app(1), &peer).await;
    let (first_url, second_url) = (stage(&dev, "First"), stage(&dev, "Second"));
    let (first, second) = (function(&dev, "First"), function(&dev, "Second"));
    assert_eq!(turn(&first_url).await.0, 200);
    assert!(last_system_prompt(&peer).contains("You are the first agent."), "{}", last_system_prompt(&peer));
    let first_pids = dev.function(&first).expect("first").pids();
    let second_pids = dev.function(&second).expect("second").pids();
    assert!(!second_pids.is_empty(), "prewarmed");

    // An assembly dev cannot serve (a function whose code no asset names): an error, and
    // nothing changes — the old stack keeps serving.
    let broken_dir = tempfile::tempdir().expect("temp");
    let mut broken = synth(2, broken_dir.path());
    let bad = broken.of_type("AWS::Lambda::Function").map(|(id, _)| id.to_owned()).next().expect("a function");
    broken.template["Resources"][&bad]["Properties"]["Code"]["S3Key"] = json!("nowhere.zip");
    let err = dev.reload(broken).await.expect_err("an unservable template is refused");
    assert!(err.to_string().contains("nowhere.zip"), "{err}");
    assert_eq!(dev.function(&first).expect("first").pids(), first_pids, "a failed reload restarts nothing");
    assert_eq!(turn(&first_url).await.0, 200, "a failed reload leaves the old stack serving");

    let new_dir = tempfile::tempdir().expect("temp");
    let reloaded = dev.reload(synth(2, new_dir.path())).await.expect("reload");
    assert_eq!(reloaded.restarted, vec![first.clone()], "only the changed function restarts: {reloaded:?}");
    assert!(reloaded.kept.contains(&second), "{reloaded:?}");
    assert!(reloaded.added.iter().any(|id| id.starts_with("Third")), "{reloaded:?}");
    assert!(reloaded.removed.is_empty() && reloaded.stateful_updated, "{reloaded:?}");

    // The changed function serves the new environment, on the same URL, from a new process.
    assert_eq!(stage(&dev, "First"), first_url, "a front door keeps its URL across a reload");
    let (status, v) = turn(&first_url).await;
    assert_eq!((status, v["reply"].as_str()), (200, Some(REPLY)), "{v}");
    assert!(last_system_prompt(&peer).contains("version two"), "the new SYSTEM_PROMPT is served: {}", last_system_prompt(&peer));
    let now = dev.function(&first).expect("first").pids();
    assert!(!now.is_empty() && now.iter().all(|p| !first_pids.contains(p)), "new sandboxes: {now:?} vs {first_pids:?}");
    // The unchanged function kept its process and still answers.
    assert_eq!(dev.function(&second).expect("second").pids(), second_pids, "the unchanged function kept its process");
    assert_eq!(turn(&second_url).await.0, 200);
    assert_eq!(dev.function(&second).expect("second").pids(), second_pids);
    // The new agent has a front door, and the new queue exists in moto.
    let (status, v) = turn(&stage(&dev, "Third")).await;
    assert_eq!(status, 200, "{v}");
    let sqs = agentcdk_dev::sqs::client(dev.moto_endpoint());
    let queue = sqs.get_queue_url().queue_name("reload-extra").send().await;
    assert!(queue.is_ok(), "the new queue was created in moto: {queue:?}");
    dev.shutdown().await;
}
