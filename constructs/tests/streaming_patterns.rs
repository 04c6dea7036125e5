//! The streaming constructs read back from their templates: what the handlers are told (env
//! vars from the contract), how clients reach them (Function URL or streamed REST method), and
//! exactly which permissions they get.

mod common;

use agentcdk::assertions::{absent, any_value, ends_with, Match};
use agentcdk::contract::{artifacts, env};
use agentcdk::object_like;
use agentcdk::prelude::*;
use common::{handler_asset_names, runtime_props, synth};
use serde_json::json;

fn runtime(jwt: bool) -> AgentCoreRuntimeProps {
    runtime_props(jwt, &["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant-Id"])
}

#[test]
fn stream_mode_over_a_function_url_streams_with_iam_auth() {
    let (t, agent) = synth(|s| {
        ServerlessAgent::new(
            &mut s.scope("A"),
            AgentProps {
                mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
                ..AgentProps::new(Model::bedrock("anthropic.claude-3-haiku-20240307-v1:0"), Access::Iam)
            },
        )
    });
    let f = &agent.request_handler;
    t.resource_count_is("AWS::Lambda::Function", 1);
    t.resource_count_is("AWS::Lambda::Url", 1);
    let Endpoint::FunctionUrl(function_url) = agent.endpoint() else { panic!("Stream over a URL has a Function URL") };
    assert_eq!(agent.backend(), &Backend::Inline);
    let url = &function_url.url;
    t.resource_has_properties(url, json!({"InvokeMode": "RESPONSE_STREAM", "AuthType": "AWS_IAM", "TargetFunctionArn": f.arn()}));
    t.resource_count_is("AWS::Lambda::Permission", 0); // an IAM URL has no resource-based permission
    t.resource_count_is("AWS::ApiGateway::RestApi", 0);
    t.resource_has_properties(
        f,
        object_like! {
            // Stream mode default: 5 minutes.
            "Timeout" => 300,
            "Environment" => object_like! {"Variables" => object_like! {
                env::RESPONSE_MODE => env::ResponseMode::Stream.as_str(),
                env::MODEL_ID => "anthropic.claude-3-haiku-20240307-v1:0",
                env::SESSIONS_TABLE => agent.sessions.name(),
                // IAM callers are identified.
                env::ALLOW_ANONYMOUS => absent(),
            }},
        },
    );
    // One statement grants Bedrock, and it covers ConverseStream (InvokeModelWithResponseStream).
    let bedrock: Vec<_> = t.statements_of(f).into_iter().filter(|s| s.actions.iter().any(|a| a.starts_with("bedrock:"))).collect();
    assert_eq!(bedrock.len(), 1, "{bedrock:?}");
    assert!(bedrock[0].allows("bedrock:InvokeModelWithResponseStream"), "ConverseStream needs it: {bedrock:?}");
    // The construct adds no output: the app exports the URL if it wants to.
    t.output_count_is(0);
    assert_eq!(serde_json::Value::from(agent.endpoint().url()), json!({"Fn::GetAtt": [url.logical_id(), "FunctionUrl"]}));
}

#[test]
fn a_public_stream_url_is_open_to_anyone_and_its_handler_is_told() {
    // `Access::Public` is the one opt-in: the URL's auth and the handler's both follow it.
    let (t, agent) = synth(|s| {
        ServerlessAgent::new(
            &mut s.scope("A"),
            AgentProps {
                mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
                ..AgentProps::new(Model::bedrock("m"), Access::Public)
            },
        )
    });
    let Endpoint::FunctionUrl(url) = agent.endpoint() else { panic!("Stream over a URL has a Function URL") };
    t.resource_has_properties(&url.url, json!({"AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM"}));
    t.resource_properties_count_is("AWS::Lambda::Permission", json!({"Principal": "*", "FunctionName": agent.request_handler.arn()}), 2);
    t.resource_has_properties(
        &agent.request_handler,
        object_like! {"Environment" => object_like! {"Variables" => object_like! {
            env::ALLOW_ANONYMOUS => "true",
        }}},
    );
}

#[test]
fn stream_mode_over_rest_uses_the_streaming_integration() {
    let (t, _) = synth(|s| {
        let auth = LambdaAuthorizer::jwt(
            &mut s.scope("Auth"),
            JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["api".into()], ..Default::default() },
        );
        ServerlessAgent::new(
            &mut s.scope("A"),
            AgentProps {
                mode: Mode::Stream(StreamOptions::default()),
                timeout: Some(std::time::Duration::from_secs(600)),
                ..AgentProps::new(Model::bedrock("m"), Access::Authorizer(&auth))
            },
        );
    });
    t.resource_properties_count_is("AWS::ApiGateway::Method", json!({"HttpMethod": "POST"}), 1);
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        object_like! {
            "HttpMethod" => "POST",
            "AuthorizationType" => "CUSTOM",
            // The body is validated at the edge as in the other modes.
            "RequestModels" => object_like! {"application/json" => any_value()},
            "Integration" => object_like! {
                "ResponseTransferMode" => "STREAM",
                // The function's timeout, up to 15 minutes.
                "TimeoutInMillis" => 600_000,
                "Uri" => object_like! {"Fn::Sub" => json!(["arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2021-11-15/functions/${Arn}/response-streaming-invocations", {}])},
            },
        },
    );
}

