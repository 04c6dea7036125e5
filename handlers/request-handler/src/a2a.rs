//! A2A on the agent's API (when `A2A_CARD` is set): `GET` [`AGENT_CARD_PATH`] answers the card,
//! `POST` [`RPC_PATH`] the JSON-RPC methods, both relative to the API's stage root.
//!
//! - `message/send`: Sync mode runs the turn like the chat route and answers a `Message`; Queue
//!   (and WebSocket, when an HTTP route reaches this function) enqueue it exactly like the chat
//!   route (pending record, FIFO group, DLQ path) and answer a `Task` in state `submitted`
//!   whose id is the request id and whose context id is the session id.
//! - `tasks/get`: the responses table's state as a task (pending → working, completed → the
//!   reply as artifact `reply`, failed → failed with the reason); another user's task and any
//!   task in Sync mode (nothing is stored) are TaskNotFound.
//! - `tasks/cancel`: a queued run cannot be stopped (TaskNotCancelable -32002 for the owner's
//!   task, TaskNotFound otherwise); `message/stream`: UnsupportedOperation (Stream mode only).
//!
//! Caller, body limit and content type are checked as on the chat route, with the same HTTP
//! answers (401, 413, 415) before any JSON-RPC; after that every answer is HTTP 200 with a
//! JSON-RPC response.

use agentcdk_contract::a2a::{AGENT_CARD_PATH, RPC_PATH};
use agentcdk_contract::wire::{is_valid_id, ChatRequest, ErrorCode, QueueEnvelope, ReplyTarget, ResponseState};
use agentcdk_runtime::a2a::protocol::{self, Artifact, Message, MessageSendParams, Task, TaskKind, TaskState, TaskStatus};
use agentcdk_runtime::a2a::rpc::{self, A2aError, Method};
use serde_json::Value;

use super::{enqueue, new_id, store_failure, sync_turn, user, App, Backend, Caller, Request, Response, SyncTurn, ANONYMOUS_QUEUED_SESSION};

/// The answer to an A2A route, or `None` when `req` is not one (or A2A is off).
pub(crate) async fn route(app: &App, req: &Request) -> Option<Response> {
    let card = app.a2a.as_ref()?;
    if req.path == AGENT_CARD_PATH {
        return Some(match req.method.as_str() {
            "GET" => Response::json(200, &protocol::card(card, req.origin.as_deref().unwrap_or_default())),
            _ => Response::error(ErrorCode::MethodNotAllowed, "use GET"),
        });
    }
    if req.path == RPC_PATH {
        return Some(match req.method.as_str() {
            "POST" => rpc_answer(app, req).await,
            _ => Response::error(ErrorCode::MethodNotAllowed, "use POST"),
        });
    }
    None
}

