//! The queued backend (Queue, WebSocket): a light request handler enqueues, the runner runs the
//! agent off the input queue, the response handler stores (and pushes) the replies.

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::env;
use agentcdk_contract::events::COMPLETION_EVENT_BUS;
use agentcdk_synth::prelude::*;

use super::base::{Base, LONG_RUN_TIMEOUT};
use super::handles::Queued;
use super::props::QueueOptions;
use crate::lambda::{Code, Function, FunctionProps};
use crate::patterns::queue_pipeline::{QueuePipeline, QueuePipelineProps};

/// Declares the request handler (`AGENT_MODE` = `mode`), the runner, the response handler and
/// the pipeline between them; returns the request handler and the backend.
pub(super) fn build(scope: &mut Scope, base: &Base<'_, '_>, options: QueueOptions, mode: env::AgentMode) -> (Function, Queued) {
    let props = base.props;
    let request_handler = base.queueing_handler(scope, mode);
    let runner = Function::new(
        &mut scope.scope("Runner"),
        FunctionProps {
            memory_mb: props.memory_mb,
            timeout: props.timeout.unwrap_or(LONG_RUN_TIMEOUT),
            reserved_concurrency: props.reserved_concurrency,
            ..base.function_props(props.runner.clone(), "Agent runs", base.agent_env.clone())
        },
    );
    base.runs_agent(scope, &runner);
    if let Some(bus) = &props.completion_events {
        bus.grant_put_events(scope.stack(), &runner);
        runner.add_environment(scope.stack(), COMPLETION_EVENT_BUS, bus.name());
    }
    let response_handler = Function::new(
        &mut scope.scope("ResponseHandler"),
        FunctionProps {
            timeout: Duration::from_secs(30),
            ..base.function_props(Code::handler(Artifact::ResponseHandler), "Agent replies", BTreeMap::new())
        },
    );
    let pipeline = QueuePipeline::new(
        &mut scope.scope("Pipeline"),
        QueuePipelineProps {
            fifo: options.fifo,
            max_receive_count: options.max_receive_count,
            batch_size: options.batch_size,
            max_concurrency: options.max_concurrency,
            response_ttl: options.response_ttl,
            encryption: props.encryption,
            ..QueuePipelineProps::new(&request_handler, &runner, &response_handler)
        },
    );
    (request_handler, Queued { runner, response_handler, pipeline })
}
