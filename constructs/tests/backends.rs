//! Agent backends (`AgentProps::backend`): in every mode the function that runs the turn is
//! told the backend (`AGENT_BACKEND`, parsed back into the handlers' contract type) instead of
//! the model, may invoke exactly that backend and nothing of Bedrock's, and no other function
//! may; builtin-loop settings on a delegated agent are reported.

use std::time::Duration;

use agentcdk::assertions::Template;
use agentcdk::codes;
use agentcdk::contract::backend::{parse_backend, BackendConfig};
use agentcdk::contract::env;
use agentcdk::prelude::*;
use agentcdk::Severity;
use serde_json::{json, Value as Json};

mod common;
use common::{diagnostics, every_mode, jwt, runtime_props, substitute, synth};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn backend_function(s: &mut Stack) -> Function {
    Function::new(
        &mut s.scope("PyAgent"),
        FunctionProps { code: Code::handler("bench-hello"), timeout: Duration::from_secs(60), ..Default::default() },
    )
}

/// The agent in `mode` with `backend` (made in the stack by `make`), and the ARN intrinsic of
/// the backend.
fn agent_with<B>(
    mode: Mode,
    make: impl FnOnce(&mut Stack) -> B,
    backend: impl FnOnce(&B) -> AgentBackend<'_>,
) -> (Template, ServerlessAgent) {
    let (t, agent) = synth(|s| {
        let made = make(s);
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        let access = match mode {
            Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }) => Access::Iam,
            _ => Access::Authorizer(&auth),
        };
        let props = AgentProps { mode, ..AgentProps::with_backend(backend(&made), access) };
        ServerlessAgent::new(&mut s.scope("Agent"), props)
    });
    (t, agent)
}

fn env_of<'t>(t: &'t Template, logical_id: &str, name: &str) -> Option<&'t Json> {
    t.resource_by_id(logical_id).property(&format!("/Environment/Variables/{name}"))
}

