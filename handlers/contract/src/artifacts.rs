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

/// Every handler artifact, in build order.
pub const ALL: [&str; 5] = [REQUEST_HANDLER, AGENT_RUNNER, RESPONSE_HANDLER, WS_CONNECTION, AUTHORIZER];

/// File name of a function's deployment package inside `target/lambda/<name>/`.
pub const BOOTSTRAP_ZIP: &str = "bootstrap.zip";
