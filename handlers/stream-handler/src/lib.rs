//! stream-handler: `ServerlessAgent`'s Stream mode. The agent runs in the function and its
//! answer leaves token by token, as the model produces it (Bedrock ConverseStream or OpenAI
//! streaming), through Lambda response streaming.
//!
//! Front doors: a Function URL with InvokeMode RESPONSE_STREAM, or an API Gateway REST method
//! with responseTransferMode STREAM (both send their usual event and read the same streamed
//! answer, see [`agentcdk_runtime::http`]). The function serves one endpoint: the front door
//! decides its path, so any path is accepted.
//!
//! `POST` a [`ChatRequest`] and the answer is `text/event-stream` ([`STREAM_CONTENT_TYPE`]),
//! each event a [`StreamEvent`] as `data: <json>\n\n`: `start` (request and session id), `text`
//! pieces and `tool` calls as they happen, then `done` with the whole reply — or `error`, after
//! which the stream ends. History is saved per session only after a completed turn, before
//! `done` is sent: a client that saw `done` can continue the session. A failure after the
//! status left (the model failing mid-answer, history not saved) is reported in-band as the
//! `error` event (`unavailable`: retry; `upstream_failed`: the model refused) and the stream
//! ends normally, rather than with Lambda's error trailer: the client gets a reason it can act
//! on instead of a cut-off response. If the client disconnects, the turn is abandoned.
//!
//! Everything that can be refused before the model runs is refused as a plain JSON answer
//! `{error, message}` with its 4xx/5xx status, not as a stream: wrong method (405), no caller
//! identity unless `ALLOW_ANONYMOUS` (401), body over `MAX_BODY_BYTES` (413), non-JSON content
//! type (415), invalid JSON or a request breaking the schema's rules (400), history unreadable
//! (503/500).
//!
//! `RESPONSE_MODE`: `stream` streams; `buffered` (the contract's default for every function
//! that reads it, so a function behind a front door that cannot stream still answers
//! correctly) runs the same turn unstreamed and answers a [`ChatReply`]. The constructs set
//! `stream` for Stream mode.

mod a2a;

use std::sync::Arc;

use agentcdk_contract::a2a::CardConfig;
use agentcdk_contract::env;
use agentcdk_contract::wire::{ChatReply, ChatRequest, ErrorBody, ErrorCode, StreamEvent, STREAM_CONTENT_TYPE};
use agentcdk_runtime::a2a::caller::with_user_token;
use agentcdk_runtime::agent::{Agent, AgentError, AgentEvent, Message, Toolbox};
use agentcdk_runtime::backend::Turn as BackendTurn;
use agentcdk_runtime::config::ConfigError;
use agentcdk_runtime::error::Classify;
use agentcdk_runtime::http::{
    headers, streamed, Admission, Admits, Answer, RawResponse, Request, Response, ResponseMode, Source, StreamSender,
};
use agentcdk_runtime::secret::Secret;
use agentcdk_runtime::store::sessions::{session_key, History, SessionStore};
use agentcdk_runtime::store::StoreError;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// The stream-handler, built once per sandbox.
#[derive(Debug, Clone)]
pub struct App {
    agent: Agent,
    sessions: Option<SessionStore>,
    mode: ResponseMode,
    admission: Admission,
    /// The agent's A2A card (`A2A_CARD`): set means the A2A routes are served.
    a2a: Option<CardConfig>,
}

impl App {
    /// An app running `agent`, keeping history in `sessions` (`None`: stateless turns),
    /// answering in `mode`, with the default body limit and no anonymous callers.
    pub fn new(agent: Agent, sessions: Option<SessionStore>, mode: ResponseMode) -> Self {
        Self { agent, sessions, mode, admission: Admission::default(), a2a: None }
    }

    /// Serves A2A with `card` ([`a2a`]): what `A2A_CARD` does.
    pub fn with_a2a(mut self, card: CardConfig) -> Self {
        self.a2a = Some(card);
        self
    }

