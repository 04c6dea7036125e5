//! Tools: the sources an agent's model may call (MCP servers, Lambda functions), what the
//! functions running the agent are told about them (`MCP_SERVERS`, `LAMBDA_TOOLS`) and may do
//! (IAM), and the checks of the sources.
//!
//! `MCP_SERVERS` is the contract's [`McpServerConfig`] list serialized by serde, never JSON
//! written here: a URL or secret ARN that is an intrinsic becomes a `${McpN}` placeholder of an
//! `Fn::Sub` (literal text then has its `${` escaped as `${!`), so the shape has one source of
//! truth and CloudFormation fills in what only it knows.

use std::collections::BTreeSet;
use std::time::Duration;

use agentcdk_contract::env;
use agentcdk_contract::mcp::{McpAuthConfig, McpServerConfig, SIGV4_SERVICE_AGENTCORE, SIGV4_SERVICE_LAMBDA};
use agentcdk_contract::tools::LambdaToolConfig;
use agentcdk_synth::prelude::*;
use serde_json::Value as Json;

use crate::codes;
use crate::function_url::{FunctionUrl, UrlAuth};
use crate::iam::{self, actions, Statement};
use crate::lambda::Function;
use crate::patterns::agentcore::{AgentCoreGateway, GatewayAuthorizer, ToolSpec};
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

/// Tools the agent's model may call: an MCP server ([`ToolSource::mcp`], [`ToolSource::gateway`],
/// [`ToolSource::server`], narrowed by [`ToolSource::allow`]) or one Lambda function called
/// directly as a tool ([`ToolSource::lambda`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSource {
    source: Source,
    timeout: Option<Duration>,
    max_result_bytes: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
enum Source {
    Mcp(Box<McpSource>),
    Lambda(Box<LambdaTool>),
}

/// An MCP server (`MCP_SERVERS`).
#[derive(Clone, Debug, PartialEq)]
struct McpSource {
    url: Value<String>,
    auth: McpAuth,
    allow: Vec<String>,
    reach: Reach,
    /// A CUSTOM_JWT gateway or an `McpServer` behind an authorizer: its token must be given
    /// with [`ToolSource::with_auth`].
    needs_token: bool,
    /// A remote agent over A2A (`ToolSource::agent`, `ToolSource::a2a`) instead of an MCP
    /// server: its card URL is `url`; it goes to `A2A_AGENTS`, not `MCP_SERVERS`.
    /// Boxed: a remote is large and most sources have none.
    remote: Option<Box<super::a2a::Remote>>,
}

/// A Lambda function called directly as one tool (`LAMBDA_TOOLS`).
#[derive(Clone, Debug, PartialEq)]
struct LambdaTool {
    function_arn: Value<String>,
    spec: ToolSpec,
    /// How long the function may run (from the `Function`), when known.
    function_timeout: Option<Duration>,
    /// MCP-only options called on it (`allow`, `with_auth`), reported at synth.
    misused: Vec<&'static str>,
}

impl ToolSource {
    /// Any MCP server (Streamable HTTP) at `url`, the MCP endpoint itself (e.g. `…/mcp`).
    pub fn mcp(url: impl Into<Value<String>>, auth: McpAuth) -> ToolSource {
        ToolSource::of_mcp(McpSource { url: url.into(), auth, allow: Vec::new(), reach: Reach::Open, needs_token: false, remote: None })
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
        let source = McpSource { url: card_url, auth, allow: Vec::new(), reach, needs_token: false, remote: Some(Box::new(remote)) };
        ToolSource::of_mcp(source)
    }

    /// Replaces the remote agent of an A2A source (no effect on other sources).
    pub(super) fn with_remote(mut self, remote: super::a2a::Remote) -> Self {
        if let Source::Mcp(m) = &mut self.source {
            m.remote = Some(Box::new(remote));
        }
        self
    }

    /// The remote agent, for an A2A source.
    pub(super) fn remote(&self) -> Option<&super::a2a::Remote> {
        match &self.source {
            Source::Mcp(m) => m.remote.as_deref(),
            Source::Lambda(_) => None,
        }
    }

    /// Where the source is reached: the URL of an MCP server or A2A card, a Lambda tool's ARN.
    pub(super) fn url(&self) -> &Value<String> {
        match &self.source {
            Source::Mcp(m) => &m.url,
            Source::Lambda(l) => &l.function_arn,
        }
    }

