//! What a built agent hands out, by front door ([`Endpoint`]) and backend ([`Backend`]): each
//! variant holds exactly the constructs its mode has, so nothing is an `Option` that is `None`
//! in some modes.

use agentcdk_contract::routes::Routes;
use agentcdk_synth::prelude::*;

use crate::apigw::rest::RestApi;
use crate::function_url::FunctionUrl;
use crate::lambda::Function;
use crate::patterns::queue_pipeline::QueuePipeline;
use crate::patterns::ws_api::WsApi;

/// What clients call.
// One per agent, built once: unboxed variants keep user code's matches plain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Endpoint {
    /// A REST API (Sync, Queue, and Stream over REST).
    Rest(RestEndpoint),
    /// A response-streaming Function URL (Stream over a Function URL).
    FunctionUrl(FunctionUrl),
    /// A WebSocket API (WebSocket mode).
    WebSocket(WsApi),
}

impl Endpoint {
    /// The URL clients call: the chat endpoint of the REST API (`https://…/agents/api/v1/chat`),
    /// the Function URL, or the WebSocket URL (`wss://…/agents`). For `stack.output`.
    pub fn url(&self) -> Expr {
        match self {
            Endpoint::Rest(rest) => rest.url(),
            Endpoint::FunctionUrl(url) => url.url(),
            Endpoint::WebSocket(ws) => ws.url(),
        }
    }
}

/// The REST front door: the API and the agent's routes on it.
#[derive(Clone, Debug, PartialEq)]
pub struct RestEndpoint {
    /// The API (its stage, methods, authorizer).
    pub api: RestApi,
    pub(super) routes: Routes,
}

impl RestEndpoint {
    /// The chat endpoint's URL.
    pub fn url(&self) -> Expr {
        self.api.url_for(self.routes.chat())
    }

    /// The chat endpoint's path, e.g. `/api/v1/chat`.
    pub fn chat_path(&self) -> &str {
        self.routes.chat()
    }
}

/// What runs the agent.
// One per agent, built once: an unboxed variant keeps user code's matches plain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Backend {
    /// The function answering requests runs the agent itself (Sync, Stream).
    Inline,
    /// A queue pipeline runs it (Queue, WebSocket).
    Queued(Queued),
}

/// The queued backend: the request handler enqueues, the runner runs the agent, the response
/// handler stores (and in WebSocket mode pushes) the replies.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    /// The agent runner.
    pub runner: Function,
    /// The response handler.
    pub response_handler: Function,
    /// The queues, the responses table and the reply bucket.
    pub pipeline: QueuePipeline,
}
