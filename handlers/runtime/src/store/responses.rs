//! The responses table: what a polling client sees, and the agent-runner's idempotency claims.
//!
//! One item per request id. The request-handler writes it `pending` (with the caller's user id,
//! so GET can refuse other users); the response-handler sets `completed`/`failed`. The runner
//! keeps its own `run_*` attributes on the same item: a conditional claim before the model runs,
//! and the reply once it has, so a redelivered message re-sends the stored reply instead of
//! calling the model again.

use std::collections::HashMap;

use agentcdk_contract::keys::{RESPONSES_PK, TTL, USER_ID};
use agentcdk_contract::wire::{AgentResult, Outcome, Reply, ResponseState, StoredReply, StoredResponse};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{dynamo_err, get_s, is_condition_failed, n, s, ReplyStore, StoreError};
use crate::time::now_secs;

const SESSION_ID: &str = "session_id";
const STATUS: &str = "status";
const REPLY: &str = "reply";
/// A reply stored in S3: its [`StoredReply`] as JSON, instead of [`REPLY`].
const REPLY_REF: &str = "reply_ref";
const REASON: &str = "reason";
const RUN_STATE: &str = "run_state";
const RUN_LEASE_UNTIL: &str = "run_lease_until";
const RUN_REPLY: &str = "run_reply";
const RUN_REPLY_REF: &str = "run_reply_ref";
const RUN_ERROR: &str = "run_error";
/// The original body of a dead-lettered message, kept for inspection and replay.
const DEAD_LETTER_BODY: &str = "dead_letter_body";

/// A stored response and its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseItem {
    /// User who submitted the request.
    pub user_id: String,
    /// What the client may see.
    pub response: StoredResponse,
}

/// Result of the runner's claim on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This invocation owns the run until its lease ends: call the model.
    Acquired,
    /// An earlier delivery already ran the model: re-send this reply, do not run again.
    AlreadyDone {
        /// The stored reply.
        reply: Reply,
    },
    /// An earlier delivery failed permanently: keep failing towards the DLQ, do not run again.
    FailedPermanently {
        /// The recorded reason.
        reason: String,
    },
    /// Another invocation holds an unexpired lease: retry later.
    InProgress,
}

/// Access to the responses table; built once per sandbox.
#[derive(Debug, Clone)]
pub struct ResponsesStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    ttl_secs: u64,
    replies: Option<ReplyStore>,
}

/// When a final state may be written.
#[derive(Debug, Clone, Copy)]
enum Guard {
    /// Unless the request already completed (`completed` is final).
    NotCompleted,
    /// Only while the request is pending (its client has not been told).
    StillPending,
}

