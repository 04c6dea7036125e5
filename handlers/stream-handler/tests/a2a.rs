//! A2A on the Stream-mode binary, driven through the Lambda Runtime API behind an HTTP → REST
//! bridge, with the official A2A Python SDK's client (`a2a-sdk` 0.3) as the caller:
//! `message/stream` is a stream of the spec's events (task, working, artifact pieces,
//! completed with `final`), `message/send` a Message, a model failure a `failed` final status
//! with the fixed public message, and there are no tasks to get afterwards.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::a2a::{CardConfig, CardSecurity, A2A_CARD};
use agentcdk_testkit::a2a::sdk_client;
use agentcdk_testkit::events;
use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::runtime_api::{rest_bridge, Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

/// An OpenAI-format model: streamed requests get "Three pieces here." in three chunks, plain
/// ones one completion; a user message containing "fail" gets HTTP 400 (a permanent failure).
fn model() -> HttpServer {
    HttpServer::start(|req| {
        let body = req.json();
        let last = body["messages"].as_array().and_then(|m| m.last()).map(|m| m["content"].to_string()).unwrap_or_default();
        if last.contains("fail") {
            return HttpResponse::json(400, &json!({"error": {"message": "arn:aws:iam::123456789012:role/x is not allowed"}}));
        }
        if body["stream"] != true {
            return HttpResponse::json(
                200,
                &json!({"id": "c", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Whole answer."}, "finish_reason": "stop"}]}),
            );
        }
        let chunk = |delta: Value, finish: Value| {
            let c = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
            (Duration::from_millis(50), format!("data: {c}\n\n").into_bytes())
        };
        let mut chunks: Vec<(Duration, Vec<u8>)> =
            ["Three ", "pieces ", "here."].iter().map(|t| chunk(json!({"content": t}), Value::Null)).collect();
        chunks.push(chunk(json!({}), json!("stop")));
        chunks.push((Duration::ZERO, b"data: [DONE]\n\n".to_vec()));
        HttpResponse::streamed(200, "text/event-stream", chunks)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_client_streams_a_turn_as_task_events() {
    let model = model();
    let card = CardConfig {
        name: "writer".into(),
        description: "Writes.".into(),
        version: "1".into(),
        skills: vec![],
        streaming: true,
        security: CardSecurity::None,
    };
    let api = Arc::new(RuntimeApi::start());
    let vars: Vec<(String, String)> = [
        ("AWS_REGION", "us-east-1".to_owned()),
        ("RESPONSE_MODE", "stream".into()),
        ("MODEL_PROVIDER", "openai".into()),
        ("MODEL_ID", "m".into()),
        ("OPENAI_BASE_URL", model.url()),
        (A2A_CARD, serde_json::to_string(&card).expect("json")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let _f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_stream-handler")), &api, &vars);
    let http = rest_bridge(api.clone(), "prod", Some("u-1"));
    let base = format!("{}/prod", http.url());

    let streamed = sdk_client(&base, "stream", "write something");
    assert_eq!(streamed["card"]["capabilities"]["streaming"], true);
    let evs = streamed["events"].as_array().expect("events");
    let kinds: Vec<String> = evs
        .iter()
        .map(|e| match e["kind"].as_str() {
            Some("status-update") => format!("status:{}", e["status"]["state"].as_str().unwrap_or("?")),
            Some(k) => k.to_owned(),
            None => "?".into(),
        })
        .collect();
    assert_eq!(
        kinds,
        ["task", "status:working", "artifact-update", "artifact-update", "artifact-update", "status:completed"],
        "{streamed}"
    );
    let text: String =
        evs.iter().filter(|e| e["kind"] == "artifact-update").map(|e| e["artifact"]["parts"][0]["text"].as_str().unwrap_or("")).collect();
    assert_eq!(text, "Three pieces here.");
    assert_eq!(
        (evs[2]["append"].as_bool(), evs[3]["append"].as_bool()),
        (Some(false), Some(true)),
        "pieces after the first extend the artifact"
    );
    assert_eq!(evs[5]["final"], true);
    let task_id = evs[0]["id"].as_str().expect("id");
    assert!(evs.iter().skip(1).all(|e| e["taskId"] == task_id), "every event names the task");

    let failed = sdk_client(&base, "stream", "please fail");
    let last = failed["events"].as_array().and_then(|e| e.last()).expect("events").clone();
    assert_eq!((last["status"]["state"].as_str(), last["final"].as_bool()), (Some("failed"), Some(true)), "{failed}");
    assert!(!failed.to_string().contains("123456789012"), "the model's text stays in the log: {failed}");

    let sent = sdk_client(&base, "send", "whole, please");
    assert_eq!(sent["events"][0]["parts"], json!([{"kind": "text", "text": "Whole answer."}]), "{sent}");
    assert_eq!(sdk_client(&base, "get", task_id)["error"], -32001, "a streamed turn keeps no task");

    let Outcome::Stream(card_answer) = api.invoke(events::rest("GET", "/.well-known/agent-card.json", None, None), Duration::from_secs(30))
    else {
        panic!("Stream mode answers every request as a stream")
    };
    let card_json: Value = serde_json::from_slice(&card_answer.body()).expect("card");
    assert_eq!(
        card_json["url"], "https://gy415nuibc.execute-api.us-east-2.amazonaws.com/testStage/a2a",
        "the fixture's domain and stage, no caller needed"
    );
}
