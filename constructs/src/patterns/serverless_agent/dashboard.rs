//! The agent's CloudWatch dashboard (`AgentProps::dashboard`) and token budget alarm
//! (`AgentProps::token_alarm`).
//!
//! Rows: the front door (requests, latency, errors: `AWS/ApiGateway` for REST and WebSocket
//! APIs, the `Url*` metrics of `AWS/Lambda` for a Function URL); every function (duration,
//! errors, throttles); the queues in queued modes (depth, oldest message age, dead-letter
//! depth); the handlers' own metrics ([`agentcdk_contract::metrics`]: tokens per model, model
//! latency, runs by outcome, turns and tool calls, queue wait).

use agentcdk_contract::metrics::{Dimension, Metric, NAMESPACE};
use agentcdk_synth::cfn::sns::Topic;
use agentcdk_synth::prelude::*;
use serde_json::json;

use super::base::Built;
use super::handles::{Backend, Endpoint};
use super::props::AgentProps;
use crate::dashboard::{DashboardBody, Line};
use crate::lambda::Function;
use crate::sqs::Queue;

/// Construct id of the dashboard.
pub const DASHBOARD_ID: &str = "Dashboard";
/// Construct id of the token budget alarm.
pub const TOKEN_ALARM_ID: &str = "TokenAlarm";

/// Five minutes: the period of the dashboard's graphs.
const PERIOD: u32 = 300;

/// Declares the dashboard of the agent `agent` (its metrics name).
pub(super) fn dashboard(scope: &mut Scope, props: &AgentProps<'_>, built: &Built, agent: &str) {
    let mut body = DashboardBody::new();
    front_door(&mut body, &built.endpoint, &built.request_handler);
    body.row();
    functions(&mut body, &agent_functions(built));
    if let Backend::Queued(q) = &built.backend {
        body.row();
        queues(&mut body, &[("input", &q.pipeline.input), ("output", &q.pipeline.output)]);
    }
    body.row();
    let model = props.backend.is_builtin().then_some(props.model.id.as_str());
    agent_metrics(&mut body, agent, model, matches!(built.backend, Backend::Queued(_)));
    let id = scope.id().to_owned();
    let name =
        id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_').then(|| Expr::sub(format!("${{AWS::StackName}}-{id}")));
    body.add(scope, DASHBOARD_ID, name);
}

/// Declares the token budget alarm, to `topic` when given.
pub(super) fn token_alarm(scope: &mut Scope, props: &AgentProps<'_>, agent: &str, topic: Option<&ResourceRef<Topic>>) {
    if let Some(per_hour) = props.token_alarm {
        crate::cloudwatch::token_alarm(scope, TOKEN_ALARM_ID, (agent, &props.model.id), per_hour, topic);
    }
}

/// The agent's functions, named for the graphs' legends.
fn agent_functions(built: &Built) -> Vec<(&'static str, &Function)> {
    let mut out = vec![(built.handler.id(), &built.request_handler)];
    if let Backend::Queued(q) = &built.backend {
        out.push(("Runner", &q.runner));
        out.push(("ResponseHandler", &q.response_handler));
    }
    if let Endpoint::WebSocket(ws) = &built.endpoint {
        out.push(("ConnectionHandler", &ws.connection_handler));
    }
    out
}

/// Requests, latency and errors of the front door (`handler` answers it).
fn front_door(body: &mut DashboardBody, endpoint: &Endpoint, handler: &Function) {
    match endpoint {
        Endpoint::Rest(rest) => {
            let dims = [("ApiName", body.var(rest.api.name())), ("Stage", body.var(rest.api.stage_name.clone()))];
            let m = |b: &mut DashboardBody, name: &str, label: &str| b.metric("AWS/ApiGateway", name, &dims, label);
            let requests = m(body, "Count", "requests");
            body.graph("Requests", vec![requests], "Sum", PERIOD);
            let (avg, p90) = (m(body, "Latency", "average"), m(body, "Latency", "p90"));
            body.graph("Latency (ms)", vec![avg, DashboardBody::with(p90, json!({"stat": "p90"}))], "Average", PERIOD);
            let errors = vec![m(body, "4XXError", "4xx"), m(body, "5XXError", "5xx")];
            body.graph("4xx and 5xx responses", errors, "Sum", PERIOD);
        }
        Endpoint::WebSocket(ws) => {
            let dims = [("ApiId", body.var(ws.api.api.reference())), ("Stage", body.var(ws.api.stage_name.clone()))];
            let m = |b: &mut DashboardBody, name: &str, label: &str| b.metric("AWS/ApiGateway", name, &dims, label);
            let requests = vec![m(body, "ConnectCount", "connections"), m(body, "MessageCount", "messages")];
            body.graph("Connections and messages", requests, "Sum", PERIOD);
            let latency = m(body, "IntegrationLatency", "integration");
            body.graph("Integration latency (ms)", vec![latency], "Average", PERIOD);
            let errors = vec![m(body, "ClientError", "4xx"), m(body, "ExecutionError", "5xx"), m(body, "IntegrationError", "integration")];
            body.graph("Errors", errors, "Sum", PERIOD);
        }
        Endpoint::FunctionUrl(_) => {
            let dims = [("FunctionName", body.var(handler.name()))];
            let m = |b: &mut DashboardBody, name: &str, label: &str| b.metric("AWS/Lambda", name, &dims, label);
            let requests = m(body, "UrlRequestCount", "requests");
            body.graph("Requests", vec![requests], "Sum", PERIOD);
            let (avg, p90) = (m(body, "UrlRequestLatency", "average"), m(body, "UrlRequestLatency", "p90"));
            body.graph("Latency (ms)", vec![avg, DashboardBody::with(p90, json!({"stat": "p90"}))], "Average", PERIOD);
            let errors = vec![m(body, "Url4xxCount", "4xx"), m(body, "Url5xxCount", "5xx")];
            body.graph("4xx and 5xx responses", errors, "Sum", PERIOD);
        }
    }
}