impl ResponsesStore {
    /// The table `table`; items live `ttl_secs` after their last write.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>, ttl_secs: u64) -> Self {
        Self { client, table: table.into(), ttl_secs, replies: None }
    }

    /// Reads replies stored in S3 from `replies` ([`ResponsesStore::get`] returns their text).
    pub fn with_replies(mut self, replies: Option<ReplyStore>) -> Self {
        self.replies = replies;
        self
    }

    fn expires(&self) -> AttributeValue {
        n(now_secs() + self.ttl_secs)
    }

    /// Records an accepted request as pending, owned by `user_id`.
    pub async fn put_pending(&self, request_id: &str, session_id: &str, user_id: &str) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(RESPONSES_PK, s(request_id))
            .item(SESSION_ID, s(session_id))
            .item(USER_ID, s(user_id))
            .item(STATUS, s("pending"))
            .item(TTL, self.expires())
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", RESPONSES_PK)
            .send()
            .await
            .map_err(dynamo_err("PutItem"))?;
        Ok(())
    }

    /// The stored response of `request_id`, if any (strongly consistent); a reply stored in S3
    /// is fetched, so callers always get the text.
    pub async fn get(&self, request_id: &str) -> Result<Option<ResponseItem>, StoreError> {
        let Some(item) = self.item(request_id).await? else {
            return Ok(None);
        };
        let corrupt = |reason: &str| StoreError::Corrupt { table: self.table.clone(), key: request_id.into(), reason: reason.into() };
        let user_id = get_s(&item, USER_ID).ok_or_else(|| corrupt("no user_id"))?;
        let session_id = get_s(&item, SESSION_ID).unwrap_or_default();
        let state = match get_s(&item, STATUS) {
            Some("pending") | None => ResponseState::Pending,
            Some("completed") => ResponseState::Completed { reply: self.reply_text(request_id, &item, REPLY, REPLY_REF).await? },
            Some("failed") => ResponseState::Failed { reason: get_s(&item, REASON).unwrap_or_default().into() },
            Some(other) => return Err(corrupt(&format!("unknown status {other:?}"))),
        };
        Ok(Some(ResponseItem {
            user_id: user_id.into(),
            response: StoredResponse { request_id: request_id.into(), session_id: session_id.into(), state },
        }))
    }

    /// The reply an item holds in `text_attr`, or in S3 as referenced by `ref_attr`.
    async fn reply_text(
        &self,
        request_id: &str,
        item: &HashMap<String, AttributeValue>,
        text_attr: &str,
        ref_attr: &str,
    ) -> Result<String, StoreError> {
        match stored_reply(item, ref_attr).map_err(|reason| self.corrupt(request_id, &reason))? {
            None => Ok(get_s(item, text_attr).unwrap_or_default().into()),
            Some(stored) => match &self.replies {
                Some(replies) => replies.get(&stored).await,
                None => Err(StoreError::NoReplyBucket(request_id.into())),
            },
        }
    }

    fn corrupt(&self, key: &str, reason: &str) -> StoreError {
        StoreError::Corrupt { table: self.table.clone(), key: key.into(), reason: reason.into() }
    }

    /// Stores the final result of a request. `completed` is final: a late `failed` (from an
    /// exhausted retry racing a success) does not overwrite it. Idempotent.
    pub async fn finish(&self, result: &AgentResult) -> Result<(), StoreError> {
        let (status, attr, text, others) = match &result.outcome {
            Outcome::Completed { reply: Reply::Inline(reply) } => ("completed", REPLY, reply.clone(), [REASON, REPLY_REF]),
            Outcome::Completed { reply: Reply::Stored(stored) } => ("completed", REPLY_REF, reference(stored), [REASON, REPLY]),
            Outcome::Failed { reason } => ("failed", REASON, reason.clone(), [REPLY, REPLY_REF]),
        };
        applied(self.final_update(result, status, (attr, &text), &others, Guard::NotCompleted).send().await).map(|_| ())
    }

    /// Records a message that reached a dead-letter queue: marks its request `failed` with
    /// `result`'s reason unless it already has a final state, and keeps the message `body` on
    /// the item (attribute `dead_letter_body`, until the item's TTL) for inspection and replay.
    /// Returns whether the request was still pending (its client had not been told).
    pub async fn dead_lettered(&self, result: &AgentResult, body: &str) -> Result<bool, StoreError> {
        let Outcome::Failed { reason } = &result.outcome else {
            return Err(StoreError::Corrupt {
                table: self.table.clone(),
                key: result.request_id.clone(),
                reason: "a dead-lettered request can only fail".into(),
            });
        };
        let was_pending = applied(self.final_update(result, "failed", (REASON, reason), &[], Guard::StillPending).send().await)?;
        self.client
            .update_item()
            .table_name(&self.table)
            .key(RESPONSES_PK, s(&result.request_id))
            .update_expression("SET #dl = :dl")
            .expression_attribute_names("#dl", DEAD_LETTER_BODY)
            .expression_attribute_values(":dl", s(body))
            .send()
            .await
            .map_err(dynamo_err("UpdateItem"))?;
        Ok(was_pending)
    }

    /// The update that sets the request's final `status` with `text` in attribute `attr` (and
    /// its owner if missing, and the TTL), removing `remove`, when `guard` holds. Built here and
    /// sent by the caller (an async helper around it would deepen the handlers' futures).
    fn final_update(
        &self,
        result: &AgentResult,
        status: &str,
        (attr, text): (&str, &str),
        remove: &[&str],
        guard: Guard,
    ) -> UpdateItemFluentBuilder {
        let mut expression =
            "SET #st = :st, #text = :text, #ttl = :ttl, #uid = if_not_exists(#uid, :uid), #sid = if_not_exists(#sid, :sid)".to_owned();
        let names: Vec<String> = (0..remove.len()).map(|i| format!("#rm{i}")).collect();
        if !names.is_empty() {
            expression.push_str(&format!(" REMOVE {}", names.join(", ")));
        }
        let (condition, guard_value) = match guard {
            Guard::NotCompleted => ("attribute_not_exists(#st) OR #st <> :guard", "completed"),
            Guard::StillPending => ("attribute_not_exists(#st) OR #st = :guard", "pending"),
        };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(RESPONSES_PK, s(&result.request_id))
            .update_expression(expression)
            .condition_expression(condition)
            .expression_attribute_names("#st", STATUS)
            .expression_attribute_names("#text", attr)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_names("#uid", USER_ID)
            .expression_attribute_names("#sid", SESSION_ID)
            .expression_attribute_values(":st", s(status))
            .expression_attribute_values(":text", s(text))
            .expression_attribute_values(":ttl", self.expires())
            .expression_attribute_values(":uid", s(&result.user_id))
            .expression_attribute_values(":sid", s(&result.session_id))
            .expression_attribute_values(":guard", s(guard_value));
        for (name, attr) in names.iter().zip(remove) {
            update = update.expression_attribute_names(name, *attr);
        }
        update
    }

    /// Claims the run of `request_id` until `lease_until` (epoch seconds): succeeds when no
    /// run was recorded, the last one released its claim, or its lease expired (a crashed run).
    pub async fn claim(&self, request_id: &str, lease_until: u64) -> Result<Claim, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(RESPONSES_PK, s(request_id))
            .update_expression("SET #rs = :running, #lease = :lease, #ttl = if_not_exists(#ttl, :ttl)")
            .condition_expression("attribute_not_exists(#rs) OR #rs = :retry OR (#rs = :running AND #lease < :now)")
            .expression_attribute_names("#rs", RUN_STATE)
            .expression_attribute_names("#lease", RUN_LEASE_UNTIL)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":running", s("running"))
            .expression_attribute_values(":retry", s("retry"))
            .expression_attribute_values(":lease", n(lease_until))
            .expression_attribute_values(":now", n(now_secs()))
            .expression_attribute_values(":ttl", self.expires())
            .send()
            .await;
        match res {
            Ok(_) => Ok(Claim::Acquired),
            Err(e) if is_condition_failed(&e) => self.current_claim(request_id).await,
            Err(e) => Err(dynamo_err("UpdateItem")(e)),
        }
    }

    /// The item of `request_id`, read strongly consistent.
    async fn item(&self, request_id: &str) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(RESPONSES_PK, s(request_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err("GetItem"))?;
        Ok(out.item)
    }

    async fn current_claim(&self, request_id: &str) -> Result<Claim, StoreError> {
        let item = self.item(request_id).await?.unwrap_or_default();
        Ok(match get_s(&item, RUN_STATE) {
            Some("done") => Claim::AlreadyDone {
                reply: match stored_reply(&item, RUN_REPLY_REF).map_err(|reason| self.corrupt(request_id, &reason))? {
                    Some(stored) => Reply::Stored(stored),
                    None => Reply::Inline(get_s(&item, RUN_REPLY).unwrap_or_default().into()),
                },
            },
            Some("failed") => Claim::FailedPermanently { reason: get_s(&item, RUN_ERROR).unwrap_or_default().into() },
            _ => Claim::InProgress,
        })
    }

    /// Records that the run of `request_id` produced `reply` (before the reply is sent on).
    pub async fn run_done(&self, request_id: &str, reply: &Reply) -> Result<(), StoreError> {
        match reply {
            Reply::Inline(text) => self.set_run(request_id, "done", Some((RUN_REPLY, text))).await,
            Reply::Stored(stored) => self.set_run(request_id, "done", Some((RUN_REPLY_REF, &reference(stored)))).await,
        }
    }

    /// Records that the run of `request_id` failed permanently, with the reason.
    pub async fn run_failed(&self, request_id: &str, reason: &str) -> Result<(), StoreError> {
        self.set_run(request_id, "failed", Some((RUN_ERROR, reason))).await
    }

    /// Releases the claim after a retryable failure, so the next delivery may run.
    pub async fn run_release(&self, request_id: &str) -> Result<(), StoreError> {
        self.set_run(request_id, "retry", None).await
    }

    async fn set_run(&self, request_id: &str, state: &str, extra: Option<(&str, &str)>) -> Result<(), StoreError> {
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(RESPONSES_PK, s(request_id))
            .expression_attribute_names("#rs", RUN_STATE)
            .expression_attribute_values(":rs", s(state));
        req = match extra {
            Some((name, value)) => req
                .update_expression("SET #rs = :rs, #x = :x")
                .expression_attribute_names("#x", name)
                .expression_attribute_values(":x", s(value)),
            None => req.update_expression("SET #rs = :rs"),
        };
        req.send().await.map_err(dynamo_err("UpdateItem"))?;
        Ok(())
    }
}

/// The JSON form of a stored reply's reference, as kept in an item.
fn reference(stored: &StoredReply) -> String {
    serde_json::to_string(stored).unwrap_or_default()
}

/// The stored reply referenced by attribute `name`, if the item has one.
fn stored_reply(item: &HashMap<String, AttributeValue>, name: &str) -> Result<Option<StoredReply>, String> {
    get_s(item, name).map(|json| serde_json::from_str(json).map_err(|e| format!("{name}: {e}"))).transpose()
}

/// Whether a guarded update was applied: `Ok(false)` when its condition did not hold.
fn applied<T>(res: Result<T, SdkError<UpdateItemError>>) -> Result<bool, StoreError> {
    match res {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failed(&e) => Ok(false),
        Err(e) => Err(dynamo_err("UpdateItem")(e)),
    }
}
