//! Shared pieces of the end-to-end tests: a poller standing in for Lambda's SQS event source
//! mapping, event builders, and an OpenAI-format model peer.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use agentcdk_testkit::http::{HttpResponse, HttpServer};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};

/// A Lambda context whose deadline is a minute away.
pub fn context() -> Context {
    let mut ctx = Context::default();
    ctx.request_id = "test-invocation".into();
    ctx.deadline = agentcdk_runtime::time::now_millis() + 60_000;
    ctx
}

/// Receives up to 10 messages from `url`, hands them to `f` as the SQS event Lambda would
/// build, and deletes the ones not reported failed (unless `delete` is false: a crash after
/// processing). Returns how many records were handed over.
pub async fn pump<F, Fut>(sqs: &aws_sdk_sqs::Client, url: &str, delete: bool, f: F) -> usize
where
    F: FnOnce(LambdaEvent<SqsEvent>) -> Fut,
    Fut: std::future::Future<Output = Result<SqsBatchResponse, lambda_runtime::Error>>,
{
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(0)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .expect("ReceiveMessage");
    let messages = out.messages.unwrap_or_default();
    if messages.is_empty() {
        return 0;
    }
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: HashMap<String, String> =
                m.attributes().map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), v.clone())).collect()).unwrap_or_default();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn(url),
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    let event: SqsEvent = serde_json::from_value(json!({ "Records": records })).expect("event");
    let resp = f(LambdaEvent::new(event, context())).await.expect("handler");
    let failed: Vec<&str> = resp.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    if delete {
        for m in &messages {
            if !failed.contains(&m.message_id().unwrap_or_default()) {
                sqs.delete_message()
                    .queue_url(url)
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .expect("DeleteMessage");
            }
        }
    }
    messages.len()
}

/// The ARN of the moto queue at `url` (`http://host/{account}/{name}`), as Lambda puts it in
/// each record's `eventSourceARN`.
pub fn queue_arn(url: &str) -> String {
    let mut parts = url.rsplit('/');
    let name = parts.next().unwrap_or_default();
    let account = parts.next().unwrap_or_default();
    format!("arn:aws:sqs:us-east-1:{account}:{name}")
}

/// Approximate number of visible + in-flight messages in a queue.
pub async fn depth(sqs: &aws_sdk_sqs::Client, url: &str) -> usize {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("GetQueueAttributes");
    let attrs = out.attributes.unwrap_or_default();
    let n = |a: A| attrs.get(&a).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    n(A::ApproximateNumberOfMessages) + n(A::ApproximateNumberOfMessagesNotVisible)
}

/// A REST API (v1 proxy) event from the aws_lambda_events fixture.
pub fn rest_event(method: &str, path: &str, user: Option<&str>, body: Option<&Value>) -> Value {
    agentcdk_testkit::events::rest(method, path, user, body.map(|b| b.to_string()).as_deref())
}

/// Status and parsed body of a proxy response.
pub fn parse(out: &Value) -> (u64, Value) {
    agentcdk_testkit::events::proxy_answer(out)
}

/// An OpenAI-format model peer. It answers by the last user message:
/// `poison-model` → 400 (permanent), `flaky` → 429 (transient), `big reply` → 200 KB,
/// `sized:<n>:<a|q|c>` → `n` times `a`, `"` or U+0001, else `echo: <text> (<n> messages)`.
/// Counts calls per message text.
#[allow(missing_debug_implementations)]
pub struct ModelPeer {
    /// The server.
    pub server: HttpServer,
    /// Calls per last user message.
    pub calls: Arc<Mutex<HashMap<String, usize>>>,
}

impl ModelPeer {
    /// Starts the peer.
    pub fn start() -> Self {
        let calls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let c = calls.clone();
        let server = HttpServer::start(move |req| {
            let body = req.json();
            let msgs = body["messages"].as_array().cloned().unwrap_or_default();
            let convo: Vec<&Value> = msgs.iter().filter(|m| m["role"] != "system").collect();
            let last = convo.iter().rev().find(|m| m["role"] == "user").and_then(|m| m["content"].as_str()).unwrap_or_default().to_owned();
            *c.lock().expect("lock").entry(last.clone()).or_default() += 1;
            if last.contains("poison-model") {
                return HttpResponse::json(
                    400,
                    &json!({"error": {"message": "content policy violation", "type": "invalid_request_error"}}),
                );
            }
            if last.contains("big reply") {
                return HttpResponse::json(
                    200,
                    &json!({"id": "c", "object": "chat.completion", "model": "m",
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {
                            "role": "assistant", "content": "é".repeat(100_000)}}]}),
                );
            }
            if let Some(spec) = last.strip_prefix("sized:") {
                let (n, kind) = spec.split_once(':').unwrap_or(("0", "a"));
                let unit = match kind {
                    "q" => "\"",
                    "c" => "\u{1}",
                    _ => "a",
                };
                return HttpResponse::json(
                    200,
                    &json!({"id": "c", "object": "chat.completion", "model": "m",
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {
                            "role": "assistant", "content": unit.repeat(n.parse().unwrap_or(0))}}]}),
                );
            }
            if last.contains("flaky") {
                return HttpResponse::json(429, &json!({"error": {"message": "rate limited"}}));
            }
            HttpResponse::json(
                200,
                &json!({"id": "c", "object": "chat.completion", "model": "m",
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {
                        "role": "assistant",
                        "content": format!("echo: {last} ({} messages)", convo.len())}}]}),
            )
        });
        Self { server, calls }
    }

    /// Calls whose last user message was `text`.
    pub fn calls(&self, text: &str) -> usize {
        self.calls.lock().expect("lock").get(text).copied().unwrap_or(0)
    }
}
