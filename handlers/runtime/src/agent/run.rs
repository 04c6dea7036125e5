use std::sync::Arc;

use agentcdk_contract::env;

use super::{Block, Message, ModelError, ModelProvider, ModelRequest, StopReason, Toolbox};
use crate::config::{self, ConfigError};
use crate::error::{Classify, Disposition};

/// An agent run failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AgentError {
    /// The model call failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The model kept asking for tools past the bound.
    #[error("the agent did not finish within {0} model calls")]
    MaxTurns(u32),
}

impl Classify for AgentError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Model(e) => e.disposition(),
            Self::MaxTurns(_) => Disposition::Permanent,
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
        }
    }

    /// The agent the environment describes (`MODEL_*`, `SYSTEM_PROMPT`, `MAX_TURNS`,
    /// `MAX_TOKENS`), with `tools`.
    pub async fn from_env(sdk: &aws_config::SdkConfig, tools: Toolbox) -> Result<Self, ConfigError> {
        let provider = super::from_env(sdk).await?;
        Ok(Self::new(provider, config::optional(env::SYSTEM_PROMPT).unwrap_or_default())
            .with_tools(tools)
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
    pub async fn respond(&self, history: &mut Vec<Message>, user_text: &str) -> Result<String, AgentError> {
        history.push(Message::user_text(user_text));
        let specs = self.tools.specs();
        for turn in 1..=self.max_turns {
            let response = self
                .provider
                .converse(ModelRequest { system: &self.system_prompt, messages: history, tools: &specs, max_tokens: self.max_tokens })
                .await?;
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
                return Ok(text);
            }
            let mut results = Vec::with_capacity(calls.len());
            for (id, name, input) in calls {
                tracing::info!(turn, tool = %name, "tool call");
                let (content, is_error) = match self.tools.call(&name, input).await {
                    Ok(out) => (out, false),
                    Err(e) => (e.0, true),
                };
                results.push(Block::ToolResult { id, content, is_error });
            }
            history.push(Message::tool_results(results));
        }
        Err(AgentError::MaxTurns(self.max_turns))
    }
}
