//! Tools over MCP: the sources an agent's model may call, what the functions running the agent
//! are told about them (`MCP_SERVERS`) and may do (IAM), and the checks of the sources.
//!
//! `MCP_SERVERS` is the contract's [`McpServerConfig`] list serialized by serde, never JSON
//! written here: a URL or secret ARN that is an intrinsic becomes a `${McpN}` placeholder of an
//! `Fn::Sub` (literal text then has its `${` escaped as `${!`), so the shape has one source of
//! truth and CloudFormation fills in what only it knows.

use std::collections::BTreeSet;
use std::time::Duration;

use agentcdk_contract::mcp::{McpAuthConfig, McpServerConfig, SIGV4_SERVICE_AGENTCORE, SIGV4_SERVICE_LAMBDA};
use agentcdk_synth::prelude::*;

use crate::codes;
use crate::function_url::{FunctionUrl, UrlAuth};
use crate::iam::{self, actions, Statement};
use crate::lambda::Function;
use crate::patterns::agentcore::{AgentCoreGateway, GatewayAuthorizer};
use crate::patterns::mcp_server::{McpFront, McpServer};

/// How the agent authenticates to an MCP server.
#[derive(Clone, Debug, PartialEq)]
pub enum McpAuth {
    /// No authentication.
    None,
    /// `Authorization: Bearer <token>`, the token being the SecretString of `secret`.
    Bearer {
        /// Secrets Manager secret (ARN) holding the token; the agent may read it and no other.
        secret: Value<String>,
    },
    /// AWS SigV4 with the agent function's role. The app grants what the server needs
    /// (`ToolSource::gateway` and `ToolSource::server` grant it themselves).
    SigV4 {
        /// Signing name, e.g. `bedrock-agentcore` or `lambda`.
        service: String,
    },
    /// OAuth 2.0 client credentials; the token is cached until it expires.
    OAuthClientCredentials {
        /// The authorization server's token endpoint.
        token_url: String,
        /// Secret (ARN) whose SecretString is `{"client_id": "..", "client_secret": ".."}`.
        secret: Value<String>,
        /// `scope` of the token request. Default (`None`): none sent.
        scope: Option<String>,
    },
}

impl McpAuth {
    /// A bearer token from this secret.
    pub fn bearer(secret: impl Into<Value<String>>) -> McpAuth {
        McpAuth::Bearer { secret: secret.into() }
    }

    /// The secret the agent reads, if any.
    fn secret(&self) -> Option<&Value<String>> {
        match self {
            McpAuth::Bearer { secret } | McpAuth::OAuthClientCredentials { secret, .. } => Some(secret),
            McpAuth::None | McpAuth::SigV4 { .. } => None,
        }
    }
}

/// What the agent functions are granted to reach a source (besides its secret).
#[derive(Clone, Debug, PartialEq)]
enum Reach {
    /// Nothing beyond the network.
    Open,
    /// `bedrock-agentcore:InvokeGateway` on this gateway (ARN).
    Gateway(Expr),
    /// Invoke through this IAM Function URL.
    FunctionUrl(FunctionUrl),
}

/// One MCP server whose tools the agent's model may call: built by [`ToolSource::mcp`],
/// [`ToolSource::gateway`] or [`ToolSource::server`], narrowed by [`ToolSource::allow`].
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSource {
    url: Value<String>,
    auth: McpAuth,
    allow: Vec<String>,
    timeout: Option<Duration>,
    max_result_bytes: Option<usize>,
    reach: Reach,
    /// A CUSTOM_JWT gateway or an `McpServer` behind an authorizer: its token must be given
    /// with [`ToolSource::with_auth`].
    needs_token: bool,
    /// A remote agent over A2A (`ToolSource::agent`, `ToolSource::a2a`) instead of an MCP
    /// server: it goes to `A2A_AGENTS`, not `MCP_SERVERS`.
    remote: Option<super::a2a::Remote>,
}

impl ToolSource {
    /// Any MCP server (Streamable HTTP) at `url`, the MCP endpoint itself (e.g. `…/mcp`).
    pub fn mcp(url: impl Into<Value<String>>, auth: McpAuth) -> ToolSource {
        ToolSource {
            url: url.into(),
            auth,
            allow: Vec::new(),
            timeout: None,
            max_result_bytes: None,
            reach: Reach::Open,
            needs_token: false,
            remote: None,
        }
    }

    /// A remote agent's card at `card_url` (see `a2a`): `auth` is the service identity (the
    /// secret it names is granted), `invoke_url` an IAM Function URL to grant invoke on.
    pub(super) fn remote_agent(
        card_url: Value<String>,
        auth: McpAuth,
        invoke_url: Option<FunctionUrl>,
        remote: super::a2a::Remote,
    ) -> Self {
        let reach = invoke_url.map_or(Reach::Open, Reach::FunctionUrl);
        ToolSource { reach, remote: Some(remote), ..ToolSource::mcp(card_url, auth) }
    }

