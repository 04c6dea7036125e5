//! The built stream-handler binary, driven through the local Lambda Runtime API, with the
//! sessions table in moto and the model a local peer streaming the real wire formats (Bedrock
//! ConverseStream event-stream frames, OpenAI server-sent events) with pauses between tokens.
//! Asserts that the answer leaves the function while the model is still producing it.

use std::path::Path;
use std::time::{Duration, Instant};

use agentcdk_contract::wire::StreamEvent;
use agentcdk_testkit::events;
use agentcdk_testkit::http::{HttpRequest, HttpResponse, HttpServer};
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi, Streamed};
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use serde_json::{json, Value};

const T: Duration = Duration::from_secs(60);
const TOKEN_GAP: Duration = Duration::from_millis(200);
const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

// ---- events ----

/// A Function URL event (payload v2) from IAM caller `user` (`None`: AuthType NONE).
fn function_url(method: &str, body: &str, user: Option<&str>) -> Value {
    events::function_url_as(method, body, user)
}

/// An API Gateway REST proxy event (payload v1) whose authorizer verified `u-1`.
fn rest(body: &str) -> Value {
    events::rest("POST", "/agents/api/v1/chat", Some("u-1"), Some(body))
}

// ---- model peers ----

fn frame(headers: [(&str, &str); 3], payload: Value) -> Vec<u8> {
    let mut msg = Message::new(payload.to_string().into_bytes());
    for (k, v) in headers {
        msg = msg.add_header(Header::new(k.to_owned(), HeaderValue::String(v.to_owned().into())));
    }
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&msg, &mut out).expect("frame");
    out
}

/// One ConverseStream event frame.
fn event(kind: &str, payload: Value) -> Vec<u8> {
    frame([(":message-type", "event"), (":event-type", kind), (":content-type", "application/json")], payload)
}

/// A ConverseStream answer: `tokens` as text deltas `TOKEN_GAP` apart, then, when `fail` is
/// set, that exception instead of the end of the message.
fn converse_stream(tokens: &[&str], fail: Option<&str>) -> HttpResponse {
    let mut frames = vec![(Duration::ZERO, event("messageStart", json!({"role": "assistant"})))];
    for t in tokens {
        frames.push((TOKEN_GAP, event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": t}}))));
    }
    match fail {
        Some(kind) => frames.push((
            TOKEN_GAP,
            frame(
                [(":message-type", "exception"), (":exception-type", kind), (":content-type", "application/json")],
                json!({"message": "model overloaded"}),
            ),
        )),
        None => {
            frames.push((Duration::ZERO, event("contentBlockStop", json!({"contentBlockIndex": 0}))));
            frames.push((Duration::ZERO, event("messageStop", json!({"stopReason": "end_turn"}))));
            frames.push((
                Duration::ZERO,
                event("metadata", json!({"usage": {"inputTokens": 1, "outputTokens": 6, "totalTokens": 7}, "metrics": {"latencyMs": 1}})),
            ));
        }
    }
    HttpResponse::streamed(200, "application/vnd.amazon.eventstream", frames)
}

fn chunk(delta: Value, finish: Option<&str>) -> Vec<u8> {
    let c = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-test",
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {c}\n\n").into_bytes()
}

/// The model peer: a scripted answer per request, in order (the last repeats).
fn model(answers: Vec<HttpResponse>) -> HttpServer {
    let n = std::sync::atomic::AtomicUsize::new(0);
    HttpServer::start(move |_req: &HttpRequest| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst).min(answers.len() - 1);
        answers[i].clone()
    })
}

// ---- the function ----

struct Setup {
    moto: Moto,
    ddb: aws_sdk_dynamodb::Client,
    api: RuntimeApi,
    _f: Function,
}

async fn start(model_env: &[(&str, String)], extra: &[(&str, &str)]) -> Setup {
    let moto = Moto::start();
    let ddb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    moto::create_sessions_table(&ddb, "sessions").await;
    let api = RuntimeApi::start();
    let mut env = moto.env();
    env.push(("SESSIONS_TABLE".into(), "sessions".into()));
    env.push(("RESPONSE_MODE".into(), "stream".into()));
    for (k, v) in model_env {
        env.push(((*k).into(), v.clone()));
    }
    for (k, v) in extra {
        env.push(((*k).into(), (*v).into()));
    }
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_stream-handler")), &api, &env);
    Setup { moto, ddb, api, _f: f }
}

