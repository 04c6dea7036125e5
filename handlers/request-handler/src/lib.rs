//! request-handler: the API-facing function.
//!
//! - `POST {base}/{version}/{endpoint}`: a chat turn. Sync mode runs the agent and answers
//!   200 with the reply; Queue/WebSocket mode validates, records the request as pending,
//!   enqueues a [`QueueEnvelope`] and answers 202 with the request id.
//! - `GET {base}/{version}/{endpoint}/responses/{request_id}`: the stored response (pending,
//!   completed or failed) — only to the user who submitted it; anyone else gets 404.
//! - WebSocket messages: like POST chat in WebSocket mode, answered with an `accepted` or
//!   `refused` frame (the route response); replies are pushed later. `{"action": "get",
//!   "request_id": …}` answers with the stored state of an earlier turn of the same user (a
//!   client that reconnected fetches what it missed).
//! - Custom routes registered with [`App::route`].
//!
//! The user id comes only from the authorizer context (for WebSocket messages: the unexpired
//! connection record written by ws-connection after verifying the token), never from the body.
//! Client mistakes get a 4xx `{ "error", "message" }` body (on a WebSocket: a `refused` frame
//! with the same code and message); unknown routes 404.

mod a2a;
pub mod http;

use std::sync::Arc;

use agentcdk_contract::a2a::CardConfig;
use agentcdk_contract::env::{self, AgentMode};
use agentcdk_contract::routes::Routes;
use agentcdk_contract::wire::{
    is_valid_id, Accepted, AgentResult, ChatReply, ChatRequest, ErrorBody, ErrorCode, Outcome, QueueEnvelope, ReplyTarget, ResponseState,
    ResponseStatus, StoredResponse, WsFrame, WsGet, WS_ACTION_GET,
};
use agentcdk_runtime::agent::{Agent, AgentError, Toolbox};
use agentcdk_runtime::config::{self, ConfigError};
use agentcdk_runtime::error::Classify;
use agentcdk_runtime::queue::{message_group, Queue};
use agentcdk_runtime::store::sessions::{session_key, History, SessionStore};
use agentcdk_runtime::store::{ConnectionStore, ResponsesStore, StoreError};
use agentcdk_runtime::ws::{reply_frames, FRAME_LIMIT};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

pub use http::{Admission, Admits, Request, Response, Source};

/// How chat turns are answered; each variant holds exactly what it needs.
#[derive(Debug, Clone)]
pub enum Backend {
    /// Run the agent in the request.
    Sync {
        /// The agent.
        agent: Agent,
        /// Conversation history; `None` = stateless turns.
        sessions: Option<SessionStore>,
    },
    /// Enqueue; the client polls.
    Queue {
        /// Input queue.
        queue: Queue,
        /// Responses table.
        responses: ResponsesStore,
    },
    /// Enqueue; the reply is pushed over the WebSocket.
    WebSocket {
        /// Input queue.
        queue: Queue,
        /// Responses table.
        responses: ResponsesStore,
        /// Connections table (user of a connection).
        connections: ConnectionStore,
        /// Management API endpoint override (`WEBSOCKET_CALLBACK_URL`).
        callback_url: Option<String>,
    },
}

/// A custom route's handler.
pub type RouteFn = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// The request-handler, built once per sandbox.
#[derive(Clone)]
pub struct App {
    backend: Backend,
    routes: Routes,
    admission: Admission,
    custom: Vec<(String, String, RouteFn)>,
    /// The agent's A2A card (`A2A_CARD`): set means the A2A routes are served.
    a2a: Option<CardConfig>,
}

