//! OpenAI-compatible chat completions provider (`POST {base}/chat/completions`), for OpenAI
//! and the many servers speaking its format; streamed with `"stream": true` (server-sent
//! events of `chat.completion.chunk`s, ended by `data: [DONE]`).

use std::time::Duration;

use agentcdk_contract::env;
use serde_json::{json, Value};

use super::stream::{Assembly, SseDecoder};
use super::{Block, BoxFuture, Message, ModelError, ModelProvider, ModelRequest, ModelResponse, Role, StopReason, TextSink, Usage};
use crate::config::{self, ConfigError};
use crate::secret::Secret;

/// An OpenAI-compatible endpoint with one model.
#[derive(Debug, Clone)]
pub struct OpenAi {
    http: reqwest::Client,
    url: String,
    /// `Debug` prints `Secret(..)`: the key never reaches a log line.
    api_key: Option<Secret>,
    model: String,
}

impl OpenAi {
    /// A provider calling `{base_url}/chat/completions` with `model`.
    pub fn new(base_url: impl Into<String>, api_key: Option<String>, model: impl Into<String>) -> Self {
        let base: String = base_url.into();
        Self {
            http: crate::tls::reqwest_roots(reqwest::Client::builder())
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(600))
                .build()
                .unwrap_or_default(),
            url: format!("{}/chat/completions", base.trim_end_matches('/')),
            api_key: api_key.map(Secret::from),
            model: model.into(),
        }
    }

    /// The request body for `req`, in chat completions format.
    pub fn body(&self, req: &ModelRequest<'_>) -> Value {
        let mut messages = Vec::new();
        if !req.system.is_empty() {
            messages.push(json!({"role": "system", "content": req.system}));
        }
        for m in req.messages {
            messages.extend(to_openai(m));
        }
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "max_tokens": req.max_tokens,
        });
        if !req.tools.is_empty() {
            body["tools"] = req
                .tools
                .iter()
                .map(|t| {
                    json!({"type": "function", "function": {
                        "name": t.name, "description": t.description, "parameters": t.input_schema}})
                })
                .collect();
        }
        body
    }

    async fn call(&self, req: ModelRequest<'_>) -> Result<ModelResponse, ModelError> {
        let resp = self.post(self.body(&req)).await?;
        let text = resp.text().await.map_err(|e| ModelError::Transient(format!("reading response: {e}")))?;
        parse_response(&text)
    }

    /// Sends `body`; a non-2xx answer becomes the error it stands for.
    async fn post(&self, body: Value) -> Result<reqwest::Response, ModelError> {
        let mut http = self.http.post(&self.url).json(&body);
        if let Some(key) = &self.api_key {
            http = http.bearer_auth(key.expose());
        }
        let resp = http.send().await.map_err(|e| ModelError::Transient(format!("{}: {e}", self.url)))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let text = resp.text().await.map_err(|e| ModelError::Transient(format!("reading response: {e}")))?;
        let detail = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| text.chars().take(300).collect());
        let msg = format!("HTTP {}: {detail}", status.as_u16());
        Err(if status.as_u16() == 429 || status.as_u16() == 408 || status.is_server_error() {
            ModelError::Transient(msg)
        } else {
            ModelError::Permanent(msg)
        })
    }

    /// The same request with `"stream": true`; the server-sent events are read chunk by chunk
    /// as they arrive and text deltas go to `on_text` at once.
    async fn call_stream(&self, req: ModelRequest<'_>, on_text: &mut TextSink<'_>) -> Result<ModelResponse, ModelError> {
        let mut body = self.body(&req);
        body["stream"] = Value::Bool(true);
        // The last chunk then carries the call's token usage (the token metrics).
        body["stream_options"] = json!({"include_usage": true});
        let mut resp = self.post(body).await?;
        // Some OpenAI-compatible servers ignore `stream` and answer one completion: take it whole.
        let is_json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"));
        if is_json {
            let text = resp.text().await.map_err(|e| ModelError::Transient(format!("reading response: {e}")))?;
            let response = parse_response(&text)?;
            let text = response.message.text();
            if !text.is_empty() {
                on_text(&text);
            }
            return Ok(response);
        }
        let mut sse = SseDecoder::new();
        let mut chat = StreamedChat::default();
        loop {
            let chunk = resp.chunk().await.map_err(|e| ModelError::Transient(format!("reading stream: {e}")))?;
            let events = match &chunk {
                Some(bytes) => sse.push(bytes),
                None => sse.finish().into_iter().collect(),
            };
            for data in events {
                if chat.event(&data, on_text)? == Flow::Done {
                    return chat.finish();
                }
            }
            if chunk.is_none() {
                return chat.finish();
            }
        }
    }
}

/// Whether a chat completions stream goes on.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    More,
    Done,
}

