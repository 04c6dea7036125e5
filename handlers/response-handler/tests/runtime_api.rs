//! The built response-handler binary, driven through the Lambda Runtime API against moto.

use std::path::Path;
use std::time::Duration;

use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_handler_binary_over_the_runtime_api() {
    let moto = Moto::start();
    let ddb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    moto::create_responses_table(&ddb, "responses").await;
    let api = RuntimeApi::start();
    let mut env = moto.env();
    env.push(("RESPONSES_TABLE".into(), "responses".into()));
    env.push(("RESPONSE_TTL_SECONDS".into(), "600".into()));
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_response-handler")), &api, &env);
    let mut event = agentcdk_testkit::events::Fixture::Sqs.json();
    let result = json!({"request_id": "r-9", "session_id": "s", "user_id": "u-1",
        "reply_to": {"kind": "poll"}, "status": "completed", "reply": "Done."});
    event["Records"][0]["body"] = json!(result.to_string());
    let out = api.invoke(event, Duration::from_secs(30));
    assert_eq!(out, Outcome::Response(json!({"batchItemFailures": []})));
    let item = ddb
        .get_item()
        .table_name("responses")
        .key("request_id", AttributeValue::S("r-9".into()))
        .send()
        .await
        .expect("GetItem")
        .item
        .expect("stored");
    assert_eq!(item["status"].as_s().map(String::as_str), Ok("completed"));
    assert_eq!(item["reply"].as_s().map(String::as_str), Ok("Done."));
    assert_eq!(item["user_id"].as_s().map(String::as_str), Ok("u-1"));
    let ttl: u64 = item["expires_at"].as_n().expect("ttl").parse().expect("n");
    let now = agentcdk_runtime::time::now_secs();
    assert!((now + 590..=now + 610).contains(&ttl), "ttl {ttl} vs now {now}");
    drop(f);
}
