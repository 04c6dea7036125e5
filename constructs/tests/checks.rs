//! Every synth-time check of the constructs: each case makes one mistake and expects exactly
//! one error (or the named warning) with its stable code, the construct path and a hint.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk::apigw::rest::{AuthorizerKind, RestApi, RestApiProps};
use agentcdk::apigw::ws::{WebSocketApi, WebSocketApiProps};
use agentcdk::codes;
use agentcdk::dynamodb::{Attribute, AttributeType, GlobalSecondaryIndex, Table, TableProps};
use agentcdk::prelude::*;
use agentcdk::Severity;
use common::{diagnostics, expect, expect_error, jwt};

fn function(scope: &mut Scope) -> Function {
    Function::new(scope, FunctionProps { code: Code::handler("request-handler"), ..Default::default() })
}

fn agent_props<'a>() -> AgentProps<'a> {
    AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
}

#[test]
fn defaults_are_clean() {
    assert!(diagnostics(|s| {
        function(&mut s.scope("F"));
    })
    .is_empty());
}

#[test]
fn lambda_limits() {
    let f = |props: FunctionProps| move |s: &mut Stack| drop(Function::new(&mut s.scope("F"), props));
    let base = || FunctionProps { code: Code::handler("request-handler"), ..Default::default() };
    expect_error(f(FunctionProps { memory_mb: 64, ..base() }), "S/F", codes::LAMBDA_MEMORY);
    expect_error(f(FunctionProps { memory_mb: 10_241, ..base() }), "S/F", codes::LAMBDA_MEMORY);
    expect_error(f(FunctionProps { timeout: Duration::from_secs(901), ..base() }), "S/F", codes::LAMBDA_TIMEOUT);
    expect_error(f(FunctionProps { timeout: Duration::ZERO, ..base() }), "S/F", codes::LAMBDA_TIMEOUT);
    expect_error(f(FunctionProps { timeout: Duration::from_millis(1500), ..base() }), "S/F", codes::LAMBDA_TIMEOUT);
    expect_error(f(FunctionProps { reserved_concurrency: Some(1001), ..base() }), "S/F", codes::LAMBDA_RESERVED_CONCURRENCY);
    expect_error(f(FunctionProps { code: Code::handler(""), ..Default::default() }), "S/F", codes::LAMBDA_NO_CODE);
}

#[test]
fn environment_variables() {
    let f = |environment: BTreeMap<String, Value<String>>| {
        move |s: &mut Stack| {
            drop(Function::new(
                &mut s.scope("F"),
                FunctionProps { code: Code::handler("request-handler"), environment, ..Default::default() },
            ))
        }
    };
    let many: BTreeMap<_, _> = (0..51).map(|i| (format!("VAR_{i}"), Value::from("x"))).collect();
    expect_error(f(many), "S/F", codes::LAMBDA_ENVIRONMENT_SIZE);
    let big: BTreeMap<_, _> = [("BIG".to_owned(), Value::from("x".repeat(5000)))].into();
    expect_error(f(big), "S/F", codes::LAMBDA_ENVIRONMENT_SIZE);
    expect_error(f([("AWS_REGION".to_owned(), Value::from("x"))].into()), "S/F", codes::LAMBDA_ENVIRONMENT_NAME);
    expect_error(f([("1BAD-NAME".to_owned(), Value::from("x"))].into()), "S/F", codes::LAMBDA_ENVIRONMENT_NAME);
    expect_error(
        |s: &mut Stack| {
            let func = function(&mut s.scope("F"));
            func.add_environment(s, "_HANDLER", "x");
        },
        "S/F",
        codes::LAMBDA_ENVIRONMENT_NAME,
    );
}

