//! What the patterns put in the template: the contracts with the handlers, least-privilege
//! grants and secure defaults, read back from the synthesized JSON.

use std::time::Duration;

use agentcdk::contract::{artifacts, env, keys};
use agentcdk::prelude::*;
use serde_json::{json, Value as Json};

fn jwt() -> JwtConfig {
    JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["api".into()], ..Default::default() }
}

fn synth(build: impl FnOnce(&mut Stack)) -> Json {
    let mut app = App::new();
    build(app.stack("S", StackProps::default()));
    let mut assembly = app.synthesize(&[]).unwrap_or_else(|d| panic!("{d}"));
    assembly.stacks.remove(0).json
}

fn queue_agent(mode: fn(QueueOptions) -> Mode) -> Json {
    synth(|s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        ServerlessAgent::new(
            &mut s.scope("Agent"),
            AgentProps {
                mode: mode(QueueOptions::default()),
                model: Model::bedrock("anthropic.claude-3-haiku-20240307-v1:0"),
                authorizer: Some(&auth),
                timeout: Some(Duration::from_secs(120)),
                ..Default::default()
            },
        );
    })
}

fn resources<'a>(t: &'a Json, type_name: &'a str) -> impl Iterator<Item = (&'a String, &'a Json)> + 'a {
    t["Resources"].as_object().unwrap().iter().filter(move |(_, r)| r["Type"] == type_name)
}

fn one<'a>(t: &'a Json, type_name: &'a str, id_part: &str) -> &'a Json {
    // Logical ids are the readable path plus 8 hex digits.
    let found: Vec<_> = resources(t, type_name).filter(|(id, _)| id.starts_with(id_part) && id.len() == id_part.len() + 8).collect();
    assert_eq!(found.len(), 1, "one {type_name} with readable id '{id_part}': {:?}", found.iter().map(|f| f.0).collect::<Vec<_>>());
    found[0].1
}

fn env_of<'a>(t: &'a Json, id_part: &str) -> &'a serde_json::Map<String, Json> {
    one(t, "AWS::Lambda::Function", id_part)["Properties"]["Environment"]["Variables"].as_object().unwrap()
}

fn statements(t: &Json) -> Vec<Json> {
    resources(t, "AWS::IAM::Policy").flat_map(|(_, p)| p["Properties"]["PolicyDocument"]["Statement"].as_array().unwrap().clone()).collect()
}