#[test]
fn an_iam_runtime_front_door_signs_for_exactly_its_endpoint() {
    let (t, (rt, door)) = synth(|s| {
        let rt = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(false));
        let door = AgentCoreFrontDoor::new(
            &mut s.scope("Door"),
            &rt,
            FrontDoorProps { endpoint: Some("prod".into()), forward_headers: vec!["x-tenant-id".into()], ..Default::default() },
        );
        (rt, door)
    });
    let f = &door.function;
    t.resource_count_is("AWS::Lambda::Function", 1);
    t.resource_count_is("AWS::BedrockAgentCore::Runtime", 1);
    t.resource_count_is("AWS::BedrockAgentCore::RuntimeEndpoint", 1);
    t.resource_has_properties(
        f,
        object_like! {
            "Code" => object_like! {"S3Key" => ends_with(".zip")},
            "Environment" => object_like! {"Variables" => object_like! {
                env::AGENT_RUNTIME_ARN => rt.arn(),
                env::AGENT_RUNTIME_QUALIFIER => "prod",
                env::AGENT_RUNTIME_AUTH => env::RuntimeAuth::Iam.as_str(),
                env::RESPONSE_MODE => env::ResponseMode::Stream.as_str(),
                env::FORWARD_HEADERS => "x-tenant-id",
            }},
        },
    );
    assert_eq!(serde_json::Value::from(rt.arn()), json!({"Fn::GetAtt": [rt.runtime.logical_id(), "AgentRuntimeArn"]}));
    // Exactly one statement, exactly the runtime and its endpoint.
    let invoke: Vec<_> = t.statements_of(f).into_iter().filter(|s| s.actions.iter().any(|a| a.starts_with("bedrock-agentcore:"))).collect();
    assert_eq!(invoke.len(), 1, "{invoke:?}");
    assert_eq!(invoke[0].actions, ["bedrock-agentcore:InvokeAgentRuntime"]);
    t.assert_can_exactly(f, "bedrock-agentcore:InvokeAgentRuntime", [rt.arn(), rt.endpoints["prod"].attr_agent_runtime_endpoint_arn()]);
    t.resource_has_properties(&door.function_url.as_ref().unwrap().url, json!({"AuthType": "AWS_IAM", "InvokeMode": "RESPONSE_STREAM"}));
}

#[test]
fn a_jwt_runtime_front_door_passes_tokens_and_holds_no_agentcore_permission() {
    let (t, door) = synth(|s| {
        let rt = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(true));
        AgentCoreFrontDoor::new(
            &mut s.scope("Door"),
            &rt,
            FrontDoorProps { kind: FrontDoorKind::FunctionUrl(UrlAuth::None), public: true, ..Default::default() },
        )
    });
    let f = &door.function;
    t.resource_count_is("AWS::Lambda::Function", 1);
    t.resource_has_properties(
        f,
        object_like! {"Environment" => object_like! {"Variables" => object_like! {
            env::AGENT_RUNTIME_AUTH => env::RuntimeAuth::Jwt.as_str(),
            env::AGENT_RUNTIME_QUALIFIER => env::DEFAULT_AGENT_RUNTIME_QUALIFIER,
        }}},
    );
    t.assert_cannot(f, "bedrock-agentcore:InvokeAgentRuntime");
    assert!(t.statements().iter().all(|s| !s.allows("bedrock-agentcore:InvokeAgentRuntime")));
    // Anyone may call the URL, and the function only through it.
    t.resource_count_is("AWS::Lambda::Permission", 2);
    t.resource_properties_count_is("AWS::Lambda::Permission", json!({"Principal": "*", "FunctionName": f.arn()}), 2);
    t.has_resource_properties("AWS::Lambda::Permission", json!({"Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "NONE"}));
    t.has_resource_properties("AWS::Lambda::Permission", json!({"Action": "lambda:InvokeFunction", "InvokedViaFunctionUrl": true}));
}

#[test]
fn the_rest_front_doors_buffer_or_stream() {
    for (kind, stream) in [(FrontDoorKind::RestBuffered, false), (FrontDoorKind::RestStream, true)] {
        let (t, door) = synth(|s| {
            let rt = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(false));
            AgentCoreFrontDoor::new(&mut s.scope("Door"), &rt, FrontDoorProps { kind, public: true, ..Default::default() })
        });
        t.resource_count_is("AWS::Lambda::Function", 1);
        let mode = if stream { env::ResponseMode::Stream.as_str() } else { env::ResponseMode::Buffered.as_str() };
        t.resource_has_properties(
            &door.function,
            object_like! {
                "Timeout" => if stream { 900 } else { 29 },
                "Environment" => object_like! {"Variables" => object_like! {env::RESPONSE_MODE => mode}},
            },
        );
        let transfer = if stream { Match::from("STREAM") } else { absent() };
        t.has_resource_properties(
            "AWS::ApiGateway::Method",
            object_like! {"HttpMethod" => "POST", "Integration" => object_like! {"ResponseTransferMode" => transfer}},
        );
        t.resource_count_is("AWS::Lambda::Url", 0);
    }
}

#[test]
fn front_doors_and_stream_mode_run_their_own_handlers() {
    let mut app = App::new();
    {
        let s = app.stack("S", StackProps::default());
        let rt = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(false));
        AgentCoreFrontDoor::new(&mut s.scope("Door"), &rt, FrontDoorProps::default());
        ServerlessAgent::new(
            &mut s.scope("A"),
            AgentProps {
                mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
                ..AgentProps::new(Model::bedrock("m"), Access::Iam)
            },
        );
    }
    let names = handler_asset_names(&app.synthesize(&[]).unwrap());
    assert_eq!(names, [artifacts::Artifact::AgentcoreProxy.as_str(), artifacts::Artifact::StreamHandler.as_str()]);
}