#[test]
fn a_function_backend_is_told_and_invocable_by_the_turn_runner_alone_in_every_mode() {
    for mode in every_mode() {
        let (t, agent) = agent_with(mode, backend_function, |f| AgentBackend::Function(f));
        let runs_turn = common::runner(&agent).function.logical_id().to_owned();
        let backend_id = t
            .resources_of("AWS::Lambda::Function")
            .into_iter()
            .find(|f| f.logical_id.starts_with("PyAgent"))
            .expect("backend")
            .logical_id
            .to_owned();
        let arn = json!({"Fn::GetAtt": [backend_id.clone(), "Arn"]});
        for f in t.resources_of("AWS::Lambda::Function") {
            let told = env_of(&t, f.logical_id, env::AGENT_BACKEND);
            assert_eq!(told.is_some(), f.logical_id == runs_turn, "{mode:?}: {} AGENT_BACKEND", f.logical_id);
            assert_eq!(env_of(&t, f.logical_id, env::MODEL_ID), None, "{mode:?}: {} is told no model", f.logical_id);
            t.assert_cannot(f.logical_id, "bedrock:InvokeModel");
            t.assert_cannot(f.logical_id, "bedrock:InvokeModelWithResponseStream");
            if f.logical_id == runs_turn {
                let sample =
                    |i: &Json| format!("arn:aws:lambda:us-east-1:123456789012:function:{}", i["Fn::GetAtt"][0].as_str().expect("GetAtt"));
                let config = parse_backend(&substitute(told.expect("told"), sample)).expect("AGENT_BACKEND is a BackendConfig");
                assert_eq!(config, BackendConfig::Function { arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{backend_id}") });
                t.assert_can_exactly(f.logical_id, "lambda:InvokeFunction", [arn.clone()]);
            } else {
                t.assert_cannot(f.logical_id, "lambda:InvokeFunction");
            }
        }
    }
}

#[test]
fn an_agentcore_backend_is_invocable_on_its_runtime_and_default_endpoint_in_every_mode() {
    for mode in every_mode() {
        let make = |s: &mut Stack| AgentCoreRuntime::new(&mut s.scope("Runtime"), runtime_props(false, &[]));
        let (t, agent) = agent_with(mode, make, |r| AgentBackend::AgentCore(r));
        let runs_turn = common::runner(&agent).function.logical_id().to_owned();
        let runtime = t.resources_of("AWS::BedrockAgentCore::Runtime").next().expect("runtime").logical_id.to_owned();
        let runtime_arn = json!({"Fn::GetAtt": [runtime.clone(), "AgentRuntimeArn"]});
        let endpoint = json!({"Fn::Sub": ["${Runtime}/runtime-endpoint/DEFAULT", {"Runtime": runtime_arn.clone()}]});
        t.assert_can_exactly(runs_turn.as_str(), "bedrock-agentcore:InvokeAgentRuntime", [runtime_arn.clone(), endpoint]);
        t.assert_cannot(runs_turn.as_str(), "bedrock:InvokeModel");
        let sample = |_: &Json| "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r-1".to_owned();
        let config = parse_backend(&substitute(env_of(&t, &runs_turn, env::AGENT_BACKEND).expect("told"), sample)).expect("parses");
        assert_eq!(
            config,
            BackendConfig::AgentCore { arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r-1".into(), qualifier: None }
        );
        for f in t.resources_of("AWS::Lambda::Function").filter(|f| f.logical_id != runs_turn) {
            t.assert_cannot(f.logical_id, "bedrock-agentcore:InvokeAgentRuntime");
        }
    }
}

#[test]
fn the_builtin_backend_is_the_default_and_unchanged() {
    let (t, agent) = synth(|s| ServerlessAgent::new(&mut s.scope("Agent"), AgentProps::new(Model::bedrock(MODEL), Access::Public)));
    let id = agent.request_handler.function.logical_id();
    assert_eq!(AgentProps::new(Model::bedrock(MODEL), Access::Public).backend, AgentBackend::Builtin);
    assert!(env_of(&t, id, env::AGENT_BACKEND).is_none());
    assert!(env_of(&t, id, env::MODEL_ID).is_some());
    t.assert_can(id, "bedrock:InvokeModel", agentcdk::assertions::any_value());
}

#[test]
fn builtin_settings_on_a_delegated_agent_are_reported_all_at_once() {
    let found = diagnostics(|s| {
        let f = backend_function(s);
        let props = AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            backend: AgentBackend::Function(&f),
            system_prompt: "be nice".into(),
            max_turns: Some(3),
            tools: vec![ToolSource::mcp("https://tools.example.com/mcp", McpAuth::None)],
            token_alarm: Some(1_000_000),
            ..AgentProps::new(Model::bedrock(MODEL), Access::Public)
        };
        ServerlessAgent::new(&mut s.scope("Agent"), props);
    });
    let got: Vec<_> = found.iter().map(|d| (d.code, d.severity, d.path.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (codes::AGENT_BACKEND_IGNORED, Severity::Error, "S/Agent"),
            (codes::AGENT_BACKEND_IGNORED, Severity::Error, "S/Agent"),
            (codes::AGENT_BACKEND_IGNORED, Severity::Error, "S/Agent"),
            (codes::AGENT_BACKEND_IGNORED, Severity::Error, "S/Agent"),
            (codes::AGENT_BACKEND_MODEL, Severity::Warning, "S/Agent"),
        ],
        "{found:?}"
    );
    assert!(found.iter().all(|d| d.hint.as_deref().is_some_and(|h| !h.is_empty())));
}

#[test]
fn a_jwt_runtime_cannot_be_a_backend() {
    let found = diagnostics(|s| {
        let r = AgentCoreRuntime::new(&mut s.scope("Runtime"), runtime_props(true, &[]));
        ServerlessAgent::new(&mut s.scope("Agent"), AgentProps::with_backend(AgentBackend::AgentCore(&r), Access::Public));
    });
    let got: Vec<_> = found.iter().map(|d| (d.code, d.path.as_str())).collect();
    assert_eq!(got, vec![(codes::AGENT_BACKEND_RUNTIME_AUTH, "S/Agent")], "{found:?}");
}

#[test]
fn a_backend_function_that_outlives_the_turn_is_a_warning() {
    let found = diagnostics(|s| {
        let f = backend_function(s); // 60 s, beyond Sync's 29 s
        ServerlessAgent::new(&mut s.scope("Agent"), AgentProps::with_backend(AgentBackend::Function(&f), Access::Public));
    });
    let got: Vec<_> = found.iter().map(|d| (d.code, d.severity)).collect();
    assert_eq!(got, vec![(codes::AGENT_BACKEND_TIMEOUT, Severity::Warning)], "{found:?}");
    let queued = diagnostics(|s| {
        let f = backend_function(s); // 60 s, within Queue's 5 minutes
        let props = AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            ..AgentProps::with_backend(AgentBackend::Function(&f), Access::Public)
        };
        ServerlessAgent::new(&mut s.scope("Agent"), props);
    });
    assert!(queued.is_empty(), "{queued:?}");
}
