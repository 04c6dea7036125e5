//! What an app says about a [`ServerlessAgent`](super::ServerlessAgent): how requests reach it
//! (the mode), who may call it (the access), the model, and the settings every mode shares.

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::a2a::A2aProps;
use super::backend::AgentBackend;
use super::model::Model;
use super::tools::ToolSource;
use crate::apigw::rest::{Cors, HttpMethod, Throttling};
use crate::events::EventBus;
use crate::kms::Encryption;
use crate::lambda::Code;
use crate::logs::RetentionDays;
use crate::patterns::authorizer::LambdaAuthorizer;
use crate::waf::WafProps;

/// Queue settings of the Queue and WebSocket modes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueueOptions {
    /// FIFO queues, ordered per session. Default: true.
    pub fifo: bool,
    /// Receives before dead-lettering. Default: 3.
    pub max_receive_count: u32,
    /// Records per runner invocation. Default: 1.
    pub batch_size: u32,
    /// Concurrent runner invocations at most. Default: 10.
    pub max_concurrency: Option<u32>,
    /// Lifetime of stored responses. Default: 1 day.
    pub response_ttl: Duration,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            fifo: true,
            max_receive_count: 3,
            batch_size: 1,
            max_concurrency: Some(10),
            response_ttl: Duration::from_secs(env::DEFAULT_RESPONSE_TTL_SECONDS),
        }
    }
}

/// How requests reach the agent: a front door (REST API, WebSocket API or Function URL) and a
/// backend (the handler runs the agent inline, or a queue pipeline runs it). Each variant is
/// built by its own module (`sync`, `queue`, `websocket`, `stream`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Mode {
    /// REST: the request handler runs the agent and returns the reply (bounded by API
    /// Gateway's 29 s). Default.
    #[default]
    Sync,
    /// REST async: POST answers 202 with a request id; `GET …/responses/{id}` polls.
    Queue(QueueOptions),
    /// WebSocket: messages are queued and answered at once on the sender's connection
    /// (`accepted` or `refused`); replies are pushed to all the user's connections, and
    /// `{"action":"get","request_id":…}` fetches one after a reconnect. Takes
    /// [`Access::Authorizer`] only: pushed replies must reach their user and no one else.
    WebSocket(QueueOptions),
    /// Streaming: the stream handler runs the agent and sends the model's tokens to the client
    /// as server-sent events while they are produced (up to 15 minutes).
    Stream(StreamOptions),
}

/// Settings of the Stream mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamOptions {
    /// What clients call. Default: API Gateway REST.
    pub transport: StreamTransport,
}

/// The front door of a streaming agent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StreamTransport {
    /// API Gateway REST with `responseTransferMode: STREAM`: the Lambda authorizer, throttling,
    /// request validation and access logs of the other modes. Default.
    #[default]
    Rest,
    /// A Lambda Function URL with `InvokeMode: RESPONSE_STREAM`: no API Gateway fee, but no
    /// Lambda authorizer either. Its auth follows the agent's [`Access`]: `Access::Iam` takes
    /// SigV4-signed calls of principals granted invoke on the URL (`AuthType: AWS_IAM`),
    /// `Access::Public` anyone's (`AuthType: NONE`).
    FunctionUrl,
}

/// Who may call the agent. No default: it is an argument of [`AgentProps::new`], so an API is
/// never open because a field was left out, and "authorizer and public at once" or "neither"
/// cannot be written. Which front door takes which access is checked at synth (the front door
/// is chosen by the mode): REST takes `Authorizer` or `Public`, WebSocket `Authorizer`, a
/// Function URL `Iam` or `Public`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access<'a> {
    /// Callers present a JWT that this Lambda authorizer verifies (REST and WebSocket).
    Authorizer(&'a LambdaAuthorizer),
    /// SigV4-signed calls of IAM principals granted invoke (a Function URL; grant with
    /// `FunctionUrl::grant_invoke` on `Endpoint::FunctionUrl`).
    Iam,
    /// Anyone: the explicit opt-in (REST and Function URL). The handler is told too
    /// (`ALLOW_ANONYMOUS`): without it, requests without a verified caller are refused.
    Public,
}

impl<'a> Access<'a> {
    /// The authorizer, when callers are verified by one.
    pub fn authorizer(self) -> Option<&'a LambdaAuthorizer> {
        match self {
            Access::Authorizer(a) => Some(a),
            Access::Iam | Access::Public => None,
        }
    }
}

/// An extra route (Agent Kernel's `Lambda.register`): `method path` served by its own function.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomRoute {
    /// HTTP method.
    pub method: HttpMethod,
    /// Path below the API base path and version, e.g. `tools/weather`.
    pub path: String,
    /// The function's code.
    pub code: Code,
}

