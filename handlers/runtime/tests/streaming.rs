//! Streamed model calls against a local HTTP peer that streams the real wire formats chunk by
//! chunk with pauses: Bedrock ConverseStream (AWS event-stream binary frames) and OpenAI chat
//! completions with `"stream": true` (server-sent events). Asserts that text arrives while the
//! peer is still producing, that tool calls are assembled from their fragments, and that errors
//! in the stream are classified.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::{Agent, AgentError, AgentEvent, BoxFuture, ModelError, Toolbox};
use agentcdk_testkit::http::HttpResponse;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use serde_json::{json, Value};

mod common;
use common::{bedrock, scripted, Add};

const GAP: Duration = Duration::from_millis(150);

/// One ConverseStream event frame.
fn event(kind: &str, payload: Value) -> Vec<u8> {
    let msg = Message::new(payload.to_string().into_bytes())
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(":event-type", HeaderValue::String(kind.to_owned().into())))
        .add_header(Header::new(":content-type", HeaderValue::String("application/json".into())));
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&msg, &mut out).expect("frame");
    out
}

/// One ConverseStream exception frame (`kind` e.g. `throttlingException`).
fn exception(kind: &str, message: &str) -> Vec<u8> {
    let msg = Message::new(json!({"message": message}).to_string().into_bytes())
        .add_header(Header::new(":message-type", HeaderValue::String("exception".into())))
        .add_header(Header::new(":exception-type", HeaderValue::String(kind.to_owned().into())))
        .add_header(Header::new(":content-type", HeaderValue::String("application/json".into())));
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&msg, &mut out).expect("frame");
    out
}

/// A ConverseStream answer: text deltas `GAP` apart, then optionally a tool call whose input
/// arrives in two fragments, then messageStop with `stop` and metadata.
fn converse_stream(tokens: &[&str], tool: Option<(&str, &str, &str)>, stop: &str) -> HttpResponse {
    let mut frames = vec![(Duration::ZERO, event("messageStart", json!({"role": "assistant"})))];
    for t in tokens {
        frames.push((GAP, event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": t}}))));
    }
    frames.push((Duration::ZERO, event("contentBlockStop", json!({"contentBlockIndex": 0}))));
    if let Some((id, name, input)) = tool {
        let (a, b) = input.split_at(input.len() / 2);
        frames.push((
            Duration::ZERO,
            event("contentBlockStart", json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": id, "name": name}}})),
        ));
        for frag in [a, b] {
            frames.push((GAP, event("contentBlockDelta", json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": frag}}}))));
        }
        frames.push((Duration::ZERO, event("contentBlockStop", json!({"contentBlockIndex": 1}))));
    }
    frames.push((Duration::ZERO, event("messageStop", json!({"stopReason": stop}))));
    frames.push((
        Duration::ZERO,
        event("metadata", json!({"usage": {"inputTokens": 3, "outputTokens": 5, "totalTokens": 8}, "metrics": {"latencyMs": 9}})),
    ));
    HttpResponse::streamed(200, "application/vnd.amazon.eventstream", frames)
}

/// What the sink saw, with arrival times.
#[derive(Debug, Default)]
struct Seen {
    texts: Vec<(Instant, String)>,
    tools: Vec<(String, Value)>,
}

impl Seen {
    fn sink(&mut self) -> impl for<'e> FnMut(AgentEvent<'e>) + Send + '_ {
        |e| match e {
            AgentEvent::Text(t) => self.texts.push((Instant::now(), t.to_owned())),
            AgentEvent::ToolCall { name, input, .. } => self.tools.push((name.to_owned(), input.clone())),
        }
    }
    fn text(&self) -> String {
        self.texts.iter().map(|(_, t)| t.as_str()).collect()
    }
}

#[tokio::test]
async fn bedrock_converse_stream_delivers_tokens_as_they_come_and_runs_tools() {
    let tokens = ["The ", "sum ", "is ", "5", "."];
    let server = scripted(vec![
        converse_stream(&["Let me ", "add."], Some(("tu-1", "add", r#"{"a": 2, "b": 3}"#)), "tool_use"),
        converse_stream(&tokens, None, "end_turn"),
    ]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "You add numbers.").with_tools(Toolbox::new().with(Add));
    let mut history = Vec::new();
    let mut seen = Seen::default();
    let reply = agent.respond_streaming(&mut history, "What is 2+3?", &mut seen.sink()).await.expect("reply");
    assert_eq!(reply, "Let me add.The sum is 5.");
    assert_eq!(seen.text(), reply);
    assert_eq!(seen.tools, vec![("add".to_owned(), json!({"a": 2, "b": 3}))]);
    assert_eq!(history.len(), 4, "user, tool call, tool result, answer");
    assert_eq!(history[3].text(), "The sum is 5.");

    // Streaming: the first token of the last answer was delivered before its last token left
    // the peer.
    let sent = server.sent_chunks();
    let last_sent = *sent.last().expect("chunks sent");
    let first_of_answer = seen.texts.iter().find(|(_, t)| t == "The ").expect("first token").0;
    assert!(first_of_answer < last_sent, "first token after the last chunk was written: not streamed");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
    let first = reqs[0].json();
    assert_eq!(first["system"], json!([{"text": "You add numbers."}]));
    assert_eq!(first["toolConfig"]["tools"][0]["toolSpec"]["name"], "add");
    let second = reqs[1].json();
    let msgs = second["messages"].as_array().expect("messages");
    assert_eq!(msgs[1]["content"][1]["toolUse"], json!({"toolUseId": "tu-1", "name": "add", "input": {"a": 2, "b": 3}}));
    assert_eq!(msgs[2]["content"][0]["toolResult"], json!({"toolUseId": "tu-1", "content": [{"text": "5"}], "status": "success"}));
}

#[tokio::test]
async fn bedrock_stream_errors_are_classified() {
    // Throttled mid-stream, after some text: transient.
    let frames = vec![
        (Duration::ZERO, event("messageStart", json!({"role": "assistant"}))),
        (GAP, event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "Hal"}}))),
        (GAP, exception("throttlingException", "slow down")),
    ];
    let server = scripted(vec![HttpResponse::streamed(200, "application/vnd.amazon.eventstream", frames)]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "");
    let mut seen = Seen::default();
    let err = agent.respond_streaming(&mut Vec::new(), "hi", &mut seen.sink()).await.expect_err("must fail");
    assert_eq!(seen.text(), "Hal");
    assert!(matches!(&err, AgentError::Model(ModelError::Transient(m)) if m.contains("slow down")), "{err:?}");

    // Validation mid-stream: permanent.
    let server = scripted(vec![HttpResponse::streamed(
        200,
        "application/vnd.amazon.eventstream",
        vec![(Duration::ZERO, exception("validationException", "bad input"))],
    )]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "");
    let err = agent.respond_streaming(&mut Vec::new(), "hi", &mut |_| {}).await.expect_err("must fail");
    assert!(matches!(&err, AgentError::Model(ModelError::Permanent(m)) if m.contains("bad input")), "{err:?}");

    // Refused before the stream starts: as the buffered call.
    let throttled =
        HttpResponse::json(429, &json!({"message": "Too many requests"})).with_header("x-amzn-errortype", "ThrottlingException");
    let server = scripted(vec![throttled]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "");
    let err = agent.respond_streaming(&mut Vec::new(), "hi", &mut |_| {}).await.expect_err("must fail");
    assert!(matches!(err, AgentError::Model(ModelError::Transient(_))), "{err:?}");

    // Cut off without messageStop: transient.
    let server = scripted(vec![HttpResponse::streamed(
        200,
        "application/vnd.amazon.eventstream",
        vec![(Duration::ZERO, event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "Hal"}})))],
    )]);
    let agent = Agent::new(Arc::new(bedrock(&server).await), "");
    let err = agent.respond_streaming(&mut Vec::new(), "hi", &mut |_| {}).await.expect_err("must fail");
    assert!(matches!(err, AgentError::Model(ModelError::Transient(_))), "{err:?}");
}