    /// The auth of an MCP or A2A source (of an A2A source: its service identity); a Lambda
    /// tool has none (it is invoked with the function's role).
    pub(super) fn auth(&self) -> &McpAuth {
        static NO_AUTH: McpAuth = McpAuth::None;
        match &self.source {
            Source::Mcp(m) => &m.auth,
            Source::Lambda(_) => &NO_AUTH,
        }
    }

    fn of_mcp(source: McpSource) -> ToolSource {
        ToolSource { source: Source::Mcp(Box::new(source)), timeout: None, max_result_bytes: None }
    }

    /// A Lambda function of this app called directly as the tool `spec` describes: the model's
    /// input is the event (`Invoke`, `RequestResponse`), the function's JSON answer the result;
    /// a function error is an error result for the model. The agent may `lambda:InvokeFunction`
    /// on this function only. Default timeout: the function's timeout + 5 s.
    pub fn lambda(function: &Function, spec: ToolSpec) -> ToolSource {
        let mut source = ToolSource::lambda_arn(function.arn(), spec);
        if let Source::Lambda(l) = &mut source.source {
            l.function_timeout = Some(function.timeout);
        }
        source
    }

    /// A Lambda function outside this app (by ARN) called directly as a tool, as
    /// [`ToolSource::lambda`]. Default timeout: the handler's (30 s).
    pub fn lambda_arn(function_arn: impl Into<Value<String>>, spec: ToolSpec) -> ToolSource {
        let tool = LambdaTool { function_arn: function_arn.into(), spec, function_timeout: None, misused: Vec::new() };
        ToolSource { source: Source::Lambda(Box::new(tool)), timeout: None, max_result_bytes: None }
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
        ToolSource::of_mcp(McpSource { url: gateway.url().into(), auth, allow: Vec::new(), reach, needs_token, remote: None })
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
        ToolSource::of_mcp(McpSource { url: server.url().into(), auth, allow: Vec::new(), reach, needs_token, remote: None })
    }

    /// Only these tools of the source reach the model. Default: every tool. MCP sources only.
    pub fn allow<I, S>(mut self, tools: I) -> ToolSource
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        match &mut self.source {
            Source::Mcp(m) => m.allow = tools.into_iter().map(Into::into).collect(),
            Source::Lambda(l) => l.misused.push("allow"),
        }
        self
    }

    /// Replaces the auth (e.g. the token of a CUSTOM_JWT gateway). MCP sources only.
    pub fn with_auth(mut self, auth: McpAuth) -> ToolSource {
        match &mut self.source {
            Source::Mcp(m) => {
                m.auth = auth;
                m.needs_token = false;
            }
            Source::Lambda(l) => l.misused.push("with_auth"),
        }
        self
    }

    /// Per-request timeout. Default: the handler's (30 s); a Lambda tool of this app: its
    /// function's timeout + 5 s.
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

/// Turns values into the text of `MCP_SERVERS` or `LAMBDA_TOOLS`: literals as they are (escaped when the whole
/// is an `Fn::Sub`), intrinsics as numbered placeholders.
pub(super) struct Render {
    sub: bool,
    /// Placeholder names: `Mcp0`, `Mcp1`, … (`MCP_SERVERS`) or `Fn0`, … (`LAMBDA_TOOLS`).
    prefix: &'static str,
    vars: Vec<(String, Value<String>)>,
}

