//! Sending JSON messages to SQS, FIFO-aware.
//!
//! On a FIFO queue (URL ending in `.fifo`) the session id is the message group (a session's
//! turns stay in order) and the request id the deduplication id (a client retry within five
//! minutes is not enqueued twice).

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

    /// Sends `body` as JSON; `group` and `dedup` are used on FIFO queues only.
    pub async fn send<T: Serialize>(&self, body: &T, group: &str, dedup: &str) -> Result<(), QueueError> {
        let json = serde_json::to_string(body)?;
        let mut req = self.client.send_message().queue_url(&self.url).message_body(json);
        if self.is_fifo() {
            req = req.message_group_id(group).message_deduplication_id(dedup);
        }
        req.send().await.map_err(|e| QueueError::Sqs { disposition: sdk_disposition(&e), message: sdk_message(&e) })?;
        Ok(())
    }
}
