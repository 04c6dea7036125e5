//! Model providers against a local HTTP server speaking the real wire formats (Bedrock
//! Converse, OpenAI chat completions), including tool-use turns and error classification.

use std::sync::Arc;

use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::{Agent, AgentError, Message, ModelError, Toolbox};
use agentcdk_testkit::http::HttpResponse;
use serde_json::{json, Value};

mod common;
use common::{bedrock, scripted, Add};

fn converse_reply(content: Value, stop: &str) -> HttpResponse {
    HttpResponse::json(
        200,
        &json!({
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
            "metrics": {"latencyMs": 42}
        }),
    )
}

#[tokio::test]
async fn bedrock_converse_tool_use_turn() {
    let server = scripted(vec![
        converse_reply(
            json!([{"text": "Let me add."},
                   {"toolUse": {"toolUseId": "tu-1", "name": "add", "input": {"a": 2, "b": 3}}}]),
            "tool_use",
        ),
        converse_reply(json!([{"text": "The sum is 5."}]), "end_turn"),
    ]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "You add numbers.").with_tools(Toolbox::new().with(Add));
    let mut history = Vec::new();
    let reply = agent.respond(&mut history, "What is 2+3?").await.expect("reply");
    assert_eq!(reply, "The sum is 5.");
    assert_eq!(history.len(), 4, "user, tool call, tool result, answer");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse");
    assert!(reqs[0].header("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")));
    let first = reqs[0].json();
    assert_eq!(first["system"], json!([{"text": "You add numbers."}]));
    assert_eq!(first["messages"], json!([{"role": "user", "content": [{"text": "What is 2+3?"}]}]));
    assert_eq!(first["toolConfig"]["tools"][0]["toolSpec"]["name"], "add");
    assert_eq!(first["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["required"], json!(["a", "b"]));
    let second = reqs[1].json();
    let msgs = second["messages"].as_array().expect("messages");
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[1]["content"][1]["toolUse"]["toolUseId"], "tu-1");
    assert_eq!(msgs[1]["content"][1]["toolUse"]["input"], json!({"a": 2, "b": 3}));
    assert_eq!(msgs[2]["content"][0]["toolResult"], json!({"toolUseId": "tu-1", "content": [{"text": "5"}], "status": "success"}));
}

#[tokio::test]
async fn bedrock_errors_are_classified() {
    let throttled =
        HttpResponse::json(429, &json!({"message": "Too many requests"})).with_header("x-amzn-errortype", "ThrottlingException");
    let server = scripted(vec![throttled]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "");
    let err = agent.respond(&mut Vec::new(), "hi").await.expect_err("must fail");
    assert!(matches!(err, AgentError::Model(ModelError::Transient(_))), "{err:?}");

    let invalid =
        HttpResponse::json(400, &json!({"message": "The model id is invalid"})).with_header("x-amzn-errortype", "ValidationException");
    let server = scripted(vec![invalid]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "");
    let err = agent.respond(&mut Vec::new(), "hi").await.expect_err("must fail");
    match err {
        AgentError::Model(ModelError::Permanent(m)) => {
            assert!(m.contains("ValidationException") && m.contains("invalid"), "{m}")
        }
        other => panic!("{other:?}"),
    }
}

fn completion(message: Value, finish: &str) -> HttpResponse {
    HttpResponse::json(
        200,
        &json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-test",
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}),
    )
}

#[tokio::test]
async fn openai_tool_use_turn() {
    let server = scripted(vec![
        completion(
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "add", "arguments": "{\"a\":40,\"b\":2}"}}]}),
            "tool_calls",
        ),
        completion(json!({"role": "assistant", "content": "42"}), "stop"),
    ]);
    let provider = OpenAi::new(format!("{}/v1/", server.url()), Some("sk-test".into()), "gpt-test");
    let agent = Agent::new(Arc::new(provider), "Be brief.").with_tools(Toolbox::new().with(Add));
    let mut history = vec![Message::user_text("earlier"), Message::assistant_text("ok")];
    let reply = agent.respond(&mut history, "40+2?").await.expect("reply");
    assert_eq!(reply, "42");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(reqs[0].header("authorization"), Some("Bearer sk-test"));
    let first = reqs[0].json();
    assert_eq!(first["model"], "gpt-test");
    assert_eq!(
        first["messages"],
        json!([{"role": "system", "content": "Be brief."},
               {"role": "user", "content": "earlier"},
               {"role": "assistant", "content": "ok"},
               {"role": "user", "content": "40+2?"}])
    );
    assert_eq!(first["tools"][0]["function"]["name"], "add");
    let second = reqs[1].json();
    let msgs = second["messages"].as_array().expect("messages");
    assert_eq!(msgs[4]["tool_calls"][0]["id"], "call_1");
    assert_eq!(msgs[5], json!({"role": "tool", "tool_call_id": "call_1", "content": "42"}));
}

#[tokio::test]
async fn openai_errors_are_classified() {
    for (status, transient) in [(429, true), (500, true), (503, true), (400, false), (401, false)] {
        let server = scripted(vec![HttpResponse::json(status, &json!({"error": {"message": format!("status {status}"), "type": "x"}}))]);
        let agent = Agent::new(Arc::new(OpenAi::new(server.url(), None, "m")), "");
        let err = agent.respond(&mut Vec::new(), "hi").await.expect_err("must fail");
        let ok = match &err {
            AgentError::Model(ModelError::Transient(m)) => transient && m.contains("status"),
            AgentError::Model(ModelError::Permanent(m)) => !transient && m.contains("status"),
            _ => false,
        };
        assert!(ok, "HTTP {status}: {err:?}");
    }
    // Nothing listening: transient.
    let port = agentcdk_testkit::free_port();
    let agent = Agent::new(Arc::new(OpenAi::new(format!("http://127.0.0.1:{port}"), None, "m")), "");
    let err = agent.respond(&mut Vec::new(), "hi").await.expect_err("must fail");
    assert!(matches!(err, AgentError::Model(ModelError::Transient(_))), "{err:?}");
}

#[tokio::test]
async fn tool_loop_is_bounded_and_tool_errors_go_back_to_the_model() {
    let looping = completion(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "add", "arguments": "{\"a\":\"x\"}"}}]}),
        "tool_calls",
    );
    let server = scripted(vec![looping]);
    let agent = Agent::new(Arc::new(OpenAi::new(server.url(), None, "m")), "").with_tools(Toolbox::new().with(Add)).with_max_turns(3);
    let err = agent.respond(&mut Vec::new(), "loop").await.expect_err("must fail");
    assert!(matches!(err, AgentError::MaxTurns(3)), "{err:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let last = reqs[2].json();
    let tool_msg = &last["messages"].as_array().expect("messages")[2];
    assert_eq!(tool_msg["content"], "error: a and b must be integers");
}
