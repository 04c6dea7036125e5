//! Every answer to a WebSocket message is one frame in the shape API Gateway forwards to the
//! sender: the built request-handler binary, driven through the Lambda Runtime API in WebSocket
//! mode against moto. moto has no API Gateway v2, so the other side of this contract (the
//! `$default` route has a route response, so API Gateway passes the proxy answer's `body` to the
//! client as the message) is asserted on the template in constructs/tests/patterns.rs.

use std::path::Path;
use std::time::Duration;

use agentcdk_contract::wire::{AgentResult, Outcome, ReplyTarget};
use agentcdk_runtime::store::{ConnectionStore, ResponsesStore};
use agentcdk_runtime::time::now_secs;
use agentcdk_testkit::events;
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome as Invocation, RuntimeApi};
use serde_json::{json, Value};

fn message(connection_id: &str, body: &str) -> Value {
    events::websocket_message(connection_id, body)
}

/// The invocation's answer, checked to be exactly `{statusCode, body}` with `body` a JSON
/// frame in a string (what a Lambda proxy integration's route response sends), as (status, frame).
fn frame(out: Invocation) -> (u64, Value) {
    let Invocation::Response(v) = out else { panic!("{out:?}") };
    let keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["body", "statusCode"], "{v}");
    assert!(v["body"].is_string(), "body is a string: {v}");
    events::proxy_answer(&v)
}

fn refused(status: u64, code: &str) -> impl Fn((u64, Value)) {
    let code = code.to_owned();
    move |(got, f): (u64, Value)| {
        assert_eq!((got, f["type"].as_str(), f["error"].as_str()), (status, Some("refused"), Some(code.as_str())), "{f}");
        assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
    }
}

/// The request-handler binary in WebSocket mode on moto, with three connection records:
/// alice's (valid 10 minutes), bob's (no expiry) and an expired one of alice.
struct Harness {
    _function: Function,
    _moto: Moto,
    sqs: aws_sdk_sqs::Client,
    input: moto::QueuePair,
    responses: ResponsesStore,
    api: RuntimeApi,
}

impl Harness {
    async fn start() -> Self {
        let moto = Moto::start();
        let moto::Clients { sqs, ddb, .. } = moto.clients().await;
        let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
        moto::create_responses_table(&ddb, "responses").await;
        moto::create_connections_table(&ddb, "connections").await;
        let connections = ConnectionStore::new(ddb.clone(), "connections", 7200);
        connections.put("c-alice", "alice", Some(now_secs() + 600)).await.expect("put");
        connections.put("c-bob", "bob", None).await.expect("put");
        connections.put("c-expired", "alice", Some(now_secs() - 5)).await.expect("put");
        let responses = ResponsesStore::new(ddb.clone(), "responses", 3600);

        let api = RuntimeApi::start();
        let mut env = moto.env();
        for (k, v) in [
            ("AGENT_MODE", "websocket"),
            ("INPUT_QUEUE_URL", input.url.as_str()),
            ("RESPONSES_TABLE", "responses"),
            ("CONNECTIONS_TABLE", "connections"),
            ("WEBSOCKET_CALLBACK_URL", "https://example.test/agents"),
            ("MAX_BODY_BYTES", "1024"),
        ] {
            env.push((k.into(), v.into()));
        }
        let function = Function::spawn(Path::new(env!("CARGO_BIN_EXE_request-handler")), &api, &env);
        Self { _function: function, _moto: moto, sqs, input, responses, api }
    }

    /// The frame answering the message `body` on `conn`.
    fn say(&self, conn: &str, body: &str) -> (u64, Value) {
        frame(self.api.invoke(message(conn, body), Duration::from_secs(30)))
    }

