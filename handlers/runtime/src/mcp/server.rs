//! A [`Toolbox`] as a stateless Streamable HTTP MCP server, one Lambda event per JSON-RPC
//! message (Function URL or API Gateway REST proxy events, see [`crate::http`]).
//!
//! Stateless: no `Mcp-Session-Id` is issued, so any sandbox answers any request and nothing is
//! kept between invocations. Answers are JSON (never SSE: a tool's answer is one message). POST
//! only (GET and DELETE get 405, as the transport allows a server without a stream or sessions).
//! - `initialize` → our version if the client offered one we support, else ours; capabilities
//!   `tools`; `ping` → `{}`; notifications and responses → 202 with no body;
//! - `tools/list` → every tool in one page (no cursor); `tools/call` → the tool's text as a
//!   `text` block (and as `structuredContent` when it is a JSON object), `isError` when the tool
//!   failed or the arguments do not match its input schema (so the model can correct them);
//!   an unknown tool or params without a `name` → -32602; a tool whose input schema does not
//!   compile (checked on its first call, not at init) → -32603, the other tools still work;
//! - unknown methods → -32601; a body that is not JSON → -32700 with HTTP 400; a batch or a
//!   message that is not a request → -32600 with HTTP 400; an unsupported
//!   `MCP-Protocol-Version` header → HTTP 400.
//! - `Origin`: a request whose `Origin` header is not one of the allowed origins
//!   ([`env::MCP_ALLOWED_ORIGINS`], default none) → HTTP 403 with a JSON-RPC error without id,
//!   before anything else is read. The transport's "Security Warning" (MCP 2025-11-25, Streamable
//!   HTTP) requires it: a web page in a browser could otherwise reach the server through DNS
//!   rebinding. Requests without `Origin` (servers and SDK clients send none) are answered.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use super::jsonrpc::{self, RpcError};
use super::{PROTOCOL_VERSION, SUPPORTED_VERSIONS};
use crate::agent::Toolbox;
use crate::config::{self, ConfigError};
use crate::http::{RawResponse, Request, Source};
use agentcdk_contract::env;

/// The server's name and version in `initialize` (`serverInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
}

/// A toolbox behind MCP. Each tool's input schema is compiled on the tool's first call and
/// kept for the sandbox: compiling loads and checks the JSON Schema meta-schema (~20 ms, ten
/// times a hello-world function's whole init), which `initialize`, `ping`, `tools/list` and
/// the other tools' calls do not need, so the init does none of it.
pub struct McpServer {
    tools: Toolbox,
    listed: Vec<Value>,
    schemas: HashMap<String, InputSchema>,
    info: ServerInfo,
    /// Browser origins accepted (lower case, no trailing slash); none by default.
    allowed_origins: Vec<String>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer").field("tools", &self.tools).field("info", &self.info).finish()
    }
}

/// A tool's input schema is not a valid JSON Schema (a defect of the tool: its calls fail).
#[derive(Debug, thiserror::Error)]
#[error("tool {tool:?}: invalid input schema: {reason}")]
pub struct SchemaError {
    /// The tool.
    pub tool: String,
    /// What is wrong.
    pub reason: String,
}

impl McpServer {
    /// The server of `tools`. Compiles no schema (see the type's doc); [`Self::check_schemas`]
    /// compiles them all.
    pub fn new(tools: Toolbox, info: ServerInfo) -> Self {
        let mut listed = Vec::new();
        let mut schemas = HashMap::new();
        for spec in tools.specs() {
            listed.push(json!({"name": spec.name, "description": spec.description, "inputSchema": spec.input_schema}));
            schemas.insert(spec.name, InputSchema { schema: spec.input_schema, compiled: OnceLock::new() });
        }
        Self { tools, listed, schemas, info, allowed_origins: Vec::new() }
    }

    /// Compiles every tool's input schema now; the first that does not compile is the error.
    /// For tests and for servers that prefer to fail at init.
    pub fn check_schemas(&self) -> Result<(), SchemaError> {
        let mut names: Vec<&String> = self.schemas.keys().collect();
        names.sort();
        names.into_iter().try_for_each(|name| self.schemas[name].validator(name).map(drop))
    }

