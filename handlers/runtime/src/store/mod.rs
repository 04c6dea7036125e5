//! DynamoDB tables of the handlers: responses (and the runner's idempotency claims), sessions
//! (conversation history) and WebSocket connections. Names from [`agentcdk_contract::keys`].

pub mod connections;
pub mod replies;
pub mod responses;
pub mod sessions;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

use crate::error::{sdk_disposition, sdk_message, Classify, Disposition};

pub use connections::ConnectionStore;
pub use replies::ReplyStore;
pub use responses::{Claim, ResponseItem, ResponsesStore};
pub use sessions::SessionStore;

/// A table operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB refused or could not be reached.
    #[error("DynamoDB {op} failed: {message}")]
    Dynamo {
        /// Operation name.
        op: &'static str,
        /// What DynamoDB said.
        message: String,
        /// Whether a retry may help.
        disposition: Disposition,
    },
    /// S3 (the reply bucket) refused or could not be reached.
    #[error("S3 {op} failed: {message}")]
    Object {
        /// Operation name.
        op: &'static str,
        /// What S3 said.
        message: String,
        /// Whether a retry may help.
        disposition: Disposition,
    },
    /// A reply is stored in S3 but this function has no reply bucket (`REPLY_BUCKET`).
    #[error("reply of {0} is stored in S3, but REPLY_BUCKET is not set")]
    NoReplyBucket(String),
    /// An item does not have the shape this code writes (a bug or a foreign writer).
    #[error("item {key} in {table} is malformed: {reason}")]
    Corrupt {
        /// Table name.
        table: String,
        /// Key of the item.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

impl Classify for StoreError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Dynamo { disposition, .. } | Self::Object { disposition, .. } => *disposition,
            Self::Corrupt { .. } | Self::NoReplyBucket(_) => Disposition::Permanent,
        }
    }
}

/// Wraps an SDK error of operation `op`.
pub(crate) fn dynamo_err<E>(op: &'static str) -> impl FnOnce(SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    move |e| StoreError::Dynamo { op, disposition: sdk_disposition(&e), message: sdk_message(&e) }
}

/// Whether an SDK error is a failed condition check.
pub(crate) fn is_condition_failed<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    matches!(e, SdkError::ServiceError(se) if se.err().code() == Some("ConditionalCheckFailedException"))
}

/// A string attribute value.
pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute value.
pub(crate) fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Reads string attribute `name` of an item.
pub(crate) fn get_s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// Reads number attribute `name` of an item.
pub(crate) fn get_n(item: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}
