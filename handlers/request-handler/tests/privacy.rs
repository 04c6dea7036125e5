//! request-handler against moto and a local OpenAI-format model peer: concurrent Sync turns of
//! one session both land in its history; anonymous callers continue only sessions the handler
//! issued; the model's error text (role ARNs, account ids) never reaches the client; client ids
//! are checked before they reach DynamoDB.

use std::sync::Arc;

use agentcdk_contract::routes::Routes;
use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::{Agent, Message};
use agentcdk_runtime::queue::Queue;
use agentcdk_runtime::store::{ResponsesStore, SessionStore};
use agentcdk_testkit::events;
use agentcdk_testkit::http::{gated_openai_peer, HttpResponse, HttpServer};
use agentcdk_testkit::moto::{self, Moto};
use lambda_runtime::{Context, LambdaEvent};
use request_handler::{Admits, App, Backend};
use serde_json::{json, Value};

/// What AWS says when a role may not call the model: it names the role and the account.
const DENIED: &str = "User: arn:aws:sts::123456789012:assumed-role/AgentRole-1A2B/agent is not authorized to perform: \
                      bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1:123456789012:inference-profile/x";

fn rest(method: &str, path: &str, user: Option<&str>, body: Option<Value>) -> Value {
    events::rest(method, path, user, body.map(|b| b.to_string()).as_deref())
}

async fn call(app: &App, event: Value) -> (u64, Value) {
    let out = request_handler::handle(app, LambdaEvent::new(event, Context::default())).await.expect("handler never fails");
    events::proxy_answer(&out)
}

fn chat(user: Option<&str>, message: &str, session: Option<&str>) -> Value {
    let mut body = json!({ "message": message });
    if let Some(s) = session {
        body["session_id"] = json!(s);
    }
    rest("POST", "/v1/chat", user, Some(body))
}

/// Sync mode over `peer` with history in moto.
async fn sync_app(moto: &Moto, peer: &HttpServer) -> (App, SessionStore) {
    let ddb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    moto::create_sessions_table(&ddb, "sessions").await;
    let sessions = SessionStore::new(ddb, "sessions", 40, 3600);
    let agent = Agent::new(Arc::new(OpenAi::new(format!("{}/v1", peer.url()), None, "m")), "sys");
    (App::new(Backend::Sync { agent, sessions: Some(sessions.clone()) }, Routes::new("", "v1", "chat")), sessions)
}