#[test]
fn queue_mode_wires_the_pipeline_per_the_contract() {
    let t = queue_agent(Mode::Queue);
    // Event sources report partial batch failures: the handlers return SqsBatchResponse.
    let mappings: Vec<_> = resources(&t, "AWS::Lambda::EventSourceMapping").collect();
    assert_eq!(mappings.len(), 2);
    for (_, m) in &mappings {
        assert_eq!(m["Properties"]["FunctionResponseTypes"], json!(["ReportBatchItemFailures"]));
        assert_eq!(m["Properties"]["BatchSize"], 1);
        assert_eq!(m["Properties"]["ScalingConfig"], json!({"MaximumConcurrency": 10}));
        assert!(m["DependsOn"].as_array().unwrap()[0].as_str().unwrap().contains("DefaultPolicy"));
    }
    // The input queue: FIFO, visibility 6 × the runner's 120 s, dead-letter after 3 receives.
    let input = one(&t, "AWS::SQS::Queue", "AgentPipelineInput");
    assert_eq!(input["Properties"]["FifoQueue"], true);
    assert_eq!(input["Properties"]["VisibilityTimeout"], 720);
    assert_eq!(input["Properties"]["RedrivePolicy"]["maxReceiveCount"], 3);
    assert!(input["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0].as_str().unwrap().starts_with("EncryptionKey"));
    // Environment variables come from the contract.
    let request = env_of(&t, "AgentRequestHandler");
    assert_eq!(request[env::AGENT_MODE], env::MODE_QUEUE);
    assert!(!request.contains_key(env::ALLOW_ANONYMOUS), "behind an authorizer, anonymous requests stay refused");
    assert!(
        request.contains_key(env::INPUT_QUEUE_URL)
            && request.contains_key(env::RESPONSES_TABLE)
            && request.contains_key(env::RESPONSE_TTL_SECONDS)
    );
    assert!(!request.contains_key(env::MODEL_ID), "the request handler does not run the model in Queue mode");
    let runner = env_of(&t, "AgentRunner");
    assert_eq!(runner[env::MODEL_ID], "anthropic.claude-3-haiku-20240307-v1:0");
    assert_eq!(runner[env::MAX_RECEIVE_COUNT], "3");
    assert!(
        runner.contains_key(env::OUTPUT_QUEUE_URL) && runner.contains_key(env::SESSIONS_TABLE) && runner.contains_key(env::RESPONSES_TABLE)
    );
    // The request handler records pending requests and the runner claims them: both write the
    // responses table (PutItem / conditional UpdateItem in handlers/runtime/src/store).
    let writers: Vec<Json> = statements(&t)
        .into_iter()
        .filter(|s| s["Action"].as_array().is_some_and(|a| a.contains(&json!("dynamodb:PutItem"))))
        .filter(|s| s["Resource"]["Fn::GetAtt"][0].as_str().is_some_and(|r| r.starts_with("AgentPipelineResponses")))
        .collect();
    assert_eq!(writers.len(), 3, "request handler, runner and response handler write responses: {writers:?}");
    let responder = env_of(&t, "AgentResponseHandler");
    assert!(responder.contains_key(env::RESPONSES_TABLE) && responder.contains_key(env::RESPONSE_TTL_SECONDS));
    // The responses table is keyed by request id with TTL, retained, encrypted, recoverable.
    let table = one(&t, "AWS::DynamoDB::Table", "AgentPipelineResponses");
    assert_eq!(table["Properties"]["KeySchema"], json!([{"AttributeName": keys::RESPONSES_PK, "KeyType": "HASH"}]));
    assert_eq!(table["Properties"]["TimeToLiveSpecification"], json!({"AttributeName": keys::TTL, "Enabled": true}));
    assert_eq!(table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true);
    assert_eq!(table["DeletionPolicy"], "Retain");
    // GET responses/{request_id} exists next to POST chat, both behind the authorizer.
    let methods: Vec<_> = resources(&t, "AWS::ApiGateway::Method").map(|(_, m)| m["Properties"].clone()).collect();
    assert_eq!(methods.len(), 2);
    assert!(methods.iter().all(|m| m["AuthorizationType"] == "CUSTOM"));
    assert!(resources(&t, "AWS::ApiGateway::Resource").any(|(_, r)| r["Properties"]["PathPart"] == "{request_id}"));
}

#[test]
fn grants_are_scoped_to_exact_resources() {
    for t in [queue_agent(Mode::Queue), queue_agent(Mode::WebSocket)] {
        for s in statements(&t) {
            let actions: Vec<String> = match &s["Action"] {
                Json::String(a) => vec![a.clone()],
                Json::Array(a) => a.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
                other => panic!("action {other}"),
            };
            assert!(actions.iter().all(|a| a != "*" && !a.ends_with(":*")), "wildcard action in {s}");
            if s["Resource"] == "*" {
                assert!(actions.iter().all(|a| a.starts_with("xray:")), "Resource * is only for X-Ray: {s}");
            }
        }
        // Every log group, queue and table is encrypted with the stack key.
        for (_, r) in resources(&t, "AWS::Logs::LogGroup") {
            assert!(r["Properties"]["KmsKeyId"].is_object(), "{r}");
            assert!(r["Properties"]["RetentionInDays"].is_number());
        }
        for (_, r) in resources(&t, "AWS::SQS::Queue") {
            assert!(r["Properties"]["KmsMasterKeyId"].is_object(), "{r}");
        }
        for (_, r) in resources(&t, "AWS::DynamoDB::Table") {
            assert_eq!(r["Properties"]["SSESpecification"]["SSEType"], "KMS");
        }
        // Queue policies refuse plain HTTP.
        for (_, p) in resources(&t, "AWS::SQS::QueuePolicy") {
            assert_eq!(p["Properties"]["PolicyDocument"]["Statement"][0]["Condition"], json!({"Bool": {"aws:SecureTransport": "false"}}));
        }
        // One key per stack, rotated, retained.
        let keys: Vec<_> = resources(&t, "AWS::KMS::Key").collect();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].1["Properties"]["EnableKeyRotation"], true);
        assert_eq!(keys[0].1["DeletionPolicy"], "Retain");
    }
}

