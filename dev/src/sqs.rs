//! SQS event source mappings (`AWS::Lambda::EventSourceMapping` on a queue), polling the real
//! moto queue. Rules, from "Using Lambda with Amazon SQS" (docs.aws.amazon.com/lambda/latest/dg/with-sqs.html):
//! - batches of up to `BatchSize` (default 10) records, gathered for up to
//!   `MaximumBatchingWindowInSeconds` (default 0) when the batch is not yet full;
//! - up to `ScalingConfig.MaximumConcurrency` batches in flight (default here: 5 pollers, as the
//!   mapping starts with five);
//! - a successful invocation deletes the batch; with `FunctionResponseTypes:
//!   [ReportBatchItemFailures]` only the records not in `batchItemFailures` are deleted (an
//!   unparseable answer fails the whole batch); a failed invocation deletes nothing — the
//!   records come back after the visibility timeout, and the queue's own redrive policy moves
//!   them to the dead-letter queue after `maxReceiveCount` receives (moto does this);
//! - FIFO: moto does not return a message group's next messages while earlier ones are in
//!   flight, so one group is processed in order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::MessageSystemAttributeName;
use serde_json::{json, Map, Value};

use crate::assembly::Assembly;
use crate::intrinsics::Locals;
use crate::lambda::{Function, Reply};
use crate::proxy::Functions;

/// One mapping, resolved.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Logical id.
    pub logical_id: String,
    /// Queue URL in moto.
    pub queue_url: String,
    /// Queue ARN.
    pub queue_arn: String,
    /// Target.
    pub function: Function,
    /// Records per batch.
    pub batch_size: i32,
    /// Batching window.
    pub window: Duration,
    /// Concurrent batches.
    pub concurrency: usize,
    /// Partial batch responses.
    pub report_failures: bool,
    /// Records handed to the function so far (what reached a dead-letter queue's consumer, for
    /// the tests and the log).
    pub delivered: Arc<AtomicU64>,
}

/// Every SQS mapping of the template.
pub fn mappings(assembly: &Assembly, locals: &Locals, functions: &Functions) -> Vec<Mapping> {
    let mut out = Vec::new();
    for (id, p) in assembly.of_type("AWS::Lambda::EventSourceMapping") {
        let refs = crate::stateful::refs_of(&p["EventSourceArn"]);
        let Some(queue) = refs.iter().find(|r| assembly.resources()[r.as_str()]["Type"] == "AWS::SQS::Queue") else { continue };
        let Some(function) = crate::proxy::target(&p["FunctionName"], functions) else { continue };
        let (Some(url), Ok(arn)) = (locals.refs.get(queue), locals.resolve(&p["EventSourceArn"])) else { continue };
        out.push(Mapping {
            logical_id: id.to_owned(),
            queue_url: url.clone(),
            queue_arn: arn.as_str().unwrap_or_default().to_owned(),
            function,
            batch_size: p["BatchSize"].as_i64().map(|b| b as i32).unwrap_or(10),
            window: Duration::from_secs(p["MaximumBatchingWindowInSeconds"].as_u64().unwrap_or(0)),
            concurrency: p["ScalingConfig"]["MaximumConcurrency"].as_u64().map(|c| c as usize).unwrap_or(5),
            report_failures: p["FunctionResponseTypes"].as_array().is_some_and(|a| a.iter().any(|t| t == "ReportBatchItemFailures")),
            delivered: Arc::new(AtomicU64::new(0)),
        });
    }
    out
}

/// An SQS client for moto.
pub fn client(endpoint: &str) -> aws_sdk_sqs::Client {
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new(crate::moto::REGION))
        .credentials_provider(crate::stateful::credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

/// Starts the mapping's pollers.
pub fn start(m: Mapping, sqs: aws_sdk_sqs::Client) -> Vec<tokio::task::JoinHandle<()>> {
    (0..m.concurrency.max(1))
        .map(|_| {
            let (m, sqs) = (m.clone(), sqs.clone());
            tokio::spawn(async move {
                loop {
                    if let Err(e) = poll_once(&m, &sqs).await {
                        crate::logs::dev(&format!("{}: polling {}: {e}", m.logical_id, m.queue_url));
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            })
        })
        .collect()
}

async fn poll_once(m: &Mapping, sqs: &aws_sdk_sqs::Client) -> Result<(), String> {
    let started = Instant::now();
    let mut batch = Vec::new();
    loop {
        let want = (m.batch_size - batch.len() as i32).clamp(1, 10);
        let out = sqs
            .receive_message()
            .queue_url(&m.queue_url)
            .max_number_of_messages(want)
            .wait_time_seconds(if batch.is_empty() { 5 } else { 0 })
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(&e).to_string())?;
        let got = out.messages.unwrap_or_default();
        let empty = got.is_empty();
        batch.extend(got);
        if batch.len() as i32 >= m.batch_size || started.elapsed() >= m.window || (empty && !batch.is_empty() && m.window.is_zero()) {
            break;
        }
        if empty && batch.is_empty() {
            return Ok(());
        }
    }
    if batch.is_empty() {
        return Ok(());
    }
    let records: Vec<Value> = batch.iter().map(|msg| record(msg, &m.queue_arn)).collect();
    m.delivered.fetch_add(records.len() as u64, Ordering::SeqCst);
    let failed: Option<Vec<String>> = match m.function.invoke(json!({ "Records": records })).await {
        Ok(Reply::Buffered(b)) if m.report_failures => partial_failures(&b),
        Ok(Reply::Buffered(_)) => Some(Vec::new()),
        _ => None,
    };
    let Some(failed) = failed else { return Ok(()) };
    for msg in &batch {
        if failed.iter().any(|f| Some(f.as_str()) == msg.message_id()) {
            continue;
        }
        if let Some(h) = msg.receipt_handle() {
            let _ = sqs.delete_message().queue_url(&m.queue_url).receipt_handle(h).send().await;
        }
    }
    Ok(())
}

/// `batchItemFailures[].itemIdentifier`; `None` (the whole batch failed) when the answer is
/// not a valid partial batch response ("Implementing partial batch responses").
fn partial_failures(payload: &[u8]) -> Option<Vec<String>> {
    let v: Value = serde_json::from_slice(payload).ok()?;
    match &v["batchItemFailures"] {
        Value::Null => Some(Vec::new()),
        Value::Array(a) => a.iter().map(|f| f["itemIdentifier"].as_str().filter(|s| !s.is_empty()).map(str::to_owned)).collect(),
        _ => None,
    }
}

/// One record of the SQS event ("Example Amazon SQS message event").
fn record(msg: &aws_sdk_sqs::types::Message, arn: &str) -> Value {
    let attrs: Map<String, Value> =
        msg.attributes().map(|a| a.iter().map(|(k, v)| (attr_name(k), Value::String(v.clone()))).collect()).unwrap_or_default();
    let message_attrs: HashMap<String, Value> = msg
        .message_attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        json!({"stringValue": v.string_value(), "dataType": v.data_type(), "stringListValues": [], "binaryListValues": []}),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "messageId": msg.message_id(), "receiptHandle": msg.receipt_handle(), "body": msg.body().unwrap_or_default(),
        "attributes": attrs, "messageAttributes": message_attrs, "md5OfBody": msg.md5_of_body(),
        "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": crate::moto::REGION,
    })
}

fn attr_name(k: &MessageSystemAttributeName) -> String {
    k.as_str().to_owned()
}