fn texts(messages: &[Message]) -> Vec<String> {
    messages.iter().map(Message::text).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sync_turns_of_one_session_both_land_in_history() {
    let moto = Moto::start_serialized();
    let peer = gated_openai_peer(2);
    let (app, sessions) = sync_app(&moto, &peer).await;
    // Round 1 starts the session, round 2 continues it: each pair reads the same version.
    for (a, b) in [("one", "two"), ("three", "four")] {
        let ((sa, ba), (sb, bb)) =
            tokio::join!(call(&app, chat(Some("u-1"), a, Some("s-1"))), call(&app, chat(Some("u-1"), b, Some("s-1"))));
        assert_eq!((sa, sb), (200, 200), "neither turn is refused after its model ran: {ba} {bb}");
    }
    assert_eq!(peer.requests().len(), 4, "the model ran once per turn, never again for a conflict");
    let history = texts(&sessions.load("u-1#s-1").await.expect("load").messages);
    assert_eq!(history.len(), 8, "{history:?}");
    for turn in ["one", "two", "three", "four"] {
        let at = history.iter().position(|t| t == turn).unwrap_or_else(|| panic!("turn {turn} lost: {history:?}"));
        assert_eq!(history[at + 1], format!("echo: {turn}"), "each turn's answer follows its question: {history:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_continue_only_sessions_the_handler_issued() {
    let moto = Moto::start_serialized();
    let peer = gated_openai_peer(1);
    let (app, sessions) = sync_app(&moto, &peer).await;
    let app = app.with_anonymous(true);

    // A starts a conversation: the id is the handler's (a UUID v4), not the client's.
    let (status, body) = call(&app, chat(None, "my card number is 4242", None)).await;
    assert_eq!(status, 200, "{body}");
    let issued = body["session_id"].as_str().expect("issued id").to_owned();
    assert!(uuid_v4(&issued), "{issued}");

    // B guesses ids: a made-up one, and one a client might pick. Neither is a session: 404, the
    // model never runs and nothing is created under the guessed id.
    for guess in ["s-1", "default", "00000000-0000-4000-8000-000000000000"] {
        let (status, body) = call(&app, chat(None, "what did I say?", Some(guess))).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "{guess}: {body}");
        assert_eq!(sessions.load(&format!("anonymous#{guess}")).await.expect("load").version, 0, "{guess}");
    }
    assert_eq!(peer.requests().len(), 1);

    // Whoever holds the issued id continues that session (bearer semantics).
    let (status, body) = call(&app, chat(None, "and again", Some(&issued))).await;
    assert_eq!((status, body["session_id"].as_str()), (200, Some(issued.as_str())), "{body}");
    let sent = peer.requests()[1].json().to_string();
    assert!(sent.contains("4242"), "the history came along: {sent}");

    // A verified user's own ids are theirs to choose.
    let (status, _) = call(&app, chat(Some("u-1"), "hi", Some("my-choice"))).await;
    assert_eq!(status, 200);
}

fn uuid_v4(s: &str) -> bool {
    s.len() == 36 && s.as_bytes()[14] == b'4' && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_error_text_never_reaches_the_client() {
    let moto = Moto::start_serialized();
    let peer = HttpServer::start(|req| {
        let status = if req.json().to_string().contains("busy") { 429 } else { 403 };
        HttpResponse::json(status, &json!({"error": {"message": DENIED, "type": "permission_error"}}))
    });
    let (app, sessions) = sync_app(&moto, &peer).await;
    for (message, status, code) in [("hi", 502, "upstream_failed"), ("busy", 503, "unavailable")] {
        let (got, body) = call(&app, chat(Some("u-1"), message, Some("s-1"))).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{body}");
        let text = body.to_string();
        for private in ["123456789012", "arn:", "AgentRole", "not authorized"] {
            assert!(!text.contains(private), "{private:?} reached the client: {text}");
        }
    }
    assert_eq!(sessions.load("u-1#s-1").await.expect("load").version, 0, "failed turns are not saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_ids_are_checked_before_dynamodb_and_sqs() {
    let moto = Moto::start_serialized();
    let moto::Clients { sqs, ddb, .. } = moto.clients().await;
    let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
    moto::create_responses_table(&ddb, "responses").await;
    let backend =
        Backend::Queue { queue: Queue::new(sqs.clone(), input.url.clone()), responses: ResponsesStore::new(ddb, "responses", 60) };
    let app = App::new(backend, Routes::new("", "v1", "chat"));

    // DynamoDB refuses a partition key over 2048 bytes (ValidationException, which the store
    // classifies permanent: a 500). moto does not enforce that limit on GetItem, so the 4 KB
    // id shows here as a 404 either way; what this asserts is the handler's own check: 404
    // without echoing the id, for every shape, before any call (the bound itself is
    // `contract::wire::is_valid_id`, unit-tested there).
    let long = "a".repeat(4096);
    // One access-log line per DynamoDB/SQS call; moto writes them a moment after answering.
    let calls = || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        moto.log().matches("\"POST / HTTP").count()
    };
    let before = calls();
    for id in [long.as_str(), "a#b", "caf%C3%A9", "café", "a b", "%00"] {
        let (status, body) = call(&app, rest("GET", &format!("/v1/chat/responses/{id}"), Some("u-1"), None)).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "{id}: {body}");
        assert!(!body.to_string().contains(id), "the id is not echoed");
    }
    for session in [long.as_str(), "a#b", "café", ""] {
        let (status, body) = call(&app, chat(Some("u-1"), "hi", Some(session))).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{session}: {body}");
    }
    assert_eq!(calls(), before, "no id reached DynamoDB or SQS");
    let queued = sqs
        .get_queue_attributes()
        .queue_url(&input.url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("attributes");
    assert_eq!(queued.attributes().and_then(|a| a.values().next()).map(String::as_str), Some("0"), "nothing was queued");

    // Anonymous callers cannot name a session where the front door keeps no history to check.
    let (status, body) = call(&app.clone().with_anonymous(true), chat(None, "hi", Some("s-1"))).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{body}");
}