#[test]
fn websocket_mode_authorizes_connect_and_scopes_connection_management() {
    let t = queue_agent(Mode::WebSocket);
    let routes: Vec<_> = resources(&t, "AWS::ApiGatewayV2::Route").map(|(_, r)| r["Properties"].clone()).collect();
    let keys: Vec<&str> = routes.iter().map(|r| r["RouteKey"].as_str().unwrap()).collect();
    assert_eq!(keys, ["$connect", "$disconnect", "$default"]);
    assert_eq!(routes[0]["AuthorizationType"], "CUSTOM");
    assert_eq!(routes[1]["AuthorizationType"], "NONE");
    let authorizer = resources(&t, "AWS::ApiGatewayV2::Authorizer").next().unwrap().1;
    assert_eq!(authorizer["Properties"]["IdentitySource"], json!(["route.request.header.Sec-WebSocket-Protocol"]));
    let manage: Vec<_> = statements(&t).into_iter().filter(|s| s["Action"] == "execute-api:ManageConnections").collect();
    assert_eq!(manage.len(), 1, "only the response handler (replies); the request handler answers by route response");
    assert!(manage[0]["Resource"]["Fn::Sub"][0].as_str().unwrap().ends_with("${Api}/agents/*/@connections/*"), "{}", manage[0]);
    let connections = one(&t, "AWS::DynamoDB::Table", "AgentWebSocketConnections");
    assert_eq!(connections["Properties"]["GlobalSecondaryIndexes"][0]["IndexName"], keys::CONNECTIONS_BY_USER_INDEX);
    assert_eq!(connections["Properties"]["GlobalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"], keys::USER_ID);
    let responder = env_of(&t, "AgentResponseHandler");
    assert!(responder.contains_key(env::CONNECTIONS_TABLE) && responder.contains_key(env::WEBSOCKET_CALLBACK_URL));
    let request = env_of(&t, "AgentRequestHandler");
    assert!(
        request.contains_key(env::CONNECTIONS_TABLE) && request.contains_key(env::WEBSOCKET_CALLBACK_URL),
        "the message handler answers on the connection"
    );
    let connection = env_of(&t, "AgentWebSocketConnectionHandler");
    assert_eq!(connection[env::JWT_ISSUER], "https://issuer.example.com/");
    assert_eq!(connection[env::JWKS_URL], "https://issuer.example.com/.well-known/jwks.json");
}

