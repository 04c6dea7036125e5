//! OpenAI-compatible chat completions provider (`POST {base}/chat/completions`), for OpenAI
//! and the many servers speaking its format.

use std::time::Duration;

use agentcdk_contract::env;
use serde_json::{json, Value};

use super::{Block, BoxFuture, Message, ModelError, ModelProvider, ModelRequest, ModelResponse, Role, StopReason};
use crate::config::{self, ConfigError};
use crate::error::sdk_message;

/// An OpenAI-compatible endpoint with one model.
#[derive(Debug, Clone)]
pub struct OpenAi {
    http: reqwest::Client,
    url: String,
    api_key: Option<String>,
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
            api_key,
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
        let mut http = self.http.post(&self.url).json(&self.body(&req));
        if let Some(key) = &self.api_key {
            http = http.bearer_auth(key);
        }
        let resp = http.send().await.map_err(|e| ModelError::Transient(format!("{}: {e}", self.url)))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| ModelError::Transient(format!("reading response: {e}")))?;
        if !status.is_success() {
            let detail = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(300).collect());
            let msg = format!("HTTP {}: {detail}", status.as_u16());
            return Err(if status.as_u16() == 429 || status.as_u16() == 408 || status.is_server_error() {
                ModelError::Transient(msg)
            } else {
                ModelError::Permanent(msg)
            });
        }
        parse_response(&text)
    }
}

impl ModelProvider for OpenAi {
    fn converse<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelResponse, ModelError>> {
        Box::pin(self.call(request))
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
    Ok(ModelResponse { message: Message::assistant(content), stop })
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
    let out = aws_sdk_secretsmanager::Client::new(sdk)
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .map_err(|e| ConfigError::Invalid { name: env::OPENAI_API_KEY_SECRET_ARN, value: arn.clone(), reason: sdk_message(&e) })?;
    out.secret_string.map(Some).ok_or(ConfigError::Invalid {
        name: env::OPENAI_API_KEY_SECRET_ARN,
        value: arn,
        reason: "the secret has no SecretString".into(),
    })
}