    /// The frame answering a `get` of `id` (its `part`, if given) on `conn`.
    fn get(&self, conn: &str, id: &str, part: Option<u32>) -> (u64, Value) {
        let mut body = json!({"action": "get", "request_id": id});
        if let Some(p) = part {
            body["part"] = json!(p);
        }
        self.say(conn, &body.to_string())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_websocket_answer_is_a_frame_in_the_route_response_shape() {
    let h = Harness::start().await;
    let id = accepted_names_the_turn(&h);
    client_mistakes_are_refused_frames(&h);
    get_answers_pending_not_found_then_the_reply_part_by_part(&h, &id).await;
    a_queue_outage_is_refused_and_the_turn_shows_failed(&h).await;
}

/// accepted: the request id to wait for (and to `get` after a reconnect).
fn accepted_names_the_turn(h: &Harness) -> String {
    let (status, accepted) = h.say("c-alice", r#"{"action":"sendMessage","message":"hi","session_id":"s-1"}"#);
    assert_eq!(status, 200);
    let id = accepted["request_id"].as_str().expect("request id").to_owned();
    assert_eq!(accepted, json!({"type": "accepted", "request_id": id, "session_id": "s-1"}));
    id
}

/// refused: each client mistake, with the HTTP code it stands for; nothing is queued.
fn client_mistakes_are_refused_frames(h: &Harness) {
    refused(400, "invalid_json")(h.say("c-alice", "not json"));
    refused(400, "invalid_json")(h.say("c-alice", r#"{"message":"hi","user_id":"admin"}"#));
    refused(400, "bad_request")(h.say("c-alice", r#"{"message":"   "}"#));
    refused(413, "payload_too_large")(h.say("c-alice", &format!(r#"{{"message":"{}"}}"#, "x".repeat(2000))));
    refused(401, "unauthorized")(h.say("c-nobody", r#"{"message":"hi"}"#));
    refused(401, "unauthorized")(h.say("c-expired", r#"{"message":"my token expired"}"#));
    let (_, f) = h.say("c-alice", "not json");
    assert!(f.get("request_id").is_none(), "no request id before one is assigned: {f}");
}

/// get: pending now; others see not_found; then the reply, part by part.
async fn get_answers_pending_not_found_then_the_reply_part_by_part(h: &Harness, id: &str) {
    assert_eq!(h.get("c-alice", id, None), (200, json!({"type": "pending", "request_id": id, "session_id": "s-1"})));
    let (status, f) = h.get("c-bob", id, None);
    refused(404, "not_found")((status, f.clone()));
    assert_eq!(f["request_id"], id);
    refused(404, "not_found")(h.get("c-alice", "no-such-request", None));
    refused(400, "invalid_json")(h.say("c-alice", r#"{"action":"get"}"#));
    let big = "é".repeat(100_000); // 200 KB of UTF-8: two frames
    let result = AgentResult {
        request_id: id.to_owned(),
        session_id: "s-1".into(),
        user_id: "alice".into(),
        reply_to: ReplyTarget::WebSocket { endpoint: "https://example.test/agents".into() },
        outcome: Outcome::Completed { reply: big.clone().into() },
    };
    h.responses.finish(&result).await.expect("finish");
    let (status, one) = h.get("c-alice", id, None);
    assert_eq!((status, one["type"].as_str(), one["part"].as_u64(), one["parts"].as_u64()), (200, Some("reply"), Some(1), Some(2)));
    let (_, two) = h.get("c-alice", id, Some(2));
    assert_eq!(two["part"], 2);
    assert_eq!(format!("{}{}", one["reply"].as_str().expect("text"), two["reply"].as_str().expect("text")), big);
    refused(400, "bad_request")(h.get("c-alice", id, Some(3)));
}

/// 503: the queue is gone; the turn was recorded, so the frame names it, and a get shows
/// that it failed (an `error` frame) rather than leaving it pending.
async fn a_queue_outage_is_refused_and_the_turn_shows_failed(h: &Harness) {
    h.sqs.delete_queue().queue_url(&h.input.url).send().await.expect("delete queue");
    let (status, f) = h.say("c-alice", r#"{"message":"anyone there?"}"#);
    refused(503, "unavailable")((status, f.clone()));
    let failed_id = f["request_id"].as_str().expect("the recorded turn's id").to_owned();
    let (_, f) = h.get("c-alice", &failed_id, None);
    assert_eq!((f["type"].as_str(), f["request_id"].as_str()), (Some("error"), Some(failed_id.as_str())), "{f}");
}