    /// Replaces the remote agent of an A2A source.
    pub(super) fn with_remote(mut self, remote: super::a2a::Remote) -> Self {
        self.remote = Some(remote);
        self
    }

    /// The remote agent, for an A2A source.
    pub(super) fn remote(&self) -> Option<&super::a2a::Remote> {
        self.remote.as_ref()
    }

    /// The URL (an MCP endpoint, or an A2A card).
    pub(super) fn url(&self) -> &Value<String> {
        &self.url
    }

    /// The auth (of an A2A source: its service identity).
    pub(super) fn auth(&self) -> &McpAuth {
        &self.auth
    }

    /// An AgentCore Gateway, at its `GatewayUrl`. AWS_IAM gateway: SigV4, and the agent may
    /// `bedrock-agentcore:InvokeGateway` on this gateway only. CUSTOM_JWT gateway: give the
    /// token with `.with_auth(McpAuth::bearer(..))` or OAuth client credentials (checked).
    pub fn gateway(gateway: &AgentCoreGateway) -> ToolSource {
        let (auth, reach, needs_token) = match gateway.authorizer {
            GatewayAuthorizer::AwsIam => (McpAuth::SigV4 { service: SIGV4_SERVICE_AGENTCORE.into() }, Reach::Gateway(gateway.arn()), false),
            GatewayAuthorizer::None => (McpAuth::None, Reach::Open, false),
            GatewayAuthorizer::CustomJwt { .. } => (McpAuth::None, Reach::Open, true),
        };
        ToolSource { auth, reach, needs_token, ..ToolSource::mcp(gateway.url(), McpAuth::None) }
    }

    /// An [`McpServer`] of this app. IAM URL (the default): SigV4 (`lambda`), and the agent may
    /// invoke that function through its URL only; public URL: no auth; REST API behind a
    /// Lambda authorizer: give the token with `.with_auth(..)` (checked), no IAM.
    pub fn server(server: &McpServer) -> ToolSource {
        let (auth, reach, needs_token) = match &server.front {
            McpFront::FunctionUrl(url) if url.auth == UrlAuth::AwsIam => {
                (McpAuth::SigV4 { service: SIGV4_SERVICE_LAMBDA.into() }, Reach::FunctionUrl(url.clone()), false)
            }
            McpFront::FunctionUrl(_) => (McpAuth::None, Reach::Open, false),
            McpFront::RestApi(_) => (McpAuth::None, Reach::Open, true),
        };
        ToolSource { auth, reach, needs_token, ..ToolSource::mcp(server.url(), McpAuth::None) }
    }

    /// Only these tools of the source reach the model. Default: every tool.
    pub fn allow<I, S>(mut self, tools: I) -> ToolSource
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allow = tools.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the auth (e.g. the token of a CUSTOM_JWT gateway).
    pub fn with_auth(mut self, auth: McpAuth) -> ToolSource {
        self.auth = auth;
        self.needs_token = false;
        self
    }

    /// Per-request timeout. Default: the handler's (30 s).
    pub fn timeout(mut self, timeout: Duration) -> ToolSource {
        self.timeout = Some(timeout);
        self
    }

    /// Cap on one tool result. Default: the handler's (20,000 bytes).
    pub fn max_result_bytes(mut self, bytes: usize) -> ToolSource {
        self.max_result_bytes = Some(bytes);
        self
    }
}

/// Turns values into the text of `MCP_SERVERS` (and `A2A_AGENTS`): literals as they are
/// (escaped when the whole is an `Fn::Sub`), intrinsics as numbered placeholders.
pub(super) struct Render {
    sub: bool,
    vars: Vec<(String, Value<String>)>,
}

impl Render {
    /// A renderer for `sources`: an `Fn::Sub` when any URL or secret is an intrinsic.
    pub(super) fn for_sources<'t>(sources: impl IntoIterator<Item = &'t ToolSource>) -> Render {
        let sub = sources.into_iter().any(|t| matches!(t.url, Value::Expr(_)) || matches!(t.auth.secret(), Some(Value::Expr(_))));
        Render { sub, vars: Vec::new() }
    }

    /// `json` as the variable's value: a literal, or an `Fn::Sub` of the placeholders.
    pub(super) fn finish(self, json: String) -> Value<String> {
        if self.vars.is_empty() {
            Value::Lit(json)
        } else {
            Expr::sub_with(json, self.vars).into()
        }
    }

    pub(super) fn text(&mut self, value: &Value<String>) -> String {
        match value {
            Value::Lit(s) => self.lit(s),
            Value::Expr(_) => {
                let name = format!("Mcp{}", self.vars.len());
                self.vars.push((name.clone(), value.clone()));
                format!("${{{name}}}")
            }
        }
    }

    fn lit(&self, s: &str) -> String {
        if self.sub {
            s.replace("${", "${!")
        } else {
            s.to_owned()
        }
    }

    pub(super) fn auth(&mut self, auth: &McpAuth) -> McpAuthConfig {
        match auth {
            McpAuth::None => McpAuthConfig::None,
            McpAuth::Bearer { secret } => McpAuthConfig::Bearer { secret_arn: self.text(secret) },
            McpAuth::SigV4 { service } => McpAuthConfig::Sigv4 { service: self.lit(service), region: None },
            McpAuth::OAuthClientCredentials { token_url, secret, scope } => McpAuthConfig::OauthClientCredentials {
                token_url: self.lit(token_url),
                secret_arn: self.text(secret),
                scope: scope.as_deref().map(|s| self.lit(s)),
            },
        }
    }

    fn config(&mut self, t: &ToolSource) -> McpServerConfig {
        McpServerConfig {
            url: self.text(&t.url),
            auth: self.auth(&t.auth),
            allow: t.allow.iter().map(|a| self.lit(a)).collect(),
            timeout_seconds: t.timeout.map(|d| d.as_secs()),
            max_result_bytes: t.max_result_bytes,
        }
    }
}