fn bedrock_env(peer: &HttpServer) -> Vec<(&'static str, String)> {
    vec![("MODEL_PROVIDER", "bedrock".into()), ("MODEL_ID", MODEL.into()), ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", peer.url())]
}

fn stream(out: Outcome) -> Streamed {
    match out {
        Outcome::Stream(s) => s,
        other => panic!("expected a streamed answer, got {other:?}"),
    }
}

/// The SSE events of a streamed answer, each with the time its chunk reached the Runtime API.
fn events(s: &Streamed) -> Vec<(Instant, StreamEvent)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for (at, bytes) in &s.chunks {
        buf.push_str(std::str::from_utf8(bytes).expect("utf-8 chunk"));
        while let Some(end) = buf.find("\n\n") {
            let ev: String = buf.drain(..end + 2).collect();
            let data = ev.trim_end().strip_prefix("data: ").unwrap_or_else(|| panic!("not an SSE data line: {ev:?}"));
            out.push((*at, serde_json::from_str(data).unwrap_or_else(|e| panic!("{data}: {e}"))));
        }
    }
    assert!(buf.is_empty(), "trailing bytes {buf:?}");
    out
}

fn texts(evs: &[(Instant, StreamEvent)]) -> String {
    evs.iter().filter_map(|(_, e)| if let StreamEvent::Text { text } = e { Some(text.as_str()) } else { None }).collect()
}

async fn session_items(ddb: &aws_sdk_dynamodb::Client) -> Vec<String> {
    let out = ddb.scan().table_name("sessions").send().await.expect("scan");
    out.items.unwrap_or_default().iter().filter_map(|i| i.get("session_id").and_then(|v| v.as_s().ok()).cloned()).collect()
}

