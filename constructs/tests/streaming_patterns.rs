//! The streaming constructs read back from their templates: what the handlers are told (env
//! vars from the contract), how clients reach them (Function URL or streamed REST method), and
//! exactly which permissions they get.

use agentcdk::contract::{artifacts, env};
use agentcdk::prelude::*;
use serde_json::{json, Value as Json};

fn synth(build: impl FnOnce(&mut Stack)) -> Json {
    let mut app = App::new();
    build(app.stack("S", StackProps::default()));
    let assembly = app.synthesize(&[]).unwrap_or_else(|d| panic!("{d}"));
    assembly.stacks[0].json.clone()
}

fn of_type<'a>(t: &'a Json, type_name: &'a str) -> Vec<(&'a String, &'a Json)> {
    t["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == type_name).collect()
}

fn one<'a>(t: &'a Json, type_name: &'a str) -> (&'a String, &'a Json) {
    let all = of_type(t, type_name);
    assert_eq!(all.len(), 1, "{type_name}: {all:?}");
    all[0]
}

/// Every statement of every IAM policy in the template.
fn statements(t: &Json) -> Vec<Json> {
    of_type(t, "AWS::IAM::Policy")
        .iter()
        .flat_map(|(_, p)| p["Properties"]["PolicyDocument"]["Statement"].as_array().unwrap().clone())
        .collect()
}

fn runtime(jwt: bool) -> AgentCoreRuntimeProps {
    AgentCoreRuntimeProps {
        artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1".into() },
        authorizer: if jwt {
            RuntimeAuthorizer::CustomJwt {
                discovery_url: "https://issuer.example.com/.well-known/openid-configuration".into(),
                allowed_audience: vec!["a".into()],
                allowed_clients: vec![],
                allowed_scopes: vec![],
                custom_claims: Default::default(),
            }
        } else {
            RuntimeAuthorizer::Iam
        },
        endpoints: vec![RuntimeEndpointProps { name: "prod".into(), ..Default::default() }],
        request_headers: vec!["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant-Id".into()],
        ..Default::default()
    }
}

#[test]
fn stream_mode_over_a_function_url_streams_with_iam_auth() {
    let t = synth(|s| {
        ServerlessAgent::new(
            &mut s.scope("A"),
            AgentProps {
                mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl(UrlAuth::AwsIam) }),
                model: Model::bedrock("anthropic.claude-3-haiku-20240307-v1:0"),
                ..Default::default()
            },
        );
    });
    let (fn_id, f) = one(&t, "AWS::Lambda::Function");
    let (_, url) = one(&t, "AWS::Lambda::Url");
    assert_eq!(url["Properties"]["InvokeMode"], "RESPONSE_STREAM");
    assert_eq!(url["Properties"]["AuthType"], "AWS_IAM");
    assert_eq!(url["Properties"]["TargetFunctionArn"], json!({"Fn::GetAtt": [fn_id, "Arn"]}));
    assert!(of_type(&t, "AWS::Lambda::Permission").is_empty(), "an IAM URL has no resource-based permission");
    assert!(of_type(&t, "AWS::ApiGateway::RestApi").is_empty());
    let vars = &f["Properties"]["Environment"]["Variables"];
    assert_eq!(vars[env::RESPONSE_MODE], env::RESPONSE_MODE_STREAM);
    assert_eq!(vars[env::MODEL_ID], "anthropic.claude-3-haiku-20240307-v1:0");
    assert!(vars.get(env::SESSIONS_TABLE).is_some());
    assert!(vars.get(env::ALLOW_ANONYMOUS).is_none(), "IAM callers are identified");
    assert_eq!(f["Properties"]["Timeout"], 300, "Stream mode default: 5 minutes");
    let invoke: Vec<_> = statements(&t).into_iter().filter(|s| s["Action"].to_string().contains("bedrock:")).collect();
    assert_eq!(invoke.len(), 1, "{invoke:?}");
    assert!(invoke[0]["Action"].to_string().contains("bedrock:InvokeModelWithResponseStream"), "ConverseStream needs it: {invoke:?}");
    assert!(t["Outputs"]
        .as_object()
        .unwrap()
        .values()
        .any(|o| o["Value"] == json!({"Fn::GetAtt": [one(&t, "AWS::Lambda::Url").0, "FunctionUrl"]})));
}