async fn rpc_answer(app: &App, req: &Request) -> Response {
    let caller = match user(app, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = app.admission.check_size(req.body.len()) {
        return r;
    }
    if req.header("content-type").is_some_and(|ct| !ct.to_ascii_lowercase().contains("json")) {
        return Response::error(ErrorCode::UnsupportedMediaType, "send the body as application/json");
    }
    let call = match rpc::parse(&req.body) {
        Ok(call) => call,
        Err((id, e)) => return Response::json(200, &rpc::failure(&id, &e)),
    };
    let result = match call.method {
        Method::Send(params) => send(app, &caller, req, params).await,
        Method::Stream(_) => Err(A2aError::UnsupportedOperation("message/stream is served by Stream-mode agents; use message/send")),
        Method::Get(p) => owned_task(app, &caller, &p.id).await.map(|task| json(&task)),
        Method::Cancel(p) => match owned_task(app, &caller, &p.id).await {
            Ok(_) => Err(A2aError::TaskNotCancelable("a queued run cannot be stopped once accepted")),
            Err(e) => Err(e),
        },
    };
    Response::json(
        200,
        &match result {
            Ok(v) => rpc::success(&call.id, &v),
            Err(e) => rpc::failure(&call.id, &e),
        },
    )
}

fn json(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The chat route's error answer as an A2A error: the same fixed public message.
fn from_response(r: Response) -> A2aError {
    let message = r.body["message"].as_str().unwrap_or("failed").to_owned();
    if (400..500).contains(&r.status) {
        A2aError::InvalidParams(message)
    } else {
        A2aError::Internal(message)
    }
}

/// `message/send`: one chat turn, run (Sync) or enqueued (Queue, WebSocket).
async fn send(app: &App, caller: &Caller, req: &Request, params: MessageSendParams) -> Result<Value, A2aError> {
    let text = protocol::text_of(&params.message.parts).ok_or(A2aError::ContentTypeNotSupported("file parts are not accepted"))?;
    if params.message.task_id.is_some() {
        return Err(A2aError::UnsupportedOperation("a task takes one message: send a new message with the contextId instead"));
    }
    let chat = ChatRequest { message: text, session_id: params.message.context_id };
    chat.check().map_err(A2aError::InvalidParams)?;
    let request_id = new_id();
    let session_id = chat.session_id.clone().unwrap_or_else(new_id);
    match &app.backend {
        Backend::Sync { agent, sessions } => {
            let turn = SyncTurn { caller, request_id, session_id: session_id.clone(), client_chose: chat.session_id.is_some() };
            let reply = sync_turn(agent, sessions.as_ref(), turn, &chat.message, req).await.map_err(from_response)?;
            Ok(json(&Message::agent(reply.reply, Some(session_id), None)))
        }
        Backend::Queue { .. } | Backend::WebSocket { .. } if *caller == Caller::Anonymous && chat.session_id.is_some() => {
            Err(A2aError::InvalidParams(ANONYMOUS_QUEUED_SESSION.into()))
        }
        Backend::Queue { queue, responses } | Backend::WebSocket { queue, responses, .. } => {
            let envelope = QueueEnvelope {
                request_id,
                session_id,
                user_id: caller.id().to_owned(),
                message: chat.message,
                reply_to: ReplyTarget::Poll,
                submitted_at_ms: agentcdk_runtime::time::now_millis(),
            };
            enqueue(queue, responses, &envelope).await.map_err(from_response)?;
            Ok(json(&task(envelope.request_id, envelope.session_id, TaskState::Submitted, None)))
        }
    }
}

fn task(id: String, context_id: String, state: TaskState, outcome: Option<Result<String, String>>) -> Task {
    let (message, artifacts) = match outcome {
        Some(Ok(reply)) => (None, vec![Artifact::reply(reply)]),
        Some(Err(reason)) => (Some(Message::agent(reason, Some(context_id.clone()), Some(id.clone()))), Vec::new()),
        None => (None, Vec::new()),
    };
    Task { kind: TaskKind::Kind, id, context_id, status: TaskStatus { state, message, timestamp: None }, artifacts }
}

/// The caller's task `id` from the responses table; TaskNotFound for anything else (a
/// malformed id, another user's task, Sync mode) — never a hint that it exists.
async fn owned_task(app: &App, caller: &Caller, id: &str) -> Result<Task, A2aError> {
    let responses = match &app.backend {
        Backend::Queue { responses, .. } | Backend::WebSocket { responses, .. } => responses,
        Backend::Sync { .. } => return Err(A2aError::TaskNotFound),
    };
    if !is_valid_id(id) {
        return Err(A2aError::TaskNotFound);
    }
    let stored = match responses.get(id).await {
        Ok(Some(item)) if item.user_id == caller.id() => item.response,
        Ok(_) => return Err(A2aError::TaskNotFound),
        Err(e) => return Err(from_response(store_failure(&e))),
    };
    let (state, outcome) = match stored.state {
        ResponseState::Pending => (TaskState::Working, None),
        ResponseState::Completed { reply } => (TaskState::Completed, Some(Ok(reply))),
        ResponseState::Failed { reason } => (TaskState::Failed, Some(Err(reason))),
    };
    Ok(task(stored.request_id, stored.session_id, state, outcome))
}
