//! The full queue flow against moto_server, through the real SDK clients:
//! request-handler → input queue → agent-runner → output queue → response-handler →
//! responses table → GET; with a redelivered message (the model runs once) and poison
//! messages (they end in the dead-letter queue, and their clients learn they failed).

mod common;

use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::routes::Routes;
use agentcdk_contract::wire::ErrorCode;
use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::Agent;
use agentcdk_runtime::queue::Queue;
use agentcdk_runtime::store::{ResponsesStore, SessionStore};
use agentcdk_testkit::moto::{self, Moto};
use common::{depth, parse, pump, rest_event, ModelPeer};
use lambda_runtime::LambdaEvent;
use request_handler::{App, Backend};
use serde_json::{json, Value};

const MAX_RECEIVE: u32 = 2;
const VISIBILITY_SECS: u32 = 1;

struct Stack {
    _moto: Moto,
    sqs: aws_sdk_sqs::Client,
    input: moto::QueuePair,
    output: moto::QueuePair,
    app: App,
    runner: agent_runner::Runner,
    responder: response_handler::Responder,
    model: ModelPeer,
}

async fn stack() -> Stack {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let input = moto::create_queue_with_dlq(&sqs, "agent-input", MAX_RECEIVE, VISIBILITY_SECS).await;
    let output = moto::create_queue_with_dlq(&sqs, "agent-output", 5, VISIBILITY_SECS).await;
    moto::create_responses_table(&ddb, "responses").await;
    moto::create_sessions_table(&ddb, "sessions").await;
    let responses = ResponsesStore::new(ddb.clone(), "responses", 3600);
    let app = App::new(
        Backend::Queue { queue: Queue::new(sqs.clone(), &input.url), responses: responses.clone() },
        Routes::new("/api", "v1", "chat"),
    );
    let model = ModelPeer::start();
    let runner = agent_runner::Runner {
        agent: Agent::new(Arc::new(OpenAi::new(model.server.url(), Some("sk".into()), "m")), "You echo."),
        responses: responses.clone(),
        sessions: SessionStore::new(ddb.clone(), "sessions", 40, 3600),
        output: Queue::new(sqs.clone(), &output.url),
        max_receive_count: MAX_RECEIVE,
    };
    let responder = response_handler::Responder::new(sdk.clone(), responses, None);
    Stack { _moto: moto, sqs, input, output, app, runner, responder, model }
}

impl Stack {
    async fn http(&self, method: &str, path: &str, user: Option<&str>, body: Option<Value>) -> (u64, Value) {
        let ev = rest_event(method, path, user, body.as_ref());
        let out = request_handler::handle(&self.app, LambdaEvent::new(ev, common::context())).await.expect("request-handler");
        parse(&out)
    }