fn sse(events: &[Value], gap: Duration) -> HttpResponse {
    let mut chunks: Vec<(Duration, Vec<u8>)> = events.iter().map(|e| (gap, format!("data: {e}\n\n").into_bytes())).collect();
    chunks.push((Duration::ZERO, b"data: [DONE]\n\n".to_vec()));
    HttpResponse::streamed(200, "text/event-stream", chunks)
}

fn delta(d: Value, finish: Option<&str>) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-test",
           "choices": [{"index": 0, "delta": d, "finish_reason": finish}]})
}

#[tokio::test]
async fn openai_stream_delivers_tokens_as_they_come_and_runs_tools() {
    let tool_turn = sse(
        &[
            delta(
                json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                "function": {"name": "add", "arguments": ""}}]}),
                None,
            ),
            delta(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"a\":40,"}}]}), None),
            delta(json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"b\":2}"}}]}), None),
            delta(json!({}), Some("tool_calls")),
        ],
        Duration::ZERO,
    );
    let mut answer: Vec<Value> = ["It ", "is ", "4", "2", "."].iter().map(|t| delta(json!({"content": t}), None)).collect();
    answer.push(delta(json!({}), Some("stop")));
    let server = scripted(vec![tool_turn, sse(&answer, GAP)]);
    let provider = OpenAi::new(format!("{}/v1", server.url()), Some("sk-test".into()), "gpt-test");
    let agent = Agent::new(Arc::new(provider), "Be brief.").with_tools(Toolbox::new().with(Add));
    let mut history = Vec::new();
    let mut seen = Seen::default();
    let reply = agent.respond_streaming(&mut history, "40+2?", &mut seen.sink()).await.expect("reply");
    assert_eq!(reply, "It is 42.");
    assert_eq!(seen.tools, vec![("add".to_owned(), json!({"a": 40, "b": 2}))]);
    let last_sent = *server.sent_chunks().last().expect("chunks sent");
    assert!(seen.texts[0].0 < last_sent, "first token after the last chunk was written: not streamed");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let first = reqs[0].json();
    assert_eq!(first["stream"], true);
    assert_eq!(first["messages"][0], json!({"role": "system", "content": "Be brief."}));
    let msgs = reqs[1].json()["messages"].as_array().expect("messages").clone();
    assert_eq!(msgs[2]["tool_calls"][0]["function"], json!({"name": "add", "arguments": "{\"a\":40,\"b\":2}"}));
    assert_eq!(msgs[3], json!({"role": "tool", "tool_call_id": "call_1", "content": "42"}));
}

