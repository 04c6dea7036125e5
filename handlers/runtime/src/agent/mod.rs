//! The agent: a tool-use loop over a model provider.
//!
//! [`Agent::respond`] sends the conversation to the model; while the model asks for tools it
//! runs them and sends the results back, at most `max_turns` model calls per user turn.
//! Providers ([`bedrock`], [`openai`]) translate [`Message`]s to their wire formats; user tools
//! implement [`Tool`].

pub mod bedrock;
mod message;
pub mod openai;
mod provider;
mod run;
mod tool;

pub use message::{Block, Message, Role};
pub use provider::{from_env, ModelError, ModelProvider, ModelRequest, ModelResponse, StopReason};
pub use run::{Agent, AgentError};
pub use tool::{Tool, ToolError, ToolSpec, Toolbox};

/// A boxed `Send` future (object-safe async in traits without a macro crate).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
