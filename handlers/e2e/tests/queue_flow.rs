//! The full queue flow against moto_server, through the real SDK clients:
//! request-handler → input queue → agent-runner → output queue → response-handler →
//! responses table → GET; with a redelivered message (the model runs once) and poison
//! messages (they end in the dead-letter queue, and their clients learn they failed).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcdk_contract::routes::Routes;
use agentcdk_contract::wire::{failure, AgentResult, Outcome, ReplyTarget};
use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::Agent;
use agentcdk_runtime::batch::Backoff;
use agentcdk_runtime::queue::Queue;
use agentcdk_runtime::store::replies::{item_bytes, DYNAMODB_ITEM_LIMIT, SQS_MESSAGE_LIMIT};
use agentcdk_runtime::store::{ReplyStore, ResponsesStore, SessionStore};
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
    ddb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    input: moto::QueuePair,
    output: moto::QueuePair,
    app: App,
    runner: agent_runner::Runner,
    responder: response_handler::Responder,
    model: ModelPeer,
}

async fn stack() -> Stack {
    stack_with("agent-input", MAX_RECEIVE, VISIBILITY_SECS).await
}

/// A stack whose input queue is `input_name` (FIFO when it ends in `.fifo`).
async fn stack_with(input_name: &str, max_receive: u32, visibility_secs: u32) -> Stack {
    let moto = Moto::start();
    let moto::Clients { sdk, sqs, ddb } = moto.clients().await;
    let input = moto::create_queue_with_dlq(&sqs, input_name, max_receive, visibility_secs).await;
    let output = moto::create_queue_with_dlq(&sqs, "agent-output", 5, VISIBILITY_SECS).await;
    moto::create_responses_table(&ddb, "responses").await;
    moto::create_sessions_table(&ddb, "sessions").await;
    // SQS's classic 256 KiB limit, which the handlers keep to (moto defaults to 1 MiB).
    sqs.set_queue_attributes()
        .queue_url(&output.url)
        .attributes(aws_sdk_sqs::types::QueueAttributeName::MaximumMessageSize, SQS_MESSAGE_LIMIT.to_string())
        .send()
        .await
        .expect("SetQueueAttributes");
    let s3 = moto::create_bucket(&sdk, "replies").await;
    let replies = ReplyStore::new(s3.clone(), "replies");
    let responses = ResponsesStore::new(ddb.clone(), "responses", 3600).with_replies(Some(replies.clone()));
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
        max_receive_count: max_receive,
        dead_letter: Some(Queue::new(sqs.clone(), &input.dlq_url)),
        backoff: Backoff { base_secs: 1, max_secs: 2 },
        replies: Some(replies.clone()),
        triggers: Default::default(),
        completions: None,
    };
    let responder = response_handler::Responder::new(sdk.clone(), responses, None).with_replies(Some(replies));
    Stack { _moto: moto, sqs, ddb, s3, input, output, app, runner, responder, model }
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

    /// One poll of the input dead-letter queue by the response-handler (its DLQ consumer role).
    async fn run_input_dlq(&self) -> usize {
        pump(&self.sqs, &self.input.dlq_url, true, |ev| response_handler::handle(&self.responder, ev)).await
    }

    /// Polls input and output until `id` has a final state or `within` passes.
    async fn until_final(&self, user: &str, id: &str, within: Duration) -> Value {
        let started = Instant::now();
        loop {
            self.run_input(true).await;
            self.run_output().await;
            let (_, body) = self.get(user, id).await;
            if body["status"] != "pending" || started.elapsed() > within {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The raw responses item of `id`.
    async fn item(&self, id: &str) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
        self.ddb
            .get_item()
            .table_name("responses")
            .key("request_id", aws_sdk_dynamodb::types::AttributeValue::S(id.into()))
            .send()
            .await
            .expect("GetItem")
            .item
            .unwrap_or_default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_flow_end_to_end() {
    let s = stack().await;
    let session = a_turn_goes_through_the_whole_pipeline(&s).await;
    the_session_keeps_its_history_for_its_owner_only(&s, &session).await;
    a_redelivered_message_does_not_run_the_model_again(&s).await;
    poison_messages_are_dead_lettered_and_their_clients_told(&s).await;
}

/// A turn goes through the whole pipeline; only the submitter sees it; unknown ids are
/// 404 too. Returns the turn's session id.
async fn a_turn_goes_through_the_whole_pipeline(s: &Stack) -> String {
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
    let (status, body) = s.get("bob", &id1).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let (status, _) = s.get("alice", "no-such-request").await;
    assert_eq!(status, 404);
    let (status, body) = s.http("GET", &format!("/api/v1/chat/responses/{id1}"), None, None).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
    session
}

/// The session keeps its history across invocations; Bob naming Alice's session id gets a
/// conversation of his own.
async fn the_session_keeps_its_history_for_its_owner_only(s: &Stack, session: &str) {
    let (id2, _) = s.post("alice", json!({"message": "again", "session_id": session})).await;
    s.run_input(true).await;
    s.run_output().await;
    let (_, body) = s.get("alice", &id2).await;
    assert_eq!(body["reply"], "echo: again (3 messages)");
    let (id_b, _) = s.post("bob", json!({"message": "peek", "session_id": session})).await;
    s.run_input(true).await;
    s.run_output().await;
    let (_, body) = s.get("bob", &id_b).await;
    assert_eq!(body["reply"], "echo: peek (1 messages)");
}

/// Redelivery: the runner finishes but the message is not deleted (as when a function
/// times out after the model answered); SQS delivers it again; the model does not run again.
async fn a_redelivered_message_does_not_run_the_model_again(s: &Stack) {
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
}

/// Poison: an unparseable body, a permanent model error, a model that stays throttled. All
/// end in the dead-letter queue with their envelopes; their clients read a stable reason.
async fn poison_messages_are_dead_lettered_and_their_clients_told(s: &Stack) {
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
    // The client reads a stable reason; the model's own text stays in the runner's log.
    assert_eq!(body["reason"], failure::AGENT_FAILED, "a stable reason, no provider text: {body}");
    assert!(!body.to_string().contains("content policy"), "{body}");
    let (_, body) = s.get("alice", &id5).await;
    assert_eq!(body["status"], "failed", "{body}");
    assert_eq!(body["reason"], failure::RETRIES_EXHAUSTED, "{body}");
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

/// Visibility timeout of the FIFO tests: long, so a turn that waited for it would be caught.
const FIFO_VISIBILITY_SECS: u32 = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_permanent_failure_does_not_stall_the_session() {
    let s = stack_with("agent-input.fifo", 3, FIFO_VISIBILITY_SECS).await;
    let (bad, session) = s.post("alice", json!({"message": "poison-model please"})).await;
    let (good, _) = s.post("alice", json!({"message": "next turn", "session_id": session})).await;
    let started = Instant::now();
    let body = s.until_final("alice", &good, Duration::from_secs(12)).await;
    let waited = started.elapsed();
    assert_eq!(body["status"], "completed", "the next turn answers: {body}");
    assert!(waited < Duration::from_secs(5), "the next turn waited {waited:?}: held behind the failed one");
    // The failed turn: its client was told at once, and its envelope is in the DLQ already.
    let (_, body) = s.get("alice", &bad).await;
    assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("failed"), Some(failure::AGENT_FAILED)), "{body}");
    assert_eq!(s.model.calls("poison-model please"), 1);
    assert_eq!(depth(&s.sqs, &s.input.dlq_url).await, 1, "moved to the DLQ at once, not after maxReceiveCount receives");
    assert_eq!(depth(&s.sqs, &s.input.url).await, 0);
    // The DLQ consumer keeps the envelope on the (already failed) item for replay.
    assert_eq!(s.run_input_dlq().await, 1);
    let item = s.item(&bad).await;
    let kept = item.get("dead_letter_body").and_then(|v| v.as_s().ok()).expect("dead_letter_body");
    assert!(kept.contains(&bad) && kept.contains("poison-model please"), "{kept}");
    let (_, body) = s.get("alice", &bad).await;
    assert_eq!(body["reason"], failure::AGENT_FAILED, "the first reason stands: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_retryable_failure_backs_off_briefly_and_fails_on_the_last_attempt() {
    let s = stack_with("agent-input.fifo", 2, FIFO_VISIBILITY_SECS).await;
    let (flaky, session) = s.post("alice", json!({"message": "flaky"})).await;
    let (next, _) = s.post("alice", json!({"message": "the next turn", "session_id": session})).await;
    let started = Instant::now();
    // First receive: throttled, retried after the 1 s backoff (not the 30 s visibility).
    assert!(s.run_input(true).await >= 1);
    assert_eq!(s.model.calls("flaky"), 1);
    let (_, body) = s.get("alice", &flaky).await;
    assert_eq!(body["status"], "pending", "not given up before the last receive: {body}");
    let body = s.until_final("alice", &next, Duration::from_secs(12)).await;
    let waited = started.elapsed();
    assert_eq!(body["status"], "completed", "{body}");
    assert!(waited < Duration::from_secs(8), "the session waited {waited:?}");
    assert_eq!(s.model.calls("flaky"), 2, "retried up to maxReceiveCount");
    s.run_output().await;
    let (_, body) = s.get("alice", &flaky).await;
    assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("failed"), Some(failure::RETRIES_EXHAUSTED)), "{body}");
    assert_eq!(depth(&s.sqs, &s.input.dlq_url).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_with_one_session_id_do_not_share_a_fifo_group() {
    let s = stack_with("agent-input.fifo", 3, FIFO_VISIBILITY_SECS).await;
    let (_, _) = s.post("alice", json!({"message": "flaky", "session_id": "shared"})).await;
    let (bobs, _) = s.post("bob", json!({"message": "hello", "session_id": "shared"})).await;
    let out = s
        .sqs
        .receive_message()
        .queue_url(&s.input.url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId)
        .send()
        .await
        .expect("receive");
    let groups: Vec<String> = out
        .messages
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.attributes()?.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId).cloned())
        .collect();
    assert_eq!(groups.len(), 2, "both delivered together: neither group waits on the other");
    assert_ne!(groups[0], groups[1]);
    assert!(groups.iter().all(|g| g.len() == 64 && !g.contains("shared")), "hashed, no raw ids: {groups:?}");
    // Alice's throttled turn does not hold Bob's.
    let body = s.until_final("bob", &bobs, Duration::from_secs(5)).await;
    assert_eq!(body["status"], "completed", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dlq_consumer_fails_a_pending_request_and_keeps_its_envelope() {
    let s = stack().await;
    let (id, _) = s.post("alice", json!({"message": "lost in transit"})).await;
    // SQS's redrive moves the envelope to the DLQ without the runner giving it up (e.g. the
    // function timed out on every receive): move it as SQS would.
    let msg = s.sqs.receive_message().queue_url(&s.input.url).send().await.expect("receive").messages.unwrap_or_default().remove(0);
    s.sqs.send_message().queue_url(&s.input.dlq_url).message_body(msg.body().unwrap_or_default()).send().await.expect("send");
    s.sqs.delete_message().queue_url(&s.input.url).receipt_handle(msg.receipt_handle().unwrap_or_default()).send().await.expect("del");
    let (_, body) = s.get("alice", &id).await;
    assert_eq!(body["status"], "pending");
    assert_eq!(s.run_input_dlq().await, 1);
    assert_eq!(depth(&s.sqs, &s.input.dlq_url).await, 0, "consumed: the record was settled");
    let (_, body) = s.get("alice", &id).await;
    assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("failed"), Some(failure::DEAD_LETTERED)), "{body}");
    let kept = s.item(&id).await.get("dead_letter_body").and_then(|v| v.as_s().ok()).cloned().expect("kept");
    assert_eq!(kept, msg.body().unwrap_or_default(), "the original envelope, byte for byte, for replay");
    // A completed request is never turned into a failure by a late dead letter.
    let (done, _) = s.post("alice", json!({"message": "fine"})).await;
    let msg = s.sqs.receive_message().queue_url(&s.input.url).visibility_timeout(0).send().await.expect("r").messages.unwrap_or_default();
    let body_of_done = msg[0].body().unwrap_or_default().to_owned();
    assert_eq!(s.until_final("alice", &done, Duration::from_secs(5)).await["status"], "completed");
    s.sqs.send_message().queue_url(&s.input.dlq_url).message_body(body_of_done).send().await.expect("send");
    assert_eq!(s.run_input_dlq().await, 1);
    assert_eq!(s.get("alice", &done).await.1["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_skipped_on_its_last_receive_is_dead_lettered_and_its_client_told() {
    let s = stack_with("agent-input.fifo", 3, FIFO_VISIBILITY_SECS).await;
    let (id, _) = s.post("alice", json!({"message": "waits behind a failure"})).await;
    let msg = s
        .sqs
        .receive_message()
        .queue_url(&s.input.url)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
        .remove(0);
    let mut record: aws_lambda_events::event::sqs::SqsMessage = serde_json::from_value(json!({
        "messageId": msg.message_id(), "receiptHandle": msg.receipt_handle(), "body": msg.body(),
        "attributes": {"ApproximateReceiveCount": "3", "MessageGroupId": "g"},
        "messageAttributes": {}, "eventSourceARN": common::queue_arn(&s.input.url)}))
    .expect("record");
    assert!(s.runner.skipped(record.clone()).await, "settled: moved to the DLQ");
    assert_eq!(depth(&s.sqs, &s.input.dlq_url).await, 1);
    s.run_output().await;
    let (_, body) = s.get("alice", &id).await;
    assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("failed"), Some(failure::DEAD_LETTERED)), "{body}");
    // Before its last receive it only goes back in line.
    record.attributes.insert("ApproximateReceiveCount".into(), "1".into());
    assert!(!s.runner.skipped(record).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_replies_round_trip_intact_at_the_queue_and_item_limits() {
    let s = stack().await;
    // The result of one of alice's turns (request and session ids are 36-character UUIDs).
    let result = |reply: &str| AgentResult {
        request_id: "r".repeat(36),
        session_id: "s".repeat(36),
        user_id: "alice".into(),
        reply_to: ReplyTarget::Poll,
        outcome: Outcome::Completed { reply: reply.into() },
    };
    let item_max = (DYNAMODB_ITEM_LIMIT - item_bytes(&result(""), "")) / 2;
    let json_overhead = serde_json::to_vec(&result("")).expect("json").len();
    let quotes_max = (SQS_MESSAGE_LIMIT - json_overhead) / 2; // a quote is 2 bytes of JSON
    let cases: Vec<(String, bool, &str)> = vec![
        (format!("sized:{item_max}:a"), false, "item: just under (two copies)"),
        (format!("sized:{}:a", item_max + 1), true, "item: just over"),
        (format!("sized:{}:a", 210_000), true, "item: well over (moto refuses it inline)"),
        (format!("sized:{quotes_max}:q"), false, "queue: serialized just under"),
        (format!("sized:{}:q", quotes_max + 1), true, "queue: serialized just over"),
        ("sized:50000:c".into(), true, "queue: 50 KB of text, 300 KB of JSON"),
    ];
    let mut stored = 0;
    for (message, in_s3, what) in cases {
        let (id, _) = s.post("alice", json!({"message": message})).await;
        let body = s.until_final("alice", &id, Duration::from_secs(10)).await;
        assert_eq!(body["status"], "completed", "{what}: {}", &body.to_string()[..200.min(body.to_string().len())]);
        let (n, kind) = message["sized:".len()..].split_once(':').expect("spec");
        let unit = match kind {
            "q" => "\"",
            "c" => "\u{1}",
            _ => "a",
        };
        assert!(body["reply"].as_str() == Some(unit.repeat(n.parse().expect("n")).as_str()), "{what}: reply not intact");
        stored += usize::from(in_s3);
        let keys = moto::object_keys(&s.s3, "replies").await;
        assert_eq!(keys.len(), stored, "{what}: in S3 = {in_s3}");
        assert_eq!(keys.contains(&ReplyStore::key(&id)), in_s3, "{what}");
    }
}