/// A streamed chat completion under construction: text in block 0, tool call `i` in block
/// `i + 1` (the order the buffered path produces).
#[derive(Debug, Default)]
pub(crate) struct StreamedChat {
    assembly: Assembly,
    done: bool,
}

impl StreamedChat {
    /// Applies one event's data: `[DONE]`, an error object, or a `chat.completion.chunk`.
    fn event(&mut self, data: &str, on_text: &mut TextSink<'_>) -> Result<Flow, ModelError> {
        if data.trim() == "[DONE]" {
            self.done = true;
            return Ok(Flow::Done);
        }
        let v: Value = serde_json::from_str(data).map_err(|e| ModelError::Permanent(format!("malformed chat completion chunk: {e}")))?;
        if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
            return Err(stream_error(err));
        }
        if v["usage"].is_object() {
            self.assembly.usage(usage(&v["usage"]));
        }
        let Some(choice) = v["choices"].get(0) else {
            return Ok(Flow::More); // e.g. the usage chunk
        };
        let delta = &choice["delta"];
        if let Some(text) = delta["content"].as_str().filter(|t| !t.is_empty()) {
            self.assembly.text(0, text);
            on_text(text);
        }
        if let Some(calls) = delta["tool_calls"].as_array() {
            for (n, call) in calls.iter().enumerate() {
                let i = call["index"].as_u64().unwrap_or(n as u64);
                let f = &call["function"];
                self.assembly.tool(i + 1, call["id"].as_str(), f["name"].as_str(), f["arguments"].as_str().unwrap_or_default());
            }
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            self.assembly.stop(match reason {
                "tool_calls" | "function_call" => StopReason::ToolUse,
                "length" => StopReason::MaxTokens,
                "stop" => StopReason::EndTurn,
                other => StopReason::Other(other.into()),
            });
        }
        Ok(Flow::More)
    }

    /// The response, once the stream ended: cut off before `[DONE]` and before a finish
    /// reason is a transient failure (the connection broke), not a short answer.
    fn finish(self) -> Result<ModelResponse, ModelError> {
        if !self.done && !self.assembly.stopped() {
            return Err(ModelError::Transient("the chat completion stream ended early".into()));
        }
        Ok(self.assembly.finish())
    }
}

