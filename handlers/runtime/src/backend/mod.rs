//! Agent backends ([`env::AGENT_BACKEND`]): the turn run elsewhere than the builtin loop — by
//! a Lambda function of any runtime ([`function`]) or an AgentCore runtime ([`agentcore`]),
//! both speaking the contract's [`TurnRequest`] / [`TurnAnswer`].
//!
//! The handler keeps the pipeline's promises whatever the backend: it claims the request,
//! loads and saves the history (the backend gets the history's text and stores nothing), and
//! settles failures — a [`BackendError::Retryable`] fails the attempt (SQS retries it, then
//! dead-letters it and tells the client), a [`BackendError::Permanent`] fails the request at
//! once. Neither client retries on its own: an invocation is not idempotent.

pub mod agentcore;
pub mod function;

use agentcdk_contract::backend::{parse_backend, BackendConfig, HistoryMessage, HistoryRole, TurnAnswer, TurnRequest};
use agentcdk_contract::env;

use std::sync::Arc;

use crate::agent::{
    Agent, AgentError, AgentEvent, BoxFuture, Message, ModelError, ModelProvider, ModelRequest, ModelResponse, Role, TextSink,
};
use crate::config::{self, ConfigError};
use crate::error::{Classify, Disposition};

/// Who is asking, for the backend: ids of the request, its session and its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn<'a> {
    /// The request's id (stable across retries).
    pub request_id: &'a str,
    /// The client's session id.
    pub session_id: &'a str,
    /// The verified caller.
    pub user_id: &'a str,
}

/// A delegated turn failed. The message is for the log: clients get a fixed one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The backend said `retryable`, or could not be reached (throttled, timed out, 5xx).
    #[error("agent backend unavailable: {0}")]
    Retryable(String),
    /// The backend refused or failed the turn (`retryable: false`, an unhandled function
    /// error, an answer outside the contract, access denied).
    #[error("agent backend failed the turn: {0}")]
    Permanent(String),
}

impl Classify for BackendError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Retryable(_) => Disposition::Retryable,
            Self::Permanent(_) => Disposition::Permanent,
        }
    }
}

impl BackendError {
    /// The error of a [`TurnAnswer::Error`].
    fn reported(message: String, retryable: bool) -> Self {
        if retryable {
            Self::Retryable(message)
        } else {
            Self::Permanent(message)
        }
    }
}

/// The backend running the turn (built once per sandbox from [`env::AGENT_BACKEND`]).
#[derive(Debug, Clone)]
pub enum Backend {
    /// A Lambda function.
    Function(function::FunctionBackend),
    /// An AgentCore runtime.
    AgentCore(agentcore::AgentCoreBackend),
}

impl Backend {
    /// The backend [`env::AGENT_BACKEND`] names; `None` when unset (the builtin loop). A
    /// malformed value fails the init.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Option<Self>, ConfigError> {
        let Some(value) = config::optional(env::AGENT_BACKEND) else {
            return Ok(None);
        };
        let parsed = parse_backend(&value).map_err(|e| ConfigError::Invalid {
            name: env::AGENT_BACKEND,
            value: value.clone(),
            reason: e.to_string(),
        })?;
        Ok(Some(match parsed {
            BackendConfig::Function { arn } => Self::Function(function::FunctionBackend::new(crate::lambda_tool::client(sdk), arn)),
            BackendConfig::AgentCore { arn, qualifier } => Self::AgentCore(agentcore::AgentCoreBackend::new(
                agentcore::client(sdk),
                arn,
                qualifier.unwrap_or_else(|| env::DEFAULT_AGENT_RUNTIME_QUALIFIER.to_owned()),
            )),
        }))
    }

    /// Runs the turn of `message` after `history`; `on_text` (when streaming) gets the reply's
    /// pieces as they arrive. Returns the whole reply.
    pub async fn run(
        &self,
        turn: &Turn<'_>,
        history: &[Message],
        message: &str,
        on_text: Option<&mut TextSink<'_>>,
    ) -> Result<String, BackendError> {
        let request = TurnRequest {
            request_id: turn.request_id.to_owned(),
            session_id: turn.session_id.to_owned(),
            user_id: turn.user_id.to_owned(),
            message: message.to_owned(),
            history: history_of(history),
        };
        match self {
            Self::Function(f) => {
                let reply = f.run(&request).await?;
                if let Some(on_text) = on_text {
                    on_text(&reply);
                }
                Ok(reply)
            }
            Self::AgentCore(a) => a.run(&request, on_text).await,
        }
    }
}