/// Duration, errors and throttles of every function.
fn functions(body: &mut DashboardBody, functions: &[(&str, &Function)]) {
    let names: Vec<(&str, String)> = functions.iter().map(|(label, f)| (*label, body.var(f.name()))).collect();
    let lines = |b: &mut DashboardBody, metric: &str| -> Vec<Line> {
        names.iter().map(|(label, name)| b.metric("AWS/Lambda", metric, &[("FunctionName", name.clone())], label)).collect()
    };
    let duration = lines(body, "Duration");
    body.graph("Function duration (ms, p90)", duration, "p90", PERIOD);
    let errors = lines(body, "Errors");
    body.graph("Function errors", errors, "Sum", PERIOD);
    let throttles = lines(body, "Throttles");
    body.graph("Function throttles", throttles, "Sum", PERIOD);
}

/// Depth and oldest message age of the queues, and the depth of their dead-letter queues.
fn queues(body: &mut DashboardBody, queues: &[(&str, &Queue)]) {
    let mut depth = Vec::new();
    let mut age = Vec::new();
    let mut dead = Vec::new();
    for (label, q) in queues {
        let name = body.var(q.name());
        depth.push(body.metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", &[("QueueName", name.clone())], label));
        age.push(body.metric("AWS/SQS", "ApproximateAgeOfOldestMessage", &[("QueueName", name)], label));
        if let Some(dlq) = q.dead_letter() {
            let name = body.var(dlq.name());
            dead.push(body.metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", &[("QueueName", name)], &format!("{label} DLQ")));
        }
    }
    body.graph("Queue depth", depth, "Maximum", PERIOD);
    body.graph("Oldest message age (s)", age, "Maximum", PERIOD);
    if !dead.is_empty() {
        body.graph("Dead-letter queue depth", dead, "Maximum", PERIOD);
    }
}

/// The handlers' metrics: runs, in queued modes the queue wait, and with the builtin loop
/// (`model`: its id) tokens per model, model latency, turns and tool calls (a delegated backend
/// reports only its runs' outcomes).
fn agent_metrics(body: &mut DashboardBody, agent: &str, model: Option<&str>, queued: bool) {
    let a = body.var(agent.to_owned());
    let per_agent = [(Dimension::Agent.as_str(), a.clone())];
    if let Some(model) = model {
        let per_model = [(Dimension::Agent.as_str(), a), (Dimension::Model.as_str(), body.var(model.to_owned()))];
        let tokens = vec![
            body.metric(NAMESPACE, Metric::InputTokens.as_str(), &per_model, &format!("input {model}")),
            body.metric(NAMESPACE, Metric::OutputTokens.as_str(), &per_model, &format!("output {model}")),
        ];
        body.graph("Tokens per model", tokens, "Sum", PERIOD);
        let latency = body.metric(NAMESPACE, Metric::ModelLatency.as_str(), &per_model, "p90");
        body.graph("Model call latency (ms, p90)", vec![latency], "p90", PERIOD);
    }
    let runs = vec![
        body.metric(NAMESPACE, Metric::RunsCompleted.as_str(), &per_agent, "completed"),
        body.metric(NAMESPACE, Metric::RunsFailed.as_str(), &per_agent, "failed"),
    ];
    body.graph("Runs", runs, "Sum", PERIOD);
    if model.is_some() {
        let loop_lines = vec![
            body.metric(NAMESPACE, Metric::Turns.as_str(), &per_agent, "turns"),
            body.metric(NAMESPACE, Metric::ToolCalls.as_str(), &per_agent, "tool calls"),
            body.metric(NAMESPACE, Metric::ToolErrors.as_str(), &per_agent, "tool errors"),
        ];
        body.graph("Turns and tool calls", loop_lines, "Sum", PERIOD);
    }
    if queued {
        let wait = body.metric(NAMESPACE, Metric::QueueWait.as_str(), &per_agent, "p90");
        body.graph("Queue wait (ms, p90)", vec![wait], "p90", PERIOD);
    }
}
