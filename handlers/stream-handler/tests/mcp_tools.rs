//! The stream-handler binary in Stream mode with an MCP server in `MCP_SERVERS` (the official
//! MCP Python SDK's MCPServer on 127.0.0.1) and an OpenAI-format model streaming SSE: the
//! client sees a `tool` event for the MCP tool, and the model gets the tool's result.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agentcdk_contract::env;
use agentcdk_contract::mcp::McpServerConfig;
use agentcdk_contract::wire::StreamEvent;
use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::mcp::{SdkMode, SdkServer};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

fn sse(deltas: &[(Value, Option<&str>)]) -> HttpResponse {
    let mut frames: Vec<(Duration, Vec<u8>)> = deltas
        .iter()
        .map(|(delta, finish)| {
            let c = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
            (Duration::ZERO, format!("data: {c}\n\n").into_bytes())
        })
        .collect();
    frames.push((Duration::ZERO, b"data: [DONE]\n\n".to_vec()));
    HttpResponse::streamed(200, "text/event-stream", frames)
}

/// First call: `quote` for A-1; second: a text answer.
fn model() -> HttpServer {
    let n = AtomicUsize::new(0);
    HttpServer::start(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) == 0 {
            let call = json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                "function": {"name": "quote", "arguments": "{\"sku\":\"A-1\"}"}}]});
            sse(&[(call, None), (json!({}), Some("tool_calls"))])
        } else {
            sse(&[(json!({"role": "assistant", "content": "12.99 EUR"}), None), (json!({}), Some("stop"))])
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_mode_shows_the_mcp_tool_call() {
    let mcp = SdkServer::start(SdkMode::McpServer);
    let model = model();
    let servers =
        vec![McpServerConfig { url: mcp.url(), auth: Default::default(), allow: vec![], timeout_seconds: None, max_result_bytes: None }];
    let api = RuntimeApi::start();
    let mut vars: Vec<(String, String)> = vec![("AWS_REGION".into(), "us-east-1".into()), ("RESPONSE_MODE".into(), "stream".into())];
    for (k, v) in [("MODEL_PROVIDER", "openai".to_owned()), ("MODEL_ID", "m".into()), ("OPENAI_BASE_URL", model.url())] {
        vars.push((k.into(), v));
    }
    vars.push((env::MCP_SERVERS.into(), serde_json::to_string(&servers).expect("json")));
    let _f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_stream-handler")), &api, &vars);
    let event = json!({"resource": "/chat", "httpMethod": "POST", "path": "/chat", "headers": {"Content-Type": "application/json"},
        "requestContext": {"httpMethod": "POST", "stage": "prod", "requestId": "r", "authorizer": {"principalId": "u-1", "userId": "u-1"}},
        "body": r#"{"message":"price of A-1?"}"#, "isBase64Encoded": false});
    let Outcome::Stream(answer) = api.invoke(event, Duration::from_secs(60)) else { panic!("not streamed") };
    let events: Vec<StreamEvent> = answer
        .text()
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap_or_else(|e| panic!("{d}: {e}")))
        .collect();
    assert_eq!(events[1], StreamEvent::Tool { name: "quote".into() }, "{events:?}");
    assert_eq!(events.last(), Some(&StreamEvent::Done { reply: "12.99 EUR".into() }));
    let second = model.requests()[1].json();
    let result = second["messages"].as_array().and_then(|m| m.last()).expect("tool result")["content"].clone();
    let quoted: Value = serde_json::from_str(result.as_str().expect("text")).expect("JSON text");
    assert_eq!(quoted["price_cents"], 1299, "the MCP result went back to the model");
}