    /// Accepts requests from these browser origins (`scheme://host[:port]`) besides those
    /// without an `Origin` header. Default: none.
    pub fn with_allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.allowed_origins = origins.into_iter().map(|o| normalize_origin(o.as_ref())).collect();
        self
    }

    /// Whether a request with this `Origin` header (if any) may be answered.
    fn origin_allowed(&self, origin: Option<&str>) -> bool {
        origin.is_none_or(|o| self.allowed_origins.contains(&normalize_origin(o)))
    }

    /// Answers one Lambda event (a Function URL or REST proxy event) with its proxy response.
    pub async fn handle(&self, event: Value) -> Value {
        let req = match Request::from_event(event) {
            Ok(r) => r,
            Err(e) => return rpc_error(400, Value::Null, RpcError::new(jsonrpc::INVALID_REQUEST, e.0)).into_event(Source::FunctionUrl),
        };
        let source = req.source;
        self.answer(&req).await.into_event(source)
    }

    async fn answer(&self, req: &Request) -> RawResponse {
        if !self.origin_allowed(req.header("origin")) {
            let msg = "Forbidden: this MCP server does not accept requests from this Origin";
            return rpc_error(403, Value::Null, RpcError::new(jsonrpc::INVALID_REQUEST, msg));
        }
        if req.method != "POST" {
            return RawResponse::new(
                405,
                "application/json",
                br#"{"error":"method_not_allowed","message":"POST JSON-RPC messages"}"#.to_vec(),
            )
            .with_header("allow", "POST");
        }
        if let Some(v) = req.header("mcp-protocol-version") {
            if !SUPPORTED_VERSIONS.contains(&v) {
                let msg = format!("unsupported MCP-Protocol-Version {v:?}; supported: {SUPPORTED_VERSIONS:?}");
                return rpc_error(400, Value::Null, RpcError::new(jsonrpc::INVALID_REQUEST, msg));
            }
        }
        let msg: Value = match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => return rpc_error(400, Value::Null, RpcError::new(jsonrpc::PARSE_ERROR, format!("parse error: {e}"))),
        };
        let id = msg.get("id").cloned();
        let Some(method) = msg.get("method").and_then(Value::as_str) else {
            if msg.is_object() && id.is_some() && (msg.get("result").is_some() || msg.get("error").is_some()) {
                return RawResponse::new(202, "application/json", Vec::new()); // a response to nothing we asked
            }
            return rpc_error(
                400,
                id.unwrap_or(Value::Null),
                RpcError::new(jsonrpc::INVALID_REQUEST, "not a JSON-RPC request (batches are not supported)"),
            );
        };
        let Some(id) = id else {
            return RawResponse::new(202, "application/json", Vec::new()); // a notification
        };
        let params = msg.get("params").cloned().unwrap_or_else(|| json!({}));
        let answer = match self.dispatch(method, params).await {
            Ok(result) => jsonrpc::Response::ok(id, result),
            Err(e) => jsonrpc::Response::err(id, e),
        };
        RawResponse::new(200, "application/json", serde_json::to_vec(&answer).unwrap_or_default())
    }

    async fn dispatch(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        match method {
            "initialize" => {
                let offered = params["protocolVersion"].as_str().unwrap_or_default();
                let version = if SUPPORTED_VERSIONS.contains(&offered) { offered } else { PROTOCOL_VERSION };
                Ok(json!({
                    "protocolVersion": version,
                    "capabilities": {"tools": {"listChanged": false}},
                    "serverInfo": {"name": self.info.name, "version": self.info.version},
                }))
            }
            "ping" => Ok(json!({})),
            "tools/list" => Ok(json!({"tools": self.listed})),
            "tools/call" => self.call(params).await,
            other => Err(RpcError::new(jsonrpc::METHOD_NOT_FOUND, format!("method not found: {other}"))),
        }
    }

    async fn call(&self, params: Value) -> Result<Value, RpcError> {
        let name = params["name"].as_str().ok_or_else(|| RpcError::new(jsonrpc::INVALID_PARAMS, "tools/call needs a tool name"))?;
        let schema = self.schemas.get(name).ok_or_else(|| RpcError::new(jsonrpc::INVALID_PARAMS, format!("unknown tool: {name}")))?;
        let validator = schema.validator(name).map_err(|e| {
            tracing::error!(error = %e, "a tool's input schema does not compile");
            RpcError::new(jsonrpc::INTERNAL_ERROR, format!("tool {name} cannot be called: its input schema is invalid"))
        })?;
        let args = params.get("arguments").cloned().unwrap_or_else(|| json!({}));
        let problems: Vec<String> = validator.iter_errors(&args).map(|e| format!("{} at {:?}", e, e.instance_path.to_string())).collect();
        if !problems.is_empty() {
            let text = format!("invalid arguments for {name}: {}", problems.join("; "));
            return Ok(json!({"content": [{"type": "text", "text": text}], "isError": true}));
        }
        Ok(match self.tools.call(name, args).await {
            Ok(text) => {
                let mut result = json!({"content": [{"type": "text", "text": text}], "isError": false});
                if let Ok(object @ Value::Object(_)) = serde_json::from_str::<Value>(&text) {
                    result["structuredContent"] = object;
                }
                result
            }
            Err(e) => json!({"content": [{"type": "text", "text": e.0}], "isError": true}),
        })
    }
}

/// A tool's input schema and, after the tool's first call, its compiled validator.
struct InputSchema {
    schema: Value,
    compiled: OnceLock<Result<jsonschema::Validator, String>>,
}