#[test]
fn queue_limits() {
    let q = |props: QueueProps| move |s: &mut Stack| drop(Queue::new(&mut s.scope("Q"), props));
    expect_error(q(QueueProps { visibility_timeout: Duration::from_secs(43_201), ..Default::default() }), "S/Q", codes::SQS_BOUNDS);
    expect_error(
        q(QueueProps { retention: Duration::from_secs(30), visibility_timeout: Duration::from_secs(1), ..Default::default() }),
        "S/Q",
        codes::SQS_BOUNDS,
    );
    expect_error(q(QueueProps { content_based_deduplication: true, ..Default::default() }), "S/Q", codes::SQS_DEDUP_STANDARD);
    expect(q(QueueProps { dead_letter: None, ..Default::default() }), Severity::Warning, "S/Q", codes::SQS_NO_DEAD_LETTER);
    expect_error(
        q(QueueProps { dead_letter: Some(DeadLetter { max_receive_count: 0, ..Default::default() }), ..Default::default() }),
        "S/Q",
        codes::SQS_DEAD_LETTER,
    );
    expect_error(
        q(QueueProps { visibility_timeout: Duration::from_secs(3600), retention: Duration::from_secs(3 * 3600), ..Default::default() }),
        "S/Q",
        codes::SQS_DEAD_LETTER,
    );
    expect_error(
        q(QueueProps {
            dead_letter: Some(DeadLetter { max_receive_count: 3, retention: Duration::from_secs(3600) }),
            ..Default::default()
        }),
        "S/Q",
        codes::SQS_DEAD_LETTER,
    );
}

#[test]
fn table_checks() {
    let t = |props: TableProps| move |s: &mut Stack| drop(Table::new(&mut s.scope("T"), props));
    let gsis = (0..21)
        .map(|i| GlobalSecondaryIndex { name: format!("i{i}"), partition_key: Attribute::string(&format!("a{i}")), sort_key: None })
        .collect();
    expect_error(t(TableProps { global_secondary_indexes: gsis, ..Default::default() }), "S/T", codes::DYNAMODB_TOO_MANY_INDEXES);
    let clash = vec![GlobalSecondaryIndex {
        name: "i".into(),
        partition_key: Attribute { name: "pk".into(), kind: AttributeType::Number },
        sort_key: None,
    }];
    expect_error(t(TableProps { global_secondary_indexes: clash, ..Default::default() }), "S/T", codes::DYNAMODB_ATTRIBUTE_TYPES);
}

#[test]
fn rest_api_checks() {
    let api = |props: RestApiProps| move |s: &mut Stack| drop(RestApi::new(&mut s.scope("Api"), props));
    expect_error(api(RestApiProps { stage_name: "my stage".into(), ..Default::default() }), "S/Api", codes::APIGW_STAGE_NAME);
    expect_error(
        api(RestApiProps { throttling: Throttling { rate_limit: 0.0, burst_limit: 10 }, ..Default::default() }),
        "S/Api",
        codes::APIGW_THROTTLING,
    );
    expect_error(api(RestApiProps { cors: Some(Cors::default()), ..Default::default() }), "S/Api", codes::APIGW_CORS_NO_ORIGINS);
    expect_error(
        |s: &mut Stack| {
            let f = function(&mut s.scope("F"));
            let api = RestApi::new(&mut s.scope("Api"), RestApiProps::default());
            api.add_lambda_method(
                &mut s.root(),
                agentcdk::apigw::LambdaMethod::new(HttpMethod::Get, "a/b c", &f, &agentcdk::apigw::MethodAuth::Public),
            );
        },
        "S",
        codes::APIGW_PATH_SEGMENT,
    );
}

#[test]
fn websocket_authorizer_only_on_connect() {
    expect_error(
        |s: &mut Stack| {
            let f = function(&mut s.scope("F"));
            let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
            let api = WebSocketApi::new(&mut s.scope("Ws"), WebSocketApiProps::default());
            let a = auth.attach_websocket(&mut s.root(), &api);
            api.add_route(&mut s.scope("R"), "$default", &f, Some(&a));
        },
        "S/R",
        codes::APIGW_WS_ROUTE_AUTHORIZER,
    );
}