/// An error object sent inside the stream (after the 200): rate limits and server errors are
/// transient, anything naming a bad request permanent.
fn stream_error(err: &Value) -> ModelError {
    let text = |k: &str| match &err[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let (kind, code, message) = (text("type"), text("code"), text("message"));
    let msg = format!("stream error {}: {message}", if code.is_empty() { &kind } else { &code });
    let hint = format!("{kind} {code}").to_ascii_lowercase();
    if ["invalid_request", "invalid_api_key", "permission", "not_found", "authentication", "400", "401", "403", "404"]
        .iter()
        .any(|p| hint.contains(p))
    {
        ModelError::Permanent(msg)
    } else {
        ModelError::Transient(msg)
    }
}

impl ModelProvider for OpenAi {
    fn model_id(&self) -> &str {
        &self.model
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

fn to_openai(m: &Message) -> Vec<Value> {
    match m.role {
        Role::Assistant => {
            let calls: Vec<Value> = m
                .content
                .iter()
                .filter_map(|b| match b {
                    Block::ToolUse { id, name, input } => Some(json!({
                        "id": id, "type": "function",
                        "function": {"name": name, "arguments": input.to_string()}})),
                    _ => None,
                })
                .collect();
            let text = m.text();
            let mut msg = json!({"role": "assistant",
                "content": if text.is_empty() { Value::Null } else { Value::String(text) }});
            if !calls.is_empty() {
                msg["tool_calls"] = Value::Array(calls);
            }
            vec![msg]
        }
        Role::User => {
            let mut out = Vec::new();
            let mut text = String::new();
            for b in &m.content {
                match b {
                    Block::Text { text: t } => text.push_str(t),
                    Block::ToolResult { id, content, is_error } => {
                        let content = if *is_error { format!("error: {content}") } else { content.clone() };
                        out.push(json!({"role": "tool", "tool_call_id": id, "content": content}));
                    }
                    Block::ToolUse { .. } => {}
                }
            }
            if !text.is_empty() {
                out.push(json!({"role": "user", "content": text}));
            }
            out
        }
    }
}

/// Parses a chat completions response body.
pub fn parse_response(text: &str) -> Result<ModelResponse, ModelError> {
    let bad = |why: &str| ModelError::Permanent(format!("malformed chat completion: {why}"));
    let v: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let choice = &v["choices"][0];
    let msg = choice.get("message").ok_or_else(|| bad("no choices[0].message"))?;
    let mut content = Vec::new();
    if let Some(t) = msg["content"].as_str().filter(|t| !t.is_empty()) {
        content.push(Block::Text { text: t.into() });
    }
    if let Some(calls) = msg["tool_calls"].as_array() {
        for c in calls {
            let args = c["function"]["arguments"].as_str().unwrap_or("{}");
            content.push(Block::ToolUse {
                id: c["id"].as_str().ok_or_else(|| bad("tool call without id"))?.into(),
                name: c["function"]["name"].as_str().ok_or_else(|| bad("tool call without name"))?.into(),
                input: serde_json::from_str(args).unwrap_or_else(|_| json!({})),
            });
        }
    }
    let has_calls = content.iter().any(|b| matches!(b, Block::ToolUse { .. }));
    let stop = match choice["finish_reason"].as_str() {
        Some("tool_calls") => StopReason::ToolUse,
        Some("length") => StopReason::MaxTokens,
        Some("stop") | None if has_calls => StopReason::ToolUse,
        Some("stop") | None => StopReason::EndTurn,
        Some(other) => StopReason::Other(other.into()),
    };
    Ok(ModelResponse { message: Message::assistant(content), stop, usage: usage(&v["usage"]) })
}

/// The `usage` object of a completion or of a stream's last chunk (zero where absent).
fn usage(u: &Value) -> Usage {
    Usage { input_tokens: u["prompt_tokens"].as_u64().unwrap_or(0), output_tokens: u["completion_tokens"].as_u64().unwrap_or(0) }
}

/// The API key: `OPENAI_API_KEY`, else the SecretString of the `OPENAI_API_KEY_SECRET_ARN`
/// secret (read once at init), else none (servers that need no key).
pub async fn api_key_from_env(sdk: &aws_config::SdkConfig) -> Result<Option<String>, ConfigError> {
    if let Some(key) = config::optional(env::OPENAI_API_KEY) {
        return Ok(Some(key));
    }
    let Some(arn) = config::optional(env::OPENAI_API_KEY_SECRET_ARN) else {
        return Ok(None);
    };
    crate::secret::read(sdk, env::OPENAI_API_KEY_SECRET_ARN, &arn).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_api_key() {
        let p = std::sync::Arc::new(OpenAi::new("http://127.0.0.1:1/v1", Some("sk-live-SECRET".into()), "m"));
        let agent = crate::agent::Agent::new(p.clone(), "sys");
        for shown in [format!("{p:?}"), format!("{agent:?}"), format!("{agent:#?}")] {
            assert!(!shown.contains("sk-live-SECRET"), "{shown}");
            assert!(shown.contains("Secret(..)"), "{shown}");
        }
    }

    fn run(events: &[&str]) -> (Vec<String>, Result<ModelResponse, ModelError>) {
        let mut pieces = Vec::new();
        let mut chat = StreamedChat::default();
        let mut sink = |t: &str| pieces.push(t.to_owned());
        for e in events {
            match chat.event(e, &mut sink) {
                Ok(Flow::More) => {}
                Ok(Flow::Done) => break,
                Err(err) => return (pieces, Err(err)),
            }
        }
        let r = chat.finish();
        (pieces, r)
    }

    #[test]
    fn chunks_assemble_text_and_tool_calls() {
        let (pieces, r) = run(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Adding"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":" now."}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"add","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":40,"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"b\":2}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7}}"#,
            "[DONE]",
        ]);
        assert_eq!(pieces, ["Adding", " now."]);
        let r = r.expect("response");
        assert_eq!(r.stop, StopReason::ToolUse);
        assert_eq!(r.usage, Usage { input_tokens: 11, output_tokens: 7 });
        assert_eq!(
            r.message.content,
            vec![
                Block::Text { text: "Adding now.".into() },
                Block::ToolUse { id: "call_1".into(), name: "add".into(), input: json!({"a": 40, "b": 2}) },
            ]
        );
    }

    #[test]
    fn stream_errors_are_classified() {
        let (pieces, r) = run(&[
            r#"{"choices":[{"index":0,"delta":{"content":"Hal"}}]}"#,
            r#"{"error":{"message":"The server had an error","type":"server_error","code":null}}"#,
        ]);
        assert_eq!(pieces, ["Hal"]);
        assert!(matches!(r, Err(ModelError::Transient(m)) if m.contains("server had an error")));
        let (_, r) = run(&[r#"{"error":{"message":"bad","type":"invalid_request_error"}}"#]);
        assert!(matches!(r, Err(ModelError::Permanent(_))), "{r:?}");
        // Cut off: no finish reason, no [DONE].
        let (_, r) = run(&[r#"{"choices":[{"index":0,"delta":{"content":"Hal"}}]}"#]);
        assert!(matches!(r, Err(ModelError::Transient(m)) if m.contains("ended early")));
        // A finish reason without [DONE] is complete (some servers omit it).
        let (_, r) = run(&[r#"{"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}"#]);
        assert_eq!(r.expect("response").message.text(), "ok");
        let (_, r) = run(&["{not json"]);
        assert!(matches!(r, Err(ModelError::Permanent(_))), "{r:?}");
    }
}
