//! Two turns of one session at the same time (two tabs, or a client retrying while its first
//! turn still runs), against moto and a local OpenAI-format model peer that holds both turns at
//! the model until both arrived: both land in the session's history, in buffered and streamed
//! answers alike (one save path), and the model runs once per turn.

use std::sync::Arc;

use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::{Agent, Message};
use agentcdk_runtime::http::{Answer, ResponseMode};
use agentcdk_runtime::store::SessionStore;
use agentcdk_testkit::http::gated_openai_peer;
use agentcdk_testkit::moto::{self, Moto};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use stream_handler::App;

fn event(message: &str) -> Value {
    agentcdk_testkit::events::function_url_as("POST", &json!({"message": message, "session_id": "s-1"}).to_string(), Some("AIDAUSER"))
}

async fn status(app: &Arc<App>, message: &str) -> u64 {
    match stream_handler::handle(app.clone(), LambdaEvent::new(event(message), Context::default())).await.expect("answer") {
        Answer::BufferedResponse(v) => v["statusCode"].as_u64().expect("status"),
        Answer::StreamingResponse(_) => panic!("buffered mode answers buffered"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_turns_of_one_session_both_land_in_history() {
    let moto = Moto::start_serialized();
    let ddb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    moto::create_sessions_table(&ddb, "sessions").await;
    let sessions = SessionStore::new(ddb, "sessions", 40, 3600);
    let peer = gated_openai_peer(2);
    let agent = Agent::new(Arc::new(OpenAi::new(format!("{}/v1", peer.url()), None, "m")), "sys");
    let app = Arc::new(App::new(agent, Some(sessions.clone()), ResponseMode::Buffered));
    for (a, b) in [("one", "two"), ("three", "four")] {
        let (sa, sb) = tokio::join!(status(&app, a), status(&app, b));
        assert_eq!((sa, sb), (200, 200), "neither turn is refused after its model ran");
    }
    assert_eq!(peer.requests().len(), 4, "the model ran once per turn");
    let history: Vec<String> = sessions.load("AIDAUSER#s-1").await.expect("load").messages.iter().map(Message::text).collect();
    assert_eq!(history.len(), 8, "{history:?}");
    for turn in ["one", "two", "three", "four"] {
        let at = history.iter().position(|t| t == turn).unwrap_or_else(|| panic!("turn {turn} lost: {history:?}"));
        assert_eq!(history[at + 1], format!("echo: {turn}"));
    }
}
