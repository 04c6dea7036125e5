//! Agents over A2A, construct side. An agent with [`A2aProps`] publishes its card (`A2A_CARD`,
//! the contract's `CardConfig`) and serves the A2A routes on its front door: `GET
//! {stage}/.well-known/agent-card.json` (public: a card is discovery data, and A2A clients
//! fetch it before they know how to authenticate) and `POST {stage}/a2a` behind the agent's
//! own access. An agent whose tools include [`ToolSource::agent`] or [`ToolSource::a2a`] gets
//! `A2A_AGENTS` (the contract's `A2aAgentConfig` list) and exactly the IAM each call needs.
//!
//! Which identity a call carries, by default (`.with_identity(..)` overrides):
//! - the remote agent is behind the caller's own authorizer: the user's bearer token, passed
//!   on (Sync and Stream callers only: a queued run holds no user token, so a Queue or
//!   WebSocket caller must name a service identity — checked);
//! - the remote agent takes IAM callers (a Function URL): SigV4 with the caller's role, which
//!   may invoke exactly that function's URL;
//! - the remote agent is public: none.

use std::collections::BTreeSet;

use agentcdk_contract::a2a::{A2aAgentConfig, CallerIdentity, CardConfig, CardSecurity, SkillConfig, A2A_CARD, AGENT_CARD_PATH, RPC_PATH};
use agentcdk_contract::mcp::SIGV4_SERVICE_LAMBDA;
use agentcdk_synth::prelude::*;

use super::base::Built;
use super::handles::Endpoint;
use super::props::{Access, AgentProps, Mode};
use super::tools::{McpAuth, Render, ToolSource};
use super::ServerlessAgent;
use crate::apigw::rest::{HttpMethod, LambdaMethod, MethodAuth, RestApi, Transfer};
use crate::codes;
use crate::function_url::{FunctionUrl, UrlAuth};
use crate::lambda::Function;

/// Default of [`A2aProps::version`].
pub const DEFAULT_AGENT_VERSION: &str = "1.0.0";

/// What an agent publishes in its Agent Card. Build with [`A2aProps::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct A2aProps {
    /// The agent's name (calling agents' models see it). Required.
    pub name: String,
    /// What the agent does. Required.
    pub description: String,
    /// The agent's version (not the protocol's). Default: `1.0.0`.
    pub version: String,
    /// What it can do (A2A `AgentSkill`s). Default: none.
    pub skills: Vec<SkillConfig>,
}

impl A2aProps {
    /// A card with a name and a description, version `1.0.0`, no skills.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        A2aProps { name: name.into(), description: description.into(), version: DEFAULT_AGENT_VERSION.into(), skills: Vec::new() }
    }

    /// Adds a skill.
    pub fn skill(mut self, id: &str, name: &str, description: &str) -> Self {
        self.skills.push(SkillConfig { id: id.into(), name: name.into(), description: description.into(), tags: vec![], examples: vec![] });
        self
    }
}

/// Whose identity a call to a remote agent carries.
#[derive(Clone, Debug, PartialEq)]
pub enum A2aIdentity {
    /// The end user's bearer token, passed on unchanged (Sync and Stream callers).
    User,
    /// The calling agent's own credentials (none, a bearer secret, SigV4, OAuth client
    /// credentials), as for MCP servers; a secret named here is the only one granted.
    Service(McpAuth),
}

/// Who the remote agent lets in, as far as synth knows.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum RemoteAccess {
    /// Tokens of the authorizer whose function is at this path.
    Authorizer(String),
    /// IAM callers (SigV4), or anyone: the identity is set by the source.
    Set,
    /// Unknown (a card URL given by hand): the identity is set by the source.
    Unknown,
}

/// A remote agent, as a tool source holds it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Remote {
    name: String,
    identity: Option<A2aIdentity>,
    access: RemoteAccess,
    /// Why the source cannot work (reported by the caller's checks).
    problem: Option<String>,
}

impl Remote {
    /// Whether the source has no usable card URL (its problem is reported by `check`).
    pub(super) fn unusable(&self) -> bool {
        self.problem.is_some()
    }
}

/// What an agent with A2A props hands to its callers.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Published {
    name: String,
    card_url: Option<Expr>,
    access: RemoteAccess,
    identity: Option<A2aIdentity>,
    iam_url: Option<FunctionUrl>,
}

/// What `agent` publishes, for `ToolSource::agent` (None without A2A props).
pub(super) fn published(props: &AgentProps<'_>, endpoint: &Endpoint) -> Option<Published> {
    let a2a = props.a2a.as_ref()?;
    let card_url = match endpoint {
        Endpoint::Rest(rest) => Some(rest.api.url_for(AGENT_CARD_PATH)),
        Endpoint::FunctionUrl(url) => Some(Expr::join("", [Value::from(url.url()), Value::from(AGENT_CARD_PATH.trim_start_matches('/'))])),
        Endpoint::WebSocket(_) => None,
    };
    let (access, identity, iam_url) = match (props.access, endpoint) {
        (Access::Authorizer(a), _) => (RemoteAccess::Authorizer(a.function.path.clone()), None, None),
        (Access::Iam, Endpoint::FunctionUrl(url)) if url.auth == UrlAuth::AwsIam => {
            (RemoteAccess::Set, Some(A2aIdentity::Service(McpAuth::SigV4 { service: SIGV4_SERVICE_LAMBDA.into() })), Some(url.clone()))
        }
        _ => (RemoteAccess::Set, Some(A2aIdentity::Service(McpAuth::None)), None),
    };
    Some(Published { name: tool_name(&a2a.name), card_url, access, identity, iam_url })
}

