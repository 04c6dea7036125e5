//! A2A on the request-handler binary, driven through the Lambda Runtime API behind an HTTP →
//! REST-event bridge, with the official A2A Python SDK's client (`a2a-sdk` 0.3,
//! `testkit/fixtures/a2a_client.py`) as the caller: in Queue mode (moto) it reads our card, sends a
//! message (a Task, enqueued like a chat turn), reads the task as it goes from working to
//! completed, and cannot cancel it; in Sync mode it gets a Message whose text came from a
//! remote SDK agent the model called with the caller's own token. Error codes and the privacy
//! of tasks are checked on the same binary.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::a2a::{A2aAgentConfig, CallerIdentity, CardConfig, CardSecurity, SkillConfig, A2A_AGENTS, A2A_CARD};
use agentcdk_contract::wire::{AgentResult, Outcome as RunOutcome, Reply, ReplyTarget};
use agentcdk_runtime::store::ResponsesStore;
use agentcdk_testkit::a2a::{sdk_client as sdk, AgentMode, SdkAgent};
use agentcdk_testkit::events;
use agentcdk_testkit::http::{openai_completion, HttpServer};
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{rest_bridge, Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

const T: Duration = Duration::from_secs(30);

fn card() -> String {
    serde_json::to_string(&CardConfig {
        name: "support".into(),
        description: "Resolves billing issues.".into(),
        version: "2.1.0".into(),
        skills: vec![SkillConfig {
            id: "refunds".into(),
            name: "Refunds".into(),
            description: "Decides refunds.".into(),
            tags: vec!["billing".into()],
            examples: vec!["Can I get my money back for order 7?".into()],
        }],
        streaming: false,
        security: CardSecurity::Bearer,
    })
    .expect("json")
}

/// A JSON-RPC call straight to the function as `user`.
fn rpc(api: &RuntimeApi, user: Option<&str>, body: &str) -> (u64, Value) {
    let Outcome::Response(out) = api.invoke(events::rest("POST", "/a2a", user, Some(body)), T) else { panic!("no response") };
    events::proxy_answer(&out)
}

fn env(mut vars: Vec<(String, String)>, more: &[(&str, String)]) -> Vec<(String, String)> {
    vars.extend(more.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    vars
}

/// The Queue-mode request-handler with [`card`], through the Runtime API, against moto (its
/// input queue and responses table made there).
struct Queued {
    sqs: aws_sdk_sqs::Client,
    ddb: aws_sdk_dynamodb::Client,
    input_url: String,
    api: Arc<RuntimeApi>,
    _f: Function,
}

async fn queued(moto: &Moto) -> Queued {
    let moto::Clients { sqs, ddb, .. } = moto.clients().await;
    let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
    moto::create_responses_table(&ddb, "responses").await;
    let api = Arc::new(RuntimeApi::start());
    let vars = env(
        moto.env(),
        &[
            ("AGENT_MODE", "queue".into()),
            ("INPUT_QUEUE_URL", input.url.clone()),
            ("RESPONSES_TABLE", "responses".into()),
            (A2A_CARD, card()),
        ],
    );
    let _f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_request-handler")), &api, &vars);
    Queued { sqs, ddb, input_url: input.url, api, _f }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_client_reads_our_card_sends_a_queued_message_and_follows_the_task() {
    let moto = Moto::start();
    let Queued { sqs, ddb, input_url, api, _f } = queued(&moto).await;
    let http = rest_bridge(api.clone(), "test", Some("u-1"));
    let base = format!("{}/test", http.url());

    let sent = sdk(&base, "send", "refund order 7?");
    let card = &sent["card"];
    assert_eq!(card["url"], format!("{base}/a2a"), "the card points at our JSON-RPC endpoint on the caller's origin");
    assert_eq!((card["protocolVersion"].as_str(), card["preferredTransport"].as_str()), (Some("0.3.0"), Some("JSONRPC")));
    assert_eq!(card["skills"][0]["examples"][0], "Can I get my money back for order 7?");
    assert_eq!(card["securitySchemes"]["bearer"], json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}));
    assert!(!card.to_string().contains("arn:") && !card.to_string().contains("123456789012"), "nothing private: {card}");
    let task = &sent["events"][0];
    assert_eq!((task["kind"].as_str(), task["status"]["state"].as_str()), (Some("task"), Some("submitted")), "{sent}");
    let id = task["id"].as_str().expect("task id").to_owned();

    // Enqueued exactly like a chat turn: the request id is the task id, the user the caller.
    let msgs =
        sqs.receive_message().queue_url(&input_url).max_number_of_messages(10).send().await.expect("receive").messages.unwrap_or_default();
    assert_eq!(msgs.len(), 1);
    let envelope: Value = serde_json::from_str(msgs[0].body().unwrap_or_default()).expect("json");
    assert_eq!((envelope["request_id"].as_str(), envelope["user_id"].as_str()), (Some(id.as_str()), Some("u-1")));
    assert_eq!((envelope["message"].as_str(), envelope["session_id"].as_str()), (Some("refund order 7?"), task["contextId"].as_str()));
    assert_eq!(envelope["reply_to"], json!({"kind": "poll"}));

    assert_eq!(sdk(&base, "get", &id)["task"]["status"]["state"], "working");
    let (_, other) = rpc(&api, Some("u-2"), &format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{{"id":"{id}"}}}}"#));
    assert_eq!(other["error"]["code"], -32001, "another user's task does not exist for them: {other}");

    let responses = ResponsesStore::new(ddb.clone(), "responses", 3600);
    let finish = |request_id: &str, outcome| AgentResult {
        request_id: request_id.into(),
        session_id: "s".into(),
        user_id: "u-1".into(),
        reply_to: ReplyTarget::Poll,
        outcome,
    };
    responses.finish(&finish(&id, RunOutcome::Completed { reply: Reply::Inline("Yes, refunded.".into()) })).await.expect("finish");
    let done = sdk(&base, "get", &id);
    assert_eq!(done["task"]["status"]["state"], "completed", "{done}");
    assert_eq!(done["task"]["artifacts"][0]["parts"], json!([{"kind": "text", "text": "Yes, refunded."}]));
    let cancel = sdk(&base, "cancel", &id);
    assert_eq!(cancel["error"], -32002, "a queued run cannot be canceled: {cancel}");
    assert_eq!(sdk(&base, "get", "no-such-task")["error"], -32001);

    // A failed run is a failed task with its (public) reason.
    let (_, second) = rpc(&api, Some("u-1"), &send_body("again"));
    let second_id = second["result"]["id"].as_str().expect("id").to_owned();
    responses.finish(&finish(&second_id, RunOutcome::Failed { reason: "dead_lettered".into() })).await.expect("finish");
    let (_, failed) =
        rpc(&api, Some("u-1"), &format!(r#"{{"jsonrpc":"2.0","id":"g","method":"tasks/get","params":{{"id":"{second_id}"}}}}"#));
    assert_eq!(failed["result"]["status"]["state"], "failed");
    assert_eq!(failed["result"]["status"]["message"]["parts"][0]["text"], "dead_lettered");
}

fn send_body(text: &str) -> String {
    json!({"jsonrpc": "2.0", "id": "s", "method": "message/send",
        "params": {"message": {"kind": "message", "role": "user", "messageId": "m", "parts": [{"kind": "text", "text": text}]}}})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_the_spec_codes_and_nothing_is_enqueued() {
    let moto = Moto::start();
    let Queued { sqs, input_url, api, _f, .. } = queued(&moto).await;
    let u = Some("u-1");
    let file = r#"{"jsonrpc":"2.0","id":5,"method":"message/send","params":{"message":{"role":"user","messageId":"m",
        "parts":[{"kind":"file","file":{"uri":"s3://b/k"}}]}}}"#;
    for (body, code) in [
        ("{", -32700),
        (r#"[{"jsonrpc":"2.0","id":1,"method":"tasks/get"}]"#, -32600),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/list"}"#, -32601),
        (r#"{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":"hi"}}"#, -32602),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"../../etc"}}"#, -32001),
        (r#"{"jsonrpc":"2.0","id":1,"method":"message/stream","params":{"message":{"role":"user","messageId":"m","parts":[]}}}"#, -32004),
        (file, -32005),
        (&send_body("   "), -32602),
    ] {
        let (status, answer) = rpc(&api, u, body);
        assert_eq!((status, answer["error"]["code"].as_i64()), (200, Some(code)), "{body}: {answer}");
    }
    let (status, _) = rpc(&api, None, &send_body("hi"));
    assert_eq!(status, 401, "no caller, no JSON-RPC");
    let Outcome::Response(out) = api.invoke(events::rest("GET", "/a2a", u, None), T) else { panic!() };
    assert_eq!(events::proxy_answer(&out).0, 405);
    let msgs = sqs.receive_message().queue_url(&input_url).send().await.expect("receive").messages.unwrap_or_default();
    assert!(msgs.is_empty(), "nothing was enqueued");
}

/// Odd requests call the `inventory` tool with the user's text, even ones echo its result.
fn model() -> HttpServer {
    let n = AtomicUsize::new(0);
    HttpServer::start(move |req| {
        let body = req.json();
        let last = body["messages"].as_array().and_then(|m| m.last()).cloned().unwrap_or_default();
        let message = if n.fetch_add(1, Ordering::SeqCst) % 2 == 0 {
            let args = json!({"message": last["content"]}).to_string();
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "inventory", "arguments": args}}]})
        } else {
            json!({"role": "assistant", "content": format!("the inventory agent said: {}", last["content"].as_str().unwrap_or("?"))})
        };
        openai_completion(message)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_agent_answers_the_sdk_with_a_message_after_asking_another_agent_as_the_user() {
    let remote = SdkAgent::start(AgentMode::Message);
    let model = model();
    let agents = vec![A2aAgentConfig {
        name: "inventory".into(),
        card_url: remote.card_url(),
        identity: CallerIdentity::User,
        timeout_seconds: Some(20),
    }];
    let api = Arc::new(RuntimeApi::start());
    let vars = env(
        vec![("AWS_REGION".into(), "us-east-1".into())],
        &[
            ("AGENT_MODE", "sync".into()),
            ("MODEL_PROVIDER", "openai".into()),
            ("MODEL_ID", "m".into()),
            ("OPENAI_BASE_URL", model.url()),
            (A2A_CARD, card()),
            (A2A_AGENTS, serde_json::to_string(&agents).expect("json")),
        ],
    );
    let _f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_request-handler")), &api, &vars);
    let http = rest_bridge(api.clone(), "test", Some("u-1"));
    let sent = sdk(&format!("{}/test", http.url()), "send", "blue mugs?");
    let message = &sent["events"][0];
    assert_eq!((message["kind"].as_str(), message["role"].as_str()), (Some("message"), Some("agent")), "{sent}");
    assert_eq!(
        message["parts"],
        json!([{"kind": "text", "text": "the inventory agent said: message agent got 'blue mugs?' with auth 'Bearer sdk-token'"}]),
        "the remote agent answered, and saw the end user's own token"
    );
    assert!(message["contextId"].is_string(), "the session to continue: {message}");
    let (_, get) = rpc(&api, Some("u-1"), r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"x"}}"#);
    assert_eq!(get["error"]["code"], -32001, "Sync mode keeps no tasks");
}
