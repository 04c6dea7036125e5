//! Event-driven runs and completion events, through the built binary (Lambda Runtime API)
//! against moto: a triggered envelope (what a rule's InputTransformer writes) gets its prompt
//! rendered from the event; every run puts its completion event on a bus, observed through a
//! real EventBridge rule routing to an SQS queue.

use std::path::Path;
use std::time::Duration;

use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

/// Receives until `n` messages arrived (or 5 s passed).
async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, n: usize) -> Vec<Value> {
    let mut got = Vec::new();
    for _ in 0..10 {
        let out = sqs.receive_message().queue_url(url).max_number_of_messages(10).send().await.expect("receive");
        for m in out.messages.unwrap_or_default() {
            got.push(serde_json::from_str(m.body().unwrap_or_default()).unwrap_or(Value::Null));
        }
        if got.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    got
}

/// A bus `bus` whose rule sends every `agentcdk.agent` event to the queue at `queue_url`.
async fn route_bus_to_queue(sdk: &aws_config::SdkConfig, bus: &str, queue_url: &str) {
    let eb = aws_sdk_eventbridge::Client::new(sdk);
    eb.create_event_bus().name(bus).send().await.expect("CreateEventBus");
    eb.put_rule()
        .name("runs")
        .event_bus_name(bus)
        .event_pattern(json!({"source": ["agentcdk.agent"]}).to_string())
        .send()
        .await
        .expect("PutRule");
    let queue_arn = format!("arn:aws:sqs:us-east-1:123456789012:{}", queue_url.rsplit('/').next().unwrap_or_default());
    eb.put_targets()
        .rule("runs")
        .event_bus_name(bus)
        .targets(aws_sdk_eventbridge::types::Target::builder().id("q").arn(queue_arn).build().expect("target"))
        .send()
        .await
        .expect("PutTargets");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_triggered_run_renders_its_prompt_and_every_run_puts_a_completion_event() {
    let moto = Moto::start();
    let moto::Clients { sdk, sqs, ddb } = moto.clients().await;
    let output = moto::create_queue_with_dlq(&sqs, "out", 3, 30).await;
    let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
    let observer = moto::create_queue_with_dlq(&sqs, "observer", 3, 30).await;
    moto::create_responses_table(&ddb, "responses").await;
    moto::create_sessions_table(&ddb, "sessions").await;
    route_bus_to_queue(&sdk, "agents", &observer.url).await;
    let model = HttpServer::start(|_| {
        HttpResponse::json(
            200,
            &json!({"id": "c", "object": "chat.completion", "model": "m", "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Refund approved."}}]}),
        )
    });
    let api = RuntimeApi::start();
    let mut env = moto.env();
    for (k, v) in [
        ("MODEL_PROVIDER", "openai".to_owned()),
        ("MODEL_ID", "gpt-test".into()),
        ("OPENAI_BASE_URL", model.url()),
        ("OPENAI_API_KEY", "sk".into()),
        ("RESPONSES_TABLE", "responses".into()),
        ("SESSIONS_TABLE", "sessions".into()),
        ("OUTPUT_QUEUE_URL", output.url.clone()),
        ("DEAD_LETTER_QUEUE_URL", input.dlq_url.clone()),
        ("EVENT_TRIGGERS", json!({"T0": {"prompt": "Case {{detail.case_id}}: {{detail.summary}}"}}).to_string()),
        ("COMPLETION_EVENT_BUS", "agents".into()),
    ] {
        env.push((k.into(), v));
    }
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_agent-runner")), &api, &env);
    let triggered = |trigger: &str, id: &str| {
        json!({"request_id": format!("event-{id}"), "session_id": "case-7", "user_id": "customer-1", "message": "",
            "reply_to": {"kind": "poll"}, "submitted_at_ms": 0,
            "event": {"trigger": trigger, "detail": {"id": id, "source": "support", "detail-type": "SupportCaseOpened",
                "detail": {"case_id": "C-7", "summary": "charged twice & <no> refund"}}}})
    };
    let mut event = agentcdk_testkit::events::Fixture::Sqs.json();
    event["Records"][0]["body"] = json!(triggered("T0", "e-1").to_string());
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = json!("1");
    let mut unknown = event["Records"][0].clone();
    unknown["messageId"] = json!("MessageID_2");
    unknown["body"] = json!(triggered("Nope", "e-2").to_string());
    event["Records"].as_array_mut().expect("records").push(unknown);
    let out = api.invoke(event, Duration::from_secs(30));
    assert_eq!(out, Outcome::Response(json!({"batchItemFailures": []})));

    // The prompt is the template rendered against the event, unescaped (a prompt is not HTML).
    let req = &model.requests()[0];
    let messages = req.json()["messages"].clone();
    assert_eq!(
        messages.as_array().and_then(|m| m.last()).map(|m| m["content"].clone()),
        Some(json!("Case C-7: charged twice & <no> refund"))
    );
    assert_eq!(model.requests().len(), 1, "the unknown trigger never reaches the model");
    // The unknown trigger is poison: dead-lettered at once, its body intact.
    let dead = receive(&sqs, &input.dlq_url, 1).await;
    assert_eq!(dead[0]["event"]["trigger"], "Nope");

    // Both runs put their completion event on the bus; the rule delivered them to the observer.
    let mut events = receive(&sqs, &observer.url, 2).await;
    events.sort_by_key(|e| e["detail"]["request_id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["source"], "agentcdk.agent");
    assert_eq!(events[0]["detail-type"], "Agent Run Completed");
    assert_eq!(
        events[0]["detail"],
        json!({"request_id": "event-e-1", "session_id": "case-7", "user_id": "customer-1", "status": "completed", "reply": "Refund approved."})
    );
    assert_eq!(events[1]["detail-type"], "Agent Run Failed");
    assert_eq!(events[1]["detail"]["status"], "failed");
    assert_eq!(events[1]["detail"]["request_id"], "event-e-2");
    assert!(events[1]["detail"].get("reply").is_none());
    drop(f);
}
