//! SQS batches with partial batch failure responses (`ReportBatchItemFailures` on the event
//! source mapping): only the failed records return to the queue.
//!
//! FIFO-aware: once a record of a message group fails, the later records of that group in the
//! same batch are reported failed without being processed, so a session's turns never run out
//! of order. (Standard queues carry no `MessageGroupId`; their records are independent.)

use std::collections::HashSet;
use std::fmt::Display;
use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

/// SQS attribute naming the FIFO message group of a record.
pub const MESSAGE_GROUP_ID: &str = "MessageGroupId";
/// SQS attribute counting deliveries of a record (1 on the first).
pub const APPROXIMATE_RECEIVE_COUNT: &str = "ApproximateReceiveCount";

/// How many times SQS has delivered this record (1 on the first delivery).
pub fn receive_count(record: &SqsMessage) -> u32 {
    record.attributes.get(APPROXIMATE_RECEIVE_COUNT).and_then(|v| v.parse().ok()).unwrap_or(1)
}

/// Runs `process` on each record in order and returns the batch item failures.
///
/// A record without a message id cannot be reported; it is processed like the others and, if it
/// fails, the whole batch is reported failed (the safe side: nothing is dropped).
pub async fn process<F, Fut, E>(event: SqsEvent, mut process: F) -> SqsBatchResponse
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let all_ids: Vec<String> = event.records.iter().filter_map(|r| r.message_id.clone()).collect();
    let mut failed_groups: HashSet<String> = HashSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut fail_all = false;
    for record in event.records {
        let id = record.message_id.clone();
        let group = record.attributes.get(MESSAGE_GROUP_ID).cloned();
        if let Some(g) = &group {
            if failed_groups.contains(g) {
                tracing::warn!(message_id = ?id, group = %g, "skipped: an earlier record of its message group failed");
                failures.extend(id);
                continue;
            }
        }
        if let Err(e) = process(record).await {
            tracing::error!(message_id = ?id, error = %e, "record failed");
            if let Some(g) = group {
                failed_groups.insert(g);
            }
            match id {
                Some(id) => failures.push(id),
                None => fail_all = true,
            }
        }
    }
    if fail_all {
        failures = all_ids;
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(records: &[(&str, Option<&str>)]) -> SqsEvent {
        let fixture: SqsEvent = serde_json::from_str(include_str!("../tests/fixtures/example-sqs-event.json")).expect("fixture");
        let template = fixture.records[0].clone();
        let mut ev = fixture;
        ev.records = records
            .iter()
            .map(|(id, group)| {
                let mut r = template.clone();
                r.message_id = Some((*id).into());
                r.body = Some((*id).into());
                r.attributes.remove(MESSAGE_GROUP_ID);
                if let Some(g) = group {
                    r.attributes.insert(MESSAGE_GROUP_ID.into(), (*g).into());
                }
                r
            })
            .collect();
        ev
    }

    fn ids(r: &SqsBatchResponse) -> Vec<&str> {
        r.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect()
    }

    #[tokio::test]
    async fn failure_fails_rest_of_its_group_only() {
        let ev = event(&[("a1", Some("A")), ("b1", Some("B")), ("a2", Some("A")), ("b2", Some("B")), ("a3", Some("A"))]);
        let mut seen = Vec::new();
        let resp = process(ev, |r| {
            let body = r.body.unwrap_or_default();
            seen.push(body.clone());
            async move {
                if body == "a2" {
                    Err("boom")
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert_eq!(ids(&resp), vec!["a2", "a3"]);
        assert_eq!(seen, vec!["a1", "b1", "a2", "b2"], "a3 must not run");
    }

    #[tokio::test]
    async fn standard_queue_records_are_independent() {
        let ev = event(&[("m1", None), ("m2", None), ("m3", None)]);
        let resp = process(ev, |r| async move {
            if r.body.as_deref() == Some("m1") {
                Err("boom")
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(ids(&resp), vec!["m1"]);
    }

    #[tokio::test]
    async fn response_serializes_as_lambda_expects() {
        let ev = event(&[("m1", None)]);
        let resp = process(ev, |_| async { Err::<(), _>("x") }).await;
        let v = serde_json::to_value(&resp).expect("json");
        assert_eq!(v, serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m1"}]}));
    }
}
