//! Replies too large to travel inline: where the limits are, and the S3 bucket that holds the
//! text of a reply over them.
//!
//! A completed reply exists in two places that have a size limit: the [`AgentResult`] on the
//! output queue (SQS: 256 KiB per message, measured on the serialized JSON, where escaping can
//! make a reply several times longer than its text) and the responses item (DynamoDB: 400 KB
//! per item, which holds the reply twice: the runner's `run_reply` and the client's `reply`).
//! [`fits_inline`] checks both on the exact forms that are sent and stored; a reply that does
//! not fit is put in the bucket under its request id and passed on as a [`StoredReply`].

use std::sync::{Arc, OnceLock};

use agentcdk_contract::env;
use agentcdk_contract::wire::{AgentResult, Outcome, Reply, StoredReply};
use aws_sdk_s3::primitives::ByteStream;

use super::StoreError;
use crate::error::{sdk_disposition, sdk_message};

/// Largest SQS message body, bytes (the queues' `MaximumMessageSize` default of 256 KiB).
pub const SQS_MESSAGE_LIMIT: usize = 256 * 1024;
/// Largest DynamoDB item, bytes: attribute names plus values (DynamoDB's 400 KB).
pub const DYNAMODB_ITEM_LIMIT: usize = 400_000;
/// Room kept in the responses item for everything but the ids and the two reply copies:
/// attribute names, status, TTL, run state and lease (about 100 bytes today).
pub const ITEM_RESERVE_BYTES: usize = 1024;

/// Bytes the responses item of `result` takes with its reply inline: the ids, the reserve and
/// both copies of the reply.
pub fn item_bytes(result: &AgentResult, reply: &str) -> usize {
    ITEM_RESERVE_BYTES + result.request_id.len() + result.session_id.len() + result.user_id.len() + 2 * reply.len()
}

/// Whether `result` (a completion with an inline reply) fits both the output queue and the
/// responses item; a failure or a stored reply always fits.
pub fn fits_inline(result: &AgentResult) -> bool {
    let Outcome::Completed { reply: Reply::Inline(text) } = &result.outcome else {
        return true;
    };
    if item_bytes(result, text) > DYNAMODB_ITEM_LIMIT {
        return false;
    }
    serde_json::to_vec(result).map(|json| json.len() <= SQS_MESSAGE_LIMIT).unwrap_or(false)
}

/// Makes the S3 client on first use.
type MakeClient = dyn Fn() -> aws_sdk_s3::Client + Send + Sync;

/// The reply bucket; built once per sandbox. Its S3 client is made on the first reply put or
/// fetched, not at init: most invocations never touch the bucket, and an S3 client is the
/// costliest SDK client to build (its config carries checksum, S3 Express and endpoint plugins).
#[derive(Clone)]
pub struct ReplyStore {
    client: Arc<OnceLock<aws_sdk_s3::Client>>,
    make: Arc<MakeClient>,
    bucket: String,
}

impl std::fmt::Debug for ReplyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyStore").field("bucket", &self.bucket).field("client_built", &self.client.get().is_some()).finish()
    }
}

