//! `ServerlessAgent`: the entry point. An agent behind an authorized REST or WebSocket API,
//! run inline (Sync), through a queue pipeline (Queue, WebSocket), or inline with the model's
//! tokens streamed to the client as they are produced (Stream).

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::routes::Routes;
use agentcdk_contract::{artifacts, env};
use agentcdk_synth::prelude::*;

use super::authorizer::LambdaAuthorizer;
use super::queue_pipeline::{QueuePipeline, QueuePipelineProps};
use super::ws_api::{WsApi, WsApiProps};
use crate::apigw::rest::{Cors, HttpMethod, MethodAuth, RestApi, RestApiProps, Throttling};
use crate::cloudwatch::{alarm_topic, dead_letter_alarm, function_alarms};
use crate::dynamodb::{Attribute, Table, TableProps};
use crate::function_url::{FunctionUrl, FunctionUrlProps, InvokeMode, UrlAuth, UrlCors};
use crate::iam::{self, actions, Statement};
use crate::kms::Encryption;
use crate::lambda::{Code, Function, FunctionProps};
use crate::logs::RetentionDays;

/// API Gateway REST's integration timeout: a Sync agent must answer within it.
pub const REST_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

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

/// How requests reach the agent.
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
    /// `{"action":"get","request_id":…}` fetches one after a reconnect.
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
    /// Lambda authorizer either. `UrlAuth::AwsIam` takes SigV4-signed calls of principals granted
    /// invoke on the URL; `UrlAuth::None` (together with `public: true`) takes anyone's.
    FunctionUrl(UrlAuth),
}

/// Which model API the agent calls.
#[derive(Clone, Debug, PartialEq)]
pub enum Provider {
    /// Amazon Bedrock Converse.
    Bedrock,
    /// An OpenAI-compatible chat completions API.
    OpenAi {
        /// Base URL. Default (when `None`): the contract's `DEFAULT_OPENAI_BASE_URL`.
        base_url: Option<String>,
        /// Secrets Manager secret (ARN) holding the API key.
        api_key_secret_arn: Value<String>,
    },
}

/// The model.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Provider.
    pub provider: Provider,
    /// Model id (Bedrock model or inference profile id, or the OpenAI model name).
    pub id: String,
}

impl Model {
    /// A Bedrock model or cross-region inference profile, e.g.
    /// `us.anthropic.claude-sonnet-4-5-20250929-v1:0`.
    pub fn bedrock(id: &str) -> Model {
        Model { provider: Provider::Bedrock, id: id.to_owned() }
    }

    /// An OpenAI-compatible model, its key in Secrets Manager.
    pub fn openai(id: &str, api_key_secret_arn: impl Into<Value<String>>) -> Model {
        Model { provider: Provider::OpenAi { base_url: None, api_key_secret_arn: api_key_secret_arn.into() }, id: id.to_owned() }
    }
}

impl Default for Model {
    fn default() -> Self {
        Model::bedrock("")
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

/// Props of a [`ServerlessAgent`].
#[derive(Clone, Debug, PartialEq)]
pub struct AgentProps<'a> {
    /// How requests reach the agent. Default: Sync.
    pub mode: Mode,
    /// The model. Required.
    pub model: Model,
    /// The system prompt. Default: none.
    pub system_prompt: String,
    /// Verifies callers. Required unless `public` is set.
    pub authorizer: Option<&'a LambdaAuthorizer>,
    /// Explicit opt-in to a REST API anyone can call (never the silent default).
    /// Default: false.
    pub public: bool,
    /// Path prefix of the API (`API_BASE_PATH`). Default: `api`.
    pub api_base_path: String,
    /// Version segment (`API_VERSION`). Default: `v1`.
    pub api_version: String,
    /// Chat endpoint segment (`AGENT_ENDPOINT`). Default: `chat`.
    pub agent_endpoint: String,
    /// Extra routes, each with its own function. Default: none.
    pub routes: Vec<CustomRoute>,
    /// Extra environment variables of the agent function(s). Default: none.
    pub environment: BTreeMap<String, Value<String>>,
    /// Memory of the function running the agent. Default: 512 MB.
    pub memory_mb: u32,
    /// Timeout of one agent run. Default: 29 s in Sync mode (API Gateway's limit), 5 minutes
    /// in Queue and WebSocket modes.
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
    /// The agent runner (Queue/WebSocket modes): the stock one, or your crate built on
    /// handlers/runtime with your own tools. Default: the stock `agent-runner`.
    pub runner: Code,
    /// Bound on model calls per run (`MAX_TURNS`). Default: the handler's (8).
    pub max_turns: Option<u32>,
    /// Encryption at rest everywhere. Default: the stack key.
    pub encryption: Encryption,
}

impl Default for AgentProps<'_> {
    fn default() -> Self {
        AgentProps {
            mode: Mode::Sync,
            model: Model::default(),
            system_prompt: String::new(),
            authorizer: None,
            public: false,
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
            runner: Code::handler(artifacts::AGENT_RUNNER),
            max_turns: None,
            encryption: Encryption::StackKey,
        }
    }
}

