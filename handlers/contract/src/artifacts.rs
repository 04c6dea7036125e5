//! Handler artifact names. Each is a binary crate in `handlers/` and, after
//! `cargo lambda build --release --output-format zip`, the folder `target/lambda/<name>/`
//! holding its `bootstrap.zip`. Constructs refer to handlers by these names.

/// API-facing handler: POST chat (Sync runs the agent, Queue/WebSocket enqueue), GET responses.
pub const REQUEST_HANDLER: &str = "request-handler";
/// SQS consumer of the input queue: runs the agent loop, sends results to the output queue.
pub const AGENT_RUNNER: &str = "agent-runner";
/// SQS consumer of the output queue: stores responses, pushes WebSocket replies.
pub const RESPONSE_HANDLER: &str = "response-handler";
/// WebSocket `$connect` / `$disconnect` handler: verifies the token, stores connections.
pub const WS_CONNECTION: &str = "ws-connection";
/// API Gateway Lambda authorizer (REST TOKEN/REQUEST and WebSocket REQUEST): JWT via JWKS.
pub const AUTHORIZER: &str = "authorizer";

/// `ServerlessAgent` in Stream mode: runs the agent behind a Function URL (RESPONSE_STREAM) or an
/// API Gateway REST method (responseTransferMode STREAM) and streams model tokens as they come.
pub const STREAM_HANDLER: &str = "stream-handler";
/// Front door of an AgentCore runtime (options 1-3): API Gateway REST or a Function URL in,
/// InvokeAgentRuntime out; buffered or streamed back chunk by chunk.
pub const AGENTCORE_PROXY: &str = "agentcore-proxy";

/// Every handler artifact, in build order.
pub const ALL: [&str; 7] = [REQUEST_HANDLER, AGENT_RUNNER, RESPONSE_HANDLER, WS_CONNECTION, AUTHORIZER, STREAM_HANDLER, AGENTCORE_PROXY];

/// File name of a function's deployment package inside `target/lambda/<name>/`.
pub const BOOTSTRAP_ZIP: &str = "bootstrap.zip";

/// Stock MCP server on Lambda: order lookup tools over a DynamoDB table
/// ([`crate::mcp::ORDERS_TABLE`]), stateless Streamable HTTP behind a Function URL or REST.
pub const MCP_ORDERS: &str = "mcp-orders";
