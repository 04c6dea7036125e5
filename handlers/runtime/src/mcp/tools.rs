//! MCP tools as agent [`Tool`]s: an [`McpSource`] lists a server's tools (lazily, once per
//! process, filtered by its allowlist) and each becomes an [`McpTool`] whose results are text
//! for the model, cut at the source's cap with a note saying what was cut.

use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::mcp::{McpServerConfig, DEFAULT_MCP_MAX_RESULT_BYTES, DEFAULT_MCP_TIMEOUT_SECONDS};
use serde_json::Value;

use super::{CallResult, McpAuth, McpClient};
use crate::agent::{BoxFuture, Tool, ToolError, ToolProvider, ToolSpec};
use crate::config::ConfigError;

/// The tools of one MCP server an agent may use.
#[derive(Debug, Clone)]
pub struct McpSource {
    client: Arc<McpClient>,
    allow: Vec<String>,
    max_result_bytes: usize,
}

impl McpSource {
    /// Every tool of `client`'s server (`allow` empty) or only those named in `allow`; results
    /// are cut at `max_result_bytes`.
    pub fn new(client: Arc<McpClient>, allow: Vec<String>, max_result_bytes: usize) -> Self {
        Self { client, allow, max_result_bytes }
    }

    /// The source `config` describes, its client shared process-wide by URL. Reads the auth
    /// secrets (once, at init); connects to nothing.
    pub async fn from_config(config: &McpServerConfig, sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        let auth = McpAuth::from_config(&config.auth, sdk).await?;
        let timeout = Duration::from_secs(config.timeout_seconds.unwrap_or(DEFAULT_MCP_TIMEOUT_SECONDS));
        let client = McpClient::shared(&config.url, || McpClient::new(&config.url, auth, timeout));
        Ok(Self::new(client, config.allow.clone(), config.max_result_bytes.unwrap_or(DEFAULT_MCP_MAX_RESULT_BYTES)))
    }

    fn allowed(&self, name: &str) -> bool {
        self.allow.is_empty() || self.allow.iter().any(|a| a == name)
    }
}

impl ToolProvider for McpSource {
    fn describe(&self) -> String {
        format!("mcp:{}", self.client.url())
    }

    fn tools(&self) -> BoxFuture<'_, Result<Vec<Arc<dyn Tool>>, ToolError>> {
        Box::pin(async move {
            let listed = self.client.list_tools().await.map_err(|e| ToolError(e.to_string()))?;
            let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
            for t in listed.iter().filter(|t| self.allowed(&t.name)) {
                if !valid_name(&t.name) {
                    tracing::warn!(tool = %t.name, url = %self.client.url(), "MCP tool skipped: models need names of [a-zA-Z0-9_-]{{1,64}}");
                    continue;
                }
                let spec = ToolSpec { name: t.name.clone(), description: t.description.clone(), input_schema: t.input_schema.clone() };
                tools.push(Arc::new(McpTool { client: self.client.clone(), spec, max_result_bytes: self.max_result_bytes }));
            }
            Ok(tools)
        })
    }
}

/// Whether models accept `name` as a tool name (`[a-zA-Z0-9_-]{1,64}`).
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One tool of an MCP server.
#[derive(Debug)]
pub struct McpTool {
    client: Arc<McpClient>,
    spec: ToolSpec,
    max_result_bytes: usize,
}

impl Tool for McpTool {
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    /// `tools/call`; a result with `isError` and a failed exchange (timeout, HTTP error,
    /// JSON-RPC error) are both [`ToolError`]s: results the model reads, not failed runs.
    fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
        Box::pin(async move {
            let result =
                self.client.call_tool(&self.spec.name, input).await.map_err(|e| ToolError(format!("the tool could not be called: {e}")))?;
            let text = cap(render(&result), self.max_result_bytes);
            if result.is_error {
                Err(ToolError(text))
            } else {
                Ok(text)
            }
        })
    }
}

/// The result as text: text blocks joined by newlines; `structuredContent` as JSON when there is
/// no text; other blocks as a short note (the model gets no binary data).
pub fn render(result: &CallResult) -> String {
    let mut parts: Vec<String> = Vec::new();
    for block in &result.content {
        match block["type"].as_str() {
            Some("text") => parts.push(block["text"].as_str().unwrap_or_default().to_owned()),
            Some("resource") if block["resource"]["text"].is_string() => {
                parts.push(block["resource"]["text"].as_str().unwrap_or_default().to_owned())
            }
            Some("resource_link") => parts.push(format!("[resource link: {}]", block["uri"].as_str().unwrap_or_default())),
            Some(other) => parts.push(format!("[{other} content omitted: {}]", block["mimeType"].as_str().unwrap_or("unknown type"))),
            None => {}
        }
    }
    if parts.iter().all(|p| p.is_empty()) {
        if let Some(s) = &result.structured {
            return s.to_string();
        }
    }
    parts.join("\n")
}

/// `text` cut to at most `max` bytes (on a character boundary), with a note telling the model
/// the cap and how much was cut.
pub fn cap(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[result cut: the tool returned {} bytes, the limit is {max} bytes; the last {} bytes are not shown]",
        &text[..end],
        text.len(),
        text.len() - end
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_results_are_cut_and_the_model_is_told() {
        let out = cap("é".repeat(10), 5);
        assert!(out.starts_with("éé\n[result cut: the tool returned 20 bytes, the limit is 5 bytes; the last 16 bytes"), "{out}");
        assert_eq!(cap("short".into(), 5), "short");
    }

    #[test]
    fn structured_content_is_used_when_there_is_no_text() {
        let r = CallResult { content: vec![], structured: Some(json!({"a": 1})), is_error: false };
        assert_eq!(render(&r), r#"{"a":1}"#);
        let r = CallResult {
            content: vec![json!({"type": "text", "text": "hi"}), json!({"type": "image", "data": "AAAA", "mimeType": "image/png"})],
            structured: Some(json!({"a": 1})),
            is_error: false,
        };
        assert_eq!(render(&r), "hi\n[image content omitted: image/png]");
    }

    #[test]
    fn tool_names_models_refuse_are_recognized() {
        assert!(valid_name("get_order-2"));
        assert!(!valid_name("orders.get") && !valid_name("") && !valid_name(&"a".repeat(65)));
    }
}
