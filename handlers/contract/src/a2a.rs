//! Agents over A2A (Agent2Agent protocol, JSON-RPC binding): what the constructs write for an
//! agent that publishes an Agent Card ([`A2A_CARD`]) or calls other agents ([`A2A_AGENTS`]), and
//! the paths both sides must agree on.
//!
//! The card the constructs write is a [`CardConfig`]: what synth knows. The handler completes it
//! at request time (`url` from the request's domain and stage, `protocolVersion`,
//! `preferredTransport`), so the card needs no `Fn::Sub` of the API's own URL.

use serde::{Deserialize, Serialize};

use crate::mcp::McpAuthConfig;

/// Protocol revision we speak (A2A specification v0.3.0: `message/send`, `message/stream`,
/// `tasks/get`, `tasks/cancel`).
pub const PROTOCOL_VERSION: &str = "0.3.0";
/// Well-known path of the Agent Card (A2A §5.3, RFC 8615), relative to the API's stage root.
pub const AGENT_CARD_PATH: &str = "/.well-known/agent-card.json";
/// Path of the JSON-RPC endpoint, relative to the API's stage root (`POST`).
pub const RPC_PATH: &str = "/a2a";

/// Environment variable: the agent's card as JSON ([`CardConfig`]). Set means the handler serves
/// [`AGENT_CARD_PATH`] and [`RPC_PATH`]. Default: unset (no A2A).
pub const A2A_CARD: &str = "A2A_CARD";
/// Environment variable: the remote agents this agent may call as tools, a JSON array of
/// [`A2aAgentConfig`]. Default: none.
pub const A2A_AGENTS: &str = "A2A_AGENTS";

/// What synth knows of an agent's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardConfig {
    /// Human-readable name of the agent.
    pub name: String,
    /// What the agent does (shown to calling agents' models).
    pub description: String,
    /// Version of the agent (not of the protocol).
    pub version: String,
    /// What the agent can do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<SkillConfig>,
    /// Whether `message/stream` is served (Stream mode).
    #[serde(default)]
    pub streaming: bool,
    /// How callers authenticate: becomes the card's `securitySchemes` and `security`.
    #[serde(default)]
    pub security: CardSecurity,
}

/// One skill of a card (A2A `AgentSkill`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillConfig {
    /// Unique id within the card.
    pub id: String,
    /// Short name.
    pub name: String,
    /// What the skill does.
    pub description: String,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Example prompts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

/// The security scheme the agent's front door enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardSecurity {
    /// No authentication (a public agent).
    #[default]
    None,
    /// `Authorization: Bearer <JWT>` checked by the agent's authorizer.
    Bearer,
    /// AWS SigV4 (API Gateway `AWS_IAM` or an IAM Function URL).
    Sigv4,
}

/// One remote agent an agent may call as a tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct A2aAgentConfig {
    /// Tool name the model sees (unique among the agent's tools).
    pub name: String,
    /// URL of the remote agent's card (`…/.well-known/agent-card.json`).
    pub card_url: String,
    /// Whose identity the call carries.
    #[serde(default)]
    pub identity: CallerIdentity,
    /// Per-request timeout, seconds. Default: [`DEFAULT_A2A_TIMEOUT_SECONDS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// Default of [`A2aAgentConfig::timeout_seconds`].
pub const DEFAULT_A2A_TIMEOUT_SECONDS: u64 = 60;

/// Whose identity a call to a remote agent carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case", deny_unknown_fields)]
pub enum CallerIdentity {
    /// The end user's own bearer token, passed on unchanged (the remote agent's authorizer
    /// sees the same user).
    User,
    /// The calling service's own credentials.
    Service {
        /// How the service authenticates (the same choices as for MCP servers).
        auth: McpAuthConfig,
    },
}

impl Default for CallerIdentity {
    fn default() -> Self {
        CallerIdentity::Service { auth: McpAuthConfig::None }
    }
}

/// Parses the value of [`A2A_AGENTS`].
pub fn parse_agents(value: &str) -> Result<Vec<A2aAgentConfig>, serde_json::Error> {
    serde_json::from_str(value)
}

/// Parses the value of [`A2A_CARD`].
pub fn parse_card(value: &str) -> Result<CardConfig, serde_json::Error> {
    serde_json::from_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_formats_round_trip() {
        let agents = parse_agents(
            r#"[{"name": "orders", "card_url": "https://a/.well-known/agent-card.json", "identity": {"as": "user"}},
                {"name": "pay", "card_url": "https://b/c", "identity": {"as": "service", "auth": {"type": "sigv4", "service": "execute-api"}}}]"#,
        )
        .expect("parses");
        assert_eq!(agents[0].identity, CallerIdentity::User);
        assert!(matches!(agents[1].identity, CallerIdentity::Service { auth: McpAuthConfig::Sigv4 { .. } }));
        let card = parse_card(r#"{"name": "n", "description": "d", "version": "1", "security": "bearer"}"#).expect("card");
        assert_eq!(card.security, CardSecurity::Bearer);
        assert!(parse_card(r#"{"name": "n", "description": "d", "version": "1", "secrity": "bearer"}"#).is_err());
    }
}