impl Admits for App {
    fn admission_mut(&mut self) -> &mut Admission {
        &mut self.admission
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("backend", &self.backend)
            .field("routes", &self.routes)
            .field("admission", &self.admission)
            .field("a2a", &self.a2a)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app with `backend` and `routes`, default limits.
    pub fn new(backend: Backend, routes: Routes) -> Self {
        Self { backend, routes, admission: Admission::default(), custom: Vec::new(), a2a: None }
    }

    /// The app the environment describes (`AGENT_MODE`, routes, queues, tables, model).
    pub async fn from_env(sdk: &aws_config::SdkConfig, tools: Toolbox) -> Result<Self, ConfigError> {
        let routes = routes_from_env();
        let mode = config::parse_or(env::AGENT_MODE, AgentMode::default())?;
        let ttl = config::parse_or(env::RESPONSE_TTL_SECONDS, env::DEFAULT_RESPONSE_TTL_SECONDS)?;
        let queued = || -> Result<(Queue, ResponsesStore), ConfigError> {
            Ok((
                Queue::new(aws_sdk_sqs::Client::new(sdk), config::required(env::INPUT_QUEUE_URL)?),
                // GET returns replies stored in S3 too (fetched from the reply bucket).
                ResponsesStore::new(aws_sdk_dynamodb::Client::new(sdk), config::required(env::RESPONSES_TABLE)?, ttl)
                    .with_replies(agentcdk_runtime::store::ReplyStore::from_env(sdk)),
            ))
        };
        let backend = match mode {
            AgentMode::Sync => Backend::Sync {
                agent: Agent::from_env(sdk, tools).await?,
                sessions: SessionStore::from_env(aws_sdk_dynamodb::Client::new(sdk))?,
            },
            AgentMode::Queue => {
                let (queue, responses) = queued()?;
                Backend::Queue { queue, responses }
            }
            AgentMode::WebSocket => {
                let (queue, responses) = queued()?;
                Backend::WebSocket {
                    queue,
                    responses,
                    connections: ConnectionStore::new(
                        aws_sdk_dynamodb::Client::new(sdk),
                        config::required(env::CONNECTIONS_TABLE)?,
                        env::DEFAULT_CONNECTION_TTL_SECONDS,
                    ),
                    callback_url: config::optional(env::WEBSOCKET_CALLBACK_URL),
                }
            }
        };
        let mut app = Self::new(backend, routes);
        app.admission = Admission::from_env()?;
        app.a2a = agentcdk_runtime::a2a::card_from_env()?;
        Ok(app)
    }

    /// Adds a custom route (`method` and exact `path`, matched before the built-in routes).
    pub fn route(mut self, method: &str, path: &str, f: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Self {
        self.custom.push((method.to_ascii_uppercase(), agentcdk_contract::routes::normalize(path), Arc::new(f)));
        self
    }

    /// Serves A2A with `card`: `GET` [`AGENT_CARD_PATH`](agentcdk_contract::a2a::AGENT_CARD_PATH)
    /// and `POST` [`RPC_PATH`](agentcdk_contract::a2a::RPC_PATH) (what `A2A_CARD` does).
    pub fn with_a2a(mut self, card: CardConfig) -> Self {
        self.a2a = Some(card);
        self
    }

    /// The routes.
    pub fn routes(&self) -> &Routes {
        &self.routes
    }
}

/// Routes from `API_BASE_PATH`, `API_VERSION` and `AGENT_ENDPOINT`.
pub fn routes_from_env() -> Routes {
    Routes::new(
        &config::optional(env::API_BASE_PATH).unwrap_or_default(),
        &std::env::var(env::API_VERSION).unwrap_or_else(|_| env::DEFAULT_API_VERSION.into()),
        &config::optional(env::AGENT_ENDPOINT).unwrap_or_else(|| env::DEFAULT_AGENT_ENDPOINT.into()),
    )
}

/// The Lambda entry point: any supported event in, that source's response out.
pub async fn handle(app: &App, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let request = match Request::from_event(event.payload) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "unrecognized event");
            return Ok(Response::error(ErrorCode::BadRequest, e.0).into_event(Source::RestApi));
        }
    };
    let source = request.source;
    let response = respond(app, &request).await;
    tracing::info!(method = %request.method, path = %request.path, status = response.status, "answered");
    Ok(response.into_event(source))
}

/// Routes and answers one request.
pub async fn respond(app: &App, req: &Request) -> Response {
    if let Some((_, _, f)) = app.custom.iter().find(|(m, p, _)| *m == req.method && *p == req.path) {
        return f(req);
    }
    if req.source == Source::WebSocket {
        return ws_message(app, req).await;
    }
    if let Some(answer) = a2a::route(app, req).await {
        return answer;
    }
    if req.path == app.routes.chat() {
        if req.method != "POST" {
            return Response::error(ErrorCode::MethodNotAllowed, "use POST");
        }
        return chat(app, req).await;
    }
    if let Some(id) = app.routes.response_id(&req.path) {
        if req.method != "GET" {
            return Response::error(ErrorCode::MethodNotAllowed, "use GET");
        }
        return get_response(app, req, id).await;
    }
    Response::error(ErrorCode::NotFound, format!("no route for {} {}", req.method, req.path))
}