#[test]
fn authorizer_checks() {
    let auth = |props: AuthorizerProps| move |s: &mut Stack| drop(LambdaAuthorizer::new(&mut s.scope("Auth"), props));
    expect_error(
        auth(AuthorizerProps {
            jwt: JwtConfig { issuer: "http://insecure/".into(), jwks_url: Some("https://keys.example.com/jwks.json".into()), ..jwt() },
            ..Default::default()
        }),
        "S/Auth",
        codes::JWT_ISSUER,
    );
    expect_error(
        auth(AuthorizerProps { jwt: JwtConfig { audience: vec![], ..jwt() }, ..Default::default() }),
        "S/Auth",
        codes::JWT_AUDIENCE,
    );
    expect_error(
        auth(AuthorizerProps { jwt: JwtConfig { allowed_clients: vec![" ".into()], ..jwt() }, ..Default::default() }),
        "S/Auth",
        codes::JWT_AUDIENCE,
    );
    expect_error(
        auth(AuthorizerProps {
            jwt: JwtConfig {
                issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc/".into(),
                ..JwtConfig::cognito_access("x", ["web"])
            },
            ..Default::default()
        }),
        "S/Auth",
        codes::JWT_ISSUER,
    );
    expect_error(
        auth(AuthorizerProps { jwt: JwtConfig::cognito_access("abc123", ["web"]), ..Default::default() }),
        "S/Auth",
        codes::JWT_ISSUER,
    );
    expect_error(
        auth(AuthorizerProps { jwt: JwtConfig { jwks_url: Some("http://keys/".into()), ..jwt() }, ..Default::default() }),
        "S/Auth",
        codes::JWT_ISSUER,
    );
    expect_error(
        auth(AuthorizerProps { jwt: jwt(), result_ttl: Duration::from_secs(3601), ..Default::default() }),
        "S/Auth",
        codes::AUTHORIZER_CACHE,
    );
    expect_error(
        auth(AuthorizerProps { jwt: jwt(), rest_kind: AuthorizerKind::Request { identity_sources: vec![] }, ..Default::default() }),
        "S/Auth",
        codes::AUTHORIZER_CACHE,
    );
}

