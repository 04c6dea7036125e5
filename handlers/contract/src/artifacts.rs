//! Handler artifacts. Each is a binary crate in `handlers/` whose crate, folder and binary all
//! carry the artifact's name; after `cargo lambda build --release --output-format zip`, the
//! folder `target/lambda/<name>/` holds its [`BOOTSTRAP_ZIP`]. Constructs refer to handlers by
//! [`Artifact`] (`Code::handler(Artifact::AgentRunner)`), so a renamed handler is a compile error
//! in the constructs, not a missing asset at deploy.

crate::string_enum! {
    /// A stock handler, named like its crate (and binary, and folder under `handlers/`).
    pub enum Artifact {
        /// API-facing handler: POST chat (Sync runs the agent, Queue/WebSocket enqueue), GET responses.
        RequestHandler => "request-handler",
        /// SQS consumer of the input queue: runs the agent loop, sends results to the output queue.
        AgentRunner => "agent-runner",
        /// SQS consumer of the output queue: stores responses, pushes WebSocket replies.
        ResponseHandler => "response-handler",
        /// WebSocket `$connect` / `$disconnect` handler: verifies the token, stores connections.
        WsConnection => "ws-connection",
        /// API Gateway Lambda authorizer (REST TOKEN/REQUEST and WebSocket REQUEST): JWT via JWKS.
        Authorizer => "authorizer",
        /// `ServerlessAgent` in Stream mode: runs the agent behind a Function URL (RESPONSE_STREAM)
        /// or an API Gateway REST method (responseTransferMode STREAM) and streams model tokens.
        StreamHandler => "stream-handler",
        /// Front door of an AgentCore runtime (options 1-3): API Gateway REST or a Function URL
        /// in, InvokeAgentRuntime out; buffered or streamed back chunk by chunk.
        AgentcoreProxy => "agentcore-proxy",
        /// Stock MCP server on Lambda: order lookup tools over a DynamoDB table
        /// ([`crate::mcp::ORDERS_TABLE`]), stateless Streamable HTTP behind a Function URL or REST.
        McpOrders => "mcp-orders",
    }
}

impl Artifact {
    /// The Cargo package name (what `cargo build -p` and `cargo metadata` know it by).
    pub const fn crate_name(self) -> &'static str {
        self.as_str()
    }

    /// The binary target's name (what `cargo lambda` names the zip's folder after).
    pub const fn binary_name(self) -> &'static str {
        self.as_str()
    }
}

/// Every handler artifact, in build order.
pub const ALL: &[Artifact] = Artifact::ALL;

/// File name of a function's deployment package inside `target/lambda/<name>/`.
pub const BOOTSTRAP_ZIP: &str = "bootstrap.zip";
