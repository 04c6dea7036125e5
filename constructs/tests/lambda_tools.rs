//! Lambda functions called directly as tools (`ToolSource::lambda`): `LAMBDA_TOOLS` parses back
//! into the handlers' contract type, every function that runs the agent (whatever the mode) may
//! `lambda:InvokeFunction` on that function alone and no other function may, and every mistake
//! in a tool's spec has its code.

use std::time::Duration;

use agentcdk::assertions::Template;
use agentcdk::codes;
use agentcdk::contract::env;
use agentcdk::contract::tools::{parse_lambda_tools, LambdaToolConfig};
use agentcdk::prelude::*;
use agentcdk::DiagnosticCode;
use serde_json::{json, Value as Json};

mod common;
use common::{diagnostics, every_mode, substitute, synth};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const EXTERNAL: &str = "arn:aws:lambda:us-east-1:123456789012:function:weather";

fn weather_spec() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: "Current weather for a city (${city} is literal)".into(),
        input_schema: json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    }
}

fn function(s: &mut Stack, id: &str) -> Function {
    Function::new(
        &mut s.scope(id),
        FunctionProps { code: Code::handler("bench-hello"), timeout: Duration::from_secs(20), ..Default::default() },
    )
}

/// A sample ARN naming the function of `{"Fn::GetAtt": [fn, "Arn"]}`.
fn function_arn(intrinsic: &Json) -> String {
    let id = intrinsic["Fn::GetAtt"][0].as_str().expect("GetAtt [fn, Arn]");
    assert_eq!(intrinsic["Fn::GetAtt"][1], "Arn");
    format!("arn:aws:lambda:us-east-1:123456789012:function:{id}")
}

fn lambda_tools(t: &Template, logical_id: &str) -> Option<Json> {
    t.resource_by_id(logical_id).property(&format!("/Environment/Variables/{}", env::LAMBDA_TOOLS)).cloned()
}

#[test]
fn lambda_tools_parse_back_into_the_contract_type() {
    let (t, (agent, weather)) = synth(|s| {
        let weather = function(s, "Weather");
        let props = AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            tools: vec![
                ToolSource::lambda(&weather, weather_spec()),
                ToolSource::lambda_arn(EXTERNAL, ToolSpec { name: "ping".into(), ..weather_spec() })
                    .timeout(Duration::from_secs(3))
                    .max_result_bytes(100),
                ToolSource::mcp("https://tools.example.com/mcp", McpAuth::None),
            ],
            ..AgentProps::new(Model::bedrock(MODEL), Access::Public)
        };
        (ServerlessAgent::new(&mut s.scope("Agent"), props), weather)
    });
    let Backend::Queued(q) = agent.backend() else { panic!("queued") };
    let value = lambda_tools(&t, q.runner.function.logical_id()).expect("the runner is told its Lambda tools");
    let tools = parse_lambda_tools(&substitute(&value, function_arn)).expect("LAMBDA_TOOLS is a list of LambdaToolConfig");
    let spec = weather_spec();
    assert_eq!(
        tools,
        vec![
            LambdaToolConfig {
                name: spec.name.clone(),
                description: spec.description.clone(),
                input_schema: spec.input_schema.clone(),
                function_name: format!("arn:aws:lambda:us-east-1:123456789012:function:{}", weather.function.logical_id()),
                timeout_seconds: Some(25),
                max_result_bytes: None,
            },
            LambdaToolConfig {
                name: "ping".into(),
                description: spec.description,
                input_schema: spec.input_schema,
                function_name: EXTERNAL.into(),
                timeout_seconds: Some(3),
                max_result_bytes: Some(100),
            },
        ],
        "the function's timeout + 5 s unless set; literal ${{ kept through Fn::Sub"
    );
    let mcp = t.resource_by_id(q.runner.function.logical_id()).property(&format!("/Environment/Variables/{}", env::MCP_SERVERS)).cloned();
    assert_eq!(mcp, Some(json!(r#"[{"url":"https://tools.example.com/mcp","auth":{"type":"none"}}]"#)), "MCP sources stay in MCP_SERVERS");
}

#[test]
fn only_an_arn_tool_is_a_plain_string() {
    let (t, agent) = synth(|s| {
        let props = AgentProps {
            tools: vec![ToolSource::lambda_arn(EXTERNAL, weather_spec())],
            ..AgentProps::new(Model::bedrock(MODEL), Access::Public)
        };
        ServerlessAgent::new(&mut s.scope("Agent"), props)
    });
    let value = lambda_tools(&t, agent.request_handler.function.logical_id()).expect("the Sync handler runs the agent");
    let tools = parse_lambda_tools(value.as_str().expect("no intrinsic: a plain string")).expect("parses");
    assert_eq!((tools[0].function_name.as_str(), tools[0].timeout_seconds), (EXTERNAL, None));
    assert_eq!(tools[0].description, weather_spec().description, "nothing escaped outside Fn::Sub");
    assert!(!t.json().to_string().contains(env::MCP_SERVERS), "no MCP source, no MCP_SERVERS");
}

#[test]
fn every_mode_grants_invoke_on_that_function_alone_to_the_functions_that_run_the_agent() {
    for mode in every_mode() {
        let (t, (agent, weather)) = synth(|s| {
            let weather = function(s, "Weather");
            let _other = function(s, "Other");
            let auth = LambdaAuthorizer::jwt(
                &mut s.scope("Auth"),
                JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["api".into()], ..Default::default() },
            );
            let access = match mode {
                Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }) => Access::Iam,
                _ => Access::Authorizer(&auth),
            };
            let props = AgentProps {
                mode,
                tools: vec![ToolSource::lambda(&weather, weather_spec())],
                ..AgentProps::new(Model::bedrock(MODEL), access)
            };
            (ServerlessAgent::new(&mut s.scope("Agent"), props), weather)
        });
        let runs_agent = match agent.backend() {
            Backend::Queued(q) => q.runner.function.logical_id().to_owned(),
            Backend::Inline => agent.request_handler.function.logical_id().to_owned(),
        };
        let arn = json!({"Fn::GetAtt": [weather.function.logical_id(), "Arn"]});
        for f in t.resources_of("AWS::Lambda::Function") {
            let told = f.property(&format!("/Environment/Variables/{}", env::LAMBDA_TOOLS)).is_some();
            assert_eq!(told, f.logical_id == runs_agent, "{mode:?}: {} LAMBDA_TOOLS", f.logical_id);
            if f.logical_id == runs_agent {
                let invoke: Vec<_> = t.statements_of(f.logical_id).into_iter().filter(|s| s.allows("lambda:InvokeFunction")).collect();
                assert_eq!(invoke.len(), 1, "{mode:?}: {invoke:?}");
                assert_eq!(invoke[0].actions, vec!["lambda:InvokeFunction".to_owned()], "{mode:?}: exactly the one action");
                assert_eq!(invoke[0].resources, vec![arn.clone()], "{mode:?}: that function's ARN alone");
                assert_eq!(invoke[0].condition, None);
            } else {
                t.assert_cannot(f.logical_id, "lambda:InvokeFunction");
            }
        }
    }
}

