//! Sync mode: a REST API whose request handler runs the agent and returns the reply, within
//! API Gateway's 29 s integration timeout.

use crate::codes;
use std::time::Duration;

use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::base::{Base, Built, Handler};
use super::handles::{Backend, Endpoint};
use super::rest::{self, Chat};

/// API Gateway REST's integration timeout: a Sync agent must answer within it.
pub const REST_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

/// Declares the request handler and the REST API.
pub(super) fn build(scope: &mut Scope, base: &Base<'_, '_>) -> Built {
    if let Some(t) = base.props.timeout.filter(|t| *t > REST_INTEGRATION_TIMEOUT) {
        scope.error(
            codes::AGENT_SYNC_TIMEOUT,
            format!("Sync agent timeout {t:?} is above API Gateway's 29 s integration timeout"),
            "long agent runs belong in Mode::Queue; the runner's timeout bounds one model turn loop",
        );
    }
    let handler = Handler::Request;
    let request_handler = base.inline_handler(scope, handler, base.api_env(env::AgentMode::Sync), REST_INTEGRATION_TIMEOUT);
    let api = rest::front_door(scope, base, &request_handler, Chat::Buffered);
    Built { handler, request_handler, endpoint: Endpoint::Rest(api), backend: Backend::Inline }
}