/// Who is calling: a verified user, or (with `ALLOW_ANONYMOUS`) anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Caller {
    /// The user id the front door verified.
    User(String),
    /// No identity: every such caller shares [`env::ANONYMOUS_USER_ID`], so sessions are the
    /// only thing keeping their histories apart (see [`anonymous_session`]).
    Anonymous,
}

impl Caller {
    fn id(&self) -> &str {
        match self {
            Self::User(u) => u,
            Self::Anonymous => env::ANONYMOUS_USER_ID,
        }
    }
}

fn user(app: &App, req: &Request) -> Result<Caller, Response> {
    match &req.user_id {
        Some(u) if !u.is_empty() => Ok(Caller::User(u.clone())),
        _ if app.admission.allow_anonymous => Ok(Caller::Anonymous),
        _ => Err(Response::error(ErrorCode::Unauthorized, "no caller identity in the authorizer context")),
    }
}

/// Parses and checks a chat body: size, content type, JSON shape, schema rules.
fn parse_chat(app: &App, req: &Request, body: &[u8]) -> Result<ChatRequest, Response> {
    app.admission.check_size(body.len())?;
    if let Some(ct) = req.header("content-type") {
        if !ct.to_ascii_lowercase().contains("json") {
            return Err(Response::error(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
        }
    }
    let chat: ChatRequest =
        serde_json::from_slice(body).map_err(|e| Response::error(ErrorCode::InvalidJson, format!("invalid chat request: {e}")))?;
    chat.check().map_err(|m| Response::error(ErrorCode::BadRequest, m))?;
    Ok(chat)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn chat(app: &App, req: &Request) -> Response {
    let caller = match user(app, req) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let chat = match parse_chat(app, req, &req.body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let request_id = new_id();
    let session_id = chat.session_id.clone().unwrap_or_else(new_id);
    let user_id = caller.id().to_owned();
    match &app.backend {
        Backend::Sync { agent, sessions } => {
            let turn = SyncTurn { caller: &caller, request_id, session_id, client_chose: chat.session_id.is_some() };
            match sync_turn(agent, sessions.as_ref(), turn, &chat.message, req).await {
                Ok(reply) => Response::json(200, &reply),
                Err(r) => r,
            }
        }
        Backend::Queue { .. } | Backend::WebSocket { .. } if caller == Caller::Anonymous && chat.session_id.is_some() => {
            Response::error(ErrorCode::BadRequest, ANONYMOUS_QUEUED_SESSION)
        }
        Backend::Queue { queue, responses } | Backend::WebSocket { queue, responses, .. } => {
            let envelope = QueueEnvelope {
                request_id,
                session_id,
                user_id,
                message: chat.message,
                reply_to: ReplyTarget::Poll,
                submitted_at_ms: agentcdk_runtime::time::now_millis(),
            };
            match enqueue(queue, responses, &envelope).await {
                Ok(()) => Response::json(
                    202,
                    &Accepted { request_id: envelope.request_id, session_id: envelope.session_id, status: ResponseStatus::Pending },
                ),
                Err(r) => r,
            }
        }
    }
}

/// Why an anonymous caller may not name a session in Queue and WebSocket modes.
const ANONYMOUS_QUEUED_SESSION: &str =
    "anonymous callers cannot continue a session in this mode (its history is not checked here): omit session_id";

/// A Sync-mode turn that passed the checks.
#[derive(Debug)]
struct SyncTurn<'c> {
    caller: &'c Caller,
    request_id: String,
    session_id: String,
    /// The session id came from the client (else it was issued for this turn).
    client_chose: bool,
}

/// Runs a Sync-mode turn of `req` (the chat route and A2A `message/send`), with the caller's
/// bearer token available to tools that pass it on ([`agentcdk_runtime::a2a::caller`]).
async fn sync_turn(
    agent: &Agent,
    sessions: Option<&SessionStore>,
    turn: SyncTurn<'_>,
    message: &str,
    req: &Request,
) -> Result<ChatReply, Response> {
    let SyncTurn { caller, request_id, session_id, client_chose } = turn;
    let key = session_key(caller.id(), &session_id);
    let history = match sessions {
        Some(s) => s.load(&key).await.map_err(|e| store_failure(&e))?,
        None => Default::default(),
    };
    if sessions.is_some() {
        anonymous_session(caller, client_chose, &history)?;
    }
    let mut messages = history.messages.clone();
    let token = req.header("authorization").and_then(agentcdk_runtime::a2a::caller::bearer);
    let ids = agentcdk_runtime::backend::Turn { request_id: &request_id, session_id: &session_id, user_id: caller.id() };
    let reply = agentcdk_runtime::a2a::caller::with_user_token(token, agent.answer(&ids, &mut messages, message, None))
        .await
        .map_err(|e| agent_failure(&e))?;
    if let Some(s) = sessions {
        let turn = &messages[history.messages.len()..];
        s.append_turn(&key, history, turn, &request_id).await.map_err(|e| store_failure(&e))?;
    }
    Ok(ChatReply { request_id, session_id, reply })
}

/// Anonymous callers all share one user id, so a session id alone separates their histories.
/// Only ids this handler issued (UUID v4, 122 random bits) ever create an anonymous session: a
/// client-chosen id must name a session that already exists, so it was issued, and whoever
/// holds it may continue it (bearer semantics). A guessed or made-up id gets 404 and creates
/// nothing.
fn anonymous_session(caller: &Caller, client_chose: bool, history: &History) -> Result<(), Response> {
    if *caller == Caller::Anonymous && client_chose && history.version == 0 {
        return Err(Response::error(ErrorCode::NotFound, "unknown session: omit session_id to start a new one"));
    }
    Ok(())
}

/// The client gets a stable code and a fixed message; the model's own text (which can name
/// role ARNs and account ids) stays in the log.
fn agent_failure(e: &AgentError) -> Response {
    tracing::error!(error = %e, "agent failed");
    let code = if e.is_retryable() { ErrorCode::Unavailable } else { ErrorCode::UpstreamFailed };
    Response::error(code, code.public_message())
}

fn store_failure(e: &StoreError) -> Response {
    tracing::error!(error = %e, "store failed");
    if e.is_retryable() {
        Response::error(ErrorCode::Unavailable, "storage is busy, retry shortly")
    } else {
        Response::error(ErrorCode::Internal, "storage failed")
    }
}

/// Records the request as pending, then enqueues it. If the send fails, the pending record is
/// marked failed so a poll does not wait forever, and the client gets 503 (retry).
async fn enqueue(queue: &Queue, responses: &ResponsesStore, envelope: &QueueEnvelope) -> Result<(), Response> {
    responses.put_pending(&envelope.request_id, &envelope.session_id, &envelope.user_id).await.map_err(|e| store_failure(&e))?;
    if let Err(e) = queue.send(envelope, &message_group(&envelope.user_id, &envelope.session_id), &envelope.request_id).await {
        tracing::error!(error = %e, request_id = %envelope.request_id, "enqueue failed");
        let failed = AgentResult {
            request_id: envelope.request_id.clone(),
            session_id: envelope.session_id.clone(),
            user_id: envelope.user_id.clone(),
            reply_to: envelope.reply_to.clone(),
            outcome: Outcome::Failed { reason: "could not be queued".into() },
        };
        let _ = responses.finish(&failed).await;
        return Err(Response::error(ErrorCode::Unavailable, "the request could not be queued, retry shortly"));
    }
    tracing::info!(request_id = %envelope.request_id, "enqueued");
    Ok(())
}

async fn get_response(app: &App, req: &Request, request_id: &str) -> Response {
    let caller = match user(app, req) {
        Ok(u) => u,
        Err(r) => return r,
    };
    // An id we could never have issued names nothing: 404 before any table call (no echo).
    if !is_valid_id(request_id) {
        return Response::error(ErrorCode::NotFound, "no such request");
    }
    let responses = match &app.backend {
        Backend::Queue { responses, .. } | Backend::WebSocket { responses, .. } => responses,
        Backend::Sync { .. } => return Response::error(ErrorCode::NotFound, "responses are not stored in sync mode"),
    };
    match responses.get(request_id).await {
        Ok(Some(item)) if item.user_id == caller.id() => Response::json(200, &item.response),
        // Another user's request looks exactly like a missing one.
        Ok(_) => Response::error(ErrorCode::NotFound, "no such request"),
        Err(e) => store_failure(&e),
    }
}

/// A WebSocket message (`$default` route): a `get` or a chat turn, answered with exactly one
/// [`WsFrame`]. The answer travels back on the sender's own connection as the route response
/// WsApi declares (`RouteResponseSelectionExpression: $default`), not through PostToConnection:
/// it needs no Management API call or grant, and arrives as the answer to that very message.
/// API Gateway passes a proxy integration's `body` through whatever its `statusCode`, so the
/// status stays the HTTP status the frame stands for (logs and metrics read it).
async fn ws_message(app: &App, req: &Request) -> Response {
    let Backend::WebSocket { queue, responses, connections, callback_url } = &app.backend else {
        return refused(Response::error(ErrorCode::NotFound, "this API does not take WebSocket messages"), None);
    };
    let Some(ws) = &req.ws else {
        return refused(Response::error(ErrorCode::BadRequest, "no connection"), None);
    };
    // The connection record is the identity: ws-connection wrote it after verifying the token,
    // and it expires with the token's `exp`, so an expired connection sends nothing more.
    let user_id = match connections.get(&ws.connection_id).await {
        Ok(Some(c)) => c.user_id,
        Ok(None) => {
            let r = Response::error(ErrorCode::Unauthorized, "unknown or expired connection: connect again with a valid token");
            return refused(r, None);
        }
        Err(e) => return refused(store_failure(&e), None),
    };
    if let Err(r) = app.admission.check_size(req.body.len()) {
        return refused(r, None);
    }
    // WebSocket APIs route on a field of the body (`action`): drop it before parsing a chat turn.
    let mut body = req.body.clone();
    if let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&body) {
        if map.get("action").and_then(Value::as_str) == Some(WS_ACTION_GET) {
            return match serde_json::from_value::<WsGet>(Value::Object(map)) {
                Ok(get) => ws_get(responses, &user_id, &get).await,
                Err(e) => refused(Response::error(ErrorCode::InvalidJson, format!("invalid get: {e}")), None),
            };
        }
        map.remove("action");
        body = Value::Object(map).to_string().into_bytes();
    }
    let chat = match parse_chat(app, req, &body) {
        Ok(c) => c,
        Err(r) => return refused(r, None),
    };
    let envelope = QueueEnvelope {
        request_id: new_id(),
        session_id: chat.session_id.unwrap_or_else(new_id),
        user_id,
        message: chat.message,
        reply_to: ReplyTarget::WebSocket { endpoint: callback_url.clone().unwrap_or_else(|| ws.endpoint.clone()) },
        submitted_at_ms: agentcdk_runtime::time::now_millis(),
    };
    match enqueue(queue, responses, &envelope).await {
        Ok(()) => Response::json(200, &WsFrame::Accepted { request_id: envelope.request_id, session_id: envelope.session_id }),
        Err(r) => refused(r, Some(envelope.request_id.as_str())),
    }
}

/// The stored state of an earlier turn as a frame: `pending`, `reply` (the part asked for) or
/// `error`; a turn of another user looks exactly like a missing one (`refused`, not_found).
async fn ws_get(responses: &ResponsesStore, user_id: &str, get: &WsGet) -> Response {
    let id = get.request_id.as_str();
    // Like GET responses/{id}: an id we could never have issued names nothing, and is neither
    // looked up nor echoed.
    if !is_valid_id(id) {
        return refused(Response::error(ErrorCode::NotFound, "no such request"), None);
    }
    let stored = match responses.get(id).await {
        Ok(Some(item)) if item.user_id == user_id => item.response,
        Ok(_) => return refused(Response::error(ErrorCode::NotFound, "no such request"), Some(id)),
        Err(e) => return refused(store_failure(&e), Some(id)),
    };
    let StoredResponse { request_id, session_id, state } = stored;
    match state {
        ResponseState::Pending => Response::json(200, &WsFrame::Pending { request_id, session_id }),
        ResponseState::Failed { reason } => Response::json(200, &WsFrame::Error { request_id, reason }),
        ResponseState::Completed { reply } => {
            let mut frames = reply_frames(&request_id, &session_id, &reply, FRAME_LIMIT);
            let part = get.part.unwrap_or(1);
            let parts = frames.len();
            match usize::try_from(part).ok().filter(|p| (1..=parts).contains(p)) {
                Some(p) => Response { status: 200, body: serde_json::from_str(&frames.swap_remove(p - 1)).unwrap_or(Value::Null) },
                None => refused(Response::error(ErrorCode::BadRequest, format!("part {part} of {parts} does not exist")), Some(id)),
            }
        }
    }
}

/// An error answer as a `refused` frame: the same status, code and message, with the request
/// id when the turn had one.
fn refused(r: Response, request_id: Option<&str>) -> Response {
    match serde_json::from_value::<ErrorBody>(r.body.clone()) {
        Ok(error) => Response::json(r.status, &WsFrame::Refused { request_id: request_id.map(str::to_owned), error }),
        Err(_) => r,
    }
}