fn pipeline(change: impl FnOnce(&mut QueuePipelineProps<'_>)) -> impl FnOnce(&mut Stack) {
    move |s: &mut Stack| {
        let a = function(&mut s.scope("A"));
        let b = function(&mut s.scope("B"));
        let c = function(&mut s.scope("C"));
        let mut props = QueuePipelineProps::new(&a, &b, &c);
        change(&mut props);
        QueuePipeline::new(&mut s.scope("P"), props);
    }
}

#[test]
fn queue_pipeline_checks() {
    let batching: [fn(&mut QueuePipelineProps<'_>); 6] = [
        |p| p.batch_size = 11,
        |p| {
            p.fifo = false;
            p.batch_size = 0;
        },
        |p| p.batching_window = Duration::from_secs(5),
        |p| {
            p.fifo = false;
            p.batching_window = Duration::from_secs(301);
        },
        |p| {
            p.fifo = false;
            p.batch_size = 100;
        },
        |p| p.max_concurrency = Some(1),
    ];
    for change in batching {
        expect_error(pipeline(change), "S/P", codes::PIPELINE_BATCHING);
    }
    expect_error(pipeline(|p| p.visibility_timeout = Some(Duration::from_secs(60))), "S/P", codes::PIPELINE_VISIBILITY);
}

#[test]
fn websocket_api_needs_an_authorizer() {
    expect_error(
        |s: &mut Stack| {
            let f = function(&mut s.scope("F"));
            WsApi::new(&mut s.scope("Ws"), WsApiProps::new(None, &f));
        },
        "S/Ws",
        codes::WS_NO_AUTHORIZER,
    );
}

#[test]
fn serverless_agent_checks() {
    let agent = |change: fn(&mut AgentProps<'_>)| {
        move |s: &mut Stack| {
            let mut props = agent_props();
            change(&mut props);
            ServerlessAgent::new(&mut s.scope("Agent"), props);
        }
    };
    expect_error(agent(|p| p.model = Model::bedrock("")), "S/Agent", codes::AGENT_NO_MODEL);
    expect_error(agent(|p| p.access = Access::Iam), "S/Agent", codes::AGENT_ACCESS);
    expect_error(agent(|p| p.timeout = Some(Duration::from_secs(60))), "S/Agent", codes::AGENT_SYNC_TIMEOUT);
    expect_error(agent(|p| p.max_turns = Some(0)), "S/Agent", codes::AGENT_MAX_TURNS);
    expect_error(agent(|p| p.api_version = "{v}".into()), "S/Agent", codes::AGENT_PATH_SEGMENT);
    expect_error(
        agent(|p| {
            p.routes = vec![
                CustomRoute { method: HttpMethod::Get, path: "x".into(), code: Code::handler("request-handler") },
                CustomRoute { method: HttpMethod::Get, path: "x".into(), code: Code::handler("request-handler") },
            ]
        }),
        "S/Agent",
        codes::AGENT_ROUTE_CONFLICT,
    );
    expect_error(
        agent(|p| p.routes = vec![CustomRoute { method: HttpMethod::Post, path: "chat".into(), code: Code::handler("request-handler") }]),
        "S/Agent",
        codes::AGENT_ROUTE_CONFLICT,
    );
    // Neither `Access::Public` nor `Access::Iam` opens a WebSocket API: pushed replies must
    // reach their user only.
    for access in [Access::Public, Access::Iam] {
        expect(
            move |s: &mut Stack| {
                ServerlessAgent::new(
                    &mut s.scope("Agent"),
                    AgentProps { mode: Mode::WebSocket(QueueOptions::default()), access, ..agent_props() },
                );
            },
            Severity::Error,
            "S/Agent/WebSocket",
            codes::WS_NO_AUTHORIZER,
        );
    }
    // A WebSocket agent has no REST API for custom routes: refused, not silently dropped.
    expect_error(
        |s: &mut Stack| {
            let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
            ServerlessAgent::new(
                &mut s.scope("Agent"),
                AgentProps {
                    mode: Mode::WebSocket(QueueOptions::default()),
                    routes: vec![CustomRoute { method: HttpMethod::Get, path: "x".into(), code: Code::handler("request-handler") }],
                    ..AgentProps::new(Model::bedrock("m"), Access::Authorizer(&auth))
                },
            );
        },
        "S/Agent",
        codes::AGENT_ROUTES_WITHOUT_REST,
    );
}

/// Every access each front door takes synthesizes without a finding: REST takes an
/// authorizer or the public opt-in, WebSocket an authorizer, a Function URL IAM or public.
#[test]
fn every_front_door_takes_its_accesses_cleanly() {
    let url = Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl });
    let rest_modes = [Mode::Sync, Mode::Queue(QueueOptions::default()), Mode::Stream(StreamOptions::default())];
    for mode in rest_modes.into_iter().chain([Mode::WebSocket(QueueOptions::default()), url]) {
        let with_authorizer = mode != url;
        let plain = match mode {
            Mode::WebSocket(_) => vec![],
            _ if mode == url => vec![Access::Iam, Access::Public],
            _ => vec![Access::Public],
        };
        for access in plain {
            let found = diagnostics(|s| drop(ServerlessAgent::new(&mut s.scope("Agent"), AgentProps { mode, access, ..agent_props() })));
            assert!(found.is_empty(), "{mode:?} with {access:?}: {found:?}");
        }
        if with_authorizer {
            let found = diagnostics(|s| {
                let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
                ServerlessAgent::new(&mut s.scope("Agent"), AgentProps { mode, access: Access::Authorizer(&auth), ..agent_props() });
            });
            assert!(found.is_empty(), "{mode:?} with an authorizer: {found:?}");
        }
    }
}