#[test]
fn stream_mode_over_rest_uses_the_streaming_integration() {
    let t = synth(|s| {
        let auth = LambdaAuthorizer::jwt(
            &mut s.scope("Auth"),
            JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["api".into()], ..Default::default() },
        );
        ServerlessAgent::new(
            &mut s.scope("A"),
            AgentProps {
                mode: Mode::Stream(StreamOptions::default()),
                model: Model::bedrock("m"),
                authorizer: Some(&auth),
                timeout: Some(std::time::Duration::from_secs(600)),
                ..Default::default()
            },
        );
    });
    let post: Vec<_> =
        of_type(&t, "AWS::ApiGateway::Method").into_iter().filter(|(_, m)| m["Properties"]["HttpMethod"] == "POST").collect();
    assert_eq!(post.len(), 1);
    let integration = &post[0].1["Properties"]["Integration"];
    assert_eq!(integration["ResponseTransferMode"], "STREAM");
    assert_eq!(integration["TimeoutInMillis"], 600_000, "the function's timeout, up to 15 minutes");
    let uri = integration["Uri"]["Fn::Sub"][0].as_str().unwrap();
    assert!(uri.ends_with("/2021-11-15/functions/${Arn}/response-streaming-invocations"), "{uri}");
    assert_eq!(post[0].1["Properties"]["AuthorizationType"], "CUSTOM");
    assert!(post[0].1["Properties"]["RequestModels"].is_object(), "the body is validated at the edge as in the other modes");
}

#[test]
fn an_iam_runtime_front_door_signs_for_exactly_its_endpoint() {
    let t = synth(|s| {
        let rt = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(false));
        AgentCoreFrontDoor::new(
            &mut s.scope("Door"),
            &rt,
            FrontDoorProps { endpoint: Some("prod".into()), forward_headers: vec!["x-tenant-id".into()], ..Default::default() },
        );
    });
    let (_, f) = one(&t, "AWS::Lambda::Function");
    let code_key = f["Properties"]["Code"]["S3Key"].as_str().unwrap().to_owned();
    assert!(code_key.ends_with(".zip"), "{code_key}");
    let (runtime_id, _) = one(&t, "AWS::BedrockAgentCore::Runtime");
    let (endpoint_id, _) = one(&t, "AWS::BedrockAgentCore::RuntimeEndpoint");
    let vars = &f["Properties"]["Environment"]["Variables"];
    assert_eq!(vars[env::AGENT_RUNTIME_ARN], json!({"Fn::GetAtt": [runtime_id, "AgentRuntimeArn"]}));
    assert_eq!(vars[env::AGENT_RUNTIME_QUALIFIER], "prod");
    assert_eq!(vars[env::AGENT_RUNTIME_AUTH], env::RUNTIME_AUTH_IAM);
    assert_eq!(vars[env::RESPONSE_MODE], env::RESPONSE_MODE_STREAM);
    assert_eq!(vars[env::FORWARD_HEADERS], "x-tenant-id");
    let invoke: Vec<_> = statements(&t).into_iter().filter(|s| s["Action"].to_string().contains("bedrock-agentcore:")).collect();
    assert_eq!(invoke.len(), 1, "{invoke:?}");
    assert_eq!(invoke[0]["Action"], "bedrock-agentcore:InvokeAgentRuntime");
    assert_eq!(
        invoke[0]["Resource"],
        json!([{"Fn::GetAtt": [runtime_id, "AgentRuntimeArn"]}, {"Fn::GetAtt": [endpoint_id, "AgentRuntimeEndpointArn"]}])
    );
    let (_, url) = one(&t, "AWS::Lambda::Url");
    assert_eq!(
        (url["Properties"]["AuthType"].as_str(), url["Properties"]["InvokeMode"].as_str()),
        (Some("AWS_IAM"), Some("RESPONSE_STREAM"))
    );
}

