//! Queue mode: a REST API whose `POST` answers 202 with a request id and whose
//! `GET …/responses/{request_id}` polls; the queued backend runs the agent.

use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::base::{Base, Built, Handler};
use super::handles::{Backend, Endpoint};
use super::props::QueueOptions;
use super::queued;
use super::rest::{self, Chat};

/// Declares the queued backend and the REST API.
pub(super) fn build(scope: &mut Scope, base: &Base<'_, '_>, options: QueueOptions) -> Built {
    let (request_handler, backend) = queued::build(scope, base, options, env::AgentMode::Queue);
    let api = rest::front_door(scope, base, &request_handler, Chat::Polled);
    Built { handler: Handler::Request, request_handler, endpoint: Endpoint::Rest(api), backend: Backend::Queued(backend) }
}
