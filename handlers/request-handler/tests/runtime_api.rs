//! The built request-handler binary, driven through the Lambda Runtime API, in Queue mode
//! against moto.

use std::path::Path;
use std::time::Duration;

use agentcdk_testkit::events;
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

fn rest(method: &str, path: &str, body: Option<&str>) -> Value {
    events::rest(method, path, Some("u-1"), body)
}

fn answer(out: Outcome) -> (u64, Value) {
    let Outcome::Response(v) = out else { panic!("{out:?}") };
    events::proxy_answer(&v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_handler_binary_over_the_runtime_api() {
    let moto = Moto::start();
    let moto::Clients { sqs, ddb, .. } = moto.clients().await;
    let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
    moto::create_responses_table(&ddb, "responses").await;
    let api = RuntimeApi::start();
    let mut env = moto.env();
    for (k, v) in [
        ("AGENT_MODE", "queue"),
        ("API_BASE_PATH", "/agents"),
        ("API_VERSION", "v2"),
        ("AGENT_ENDPOINT", "support"),
        ("INPUT_QUEUE_URL", input.url.as_str()),
        ("RESPONSES_TABLE", "responses"),
    ] {
        env.push((k.into(), v.into()));
    }
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_request-handler")), &api, &env);
    let t = Duration::from_secs(30);
    let (status, body) = answer(api.invoke(rest("POST", "/agents/v2/support", Some(r#"{"message":"hi"}"#)), t));
    assert_eq!(status, 202, "{body}");
    let id = body["request_id"].as_str().expect("id").to_owned();
    let (status, body) = answer(api.invoke(rest("GET", &format!("/agents/v2/support/responses/{id}"), None), t));
    assert_eq!((status, body["status"].as_str()), (200, Some("pending")), "{body}");
    let (status, body) = answer(api.invoke(rest("POST", "/agents/v2/support", Some("{")), t));
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_json")));
    let msgs =
        sqs.receive_message().queue_url(&input.url).max_number_of_messages(10).send().await.expect("receive").messages.unwrap_or_default();
    assert_eq!(msgs.len(), 1);
    let envelope: Value = serde_json::from_str(msgs[0].body().unwrap_or_default()).expect("json");
    assert_eq!(envelope["request_id"], id.as_str());
    assert_eq!(envelope["user_id"], "u-1");
    assert_eq!(envelope["reply_to"], json!({"kind": "poll"}));
    drop(f);
}
