//! Tools over MCP: what the constructs write into [`MCP_SERVERS`](crate::env::MCP_SERVERS) for an
//! agent's handlers, and the names of the stock MCP server (`mcp-orders`).
//!
//! The variable holds a JSON array of [`McpServerConfig`]; secrets travel as Secrets Manager
//! ARNs (read once at init, never as values in the environment). Example:
//!
//! ```json
//! [{"url": "https://abc.lambda-url.us-east-1.on.aws/", "auth": {"type": "sigv4", "service": "lambda"},
//!   "allow": ["get_order"], "timeout_seconds": 10, "max_result_bytes": 20000},
//!  {"url": "https://tools.example.com/mcp",
//!   "auth": {"type": "bearer", "secret_arn": "arn:aws:secretsmanager:...:secret:tools-token"}}]
//! ```

use serde::{Deserialize, Serialize};

/// Default of [`McpServerConfig::timeout_seconds`]: one MCP request (including a `tools/call`).
pub const DEFAULT_MCP_TIMEOUT_SECONDS: u64 = 30;
/// Default of [`McpServerConfig::max_result_bytes`]: a tool result longer than this is cut and
/// the model is told so (about 5k tokens, so one tool cannot fill the context window).
pub const DEFAULT_MCP_MAX_RESULT_BYTES: usize = 20_000;
/// SigV4 service name of AgentCore Gateway (`bedrock-agentcore:InvokeGateway`).
pub const SIGV4_SERVICE_AGENTCORE: &str = "bedrock-agentcore";
/// SigV4 service name of a Lambda Function URL with `AuthType: AWS_IAM`.
pub const SIGV4_SERVICE_LAMBDA: &str = "lambda";

/// One MCP server an agent uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServerConfig {
    /// The Streamable HTTP endpoint (the MCP endpoint itself, e.g. `.../mcp`).
    pub url: String,
    /// How requests are authenticated. Default: [`McpAuthConfig::None`].
    #[serde(default)]
    pub auth: McpAuthConfig,
    /// Tool names the model may see and call; empty means every tool of the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// Per-request timeout, seconds. Default: [`DEFAULT_MCP_TIMEOUT_SECONDS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Cap on one tool result's text, bytes. Default: [`DEFAULT_MCP_MAX_RESULT_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_result_bytes: Option<usize>,
}

/// Authentication of an MCP server, as the constructs write it (`"type"` tags the variant).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum McpAuthConfig {
    /// No authentication.
    #[default]
    None,
    /// `Authorization: Bearer <token>`; the token is the SecretString of `secret_arn`.
    Bearer {
        /// Secrets Manager secret holding the token.
        secret_arn: String,
    },
    /// AWS SigV4 with the function's role.
    Sigv4 {
        /// Signing name: [`SIGV4_SERVICE_AGENTCORE`] for AgentCore Gateway,
        /// [`SIGV4_SERVICE_LAMBDA`] for an IAM Function URL.
        service: String,
        /// Signing region. Default: the function's region.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
    },
    /// OAuth 2.0 client credentials (RFC 6749 §4.4); the token is cached until it expires.
    OauthClientCredentials {
        /// The authorization server's token endpoint.
        token_url: String,
        /// Secret whose SecretString is `{"client_id": "..", "client_secret": ".."}`.
        secret_arn: String,
        /// `scope` of the token request. Default: none sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
}

/// Parses the value of [`MCP_SERVERS`](crate::env::MCP_SERVERS).
pub fn parse_servers(value: &str) -> Result<Vec<McpServerConfig>, serde_json::Error> {
    serde_json::from_str(value)
}

/// DynamoDB table of the stock `mcp-orders` server. Required by that function.
pub const ORDERS_TABLE: &str = "ORDERS_TABLE";
/// Partition key (S) of the orders table.
pub const ORDER_ID: &str = "order_id";
/// Attribute (S) naming the customer of an order; partition key of [`ORDERS_BY_CUSTOMER`].
pub const CUSTOMER_ID: &str = "customer_id";
/// Attribute (S, RFC 3339 UTC) of when an order was placed; sort key of [`ORDERS_BY_CUSTOMER`].
pub const CREATED_AT: &str = "created_at";
/// GSI of the orders table: partition key [`CUSTOMER_ID`], sort key [`CREATED_AT`],
/// projection ALL.
pub const ORDERS_BY_CUSTOMER: &str = "by-customer";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_format_round_trips() {
        let v = r#"[{"url": "https://a/mcp", "auth": {"type": "sigv4", "service": "bedrock-agentcore"}, "allow": ["x"]},
                    {"url": "https://b/mcp", "auth": {"type": "oauth_client_credentials", "token_url": "https://t", "secret_arn": "arn:s"}},
                    {"url": "https://c/mcp"}]"#;
        let servers = parse_servers(v).expect("parses");
        assert_eq!(servers[0].auth, McpAuthConfig::Sigv4 { service: SIGV4_SERVICE_AGENTCORE.into(), region: None });
        assert_eq!(servers[2].auth, McpAuthConfig::None);
        let again = parse_servers(&serde_json::to_string(&servers).expect("json")).expect("parses");
        assert_eq!(again, servers);
        assert!(parse_servers(r#"[{"url": "u", "auth": {"type": "bearer"}}]"#).is_err(), "a bearer needs its secret");
        assert!(parse_servers(r#"[{"url": "u", "alow": []}]"#).is_err(), "typos are errors");
    }
}