/// An agent deployed on API Gateway + Lambda (+ SQS + DynamoDB).
#[derive(Clone, Debug, PartialEq)]
pub struct ServerlessAgent {
    /// The REST API (Sync, Queue, and Stream over REST).
    pub rest_api: Option<RestApi>,
    /// The Function URL (Stream over a Function URL).
    pub function_url: Option<FunctionUrl>,
    /// The WebSocket API (WebSocket mode).
    pub ws_api: Option<WsApi>,
    /// The function answering requests: the request handler, or in Stream mode the stream
    /// handler.
    pub request_handler: Function,
    /// The agent runner (Queue and WebSocket modes).
    pub runner: Option<Function>,
    /// The response handler (Queue and WebSocket modes).
    pub response_handler: Option<Function>,
    /// The queue pipeline (Queue and WebSocket modes).
    pub pipeline: Option<QueuePipeline>,
    /// Conversation history per session.
    pub sessions: Table,
    routes: Routes,
}

impl ServerlessAgent {
    /// Declares the agent in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AgentProps<'_>) -> ServerlessAgent {
        check(scope, &props);
        let queued = matches!(props.mode, Mode::Queue(_) | Mode::WebSocket(_));
        let stream = matches!(props.mode, Mode::Stream(_));
        let timeout = props.timeout.unwrap_or(if queued || stream { Duration::from_secs(300) } else { REST_INTEGRATION_TIMEOUT });
        let routes = Routes::new(&props.api_base_path, &props.api_version, &props.agent_endpoint);
        let function_props = |code: Code, description: &str, environment: BTreeMap<String, Value<String>>| FunctionProps {
            code,
            description: Some(description.into()),
            architecture: props.architecture,
            environment,
            log_retention: props.log_retention,
            encryption: props.encryption,
            ..Default::default()
        };

        let sessions = Table::new(
            &mut scope.scope("Sessions"),
            TableProps {
                partition_key: Attribute::string(agentcdk_contract::keys::SESSIONS_PK),
                time_to_live_attribute: Some(agentcdk_contract::keys::TTL.to_owned()),
                encryption: props.encryption,
                ..Default::default()
            },
        );

        let mut agent_env = model_environment(&props);
        agent_env.insert(env::SESSIONS_TABLE.into(), sessions.name().into());
        agent_env.extend(props.environment.clone());
        let mut request_env = match props.mode {
            Mode::Stream(_) => BTreeMap::from([(env::RESPONSE_MODE.to_owned(), Value::from(env::RESPONSE_MODE_STREAM))]),
            Mode::Sync | Mode::Queue(_) | Mode::WebSocket(_) => {
                let mode_name = match props.mode {
                    Mode::Queue(_) => env::MODE_QUEUE,
                    Mode::WebSocket(_) => env::MODE_WEBSOCKET,
                    _ => env::MODE_SYNC,
                };
                BTreeMap::from([
                    (env::AGENT_MODE.to_owned(), Value::from(mode_name)),
                    (env::API_BASE_PATH.to_owned(), Value::from(props.api_base_path.clone())),
                    (env::API_VERSION.to_owned(), Value::from(props.api_version.clone())),
                    (env::AGENT_ENDPOINT.to_owned(), Value::from(props.agent_endpoint.clone())),
                ])
            }
        };
        if !queued {
            request_env.extend(agent_env.clone());
        }
        if props.public && props.authorizer.is_none() {
            // The explicit public opt-in reaches the handler too: without it, requests that
            // carry no authorizer context are refused with 401.
            request_env.insert(env::ALLOW_ANONYMOUS.to_owned(), "true".into());
        }
        let (handler_id, handler_code, handler_description) = if stream {
            ("StreamHandler", artifacts::STREAM_HANDLER, "Agent runs streamed to the client")
        } else {
            ("RequestHandler", artifacts::REQUEST_HANDLER, "Agent API requests")
        };
        let request_handler = Function::new(
            &mut scope.scope(handler_id),
            FunctionProps {
                memory_mb: if queued { 256 } else { props.memory_mb },
                timeout: if queued { Duration::from_secs(10) } else { timeout },
                reserved_concurrency: if queued { None } else { props.reserved_concurrency },
                ..function_props(Code::handler(handler_code), handler_description, request_env)
            },
        );

