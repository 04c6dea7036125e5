//! Completion events: every queued run that ends puts `Agent Run Completed` or `Agent Run
//! Failed` on the bus in `COMPLETION_EVENT_BUS`, so other agents and notifiers can subscribe.
//! At least once: the event goes after the result is sent; a failed PutEvents fails the record
//! (retried), and the redelivery re-sends the stored reply and the event.

use agentcdk_contract::events::{
    RunEventDetail, COMPLETION_EVENT_BUS, COMPLETION_EVENT_SOURCE, COMPLETION_REPLY_INLINE_MAX_BYTES, DEFAULT_COMPLETION_SOURCE,
    DETAIL_TYPE_COMPLETED, DETAIL_TYPE_FAILED,
};
use agentcdk_contract::wire::{AgentResult, Outcome, Reply, ResponseStatus};
use agentcdk_runtime::config;
use agentcdk_runtime::store::ReplyStore;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// Why a completion event was not put.
#[derive(Debug, thiserror::Error)]
#[error("PutEvents failed: {0}")]
pub struct CompletionError(pub String);

/// Where completion events go.
#[derive(Debug, Clone)]
pub struct Completions {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    source: String,
}

impl Completions {
    /// From `COMPLETION_EVENT_BUS` (unset: `None`, no events) and `COMPLETION_EVENT_SOURCE`.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Option<Self> {
        let bus = config::optional(COMPLETION_EVENT_BUS)?;
        let source = config::optional(COMPLETION_EVENT_SOURCE).unwrap_or_else(|| DEFAULT_COMPLETION_SOURCE.into());
        Some(Self { client: aws_sdk_eventbridge::Client::new(sdk), bus, source })
    }

    /// Puts the completion event of `result`. A reply over the inline limit travels as its S3
    /// reference (stored now if it is not already); without a reply bucket it is left out.
    pub async fn put(&self, result: &AgentResult, replies: Option<&ReplyStore>) -> Result<(), CompletionError> {
        let detail = detail(result, replies).await;
        let detail_type = if detail.status == ResponseStatus::Completed { DETAIL_TYPE_COMPLETED } else { DETAIL_TYPE_FAILED };
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&self.source)
            .detail_type(detail_type)
            .detail(serde_json::to_string(&detail).map_err(|e| CompletionError(e.to_string()))?)
            .build();
        let out = self.client.put_events().entries(entry).send().await.map_err(|e| CompletionError(format!("{e:?}")))?;
        if out.failed_entry_count() > 0 {
            let code = out.entries().first().and_then(|e| e.error_code()).unwrap_or("unknown");
            return Err(CompletionError(format!("entry refused: {code}")));
        }
        tracing::info!(request_id = %result.request_id, detail_type, "completion event put");
        Ok(())
    }
}

async fn detail(result: &AgentResult, replies: Option<&ReplyStore>) -> RunEventDetail {
    let (status, reply, reason) = match &result.outcome {
        Outcome::Completed { reply } => (ResponseStatus::Completed, event_reply(&result.request_id, reply, replies).await, None),
        Outcome::Failed { reason } => (ResponseStatus::Failed, None, Some(reason.clone())),
    };
    RunEventDetail {
        request_id: result.request_id.clone(),
        session_id: result.session_id.clone(),
        user_id: result.user_id.clone(),
        status,
        reply,
        reason,
    }
}

async fn event_reply(request_id: &str, reply: &Reply, replies: Option<&ReplyStore>) -> Option<Reply> {
    match reply {
        Reply::Inline(text) if text.len() > COMPLETION_REPLY_INLINE_MAX_BYTES => {
            let Some(store) = replies else {
                tracing::warn!(request_id, bytes = text.len(), "reply too large for the event and no REPLY_BUCKET: left out");
                return None;
            };
            match store.put(request_id, text).await {
                Ok(stored) => Some(Reply::Stored(stored)),
                Err(e) => {
                    tracing::error!(request_id, error = %e, "could not store the reply for the event: left out");
                    None
                }
            }
        }
        other => Some(other.clone()),
    }
}
