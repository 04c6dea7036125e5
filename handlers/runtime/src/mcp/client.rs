//! The Streamable HTTP client: one [`McpClient`] per server URL per process.
//!
//! Every message is a POST of one JSON-RPC message to the endpoint with
//! `Accept: application/json, text/event-stream`; the answer is one JSON response or an SSE
//! stream whose events carry it (notifications and server requests on the way are skipped: we
//! offer no client capabilities). The session starts lazily with `initialize` +
//! `notifications/initialized`; its `Mcp-Session-Id` and the negotiated `MCP-Protocol-Version`
//! go on every later request. A 404 to a request that carried a session id means the session
//! expired: the client initializes once more and repeats the request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};

use super::jsonrpc::{Request, Response};
use super::{McpAuth, McpError, PROTOCOL_VERSION};
use crate::agent::SseDecoder;

/// A negotiated session.
#[derive(Debug, Clone, PartialEq)]
struct Session {
    /// `Mcp-Session-Id`, when the server assigned one (stateless servers do not).
    id: Option<String>,
    /// The protocol version the server chose.
    version: String,
}

/// A tool as `tools/list` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTool {
    /// Name.
    pub name: String,
    /// Description (empty when the server gave none).
    pub description: String,
    /// JSON Schema of the arguments.
    pub input_schema: Value,
}

/// What `tools/call` returned.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// `content` blocks.
    pub content: Vec<Value>,
    /// `structuredContent`, if any.
    pub structured: Option<Value>,
    /// `isError`: the tool failed (the result says why).
    pub is_error: bool,
}

/// A client of one MCP server; the session and the tool list live as long as the process, so
/// warm invocations reuse them.
#[derive(Debug)]
pub struct McpClient {
    url: String,
    auth: McpAuth,
    http: reqwest::Client,
    timeout: Duration,
    next_id: AtomicU64,
    session: tokio::sync::Mutex<Option<Session>>,
    tools: tokio::sync::Mutex<Option<Arc<Vec<RemoteTool>>>>,
}

impl McpClient {
    /// A client of `url`; nothing is sent until the first request. `timeout` bounds each
    /// HTTP exchange (answer included).
    pub fn new(url: impl Into<String>, auth: McpAuth, timeout: Duration) -> Self {
        let http =
            crate::tls::reqwest_roots(reqwest::Client::builder()).connect_timeout(Duration::from_secs(5)).build().unwrap_or_default();
        Self { url: url.into(), auth, http, timeout, next_id: AtomicU64::new(1), session: Default::default(), tools: Default::default() }
    }

    /// The process-wide client of `url`, made by `make` on first use: warm invocations share
    /// its session and cached tool list. Keyed by URL alone: a second source with the same URL
    /// gets the first one's client (and auth); its own allowlist still applies.
    pub fn shared(url: &str, make: impl FnOnce() -> McpClient) -> Arc<McpClient> {
        static CLIENTS: OnceLock<Mutex<HashMap<String, Arc<McpClient>>>> = OnceLock::new();
        let mut clients = CLIENTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        clients.entry(url.to_owned()).or_insert_with(|| Arc::new(make())).clone()
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every tool of the server (`tools/list`, following `nextCursor`), listed once per process.
    pub async fn list_tools(&self) -> Result<Arc<Vec<RemoteTool>>, McpError> {
        let mut cached = self.tools.lock().await;
        if let Some(tools) = cached.as_ref() {
            return Ok(tools.clone());
        }
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let page = self.request("tools/list", params).await?;
            for t in page["tools"].as_array().ok_or_else(|| McpError::Protocol("tools/list result has no tools array".into()))? {
                tools.push(RemoteTool {
                    name: t["name"].as_str().unwrap_or_default().to_owned(),
                    description: t["description"].as_str().unwrap_or_default().to_owned(),
                    input_schema: t.get("inputSchema").cloned().unwrap_or_else(|| json!({"type": "object"})),
                });
            }
            cursor = page["nextCursor"].as_str().map(str::to_owned);
            if cursor.is_none() {
                let tools = Arc::new(tools);
                *cached = Some(tools.clone());
                return Ok(tools);
            }
        }
        Err(McpError::Protocol(format!("tools/list did not end after {MAX_PAGES} pages")))
    }

