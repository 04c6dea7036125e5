//! agent-runner against moto and a local OpenAI-format model peer: two queued turns of one
//! session run at the same time (a standard queue delivers them to two invocations) and both
//! land in the session's history, the model running once for each; a model failure's text
//! (role ARNs, account ids) is never the reason the client reads.

use std::sync::Arc;

use agent_runner::Runner;
use agentcdk_contract::wire::{QueueEnvelope, ReplyTarget};
use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::{Agent, Message};
use agentcdk_runtime::queue::Queue;
use agentcdk_runtime::store::{ResponsesStore, SessionStore};
use agentcdk_testkit::http::{gated_openai_peer, HttpResponse, HttpServer};
use agentcdk_testkit::moto::{self, Moto};
use aws_lambda_events::event::sqs::SqsMessage;
use serde_json::{json, Value};

const DENIED: &str = "User: arn:aws:sts::123456789012:assumed-role/RunnerRole-9Z/agent-runner is not authorized to perform: \
                      bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1:123456789012:foundation-model/x";

struct Setup {
    _moto: Moto,
    sqs: aws_sdk_sqs::Client,
    output_url: String,
    runner: Runner,
}

async fn setup(peer: &HttpServer) -> Setup {
    let moto = Moto::start_serialized();
    let sdk = moto.sdk_config().await;
    let (sqs, ddb) = (aws_sdk_sqs::Client::new(&sdk), aws_sdk_dynamodb::Client::new(&sdk));
    moto::create_responses_table(&ddb, "responses").await;
    moto::create_sessions_table(&ddb, "sessions").await;
    let output = moto::create_queue_with_dlq(&sqs, "out", 3, 30).await;
    let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
    let runner = Runner {
        agent: Agent::new(Arc::new(OpenAi::new(format!("{}/v1", peer.url()), None, "m")), "sys"),
        responses: ResponsesStore::new(ddb.clone(), "responses", 3600),
        sessions: SessionStore::new(ddb, "sessions", 40, 3600),
        output: Queue::new(sqs.clone(), output.url.clone()),
        max_receive_count: 3,
        dead_letter: Some(Queue::new(sqs.clone(), input.dlq_url.clone())),
        backoff: agentcdk_runtime::batch::Backoff { base_secs: 1, max_secs: 2 },
        replies: None,
        triggers: Default::default(),
        completions: None,
    };
    Setup { _moto: moto, sqs, output_url: output.url, runner }
}

fn record(request_id: &str, message: &str) -> SqsMessage {
    let envelope = QueueEnvelope {
        request_id: request_id.into(),
        session_id: "s-1".into(),
        user_id: "u-1".into(),
        message: message.into(),
        reply_to: ReplyTarget::Poll,
        submitted_at_ms: 0,
    };
    serde_json::from_value(json!({
        "messageId": format!("m-{request_id}"), "body": serde_json::to_string(&envelope).expect("json"),
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}
    }))
    .expect("record")
}

fn lease() -> u64 {
    agentcdk_runtime::time::now_secs() + 60
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_queued_turns_of_one_session_both_land_in_history() {
    let peer = gated_openai_peer(2);
    let s = setup(&peer).await;
    let (one, two) = (record("r-1", "one"), record("r-2", "two"));
    let (a, b) = tokio::join!(s.runner.process(&one, lease()), s.runner.process(&two, lease()));
    a.expect("turn one");
    b.expect("turn two");
    let history: Vec<String> = s.runner.sessions.load("u-1#s-1").await.expect("load").messages.iter().map(Message::text).collect();
    assert_eq!(history.len(), 4, "{history:?}");
    for turn in ["one", "two"] {
        let at = history.iter().position(|t| t == turn).unwrap_or_else(|| panic!("turn {turn} lost: {history:?}"));
        assert_eq!(history[at + 1], format!("echo: {turn}"));
    }
    // A redelivered message re-sends its stored reply: the model does not run again and the
    // history does not grow.
    s.runner.process(&record("r-1", "one"), lease()).await.expect("redelivery");
    assert_eq!(peer.requests().len(), 2, "the model ran once per turn");
    assert_eq!(s.runner.sessions.load("u-1#s-1").await.expect("load").messages.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_failure_reason_never_carries_the_models_error_text() {
    let peer = HttpServer::start(|_| HttpResponse::json(403, &json!({"error": {"message": DENIED, "type": "permission_error"}})));
    let s = setup(&peer).await;
    // A permanent failure is given up at once: the client is told, the body dead-lettered.
    s.runner.settle(record("r-1", "hi"), lease()).await.expect("given up and reported done");
    let out = s.sqs.receive_message().queue_url(&s.output_url).max_number_of_messages(10).send().await.expect("receive");
    let bodies: Vec<Value> = out.messages().iter().map(|m| serde_json::from_str(m.body().unwrap_or_default()).expect("json")).collect();
    assert_eq!(bodies.len(), 1, "the client is told");
    assert_eq!(bodies[0]["status"], "failed");
    let text = bodies[0].to_string();
    for private in ["123456789012", "arn:", "RunnerRole", "not authorized"] {
        assert!(!text.contains(private), "{private:?} is on its way to the client: {text}");
    }
    // A redelivery of the failed request keeps failing without another model call. (Its
    // error, with the provider's text, goes to the runner's log only.)
    s.runner.process(&record("r-1", "hi"), lease()).await.expect_err("fails again");
    assert_eq!(peer.requests().len(), 1);
}
