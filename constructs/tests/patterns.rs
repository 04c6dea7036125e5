//! What the patterns put in the template: the contracts with the handlers, least-privilege
//! grants and secure defaults, read back with `agentcdk::assertions`.

mod common;

use std::time::Duration;

use agentcdk::assertions::{absent, any_value, array_equals, array_with, ends_with, exact, starts_with, Match, Template};
use agentcdk::contract::{artifacts, env, keys};
use agentcdk::object_like;
use agentcdk::prelude::*;
use common::{handler_asset_names, jwt, synth};
use serde_json::json;

fn queue_agent(mode: fn(QueueOptions) -> Mode) -> (Template, ServerlessAgent) {
    synth(|s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        ServerlessAgent::new(
            &mut s.scope("Agent"),
            AgentProps {
                mode: mode(QueueOptions::default()),
                timeout: Some(Duration::from_secs(120)),
                ..AgentProps::new(Model::bedrock("anthropic.claude-3-haiku-20240307-v1:0"), Access::Authorizer(&auth))
            },
        )
    })
}

/// The queued backend of a Queue or WebSocket agent.
fn queued(agent: &ServerlessAgent) -> &Queued {
    match agent.backend() {
        Backend::Queued(queued) => queued,
        Backend::Inline => panic!("a queued mode runs the agent in the pipeline"),
    }
}

/// A public Sync agent on model `m`.
fn public_props<'a>() -> AgentProps<'a> {
    AgentProps::new(Model::bedrock("m"), Access::Public)
}

/// A function's environment variables matching `vars` (partially).
fn env_like(vars: Match) -> Match {
    object_like! {"Environment" => object_like! {"Variables" => vars}}
}

/// `{"Fn::GetAtt": [id, "Arn"]}` of the stack's one KMS key (asserting there is one).
fn stack_key_arn(t: &Template) -> serde_json::Value {
    json!({"Fn::GetAtt": [t.resource("AWS::KMS::Key", any_value()).logical_id, "Arn"]})
}

#[test]
fn queue_mode_wires_the_pipeline_per_the_contract() {
    let (t, agent) = queue_agent(Mode::Queue);
    let Queued { runner, response_handler: responder, pipeline } = queued(&agent);
    // Event sources report partial batch failures: the handlers return SqsBatchResponse. Each
    // mapping starts after its function's permissions exist. The responder also consumes both
    // dead-letter queues (the DLQ consumer tells the clients of what landed there).
    t.resource_count_is("AWS::Lambda::EventSourceMapping", 4);
    let (input_dlq, output_dlq) = (pipeline.input.dead_letter().unwrap(), pipeline.output.dead_letter().unwrap());
    for (f, queue) in [(runner, &pipeline.input), (responder, &pipeline.output), (responder, &input_dlq), (responder, &output_dlq)] {
        t.has_resource(
            "AWS::Lambda::EventSourceMapping",
            object_like! {
                "Properties" => object_like! {
                    "EventSourceArn" => queue.arn(),
                    "FunctionName" => f.arn(),
                    "FunctionResponseTypes" => exact(json!(["ReportBatchItemFailures"])),
                    "BatchSize" => 1,
                    "ScalingConfig" => exact(json!({"MaximumConcurrency": 10})),
                },
                "DependsOn" => json!([f.role.policy.logical_id()]),
            },
        );
    }
    // The input queue: FIFO, visibility 6 × the runner's 120 s, dead-letter after 3 receives.
    t.resource_has_properties(
        &pipeline.input,
        object_like! {
            "FifoQueue" => true,
            "VisibilityTimeout" => 720,
            "RedrivePolicy" => object_like! {"maxReceiveCount" => 3},
            "KmsMasterKeyId" => stack_key_arn(&t),
        },
    );
    queue_environment_and_responses_writers(&t, &agent);
    queue_failures_and_big_replies_are_wired(&t, &agent);
    // The responses table is keyed by request id with TTL, retained, encrypted, recoverable.
    t.resource_has(
        &pipeline.responses,
        object_like! {
            "DeletionPolicy" => "Retain",
            "Properties" => object_like! {
                "KeySchema" => exact(json!([{"AttributeName": keys::RESPONSES_PK, "KeyType": "HASH"}])),
                "TimeToLiveSpecification" => exact(json!({"AttributeName": keys::TTL, "Enabled": true})),
                "PointInTimeRecoverySpecification" => object_like! {"PointInTimeRecoveryEnabled" => true},
            },
        },
    );
    // GET responses/{request_id} exists next to POST chat, both behind the authorizer.
    t.resource_count_is("AWS::ApiGateway::Method", 2);
    t.resource_properties_count_is("AWS::ApiGateway::Method", json!({"AuthorizationType": "CUSTOM"}), 2);
    t.has_resource_properties("AWS::ApiGateway::Resource", json!({"PathPart": "{request_id}"}));
}