#[tokio::test]
async fn openai_stream_errors_are_classified() {
    let broken = HttpResponse::streamed(
        200,
        "text/event-stream",
        vec![
            (Duration::ZERO, format!("data: {}\n\n", delta(json!({"content": "Hal"}), None)).into_bytes()),
            (GAP, b"data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n".to_vec()),
        ],
    );
    let server = scripted(vec![broken]);
    let agent = Agent::new(Arc::new(OpenAi::new(server.url(), None, "m")), "");
    let mut seen = Seen::default();
    let err = agent.respond_streaming(&mut Vec::new(), "hi", &mut seen.sink()).await.expect_err("must fail");
    assert_eq!(seen.text(), "Hal");
    assert!(matches!(&err, AgentError::Model(ModelError::Transient(m)) if m.contains("overloaded")), "{err:?}");

    for (status, transient) in [(429, true), (503, true), (400, false)] {
        let server = scripted(vec![HttpResponse::json(status, &json!({"error": {"message": format!("status {status}")}}))]);
        let agent = Agent::new(Arc::new(OpenAi::new(server.url(), None, "m")), "");
        let err = agent.respond_streaming(&mut Vec::new(), "hi", &mut |_| {}).await.expect_err("must fail");
        let ok = match &err {
            AgentError::Model(ModelError::Transient(m)) => transient && m.contains("status"),
            AgentError::Model(ModelError::Permanent(m)) => !transient && m.contains("status"),
            _ => false,
        };
        assert!(ok, "HTTP {status}: {err:?}");
    }

    // The connection ends before a finish reason: transient.
    let cut = HttpResponse::streamed(
        200,
        "text/event-stream",
        vec![(Duration::ZERO, format!("data: {}\n\n", delta(json!({"content": "Hal"}), None)).into_bytes())],
    );
    let server = scripted(vec![cut]);
    let agent = Agent::new(Arc::new(OpenAi::new(server.url(), None, "m")), "");
    let err = agent.respond_streaming(&mut Vec::new(), "hi", &mut |_| {}).await.expect_err("must fail");
    assert!(matches!(&err, AgentError::Model(ModelError::Transient(m)) if m.contains("ended early")), "{err:?}");
}

#[tokio::test]
async fn openai_servers_that_ignore_stream_are_read_whole() {
    let whole = HttpResponse::json(
        200,
        &json!({"id": "c", "object": "chat.completion", "created": 1, "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "All at once."}, "finish_reason": "stop"}]}),
    );
    let server = scripted(vec![whole]);
    let agent = Agent::new(Arc::new(OpenAi::new(server.url(), None, "m")), "");
    let mut seen = Seen::default();
    let reply = agent.respond_streaming(&mut Vec::new(), "hi", &mut seen.sink()).await.expect("reply");
    assert_eq!((reply.as_str(), seen.text().as_str()), ("All at once.", "All at once."));
}

/// A provider with only the buffered call: the trait's default `converse_stream` serves it.
#[derive(Debug)]
struct Buffered;
impl agentcdk_runtime::agent::ModelProvider for Buffered {
    fn converse<'a>(
        &'a self,
        _request: agentcdk_runtime::agent::ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<agentcdk_runtime::agent::ModelResponse, ModelError>> {
        Box::pin(async {
            Ok(agentcdk_runtime::agent::ModelResponse {
                message: agentcdk_runtime::agent::Message::assistant_text("whole"),
                stop: agentcdk_runtime::agent::StopReason::EndTurn,
                usage: Default::default(),
            })
        })
    }
}

#[tokio::test]
async fn providers_without_streaming_deliver_their_text_in_one_piece() {
    let agent = Agent::new(Arc::new(Buffered), "");
    let mut seen = Seen::default();
    let reply = agent.respond_streaming(&mut Vec::new(), "hi", &mut seen.sink()).await.expect("reply");
    assert_eq!(reply, "whole");
    assert_eq!(seen.texts.len(), 1);
}
