use std::sync::Arc;

use agentcdk_contract::env::{self, Provider};

use super::{BoxFuture, Message, ToolSpec};
use crate::config::{self, ConfigError};
use crate::error::{Classify, Disposition};

/// One model call.
#[derive(Debug, Clone, Copy)]
pub struct ModelRequest<'a> {
    /// System prompt (empty: none).
    pub system: &'a str,
    /// Conversation so far, oldest first, ending with a user message.
    pub messages: &'a [Message],
    /// Tools the model may call.
    pub tools: &'a [ToolSpec],
    /// Output token limit.
    pub max_tokens: u32,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Finished its answer.
    EndTurn,
    /// Wants tool results.
    ToolUse,
    /// Hit the output token limit.
    MaxTokens,
    /// Anything else the provider reports (content filtered, ...).
    Other(String),
}

/// The model's answer to one call.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelResponse {
    /// The assistant message.
    pub message: Message,
    /// Why it stopped.
    pub stop: StopReason,
    /// Tokens the call used, as the provider reported them (zero when it did not).
    pub usage: Usage,
}

/// Tokens one model call used (the `InputTokens` / `OutputTokens` metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Input (prompt) tokens.
    pub input_tokens: u64,
    /// Output (completion) tokens.
    pub output_tokens: u64,
}

/// A model call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ModelError {
    /// Throttled, overloaded, timed out, 5xx: SQS visibility retries it later.
    #[error("model temporarily unavailable: {0}")]
    Transient(String),
    /// Rejected (bad request, access denied, unknown model): retrying cannot help.
    #[error("model rejected the request: {0}")]
    Permanent(String),
}

impl Classify for ModelError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Transient(_) => Disposition::Retryable,
            Self::Permanent(_) => Disposition::Permanent,
        }
    }
}

/// Receives the text of a streamed model call piece by piece, as the model produces it.
///
/// A plain callback rather than a channel: providers call it between reads of the network
/// stream, so it must return quickly and never block. A caller that has to do async work per
/// piece (write to a Lambda response stream) forwards the pieces through an unbounded channel.
pub type TextSink<'a> = dyn FnMut(&str) + Send + 'a;

/// A chat model.
pub trait ModelProvider: Send + Sync + std::fmt::Debug {
    /// The model id, for the `Model` metric dimension. Default: `unknown` (the stock
    /// providers return the id they call).
    fn model_id(&self) -> &str {
        "unknown"
    }

    /// One call: conversation in, assistant message out.
    fn converse<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelResponse, ModelError>>;

    /// One streamed call: every text delta goes to `on_text` as it arrives; the result is the
    /// same whole [`ModelResponse`] [`converse`](Self::converse) returns (tool call inputs
    /// assembled from their fragments). Errors map to [`ModelError`] like the buffered call,
    /// including errors that arrive after some text was delivered.
    ///
    /// Default, for providers without a streaming API: the buffered call, its text delivered
    /// in one piece at the end.
    fn converse_stream<'a>(
        &'a self,
        request: ModelRequest<'a>,
        on_text: &'a mut TextSink<'_>,
    ) -> BoxFuture<'a, Result<ModelResponse, ModelError>> {
        Box::pin(async move {
            let response = self.converse(request).await?;
            let text = response.message.text();
            if !text.is_empty() {
                on_text(&text);
            }
            Ok(response)
        })
    }
}

/// Endpoint override for Bedrock Runtime only (the AWS SDKs' standard variable name).
pub const BEDROCK_ENDPOINT_URL: &str = env::AWS_ENDPOINT_URL_BEDROCK_RUNTIME;

/// The provider named by `MODEL_PROVIDER` with `MODEL_ID` (and, for OpenAI, `OPENAI_BASE_URL`
/// and the key from `OPENAI_API_KEY` or the `OPENAI_API_KEY_SECRET_ARN` secret, read once here;
/// for Bedrock, [`BEDROCK_ENDPOINT_URL`] when set).
pub async fn from_env(sdk: &aws_config::SdkConfig) -> Result<Arc<dyn ModelProvider>, ConfigError> {
    let model = config::required(env::MODEL_ID)?;
    match config::parse_or(env::MODEL_PROVIDER, Provider::default())? {
        Provider::Bedrock => {
            // The SDKs' standard per-service override, which `aws::load` (no provider chain)
            // does not read by itself: lets Bedrock alone point elsewhere (a local peer in the
            // tests, a VPC endpoint) while the other clients keep `AWS_ENDPOINT_URL`.
            let mut conf = aws_sdk_bedrockruntime::config::Builder::from(sdk);
            if let Some(url) = config::optional(BEDROCK_ENDPOINT_URL) {
                conf = conf.endpoint_url(url);
            }
            Ok(Arc::new(super::bedrock::Bedrock::new(aws_sdk_bedrockruntime::Client::from_conf(conf.build()), model)))
        }
        Provider::OpenAi => {
            let base = config::optional(env::OPENAI_BASE_URL).unwrap_or_else(|| env::DEFAULT_OPENAI_BASE_URL.into());
            let key = super::openai::api_key_from_env(sdk).await?;
            Ok(Arc::new(super::openai::OpenAi::new(base, key, model)))
        }
    }
}