    async fn post(&self, user: &str, body: Value) -> (String, String) {
        let (status, body) = self.http("POST", "/api/v1/chat", Some(user), Some(body)).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["status"], "pending");
        (body["request_id"].as_str().expect("id").to_owned(), body["session_id"].as_str().expect("session").to_owned())
    }

    async fn get(&self, user: &str, id: &str) -> (u64, Value) {
        self.http("GET", &format!("/api/v1/chat/responses/{id}"), Some(user), None).await
    }

    /// One poll of the input queue by the runner.
    async fn run_input(&self, delete: bool) -> usize {
        pump(&self.sqs, &self.input.url, delete, |ev| agent_runner::handle(&self.runner, ev)).await
    }

    /// One poll of the output queue by the response-handler.
    async fn run_output(&self) -> usize {
        pump(&self.sqs, &self.output.url, true, |ev| response_handler::handle(&self.responder, ev)).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_flow_end_to_end() {
    let s = stack().await;

    // 1. A turn goes through the whole pipeline.
    let (id1, session) = s.post("alice", json!({"message": "hello"})).await;
    let (status, body) = s.get("alice", &id1).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("pending")), "{body}");
    assert_eq!(s.run_input(true).await, 1);
    assert_eq!(s.run_output().await, 1);
    let (status, body) = s.get("alice", &id1).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"request_id": id1, "session_id": session, "status": "completed",
               "reply": "echo: hello (1 messages)"})
    );

    // Only the submitter sees it; unknown ids are 404 too.
    let (status, body) = s.get("bob", &id1).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let (status, _) = s.get("alice", "no-such-request").await;
    assert_eq!(status, 404);
    let (status, body) = s.http("GET", &format!("/api/v1/chat/responses/{id1}"), None, None).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));

    // 2. The session keeps its history across invocations.
    let (id2, _) = s.post("alice", json!({"message": "again", "session_id": session})).await;
    s.run_input(true).await;
    s.run_output().await;
    let (_, body) = s.get("alice", &id2).await;
    assert_eq!(body["reply"], "echo: again (3 messages)");
    // Bob naming Alice's session id gets a conversation of his own.
    let (id_b, _) = s.post("bob", json!({"message": "peek", "session_id": session})).await;
    s.run_input(true).await;
    s.run_output().await;
    let (_, body) = s.get("bob", &id_b).await;
    assert_eq!(body["reply"], "echo: peek (1 messages)");

    // 3. Redelivery: the runner finishes but the message is not deleted (as when a function
    //    times out after the model answered); SQS delivers it again; the model does not run again.
    let (id3, _) = s.post("alice", json!({"message": "once"})).await;
    assert_eq!(s.run_input(false).await, 1);
    assert_eq!(s.model.calls("once"), 1);
    tokio::time::sleep(Duration::from_millis(u64::from(VISIBILITY_SECS) * 1000 + 300)).await;
    assert_eq!(s.run_input(true).await, 1, "redelivered");
    assert_eq!(s.model.calls("once"), 1, "a redelivered message never runs the model twice");
    assert_eq!(s.run_output().await, 2, "the stored reply was sent again");
    let (_, body) = s.get("alice", &id3).await;
    assert_eq!(body["reply"], "echo: once (1 messages)");
    assert_eq!(depth(&s.sqs, &s.input.url).await, 0);

    // 4. Poison: an unparseable body, a permanent model error, a model that stays throttled.
    s.sqs.send_message().queue_url(&s.input.url).message_body("this is not an envelope").send().await.expect("send poison");
    let (id4, _) = s.post("alice", json!({"message": "poison-model please"})).await;
    let (id5, _) = s.post("alice", json!({"message": "flaky"})).await;
    for _ in 0..8 {
        s.run_input(true).await;
        s.run_output().await;
        if depth(&s.sqs, &s.input.url).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(u64::from(VISIBILITY_SECS) * 1000 + 200)).await;
    }
    assert_eq!(depth(&s.sqs, &s.input.url).await, 0, "input drained");
    s.run_output().await;
    assert_eq!(depth(&s.sqs, &s.input.dlq_url).await, 3, "all three poison messages dead-lettered");
    assert_eq!(s.model.calls("poison-model please"), 1, "permanent errors are not retried");
    assert_eq!(s.model.calls("flaky"), MAX_RECEIVE as usize, "transient errors are retried up to maxReceiveCount");
    let (_, body) = s.get("alice", &id4).await;
    assert_eq!(body["status"], "failed", "{body}");
    // The client reads a fixed message; the model's own text stays in the runner's log.
    assert_eq!(body["reason"], ErrorCode::UpstreamFailed.public_message(), "{body}");
    assert!(!body.to_string().contains("content policy"), "{body}");
    let (_, body) = s.get("alice", &id5).await;
    assert_eq!(body["status"], "failed", "{body}");
    assert_eq!(body["reason"], ErrorCode::Unavailable.public_message(), "{body}");
    assert!(!body.to_string().contains("rate limited"), "{body}");
    // The DLQ keeps the original envelopes for inspection and redrive.
    let dead = s
        .sqs
        .receive_message()
        .queue_url(&s.input.dlq_url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive DLQ")
        .messages
        .unwrap_or_default();
    let bodies: Vec<&str> = dead.iter().filter_map(|m| m.body()).collect();
    assert!(bodies.contains(&"this is not an envelope"));
    assert!(bodies.iter().any(|b| b.contains(&id4)) && bodies.iter().any(|b| b.contains(&id5)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_mistakes_are_4xx_and_enqueue_nothing() {
    let s = stack().await;
    let cases: Vec<(&str, &str, Option<Value>, u64, &str)> = vec![
        ("POST", "/api/v1/chat", Some(json!({"msg": "typo"})), 400, "invalid_json"),
        ("POST", "/api/v1/chat", Some(json!({"message": ""})), 400, "bad_request"),
        ("POST", "/api/v1/chat", Some(json!({"message": "hi", "session_id": "../etc"})), 400, "bad_request"),
        ("POST", "/api/v1/chat", Some(json!("just a string")), 400, "invalid_json"),
        ("POST", "/api/v1/chat", Some(json!({"message": "x".repeat(200_000)})), 413, "payload_too_large"),
        ("GET", "/api/v1/chat", None, 405, "method_not_allowed"),
        ("DELETE", "/api/v1/chat/responses/abc", None, 405, "method_not_allowed"),
        ("POST", "/api/v2/chat", Some(json!({"message": "hi"})), 404, "not_found"),
        ("GET", "/", None, 404, "not_found"),
    ];
    for (method, path, body, status, code) in cases {
        let (got, out) = s.http(method, path, Some("alice"), body).await;
        assert_eq!((got, out["error"].as_str()), (status, Some(code)), "{method} {path}: {out}");
        assert!(out["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (got, out) = s.http("POST", "/api/v1/chat", None, Some(json!({"message": "hi"}))).await;
    assert_eq!((got, out["error"].as_str()), (401, Some("unauthorized")));
    assert_eq!(depth(&s.sqs, &s.input.url).await, 0, "nothing enqueued");
}