#[test]
fn all_mistakes_are_reported_together() {
    let found = diagnostics(|s| {
        Function::new(
            &mut s.scope("F"),
            FunctionProps {
                memory_mb: 1,
                timeout: Duration::from_secs(1000),
                code: Code::handler("request-handler"),
                ..Default::default()
            },
        );
        Queue::new(&mut s.scope("Q"), QueueProps { retention: Duration::from_secs(1), ..Default::default() });
    });
    assert!(found.len() >= 3, "{found:?}");
}

#[test]
fn agentcore_runtime_ranges() {
    let container = || RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1".into() };
    let rt = |props: AgentCoreRuntimeProps| move |s: &mut Stack| drop(AgentCoreRuntime::new(&mut s.scope("Rt"), props));
    let base = || AgentCoreRuntimeProps { artifact: container(), ..Default::default() };
    assert!(diagnostics(rt(base())).is_empty(), "defaults are clean");
    expect_error(rt(AgentCoreRuntimeProps { name: Some("1-bad".into()), ..base() }), "S/Rt", codes::AGENTCORE_NAME);
    expect_error(rt(AgentCoreRuntimeProps { idle_session_timeout: Duration::from_secs(59), ..base() }), "S/Rt", codes::AGENTCORE_BOUNDS);
    expect_error(rt(AgentCoreRuntimeProps { max_lifetime: Duration::from_secs(28_801), ..base() }), "S/Rt", codes::AGENTCORE_BOUNDS);
    expect_error(
        rt(AgentCoreRuntimeProps { idle_session_timeout: Duration::from_secs(3600), max_lifetime: Duration::from_secs(600), ..base() }),
        "S/Rt",
        codes::AGENTCORE_BOUNDS,
    );
    expect_error(
        rt(AgentCoreRuntimeProps { artifact: RuntimeArtifact::Container { uri: "docker.io/agent:1".into() }, ..base() }),
        "S/Rt",
        codes::AGENTCORE_LOCATION,
    );
    expect_error(
        rt(AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::Code {
                bucket: "b".into(),
                key: "k.zip".into(),
                runtime: PythonRuntime::Python3_12,
                entry_point: vec![],
            },
            ..base()
        }),
        "S/Rt",
        codes::AGENTCORE_INCOMPLETE,
    );
    expect_error(
        rt(AgentCoreRuntimeProps { network: RuntimeNetwork::Vpc { subnets: vec!["subnet-1".into()], security_groups: vec![] }, ..base() }),
        "S/Rt",
        codes::AGENTCORE_NETWORK,
    );
    expect_error(
        rt(AgentCoreRuntimeProps {
            authorizer: RuntimeAuthorizer::CustomJwt {
                discovery_url: "https://issuer.example.com/".into(),
                allowed_audience: vec![],
                allowed_clients: vec![],
                allowed_scopes: vec![],
                custom_claims: BTreeMap::new(),
            },
            ..base()
        }),
        "S/Rt",
        codes::AGENTCORE_LOCATION,
    );
    let many: BTreeMap<_, _> = (0..51).map(|i| (format!("V{i}"), Value::from("x"))).collect();
    expect_error(rt(AgentCoreRuntimeProps { environment: many, ..base() }), "S/Rt", codes::AGENTCORE_BOUNDS);
    expect_error(
        rt(AgentCoreRuntimeProps { request_headers: (0..21).map(|i| format!("X-H{i}")).collect(), ..base() }),
        "S/Rt",
        codes::AGENTCORE_BOUNDS,
    );
    expect_error(rt(AgentCoreRuntimeProps { description: Some("d".repeat(1201)), ..base() }), "S/Rt", codes::AGENTCORE_BOUNDS);
    let endpoint = |name: &str, description: Option<String>| RuntimeEndpointProps { name: name.into(), version: None, description };
    expect_error(rt(AgentCoreRuntimeProps { endpoints: vec![endpoint("bad-name", None)], ..base() }), "S/Rt", codes::AGENTCORE_NAME);
    expect_error(
        rt(AgentCoreRuntimeProps { endpoints: vec![endpoint("prod", None), endpoint("prod", None)], ..base() }),
        "S/Rt",
        codes::AGENTCORE_DUPLICATE,
    );
    expect_error(
        rt(AgentCoreRuntimeProps { endpoints: vec![endpoint("prod", Some("d".repeat(257)))], ..base() }),
        "S/Rt",
        codes::AGENTCORE_BOUNDS,
    );
}