/// Queue mode's environment comes from the contract, and the three functions that write the
/// responses table may (and only they).
fn queue_environment_and_responses_writers(t: &Template, agent: &ServerlessAgent) {
    let Queued { runner, response_handler: responder, pipeline } = queued(agent);
    // Environment variables come from the contract.
    t.resource_has_properties(
        &agent.request_handler,
        env_like(object_like! {
            env::AGENT_MODE => env::AgentMode::Queue.as_str(),
            // Behind an authorizer, anonymous requests stay refused.
            env::ALLOW_ANONYMOUS => absent(),
            env::INPUT_QUEUE_URL => pipeline.input.url(),
            env::RESPONSES_TABLE => pipeline.responses.name(),
            env::RESPONSE_TTL_SECONDS => any_value(),
            // The request handler does not run the model in Queue mode.
            env::MODEL_ID => absent(),
        }),
    );
    t.resource_has_properties(
        runner,
        env_like(object_like! {
            env::MODEL_ID => "anthropic.claude-3-haiku-20240307-v1:0",
            env::MAX_RECEIVE_COUNT => "3",
            env::OUTPUT_QUEUE_URL => pipeline.output.url(),
            env::SESSIONS_TABLE => agent.sessions.name(),
            env::RESPONSES_TABLE => pipeline.responses.name(),
        }),
    );
    // The request handler records pending requests and the runner claims them: both write the
    // responses table (PutItem / conditional UpdateItem in handlers/runtime/src/store), as does
    // the response handler.
    let responses = serde_json::Value::from(pipeline.responses.arn());
    for f in [&agent.request_handler, runner, responder] {
        t.assert_can(f, "dynamodb:PutItem", responses.clone());
        t.assert_can(f, "dynamodb:UpdateItem", responses.clone());
    }
    let writers = t.statements().into_iter().filter(|s| s.allows("dynamodb:PutItem") && s.resources == [responses.clone()]).count();
    assert_eq!(writers, 3, "request handler, runner and response handler write responses");
    t.resource_has_properties(
        responder,
        env_like(object_like! {env::RESPONSES_TABLE => pipeline.responses.name(), env::RESPONSE_TTL_SECONDS => any_value()}),
    );
}