#[track_caller]
fn expect_codes(tools: impl FnOnce(&Function) -> Vec<ToolSource>, expected: &[DiagnosticCode]) {
    let found = diagnostics(|s| {
        let weather = function(s, "Weather");
        let props = AgentProps { tools: tools(&weather), ..AgentProps::new(Model::bedrock(MODEL), Access::Public) };
        ServerlessAgent::new(&mut s.scope("Agent"), props);
    });
    let got: Vec<_> = found.iter().map(|d| d.code).collect();
    assert_eq!(got, expected, "{}", found.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
    assert!(found.iter().all(|d| d.path == "S/Agent" && d.hint.as_deref().is_some_and(|h| !h.is_empty())), "{found:?}");
}

#[test]
fn bad_specs_and_clashes_have_their_codes() {
    let spec = weather_spec;
    let with_schema = |schema: Json| ToolSpec { input_schema: schema, ..weather_spec() };
    expect_codes(|f| vec![ToolSource::lambda(f, spec())], &[]);
    expect_codes(|f| vec![ToolSource::lambda(f, ToolSpec { name: "get weather".into(), ..spec() })], &[codes::TOOLS_LAMBDA_SPEC]);
    expect_codes(|f| vec![ToolSource::lambda(f, ToolSpec { description: " ".into(), ..spec() })], &[codes::TOOLS_LAMBDA_SPEC]);
    expect_codes(|f| vec![ToolSource::lambda(f, with_schema(json!("object")))], &[codes::TOOLS_LAMBDA_SPEC]);
    expect_codes(|f| vec![ToolSource::lambda(f, with_schema(json!({"type": "string"})))], &[codes::TOOLS_LAMBDA_SPEC]);
    expect_codes(
        |f| vec![ToolSource::lambda(f, with_schema(json!({"type": "object", "properties": {"city": "string"}})))],
        &[codes::TOOLS_LAMBDA_SPEC],
    );
    expect_codes(
        |f| vec![ToolSource::lambda(f, with_schema(json!({"type": "object", "properties": {}, "required": ["city", 3]})))],
        &[codes::TOOLS_LAMBDA_SPEC, codes::TOOLS_LAMBDA_SPEC],
    );
    expect_codes(|f| vec![ToolSource::lambda(f, spec()), ToolSource::lambda_arn(EXTERNAL, spec())], &[codes::TOOLS_NAME_CLASH]);
    expect_codes(
        |f| vec![ToolSource::mcp("https://a/mcp", McpAuth::None).allow(["get_weather"]), ToolSource::lambda(f, spec())],
        &[codes::TOOLS_NAME_CLASH],
    );
    expect_codes(
        |f| vec![ToolSource::lambda(f, spec()).allow(["x"]).with_auth(McpAuth::None)],
        &[codes::TOOLS_LAMBDA_OPTION, codes::TOOLS_LAMBDA_OPTION],
    );
    expect_codes(|f| vec![ToolSource::lambda(f, spec()).timeout(Duration::ZERO)], &[codes::TOOLS_BOUNDS]);
}
