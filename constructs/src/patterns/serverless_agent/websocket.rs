//! WebSocket mode: a WebSocket API whose `$connect` the Lambda authorizer guards; messages are
//! queued, replies pushed to every connection of the user.

use crate::codes;
use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::base::{Base, Built, Handler};
use super::handles::{Backend, Endpoint};
use super::props::QueueOptions;
use super::queued;
use crate::patterns::ws_api::{WsApi, WsApiProps};

/// Declares the queued backend and the WebSocket API (`WebSocket` in `scope`). Without a Lambda
/// authorizer (`Access::Iam` or `Access::Public`) the `WsApi` reports the error: anyone could
/// connect and receive pushed replies.
pub(super) fn build(scope: &mut Scope, base: &Base<'_, '_>, options: QueueOptions) -> Built {
    let props = base.props;
    if !props.routes.is_empty() {
        scope.error(
            codes::AGENT_ROUTES_WITHOUT_REST,
            "custom routes on a WebSocket agent",
            "routes need a REST API: use Mode::Sync, Mode::Queue or Mode::Stream",
        );
    }
    if props.waf.is_some() {
        scope.error(
            codes::WAF_FRONT_DOOR,
            "WAF on a WebSocket API",
            "AWS WAF protects REST APIs, not WebSocket APIs: use Mode::Queue or Mode::Stream for a WAF, or waf: None",
        );
    }
    let (request_handler, backend) = queued::build(scope, base, options, env::AgentMode::WebSocket);
    let ws = WsApi::new(
        &mut scope.scope("WebSocket"),
        WsApiProps { encryption: props.encryption, ..WsApiProps::new(props.access.authorizer(), &request_handler) },
    );
    ws.grant_reply(scope.stack(), &request_handler);
    ws.grant_push(scope.stack(), &backend.response_handler);
    Built { handler: Handler::Request, request_handler, endpoint: Endpoint::WebSocket(ws), backend: Backend::Queued(backend) }
}