#[test]
fn websocket_messages_get_their_answer_through_a_route_response() {
    // Without a route response API Gateway drops what the message handler returns: the
    // `accepted` and `refused` frames would never reach the client.
    let t = queue_agent(Mode::WebSocket);
    let route_id = |key: &str| {
        let found: Vec<_> = resources(&t, "AWS::ApiGatewayV2::Route").filter(|(_, r)| r["Properties"]["RouteKey"] == key).collect();
        assert_eq!(found.len(), 1, "{key}");
        (found[0].0.clone(), found[0].1["Properties"].clone())
    };
    let (default_id, default) = route_id("$default");
    assert_eq!(default["RouteResponseSelectionExpression"], "$default", "{default}");
    let responses: Vec<_> = resources(&t, "AWS::ApiGatewayV2::RouteResponse").map(|(id, r)| (id.clone(), r.clone())).collect();
    assert_eq!(responses.len(), 1, "one route response, on the message route only");
    let (response_id, response) = &responses[0];
    assert_eq!(response["Properties"]["RouteResponseKey"], "$default");
    assert_eq!(response["Properties"]["RouteId"], json!({"Ref": default_id}));
    assert!(response["Properties"]["ApiId"].is_object());
    for key in ["$connect", "$disconnect"] {
        assert!(route_id(key).1.get("RouteResponseSelectionExpression").is_none(), "{key} answers the handshake, not a message");
    }
    // The deployment waits for the route response (and its id changes with it).
    let (_, deployment) = resources(&t, "AWS::ApiGatewayV2::Deployment").next().unwrap();
    let depends: Vec<&str> = deployment["DependsOn"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert!(depends.contains(&response_id.as_str()), "{depends:?}");
}

#[test]
fn sync_mode_validates_the_body_at_the_edge_with_the_contract_schema() {
    let t = synth(|s| {
        ServerlessAgent::new(&mut s.scope("Agent"), AgentProps { model: Model::bedrock("m"), public: true, ..Default::default() });
    });
    let model = resources(&t, "AWS::ApiGateway::Model").next().unwrap().1;
    assert_eq!(model["Properties"]["Schema"], agentcdk::contract::chat_request_schema());
    let method = resources(&t, "AWS::ApiGateway::Method").next().unwrap().1;
    assert_eq!(method["Properties"]["AuthorizationType"], "NONE", "public on explicit opt-in only");
    assert!(method["Properties"]["RequestValidatorId"].is_object());
    assert_eq!(method["Properties"]["Integration"]["Type"], "AWS_PROXY");
    let bad_body =
        resources(&t, "AWS::ApiGateway::GatewayResponse").find(|(_, r)| r["Properties"]["ResponseType"] == "BAD_REQUEST_BODY").unwrap().1;
    let body = bad_body["Properties"]["ResponseTemplates"]["application/json"].as_str().unwrap();
    assert!(body.starts_with("{\"error\":\"invalid_body\",\"message\":"), "{body}");
    let env = env_of(&t, "AgentRequestHandler");
    assert_eq!(env[env::AGENT_MODE], env::MODE_SYNC);
    assert_eq!(env[env::API_BASE_PATH], "api");
    assert_eq!(env[env::API_VERSION], "v1");
    assert_eq!(env[env::AGENT_ENDPOINT], "chat");
    assert_eq!(env[env::ALLOW_ANONYMOUS], "true", "the public opt-in reaches the handler");
    // The invoke permission names this API, method and path.
    let permission = resources(&t, "AWS::Lambda::Permission").next().unwrap().1;
    assert!(permission["Properties"]["SourceArn"]["Fn::Sub"][0].as_str().unwrap().ends_with("${Api}/*/POST/api/v1/chat"));
    // A Sync agent's function timeout fits API Gateway's 29 s.
    assert_eq!(one(&t, "AWS::Lambda::Function", "AgentRequestHandler")["Properties"]["Timeout"], 29);
}

#[test]
fn deployment_id_follows_the_api_content() {
    let with_endpoint = |endpoint: &str| {
        let endpoint = endpoint.to_owned();
        let t = synth(move |s| {
            ServerlessAgent::new(
                &mut s.scope("Agent"),
                AgentProps { model: Model::bedrock("m"), public: true, agent_endpoint: endpoint, ..Default::default() },
            );
        });
        let (id, d) = resources(&t, "AWS::ApiGateway::Deployment").next().map(|(id, d)| (id.clone(), d.clone())).unwrap();
        let stage = resources(&t, "AWS::ApiGateway::Stage").next().unwrap().1.clone();
        assert_eq!(stage["Properties"]["DeploymentId"], json!({"Ref": id}));
        assert!(d["DependsOn"].as_array().unwrap().iter().any(|m| m.as_str().unwrap().contains("POST")));
        id
    };
    assert_eq!(with_endpoint("chat"), with_endpoint("chat"));
    assert_ne!(with_endpoint("chat"), with_endpoint("talk"), "a changed API must deploy anew");
}

#[test]
fn handlers_are_referenced_by_artifact_name() {
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
    ServerlessAgent::new(
        &mut s.scope("Agent"),
        AgentProps {
            mode: Mode::WebSocket(QueueOptions::default()),
            model: Model::bedrock("m"),
            authorizer: Some(&auth),
            ..Default::default()
        },
    );
    let assembly = app.synthesize(&[]).unwrap();
    let mut names: Vec<String> = assembly
        .assets
        .values()
        .map(|a| match a {
            AssetSource::Handler { name, .. } => name.clone(),
            other => panic!("unexpected asset {other:?}"),
        })
        .collect();
    names.sort();
    let mut expected: Vec<String> = artifacts::ALL
        .iter()
        .filter(|a| ![artifacts::STREAM_HANDLER, artifacts::AGENTCORE_PROXY].contains(a))
        .map(|s| (*s).to_owned())
        .collect();
    expected.sort();
    assert_eq!(names, expected, "WebSocket mode uses every stock handler but the streaming ones, once each");
    for (_, f) in resources(&assembly.stacks[0].json, "AWS::Lambda::Function") {
        assert_eq!(f["Properties"]["Runtime"], "provided.al2023");
        assert_eq!(f["Properties"]["Handler"], "bootstrap");
        assert_eq!(f["Properties"]["Code"]["S3Bucket"], json!({"Ref": "AssetBucket"}));
        assert_eq!(f["Properties"]["TracingConfig"], json!({"Mode": "Active"}));
        assert_eq!(f["Properties"]["LoggingConfig"]["LogFormat"], "JSON");
    }
}

#[test]
fn alarms_cover_functions_and_dead_letter_queues() {
    let t = queue_agent(Mode::Queue);
    let alarms: Vec<_> = resources(&t, "AWS::CloudWatch::Alarm").map(|(_, a)| a["Properties"].clone()).collect();
    let dlq = alarms.iter().filter(|a| a["MetricName"] == "ApproximateNumberOfMessagesVisible").count();
    let errors = alarms.iter().filter(|a| a["MetricName"] == "Errors").count();
    let throttles = alarms.iter().filter(|a| a["MetricName"] == "Throttles").count();
    assert_eq!((dlq, errors, throttles), (2, 3, 3));
    let topic = resources(&t, "AWS::SNS::Topic").next().unwrap();
    assert!(alarms.iter().all(|a| a["AlarmActions"] == json!([{"Ref": topic.0}])));
    assert!(topic.1["Properties"]["KmsMasterKeyId"].is_object());
}

#[test]
fn aws_managed_encryption_is_one_prop() {
    let t = synth(|s| {
        ServerlessAgent::new(
            &mut s.scope("Agent"),
            AgentProps { model: Model::bedrock("m"), public: true, encryption: Encryption::AwsManaged, ..Default::default() },
        );
    });
    assert_eq!(resources(&t, "AWS::KMS::Key").count(), 0);
    for (_, r) in resources(&t, "AWS::Logs::LogGroup") {
        assert!(r["Properties"].get("KmsKeyId").is_none());
    }
}

#[test]
fn agentcore_runtime_renders_the_serverless_framework_surface() {
    let t = synth(|s| {
        AgentCoreRuntime::new(
            &mut s.scope("Agent"),
            AgentCoreRuntimeProps {
                artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent:v3".into() },
                authorizer: RuntimeAuthorizer::CustomJwt {
                    discovery_url: "https://issuer.example.com/.well-known/openid-configuration".into(),
                    allowed_audience: vec!["agents".into()],
                    allowed_clients: vec!["web".into()],
                    allowed_scopes: vec![],
                    custom_claims: [("tier".to_owned(), ClaimRule::OneOf(vec!["pro".into()]))].into(),
                },
                protocol: RuntimeProtocol::Mcp,
                endpoints: vec![
                    RuntimeEndpointProps { name: "prod".into(), version: Some("3".into()), description: Some("pinned".into()) },
                    RuntimeEndpointProps { name: "canary".into(), version: None, description: None },
                ],
                request_headers: vec!["X-Tenant".into()],
                ..Default::default()
            },
        );
    });
    let rt = one(&t, "AWS::BedrockAgentCore::Runtime", "Agent")["Properties"].clone();
    assert_eq!(rt["AgentRuntimeName"], "Agent");
    assert_eq!(rt["NetworkConfiguration"], json!({"NetworkMode": "PUBLIC"}));
    assert_eq!(rt["ProtocolConfiguration"], "MCP");
    assert_eq!(rt["LifecycleConfiguration"], json!({"IdleRuntimeSessionTimeout": 900, "MaxLifetime": 28800}));
    let jwt = &rt["AuthorizerConfiguration"]["CustomJWTAuthorizer"];
    assert_eq!(jwt["AllowedAudience"], json!(["agents"]));
    assert_eq!(jwt["CustomClaims"][0]["AuthorizingClaimMatchValue"]["ClaimMatchOperator"], "CONTAINS_ANY");
    assert_eq!(rt["RequestHeaderConfiguration"], json!({"RequestHeaderAllowlist": ["X-Tenant"]}));
    let endpoints: Vec<_> = resources(&t, "AWS::BedrockAgentCore::RuntimeEndpoint").map(|(_, e)| e["Properties"].clone()).collect();
    assert_eq!(endpoints.len(), 2);
    assert_eq!(endpoints[0]["AgentRuntimeVersion"], "3");
    // The generated role pulls from exactly this repository.
    let role = resources(&t, "AWS::IAM::Role").next().unwrap().1;
    let statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].as_array().unwrap();
    let ecr = statements.iter().find(|s| s["Action"][0] == "ecr:BatchGetImage").unwrap();
    assert!(ecr["Resource"]["Fn::Sub"].as_str().unwrap().ends_with(":repository/support-agent"), "{ecr}");
    assert!(!statements.iter().any(|s| s["Action"] == "s3:GetObject"), "no S3 read for a container artifact");
}