#[test]
fn a_jwt_runtime_front_door_passes_tokens_and_holds_no_agentcore_permission() {
    let t = synth(|s| {
        let rt = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(true));
        AgentCoreFrontDoor::new(
            &mut s.scope("Door"),
            &rt,
            FrontDoorProps { kind: FrontDoorKind::FunctionUrl(UrlAuth::None), public: true, ..Default::default() },
        );
    });
    let (fn_id, f) = one(&t, "AWS::Lambda::Function");
    assert_eq!(f["Properties"]["Environment"]["Variables"][env::AGENT_RUNTIME_AUTH], env::RUNTIME_AUTH_JWT);
    assert_eq!(f["Properties"]["Environment"]["Variables"][env::AGENT_RUNTIME_QUALIFIER], env::DEFAULT_AGENT_RUNTIME_QUALIFIER);
    assert!(statements(&t).iter().all(|s| !s["Action"].to_string().contains("bedrock-agentcore:InvokeAgentRuntime")));
    let perms: Vec<_> = of_type(&t, "AWS::Lambda::Permission").into_iter().map(|(_, p)| p["Properties"].clone()).collect();
    assert_eq!(perms.len(), 2, "{perms:?}");
    for p in &perms {
        assert_eq!(p["Principal"], "*");
        assert_eq!(p["FunctionName"], json!({"Fn::GetAtt": [fn_id, "Arn"]}));
    }
    assert!(perms.iter().any(|p| p["Action"] == "lambda:InvokeFunctionUrl" && p["FunctionUrlAuthType"] == "NONE"));
    assert!(perms.iter().any(|p| p["Action"] == "lambda:InvokeFunction" && p["InvokedViaFunctionUrl"] == true), "only via the URL");
}

#[test]
fn the_rest_front_doors_buffer_or_stream() {
    for (kind, stream) in [(FrontDoorKind::RestBuffered, false), (FrontDoorKind::RestStream, true)] {
        let t = synth(|s| {
            let rt = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(false));
            AgentCoreFrontDoor::new(&mut s.scope("Door"), &rt, FrontDoorProps { kind, public: true, ..Default::default() });
        });
        let (_, f) = one(&t, "AWS::Lambda::Function");
        let mode = if stream { env::RESPONSE_MODE_STREAM } else { env::RESPONSE_MODE_BUFFERED };
        assert_eq!(f["Properties"]["Environment"]["Variables"][env::RESPONSE_MODE], mode);
        assert_eq!(f["Properties"]["Timeout"], if stream { 900 } else { 29 });
        let post: Vec<_> =
            of_type(&t, "AWS::ApiGateway::Method").into_iter().filter(|(_, m)| m["Properties"]["HttpMethod"] == "POST").collect();
        let integration = &post[0].1["Properties"]["Integration"];
        assert_eq!(integration["ResponseTransferMode"].as_str(), stream.then_some("STREAM"), "{kind:?}");
        assert!(of_type(&t, "AWS::Lambda::Url").is_empty());
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
                mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl(UrlAuth::AwsIam) }),
                model: Model::bedrock("m"),
                ..Default::default()
            },
        );
    }
    let assembly = app.synthesize(&[]).unwrap();
    let mut names: Vec<String> = assembly
        .assets
        .values()
        .map(|a| match a {
            AssetSource::Handler { name, .. } => name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    names.sort();
    assert_eq!(names, [artifacts::AGENTCORE_PROXY, artifacts::STREAM_HANDLER]);
}