/// `name` as a tool name models accept: lower case, anything else than letters, digits, `_`
/// and `-` as `_`, at most 64 characters.
fn tool_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '_' }).take(64).collect()
}

impl ToolSource {
    /// Another agent of this app, over A2A: its card URL from its endpoint, its card's name as
    /// the tool name, and the identity its access implies (see the module docs).
    pub fn agent(other: &ServerlessAgent) -> ToolSource {
        let Some(p) = &other.a2a else {
            let remote = Remote {
                name: "agent".into(),
                identity: None,
                access: RemoteAccess::Unknown,
                problem: Some(format!("agent {} has no A2A props (AgentProps::a2a)", other.request_handler.path)),
            };
            return ToolSource::remote_agent(Value::Lit(String::new()), McpAuth::None, None, remote);
        };
        let problem = p.card_url.is_none().then(|| format!("agent '{}' is a WebSocket agent, which serves no A2A", p.name));
        let auth = match &p.identity {
            Some(A2aIdentity::Service(auth)) => auth.clone(),
            _ => McpAuth::None,
        };
        let remote = Remote { name: p.name.clone(), identity: p.identity.clone(), access: p.access.clone(), problem };
        let url = p.card_url.clone().map_or(Value::Lit(String::new()), Value::Expr);
        ToolSource::remote_agent(url, auth, p.iam_url.clone(), remote)
    }

    /// Any A2A agent by its card URL (`…/.well-known/agent-card.json`), called with `identity`.
    /// The tool name is the URL's host's first label (`orders` for `https://orders.example.com/…`;
    /// `agent` when the URL is an intrinsic); rename with [`ToolSource::named`].
    pub fn a2a(card_url: impl Into<Value<String>>, identity: A2aIdentity) -> ToolSource {
        let card_url = card_url.into();
        let name = match &card_url {
            Value::Lit(url) => {
                url.split("://").nth(1).and_then(|rest| rest.split(['.', '/', ':']).next()).map_or("agent".into(), tool_name)
            }
            Value::Expr(_) => "agent".into(),
        };
        let auth = match &identity {
            A2aIdentity::Service(auth) => auth.clone(),
            A2aIdentity::User => McpAuth::None,
        };
        ToolSource::remote_agent(
            card_url,
            auth,
            None,
            Remote { name, identity: Some(identity), access: RemoteAccess::Unknown, problem: None },
        )
    }

    /// The tool name the model sees for this remote agent (A2A sources only; checked).
    pub fn named(self, name: &str) -> ToolSource {
        self.map_remote(|r| r.name = name.to_owned())
    }

    /// The identity calls to this remote agent carry (A2A sources only).
    pub fn with_identity(self, identity: A2aIdentity) -> ToolSource {
        let auth = match &identity {
            A2aIdentity::Service(auth) => auth.clone(),
            A2aIdentity::User => McpAuth::None,
        };
        let source = self.map_remote(|r| r.identity = Some(identity));
        source.with_auth(auth)
    }

    fn map_remote(self, f: impl FnOnce(&mut Remote)) -> ToolSource {
        match self.remote().cloned() {
            Some(mut r) => {
                f(&mut r);
                self.with_remote(r)
            }
            None => self,
        }
    }
}

/// Whether a call to `remote` from an agent with `access` in `mode` passes the user's token
/// on (`true`) or uses the source's service identity (`false`), or why neither fits.
fn passes_user(remote: &Remote, access: Access<'_>, mode: &Mode) -> Result<bool, String> {
    let queued = matches!(mode, Mode::Queue(_) | Mode::WebSocket(_));
    let user = match (&remote.identity, &remote.access, access) {
        (Some(identity), _, _) => *identity == A2aIdentity::User,
        (None, RemoteAccess::Authorizer(theirs), Access::Authorizer(ours)) if *theirs == ours.function.path => true,
        (None, RemoteAccess::Authorizer(_), _) => {
            return Err("the remote agent takes tokens of another authorizer: give a service identity".into());
        }
        (None, _, _) => false,
    };
    if user && queued {
        return Err("a queued run (Queue, WebSocket) holds no user token to pass on: give a service identity".into());
    }
    Ok(user)
}

