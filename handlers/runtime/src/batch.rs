//! SQS batches with partial batch failure responses (`ReportBatchItemFailures` on the event
//! source mapping): only the failed records return to the queue.
//!
//! FIFO-aware: once a record of a message group fails, the later records of that group in the
//! same batch are not processed, so a session's turns never run out of order: each is handed to
//! a `skipped` callback instead ([`process_with_skip`]), which decides whether it returns to the
//! queue (reported failed) or was settled otherwise (e.g. moved to the dead-letter queue on its
//! last receive). (Standard queues carry no `MessageGroupId`; their records are independent.)

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

/// Delay before a retryable failure is retried: `base × 2^(receive − 1)` seconds, capped at
/// `max` — short (a FIFO session waits behind it) and growing (a struggling dependency is not
/// hammered). Applied with ChangeMessageVisibility, so it replaces the visibility timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first receive, seconds.
    pub base_secs: u32,
    /// Longest delay, seconds.
    pub max_secs: u32,
}

impl Backoff {
    /// Seconds to wait after the `receive`-th receive (1-based) failed.
    pub fn delay(&self, receive: u32) -> u32 {
        let factor = 1u32.checked_shl(receive.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base_secs.saturating_mul(factor).min(self.max_secs)
    }
}

/// The FIFO message group of a record, if it has one.
pub fn message_group(record: &SqsMessage) -> Option<&str> {
    record.attributes.get(MESSAGE_GROUP_ID).map(String::as_str)
}

/// Runs `process` on each record in order and returns the batch item failures; records
/// skipped behind a failed record of their FIFO group are reported failed.
///
/// A record without a message id cannot be reported; it is processed like the others and, if it
/// fails, the whole batch is reported failed (the safe side: nothing is dropped).
pub async fn process<F, Fut, E>(event: SqsEvent, process: F) -> SqsBatchResponse
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    process_with_skip(event, process, |_| std::future::ready(false)).await
}

/// Like [`process`], but each record skipped behind a failed record of its FIFO group goes to
/// `skipped`, which answers whether it settled the record itself (`true`: not reported failed)
/// or it returns to the queue (`false`).
pub async fn process_with_skip<F, Fut, E, S, SFut>(event: SqsEvent, mut process: F, mut skipped: S) -> SqsBatchResponse
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
    S: FnMut(SqsMessage) -> SFut,
    SFut: Future<Output = bool>,
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
                if !skipped(record).await {
                    match id {
                        Some(id) => failures.push(id),
                        None => fail_all = true,
                    }
                }
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
        let fixture: SqsEvent = serde_json::from_str(include_str!("../../testkit/fixtures/example-sqs-event.json")).expect("fixture");
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

    #[test]
    fn backoff_is_short_growing_and_capped() {
        let b = Backoff { base_secs: 2, max_secs: 60 };
        let delays: Vec<u32> = (1..=7).map(|r| b.delay(r)).collect();
        assert_eq!(delays, vec![2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(b.delay(0), 2);
        assert_eq!(b.delay(200), 60, "no overflow on a huge receive count");
    }

    #[tokio::test]
    async fn skipped_records_go_to_the_skip_callback_which_may_settle_them() {
        let ev = event(&[("a1", Some("A")), ("a2", Some("A")), ("a3", Some("A"))]);
        let mut skipped_seen = Vec::new();
        let resp = process_with_skip(
            ev,
            |r| async move {
                if r.body.as_deref() == Some("a1") {
                    Err("boom")
                } else {
                    Ok(())
                }
            },
            |r| {
                let body = r.body.unwrap_or_default();
                skipped_seen.push(body.clone());
                std::future::ready(body == "a3")
            },
        )
        .await;
        assert_eq!(skipped_seen, vec!["a2", "a3"]);
        assert_eq!(ids(&resp), vec!["a1", "a2"], "a3 was settled by the callback");
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