#[test]
fn agentcore_family_ranges() {
    let memory = |props: AgentCoreMemoryProps| move |s: &mut Stack| drop(AgentCoreMemory::new(&mut s.scope("Mem"), props));
    assert!(diagnostics(memory(AgentCoreMemoryProps::default())).is_empty());
    expect_error(memory(AgentCoreMemoryProps { event_expiry_days: 2, ..Default::default() }), "S/Mem", codes::AGENTCORE_BOUNDS);
    expect_error(memory(AgentCoreMemoryProps { event_expiry_days: 366, ..Default::default() }), "S/Mem", codes::AGENTCORE_BOUNDS);
    let strategy = |name: &str| MemoryStrategy { kind: MemoryStrategyKind::Semantic, name: name.into(), namespaces: vec![] };
    expect_error(
        memory(AgentCoreMemoryProps { strategies: vec![strategy("facts"), strategy("facts")], ..Default::default() }),
        "S/Mem",
        codes::AGENTCORE_DUPLICATE,
    );
    expect_error(memory(AgentCoreMemoryProps { strategies: vec![strategy("1x")], ..Default::default() }), "S/Mem", codes::AGENTCORE_NAME);

    let gateway = |props: AgentCoreGatewayProps| move |s: &mut Stack| drop(AgentCoreGateway::new(&mut s.scope("Gw"), props));
    let target = |name: &str, kind: TargetKind| GatewayTargetProps { name: name.into(), description: None, kind };
    let mcp = || TargetKind::McpServer { endpoint: "https://mcp.example.com/mcp".into() };
    assert!(diagnostics(gateway(AgentCoreGatewayProps { targets: vec![target("docs", mcp())], ..Default::default() })).is_empty());
    expect_error(
        gateway(AgentCoreGatewayProps { instructions: Some("i".repeat(2049)), ..Default::default() }),
        "S/Gw",
        codes::AGENTCORE_BOUNDS,
    );
    expect_error(
        gateway(AgentCoreGatewayProps {
            targets: vec![target("docs", TargetKind::McpServer { endpoint: "http://mcp".into() })],
            ..Default::default()
        }),
        "S/Gw",
        codes::AGENTCORE_LOCATION,
    );
    expect_error(
        gateway(AgentCoreGatewayProps {
            targets: vec![target("api", TargetKind::OpenApi(SchemaSource::S3("bucket/openapi.json".into())))],
            ..Default::default()
        }),
        "S/Gw",
        codes::AGENTCORE_LOCATION,
    );
    expect_error(
        gateway(AgentCoreGatewayProps {
            targets: vec![target(
                "fn",
                TargetKind::Lambda { function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(), tools: vec![] },
            )],
            ..Default::default()
        }),
        "S/Gw",
        codes::AGENTCORE_INCOMPLETE,
    );
    expect_error(
        gateway(AgentCoreGatewayProps { targets: vec![target("a", mcp()), target("a", mcp())], ..Default::default() }),
        "S/Gw",
        codes::AGENTCORE_DUPLICATE,
    );
    expect_error(
        gateway(AgentCoreGatewayProps {
            authorizer: GatewayAuthorizer::CustomJwt {
                discovery_url: "https://x/".into(),
                allowed_audience: vec![],
                allowed_clients: vec![],
            },
            ..Default::default()
        }),
        "S/Gw",
        codes::AGENTCORE_LOCATION,
    );
    expect_error(|s: &mut Stack| drop(browser(&mut s.scope("B"), "web", ToolNetwork::Sandbox)), "S/B", codes::AGENTCORE_NETWORK);
    expect_error(
        |s: &mut Stack| drop(code_interpreter(&mut s.scope("C"), "py", ToolNetwork::Vpc { subnets: vec![], security_groups: vec![] })),
        "S/C",
        codes::AGENTCORE_NETWORK,
    );
}