        let (runner, response_handler, pipeline) = match props.mode {
            Mode::Sync | Mode::Stream(_) => {
                grant_model(scope.stack(), &props.model, &request_handler);
                sessions.grant_read_write_data(scope.stack(), &request_handler);
                (None, None, None)
            }
            Mode::Queue(q) | Mode::WebSocket(q) => {
                let runner = Function::new(
                    &mut scope.scope("Runner"),
                    FunctionProps {
                        memory_mb: props.memory_mb,
                        timeout,
                        reserved_concurrency: props.reserved_concurrency,
                        ..function_props(props.runner.clone(), "Agent runs", agent_env.clone())
                    },
                );
                grant_model(scope.stack(), &props.model, &runner);
                sessions.grant_read_write_data(scope.stack(), &runner);
                let responder = Function::new(
                    &mut scope.scope("ResponseHandler"),
                    FunctionProps {
                        timeout: Duration::from_secs(30),
                        ..function_props(Code::handler(artifacts::RESPONSE_HANDLER), "Agent replies", BTreeMap::new())
                    },
                );
                let pipeline = QueuePipeline::new(
                    &mut scope.scope("Pipeline"),
                    QueuePipelineProps {
                        fifo: q.fifo,
                        max_receive_count: q.max_receive_count,
                        batch_size: q.batch_size,
                        max_concurrency: q.max_concurrency,
                        response_ttl: q.response_ttl,
                        encryption: props.encryption,
                        ..QueuePipelineProps::new(&request_handler, &runner, &responder)
                    },
                );
                (Some(runner), Some(responder), Some(pipeline))
            }
        };

        let mut function_url = None;
        let (rest_api, ws_api) = match props.mode {
            Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl(auth) }) => {
                let cors = props.cors.as_ref().map(|c| UrlCors {
                    allow_origins: c.allow_origins.clone(),
                    allow_headers: c.allow_headers.clone(),
                    max_age_seconds: Some(c.max_age_seconds),
                    ..Default::default()
                });
                function_url = Some(
                    request_handler
                        .add_url(&mut scope.scope("Url"), FunctionUrlProps { auth, invoke_mode: InvokeMode::ResponseStream, cors }),
                );
                (None, None)
            }
            Mode::WebSocket(_) => {
                let ws = WsApi::new(
                    &mut scope.scope("WebSocket"),
                    WsApiProps { encryption: props.encryption, ..WsApiProps::new(props.authorizer, &request_handler) },
                );
                ws.grant_reply(scope.stack(), &request_handler);
                if let Some(responder) = &response_handler {
                    ws.grant_push(scope.stack(), responder);
                }
                (None, Some(ws))
            }
            Mode::Sync | Mode::Queue(_) | Mode::Stream(_) => (Some(rest(scope, &props, &routes, &request_handler)), None),
        };

        if props.alarms {
            let topic = alarm_topic(scope.stack(), props.encryption);
            let mut alarms = scope.scope("Alarms");
            for (id, f) in
                [(handler_id, Some(&request_handler)), ("Runner", runner.as_ref()), ("ResponseHandler", response_handler.as_ref())]
            {
                if let Some(f) = f {
                    function_alarms(&mut alarms.scope(id), f, &topic);
                }
            }
            if let Some(p) = &pipeline {
                dead_letter_alarm(&mut alarms.scope("Input"), &p.input, &topic);
                dead_letter_alarm(&mut alarms.scope("Output"), &p.output, &topic);
            }
        }

        ServerlessAgent { rest_api, function_url, ws_api, request_handler, runner, response_handler, pipeline, sessions, routes }
    }

    /// The chat endpoint URL (REST modes), the Function URL (Stream over a URL), or the
    /// WebSocket URL.
    pub fn api_url(&self) -> Expr {
        match (&self.rest_api, &self.function_url, &self.ws_api) {
            (Some(api), _, _) => api.url_for(self.routes.chat()),
            (None, Some(url), _) => url.url(),
            (None, None, Some(ws)) => ws.url(),
            (None, None, None) => Expr::no_value(),
        }
    }

    /// The WebSocket URL (WebSocket mode).
    pub fn websocket_url(&self) -> Option<Expr> {
        self.ws_api.as_ref().map(WsApi::url)
    }

    /// The sessions table's name (conversation history per session).
    pub fn sessions_table_name(&self) -> Expr {
        self.sessions.name()
    }

    /// The input queue's name (Queue and WebSocket modes).
    pub fn input_queue_name(&self) -> Option<Expr> {
        self.pipeline.as_ref().map(|p| p.input.name())
    }

    /// The output queue's name (Queue and WebSocket modes).
    pub fn output_queue_name(&self) -> Option<Expr> {
        self.pipeline.as_ref().map(|p| p.output.name())
    }

    /// The stored responses table's name (Queue and WebSocket modes).
    pub fn responses_table_name(&self) -> Option<Expr> {
        self.pipeline.as_ref().map(|p| p.responses.name())
    }

    /// The WebSocket connections table's name (WebSocket mode).
    pub fn connections_table_name(&self) -> Option<Expr> {
        self.ws_api.as_ref().map(|ws| ws.connections.name())
    }
}