// ---- tests ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bedrock_tokens_stream_through_a_function_url_and_history_carries_over() {
    let tokens = ["Stream", "ing ", "works ", "token ", "by ", "token."];
    let peer = model(vec![converse_stream(&tokens, None), converse_stream(&["Again."], None)]);
    let s = start(&bedrock_env(&peer), &[]).await;

    let answer = stream(s.api.invoke(function_url("POST", r#"{"message":"Do you stream?","session_id":"s-1"}"#, Some("AIDAUSER")), T));
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.header("content-type"), Some("text/event-stream"));
    assert_eq!(answer.error, None);
    let evs = events(&answer);
    let kinds: Vec<&str> = evs
        .iter()
        .map(|(_, e)| match e {
            StreamEvent::Start { .. } => "start",
            StreamEvent::Text { .. } => "text",
            StreamEvent::Tool { .. } => "tool",
            StreamEvent::Done { .. } => "done",
            StreamEvent::Error { .. } => "error",
        })
        .collect();
    assert_eq!(kinds, ["start", "text", "text", "text", "text", "text", "text", "done"], "{evs:?}");
    let StreamEvent::Start { session_id, request_id } = &evs[0].1 else { unreachable!() };
    assert_eq!(session_id, "s-1");
    assert!(!request_id.is_empty());
    assert_eq!(texts(&evs), tokens.concat());
    assert_eq!(evs.last().map(|(_, e)| e.clone()), Some(StreamEvent::Done { reply: tokens.concat() }));

    // Streamed, not buffered: the first text event reached Lambda before the model peer had
    // written its last token.
    let first_text = evs.iter().find(|(_, e)| matches!(e, StreamEvent::Text { .. })).expect("text").0;
    let last_token_written = *peer.sent_chunks().last().expect("peer streamed");
    assert!(first_text < last_token_written, "the first text chunk arrived after the model's last token: not streamed");
    let spread = evs[6].0.duration_since(evs[1].0);
    assert!(spread >= TOKEN_GAP * 4, "text events arrived together ({spread:?}), not as the tokens came");

    // History saved under the caller's session, and sent with the next turn.
    assert_eq!(session_items(&s.ddb).await, ["AIDAUSER#s-1"]);
    let again = stream(s.api.invoke(function_url("POST", r#"{"message":"Again?","session_id":"s-1"}"#, Some("AIDAUSER")), T));
    assert_eq!(events(&again).last().map(|(_, e)| e.clone()), Some(StreamEvent::Done { reply: "Again.".into() }));
    let reqs = peer.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
    assert_eq!(
        reqs[1].json()["messages"],
        json!([{"role": "user", "content": [{"text": "Do you stream?"}]},
               {"role": "assistant", "content": [{"text": tokens.concat()}]},
               {"role": "user", "content": [{"text": "Again?"}]}])
    );
    drop(s.moto);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_tokens_stream_through_rest_with_tool_calls_reported() {
    // First call: the model asks for a tool the stock binary does not have (the error result
    // goes back to the model); second call: the answer, token by token.
    let tool_call = HttpResponse::streamed(
        200,
        "text/event-stream",
        vec![
            (
                Duration::ZERO,
                chunk(
                    json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "clock", "arguments": "{}"}}]}),
                    None,
                ),
            ),
            (Duration::ZERO, chunk(json!({}), Some("tool_calls"))),
            (Duration::ZERO, b"data: [DONE]\n\n".to_vec()),
        ],
    );
    let tokens = ["No ", "clock ", "here", ", ", "sorry", "."];
    let mut frames: Vec<(Duration, Vec<u8>)> = tokens.iter().map(|t| (TOKEN_GAP, chunk(json!({"content": t}), None))).collect();
    frames.push((Duration::ZERO, chunk(json!({}), Some("stop"))));
    frames.push((Duration::ZERO, b"data: [DONE]\n\n".to_vec()));
    let peer = model(vec![tool_call, HttpResponse::streamed(200, "text/event-stream", frames)]);
    let model_env =
        vec![("MODEL_PROVIDER", "openai".into()), ("MODEL_ID", "gpt-test".into()), ("OPENAI_BASE_URL", format!("{}/v1", peer.url()))];
    let s = start(&model_env, &[("SYSTEM_PROMPT", "Be brief.")]).await;

    let answer = stream(s.api.invoke(rest(r#"{"message":"What time is it?"}"#), T));
    assert_eq!((answer.status(), answer.header("content-type")), (200, Some("text/event-stream")));
    let evs = events(&answer);
    assert!(matches!(&evs[0].1, StreamEvent::Start { .. }), "{evs:?}");
    assert_eq!(evs[1].1, StreamEvent::Tool { name: "clock".into() });
    assert_eq!(texts(&evs), tokens.concat());
    assert_eq!(evs.last().map(|(_, e)| e.clone()), Some(StreamEvent::Done { reply: tokens.concat() }));
    let first_text = evs.iter().find(|(_, e)| matches!(e, StreamEvent::Text { .. })).expect("text").0;
    assert!(first_text < *peer.sent_chunks().last().expect("peer streamed"), "not streamed");

    let reqs = peer.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(reqs[0].json()["stream"], true);
    let msgs = reqs[1].json()["messages"].clone();
    assert_eq!(msgs[0], json!({"role": "system", "content": "Be brief."}));
    assert_eq!(msgs[3], json!({"role": "tool", "tool_call_id": "call_1", "content": "error: unknown tool \"clock\""}));
    let StreamEvent::Start { session_id, .. } = &evs[0].1 else { unreachable!() };
    assert_eq!(session_items(&s.ddb).await, [format!("u-1#{session_id}")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_failure_mid_stream_ends_with_an_error_event_and_saves_nothing() {
    let peer = model(vec![converse_stream(&["Half ", "an "], Some("throttlingException"))]);
    let s = start(&bedrock_env(&peer), &[]).await;
    let answer = stream(s.api.invoke(function_url("POST", r#"{"message":"hi","session_id":"s-2"}"#, Some("AIDAUSER")), T));
    assert_eq!(answer.status(), 200, "the status left with the first byte");
    let evs = events(&answer);
    assert_eq!(texts(&evs), "Half an ");
    match &evs.last().expect("events").1 {
        StreamEvent::Error { error } => {
            assert_eq!(error.error, agentcdk_contract::wire::ErrorCode::Unavailable, "throttling is retryable");
            assert!(!error.message.contains("model overloaded"), "the model's text stays in the log: {}", error.message);
        }
        other => panic!("expected an error event last, got {other:?}"),
    }
    assert!(!evs.iter().any(|(_, e)| matches!(e, StreamEvent::Done { .. })));
    assert!(session_items(&s.ddb).await.is_empty(), "a failed turn is not saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_errors_not_streams() {
    let peer = model(vec![converse_stream(&["unused"], None)]);
    let s = start(&bedrock_env(&peer), &[("MAX_BODY_BYTES", "200")]).await;
    let too_big = json!({"message": "x".repeat(300)}).to_string();
    let mut wrong_type = function_url("POST", r#"{"message":"hi"}"#, Some("AIDAUSER"));
    wrong_type["headers"]["content-type"] = json!("text/plain");
    let cases = [
        (function_url("POST", "{", Some("AIDAUSER")), 400, "invalid_json"),
        (function_url("POST", r#"{"message":"hi","user_id":"admin"}"#, Some("AIDAUSER")), 400, "invalid_json"),
        (function_url("POST", r#"{"message":"   "}"#, Some("AIDAUSER")), 400, "bad_request"),
        (function_url("POST", r#"{"message":"hi","session_id":"../x"}"#, Some("AIDAUSER")), 400, "bad_request"),
        (function_url("POST", &too_big, Some("AIDAUSER")), 413, "payload_too_large"),
        (function_url("GET", "", Some("AIDAUSER")), 405, "method_not_allowed"),
        (function_url("POST", r#"{"message":"hi"}"#, None), 401, "unauthorized"),
        (wrong_type, 415, "unsupported_media_type"),
        (json!({"Records": []}), 400, "bad_request"),
    ];
    for (event, status, code) in cases {
        let answer = stream(s.api.invoke(event.clone(), T));
        assert_eq!(answer.status(), status, "{event}");
        assert_eq!(answer.header("content-type"), Some("application/json"), "{event}");
        let body: Value = serde_json::from_slice(&answer.body()).expect("JSON body");
        assert_eq!(body["error"], code, "{event}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    assert!(peer.requests().is_empty(), "the model never ran");
    assert!(session_items(&s.ddb).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffered_mode_answers_a_chat_reply() {
    let peer = model(vec![HttpResponse::json(
        200,
        &json!({"output": {"message": {"role": "assistant", "content": [{"text": "Buffered answer."}]}}, "stopReason": "end_turn",
                "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}, "metrics": {"latencyMs": 1}}),
    )]);
    let s = start(&bedrock_env(&peer), &[("RESPONSE_MODE", "buffered"), ("ALLOW_ANONYMOUS", "true")]).await;
    let Outcome::Response(v) = s.api.invoke(function_url("POST", r#"{"message":"hi"}"#, None), T) else {
        panic!("expected a buffered answer")
    };
    assert_eq!(v["statusCode"], 200, "{v}");
    let body: Value = serde_json::from_str(v["body"].as_str().expect("body")).expect("json");
    assert_eq!(body["reply"].as_str(), Some("Buffered answer."));
    let issued = body["session_id"].as_str().expect("issued").to_owned();
    assert!(body["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(peer.requests()[0].path, "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", "the buffered Converse API");
    assert_eq!(session_items(&s.ddb).await, [format!("anonymous#{issued}")]);
    // An anonymous caller's own id names no session (only issued ids do): 404, nothing created.
    let Outcome::Response(v) = s.api.invoke(function_url("POST", r#"{"message":"hi","session_id":"s-3"}"#, None), T) else {
        panic!("expected a buffered answer")
    };
    assert_eq!(v["statusCode"], 404, "{v}");
    // The issued id continues the session, whoever holds it.
    let next = json!({"message": "again", "session_id": issued}).to_string();
    let Outcome::Response(v) = s.api.invoke(function_url("POST", &next, None), T) else { panic!("expected a buffered answer") };
    assert_eq!(v["statusCode"], 200, "{v}");
    assert_eq!(peer.requests().len(), 2, "the guessed id never reached the model");
    assert_eq!(session_items(&s.ddb).await, [format!("anonymous#{issued}")]);
    let Outcome::Response(v) = s.api.invoke(function_url("POST", "{", None), T) else { panic!("expected a buffered answer") };
    assert_eq!(v["statusCode"], 400);
}

/// Behind CloudFront (`waf` on the URL) every request carries the distribution's IAM identity:
/// with `URL_SIGNED_BY_CLOUDFRONT` it is no caller, so a client-chosen session id is refused as
/// for any anonymous caller instead of opening a session every client shares.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_signed_by_cloudfront_treats_its_callers_as_anonymous() {
    let answer = json!({"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}}, "stopReason": "end_turn",
                        "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}, "metrics": {"latencyMs": 1}});
    let peer = model(vec![HttpResponse::json(200, &answer)]);
    let extra = [("RESPONSE_MODE", "buffered"), ("ALLOW_ANONYMOUS", "true"), ("URL_SIGNED_BY_CLOUDFRONT", "true")];
    let s = start(&bedrock_env(&peer), &extra).await;
    let edge = Some("AROACLOUDFRONT:edge");
    let Outcome::Response(v) = s.api.invoke(function_url("POST", r#"{"message":"hi","session_id":"shared"}"#, edge), T) else {
        panic!("expected a buffered answer")
    };
    assert_eq!(v["statusCode"], 404, "a chosen id names no session of an anonymous caller: {v}");
    let Outcome::Response(v) = s.api.invoke(function_url("POST", r#"{"message":"hi"}"#, edge), T) else {
        panic!("expected a buffered answer")
    };
    assert_eq!(v["statusCode"], 200, "{v}");
    let body: Value = serde_json::from_str(v["body"].as_str().expect("body")).expect("json");
    let issued = body["session_id"].as_str().expect("issued");
    assert_eq!(session_items(&s.ddb).await, [format!("anonymous#{issued}")], "never keyed by CloudFront's identity");
    assert_eq!(peer.requests().len(), 1);
}

/// What AWS says when the role may not call the model: it names the role and the account.
const DENIED: &str = "User: arn:aws:sts::123456789012:assumed-role/StreamRole-7Q/stream-handler is not authorized to perform: \
                      bedrock:InvokeModelWithResponseStream on resource: arn:aws:bedrock:us-east-1:123456789012:foundation-model/x";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_error_text_never_reaches_the_client_streamed_or_buffered() {
    let denied = HttpResponse::json(403, &json!({"message": DENIED})).with_header("x-amzn-errortype", "AccessDeniedException");
    let peer = model(vec![denied]);
    for mode in ["stream", "buffered"] {
        let s = start(&bedrock_env(&peer), &[("RESPONSE_MODE", mode)]).await;
        let text = match s.api.invoke(function_url("POST", r#"{"message":"hi"}"#, Some("AIDAUSER")), T) {
            Outcome::Stream(answer) => {
                let evs = events(&answer);
                match &evs.last().expect("events").1 {
                    StreamEvent::Error { error } => assert_eq!(error.error, agentcdk_contract::wire::ErrorCode::UpstreamFailed),
                    other => panic!("expected an error event last, got {other:?}"),
                }
                answer.text()
            }
            Outcome::Response(v) => {
                assert_eq!(v["statusCode"], 502, "{v}");
                v.to_string()
            }
            other => panic!("{other:?}"),
        };
        for private in ["123456789012", "arn:", "StreamRole", "not authorized"] {
            assert!(!text.contains(private), "{mode}: {private:?} reached the client: {text}");
        }
    }
    assert_eq!(peer.requests().len(), 2, "the model was called in both modes");
}

// ---- the turn delegated to an AgentCore runtime (AGENT_BACKEND) ----

const RUNTIME_ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/py_agent-AbC123dEf";
const RUNTIME_IN_PATH: &str = "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fpy_agent-AbC123dEf";
const PIECES: [&str; 5] = ["Hel", "lo ", "from ", "Agent", "Core."];

/// A runtime answering in InvokeAgentRuntime's wire format (as agentcore-proxy's tests' peer:
/// the AgentCore data plane is not in moto): the reply streamed as SSE events whose data are
/// JSON strings, with pauses; a message `throttle` gets AgentCore's 429.
fn agentcore_runtime() -> HttpServer {
    HttpServer::start(|req: &HttpRequest| {
        if req.json()["message"] == "throttle" {
            return HttpResponse::json(429, &json!({"message": "slow down"})).with_header("x-amzn-errortype", "ThrottlingException");
        }
        let chunks = PIECES.iter().map(|p| (TOKEN_GAP, format!("data: {}\n\n", json!(p)).into_bytes())).collect();
        HttpResponse::streamed(200, "text/event-stream", chunks)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agentcore_backend_streams_its_pieces_and_the_handler_keeps_the_history() {
    let runtime = agentcore_runtime();
    let backend = json!({"kind": "agentcore", "arn": RUNTIME_ARN}).to_string();
    let s = start(&[("AGENT_BACKEND", backend), ("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", runtime.url())], &[]).await;

    let answer = stream(s.api.invoke(function_url("POST", r#"{"message":"Hi","session_id":"s-1"}"#, Some("AIDAUSER")), T));
    assert_eq!((answer.status(), answer.error.clone()), (200, None));
    let evs = events(&answer);
    assert_eq!(texts(&evs), PIECES.concat());
    assert_eq!(
        evs.iter().filter(|(_, e)| matches!(e, StreamEvent::Text { .. })).count(),
        PIECES.len(),
        "one text event per piece: {evs:?}"
    );
    assert_eq!(evs.last().map(|(_, e)| e.clone()), Some(StreamEvent::Done { reply: PIECES.concat() }));
    let first_text = evs.iter().find(|(_, e)| matches!(e, StreamEvent::Text { .. })).expect("text").0;
    assert!(
        first_text < *runtime.sent_chunks().last().expect("streamed"),
        "the first piece arrived after the runtime's last: not streamed"
    );
    let StreamEvent::Start { request_id, .. } = &evs[0].1 else { panic!("start first: {evs:?}") };

    let again = stream(s.api.invoke(function_url("POST", r#"{"message":"And?","session_id":"s-1"}"#, Some("AIDAUSER")), T));
    assert_eq!(events(&again).last().map(|(_, e)| e.clone()), Some(StreamEvent::Done { reply: PIECES.concat() }));
    let other = stream(s.api.invoke(function_url("POST", r#"{"message":"Hi","session_id":"s-1"}"#, Some("AIDAOTHER")), T));
    assert_eq!(other.error, None);

    let reqs = runtime.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].path, format!("/runtimes/{RUNTIME_IN_PATH}/invocations?qualifier=DEFAULT"));
    assert!(reqs[0].header("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")), "signed with the role");
    assert_eq!(
        reqs[0].json(),
        json!({"request_id": request_id, "session_id": "s-1", "user_id": "AIDAUSER", "message": "Hi", "history": []}),
        "the contract's TurnRequest"
    );
    assert_eq!(
        reqs[1].json()["history"],
        json!([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": PIECES.concat()}]),
        "the history the handler saved"
    );
    let session = |i: usize| reqs[i].header("x-amzn-bedrock-agentcore-runtime-session-id").expect("session id").to_owned();
    assert!(session(0).len() >= 33, "AgentCore's minimum: {}", session(0));
    assert_eq!(session(0), session(1), "one runtime session per user session");
    assert_ne!(session(0), session(2), "another user naming the same session reaches another runtime session");
    assert_eq!(session_items(&s.ddb).await.len(), 2);

    // A throttled runtime: an error event with a fixed message; nothing saved.
    let failed = stream(s.api.invoke(function_url("POST", r#"{"message":"throttle","session_id":"s-2"}"#, Some("AIDAUSER")), T));
    let last = events(&failed).last().map(|(_, e)| e.clone());
    assert!(
        matches!(&last, Some(StreamEvent::Error { error }) if error.error == agentcdk_contract::wire::ErrorCode::Unavailable),
        "{last:?}"
    );
    assert!(!format!("{last:?}").contains("arn:aws"), "nothing private reaches the client: {last:?}");
    assert_eq!(session_items(&s.ddb).await.len(), 2, "a failed turn saves nothing");
    drop(s.moto);
}