    /// The app the environment describes: `MODEL_*`, `SYSTEM_PROMPT`, `MAX_TOKENS`,
    /// `MAX_TURNS`, `SESSIONS_TABLE` (unset: stateless), `HISTORY_MAX_MESSAGES`,
    /// `SESSION_TTL_SECONDS`, `RESPONSE_MODE`, `MAX_BODY_BYTES`, `ALLOW_ANONYMOUS`.
    pub async fn from_env(sdk: &aws_config::SdkConfig, tools: Toolbox) -> Result<Self, ConfigError> {
        let sessions = SessionStore::from_env(aws_sdk_dynamodb::Client::new(sdk))?;
        let mode = agentcdk_runtime::http::response_mode_from_env()?;
        Ok(Self {
            admission: Admission::from_env()?,
            a2a: agentcdk_runtime::a2a::card_from_env()?,
            ..Self::new(Agent::from_env(sdk, tools).await?, sessions, mode)
        })
    }
}

impl Admits for App {
    fn admission_mut(&mut self) -> &mut Admission {
        &mut self.admission
    }
}

/// A chat turn that passed every check, ready to run.
#[derive(Debug)]
struct Turn {
    request_id: String,
    session_id: String,
    /// The caller (for an agent backend).
    user_id: String,
    /// Sessions table key (user and session).
    key: String,
    message: String,
    history: History,
    /// The caller's bearer token, for tools that pass it on.
    token: Option<Secret>,
}

/// The Lambda entry point: an API Gateway REST or Function URL event in; a stream of
/// [`StreamEvent`]s, or a JSON answer, out.
pub async fn handle(app: Arc<App>, event: LambdaEvent<Value>) -> Result<Answer, lambda_runtime::Error> {
    let request = match Request::from_event(event.payload) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "unrecognized event");
            return Ok(refuse(&app, Source::RestApi, Response::error(ErrorCode::BadRequest, e.0)));
        }
    };
    if let Some(answer) = a2a::route(&app, &request).await {
        return Ok(answer);
    }
    let turn = match prepare(&app, &request).await {
        Ok(turn) => turn,
        Err(response) => {
            tracing::info!(method = %request.method, status = response.status, "refused");
            return Ok(refuse(&app, request.source, response));
        }
    };
    tracing::info!(request_id = %turn.request_id, mode = ?app.mode, "chat turn");
    Ok(match app.mode {
        ResponseMode::Buffered => Answer::BufferedResponse(buffered(&app, turn).await.into_event(request.source)),
        ResponseMode::Stream => {
            let (tx, response) = streamed(200, headers([("content-type", STREAM_CONTENT_TYPE), ("cache-control", "no-cache")]));
            // lambda_runtime reads the body only after this function returned: feed it from a task.
            tokio::spawn(stream(app, turn, tx, |e: &StreamEvent| Some(sse(e))));
            Answer::StreamingResponse(response)
        }
    })
}

/// A complete JSON answer in the app's mode (a one-chunk stream with the status in the prelude
/// when streaming).
fn refuse(app: &App, source: Source, response: Response) -> Answer {
    RawResponse::from(response).answer(source, app.mode)
}

/// Everything checked before the model runs: method, caller, body, history.
async fn prepare(app: &App, req: &Request) -> Result<Turn, Response> {
    if req.method != "POST" {
        return Err(Response::error(ErrorCode::MethodNotAllowed, "use POST"));
    }
    let caller = admit(app, req)?;
    let chat: ChatRequest =
        serde_json::from_slice(&req.body).map_err(|e| Response::error(ErrorCode::InvalidJson, format!("invalid chat request: {e}")))?;
    chat.check().map_err(|m| Response::error(ErrorCode::BadRequest, m))?;
    load_turn(app, caller, chat).await
}

/// Who calls (user id, anonymous) and their token, once the body's size and type are right.
#[derive(Debug)]
struct Caller {
    user_id: String,
    anonymous: bool,
    token: Option<Secret>,
}