impl Render {
    /// A renderer for `sources` (MCP servers or A2A cards): an `Fn::Sub` when any URL or
    /// secret is an intrinsic.
    pub(super) fn for_sources<'t>(sources: impl IntoIterator<Item = &'t ToolSource>) -> Render {
        let sub = sources.into_iter().any(|t| matches!(t.url(), Value::Expr(_)) || matches!(t.auth().secret(), Some(Value::Expr(_))));
        Render { sub, prefix: "Mcp", vars: Vec::new() }
    }

    pub(super) fn text(&mut self, value: &Value<String>) -> String {
        match value {
            Value::Lit(s) => self.lit(s),
            Value::Expr(_) => {
                let name = format!("{}{}", self.prefix, self.vars.len());
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

    fn config(&mut self, t: &McpSource, timeout: Option<Duration>, max_result_bytes: Option<usize>) -> McpServerConfig {
        McpServerConfig {
            url: self.text(&t.url),
            auth: self.auth(&t.auth),
            allow: t.allow.iter().map(|a| self.lit(a)).collect(),
            timeout_seconds: timeout.map(|d| d.as_secs()),
            max_result_bytes,
        }
    }

    /// A JSON value with every string (and key) escaped as [`Render::lit`] does.
    fn json(&self, value: &Json) -> Json {
        match value {
            Json::String(s) => Json::String(self.lit(s)),
            Json::Array(items) => Json::Array(items.iter().map(|v| self.json(v)).collect()),
            Json::Object(map) => Json::Object(map.iter().map(|(k, v)| (self.lit(k), self.json(v))).collect()),
            other => other.clone(),
        }
    }

    fn lambda(&mut self, t: &LambdaTool, timeout: Option<Duration>, max_result_bytes: Option<usize>) -> LambdaToolConfig {
        LambdaToolConfig {
            name: self.lit(&t.spec.name),
            description: self.lit(&t.spec.description),
            input_schema: self.json(&t.spec.input_schema),
            function_name: self.text(&t.function_arn),
            timeout_seconds: timeout.or(t.function_timeout.map(|d| d + LAMBDA_TIMEOUT_SLACK)).map(|d| d.as_secs()),
            max_result_bytes,
        }
    }

    /// `json` as the variable's value: a plain string, or an `Fn::Sub` when it has placeholders.
    pub(super) fn finish(self, json: String) -> Value<String> {
        if self.vars.is_empty() {
            Value::Lit(json)
        } else {
            Expr::sub_with(json, self.vars).into()
        }
    }
}

/// How much longer than its function's timeout the handler waits for a Lambda tool, so that a
/// function that times out reaches the model as Lambda's own `Task timed out` error.
const LAMBDA_TIMEOUT_SLACK: Duration = Duration::from_secs(5);

/// The variables that tell the agent's handlers about its tools: `MCP_SERVERS` (MCP sources)
/// and `LAMBDA_TOOLS` (Lambda tools), each only when there is such a source.
pub(super) fn environment(tools: &[ToolSource]) -> Vec<(&'static str, Value<String>)> {
    let mut out = Vec::new();
    let mcp: Vec<(&McpSource, &ToolSource)> = tools
        .iter()
        .filter_map(|t| match &t.source {
            Source::Mcp(m) if m.remote.is_none() => Some((&**m, t)),
            Source::Mcp(_) | Source::Lambda(_) => None,
        })
        .collect();
    if !mcp.is_empty() {
        let mut render = Render::for_sources(mcp.iter().map(|(_, t)| *t));
        let configs: Vec<McpServerConfig> = mcp.iter().map(|(m, t)| render.config(m, t.timeout, t.max_result_bytes)).collect();
        let json = serde_json::to_string(&configs).expect("McpServerConfig serializes");
        out.push((env::MCP_SERVERS, render.finish(json)));
    }
    let lambdas: Vec<(&LambdaTool, &ToolSource)> = tools
        .iter()
        .filter_map(|t| match &t.source {
            Source::Lambda(l) => Some((&**l, t)),
            Source::Mcp(_) => None,
        })
        .collect();
    if !lambdas.is_empty() {
        let sub = lambdas.iter().any(|(l, _)| matches!(l.function_arn, Value::Expr(_)));
        let mut render = Render { sub, prefix: "Fn", vars: Vec::new() };
        let configs: Vec<LambdaToolConfig> = lambdas.iter().map(|(l, t)| render.lambda(l, t.timeout, t.max_result_bytes)).collect();
        let json = serde_json::to_string(&configs).expect("LambdaToolConfig serializes");
        out.push((env::LAMBDA_TOOLS, render.finish(json)));
    }
    out
}

/// Lets `function` reach every source: read its secret, invoke its gateway, Function URL or
/// Lambda tool (`lambda:InvokeFunction` on that function's ARN alone).
pub(super) fn grant(stack: &mut Stack, tools: &[ToolSource], function: &Function) {
    for t in tools {
        let m = match &t.source {
            Source::Mcp(m) => m,
            Source::Lambda(l) => {
                iam::grant(stack, function, Statement::allow(actions::LAMBDA_INVOKE, [l.function_arn.clone()]));
                continue;
            }
        };
        if let Some(secret) = m.auth.secret() {
            iam::grant(stack, function, Statement::allow(actions::SECRETS_GET_VALUE, [secret.clone()]));
        }
        match &m.reach {
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
/// of tool names, a timeout and a result cap above zero, a token for every CUSTOM_JWT gateway;
/// Lambda tools with a valid spec and a name no other tool of the agent has.
pub(super) fn check(scope: &mut Scope, tools: &[ToolSource]) {
    let mut seen: Vec<&Value<String>> = Vec::new();
    for (i, t) in tools.iter().enumerate() {
        match &t.source {
            Source::Mcp(m) if m.remote.as_deref().is_some_and(super::a2a::Remote::unusable) => {} // reported by the A2A checks
            Source::Mcp(m) => {
                check_mcp(scope, i, m, &seen);
                seen.push(&m.url);
            }
            Source::Lambda(l) => check_lambda(scope, i, l),
        }
        if t.timeout.is_some_and(|d| d.as_secs() == 0) || t.max_result_bytes == Some(0) {
            scope.error(
                codes::TOOLS_BOUNDS,
                format!("tool source {i}: a timeout under 1 s or a result cap of 0 bytes"),
                "timeouts are whole seconds (at least 1); a result cap of 0 would cut every result",
            );
        }
    }
    check_names(scope, tools);
}

fn check_mcp(scope: &mut Scope, i: usize, t: &McpSource, seen: &[&Value<String>]) {
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
        scope.error(codes::TOOLS_DUPLICATE, format!("tool source {i} repeats the URL of an earlier source"), "list each MCP server once");
    }
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
    if t.needs_token {
        scope.error(
            codes::TOOLS_GATEWAY_TOKEN,
            format!("tool source {i}: a CUSTOM_JWT gateway or an McpServer behind an authorizer without a token"),
            "add .with_auth(McpAuth::bearer(secret_arn)) or McpAuth::OAuthClientCredentials { .. }",
        );
    }
}

/// A Lambda tool's spec: a tool name, a description, an object schema (what Bedrock Converse
/// and OpenAI-compatible models take); and no MCP-only option.
fn check_lambda(scope: &mut Scope, i: usize, t: &LambdaTool) {
    let name = &t.spec.name;
    if !is_tool_name(name) {
        scope.error(
            codes::TOOLS_LAMBDA_SPEC,
            format!("Lambda tool {i}: name '{name}' is not a tool name"),
            "tool names are 1-64 characters of letters, digits, '_' and '-'",
        );
    }
    if t.spec.description.trim().is_empty() {
        scope.error(
            codes::TOOLS_LAMBDA_SPEC,
            format!("Lambda tool {i} ('{name}'): the description is empty"),
            "the model chooses tools by their description: say what it does and when to use it",
        );
    }
    for problem in schema_problems(&t.spec.input_schema) {
        scope.error(
            codes::TOOLS_LAMBDA_SPEC,
            format!("Lambda tool {i} ('{name}'): input schema {problem}"),
            r#"give a JSON Schema object, e.g. {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}"#,
        );
    }
    for option in &t.misused {
        scope.error(
            codes::TOOLS_LAMBDA_OPTION,
            format!("Lambda tool {i} ('{name}'): .{option}() applies to MCP sources only"),
            "a Lambda tool is one tool called with the function's role; leave the option out",
        );
    }
}

/// What is wrong with a tool's input schema for the models (empty when nothing).
fn schema_problems(schema: &Json) -> Vec<String> {
    let Some(obj) = schema.as_object() else { return vec!["is not a JSON object".into()] };
    let mut problems = Vec::new();
    if obj.get("type") != Some(&Json::from("object")) {
        problems.push(r#"must have "type": "object" (the tool input is an object)"#.to_owned());
    }
    let properties = obj.get("properties");
    if properties.is_some_and(|p| !p.as_object().is_some_and(|m| m.values().all(Json::is_object))) {
        problems.push(r#""properties" must map each name to a schema object"#.to_owned());
    }
    match obj.get("required") {
        None => {}
        Some(Json::Array(names)) => {
            for n in names {
                match n.as_str() {
                    Some(n) if properties.and_then(Json::as_object).is_some_and(|p| p.contains_key(n)) => {}
                    Some(n) => problems.push(format!(r#""required" names '{n}', which is not in "properties""#)),
                    None => problems.push(format!(r#""required" holds {n}, not a property name"#)),
                }
            }
        }
        Some(other) => problems.push(format!(r#""required" must be an array of property names, not {other}"#)),
    }
    problems
}

/// Two Lambda tools of one name, or a Lambda tool named in an MCP source's allowlist: the model
/// would see two tools of that name.
fn check_names(scope: &mut Scope, tools: &[ToolSource]) {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for t in tools {
        if let Source::Mcp(m) = &t.source {
            names.extend(m.allow.iter().map(String::as_str));
        }
    }
    let mut lambdas = BTreeSet::new();
    for (i, t) in tools.iter().enumerate() {
        let Source::Lambda(l) = &t.source else { continue };
        let name = l.spec.name.as_str();
        if !lambdas.insert(name) || names.contains(name) {
            scope.error(
                codes::TOOLS_NAME_CLASH,
                format!("Lambda tool {i}: another tool of this agent is also named '{name}'"),
                "give each tool its own name (the model calls tools by name)",
            );
        }
    }
}