/// Item 2 and 5 of issue 2.1, template side: the runner dead-letters given-up records itself,
/// the responder consumes both DLQs, and big replies go to a private, expiring bucket.
fn queue_failures_and_big_replies_are_wired(t: &Template, agent: &ServerlessAgent) {
    let Queued { runner, response_handler: responder, pipeline } = queued(agent);
    // The runner dead-letters a given-up record itself (agent-runner `give_up`).
    let input_dlq = pipeline.input.dead_letter().unwrap();
    t.resource_has_properties(runner, env_like(object_like! {env::DEAD_LETTER_QUEUE_URL => input_dlq.url()}));
    t.assert_can(runner, "sqs:SendMessage", input_dlq.arn());
    // Big replies: one encrypted, private bucket whose objects expire with the responses.
    let bucket = &pipeline.replies;
    t.resource_has_properties(
        &bucket.bucket,
        object_like! {
            "LifecycleConfiguration" => object_like! {"Rules" => array_with([object_like! {"ExpirationInDays" => 1}])},
            "BucketEncryption" => object_like! {"ServerSideEncryptionConfiguration" => array_with([
                object_like! {"ServerSideEncryptionByDefault" => object_like! {"SSEAlgorithm" => "aws:kms"}},
            ])},
            "PublicAccessBlockConfiguration" => object_like! {"RestrictPublicBuckets" => true},
        },
    );
    for f in [runner, &agent.request_handler, responder] {
        t.resource_has_properties(f, env_like(object_like! {env::REPLY_BUCKET => bucket.name()}));
    }
    // The runner writes; the request and response handlers read; objects of that bucket only.
    let s3: Vec<_> = t.statements().into_iter().filter(|s| s.actions.iter().any(|a| a.starts_with("s3:"))).collect();
    let put: Vec<_> = s3.iter().filter(|s| s.allows("s3:PutObject")).collect();
    let get = s3.iter().filter(|s| s.allows("s3:GetObject")).count();
    assert_eq!((put.len(), get, s3.len()), (1, 2, 3), "{:?}", s3.iter().map(|s| &s.json).collect::<Vec<_>>());
    assert_eq!(put[0].resources[0]["Fn::Sub"][0], "${Arn}/*", "objects of the one bucket only: {}", put[0].json);
    t.assert_can(runner, "s3:PutObject", any_value());
    t.assert_cannot(&agent.request_handler, "s3:PutObject");
    t.assert_cannot(responder, "s3:PutObject");
    t.has_resource_properties(
        "AWS::S3::BucketPolicy",
        json!({"PolicyDocument": {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}),
    );
}

#[test]
fn grants_are_scoped_to_exact_resources() {
    for (t, _) in [queue_agent(Mode::Queue), queue_agent(Mode::WebSocket)] {
        let statements = t.statements();
        assert!(!statements.is_empty());
        for s in &statements {
            assert!(s.actions.iter().all(|a| a != "*" && !a.ends_with(":*")), "wildcard action in {}", s.json);
            if s.resources.contains(&json!("*")) {
                assert!(s.actions.iter().all(|a| a.starts_with("xray:")), "Resource * is only for X-Ray: {}", s.json);
            }
        }
        // Every log group, queue and table is encrypted with the stack key; logs expire.
        let key = stack_key_arn(&t);
        let count = |kind: &str| t.resources_of(kind).count();
        t.resource_properties_count_is(
            "AWS::Logs::LogGroup",
            object_like! {"KmsKeyId" => key.clone(), "RetentionInDays" => 90},
            count("AWS::Logs::LogGroup"),
        );
        t.resource_properties_count_is("AWS::SQS::Queue", object_like! {"KmsMasterKeyId" => key.clone()}, count("AWS::SQS::Queue"));
        t.resource_properties_count_is(
            "AWS::DynamoDB::Table",
            json!({"SSESpecification": {"SSEType": "KMS", "KMSMasterKeyId": key}}),
            count("AWS::DynamoDB::Table"),
        );
        // Queue policies refuse plain HTTP.
        t.resource_properties_count_is(
            "AWS::SQS::QueuePolicy",
            json!({"PolicyDocument": {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}),
            count("AWS::SQS::QueuePolicy"),
        );
        // One key per stack, rotated, retained.
        t.resource_count_is("AWS::KMS::Key", 1);
        t.has_resource("AWS::KMS::Key", object_like! {"DeletionPolicy" => "Retain", "Properties" => json!({"EnableKeyRotation": true})});
    }
}

#[test]
fn websocket_mode_authorizes_connect_and_scopes_connection_management() {
    let (t, agent) = queue_agent(Mode::WebSocket);
    let Endpoint::WebSocket(ws) = agent.endpoint() else { panic!("WebSocket mode has a WebSocket API") };
    assert_eq!(agent.endpoint().url(), ws.url());
    t.resource_count_is("AWS::ApiGatewayV2::Route", 3);
    t.has_resource_properties("AWS::ApiGatewayV2::Route", json!({"RouteKey": "$connect", "AuthorizationType": "CUSTOM"}));
    t.has_resource_properties("AWS::ApiGatewayV2::Route", json!({"RouteKey": "$disconnect", "AuthorizationType": "NONE"}));
    t.has_resource_properties("AWS::ApiGatewayV2::Route", json!({"RouteKey": "$default", "AuthorizationType": "NONE"}));
    t.has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer",
        object_like! {"IdentitySource" => exact(json!(["route.request.header.Sec-WebSocket-Protocol"]))},
    );
    // Only the response handler (replies) manages this API's connections: the request handler
    // answers each message through the route response.
    let connections = json!({"Fn::Sub": [
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/agents/*/@connections/*",
        {"Api": {"Ref": ws.api.api.logical_id()}}
    ]});
    t.assert_can_exactly(&queued(&agent).response_handler, "execute-api:ManageConnections", [connections]);
    t.assert_cannot(&agent.request_handler, "execute-api:ManageConnections");
    assert_eq!(t.statements().iter().filter(|s| s.allows("execute-api:ManageConnections")).count(), 1);
    t.resource_has_properties(
        &ws.connections,
        object_like! {"GlobalSecondaryIndexes" => array_with([object_like! {
            "IndexName" => keys::CONNECTIONS_BY_USER_INDEX,
            "KeySchema" => array_with([json!({"AttributeName": keys::USER_ID, "KeyType": "HASH"})]),
        }])},
    );
    let callback = object_like! {env::CONNECTIONS_TABLE => ws.connections.name(), env::WEBSOCKET_CALLBACK_URL => any_value()};
    t.resource_has_properties(&queued(&agent).response_handler, env_like(callback.clone()));
    // The message handler reads connection records and knows the endpoint.
    t.resource_has_properties(&agent.request_handler, env_like(callback));
    t.resource_has_properties(
        &ws.connection_handler,
        env_like(object_like! {
            env::JWT_ISSUER => "https://issuer.example.com/",
            env::JWKS_URL => "https://issuer.example.com/.well-known/jwks.json",
        }),
    );
}

#[test]
fn websocket_messages_get_their_answer_through_a_route_response() {
    // Without a route response API Gateway drops what the message handler returns: the
    // `accepted` and `refused` frames would never reach the client.
    let (t, _) = queue_agent(Mode::WebSocket);
    let route = |key: &str| t.resource("AWS::ApiGatewayV2::Route", json!({"RouteKey": key}));
    let default = route("$default");
    t.resource_has_properties(default.logical_id, object_like! {"RouteResponseSelectionExpression" => "$default"});
    t.resource_count_is("AWS::ApiGatewayV2::RouteResponse", 1);
    let response = t.resource(
        "AWS::ApiGatewayV2::RouteResponse",
        object_like! {"RouteResponseKey" => "$default", "RouteId" => json!({"Ref": default.logical_id}), "ApiId" => any_value()},
    );
    for key in ["$connect", "$disconnect"] {
        t.resource_has_properties(route(key).logical_id, object_like! {"RouteResponseSelectionExpression" => absent()});
    }
    // The deployment waits for the route response (and its id changes with it).
    t.has_resource("AWS::ApiGatewayV2::Deployment", object_like! {"DependsOn" => array_with([json!(response.logical_id)])});
}

#[test]
fn sync_mode_validates_the_body_at_the_edge_with_the_contract_schema() {
    let (t, agent) = synth(|s| ServerlessAgent::new(&mut s.scope("Agent"), public_props()));
    let Endpoint::Rest(rest) = agent.endpoint() else { panic!("Sync mode has a REST API") };
    assert_eq!(agent.backend(), &Backend::Inline);
    assert_eq!(rest.chat_path(), "/api/v1/chat");
    let api = &rest.api;
    t.has_resource_properties("AWS::ApiGateway::Model", object_like! {"Schema" => exact(agentcdk::contract::chat_request_schema())});
    // Public on explicit opt-in only; the body is validated; Lambda proxy integration.
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        object_like! {
            "AuthorizationType" => "NONE",
            "RequestValidatorId" => object_like! {"Ref" => any_value()},
            "Integration" => json!({"Type": "AWS_PROXY"}),
        },
    );
    t.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        object_like! {
            "ResponseType" => "BAD_REQUEST_BODY",
            "ResponseTemplates" => object_like! {"application/json" => starts_with("{\"error\":\"invalid_body\",\"message\":")},
        },
    );
    t.resource_has_properties(
        &agent.request_handler,
        object_like! {
            // A Sync agent's function timeout fits API Gateway's 29 s.
            "Timeout" => 29,
            "Environment" => json!({"Variables": {
                env::AGENT_MODE: env::AgentMode::Sync.as_str(),
                env::API_BASE_PATH: "api",
                env::API_VERSION: "v1",
                env::AGENT_ENDPOINT: "chat",
                // The public opt-in reaches the handler.
                env::ALLOW_ANONYMOUS: "true",
            }}),
        },
    );
    // The invoke permission names this API, method and path.
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({"SourceArn": {"Fn::Sub": [
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/POST/api/v1/chat",
            {"Api": {"Ref": api.api.logical_id()}}
        ]}}),
    );
}

#[test]
fn deployment_id_follows_the_api_content() {
    let with_endpoint = |endpoint: &str| {
        let endpoint = endpoint.to_owned();
        let (t, _) = synth(move |s| {
            ServerlessAgent::new(&mut s.scope("Agent"), AgentProps { agent_endpoint: endpoint, ..public_props() });
        });
        let deployment = t.resource("AWS::ApiGateway::Deployment", any_value()).logical_id.to_owned();
        t.has_resource_properties("AWS::ApiGateway::Stage", json!({"DeploymentId": {"Ref": deployment}}));
        let post = t.resource("AWS::ApiGateway::Method", json!({"HttpMethod": "POST"})).logical_id.to_owned();
        t.resource_has(deployment.as_str(), object_like! {"DependsOn" => array_with([post])});
        deployment
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
        AgentProps { mode: Mode::WebSocket(QueueOptions::default()), ..AgentProps::new(Model::bedrock("m"), Access::Authorizer(&auth)) },
    );
    let assembly = app.synthesize(&[]).unwrap();
    let names = handler_asset_names(&assembly);
    let mut expected: Vec<String> = artifacts::ALL
        .iter()
        .filter(|a| ![artifacts::Artifact::StreamHandler, artifacts::Artifact::AgentcoreProxy, artifacts::Artifact::McpOrders].contains(a))
        .map(|a| a.as_str().to_owned())
        .collect();
    expected.sort();
    assert_eq!(names, expected, "WebSocket mode uses every stock agent handler but the streaming ones, once each");
    let t = Template::from_assembly(&assembly, "S");
    t.resource_properties_count_is(
        "AWS::Lambda::Function",
        object_like! {
            "Runtime" => "provided.al2023",
            "Handler" => "bootstrap",
            "Code" => json!({"S3Bucket": {"Ref": "AssetBucket"}}),
            "TracingConfig" => exact(json!({"Mode": "Active"})),
            "LoggingConfig" => json!({"LogFormat": "JSON"}),
        },
        t.resources_of("AWS::Lambda::Function").count(),
    );
}

#[test]
fn alarms_cover_functions_and_dead_letter_queues() {
    let (t, _) = queue_agent(Mode::Queue);
    let alarm = "AWS::CloudWatch::Alarm";
    // The DLQ consumer empties the dead-letter queues, so their alarms count what reached them.
    t.resource_properties_count_is(alarm, json!({"MetricName": "NumberOfMessagesReceived", "Statistic": "Sum"}), 2);
    t.resource_properties_count_is(alarm, json!({"MetricName": "Errors"}), 3);
    t.resource_properties_count_is(alarm, json!({"MetricName": "Throttles"}), 3);
    let topic = t.resource("AWS::SNS::Topic", object_like! {"KmsMasterKeyId" => stack_key_arn(&t)});
    t.resource_properties_count_is(
        alarm,
        object_like! {"AlarmActions" => exact(json!([{"Ref": topic.logical_id}]))},
        t.resources_of(alarm).count(),
    );
}

#[test]
fn aws_managed_encryption_is_one_prop() {
    let (t, _) = synth(|s| {
        ServerlessAgent::new(&mut s.scope("Agent"), AgentProps { encryption: Encryption::AwsManaged, ..public_props() });
    });
    t.resource_count_is("AWS::KMS::Key", 0);
    assert!(t.resources_of("AWS::Logs::LogGroup").count() > 0);
    assert!(t.find_resources("AWS::Logs::LogGroup", object_like! {"KmsKeyId" => any_value()}).is_empty());
}

#[test]
fn agentcore_runtime_renders_the_serverless_framework_surface() {
    let (t, rt) = synth(|s| {
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
        )
    });
    t.resource_has_properties(
        &rt.runtime,
        object_like! {
            "AgentRuntimeName" => "Agent",
            "NetworkConfiguration" => exact(json!({"NetworkMode": "PUBLIC"})),
            "ProtocolConfiguration" => "MCP",
            "LifecycleConfiguration" => exact(json!({"IdleRuntimeSessionTimeout": 900, "MaxLifetime": 28800})),
            "AuthorizerConfiguration" => json!({"CustomJWTAuthorizer": {
                "AllowedAudience": ["agents"],
                "CustomClaims": [{"AuthorizingClaimMatchValue": {"ClaimMatchOperator": "CONTAINS_ANY"}}]
            }}),
            "RequestHeaderConfiguration" => exact(json!({"RequestHeaderAllowlist": ["X-Tenant"]})),
        },
    );
    t.resource_count_is("AWS::BedrockAgentCore::RuntimeEndpoint", 2);
    t.resource_has_properties(&rt.endpoints["prod"], json!({"AgentRuntimeVersion": "3"}));
    // The generated role pulls from exactly this repository, and reads no S3 object.
    t.assert_can(&rt.runtime, "ecr:BatchGetImage", object_like! {"Fn::Sub" => ends_with(":repository/support-agent")});
    for granted in t.granted_resources(&rt.runtime, "ecr:BatchGetImage") {
        assert!(granted["Fn::Sub"].as_str().is_some_and(|r| r.ends_with(":repository/support-agent")), "{granted}");
    }
    t.assert_cannot(&rt.runtime, "s3:GetObject");
}

#[test]
fn a_runtime_gets_exactly_the_permissions_to_use_its_memory_and_gateway() {
    let (t, (memory, gateway, rt)) = synth(|s| {
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
        (memory, gateway, rt)
    });
    t.resource_has_properties(
        &rt.runtime,
        object_like! {"EnvironmentVariables" => object_like! {
            "AGENTCORE_MEMORY_ID" => json!({"Fn::GetAtt": [memory.memory.logical_id(), "MemoryId"]}),
            "AGENTCORE_GATEWAY_URL" => json!({"Fn::GetAtt": [gateway.gateway.logical_id(), "GatewayUrl"]}),
        }},
    );
    t.assert_can_exactly(&rt.runtime, "bedrock-agentcore:CreateEvent", [memory.arn()]);
    t.assert_can_exactly(&rt.runtime, "bedrock-agentcore:InvokeGateway", [gateway.arn()]);
    t.has_resource_properties(
        "AWS::BedrockAgentCore::GatewayTarget",
        object_like! {"TargetConfiguration" => object_like! {"Mcp" => object_like! {"Lambda" => object_like! {"ToolSchema" => object_like! {
            "InlinePayload" => array_equals([exact(json!({
                "Name": "get_weather",
                "Description": "Weather by city",
                "InputSchema": {"Type": "object", "Properties": {"city": {"Type": "string", "Description": "City name"}}, "Required": ["city"]}
            }))])
        }}}}},
    );
    // The gateway's role may invoke exactly its Lambda target.
    t.assert_can_exactly(&gateway.role, "lambda:InvokeFunction", ["arn:aws:lambda:us-east-1:123456789012:function:weather"]);
    t.resource_has_properties(&memory.memory, json!({"EventExpiryDuration": 30}));
}

/// The `Metadata` a resource carries for the scanners: `checkov.skip` ids and comments.
fn checkov_skips(reasons: &[(&str, &str)]) -> Match {
    let skips: Vec<Match> = reasons.iter().map(|(id, comment)| Match::from(json!({"id": id, "comment": comment}))).collect();
    object_like! {"Metadata" => object_like! {"checkov" => object_like! {"skip" => array_equals(skips)}}}
}

#[test]
fn scanner_findings_are_justified_by_the_construct_that_decided() {
    use agentcdk::accepted;
    let (t, (agent, plain, limited)) = synth(|s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        let agent = ServerlessAgent::new(
            &mut s.scope("Agent"),
            AgentProps {
                mode: Mode::Queue(QueueOptions::default()),
                reserved_concurrency: Some(5),
                ..AgentProps::new(Model::bedrock("m"), Access::Authorizer(&auth))
            },
        );
        // Declared, but invoked by nothing the constructs know: its DLQ finding stays open.
        let plain = Function::new(&mut s.scope("Plain"), FunctionProps { code: Code::handler("agent-runner"), ..Default::default() });
        let limited = Function::new(
            &mut s.scope("Limited"),
            FunctionProps { code: Code::handler("agent-runner"), reserved_concurrency: Some(2), ..Default::default() },
        );
        (agent, plain, limited)
    });
    let (concurrency, vpc) = (accepted::NO_RESERVED_CONCURRENCY.reason, accepted::NO_VPC.reason);
    let (sync, sqs) = (accepted::INVOKED_SYNCHRONOUSLY.reason, accepted::INVOKED_BY_SQS.reason);
    // API Gateway invokes the request handler; SQS the runner (whose concurrency is reserved).
    t.resource_has(&agent.request_handler, checkov_skips(&[("CKV_AWS_115", concurrency), ("CKV_AWS_116", sync), ("CKV_AWS_117", vpc)]));
    t.resource_has(&queued(&agent).runner, checkov_skips(&[("CKV_AWS_116", sqs), ("CKV_AWS_117", vpc)]));
    t.resource_has(&plain, checkov_skips(&[("CKV_AWS_115", concurrency), ("CKV_AWS_117", vpc)]));
    t.resource_has(&limited, checkov_skips(&[("CKV_AWS_117", vpc)]));
    // cfn_nag and cfn-guard read their own keys.
    t.resource_has(
        &agent.request_handler,
        object_like! {"Metadata" => object_like! {
            "cfn_nag" => json!({"rules_to_suppress": [{"id": "W92", "reason": concurrency}, {"id": "W89", "reason": vpc}]}),
            "guard" => exact(json!({"SuppressedRules": ["LAMBDA_CONCURRENCY_CHECK", "LAMBDA_DLQ_CHECK", "LAMBDA_INSIDE_VPC"]})),
        }},
    );
    // The agent's stage has no cache on purpose; its methods have an authorizer, so no
    // public-method justification anywhere.
    let Endpoint::Rest(rest) = agent.endpoint() else { panic!("Queue mode has a REST API") };
    let stage = &rest.api.stage;
    t.resource_has(stage, checkov_skips(&[("CKV_AWS_120", accepted::NO_STAGE_CACHE.reason)]));
    t.resource_properties_count_is("AWS::ApiGateway::Method", any_value(), 2);
    assert!(t.find_resources("AWS::ApiGateway::Method", any_value()).iter().all(|m| m.json.get("Metadata").is_none()));
}

#[test]
fn a_public_agent_says_so_in_its_methods_metadata() {
    let (t, _) = synth(|s| {
        ServerlessAgent::new(&mut s.scope("Agent"), public_props());
    });
    t.has_resource(
        "AWS::ApiGateway::Method",
        object_like! {
            "Properties" => json!({"HttpMethod": "POST", "AuthorizationType": "NONE"}),
            "Metadata" => json!({"checkov": {"skip": [{"id": "CKV_AWS_59", "comment": agentcdk::accepted::PUBLIC_METHOD.reason}]}, "cfn_nag": {"rules_to_suppress": [{"id": "W59"}]}}),
        },
    );
}
