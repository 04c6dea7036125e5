//! Sending JSON messages to SQS, FIFO-aware.
//!
//! On a FIFO queue (URL ending in `.fifo`) the message group is [`message_group`] of (user id,
//! session id): one user's session keeps its turns in order and never blocks, or is blocked by,
//! another user's session of the same id. The request id is the deduplication id (a client
//! retry within five minutes is not enqueued twice).

use serde::Serialize;

use crate::error::{sdk_disposition, sdk_message, Classify, Disposition};

/// Sending failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The message did not serialize (a bug).
    #[error("message did not serialize: {0}")]
    Serialize(#[from] serde_json::Error),
    /// SQS refused or could not be reached.
    #[error("SQS SendMessage failed: {message}")]
    Sqs {
        /// What SQS said.
        message: String,
        /// Whether a retry may help.
        disposition: Disposition,
    },
}

impl Classify for QueueError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Serialize(_) => Disposition::Permanent,
            Self::Sqs { disposition, .. } => *disposition,
        }
    }
}

/// The FIFO message group of a conversation turn: the SHA-256 (hex) of the user id and the
/// session id. Every sender uses this one function, so a session's turns share one group, two
/// users who name the same session id never share one, and no raw id reaches SQS.
pub fn message_group(user_id: &str, session_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut ctx = Sha256::new();
    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    ctx.update((user_id.len() as u64).to_be_bytes());
    ctx.update(user_id.as_bytes());
    ctx.update(session_id.as_bytes());
    ctx.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The URL of the queue with ARN `arn` (`arn:aws:sqs:{region}:{account}:{name}`), as a Lambda
/// SQS record names its source in `eventSourceARN`. SQS takes the queue from the URL's path, so
/// the URL works with any endpoint the client is configured with.
pub fn url_from_arn(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(partition), Some("sqs"), Some(region), Some(account), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let domain = if partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
    Some(format!("https://sqs.{region}.{domain}/{account}/{name}"))
}

/// A queue the handler sends to; built once per sandbox.
#[derive(Debug, Clone)]
pub struct Queue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl Queue {
    /// The queue at `url`.
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self { client, url: url.into() }
    }

    /// The queue's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the queue is FIFO (its name ends in `.fifo`).
    pub fn is_fifo(&self) -> bool {
        self.url.ends_with(".fifo")
    }

    /// Sends `body` as JSON; `group` and `dedup` are used on FIFO queues only (take the group
    /// from [`message_group`]).
    pub async fn send<T: Serialize>(&self, body: &T, group: &str, dedup: &str) -> Result<(), QueueError> {
        self.send_raw(serde_json::to_string(body)?, group, dedup).await
    }

    /// Sends `body` as it is (a dead-lettered record keeps its original bytes).
    pub async fn send_raw(&self, body: String, group: &str, dedup: &str) -> Result<(), QueueError> {
        let mut req = self.client.send_message().queue_url(&self.url).message_body(body);
        if self.is_fifo() {
            req = req.message_group_id(group).message_deduplication_id(dedup);
        }
        req.send().await.map_err(|e| QueueError::Sqs { disposition: sdk_disposition(&e), message: sdk_message(&e) })?;
        Ok(())
    }

    /// Makes the received message `receipt_handle` visible again after `seconds`.
    pub async fn change_visibility(&self, receipt_handle: &str, seconds: u32) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(i32::try_from(seconds).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| QueueError::Sqs { disposition: sdk_disposition(&e), message: sdk_message(&e) })?;
        Ok(())
    }

    /// The same queue through another client handle (shares `client`).
    pub fn client(&self) -> &aws_sdk_sqs::Client {
        &self.client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_per_user_and_session_and_hide_the_ids() {
        let alice = message_group("alice", "s1");
        assert_eq!(alice, message_group("alice", "s1"), "a session's turns share a group");
        assert_ne!(alice, message_group("bob", "s1"), "same session id, other user: other group");
        assert_ne!(alice, message_group("alice", "s2"));
        assert_ne!(message_group("ab", "c"), message_group("a", "bc"), "no ambiguity at the boundary");
        assert_eq!(alice.len(), 64, "SHA-256 hex fits SQS's 128-character group id");
        // Python: hashlib.sha256(struct.pack(">Q", 5) + b"alice" + b"s1").hexdigest(). Pinned so
        // that a change of hash implementation never moves a live session to another group.
        assert_eq!(alice, "000cac2f0369b0040f799e69f96c5add2058e51a8218136c22fe6bc716278f0f");
        assert!(!alice.contains("alice") && !alice.contains("s1"));
    }

    #[test]
    fn queue_url_from_an_event_source_arn() {
        assert_eq!(
            url_from_arn("arn:aws:sqs:eu-west-1:123456789012:agent-input.fifo").as_deref(),
            Some("https://sqs.eu-west-1.amazonaws.com/123456789012/agent-input.fifo")
        );
        assert_eq!(url_from_arn("arn:aws:sns:eu-west-1:1:x"), None);
        assert_eq!(url_from_arn("queue"), None);
    }
}
