//! The request-handler binary in Sync mode with an MCP server in `MCP_SERVERS` (the official
//! MCP Python SDK's MCPServer on 127.0.0.1) and a scripted OpenAI-format model: the env
//! contract the constructs write is read, the MCP tool reaches the model, the model's call goes
//! to the MCP server and its result back to the model; warm invocations reuse the session.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agentcdk_contract::{env, mcp::McpServerConfig};
use agentcdk_testkit::http::{openai_completion, HttpServer};
use agentcdk_testkit::mcp::{SdkMode, SdkServer};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

fn rest(body: &str) -> Value {
    agentcdk_testkit::events::rest("POST", "/agents/v1/support", Some("u-1"), Some(body))
}

/// Odd requests ask for `add`, even ones answer with the tool result they were sent.
fn model() -> HttpServer {
    let n = AtomicUsize::new(0);
    HttpServer::start(move |req| {
        let body = req.json();
        let message = if n.fetch_add(1, Ordering::SeqCst) % 2 == 0 {
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{\"a\":40,\"b\":2}"}}]})
        } else {
            let result = body["messages"].as_array().and_then(|m| m.last()).map(|m| m["content"].clone()).unwrap_or_default();
            json!({"role": "assistant", "content": format!("the tool said {}", result.as_str().unwrap_or("?"))})
        };
        openai_completion(message)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_agent_uses_the_tools_of_an_mcp_server_from_its_environment() {
    let mcp = SdkServer::start(SdkMode::McpServer);
    let model = model();
    let servers = vec![McpServerConfig {
        url: mcp.url(),
        auth: Default::default(),
        allow: vec!["add".into()],
        timeout_seconds: Some(10),
        max_result_bytes: None,
    }];
    let api = RuntimeApi::start();
    let mut vars: Vec<(String, String)> = vec![("AWS_REGION".into(), "us-east-1".into())];
    for (k, v) in [
        ("AGENT_MODE", "sync".to_owned()),
        ("API_BASE_PATH", "/agents".into()),
        ("API_VERSION", "v1".into()),
        ("AGENT_ENDPOINT", "support".into()),
        ("MODEL_PROVIDER", "openai".into()),
        ("MODEL_ID", "m".into()),
        ("OPENAI_BASE_URL", model.url()),
        (env::MCP_SERVERS, serde_json::to_string(&servers).expect("json")),
    ] {
        vars.push((k.into(), v));
    }
    let _f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_request-handler")), &api, &vars);
    api.wait_first_poll(Duration::from_secs(30));
    assert_eq!(mcp.sessions(), 0, "nothing connects at init");
    for _ in 0..2 {
        let Outcome::Response(out) = api.invoke(rest(r#"{"message":"40+2?"}"#), Duration::from_secs(60)) else { panic!("no response") };
        let body: Value = serde_json::from_str(out["body"].as_str().expect("body")).expect("json");
        assert_eq!(out["statusCode"], 200, "{body}");
        assert_eq!(body["reply"], "the tool said 42");
    }
    let first = model.requests()[0].json();
    assert_eq!(first["tools"][0]["function"]["name"], "add");
    assert_eq!(first["tools"].as_array().map(Vec::len), Some(1), "the allowlist holds");
    assert_eq!(mcp.sessions(), 1, "the warm invocation reused the session: {}", mcp.log_text());
}
