//! The agent: a tool-use loop over a model provider.
//!
//! [`Agent::respond`] sends the conversation to the model; while the model asks for tools it
//! runs them and sends the results back, at most `max_turns` model calls per user turn.
//! [`Agent::respond_streaming`] runs the same loop with streamed model calls
//! ([`ModelProvider::converse_stream`]), reporting text pieces and tool calls as
//! [`AgentEvent`]s while the model produces them. Providers ([`bedrock`]: Converse and
//! ConverseStream; [`openai`]: chat completions, plain and `"stream": true`) translate
//! [`Message`]s to their wire formats; user tools implement [`Tool`].

pub mod bedrock;
mod message;
pub mod openai;
mod provider;
pub(crate) mod run;
mod stream;
mod tool;

pub use message::{Block, Message, Role};
pub use provider::{from_env, ModelError, ModelProvider, ModelRequest, ModelResponse, StopReason, TextSink, Usage, BEDROCK_ENDPOINT_URL};
pub use run::{Agent, AgentError, AgentEvent};
pub use stream::SseDecoder;
pub use tool::{Tool, ToolError, ToolProvider, ToolSpec, Toolbox};

/// A boxed `Send` future (object-safe async in traits without a macro crate).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
