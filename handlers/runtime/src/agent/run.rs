use std::sync::Arc;
use std::time::Instant;

use agentcdk_contract::env;
use agentcdk_contract::metrics::{Dimension, FailureReason, Metric};

use super::{Block, Message, ModelError, ModelProvider, ModelRequest, ModelResponse, StopReason, Toolbox};
use crate::config::{self, ConfigError};
use crate::error::{Classify, Disposition};
use crate::metrics::Record;

/// An agent run failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AgentError {
    /// The model call failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The model kept asking for tools past the bound.
    #[error("the agent did not finish within {0} model calls")]
    MaxTurns(u32),
    /// The backend running the turn failed ([`crate::backend`]).
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
}

impl AgentError {
    /// The `Reason` dimension of the `RunsFailed` metric.
    pub fn reason(&self) -> FailureReason {
        match self {
            Self::Model(ModelError::Transient(_)) => FailureReason::ModelUnavailable,
            Self::Model(ModelError::Permanent(_)) => FailureReason::ModelRejected,
            Self::MaxTurns(_) => FailureReason::MaxTurns,
            Self::Backend(crate::backend::BackendError::Retryable(_)) => FailureReason::BackendUnavailable,
            Self::Backend(crate::backend::BackendError::Permanent(_)) => FailureReason::BackendFailed,
        }
    }
}

impl Classify for AgentError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Model(e) => e.disposition(),
            Self::MaxTurns(_) => Disposition::Permanent,
            Self::Backend(e) => e.disposition(),
        }
    }
}

/// A model, a system prompt and tools; built once per sandbox.
#[derive(Debug, Clone)]
pub struct Agent {
    provider: Arc<dyn ModelProvider>,
    system_prompt: String,
    tools: Toolbox,
    max_turns: u32,
    max_tokens: u32,
    /// Who runs the turn instead of the loop (`AGENT_BACKEND`); `None`: the loop.
    pub(crate) backend: Option<crate::backend::Backend>,
}

impl Agent {
    /// An agent over `provider`.
    pub fn new(provider: Arc<dyn ModelProvider>, system_prompt: impl Into<String>) -> Self {
        Self {
            provider,
            system_prompt: system_prompt.into(),
            tools: Toolbox::new(),
            max_turns: env::DEFAULT_MAX_TURNS,
            max_tokens: env::DEFAULT_MAX_TOKENS,
            backend: None,
        }
    }

    /// The agent the environment describes (`MODEL_*`, `SYSTEM_PROMPT`, `MAX_TURNS`,
    /// `MAX_TOKENS`), with `tools`, the tools of the MCP servers of `MCP_SERVERS` (connected
    /// on first use, see [`crate::mcp`]), the Lambda tools of `LAMBDA_TOOLS`
    /// ([`crate::lambda_tool`]) and the remote agents of `A2A_AGENTS` ([`crate::a2a`]).
    /// With `AGENT_BACKEND` set, the agent delegates its turns there ([`Agent::answer`]) and
    /// reads no model variables.
    pub async fn from_env(sdk: &aws_config::SdkConfig, tools: Toolbox) -> Result<Self, ConfigError> {
        if let Some(backend) = crate::backend::Backend::from_env(sdk)? {
            return Ok(Self::delegating(backend));
        }
        let provider = super::from_env(sdk).await?;
        let tools = crate::lambda_tool::toolbox_from_env(sdk, crate::mcp::toolbox_from_env(sdk, tools).await?)?;
        Ok(Self::new(provider, config::optional(env::SYSTEM_PROMPT).unwrap_or_default())
            .with_tools(crate::a2a::toolbox_from_env(sdk, tools).await?)
            .with_max_turns(config::parse_or(env::MAX_TURNS, env::DEFAULT_MAX_TURNS)?)
            .with_max_tokens(config::parse_or(env::MAX_TOKENS, env::DEFAULT_MAX_TOKENS)?))
    }

    /// Replaces the tools.
    pub fn with_tools(mut self, tools: Toolbox) -> Self {
        self.tools = tools;
        self
    }

    /// Bounds the model calls per user turn (at least 1).
    pub fn with_max_turns(mut self, n: u32) -> Self {
        self.max_turns = n.max(1);
        self
    }

