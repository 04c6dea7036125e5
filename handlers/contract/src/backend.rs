//! Agent backends: who runs an agent's turn when it is not the stock Rust loop. What the
//! constructs write into [`AGENT_BACKEND`](crate::env::AGENT_BACKEND), and the JSON contract a
//! Function backend (a user's Lambda, any runtime) speaks; an AgentCore backend receives the
//! same request as its `InvokeAgentRuntime` payload.
//!
//! The handler sends one [`TurnRequest`] per turn and expects one [`TurnAnswer`]:
//!
//! ```json
//! {"request_id": "b7c…", "session_id": "s1", "user_id": "auth0|42", "message": "Where is my order?",
//!  "history": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}]}
//! ```
//!
//! answered by `{"reply": "It ships tomorrow."}`, or by
//! `{"error": {"message": "inventory service down", "retryable": true}}`. A retryable error is
//! retried by the pipeline (Queue and WebSocket: the SQS retry and dead-letter path); a
//! permanent one (`"retryable": false`, an unhandled exception of the function, an answer that
//! is neither shape) fails the request at once and its client is told. The history is the
//! session's, kept by agentcdk (the backend stores nothing); the same `request_id` can come
//! again after a retry.
//!
//! An AgentCore backend may stream instead: a `text/event-stream` answer whose `data:` lines
//! are JSON strings (text pieces, e.g. a Strands `yield`), or one [`TurnAnswer`] object; the
//! pieces reach the client as they arrive in Stream and WebSocket modes.

use serde::{Deserialize, Serialize};

/// The value of [`AGENT_BACKEND`](crate::env::AGENT_BACKEND): JSON, tagged by `kind`. Example:
/// `{"kind": "function", "arn": "arn:aws:lambda:us-east-1:123456789012:function:my-agent"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BackendConfig {
    /// A Lambda function invoked synchronously (`Invoke`, `RequestResponse`) with a
    /// [`TurnRequest`].
    Function {
        /// The function's ARN.
        arn: String,
    },
    /// An AgentCore runtime (`InvokeAgentRuntime`, SigV4 with the handler's role).
    #[serde(rename = "agentcore")]
    AgentCore {
        /// The runtime's ARN.
        arn: String,
        /// The endpoint invoked. Default: [`DEFAULT_AGENT_RUNTIME_QUALIFIER`](crate::env::DEFAULT_AGENT_RUNTIME_QUALIFIER).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
    },
}

/// Parses the value of [`AGENT_BACKEND`](crate::env::AGENT_BACKEND).
pub fn parse_backend(value: &str) -> Result<BackendConfig, serde_json::Error> {
    serde_json::from_str(value)
}

/// One turn, as the backend receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRequest {
    /// The request's id: stable across retries of the same request.
    pub request_id: String,
    /// The client's session id.
    pub session_id: String,
    /// The verified caller (`anonymous` on a public API).
    pub user_id: String,
    /// The user's message.
    pub message: String,
    /// The session's earlier turns, oldest first (text only; tool calls of builtin turns are
    /// left out).
    pub history: Vec<HistoryMessage>,
}

/// One message of a [`TurnRequest`]'s history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryMessage {
    /// Who said it.
    pub role: HistoryRole,
    /// What was said.
    pub content: String,
}

/// The speaker of a [`HistoryMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryRole {
    /// The user.
    User,
    /// The agent.
    Assistant,
}

/// The backend's answer to a [`TurnRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TurnAnswer {
    /// The agent's reply.
    Reply {
        /// Its text.
        reply: String,
    },
    /// The turn failed.
    Error {
        /// Why.
        error: TurnError,
    },
}

/// A failed turn, as the backend reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnError {
    /// What went wrong: logged, never shown to the client (it gets a fixed message).
    pub message: String,
    /// `true`: later may work (the pipeline retries); `false`: fails the request at once.
    pub retryable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_formats_round_trip() {
        let config = parse_backend(r#"{"kind": "function", "arn": "arn:aws:lambda:us-east-1:1:function:f"}"#).expect("parses");
        assert_eq!(config, BackendConfig::Function { arn: "arn:aws:lambda:us-east-1:1:function:f".into() });
        let core = parse_backend(r#"{"kind": "agentcore", "arn": "a", "qualifier": "prod"}"#).expect("parses");
        assert_eq!(core, BackendConfig::AgentCore { arn: "a".into(), qualifier: Some("prod".into()) });
        assert_eq!(parse_backend(&serde_json::to_string(&core).expect("json")).expect("parses"), core);
        assert!(parse_backend(r#"{"kind": "builtin"}"#).is_err(), "builtin is the variable unset");
        assert!(parse_backend(r#"{"kind": "function", "arn": "a", "qualifer": "x"}"#).is_err(), "typos are errors");

        let request: TurnRequest = serde_json::from_str(
            r#"{"request_id": "r", "session_id": "s", "user_id": "u", "message": "m",
                "history": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}"#,
        )
        .expect("parses");
        assert_eq!(request.history[1].role, HistoryRole::Assistant);
        let answer: TurnAnswer = serde_json::from_str(r#"{"reply": "ok"}"#).expect("parses");
        assert_eq!(answer, TurnAnswer::Reply { reply: "ok".into() });
        let failed: TurnAnswer = serde_json::from_str(r#"{"error": {"message": "down", "retryable": true}}"#).expect("parses");
        assert_eq!(failed, TurnAnswer::Error { error: TurnError { message: "down".into(), retryable: true } });
        assert!(serde_json::from_str::<TurnAnswer>(r#"{"answer": "x"}"#).is_err(), "neither shape");
    }
}
