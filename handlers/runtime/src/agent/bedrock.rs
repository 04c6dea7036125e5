//! Amazon Bedrock Converse and ConverseStream API provider (aws-sdk-bedrockruntime).

use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    self as bt, ContentBlock, ContentBlockDelta, ContentBlockStart, ConversationRole, ConverseOutput, ConverseStreamOutput,
    InferenceConfiguration, SystemContentBlock, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock,
    ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use aws_smithy_types::error::operation::BuildError;
use aws_smithy_types::event_stream::RawMessage;
use aws_smithy_types::{Document, Number};
use serde_json::Value;

use super::stream::Assembly;
use super::{Block, BoxFuture, Message, ModelError, ModelProvider, ModelRequest, ModelResponse, Role, StopReason, TextSink, Usage};
use crate::error::{sdk_disposition, sdk_message, Disposition};

/// Bedrock Converse with one model (or inference profile) id.
#[derive(Debug, Clone)]
pub struct Bedrock {
    client: aws_sdk_bedrockruntime::Client,
    model_id: String,
}

/// Sends a Converse or ConverseStream request built from [`Parts`]: the two SDK builders have
/// the same setters but no trait in common, so one macro fills both.
macro_rules! send {
    ($builder:expr, $model_id:expr, $parts:expr) => {{
        let parts: Parts = $parts;
        $builder
            .model_id($model_id)
            .set_messages(Some(parts.messages))
            .inference_config(parts.inference)
            .set_system(parts.system)
            .set_tool_config(parts.tools)
            .send()
            .await
            .map_err(|e| model_error(&e))
    }};
}

impl Bedrock {
    /// A provider calling `model_id` through `client`.
    pub fn new(client: aws_sdk_bedrockruntime::Client, model_id: impl Into<String>) -> Self {
        Self { client, model_id: model_id.into() }
    }

    async fn call(&self, req: ModelRequest<'_>) -> Result<ModelResponse, ModelError> {
        let out = send!(self.client.converse(), &self.model_id, Parts::new(&req)?)?;
        let stop = stop_reason(out.stop_reason());
        let usage = out.usage().map(token_usage).unwrap_or_default();
        let Some(ConverseOutput::Message(msg)) = out.output else {
            return Err(ModelError::Permanent("Converse returned no message".into()));
        };
        let content = msg
            .content
            .into_iter()
            .filter_map(|b| match b {
                ContentBlock::Text(text) => Some(Block::Text { text }),
                ContentBlock::ToolUse(t) => Some(Block::ToolUse { id: t.tool_use_id, name: t.name, input: from_document(&t.input) }),
                _ => None,
            })
            .collect();
        Ok(ModelResponse { message: Message::assistant(content), stop, usage })
    }

    /// ConverseStream: the same request; text deltas go to `on_text` as the events arrive.
    async fn call_stream(&self, req: ModelRequest<'_>, on_text: &mut TextSink<'_>) -> Result<ModelResponse, ModelError> {
        let out = send!(self.client.converse_stream(), &self.model_id, Parts::new(&req)?)?;
        let mut stream = out.stream;
        let mut assembly = Assembly::default();
        loop {
            let event = match stream.recv().await {
                Ok(Some(event)) => event,
                Ok(None) => break,
                Err(e) => return Err(stream_error(&e)),
            };
            match event {
                ConverseStreamOutput::ContentBlockStart(ev) => {
                    if let Some(ContentBlockStart::ToolUse(t)) = ev.start {
                        assembly.tool(index(ev.content_block_index), Some(&t.tool_use_id), Some(&t.name), "");
                    }
                }
                ConverseStreamOutput::ContentBlockDelta(ev) => match ev.delta {
                    Some(ContentBlockDelta::Text(text)) => {
                        assembly.text(index(ev.content_block_index), &text);
                        on_text(&text);
                    }
                    Some(ContentBlockDelta::ToolUse(t)) => assembly.tool(index(ev.content_block_index), None, None, &t.input),
                    _ => {}
                },
                ConverseStreamOutput::MessageStop(ev) => assembly.stop(stop_reason(&ev.stop_reason)),
                ConverseStreamOutput::Metadata(ev) => {
                    if let Some(u) = ev.usage() {
                        assembly.usage(token_usage(u));
                    }
                }
                // messageStart (role), contentBlockStop: nothing to assemble.
                _ => {}
            }
        }
        if !assembly.stopped() {
            return Err(ModelError::Transient("ConverseStream ended without messageStop".into()));
        }
        Ok(assembly.finish())
    }
}

/// The parts of a Converse request, shared by Converse and ConverseStream.
struct Parts {
    messages: Vec<bt::Message>,
    inference: InferenceConfiguration,
    system: Option<Vec<SystemContentBlock>>,
    tools: Option<ToolConfiguration>,
}