fn model_environment(props: &AgentProps<'_>) -> BTreeMap<String, Value<String>> {
    let mut e = BTreeMap::from([(env::MODEL_ID.to_owned(), Value::from(props.model.id.clone()))]);
    match &props.model.provider {
        Provider::Bedrock => {
            e.insert(env::MODEL_PROVIDER.into(), env::PROVIDER_BEDROCK.into());
        }
        Provider::OpenAi { base_url, api_key_secret_arn } => {
            e.insert(env::MODEL_PROVIDER.into(), env::PROVIDER_OPENAI.into());
            e.insert(env::OPENAI_BASE_URL.into(), base_url.clone().unwrap_or_else(|| env::DEFAULT_OPENAI_BASE_URL.to_owned()).into());
            e.insert(env::OPENAI_API_KEY_SECRET_ARN.into(), api_key_secret_arn.clone());
        }
    }
    if !props.system_prompt.is_empty() {
        e.insert(env::SYSTEM_PROMPT.into(), props.system_prompt.clone().into());
    }
    if let Some(t) = props.max_turns {
        e.insert(env::MAX_TURNS.into(), t.to_string().into());
    }
    e
}

/// Bedrock: invoke this model (or inference profile and the models it routes to) only.
/// OpenAI-compatible: read this secret only.
fn grant_model(stack: &mut Stack, model: &Model, to: &Function) {
    match &model.provider {
        Provider::Bedrock => {
            let (is_profile, base) = match model.id.split_once('.') {
                Some((prefix, rest)) if ["us", "eu", "apac", "us-gov", "global", "jp", "au", "ca"].contains(&prefix) => (true, rest),
                _ => (false, model.id.as_str()),
            };
            let mut resources: Vec<Value<String>> = Vec::new();
            if is_profile {
                resources.push(
                    Expr::sub(format!(
                        "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:inference-profile/{}",
                        model.id
                    ))
                    .into(),
                );
                // A cross-region profile routes to the model in several regions.
                resources.push(Expr::sub(format!("arn:${{AWS::Partition}}:bedrock:*::foundation-model/{base}")).into());
            } else {
                resources.push(Expr::sub(format!("arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}::foundation-model/{base}")).into());
            }
            iam::grant(stack, to, Statement::allow(actions::BEDROCK_INVOKE, resources));
        }
        Provider::OpenAi { api_key_secret_arn, .. } => {
            iam::grant(stack, to, Statement::allow(actions::SECRETS_READ, [api_key_secret_arn.clone()]));
        }
    }
}

fn rest(scope: &mut Scope, props: &AgentProps<'_>, routes: &Routes, handler: &Function) -> RestApi {
    let api = RestApi::new(
        &mut scope.scope("Api"),
        RestApiProps {
            throttling: props.throttling,
            cors: props.cors.clone(),
            access_logs: props.access_logs,
            log_retention: props.log_retention,
            encryption: props.encryption,
            description: Some("Agent API".into()),
            ..Default::default()
        },
    );
    crate::accepted::NO_STAGE_CACHE.apply(scope.stack(), &api.stage);
    let auth = match props.authorizer {
        Some(a) => MethodAuth::Custom(a.attach_rest(scope, &api)),
        None => MethodAuth::Public,
    };
    let model = api.add_model(scope, "ChatRequest", agentcdk_contract::chat_request_schema());
    if matches!(props.mode, Mode::Stream(_)) {
        api.add_streaming_lambda_method(scope, HttpMethod::Post, routes.chat(), handler, &auth, Some(&model));
    } else {
        api.add_lambda_method(scope, HttpMethod::Post, routes.chat(), handler, &auth, Some(&model));
    }
    if matches!(props.mode, Mode::Queue(_)) {
        api.add_lambda_method(scope, HttpMethod::Get, &routes.responses_resource(), handler, &auth, None);
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, route) in props.routes.iter().enumerate() {
        let path = agentcdk_contract::routes::join(&[&props.api_base_path, &props.api_version, &route.path]);
        if !seen.insert((route.method, path.clone())) || collides_with_chat(routes, &path) {
            continue; // reported by check()
        }
        let f = Function::new(
            &mut scope.scope(&format!("Route{i}")),
            FunctionProps {
                code: route.code.clone(),
                description: Some(format!("{} {path}", route.method.name())),
                architecture: props.architecture,
                log_retention: props.log_retention,
                encryption: props.encryption,
                ..Default::default()
            },
        );
        api.add_lambda_method(scope, route.method, &path, &f, &auth, None);
        if props.alarms {
            let topic = alarm_topic(scope.stack(), props.encryption);
            function_alarms(&mut scope.scope(&format!("Route{i}Alarms")), &f, &topic);
        }
    }
    api
}

