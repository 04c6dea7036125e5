//! A Queue-mode agent whose turn is delegated to a Lambda function (`AgentBackend::Function`),
//! end to end through `dev`: the runner invokes the `turn-backend` function (a scripted
//! backend speaking `agentcdk_contract::backend`) with the real `aws-sdk-lambda` client against
//! dev's Lambda Invoke API (moto cannot run functions), under dev's Runtime API. The pipeline
//! keeps its promises whatever the backend: the reply is stored and polled, the history is
//! written by the pipeline and passed back on the next turn, a retryable error is retried up to
//! `maxReceiveCount` and then its client told and the message dead-lettered, a permanent error
//! (or a function that crashes) fails at once.

mod support;

use std::time::{Duration, Instant};

use agentcdk::prelude::*;
use agentcdk_dev::chat::http;
use agentcdk_dev::{DevServer, FrontDoorKind};
use serde_json::{json, Value};
use support::{serve, ModelPeer};

fn app() -> App {
    let mut app = App::new();
    let stack = app.stack("BackendDev", StackProps::default());
    let auth = LambdaAuthorizer::jwt(
        &mut stack.scope("Auth"),
        JwtConfig { issuer: "https://example.auth0.com/".into(), audience: vec!["support-api".into()], ..Default::default() },
    );
    let backend = Function::new(&mut stack.scope("PyAgent"), FunctionProps { code: Code::handler("turn-backend"), ..Default::default() });
    let agent = ServerlessAgent::new(
        &mut stack.scope("Support"),
        AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            ..AgentProps::with_backend(AgentBackend::Function(&backend), Access::Authorizer(&auth))
        },
    );
    stack.output("ApiUrl", agent.endpoint().url());
    app
}

async fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let headers = [("content-type", "application/json".to_owned()), ("authorization", format!("Bearer {token}"))];
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let (status, body) =
        tokio::time::timeout(Duration::from_secs(30), http(method, url, &headers, body)).await.expect("in time").expect("HTTP");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Submits `message` (in `session` when given); returns the request and session ids.
async fn submit(chat: &str, token: &str, message: &str, session: Option<&str>) -> (String, String) {
    let mut body = json!({"message": message});
    if let Some(s) = session {
        body["session_id"] = json!(s);
    }
    let (status, v) = call("POST", chat, token, Some(body)).await;
    assert_eq!(status, 202, "{v}");
    (v["request_id"].as_str().expect("request id").to_owned(), v["session_id"].as_str().expect("session id").to_owned())
}

/// Polls the response until it is no longer pending.
async fn settled(chat: &str, token: &str, id: &str, limit: Duration) -> Value {
    let started = Instant::now();
    loop {
        let (status, v) = call("GET", &format!("{chat}/responses/{id}"), token, None).await;
        assert_eq!(status, 200, "{v}");
        if v["status"] != "pending" {
            return v;
        }
        assert!(started.elapsed() < limit, "still pending after {limit:?}: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn dead_lettered(dev: &DevServer) -> u64 {
    dev.mapping_records().iter().filter(|(id, _)| id.contains("InputDeadLetterTrigger")).map(|(_, n)| *n).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_queue_turn_delegated_to_a_function_answers_retries_and_fails_as_the_pipeline_promises() {
    // The model peer is never called: the turn is the function's.
    let peer = ModelPeer::start("the model must not answer", Duration::ZERO).await;
    let (dev, _dir) = serve(app(), &peer).await;
    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let t = dev.issuer().expect("the local issuer").mint("alice", &[], 600).expect("token");

    let (first, session) = submit(&chat, &t, "hello", None).await;
    let answer = settled(&chat, &t, &first, Duration::from_secs(60)).await;
    assert_eq!(answer["status"], "completed", "{answer}");
    assert_eq!(answer["reply"], "alice said 'hello' after 0 messages");
    let (second, _) = submit(&chat, &t, "again", Some(&session)).await;
    let answer = settled(&chat, &t, &second, Duration::from_secs(60)).await;
    assert_eq!(answer["reply"], "alice said 'again' after 2 messages", "the pipeline saved the first turn and passed it: {answer}");
    let backend = dev.function_ids().into_iter().find(|id| id.starts_with("PyAgent")).expect("the backend function");
    assert!(dev.function(&backend).and_then(|f| f.last_report()).is_some(), "the backend ran under dev's Runtime API");
    assert!(peer.calls.lock().expect("lock").is_empty(), "no model call: the turn was delegated");

    let (permanent, _) = submit(&chat, &t, "permanent refusal", None).await;
    let (crash, _) = submit(&chat, &t, "crash now", None).await;
    let (retryable, _) = submit(&chat, &t, "retryable outage", None).await;
    for id in [&permanent, &crash] {
        let told = settled(&chat, &t, id, Duration::from_secs(60)).await;
        assert_eq!(told["status"], "failed", "{told}");
        assert!(told["reason"].as_str().is_some_and(|r| r.starts_with("agent_failed")), "failed at once, not retried out: {told}");
        assert!(!told.to_string().contains("scripted"), "the backend's own message stays in the log: {told}");
    }
    let told = settled(&chat, &t, &retryable, Duration::from_secs(90)).await;
    assert_eq!(told["status"], "failed", "{told}");
    assert!(told["reason"].as_str().is_some_and(|r| r.starts_with("unavailable")), "retried up to maxReceiveCount first: {told}");
    let waited = Instant::now();
    while dead_lettered(&dev) < 3 && waited.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(dead_lettered(&dev), 3, "each given-up turn reached the input dead-letter queue: {:?}", dev.mapping_records());
    dev.shutdown().await;
}
