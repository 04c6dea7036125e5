//! Tools over the Model Context Protocol: a Streamable HTTP client whose tools join an agent's
//! [`Toolbox`](crate::agent::Toolbox) ([`McpSource`], [`sources_from_env`]), and a stateless
//! server that offers a `Toolbox` as MCP tools from a Lambda function ([`serve`]).
//!
//! **Protocol.** We speak revision [`PROTOCOL_VERSION`] (2025-11-25, the newest with the
//! `initialize` handshake and `Mcp-Session-Id`, which current SDKs still speak). The 2026-07-28
//! revision's stateless envelope (`server/discover`, `_meta` protocol version) is not
//! implemented: our server answers `server/discover` with -32601, which the official SDKs take
//! as "use `initialize`".
//!
//! **Why not `rmcp`.** The official Rust SDK (checked: rmcp 3.11) runs a client as a background
//! worker task over a long-lived transport, which a Lambda sandbox frozen between invocations
//! would stall, and its HTTP server is a tower service with a session manager, where we need one
//! Lambda event in, one answer out. It also needs Rust 1.88 (we support 1.85). What we use is six
//! JSON-RPC message shapes ([`jsonrpc`]), hand-written here in a few hundred lines.

mod auth;
mod client;
pub mod jsonrpc;
#[cfg(feature = "mcp-server")]
mod server;
mod tools;

use std::time::Duration;

pub use auth::{McpAuth, OAuthClient};
pub use client::{CallResult, McpClient, RemoteTool};
#[cfg(feature = "mcp-server")]
pub use server::{allowed_origins_from_env, serve, McpServer, SchemaError, ServerInfo};
pub(crate) use tools::valid_name;
pub use tools::{cap, render, McpSource, McpTool};

use agentcdk_contract::{env, mcp::parse_servers};

use crate::config::{self, ConfigError};

/// The protocol revision we offer and prefer.
pub const PROTOCOL_VERSION: &str = "2025-11-25";
/// Revisions we accept from a server (all with the `initialize` handshake and the same
/// `tools/*` shapes for what we use).
pub const SUPPORTED_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// Why an MCP exchange failed (as a tool call this is a result for the model, not a failed run).
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The server could not be reached or the connection broke.
    #[error("MCP server unreachable: {0}")]
    Http(String),
    /// The server answered with a non-2xx status.
    #[error("MCP server answered HTTP {0}: {1}")]
    Status(u16, String),
    /// A JSON-RPC error answer.
    #[error(transparent)]
    Rpc(#[from] jsonrpc::RpcError),
    /// The answer did not follow the protocol.
    #[error("MCP protocol error: {0}")]
    Protocol(String),
    /// Getting credentials or a token failed.
    #[error("MCP authentication failed: {0}")]
    Auth(String),
    /// No answer within the per-request timeout.
    #[error("MCP server did not answer within {0:?}")]
    Timeout(Duration),
}

/// The MCP sources [`env::MCP_SERVERS`] describes (none when unset); a malformed value fails
/// the init. Reads the auth secrets now; connects to no server until a tool list is needed.
pub async fn sources_from_env(sdk: &aws_config::SdkConfig) -> Result<Vec<McpSource>, ConfigError> {
    let Some(value) = config::optional(env::MCP_SERVERS) else {
        return Ok(Vec::new());
    };
    let configs =
        parse_servers(&value).map_err(|e| ConfigError::Invalid { name: env::MCP_SERVERS, value: value.clone(), reason: e.to_string() })?;
    let mut sources = Vec::with_capacity(configs.len());
    for c in &configs {
        sources.push(McpSource::from_config(c, sdk).await?);
    }
    Ok(sources)
}

/// `tools` with every MCP source of [`env::MCP_SERVERS`] added (see [`sources_from_env`]).
pub async fn toolbox_from_env(sdk: &aws_config::SdkConfig, tools: crate::agent::Toolbox) -> Result<crate::agent::Toolbox, ConfigError> {
    Ok(sources_from_env(sdk).await?.into_iter().fold(tools, |t, s| t.with_provider(s)))
}
