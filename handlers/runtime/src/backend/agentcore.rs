//! The AgentCore backend: one `InvokeAgentRuntime` per turn (SigV4 with the handler's role),
//! the [`TurnRequest`] as the payload. The runtime answers with one
//! [`TurnAnswer`](agentcdk_contract::backend::TurnAnswer) JSON object, or streams
//! (`text/event-stream`): each event's data a JSON string (a piece of the reply, as a Strands
//! agent's `yield` sends it) or a `TurnAnswer` object (a reply piece, or an error ending the
//! turn); other events (a framework's own) are skipped. Pieces reach `on_text` as they arrive.
//!
//! The runtime session is [`runtime_session_id`]`(user, session)`: a session's turns share it,
//! two users naming the same session id never do. Throttling and 5xx are retryable, every other
//! refusal permanent; the client has no SDK retries (not idempotent) and no stalled-stream
//! protection (an agent may think longer than its grace period without a byte).

use agentcdk_contract::backend::{TurnAnswer, TurnRequest};
use agentcdk_contract::env;
use aws_sdk_bedrockagentcore::config::retry::RetryConfig;
use aws_sdk_bedrockagentcore::config::StalledStreamProtectionConfig;
use aws_sdk_bedrockagentcore::error::DisplayErrorContext;
use aws_sdk_bedrockagentcore::primitives::Blob;

use super::BackendError;
use crate::agent::{SseDecoder, TextSink};
use crate::config;
use crate::error::{sdk_disposition, Disposition};

/// An AgentCore runtime running the turn.
#[derive(Debug, Clone)]
pub struct AgentCoreBackend {
    client: aws_sdk_bedrockagentcore::Client,
    arn: String,
    qualifier: String,
}

/// The AgentCore client of the backend: the shared config, [`env::AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`]
/// when set, no retries, no stalled-stream protection.
pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_bedrockagentcore::Client {
    let mut conf = aws_sdk_bedrockagentcore::config::Builder::from(sdk)
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .retry_config(RetryConfig::disabled());
    if let Some(url) = config::optional(env::AWS_ENDPOINT_URL_BEDROCK_AGENTCORE) {
        conf = conf.endpoint_url(url);
    }
    aws_sdk_bedrockagentcore::Client::from_conf(conf.build())
}

/// The runtime session of `session_id` for `user_id`: the SHA-256 (hex, 64 characters, inside
/// AgentCore's 33–256) of both, length-prefixed — the one binding the FIFO message groups use
/// ([`crate::queue::message_group`]), so a session's turns share it and users never meet.
pub fn runtime_session_id(user_id: &str, session_id: &str) -> String {
    crate::queue::message_group(user_id, session_id)
}

impl AgentCoreBackend {
    /// The runtime `arn` on endpoint `qualifier`, invoked through `client`.
    pub fn new(client: aws_sdk_bedrockagentcore::Client, arn: String, qualifier: String) -> Self {
        Self { client, arn, qualifier }
    }

    /// Invokes the runtime with `request`; its reply (streamed pieces to `on_text`), or the
    /// failure classified.
    pub async fn run(&self, request: &TurnRequest, mut on_text: Option<&mut TextSink<'_>>) -> Result<String, BackendError> {
        let payload = serde_json::to_vec(request).map_err(|e| BackendError::Permanent(e.to_string()))?;
        let out = self
            .client
            .invoke_agent_runtime()
            .agent_runtime_arn(&self.arn)
            .qualifier(&self.qualifier)
            .runtime_session_id(runtime_session_id(&request.user_id, &request.session_id))
            .content_type("application/json")
            .accept("text/event-stream, application/json")
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| {
                let message = format!("InvokeAgentRuntime failed: {}", DisplayErrorContext(&e));
                match sdk_disposition(&e) {
                    Disposition::Retryable => BackendError::Retryable(message),
                    Disposition::Permanent => BackendError::Permanent(message),
                }
            })?;
        let streamed = out.content_type.starts_with("text/event-stream");
        let mut body = out.response;
        let mut sse = SseDecoder::new();
        let mut buffered = Vec::new();
        let mut reply = String::new();
        loop {
            let chunk = match body.next().await {
                None => break,
                Some(Ok(chunk)) => chunk,
                Some(Err(e)) => return Err(BackendError::Retryable(format!("the runtime's answer broke off: {e}"))),
            };
            if !streamed {
                buffered.extend_from_slice(&chunk);
                continue;
            }
            for data in sse.push(&chunk) {
                piece(&data, &mut reply, on_text.as_deref_mut())?;
            }
        }
        if !streamed {
            let text = super::answer(&buffered)?;
            if let Some(on_text) = on_text {
                on_text(&text);
            }
            return Ok(text);
        }
        if let Some(data) = sse.finish() {
            piece(&data, &mut reply, on_text)?;
        }
        Ok(reply)
    }
}

/// One streamed event's data: a JSON string or a reply object is a piece of the reply, an
/// error object ends the turn; anything else is skipped.
fn piece(data: &str, reply: &mut String, on_text: Option<&mut TextSink<'_>>) -> Result<(), BackendError> {
    let text = match serde_json::from_str::<serde_json::Value>(data) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(value @ serde_json::Value::Object(_)) => match serde_json::from_value::<TurnAnswer>(value) {
            Ok(TurnAnswer::Reply { reply }) => reply,
            Ok(TurnAnswer::Error { error }) => return Err(BackendError::reported(error.message, error.retryable)),
            Err(_) => return Ok(()),
        },
        _ => return Ok(()),
    };
    if let Some(on_text) = on_text {
        on_text(&text);
    }
    reply.push_str(&text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_long_enough_stable_and_bound_to_the_user() {
        let a = runtime_session_id("alice", "s1");
        assert!(a.len() >= agentcdk_contract::wire::AGENTCORE_MIN_SESSION_ID_CHARS, "{a}");
        assert_eq!(a, runtime_session_id("alice", "s1"));
        assert_ne!(a, runtime_session_id("bob", "s1"));
    }

    #[test]
    fn streamed_pieces_build_the_reply_and_errors_end_it() {
        let mut reply = String::new();
        let mut seen = Vec::new();
        let mut sink = |t: &str| seen.push(t.to_owned());
        for data in [r#""Hel""#, r#"{"event": {"other": 1}}"#, r#"{"reply": "lo"}"#, "not json"] {
            piece(data, &mut reply, Some(&mut sink)).expect("piece");
        }
        assert_eq!(reply, "Hello");
        assert_eq!(seen, ["Hel", "lo"]);
        let err = piece(r#"{"error": {"message": "busy", "retryable": true}}"#, &mut reply, None);
        assert_eq!(err, Err(BackendError::Retryable("busy".into())));
    }
}