impl ReplyStore {
    /// The bucket `bucket`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        let ready = OnceLock::new();
        let _ = ready.set(client.clone());
        Self { client: Arc::new(ready), make: Arc::new(move || client.clone()), bucket: bucket.into() }
    }

    /// The bucket `REPLY_BUCKET` names, if set; its client is built on first use. With an
    /// endpoint override (moto, a local stack) requests use path-style addressing:
    /// virtual-hosted buckets need DNS names.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Option<Self> {
        Some(Self::deferred(sdk, crate::config::optional(env::REPLY_BUCKET)?))
    }

    /// The bucket `bucket`, its client made from `sdk` on first use.
    fn deferred(sdk: &aws_config::SdkConfig, bucket: String) -> Self {
        let sdk = sdk.clone();
        let make = move || {
            let conf = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(sdk.endpoint_url().is_some()).build();
            aws_sdk_s3::Client::from_conf(conf)
        };
        Self { client: Arc::new(OnceLock::new()), make: Arc::new(make), bucket }
    }

    /// The S3 client, built by the first caller.
    fn client(&self) -> &aws_sdk_s3::Client {
        self.client.get_or_init(|| (self.make)())
    }

    /// Whether the S3 client has been built (tests check that init builds none).
    pub fn client_built(&self) -> bool {
        self.client.get().is_some()
    }

    /// The object key of `request_id`'s reply.
    pub fn key(request_id: &str) -> String {
        format!("replies/{request_id}.txt")
    }

    /// Stores `text` as the reply of `request_id` (idempotent: the same key every time).
    pub async fn put(&self, request_id: &str, text: &str) -> Result<StoredReply, StoreError> {
        let key = Self::key(request_id);
        self.client()
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("text/plain; charset=utf-8")
            .body(ByteStream::from(text.as_bytes().to_vec()))
            .send()
            .await
            .map_err(|e| StoreError::Object { op: "PutObject", disposition: sdk_disposition(&e), message: sdk_message(&e) })?;
        Ok(StoredReply { s3_bucket: self.bucket.clone(), s3_key: key, bytes: text.len() as u64 })
    }

    /// The text of a stored reply.
    pub async fn get(&self, stored: &StoredReply) -> Result<String, StoreError> {
        let out =
            self.client().get_object().bucket(&stored.s3_bucket).key(&stored.s3_key).send().await.map_err(|e| StoreError::Object {
                op: "GetObject",
                disposition: sdk_disposition(&e),
                message: sdk_message(&e),
            })?;
        let corrupt = |reason: String| StoreError::Corrupt { table: stored.s3_bucket.clone(), key: stored.s3_key.clone(), reason };
        let bytes = out.body.collect().await.map_err(|e| corrupt(format!("body: {e}")))?.into_bytes();
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("not UTF-8".into()))
    }

    /// The text of `reply`, fetched when it is stored.
    pub async fn text(&self, reply: &Reply) -> Result<String, StoreError> {
        match reply {
            Reply::Inline(text) => Ok(text.clone()),
            Reply::Stored(stored) => self.get(stored).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcdk_contract::wire::ReplyTarget;

    fn result(reply: String) -> AgentResult {
        AgentResult {
            request_id: "r".repeat(36),
            session_id: "s".into(),
            user_id: "u".into(),
            reply_to: ReplyTarget::Poll,
            outcome: Outcome::Completed { reply: Reply::Inline(reply) },
        }
    }

    #[test]
    fn the_s3_client_is_built_on_first_use_once_for_all_clones() {
        let store = ReplyStore::deferred(&crate::aws::from_env(), "replies".into());
        let clone = store.clone();
        assert!(!store.client_built(), "init builds no S3 client");
        let _ = clone.client();
        assert!(store.client_built(), "a clone shares the client it built");
    }

    #[test]
    fn the_item_limit_counts_both_copies() {
        let fixed = item_bytes(&result(String::new()), "");
        let max = (DYNAMODB_ITEM_LIMIT - fixed) / 2;
        assert!(fits_inline(&result("a".repeat(max))), "just under");
        assert!(!fits_inline(&result("a".repeat(max + 1))), "just over");
        assert!(max < SQS_MESSAGE_LIMIT, "for plain text the item is the tighter limit");
    }

    #[test]
    fn the_queue_limit_is_measured_on_the_serialized_json() {
        // A quote is 1 byte of text and 2 of JSON: the text fits the item, the JSON not the queue.
        let overhead = serde_json::to_vec(&result(String::new())).map(|j| j.len()).unwrap_or_default();
        let quotes = (SQS_MESSAGE_LIMIT - overhead) / 2;
        let under = "\"".repeat(quotes) + &"a".repeat((SQS_MESSAGE_LIMIT - overhead) % 2);
        assert_eq!(serde_json::to_vec(&result(under.clone())).map(|j| j.len()).unwrap_or_default(), SQS_MESSAGE_LIMIT);
        assert!(fits_inline(&result(under.clone())), "exactly at the limit");
        assert!(!fits_inline(&result(under + "a")), "one byte over");
        let control = "\u{1}".repeat(50_000); // 50 KB of text, 300 KB of JSON
        assert!(!fits_inline(&result(control)));
    }
}