#[test]
fn justifications_need_a_reason_and_the_checks_resource_type() {
    expect_error(
        |s: &mut Stack| {
            let q = Queue::new(&mut s.scope("Q"), QueueProps::default());
            s.resource(&q.queue).justify(Check::LambdaDeadLetterQueue, "because");
        },
        "S/Q/Resource",
        agentcdk_synth::codes::BAD_JUSTIFICATION,
    );
    expect_error(
        |s: &mut Stack| {
            let f = function(&mut s.scope("F"));
            s.resource(&f.function).justify(Check::LambdaDeadLetterQueue, "  ");
        },
        "S/F/Resource",
        agentcdk_synth::codes::BAD_JUSTIFICATION,
    );
}

#[test]
fn codes_are_unique_across_the_library_and_the_model() {
    let mut seen = std::collections::HashMap::new();
    for (name, code) in codes::ALL.iter().chain(agentcdk_synth::codes::ALL) {
        assert!(code.as_str().starts_with("AC1") || code.as_str().starts_with("AC2"), "{name} = {code}");
        if let Some(other) = seen.insert(*code, *name) {
            panic!("{code} is both {other} and {name}");
        }
    }
    assert!(codes::ALL.iter().all(|(_, c)| c.as_str().starts_with("AC2")), "the library's codes are AC2xxx");
}

#[test]
fn a_construct_warning_can_be_acknowledged_by_code_on_its_path() {
    // The queue warns that it has no dead-letter queue; the app acknowledges exactly that code
    // on that construct, and synth lists the reason instead of the warning.
    let mut app = App::new();
    let stack = app.stack("S", StackProps::default());
    let mut scope = stack.scope("Q");
    Queue::new(&mut scope, QueueProps { dead_letter: None, ..Default::default() });
    scope.acknowledge(codes::SQS_NO_DEAD_LETTER, "replays come from the source system");
    let assembly = app.synthesize(&[]).expect("a warning is not an error");
    assert!(assembly.warnings.iter().all(|w| w.code != codes::SQS_NO_DEAD_LETTER), "{:?}", assembly.warnings);
    let acknowledged: Vec<_> = assembly.acknowledged.iter().map(|a| (a.warning.code, a.warning.path.as_str(), a.reason.as_str())).collect();
    assert_eq!(acknowledged, [(codes::SQS_NO_DEAD_LETTER, "S/Q", "replays come from the source system")]);
}

#[test]
fn a_bare_model_id_bedrock_serves_only_through_a_profile_is_a_warning_naming_the_profile() {
    let agent = |id: &'static str| {
        move |s: &mut Stack| {
            let mut props = agent_props();
            props.model = Model::bedrock(id);
            ServerlessAgent::new(&mut s.scope("Agent"), props);
        }
    };
    let bare = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    expect(agent(bare), Severity::Warning, "S/Agent", codes::AGENT_MODEL_PROFILE);
    let found = diagnostics(agent(bare));
    assert!(found[0].hint.as_deref().unwrap().contains("Model::bedrock(\"us.anthropic.claude-sonnet-4-5-20250929-v1:0\")"), "{}", found[0]);
    assert!(diagnostics(agent("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).is_empty(), "the profile id is what Bedrock serves");
    assert!(diagnostics(agent("amazon.nova-pro-v1:0")).is_empty(), "a model served on demand keeps its bare id");
}