impl Parts {
    fn new(req: &ModelRequest<'_>) -> Result<Self, ModelError> {
        let bad = |e: BuildError| ModelError::Permanent(format!("invalid Converse request: {e}"));
        let messages = req.messages.iter().map(to_bedrock).collect::<Result<Vec<_>, _>>().map_err(bad)?;
        let inference = InferenceConfiguration::builder().max_tokens(i32::try_from(req.max_tokens).unwrap_or(i32::MAX)).build();
        let system = (!req.system.is_empty()).then(|| vec![SystemContentBlock::Text(req.system.into())]);
        let tools = if req.tools.is_empty() {
            None
        } else {
            let tools = req
                .tools
                .iter()
                .map(|t| {
                    ToolSpecification::builder()
                        .name(&t.name)
                        .description(&t.description)
                        .input_schema(ToolInputSchema::Json(to_document(&t.input_schema)))
                        .build()
                        .map(bt::Tool::ToolSpec)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad)?;
            Some(ToolConfiguration::builder().set_tools(Some(tools)).build().map_err(bad)?)
        };
        Ok(Self { messages, inference, system, tools })
    }
}

/// Converse's token counts (never negative in practice; a negative count reads as 0).
fn token_usage(u: &bt::TokenUsage) -> Usage {
    let n = |v: i32| u64::try_from(v).unwrap_or(0);
    Usage { input_tokens: n(u.input_tokens), output_tokens: n(u.output_tokens) }
}

fn stop_reason(reason: &bt::StopReason) -> StopReason {
    match reason {
        bt::StopReason::EndTurn | bt::StopReason::StopSequence => StopReason::EndTurn,
        bt::StopReason::ToolUse => StopReason::ToolUse,
        bt::StopReason::MaxTokens => StopReason::MaxTokens,
        other => StopReason::Other(other.as_str().into()),
    }
}

fn index(i: i32) -> u64 {
    u64::try_from(i).unwrap_or(0)
}

/// Classifies an error of the event stream itself (after the HTTP 200): exceptions Bedrock
/// sends as events (throttling, a failing model stream, 5xx-like), or the connection failing.
/// Only a validation error, or an unknown exception, is permanent.
fn stream_error(e: &SdkError<ConverseStreamOutputError, RawMessage>) -> ModelError {
    match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let msg = format!("{}: {}", err.code().unwrap_or("ServiceError"), err.message().unwrap_or("(no message)"));
            match err {
                ConverseStreamOutputError::ValidationException(_) => ModelError::Permanent(msg),
                ConverseStreamOutputError::InternalServerException(_)
                | ConverseStreamOutputError::ModelStreamErrorException(_)
                | ConverseStreamOutputError::ThrottlingException(_)
                | ConverseStreamOutputError::ServiceUnavailableException(_) => ModelError::Transient(msg),
                other if other.code().is_some_and(|c| c.contains("Timeout") || c.contains("Throttl")) => ModelError::Transient(msg),
                _ => ModelError::Permanent(msg),
            }
        }
        other => {
            let mut msg = format!("ConverseStream: {other}");
            let mut src = std::error::Error::source(other);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            ModelError::Transient(msg)
        }
    }
}

/// A failed Converse or ConverseStream call, classified like every SDK error.
fn model_error<E: aws_sdk_bedrockruntime::error::ProvideErrorMetadata + std::error::Error + 'static>(
    e: &aws_sdk_bedrockruntime::error::SdkError<E>,
) -> ModelError {
    match sdk_disposition(e) {
        Disposition::Retryable => ModelError::Transient(sdk_message(e)),
        Disposition::Permanent => ModelError::Permanent(sdk_message(e)),
    }
}

impl ModelProvider for Bedrock {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn converse<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelResponse, ModelError>> {
        Box::pin(self.call(request))
    }

    fn converse_stream<'a>(
        &'a self,
        request: ModelRequest<'a>,
        on_text: &'a mut TextSink<'_>,
    ) -> BoxFuture<'a, Result<ModelResponse, ModelError>> {
        Box::pin(self.call_stream(request, on_text))
    }
}

fn to_bedrock(m: &Message) -> Result<bt::Message, BuildError> {
    let role = match m.role {
        Role::User => ConversationRole::User,
        Role::Assistant => ConversationRole::Assistant,
    };
    let content = m
        .content
        .iter()
        .map(|b| {
            Ok(match b {
                Block::Text { text } => ContentBlock::Text(text.clone()),
                Block::ToolUse { id, name, input } => {
                    ContentBlock::ToolUse(ToolUseBlock::builder().tool_use_id(id).name(name).input(to_document(input)).build()?)
                }
                Block::ToolResult { id, content, is_error } => ContentBlock::ToolResult(
                    ToolResultBlock::builder()
                        .tool_use_id(id)
                        .content(ToolResultContentBlock::Text(content.clone()))
                        .status(if *is_error { ToolResultStatus::Error } else { ToolResultStatus::Success })
                        .build()?,
                ),
            })
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    bt::Message::builder().role(role).set_content(Some(content)).build()
}

/// JSON value to Smithy document (tool inputs and schemas).
pub fn to_document(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(0.0))
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Object(o) => Document::Object(o.iter().map(|(k, v)| (k.clone(), to_document(v))).collect()),
    }
}

/// Smithy document to JSON value.
pub fn from_document(d: &Document) -> Value {
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => Value::from(*f),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(a) => Value::Array(a.iter().map(from_document).collect()),
        Document::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), from_document(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip() {
        let v = serde_json::json!({"a": [1, -2, 2.5, "x", null, true], "b": {"c": {}}});
        assert_eq!(from_document(&to_document(&v)), v);
    }
}