    /// Calls tool `name` with `arguments`.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallResult, McpError> {
        let r = self.request("tools/call", json!({"name": name, "arguments": arguments})).await?;
        Ok(CallResult {
            content: r["content"].as_array().cloned().unwrap_or_default(),
            structured: r.get("structuredContent").filter(|v| !v.is_null()).cloned(),
            is_error: r["isError"].as_bool().unwrap_or(false),
        })
    }

    /// Sends request `method` in the session (started first if needed); on an expired session
    /// initializes once more and repeats it.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, McpError> {
        let session = self.session().await?;
        match self.exchange(method, params.clone(), Some(&session)).await {
            Err(McpError::Status(404, _)) if session.id.is_some() => {
                tracing::info!(url = %self.url, "MCP session expired; initializing again");
                let mut current = self.session.lock().await;
                if current.as_ref() == Some(&session) {
                    *current = None;
                }
                drop(current);
                let fresh = self.session().await?;
                self.exchange(method, params, Some(&fresh)).await
            }
            other => other,
        }
    }

    async fn session(&self) -> Result<Session, McpError> {
        let mut current = self.session.lock().await;
        if let Some(s) = current.as_ref() {
            return Ok(s.clone());
        }
        let s = self.initialize().await?;
        *current = Some(s.clone());
        Ok(s)
    }

    async fn initialize(&self) -> Result<Session, McpError> {
        let params = json!({
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "agentcdk", "version": env!("CARGO_PKG_VERSION")},
        });
        let msg = Request::new(self.next_id.fetch_add(1, Ordering::Relaxed), "initialize", params);
        let (headers, answer) = self.post(&msg, None).await?;
        let result = answer.ok_or_else(|| McpError::Protocol("initialize got no answer".into()))?.into_result()?;
        let version = result["protocolVersion"].as_str().unwrap_or(PROTOCOL_VERSION).to_owned();
        if !super::SUPPORTED_VERSIONS.contains(&version.as_str()) {
            return Err(McpError::Protocol(format!("the server speaks protocol {version:?}, we speak {:?}", super::SUPPORTED_VERSIONS)));
        }
        let id = headers.get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let session = Session { id, version };
        self.post(&Request::notification("notifications/initialized"), Some(&session)).await?;
        Ok(session)
    }

    async fn exchange(&self, method: &str, params: Value, session: Option<&Session>) -> Result<Value, McpError> {
        let msg = Request::new(self.next_id.fetch_add(1, Ordering::Relaxed), method, params);
        let (_, answer) = self.post(&msg, session).await?;
        Ok(answer.ok_or_else(|| McpError::Protocol(format!("{method} got no answer")))?.into_result()?)
    }

    /// POSTs `msg`; returns the response headers and, for a request, its answer. Bounded by
    /// the client's timeout.
    async fn post(&self, msg: &Request, session: Option<&Session>) -> Result<(reqwest::header::HeaderMap, Option<Response>), McpError> {
        match tokio::time::timeout(self.timeout, self.post_unbounded(msg, session)).await {
            Ok(r) => r,
            Err(_) => Err(McpError::Timeout(self.timeout)),
        }
    }

    async fn post_unbounded(
        &self,
        msg: &Request,
        session: Option<&Session>,
    ) -> Result<(reqwest::header::HeaderMap, Option<Response>), McpError> {
        let body = serde_json::to_vec(msg).map_err(|e| McpError::Protocol(e.to_string()))?;
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("accept".to_owned(), "application/json, text/event-stream".to_owned()),
        ];
        if let Some(s) = session {
            headers.push(("mcp-protocol-version".into(), s.version.clone()));
            if let Some(id) = &s.id {
                headers.push(("mcp-session-id".into(), id.clone()));
            }
        }
        let mut auth = self.auth.headers(&self.http, &self.url, &headers, &body).await?;
        headers.append(&mut auth);
        let mut req = self.http.post(&self.url).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await.map_err(|e| McpError::Http(format!("{}: {e}", self.url)))?;
        let status = resp.status().as_u16();
        if status == 401 {
            if let McpAuth::OAuth(client) = &self.auth {
                client.forget().await; // the next request fetches a new token
            }
        }
        if !(200..300).contains(&status) {
            let text = resp.text().await.unwrap_or_default();
            return Err(McpError::Status(status, text.chars().take(300).collect()));
        }
        let headers = resp.headers().clone();
        match &msg.id {
            None => Ok((headers, None)),
            Some(id) => Ok((headers, Some(read_answer(resp, id).await?))),
        }
    }
}

/// Pages of `tools/list` followed at most (a server whose cursor never ends is cut off).
const MAX_PAGES: usize = 100;

/// The response to request `id`: the JSON body, or the first SSE event that answers it.
async fn read_answer(mut resp: reqwest::Response, id: &Value) -> Result<Response, McpError> {
    let sse = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/event-stream"));
    if !sse {
        let bytes = resp.bytes().await.map_err(|e| McpError::Http(e.to_string()))?;
        return serde_json::from_slice(&bytes).map_err(|e| McpError::Protocol(format!("answer is not a JSON-RPC response: {e}")));
    }
    let mut decoder = SseDecoder::new();
    loop {
        let chunk = resp.chunk().await.map_err(|e| McpError::Http(format!("reading the event stream: {e}")))?;
        let events = match &chunk {
            Some(bytes) => decoder.push(bytes),
            None => decoder.finish().into_iter().collect(),
        };
        for data in events {
            let Ok(v) = serde_json::from_str::<Value>(&data) else { continue };
            if v.get("id") == Some(id) && (v.get("result").is_some() || v.get("error").is_some()) {
                return serde_json::from_value(v).map_err(|e| McpError::Protocol(e.to_string()));
            }
        }
        if chunk.is_none() {
            return Err(McpError::Protocol("the event stream ended without an answer".into()));
        }
    }
}