/// The value of `A2A_AGENTS`, or `None` without remote agents. Identity problems are reported
/// by [`check`]; here such a source falls back to no auth.
pub(super) fn environment(props: &AgentProps<'_>) -> Option<Value<String>> {
    let remotes: Vec<&ToolSource> = props.tools.iter().filter(|t| t.remote().is_some()).collect();
    if remotes.is_empty() {
        return None;
    }
    let mut render = Render::for_sources(remotes.iter().copied());
    let configs: Vec<A2aAgentConfig> = remotes
        .iter()
        .filter_map(|t| t.remote().map(|r| (t, r)))
        .map(|(t, r)| {
            let identity = match passes_user(r, props.access, &props.mode) {
                Ok(true) => CallerIdentity::User,
                Ok(false) | Err(_) => CallerIdentity::Service { auth: render.auth(t.auth()) },
            };
            A2aAgentConfig { name: r.name.clone(), card_url: render.text(t.url()), identity, timeout_seconds: None }
        })
        .collect();
    Some(render.finish(serde_json::to_string(&configs).expect("A2aAgentConfig serializes")))
}

/// The card the handler answering requests serves.
fn card(props: &AgentProps<'_>, a2a: &A2aProps) -> CardConfig {
    CardConfig {
        name: a2a.name.clone(),
        description: a2a.description.clone(),
        version: a2a.version.clone(),
        skills: a2a.skills.clone(),
        streaming: matches!(props.mode, Mode::Stream(_)),
        security: match props.access {
            Access::Authorizer(_) => CardSecurity::Bearer,
            Access::Iam => CardSecurity::Sigv4,
            Access::Public => CardSecurity::None,
        },
    }
}

/// Tells the handler answering requests its card (`A2A_CARD`); a WebSocket agent is refused.
pub(super) fn serve(scope: &mut Scope, props: &AgentProps<'_>, built: &Built) {
    let Some(a2a) = &props.a2a else { return };
    if let Endpoint::WebSocket(_) = built.endpoint {
        scope.error(
            codes::A2A_FRONT_DOOR,
            "A2A on a WebSocket agent",
            "A2A is served over HTTP: use Mode::Queue (a Task per message) or Mode::Sync/Stream, beside the WebSocket agent if customers need one",
        );
        return;
    }
    let json = serde_json::to_string(&card(props, a2a)).expect("CardConfig serializes");
    built.request_handler.add_environment(scope.stack(), A2A_CARD, json);
}

/// The A2A routes of a REST front door: the card (public) and the JSON-RPC endpoint behind
/// the agent's access, both answered by `handler`.
pub(super) fn routes(scope: &mut Scope, props: &AgentProps<'_>, api: &RestApi, handler: &Function, auth: &MethodAuth, transfer: Transfer) {
    if props.a2a.is_none() {
        return;
    }
    let card = api.add_lambda_method(scope, LambdaMethod::new(HttpMethod::Get, AGENT_CARD_PATH, handler, &MethodAuth::Public));
    crate::accepted::AGENT_CARD_PUBLIC.apply(scope.stack(), &card);
    api.add_lambda_method(scope, LambdaMethod::new(HttpMethod::Post, RPC_PATH, handler, auth).transfer(transfer));
}

/// The card's fields and skills, and every remote agent among the tools: a usable source, a
/// tool name models accept and no other tool has, an identity that fits.
pub(super) fn check(scope: &mut Scope, props: &AgentProps<'_>) {
    if let Some(a2a) = &props.a2a {
        let mut ids = BTreeSet::new();
        let empty_skill = a2a.skills.iter().any(|s| s.id.trim().is_empty() || s.name.trim().is_empty());
        if [&a2a.name, &a2a.description, &a2a.version].iter().any(|f| f.trim().is_empty()) || empty_skill {
            scope.error(
                codes::A2A_CARD_FIELDS,
                "the agent card has an empty name, description, version, skill id or skill name",
                "callers' models choose agents and skills by these fields: fill them in",
            );
        }
        for s in &a2a.skills {
            if !ids.insert(&s.id) {
                scope.error(codes::A2A_SKILL_DUPLICATE, format!("skill id '{}' is used twice", s.id), "skill ids are unique within a card");
            }
        }
    }
    let mut names = BTreeSet::new();
    for (i, t) in props.tools.iter().enumerate() {
        let Some(r) = t.remote() else { continue };
        if let Some(problem) = &r.problem {
            scope.error(
                codes::A2A_REMOTE,
                format!("tool source {i}: {problem}"),
                "give the remote agent AgentProps::a2a and an HTTP front door",
            );
        }
        if let Err(why) = passes_user(r, props.access, &props.mode) {
            scope.error(
                codes::A2A_REMOTE,
                format!("tool source {i} ('{}'): {why}", r.name),
                "add .with_identity(A2aIdentity::Service(McpAuth::OAuthClientCredentials { .. })) or another service identity",
            );
        }
        let valid = (1..=64).contains(&r.name.len()) && r.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid || !names.insert(r.name.clone()) {
            scope.error(
                codes::A2A_TOOL_NAME,
                format!("tool source {i}: A2A tool name '{}' is not a tool name or is used twice", r.name),
                "rename it with .named(\"orders\"): 1-64 letters, digits, '_' or '-', unique",
            );
        }
    }
}