/// The caller, body limit and content type checks every POST gets (chat and A2A alike).
fn admit(app: &App, req: &Request) -> Result<Caller, Response> {
    let (user_id, anonymous) = match req.caller(app.admission.signed_by_cloudfront) {
        Some(u) => (u.to_owned(), false),
        _ if app.admission.allow_anonymous => (env::ANONYMOUS_USER_ID.to_owned(), true),
        _ => return Err(Response::error(ErrorCode::Unauthorized, "no caller identity")),
    };
    app.admission.check_size(req.body.len())?;
    if let Some(ct) = req.header("content-type") {
        if !ct.to_ascii_lowercase().contains("json") {
            return Err(Response::error(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
        }
    }
    let token = req.header("authorization").and_then(agentcdk_runtime::a2a::caller::bearer);
    Ok(Caller { user_id, anonymous, token })
}

/// The turn of a checked `chat`: its session's history loaded.
async fn load_turn(app: &App, caller: Caller, chat: ChatRequest) -> Result<Turn, Response> {
    let Caller { user_id, anonymous, token } = caller;
    let client_chose = chat.session_id.is_some();
    let session_id = chat.session_id.unwrap_or_else(new_id);
    let key = session_key(&user_id, &session_id);
    let history = match &app.sessions {
        Some(s) => s.load(&key).await.map_err(|e| error_response(store_failure(&e)))?,
        None => History::default(),
    };
    // Anonymous callers share one user id: only ids issued here (UUID v4) create a session, so
    // a client-chosen id must name an existing one (bearer semantics), else 404, nothing made.
    if anonymous && client_chose && app.sessions.is_some() && history.version == 0 {
        return Err(Response::error(ErrorCode::NotFound, "unknown session: omit session_id to start a new one"));
    }
    Ok(Turn { request_id: new_id(), session_id, user_id, key, message: chat.message, history, token })
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Runs the turn unstreamed: 200 [`ChatReply`], or the error answer.
async fn buffered(app: &App, turn: Turn) -> Response {
    match complete(app, turn).await {
        Ok(reply) => Response::json(200, &reply),
        Err(e) => error_response(e),
    }
}

/// Runs the turn unstreamed and saves it.
async fn complete(app: &App, turn: Turn) -> Result<ChatReply, ErrorBody> {
    let mut messages = turn.history.messages.clone();
    let ids = BackendTurn { request_id: &turn.request_id, session_id: &turn.session_id, user_id: &turn.user_id };
    let reply =
        with_user_token(turn.token, app.agent.answer(&ids, &mut messages, &turn.message, None)).await.map_err(|e| agent_failure(&e))?;
    save(app, &turn.key, turn.history, &messages, &turn.request_id).await?;
    Ok(ChatReply { request_id: turn.request_id, session_id: turn.session_id, reply })
}

/// Appends the turn (the messages after `base`'s) to the session, merging with any turn saved
/// meanwhile ([`SessionStore::append_turn`]).
async fn save(app: &App, key: &str, base: History, messages: &[Message], request_id: &str) -> Result<(), ErrorBody> {
    match &app.sessions {
        Some(s) => {
            let turn = &messages[base.messages.len()..];
            s.append_turn(key, base, turn, request_id).await.map_err(|e| store_failure(&e))
        }
        None => Ok(()),
    }
}

/// Streams the turn into `out`: `start`, the agent's events as they happen, then `done` once
/// history is saved, or `error`, each written as `render` makes it (events it maps to `None`
/// are not sent). If the client goes away the run is abandoned (the model stops being read,
/// nothing is saved).
async fn stream(app: Arc<App>, turn: Turn, mut out: StreamSender, mut render: impl FnMut(&StreamEvent) -> Option<String> + Send) {
    let (events, mut queue) = mpsc::unbounded_channel::<StreamEvent>();
    let (gone, client_gone) = oneshot::channel::<()>();
    // The agent's sink is a plain callback (it runs between reads of the model's stream); an
    // unbounded channel hands its events to the async writer without blocking it. Unbounded is
    // fine: the events are the model's output, which the model's own pace bounds.
    let forward = async move {
        while let Some(event) = queue.recv().await {
            let Some(frame) = render(&event) else { continue };
            if out.send(frame).await.is_err() {
                tracing::warn!("client went away; abandoning the turn");
                let _ = gone.send(());
                return;
            }
        }
    };
    let work = async move {
        tokio::select! {
            () = run_streamed(&app, turn, &events) => {}
            _ = client_gone => {}
        }
        // `events` drops here, which ends `forward` once it has written everything.
    };
    tokio::join!(work, forward);
}

async fn run_streamed(app: &App, turn: Turn, events: &mpsc::UnboundedSender<StreamEvent>) {
    let emit = |e: StreamEvent| {
        let _ = events.send(e); // fails only when the writer is gone, which cancels this run
    };
    emit(StreamEvent::Start { request_id: turn.request_id.clone(), session_id: turn.session_id.clone() });
    let mut messages = turn.history.messages.clone();
    let mut sink = |e: AgentEvent<'_>| match e {
        AgentEvent::Text(text) => emit(StreamEvent::Text { text: text.to_owned() }),
        AgentEvent::ToolCall { name, .. } => emit(StreamEvent::Tool { name: name.to_owned() }),
    };
    let ids = BackendTurn { request_id: &turn.request_id, session_id: &turn.session_id, user_id: &turn.user_id };
    let result = with_user_token(turn.token, app.agent.answer(&ids, &mut messages, &turn.message, Some(&mut sink))).await;
    let end = match result {
        Err(e) => StreamEvent::Error { error: agent_failure(&e) },
        Ok(reply) => match save(app, &turn.key, turn.history, &messages, &turn.request_id).await {
            Ok(()) => StreamEvent::Done { reply },
            Err(error) => StreamEvent::Error { error },
        },
    };
    tracing::info!(request_id = %turn.request_id, ok = matches!(end, StreamEvent::Done { .. }), "turn finished");
    emit(end);
}

/// One server-sent event.
fn sse(event: &StreamEvent) -> String {
    // Serializing an enum of strings cannot fail; the fallback keeps the stream well-formed.
    let json = serde_json::to_string(event).unwrap_or_else(|_| r#"{"type":"error","error":"internal","message":"encoding"}"#.into());
    format!("data: {json}\n\n")
}

/// A stable code and a fixed message: the model's own text (role ARNs, account ids) stays in
/// the log.
fn agent_failure(e: &AgentError) -> ErrorBody {
    tracing::error!(error = %e, "agent failed");
    ErrorBody::public(if e.is_retryable() { ErrorCode::Unavailable } else { ErrorCode::UpstreamFailed })
}

fn store_failure(e: &StoreError) -> ErrorBody {
    tracing::error!(error = %e, "store failed");
    if e.is_retryable() {
        ErrorBody::new(ErrorCode::Unavailable, "storage is busy, retry shortly")
    } else {
        ErrorBody::new(ErrorCode::Internal, "storage failed")
    }
}

/// An [`ErrorBody`] as the answer with its code's status.
fn error_response(e: ErrorBody) -> Response {
    Response::json(e.error.status(), &e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_server_sent_events_of_the_contract_type() {
        let frame = sse(&StreamEvent::Text { text: "a\nb".into() });
        assert_eq!(frame, "data: {\"type\":\"text\",\"text\":\"a\\nb\"}\n\n", "newlines stay escaped inside one data line");
        let err = sse(&StreamEvent::Error { error: ErrorBody::new(ErrorCode::Unavailable, "later") });
        let v: Value = serde_json::from_str(err.trim_start_matches("data: ").trim_end()).expect("json");
        assert_eq!(v, serde_json::json!({"type": "error", "error": "unavailable", "message": "later"}));
    }
}