/// The model of an agent whose turns its backend runs: never called ([`Agent::answer`] goes to
/// the backend), and failing permanently if a caller of [`Agent::respond`] tried.
#[derive(Debug)]
struct NoModel;

impl ModelProvider for NoModel {
    fn converse<'a>(&'a self, _request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelResponse, ModelError>> {
        Box::pin(async { Err(ModelError::Permanent("this agent's turns run in its backend (AGENT_BACKEND): use Agent::answer".into())) })
    }
}

impl Agent {
    /// An agent whose turns `backend` runs.
    pub fn delegating(backend: Backend) -> Self {
        let mut agent = Agent::new(Arc::new(NoModel), "");
        agent.backend = Some(backend);
        agent
    }

    /// One user turn of `turn`, run by the backend when there is one, else by the loop
    /// ([`Agent::respond`], or [`Agent::respond_streaming`] with a `sink`). `history` is
    /// extended with the turn (a backend's: the user's message and the reply) for the caller
    /// to save on success; `sink` gets the reply's text pieces as they arrive.
    pub async fn answer(
        &self,
        turn: &Turn<'_>,
        history: &mut Vec<Message>,
        user_text: &str,
        sink: Option<&mut (dyn for<'e> FnMut(AgentEvent<'e>) + Send)>,
    ) -> Result<String, AgentError> {
        let Some(backend) = &self.backend else {
            return match sink {
                None => self.respond(history, user_text).await,
                Some(sink) => self.respond_streaming(history, user_text, sink).await,
            };
        };
        let result = match sink {
            None => backend.run(turn, history, user_text, None).await,
            Some(sink) => {
                let mut on_text = |t: &str| sink(AgentEvent::Text(t));
                backend.run(turn, history, user_text, Some(&mut on_text)).await
            }
        }
        .map_err(AgentError::from);
        // The run's outcome, as the builtin loop reports it (turns and tokens are the backend's).
        crate::agent::run::with_outcome(crate::metrics::Record::new(), &result).emit();
        let reply = result?;
        history.push(Message::user_text(user_text));
        history.push(Message::assistant_text(reply.clone()));
        Ok(reply)
    }
}

/// The history as the backend sees it: each message's text, tool calls and results left out
/// (a session may have begun under the builtin loop).
pub fn history_of(messages: &[Message]) -> Vec<HistoryMessage> {
    messages
        .iter()
        .filter_map(|m| {
            let content = m.text();
            let role = match m.role {
                Role::User => HistoryRole::User,
                Role::Assistant => HistoryRole::Assistant,
            };
            (!content.is_empty()).then_some(HistoryMessage { role, content })
        })
        .collect()
}

/// The reply of a [`TurnAnswer`] payload, or the error it reports; a payload that is neither
/// is permanent (the backend breaks the contract, and will again).
fn answer(payload: &[u8]) -> Result<String, BackendError> {
    match serde_json::from_slice::<TurnAnswer>(payload) {
        Ok(TurnAnswer::Reply { reply }) => Ok(reply),
        Ok(TurnAnswer::Error { error }) => Err(BackendError::reported(error.message, error.retryable)),
        Err(e) => Err(BackendError::Permanent(format!(
            "the answer is neither {{\"reply\": …}} nor {{\"error\": {{\"message\": …, \"retryable\": …}}}}: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Block;

    #[test]
    fn answers_map_to_replies_and_dispositions() {
        assert_eq!(answer(br#"{"reply": "hi"}"#), Ok("hi".into()));
        assert_eq!(answer(br#"{"error": {"message": "down", "retryable": true}}"#), Err(BackendError::Retryable("down".into())));
        assert_eq!(answer(br#"{"error": {"message": "no", "retryable": false}}"#), Err(BackendError::Permanent("no".into())));
        assert!(matches!(answer(br#""just text""#), Err(BackendError::Permanent(_))));
        assert!(matches!(answer(b""), Err(BackendError::Permanent(_))));
    }

    #[test]
    fn history_keeps_the_text_of_each_message_only() {
        let messages = vec![
            Message::user_text("hi"),
            Message::assistant(vec![Block::ToolUse { id: "1".into(), name: "t".into(), input: serde_json::json!({}) }]),
            Message::tool_results(vec![Block::ToolResult { id: "1".into(), content: "r".into(), is_error: false }]),
            Message::assistant_text("hello"),
        ];
        let h = history_of(&messages);
        assert_eq!(
            h,
            vec![
                HistoryMessage { role: HistoryRole::User, content: "hi".into() },
                HistoryMessage { role: HistoryRole::Assistant, content: "hello".into() }
            ]
        );
    }
}