impl InputSchema {
    /// The validator, compiled on the first call (tool `name`'s, for the error).
    fn validator(&self, name: &str) -> Result<&jsonschema::Validator, SchemaError> {
        self.compiled
            .get_or_init(|| jsonschema::validator_for(&self.schema).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|reason| SchemaError { tool: name.to_owned(), reason: reason.clone() })
    }
}

fn rpc_error(status: u16, id: Value, error: RpcError) -> RawResponse {
    RawResponse::new(status, "application/json", serde_json::to_vec(&jsonrpc::Response::err(id, error)).unwrap_or_default())
}

/// An origin as compared: lower case, without a trailing slash.
fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// The origins of [`env::MCP_ALLOWED_ORIGINS`] (comma-separated `scheme://host[:port]`; none when
/// unset); an entry that is not such an origin fails the init.
pub fn allowed_origins_from_env() -> Result<Vec<String>, ConfigError> {
    let Some(value) = config::optional(env::MCP_ALLOWED_ORIGINS) else { return Ok(Vec::new()) };
    let mut origins = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let valid = url::Url::parse(entry).ok().is_some_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.path() == "/" && u.query().is_none() && !entry.ends_with('/')
        });
        if !valid {
            let reason = format!("{entry:?} is not an origin (scheme://host[:port], no path)");
            return Err(ConfigError::Invalid { name: env::MCP_ALLOWED_ORIGINS, value: value.clone(), reason });
        }
        origins.push(entry.to_owned());
    }
    Ok(origins)
}

/// Runs `tools` as a stateless MCP server Lambda function: the `main` of an MCP server on
/// Lambda. Fails the init when [`env::MCP_ALLOWED_ORIGINS`] is malformed; a tool whose input
/// schema does not compile answers its calls with -32603 (see [`McpServer`]).
pub async fn serve(tools: Toolbox, info: ServerInfo) -> Result<(), lambda_runtime::Error> {
    let server = Arc::new(McpServer::new(tools, info).with_allowed_origins(allowed_origins_from_env()?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let server = server.clone();
        async move { Ok::<Value, lambda_runtime::Error>(server.handle(event.payload).await) }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{BoxFuture, Tool, ToolError, ToolSpec};

    /// A tool named `.0` with input schema `.1` that answers its input.
    struct Echo(&'static str, Value);

    impl Tool for Echo {
        fn spec(&self) -> ToolSpec {
            ToolSpec { name: self.0.into(), description: "echo".into(), input_schema: self.1.clone() }
        }

        fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
            Box::pin(async move { Ok(input.to_string()) })
        }
    }

    fn server() -> McpServer {
        let good = json!({"type": "object", "required": ["x"], "properties": {"x": {"type": "string"}}});
        let bad = json!({"type": "object", "properties": {"x": {"type": "string", "pattern": "(unclosed"}}});
        let tools = Toolbox::new().with(Echo("good", good)).with(Echo("bad", bad));
        McpServer::new(tools, ServerInfo { name: "t".into(), version: "0".into() })
    }

    fn compiled(server: &McpServer, name: &str) -> bool {
        server.schemas[name].compiled.get().is_some()
    }

    #[tokio::test]
    async fn schemas_compile_on_a_tools_first_call_not_at_init() {
        let server = server();
        assert!(!compiled(&server, "good") && !compiled(&server, "bad"), "nothing compiled by new()");
        let listed = server.dispatch("tools/list", json!({})).await.expect("tools/list");
        assert_eq!(listed["tools"].as_array().map(Vec::len), Some(2));
        assert!(!compiled(&server, "good"), "tools/list compiles nothing");

        let refused = server.dispatch("tools/call", json!({"name": "good", "arguments": {}})).await.expect("a result");
        assert_eq!(refused["isError"], true, "{refused}");
        assert!(compiled(&server, "good") && !compiled(&server, "bad"), "only the called tool's schema");
        let ok = server.dispatch("tools/call", json!({"name": "good", "arguments": {"x": "y"}})).await.expect("a result");
        assert_eq!(ok["isError"], false, "{ok}");
    }

    #[tokio::test]
    async fn a_schema_that_does_not_compile_fails_its_tools_calls_and_check_schemas() {
        let server = server();
        let err = server.dispatch("tools/call", json!({"name": "bad", "arguments": {"x": "y"}})).await.expect_err("-32603");
        assert_eq!(err.code, jsonrpc::INTERNAL_ERROR, "{err:?}");
        let again = server.dispatch("tools/call", json!({"name": "good", "arguments": {"x": "y"}})).await.expect("a result");
        assert_eq!(again["isError"], false, "the other tool still works: {again}");
        let check = server.check_schemas().expect_err("bad does not compile");
        assert_eq!(check.tool, "bad", "{check}");
    }
}