    /// Output token limit per call.
    pub fn with_max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = n;
        self
    }

    /// Answers `user_text`, appending the user message, the model's messages and tool results
    /// to `history`. On error `history` holds the partial turn: callers save only on success.
    /// Returns the text of the model's last message.
    pub async fn respond(&self, history: &mut Vec<Message>, user_text: &str) -> Result<String, AgentError> {
        self.run(history, user_text, None).await
    }

    /// [`respond`](Self::respond) with streamed model calls: `sink` gets every text piece as
    /// the model produces it and every tool call before it runs, in order. `history` is
    /// extended exactly as by `respond`.
    ///
    /// Returns everything streamed as text, concatenated over all model calls of the turn
    /// (text said before a tool call included), so the reply equals what the client saw. A
    /// failure can come after some text was streamed: the caller tells the client the turn
    /// failed and does not save `history`.
    pub async fn respond_streaming(
        &self,
        history: &mut Vec<Message>,
        user_text: &str,
        sink: &mut (dyn for<'e> FnMut(AgentEvent<'e>) + Send),
    ) -> Result<String, AgentError> {
        self.run(history, user_text, Some(sink)).await
    }

    /// The tool-use loop, with its metrics: one EMF record per model call (latency, tokens)
    /// and one per run (turns, tool calls and errors, outcome), see [`crate::metrics`].
    async fn run(
        &self,
        history: &mut Vec<Message>,
        user_text: &str,
        sink: Option<&mut (dyn for<'e> FnMut(AgentEvent<'e>) + Send)>,
    ) -> Result<String, AgentError> {
        let mut stats = RunStats::default();
        let result = self.turns(history, user_text, sink, &mut stats).await;
        stats.emit(&result);
        result
    }

    /// One model call, timed; its metrics are emitted when it answers.
    async fn call_model<'d>(
        &self,
        request: ModelRequest<'_>,
        sink: Option<&mut (dyn for<'e> FnMut(AgentEvent<'e>) + Send + 'd)>,
        streamed: &mut String,
    ) -> Result<ModelResponse, ModelError> {
        let started = Instant::now();
        let response = match sink {
            None => self.provider.converse(request).await?,
            Some(sink) => {
                let mut on_text = |t: &str| {
                    streamed.push_str(t);
                    sink(AgentEvent::Text(t));
                };
                self.provider.converse_stream(request, &mut on_text).await?
            }
        };
        Record::new()
            .dimension(Dimension::Model, self.provider.model_id())
            .metric(Metric::ModelLatency, started.elapsed().as_secs_f64() * 1000.0)
            .metric(Metric::InputTokens, response.usage.input_tokens as f64)
            .metric(Metric::OutputTokens, response.usage.output_tokens as f64)
            .emit();
        Ok(response)
    }

    async fn turns(
        &self,
        history: &mut Vec<Message>,
        user_text: &str,
        mut sink: Option<&mut (dyn for<'e> FnMut(AgentEvent<'e>) + Send)>,
        stats: &mut RunStats,
    ) -> Result<String, AgentError> {
        history.push(Message::user_text(user_text));
        let tools = self.tools.resolved().await;
        let specs = tools.specs();
        let mut streamed = String::new();
        for turn in 1..=self.max_turns {
            let request = ModelRequest { system: &self.system_prompt, messages: history, tools: &specs, max_tokens: self.max_tokens };
            stats.turns = turn;
            let response = self.call_model(request, sink.as_deref_mut(), &mut streamed).await?;
            let calls: Vec<(String, String, serde_json::Value)> = response
                .message
                .content
                .iter()
                .filter_map(|b| match b {
                    Block::ToolUse { id, name, input } => Some((id.clone(), name.clone(), input.clone())),
                    _ => None,
                })
                .collect();
            let text = response.message.text();
            history.push(response.message);
            if response.stop != StopReason::ToolUse || calls.is_empty() {
                tracing::info!(turn, stop = ?response.stop, "agent finished");
                return Ok(if sink.is_some() { streamed } else { text });
            }
            let mut results = Vec::with_capacity(calls.len());
            for (id, name, input) in calls {
                tracing::info!(turn, tool = %name, "tool call");
                if let Some(sink) = sink.as_deref_mut() {
                    sink(AgentEvent::ToolCall { id: &id, name: &name, input: &input });
                }
                let (content, is_error) = match tools.call(&name, input).await {
                    Ok(out) => (out, false),
                    Err(e) => (e.0, true),
                };
                stats.tool_calls += 1;
                stats.tool_errors += u32::from(is_error);
                results.push(Block::ToolResult { id, content, is_error });
            }
            history.push(Message::tool_results(results));
        }
        Err(AgentError::MaxTurns(self.max_turns))
    }
}

/// What one run did, for its metrics record.
#[derive(Debug, Default)]
struct RunStats {
    turns: u32,
    tool_calls: u32,
    tool_errors: u32,
}

impl RunStats {
    /// Writes the run's record: turns, tool calls and errors, and its outcome (failed runs per
    /// [`FailureReason`] too).
    fn emit(&self, result: &Result<String, AgentError>) {
        let record = Record::new()
            .metric(Metric::Turns, f64::from(self.turns))
            .metric(Metric::ToolCalls, f64::from(self.tool_calls))
            .metric(Metric::ToolErrors, f64::from(self.tool_errors));
        with_outcome(record, result).emit();
    }
}

/// `record` with the run's outcome: `RunsCompleted`, or `RunsFailed` with its reason.
pub(crate) fn with_outcome<T>(record: Record, result: &Result<T, AgentError>) -> Record {
    match result {
        Ok(_) => record.metric(Metric::RunsCompleted, 1.0),
        Err(e) => record.dimension(Dimension::Reason, e.reason().as_str()).metric(Metric::RunsFailed, 1.0),
    }
}

/// What [`Agent::respond_streaming`] reports while it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AgentEvent<'a> {
    /// The next piece of the model's text.
    Text(&'a str),
    /// The model called a tool; it runs now, its result goes to the next model call.
    ToolCall {
        /// Call id.
        id: &'a str,
        /// Tool name.
        name: &'a str,
        /// Arguments.
        input: &'a serde_json::Value,
    },
}