/// The value of `MCP_SERVERS`, or `None` without tools (the variable is then not set).
pub(super) fn environment(tools: &[ToolSource]) -> Option<Value<String>> {
    let tools: Vec<&ToolSource> = tools.iter().filter(|t| t.remote.is_none()).collect();
    if tools.is_empty() {
        return None;
    }
    let mut render = Render::for_sources(tools.iter().copied());
    let configs: Vec<McpServerConfig> = tools.iter().map(|t| render.config(t)).collect();
    Some(render.finish(serde_json::to_string(&configs).expect("McpServerConfig serializes")))
}

/// Lets `function` reach every source: read its secret, invoke its gateway or Function URL.
pub(super) fn grant(stack: &mut Stack, tools: &[ToolSource], function: &Function) {
    for t in tools {
        if let Some(secret) = t.auth.secret() {
            iam::grant(stack, function, Statement::allow(actions::SECRETS_GET_VALUE, [secret.clone()]));
        }
        match &t.reach {
            Reach::Open => {}
            Reach::Gateway(arn) => iam::grant(stack, function, Statement::allow(actions::AGENTCORE_INVOKE_GATEWAY, [arn.clone()])),
            Reach::FunctionUrl(url) => url.grant_invoke(stack, function),
        }
    }
}

/// Whether the handlers accept `name` as a tool name (`[a-zA-Z0-9_-]{1,64}`).
fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// https only (plain http to this machine for local servers), one source per URL, allowlists
/// of tool names, a timeout and a result cap above zero, a token for every CUSTOM_JWT gateway.
pub(super) fn check(scope: &mut Scope, tools: &[ToolSource]) {
    let mut seen: Vec<&Value<String>> = Vec::new();
    for (i, t) in tools.iter().enumerate() {
        if t.remote.as_ref().is_some_and(super::a2a::Remote::unusable) {
            continue; // no card URL: reported by the A2A checks
        }
        if let Value::Lit(url) = &t.url {
            let local = ["http://127.0.0.1", "http://localhost"]
                .iter()
                .any(|p| url.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])));
            if !url.starts_with("https://") && !local {
                scope.error(
                    codes::TOOLS_URL_SCHEME,
                    format!("tool source {i}: '{url}' is not an https URL"),
                    "MCP servers are called over https (plain http only to 127.0.0.1 or localhost, for development)",
                );
            }
        }
        if seen.contains(&&t.url) {
            scope.error(
                codes::TOOLS_DUPLICATE,
                format!("tool source {i} repeats the URL of an earlier source"),
                "list each MCP server once",
            );
        }
        seen.push(&t.url);
        let mut names = BTreeSet::new();
        for a in &t.allow {
            if !is_tool_name(a) || !names.insert(a) {
                scope.error(
                    codes::TOOLS_ALLOW_ENTRY,
                    format!("tool source {i}: allowlist entry '{a}' is empty, repeated or not a tool name"),
                    "tool names are 1-64 characters of letters, digits, '_' and '-'",
                );
            }
        }
        if t.timeout.is_some_and(|d| d.as_secs() == 0) || t.max_result_bytes == Some(0) {
            scope.error(
                codes::TOOLS_BOUNDS,
                format!("tool source {i}: a timeout under 1 s or a result cap of 0 bytes"),
                "timeouts are whole seconds (at least 1); a result cap of 0 would cut every result",
            );
        }
        if t.needs_token {
            scope.error(
                codes::TOOLS_GATEWAY_TOKEN,
                format!("tool source {i}: a CUSTOM_JWT gateway or an McpServer behind an authorizer without a token"),
                "add .with_auth(McpAuth::bearer(secret_arn)) or McpAuth::OAuthClientCredentials { .. }",
            );
        }
    }
}
