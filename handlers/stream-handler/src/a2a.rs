//! A2A on a Stream-mode agent (when `A2A_CARD` is set): `GET` [`AGENT_CARD_PATH`] answers the
//! card (with `capabilities.streaming` as the constructs wrote it), `POST` [`RPC_PATH`] the
//! JSON-RPC methods:
//!
//! - `message/stream` (with `RESPONSE_MODE=stream`): an SSE stream of JSON-RPC responses, each
//!   with the request's id: the `Task` (`submitted`; id = request id, context = session id),
//!   `status-update` `working`, one `artifact-update` per text piece of the model (artifact
//!   `reply`, `append` after the first), then `status-update` `completed` — or `failed` with the
//!   chat route's fixed public message — with `final: true`. History is saved before
//!   `completed`, as for a chat turn.
//! - `message/send`: the same turn unstreamed, answered with a `Message`.
//! - `tasks/get`, `tasks/cancel`: TaskNotFound (-32001): a streamed turn keeps no task after
//!   its stream (the stream is the task's whole life).
//!
//! Caller, body limit and content type are checked as for a chat turn, with the same HTTP
//! answers before any JSON-RPC.

use std::sync::Arc;

use agentcdk_contract::a2a::{AGENT_CARD_PATH, RPC_PATH};
use agentcdk_contract::wire::{ChatRequest, ErrorCode, StreamEvent, STREAM_CONTENT_TYPE};
use agentcdk_runtime::a2a::protocol::{
    self, Artifact, ArtifactUpdateKind, Message, MessageSendParams, StatusUpdateKind, Task, TaskArtifactUpdateEvent, TaskKind, TaskState,
    TaskStatus, TaskStatusUpdateEvent,
};
use agentcdk_runtime::a2a::rpc::{self, A2aError, Method};
use agentcdk_runtime::http::{headers, streamed, Answer, Request, Response, ResponseMode};
use serde_json::Value;

use super::{admit, complete, load_turn, refuse, stream, App};

/// The answer to an A2A route, or `None` when `req` is not one (or A2A is off).
pub(crate) async fn route(app: &Arc<App>, req: &Request) -> Option<Answer> {
    let card = app.a2a.as_ref()?;
    let response = if req.path == AGENT_CARD_PATH {
        match req.method.as_str() {
            "GET" => Response::json(200, &protocol::card(card, req.origin.as_deref().unwrap_or_default())),
            _ => Response::error(ErrorCode::MethodNotAllowed, "use GET"),
        }
    } else if req.path == RPC_PATH {
        match req.method.as_str() {
            "POST" => return Some(rpc_answer(app, req).await),
            _ => Response::error(ErrorCode::MethodNotAllowed, "use POST"),
        }
    } else {
        return None;
    };
    Some(refuse(app, req.source, response))
}

async fn rpc_answer(app: &Arc<App>, req: &Request) -> Answer {
    let caller = match admit(app, req) {
        Ok(c) => c,
        Err(r) => return refuse(app, req.source, r),
    };
    let json = |v: Value| refuse(app, req.source, Response::json(200, &v));
    let call = match rpc::parse(&req.body) {
        Ok(call) => call,
        Err((id, e)) => return json(rpc::failure(&id, &e)),
    };
    let id = call.id;
    let turn = match call.method {
        Method::Get(_) | Method::Cancel(_) => return json(rpc::failure(&id, &A2aError::TaskNotFound)),
        Method::Stream(_) if app.mode != ResponseMode::Stream => {
            return json(rpc::failure(&id, &A2aError::UnsupportedOperation("this agent's front door does not stream; use message/send")))
        }
        Method::Send(ref p) | Method::Stream(ref p) => match chat(p) {
            Ok(chat) => load_turn(app, caller, chat).await,
            Err(e) => return json(rpc::failure(&id, &e)),
        },
    };
    let turn = match turn {
        Ok(t) => t,
        Err(r) => {
            let message = r.body["message"].as_str().unwrap_or("failed").to_owned();
            let e = if r.status < 500 { A2aError::InvalidParams(message) } else { A2aError::Internal(message) };
            return json(rpc::failure(&id, &e));
        }
    };
    if matches!(call.method, Method::Send(_)) {
        return json(match complete(app, turn).await {
            Ok(reply) => rpc::success(&id, &Message::agent(reply.reply, Some(reply.session_id), None)),
            Err(e) => rpc::failure(&id, &A2aError::Internal(e.message)),
        });
    }
    let (tx, response) = streamed(200, headers([("content-type", STREAM_CONTENT_TYPE), ("cache-control", "no-cache")]));
    let mut events = Events { id, task: String::new(), context: String::new(), pieces: 0 };
    tokio::spawn(stream(app.clone(), turn, tx, move |e: &StreamEvent| events.render(e)));
    Answer::StreamingResponse(response)
}

/// The chat turn a `message/send` or `message/stream` asks for.
fn chat(p: &MessageSendParams) -> Result<ChatRequest, A2aError> {
    let text = protocol::text_of(&p.message.parts).ok_or(A2aError::ContentTypeNotSupported("file parts are not accepted"))?;
    if p.message.task_id.is_some() {
        return Err(A2aError::UnsupportedOperation("a task takes one message: send a new message with the contextId instead"));
    }
    let chat = ChatRequest { message: text, session_id: p.message.context_id.clone() };
    chat.check().map_err(A2aError::InvalidParams)?;
    Ok(chat)
}

/// Turns the turn's [`StreamEvent`]s into A2A events of JSON-RPC request `id`.
#[derive(Debug)]
struct Events {
    id: Value,
    task: String,
    context: String,
    pieces: usize,
}

impl Events {
    fn render(&mut self, event: &StreamEvent) -> Option<String> {
        let status = |state, message: Option<Message>| TaskStatus { state, message, timestamp: None };
        let update = |this: &Self, state, message, last| {
            rpc::success(
                &this.id,
                &TaskStatusUpdateEvent {
                    kind: StatusUpdateKind::Kind,
                    task_id: this.task.clone(),
                    context_id: this.context.clone(),
                    status: status(state, message),
                    last,
                },
            )
        };
        let frames = match event {
            StreamEvent::Start { request_id, session_id } => {
                self.task.clone_from(request_id);
                self.context.clone_from(session_id);
                let task = Task {
                    kind: TaskKind::Kind,
                    id: request_id.clone(),
                    context_id: session_id.clone(),
                    status: status(TaskState::Submitted, None),
                    artifacts: Vec::new(),
                };
                vec![rpc::success(&self.id, &task), update(self, TaskState::Working, None, false)]
            }
            StreamEvent::Text { text } => {
                self.pieces += 1;
                let artifact = Artifact::reply(text.clone());
                vec![rpc::success(
                    &self.id,
                    &TaskArtifactUpdateEvent {
                        kind: ArtifactUpdateKind::Kind,
                        task_id: self.task.clone(),
                        context_id: self.context.clone(),
                        artifact,
                        append: self.pieces > 1,
                        last_chunk: false,
                    },
                )]
            }
            StreamEvent::Tool { .. } => return None,
            StreamEvent::Done { .. } => vec![update(self, TaskState::Completed, None, true)],
            StreamEvent::Error { error } => {
                let why = Message::agent(error.message.clone(), Some(self.context.clone()), Some(self.task.clone()));
                vec![update(self, TaskState::Failed, Some(why), true)]
            }
        };
        Some(frames.iter().map(|f| format!("data: {f}\n\n")).collect())
    }
}