#[test]
fn a_runtime_gets_exactly_the_permissions_to_use_its_memory_and_gateway() {
    let t = synth(|s| {
        let memory = AgentCoreMemory::new(
            &mut s.scope("Memory"),
            AgentCoreMemoryProps {
                strategies: vec![MemoryStrategy {
                    kind: MemoryStrategyKind::Summary,
                    name: "summaries".into(),
                    namespaces: vec!["/s/{sessionId}".into()],
                }],
                ..Default::default()
            },
        );
        let gateway = AgentCoreGateway::new(
            &mut s.scope("Tools"),
            AgentCoreGatewayProps {
                targets: vec![GatewayTargetProps {
                    name: "weather".into(),
                    description: None,
                    kind: TargetKind::Lambda {
                        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:weather".into(),
                        tools: vec![ToolSpec {
                            name: "get_weather".into(),
                            description: "Weather by city".into(),
                            input_schema: json!({"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}, "required": ["city"]}),
                        }],
                    },
                }],
                ..Default::default()
            },
        );
        let rt = AgentCoreRuntime::new(
            &mut s.scope("Agent"),
            AgentCoreRuntimeProps {
                artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1".into() },
                ..Default::default()
            },
        );
        rt.use_memory(s, &memory);
        rt.use_gateway(s, &gateway);
    });
    let runtime = one(&t, "AWS::BedrockAgentCore::Runtime", "Agent");
    let env = runtime["Properties"]["EnvironmentVariables"].as_object().unwrap();
    assert!(env["AGENTCORE_MEMORY_ID"]["Fn::GetAtt"][1] == "MemoryId" && env["AGENTCORE_GATEWAY_URL"]["Fn::GetAtt"][1] == "GatewayUrl");
    let role_id = runtime["Properties"]["RoleArn"]["Fn::GetAtt"][0].as_str().unwrap();
    let statements = t["Resources"][role_id]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].as_array().unwrap().clone();
    let memory_stmt = statements.iter().find(|s| s["Action"][0] == "bedrock-agentcore:CreateEvent").unwrap();
    assert!(memory_stmt["Resource"]["Fn::GetAtt"][0].as_str().unwrap().starts_with("Memory"));
    let gateway_stmt = statements.iter().find(|s| s["Action"] == "bedrock-agentcore:InvokeGateway").unwrap();
    assert!(gateway_stmt["Resource"]["Fn::GetAtt"][0].as_str().unwrap().starts_with("Tools"));
    // The gateway's role may invoke exactly its Lambda target.
    let target = resources(&t, "AWS::BedrockAgentCore::GatewayTarget").next().unwrap().1;
    assert_eq!(
        target["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]["InlinePayload"][0],
        json!({
            "Name": "get_weather",
            "Description": "Weather by city",
            "InputSchema": {"Type": "object", "Properties": {"city": {"Type": "string", "Description": "City name"}}, "Required": ["city"]}
        })
    );
    let gw_role = one(&t, "AWS::IAM::Role", "ToolsRole");
    assert_eq!(
        gw_role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"],
        "arn:aws:lambda:us-east-1:123456789012:function:weather"
    );
    let memory = resources(&t, "AWS::BedrockAgentCore::Memory").next().unwrap().1;
    assert_eq!(memory["Properties"]["EventExpiryDuration"], 30);
}
