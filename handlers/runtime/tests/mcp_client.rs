//! Our MCP client against the official MCP Python SDK's servers ([`agentcdk_testkit::mcp`],
//! streamable-http on 127.0.0.1): listing (paginated), calling, tool errors, structured
//! content, the result cap, the timeout, the allowlist, session reuse and re-initialization
//! after the session expired; and a model turn (scripted OpenAI-format peer) that calls an MCP
//! tool and answers with its result.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::{Agent, Message, ToolProvider, Toolbox};
use agentcdk_runtime::mcp::{McpAuth, McpClient, McpError, McpSource};
use agentcdk_testkit::http::{openai_completion, HttpResponse};
use agentcdk_testkit::mcp::{SdkMode, SdkServer};
use serde_json::{json, Value};

mod common;
use common::{bedrock, scripted, Add};

fn client(url: &str, timeout: Duration) -> Arc<McpClient> {
    Arc::new(McpClient::new(url, McpAuth::None, timeout))
}

#[tokio::test(flavor = "multi_thread")]
async fn our_client_lists_and_calls_the_tools_of_an_sdk_server() {
    let server = SdkServer::start(SdkMode::McpServer);
    let client = client(&server.url(), Duration::from_secs(30));
    let tools = client.list_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["add", "fail", "quote", "big", "slow"]);
    let add = &tools[0];
    assert_eq!(add.description, "Adds two integers.");
    assert_eq!(add.input_schema["properties"]["a"]["type"], "integer");
    assert_eq!(add.input_schema["required"], json!(["a", "b"]));

    let sum = client.call_tool("add", json!({"a": 40, "b": 2})).await.expect("add");
    assert!(!sum.is_error);
    assert_eq!(sum.content[0]["text"], "42");

    let failed = client.call_tool("fail", json!({"reason": "nope"})).await.expect("a tool error is a result");
    assert!(failed.is_error, "{failed:?}");
    assert!(failed.content[0]["text"].as_str().expect("text").contains("refused: nope"), "{failed:?}");

    let quote = client.call_tool("quote", json!({"sku": "A-1"})).await.expect("quote");
    assert_eq!(quote.structured, Some(json!({"sku": "A-1", "price_cents": 1299, "currency": "EUR"})));

    // One session for all of it (initialize once, reused), listed once (cached).
    client.list_tools().await.expect("cached list");
    assert_eq!(server.sessions(), 1, "{}", server.log_text());
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_tools_cap_results_time_out_and_honour_the_allowlist() {
    let server = SdkServer::start(SdkMode::McpServer);
    let source = McpSource::new(client(&server.url(), Duration::from_secs(2)), vec![], 100);
    let tools = source.tools().await.expect("tools");
    let tool = |name: &str| tools.iter().find(|t| t.spec().name == name).expect("tool").clone();

    let out = tool("big").call(json!({"n": 5000})).await.expect("big");
    assert!(out.starts_with(&"x".repeat(100)), "{out}");
    assert!(
        out.ends_with("[result cut: the tool returned 5000 bytes, the limit is 100 bytes; the last 4900 bytes are not shown]"),
        "{out}"
    );

    let err = tool("fail").call(json!({"reason": "why"})).await.expect_err("isError is a ToolError");
    assert!(err.0.contains("refused: why"), "{err}");

    let started = Instant::now();
    let err = tool("slow").call(json!({"seconds": 5})).await.expect_err("timeout");
    assert!(err.0.contains("did not answer within 2s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4));

    let only_add = McpSource::new(client(&server.url(), Duration::from_secs(30)), vec!["add".into(), "absent".into()], 100);
    let names: Vec<String> = only_add.tools().await.expect("tools").iter().map(|t| t.spec().name).collect();
    assert_eq!(names, ["add"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn paginated_lists_are_followed_and_expired_sessions_renewed() {
    let server = SdkServer::start(SdkMode::Paged);
    let client = client(&server.url(), Duration::from_secs(30));
    let names: Vec<String> = client.list_tools().await.expect("tools/list").iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, ["tool_0", "tool_1", "tool_2", "tool_3", "tool_4"], "three pages followed");
    let r = client.call_tool("tool_3", json!({})).await.expect("call");
    assert_eq!(r.content[0]["text"], "tool_3 ran");
    assert_eq!(server.sessions(), 1);

    // The server forgets sessions idle for 1 s and answers 404 to their id: we initialize again.
    let forgotten = Instant::now();
    let mut renewed = false;
    while forgotten.elapsed() < Duration::from_secs(30) && !renewed {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let r = client.call_tool("tool_1", json!({})).await.expect("call after expiry");
        assert_eq!(r.content[0]["text"], "tool_1 ran");
        renewed = server.sessions() > 1;
    }
    assert!(renewed, "a second session was created: {}", server.log_text());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_turn_calls_an_mcp_tool_and_uses_its_result() {
    let server = SdkServer::start(SdkMode::McpServer);
    let model = scripted(vec![
        openai_completion(json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{\"a\":40,\"b\":2}"}}]})),
        openai_completion(json!({"role": "assistant", "content": "The answer is 42."})),
    ]);
    let source = McpSource::new(client(&server.url(), Duration::from_secs(30)), vec!["add".into()], 1000);
    let agent = Agent::new(Arc::new(OpenAi::new(model.url(), None, "m")), "").with_tools(Toolbox::new().with_provider(source));
    let mut history: Vec<Message> = Vec::new();
    let reply = agent.respond(&mut history, "40+2?").await.expect("reply");
    assert_eq!(reply, "The answer is 42.");

    let reqs = model.requests();
    let first = reqs[0].json();
    assert_eq!(first["tools"].as_array().expect("tools").len(), 1, "the allowlist holds");
    assert_eq!(first["tools"][0]["function"]["name"], "add");
    assert_eq!(first["tools"][0]["function"]["parameters"]["properties"]["b"]["type"], "integer", "the MCP schema is the model's");
    let second = reqs[1].json();
    let last = second["messages"].as_array().expect("messages").last().expect("last").clone();
    assert_eq!(last, json!({"role": "tool", "tool_call_id": "call_1", "content": "42"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bedrock_turn_mixes_local_and_mcp_tools() {
    let server = SdkServer::start(SdkMode::McpServer);
    let reply = |content: Value, stop: &str| {
        HttpResponse::json(
            200,
            &json!({"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop,
            "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}}),
        )
    };
    let model = scripted(vec![
        reply(json!([{"toolUse": {"toolUseId": "tu-1", "name": "quote", "input": {"sku": "A-1"}}}]), "tool_use"),
        reply(json!([{"text": "It costs 12.99 EUR."}]), "end_turn"),
    ]);
    let source = McpSource::new(client(&server.url(), Duration::from_secs(30)), vec!["quote".into()], 1000);
    let agent = Agent::new(Arc::new(bedrock(&model).await), "").with_tools(Toolbox::new().with(Add).with_provider(source));
    let reply = agent.respond(&mut Vec::new(), "price of A-1?").await.expect("reply");
    assert_eq!(reply, "It costs 12.99 EUR.");

    let reqs = model.requests();
    let tools = reqs[0].json()["toolConfig"]["tools"].clone();
    let names: Vec<&str> = tools.as_array().expect("tools").iter().filter_map(|t| t["toolSpec"]["name"].as_str()).collect();
    assert_eq!(names, ["add", "quote"], "local tools first, then the allowlisted MCP tool");
    assert_eq!(tools[1]["toolSpec"]["inputSchema"]["json"]["required"], json!(["sku"]));
    let second = reqs[1].json();
    let result = &second["messages"][2]["content"][0]["toolResult"];
    assert_eq!(result["status"], "success");
    let text = result["content"][0]["text"].as_str().expect("text");
    let quoted: Value = serde_json::from_str(text).expect("the SDK sends the structured result as JSON text");
    assert_eq!(quoted["price_cents"], 1299);
}

#[tokio::test]
async fn an_unreachable_server_leaves_its_tools_out_and_the_agent_still_answers() {
    let model = scripted(vec![HttpResponse::json(
        200,
        &json!({"id": "c", "object": "chat.completion", "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}]}),
    )]);
    let down =
        McpSource::new(client(&format!("http://127.0.0.1:{}/mcp", agentcdk_testkit::free_port()), Duration::from_secs(5)), vec![], 1000);
    let agent = Agent::new(Arc::new(OpenAi::new(model.url(), None, "m")), "").with_tools(Toolbox::new().with(Add).with_provider(down));
    assert_eq!(agent.respond(&mut Vec::new(), "hi").await.expect("reply"), "hello");
    let names: Vec<Value> =
        model.requests()[0].json()["tools"].as_array().expect("tools").iter().map(|t| t["function"]["name"].clone()).collect();
    assert_eq!(names, [json!("add")], "the agent's own tool stays, the unreachable server's are left out");
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_not_a_hang() {
    let port = agentcdk_testkit::free_port();
    let client = client(&format!("http://127.0.0.1:{port}/mcp"), Duration::from_secs(5));
    assert!(matches!(client.list_tools().await, Err(McpError::Http(_))));
}
