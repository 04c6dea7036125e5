//! The built agent-runner binary, driven through the Lambda Runtime API against moto, with the
//! OpenAI key read from Secrets Manager and an OpenAI-format model peer.

use std::path::Path;
use std::time::Duration;

use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_runner_binary_over_the_runtime_api() {
    let moto = Moto::start();
    let moto::Clients { sdk, sqs, ddb } = moto.clients().await;
    let output = moto::create_queue_with_dlq(&sqs, "out", 3, 30).await;
    let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
    moto::create_responses_table(&ddb, "responses").await;
    moto::create_sessions_table(&ddb, "sessions").await;
    let secret_arn = aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name("openai-key")
        .secret_string("sk-from-secrets-manager")
        .send()
        .await
        .expect("CreateSecret")
        .arn
        .expect("arn");
    let model = HttpServer::start(|_| {
        HttpResponse::json(
            200,
            &json!({"id": "c", "object": "chat.completion", "model": "m", "choices": [
                {"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "Refund issued."}}]}),
        )
    });
    let api = RuntimeApi::start();
    let mut env = moto.env();
    for (k, v) in [
        ("MODEL_PROVIDER", "openai".to_owned()),
        ("MODEL_ID", "gpt-test".into()),
        ("OPENAI_BASE_URL", model.url()),
        ("OPENAI_API_KEY_SECRET_ARN", secret_arn),
        ("SYSTEM_PROMPT", "You resolve billing issues.".into()),
        ("RESPONSES_TABLE", "responses".into()),
        ("SESSIONS_TABLE", "sessions".into()),
        ("OUTPUT_QUEUE_URL", output.url.clone()),
        ("DEAD_LETTER_QUEUE_URL", input.dlq_url.clone()),
    ] {
        env.push((k.into(), v));
    }
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_agent-runner")), &api, &env);
    let mut event = agentcdk_testkit::events::Fixture::Sqs.json();
    let envelope = json!({"request_id": "r-1", "session_id": "s-1", "user_id": "u-1",
        "message": "I was charged twice", "reply_to": {"kind": "poll"}, "submitted_at_ms": 1});
    event["Records"][0]["body"] = json!(envelope.to_string());
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = json!("1");
    // Sent 1.5 s ago: the runner reports that wait as the QueueWait metric.
    let sent = agentcdk_runtime::time::now_millis() - 1_500;
    event["Records"][0]["attributes"]["SentTimestamp"] = json!(sent.to_string());
    let mut poison = event["Records"][0].clone();
    poison["messageId"] = json!("MessageID_2");
    poison["body"] = json!("not an envelope");
    event["Records"].as_array_mut().expect("records").push(poison);
    let out = api.invoke(event, Duration::from_secs(30));
    // The poison record went to the dead-letter queue at once, so it is reported done.
    assert_eq!(out, Outcome::Response(json!({"batchItemFailures": []})));
    let dead = sqs.receive_message().queue_url(&input.dlq_url).send().await.expect("receive DLQ").messages.unwrap_or_default();
    assert_eq!(dead.iter().filter_map(|m| m.body()).collect::<Vec<_>>(), vec!["not an envelope"]);
    let req = &model.requests()[0];
    assert_eq!(req.header("authorization"), Some("Bearer sk-from-secrets-manager"));
    assert_eq!(req.json()["messages"][0]["content"], "You resolve billing issues.");
    let msgs = sqs.receive_message().queue_url(&output.url).send().await.expect("receive").messages.unwrap_or_default();
    let result: Value = serde_json::from_str(msgs[0].body().unwrap_or_default()).expect("json");
    assert_eq!(result["status"], "completed");
    assert_eq!(result["reply"], "Refund issued.");
    let records = agentcdk_testkit::runtime_api::emf_records(&f.stop());
    let waits: Vec<f64> = records.iter().filter_map(|r| r["QueueWait"].as_f64()).collect();
    assert_eq!(waits.len(), 2, "one QueueWait per first receive: {records:?}");
    assert!(waits.iter().all(|w| (1_500.0..60_000.0).contains(w)), "{waits:?}");
    let wait = records.iter().find(|r| r.get("QueueWait").is_some()).expect("record");
    assert_eq!(wait["_aws"]["CloudWatchMetrics"][0]["Metrics"][0], json!({"Name": "QueueWait", "Unit": "Milliseconds"}));
    assert_eq!(wait["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Agent"]]));
}