fn check(scope: &mut Scope, props: &AgentProps<'_>) {
    if props.model.id.is_empty() {
        scope.error("no model id", "set model: Model::bedrock(\"us.anthropic.claude-sonnet-4-5-20250929-v1:0\") or Model::openai(..)");
    }
    let websocket = matches!(props.mode, Mode::WebSocket(_));
    if let Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl(auth) }) = props.mode {
        check_function_url(scope, props, auth);
        return check_common(scope, props);
    }
    match (props.authorizer.is_some(), props.public) {
        (false, false) if !websocket => scope.error(
            "API without an authorizer",
            "pass authorizer: Some(&auth) (LambdaAuthorizer::jwt), or set public: true to open it to anyone on purpose",
        ),
        (true, true) => scope.error("both an authorizer and public: true", "choose one: the authorizer, or a public API"),
        _ => {}
    }
    if let (Mode::Sync, Some(t)) = (props.mode, props.timeout) {
        if t > REST_INTEGRATION_TIMEOUT {
            scope.error(
                format!("Sync agent timeout {t:?} is above API Gateway's 29 s integration timeout"),
                "long agent runs belong in Mode::Queue; the runner's timeout bounds one model turn loop",
            );
        }
    }
    check_common(scope, props);
}

/// A Function URL has no Lambda authorizer, and its public form is opted into twice: the
/// URL's `UrlAuth::None` and the agent's `public: true`.
fn check_function_url(scope: &mut Scope, props: &AgentProps<'_>, auth: UrlAuth) {
    if props.authorizer.is_some() {
        scope.error(
            "a Lambda authorizer on a Function URL",
            "Function URLs take IAM (UrlAuth::AwsIam) or no auth; for JWT callers use StreamTransport::Rest",
        );
    }
    match (auth, props.public) {
        (UrlAuth::AwsIam, true) => scope
            .error("public: true on an IAM-authorized Function URL", "for a public URL use StreamTransport::FunctionUrl(UrlAuth::None)"),
        (UrlAuth::None, false) => scope.error(
            "a Function URL without auth, but public is not set",
            "set public: true to confirm that anyone may call it, or use UrlAuth::AwsIam",
        ),
        _ => {}
    }
    if !props.routes.is_empty() {
        scope.error("custom routes on a Function URL agent", "routes need the REST API: use StreamTransport::Rest");
    }
}

/// Checks of every mode.
fn check_common(scope: &mut Scope, props: &AgentProps<'_>) {
    if let Some(0) = props.max_turns {
        scope.error("max_turns is 0", "the agent needs at least one model call");
    }
    for segment in [&props.api_base_path, &props.api_version, &props.agent_endpoint] {
        if segment.contains(['{', '}', ' ']) {
            scope.error(format!("path segment '{segment}' has '{{', '}}' or a space"), "use letters, digits, '-', '_' and '/'");
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &props.routes {
        if !seen.insert((r.method, r.path.clone())) {
            scope.error(format!("route {} {} is declared twice", r.method.name(), r.path), "each method and path has one function");
        }
        let full = agentcdk_contract::routes::join(&[&props.api_base_path, &props.api_version, &r.path]);
        if collides_with_chat(&Routes::new(&props.api_base_path, &props.api_version, &props.agent_endpoint), &full) {
            scope.error(format!("route {} {} collides with the chat endpoint", r.method.name(), r.path), "choose another path");
        }
    }
}

/// Whether a custom route's full path is the chat endpoint or below its responses route.
fn collides_with_chat(routes: &Routes, path: &str) -> bool {
    path == routes.chat() || path.starts_with(routes.responses_prefix().trim_end_matches('/'))
}