/// Props of a [`ServerlessAgent`](super::ServerlessAgent). Build them with
/// [`AgentProps::new`] (the model and the access are required) and struct update:
/// `AgentProps { mode: Mode::Queue(QueueOptions::default()), ..AgentProps::new(model, access) }`.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentProps<'a> {
    /// How requests reach the agent. Default: Sync.
    pub mode: Mode,
    /// The model. Required (an argument of [`AgentProps::new`]).
    pub model: Model,
    /// Who may call the agent. Required (an argument of [`AgentProps::new`]).
    pub access: Access<'a>,
    /// The system prompt. Default: none.
    pub system_prompt: String,
    /// Path prefix of the API (`API_BASE_PATH`). Default: `api`.
    pub api_base_path: String,
    /// Version segment (`API_VERSION`). Default: `v1`.
    pub api_version: String,
    /// Chat endpoint segment (`AGENT_ENDPOINT`). Default: `chat`.
    pub agent_endpoint: String,
    /// Extra routes, each with its own function (REST front doors only). Default: none.
    pub routes: Vec<CustomRoute>,
    /// Extra environment variables of the agent function(s). Default: none.
    pub environment: BTreeMap<String, Value<String>>,
    /// Memory of the function running the agent. Default: 512 MB.
    pub memory_mb: u32,
    /// Timeout of one agent run. Default: 29 s in Sync mode (API Gateway's limit), 5 minutes
    /// in Queue, WebSocket and Stream modes.
    pub timeout: Option<Duration>,
    /// Instruction set of every function. Default: x86_64.
    pub architecture: Architecture,
    /// Reserved concurrency of the agent function. Default: none.
    pub reserved_concurrency: Option<u32>,
    /// Stage throttling. Default: 50 requests/s, burst 100.
    pub throttling: Throttling,
    /// CORS for browser clients. Default: none.
    pub cors: Option<Cors>,
    /// Access logs. Default: on.
    pub access_logs: bool,
    /// Log retention of every log group. Default: 3 months.
    pub log_retention: RetentionDays,
    /// Alarms (dead-letter queue not empty, function errors, throttles) to the stack's alarm
    /// topic. Default: on.
    pub alarms: bool,
    /// A CloudWatch dashboard for the agent (`<stack>-<agent id>`): front-door requests,
    /// latency, 4xx and 5xx; every function's duration, errors and throttles; queue depth,
    /// oldest message age and dead-letter depth (queued modes); the handlers' metrics — tokens
    /// per model, model latency, runs by outcome, turns and tool calls. Default: on.
    pub dashboard: bool,
    /// Token budget: an alarm when the agent's input + output tokens exceed this many within
    /// one hour (the handlers' `InputTokens` + `OutputTokens` metrics), notifying the stack's
    /// alarm topic when `alarms` is on. Builtin backend only (a delegated turn reports no
    /// tokens; AC2313). Default: none (no token alarm).
    pub token_alarm: Option<u64>,
    /// The agent runner (Queue/WebSocket modes): the stock one, or your crate built on
    /// handlers/runtime with your own tools. Default: the stock `agent-runner`.
    pub runner: Code,
    /// Bound on model calls per run (`MAX_TURNS`). Default: the handler's (8).
    pub max_turns: Option<u32>,
    /// Encryption at rest everywhere. Default: the stack key.
    pub encryption: Encryption,
    /// Tools the model may call: MCP servers (`MCP_SERVERS` of the functions running the agent)
    /// and Lambda functions ([`ToolSource::lambda`], `LAMBDA_TOOLS`), with the IAM each source
    /// needs. Default: none.
    pub tools: Vec<ToolSource>,
    /// Queue and WebSocket modes: every run that ends puts `Agent Run Completed` / `Agent Run
    /// Failed` (source `agentcdk.agent`; detail: request id, session, user, status, the reply
    /// or its S3 reference over 200 KB) on this bus; the runner may `events:PutEvents` on it
    /// only. `None`: no completion events. Default: the account's default bus.
    pub completion_events: Option<EventBus>,
    /// Publish an A2A Agent Card and serve A2A (`GET {stage}/.well-known/agent-card.json`,
    /// public; `POST {stage}/a2a` behind the agent's access; REST front doors and Stream's
    /// Function URL, not WebSocket). The card's security follows `access`: authorizer →
    /// bearer, IAM → SigV4, public → none; streaming in Stream mode. Default: none (no A2A).
    pub a2a: Option<A2aProps>,
    /// AWS WAF on the front door (managed rule groups, a per-IP rate rule, a body-size rule,
    /// logs): on the REST stage (Sync, Queue, Stream over REST), or as CloudFront with WAF in
    /// front of Stream's Function URL (then `Access::Public` only: CloudFront signs for the
    /// caller; clients send `x-amz-content-sha256`, see [`crate::cloudfront`]). WebSocket APIs
    /// take no WAF. Default: none (opt-in: about $10/month per web ACL before traffic).
    pub waf: Option<WafProps>,
    /// Who runs the turn: the builtin loop over `model`, `system_prompt` and `tools`, an
    /// AgentCore runtime or a Lambda function (see [`AgentBackend`]); the front door, pipeline
    /// and history are the same. Default: [`AgentBackend::Builtin`].
    pub backend: AgentBackend<'a>,
}

impl<'a> AgentProps<'a> {
    /// The defaults around what has none: the model, and who may call the agent.
    pub fn new(model: Model, access: Access<'a>) -> Self {
        AgentProps {
            mode: Mode::Sync,
            model,
            access,
            system_prompt: String::new(),
            api_base_path: "api".into(),
            api_version: env::DEFAULT_API_VERSION.into(),
            agent_endpoint: env::DEFAULT_AGENT_ENDPOINT.into(),
            routes: Vec::new(),
            environment: BTreeMap::new(),
            memory_mb: 512,
            timeout: None,
            architecture: Architecture::X86_64,
            reserved_concurrency: None,
            throttling: Throttling::default(),
            cors: None,
            access_logs: true,
            log_retention: RetentionDays::default(),
            alarms: true,
            dashboard: true,
            token_alarm: None,
            runner: Code::handler(Artifact::AgentRunner),
            max_turns: None,
            encryption: Encryption::StackKey,
            tools: Vec::new(),
            completion_events: Some(EventBus::default_bus()),
            a2a: None,
            waf: None,
            backend: AgentBackend::Builtin,
        }
    }

    /// The defaults around an agent whose turn `backend` runs (no model: the backend has its
    /// own), and who may call it.
    pub fn with_backend(backend: AgentBackend<'a>, access: Access<'a>) -> Self {
        AgentProps { backend, ..AgentProps::new(Model { provider: super::model::Provider::Bedrock, id: String::new() }, access) }
    }
}
