//! Every example synthesizes, matches its snapshot (snapshots/), is deterministic, and passes
//! cfn-lint with zero errors and zero warnings.

use std::path::{Path, PathBuf};

use agentcdk_tests::{cfn_lint, examples, redacted_template, synth_into};

#[test]
fn examples_match_their_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (name, app) in examples() {
            let out = tempfile::tempdir().unwrap();
            let assembly = synth_into(app(), out.path());
            for (i, stack) in assembly.stacks.iter().enumerate() {
                insta::assert_snapshot!(format!("{name}__{}", stack.name), redacted_template(&assembly, i));
            }
        }
    });
}

#[test]
fn examples_are_deterministic() {
    for (name, app) in examples() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let a = synth_into(app(), one.path());
        let b = synth_into(app(), two.path());
        for (x, y) in a.stacks.iter().zip(&b.stacks) {
            let bytes_a = std::fs::read(one.path().join(x.file_name())).unwrap();
            let bytes_b = std::fs::read(two.path().join(y.file_name())).unwrap();
            assert_eq!(bytes_a, bytes_b, "{name}: {} differs between runs", x.name);
        }
    }
}

#[test]
fn examples_pass_cfn_lint_without_errors_or_warnings() {
    let out = tempfile::tempdir().unwrap();
    let mut templates = Vec::new();
    for (name, app) in examples() {
        let dir = out.path().join(name);
        let assembly = synth_into(app(), &dir);
        templates.extend(assembly.stacks.iter().map(|s| dir.join(s.file_name())));
    }
    assert!(!templates.is_empty());
    let (code, text) = cfn_lint(&templates);
    // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    assert_eq!(code & (2 | 4), 0, "cfn-lint found errors or warnings (exit {code}):\n{text}");
    assert!(code == 0 || code == 8, "cfn-lint failed to run (exit {code}):\n{text}");
}

#[test]
fn cfn_lint_really_reports_a_broken_template() {
    // Guards the test above: a template with an error must make cfn-lint exit non-zero.
    let out = tempfile::tempdir().unwrap();
    let bad = out.path().join("Bad.template.json");
    std::fs::write(&bad, r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}}}}"#).unwrap();
    let (code, text) = cfn_lint(&[bad]);
    assert_ne!(code & 2, 0, "cfn-lint should report an error:\n{text}");
}

/// `McpServer` over API Gateway REST behind a Lambda authorizer (no example uses it), with an
/// agent calling it with a bearer token.
fn mcp_server_behind_an_authorizer(out: &Path) -> PathBuf {
    use agentcdk::prelude::*;
    let mut app = App::new();
    let stack = app.stack("McpRest", StackProps::default());
    let jwt = JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["tools".into()], ..Default::default() };
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt);
    let (server, _) = McpServer::orders(&mut stack.scope("Tools"), McpServerProps { authorizer: Some(auth), ..Default::default() });
    let token = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tools-token";
    let tools = vec![ToolSource::server(&server).with_auth(McpAuth::bearer(token))];
    ServerlessAgent::new(
        &mut stack.scope("Agent"),
        AgentProps { tools, ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public) },
    );
    let assembly = synth_into(app, out);
    out.join(assembly.stacks[0].file_name())
}

/// A2A on REST front doors (the support desk's agents use Function URLs): a Sync and a Queue
/// agent behind an authorizer and a Stream agent over REST, each publishing a card. The card
/// methods are public and justified in the template; checkov must read the justification.
fn a2a_on_rest_front_doors(out: &Path) -> PathBuf {
    use agentcdk::prelude::*;
    let mut app = App::new();
    let stack = app.stack("A2aRest", StackProps::default());
    let jwt = JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["agents".into()], ..Default::default() };
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt);
    let model = || Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    let modes = [("Sync", Mode::Sync), ("Queue", Mode::Queue(QueueOptions::default())), ("Stream", Mode::Stream(StreamOptions::default()))];
    for (id, mode) in modes {
        let a2a = Some(A2aProps::new(id, "An agent other agents call").skill("answer", "Answer", "Answers a question"));
        ServerlessAgent::new(&mut stack.scope(id), AgentProps { mode, a2a, ..AgentProps::new(model(), Access::Authorizer(&auth)) });
    }
    let assembly = synth_into(app, out);
    out.join(assembly.stacks[0].file_name())
}

/// WAF behind CloudFront in front of public Function URLs (no example has one: the stream
/// example takes IAM callers, the AgentCore example a JWT runtime, which CloudFront's signature
/// would displace): a Stream agent and an AgentCore door of an IAM runtime. The REST WAF is in
/// the queue-agent example.
fn cloudfront_with_waf(out: &Path) -> PathBuf {
    use agentcdk::prelude::*;
    let mut app = App::new();
    let stack = app.stack("Edge", StackProps::default());
    ServerlessAgent::new(
        &mut stack.scope("Stream"),
        AgentProps {
            mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
            waf: Some(WafProps::default()),
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
        },
    );
    let runtime = AgentCoreRuntime::new(
        &mut stack.scope("Runtime"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:v1".into() },
            ..Default::default()
        },
    );
    AgentCoreFrontDoor::new(
        &mut stack.scope("Door"),
        &runtime,
        FrontDoorProps {
            kind: FrontDoorKind::FunctionUrl(UrlAuth::None),
            public: true,
            waf: Some(WafProps::default()),
            ..Default::default()
        },
    );
    // AC1406 (synth's code: the template is over 51,200 bytes, deployed with a bucket).
    stack.acknowledge("Edge", agentcdk::DiagnosticCode::new("AC1406"), "deployed with --bucket");
    for path in ["Edge/Stream/Cdn", "Edge/Door/Cdn"] {
        stack.acknowledge(path, agentcdk::codes::WAF_CLOUDFRONT_REGION, "deployed to us-east-1");
    }
    let assembly = synth_into(app, out);
    assert!(assembly.warnings.is_empty(), "{:?}", assembly.warnings);
    out.join(assembly.stacks[0].file_name())
}

/// Agents whose turn is delegated (`AgentBackend`): a Queue agent to a Lambda function, a
/// WebSocket agent to an AgentCore runtime and a Stream agent to the same runtime, with A2A on
/// the Stream one. The runners' and handlers' policies name only the backend's invoke.
fn delegated_agents(out: &Path) -> PathBuf {
    use agentcdk::prelude::*;
    let mut app = App::new();
    let stack = app.stack("Backends", StackProps::default());
    let jwt = JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["agents".into()], ..Default::default() };
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt);
    let function = Function::new(&mut stack.scope("PyAgent"), FunctionProps { code: Code::handler("turn-backend"), ..Default::default() });
    let runtime = AgentCoreRuntime::new(
        &mut stack.scope("Runtime"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1".into() },
            ..Default::default()
        },
    );
    let agents = [
        ("Queue", Mode::Queue(QueueOptions::default()), AgentBackend::Function(&function), None),
        ("Ws", Mode::WebSocket(QueueOptions::default()), AgentBackend::AgentCore(&runtime), None),
        ("Stream", Mode::Stream(StreamOptions::default()), AgentBackend::AgentCore(&runtime), Some(A2aProps::new("Stream", "Streams"))),
    ];
    for (id, mode, backend, a2a) in agents {
        ServerlessAgent::new(
            &mut stack.scope(id),
            AgentProps { mode, a2a, ..AgentProps::with_backend(backend, Access::Authorizer(&auth)) },
        );
    }
    let assembly = synth_into(app, out);
    out.join(assembly.stacks[0].file_name())
}

/// Apps no example covers, in one cfn-lint and one checkov run (each tool's start-up is most of
/// its time): an MCP server behind an authorizer, A2A on REST doors, WAF behind CloudFront,
/// delegated agents, and every mode's dashboard with a token alarm.
#[test]
fn apps_no_example_covers_pass_cfn_lint_and_checkov() {
    let out = tempfile::tempdir().unwrap();
    let dir = |name: &str| out.path().join(name);
    let templates = [
        mcp_server_behind_an_authorizer(&dir("mcp")),
        a2a_on_rest_front_doors(&dir("a2a")),
        cloudfront_with_waf(&dir("edge")),
        delegated_agents(&dir("backends")),
        dashboards_and_token_alarms_in_every_mode(&dir("observed")),
    ];
    let (code, text) = cfn_lint(&templates);
    assert_eq!(code & (2 | 4), 0, "cfn-lint found errors or warnings (exit {code}):\n{text}");
    let findings = agentcdk_tests::checkov::run_checkov(&templates);
    assert!(findings.is_empty(), "checkov: {}", findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
}

#[test]
fn agentcore_family_passes_cfn_lint() {
    use agentcdk::prelude::*;
    let mut app = App::new();
    let stack = app.stack("Runtimes", StackProps::default());
    AgentCoreRuntime::new(
        &mut stack.scope("Container"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:v1".into() },
            authorizer: RuntimeAuthorizer::CustomJwt {
                discovery_url: "https://issuer.example.com/.well-known/openid-configuration".into(),
                allowed_audience: vec!["agents".into()],
                allowed_clients: vec!["web".into()],
                allowed_scopes: vec!["invoke".into()],
                custom_claims: [("tier".to_owned(), ClaimRule::Equals("pro".into()))].into(),
            },
            endpoints: vec![RuntimeEndpointProps { name: "prod".into(), version: Some("1".into()), description: Some("pinned".into()) }],
            request_headers: vec!["X-Tenant".into()],
            environment: [("LOG_LEVEL".to_owned(), Value::from("info"))].into(),
            ..Default::default()
        },
    );
    AgentCoreRuntime::new(
        &mut stack.scope("Code"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::python_s3("my-artifacts", "agent/code.zip", "main.py"),
            network: RuntimeNetwork::Vpc { subnets: vec!["subnet-0abc1234".into()], security_groups: vec!["sg-0abc1234".into()] },
            protocol: RuntimeProtocol::A2a,
            ..Default::default()
        },
    );
    let memory = family_memory(stack);
    let gateway = family_gateway(stack);
    let runtime = AgentCoreRuntime::new(
        &mut stack.scope("WithTools"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:v2".into() },
            ..Default::default()
        },
    );
    runtime.use_memory(stack, &memory);
    runtime.use_gateway(stack, &gateway);
    browser(&mut stack.scope("Browser"), "web", ToolNetwork::Public);
    code_interpreter(&mut stack.scope("Python"), "py", ToolNetwork::Sandbox);
    let out = tempfile::tempdir().unwrap();
    let assembly = synth_into(app, out.path());
    let (code, text) = cfn_lint(&[out.path().join(assembly.stacks[0].file_name())]);
    assert_eq!(code & (2 | 4), 0, "cfn-lint found errors or warnings (exit {code}):\n{text}");
}

/// Memory with a semantic and a user-preference strategy.
fn family_memory(stack: &mut agentcdk::Stack) -> agentcdk::prelude::AgentCoreMemory {
    use agentcdk::prelude::*;
    AgentCoreMemory::new(
        &mut stack.scope("Memory"),
        AgentCoreMemoryProps {
            strategies: vec![
                MemoryStrategy {
                    kind: MemoryStrategyKind::Semantic,
                    name: "facts".into(),
                    namespaces: vec!["/users/{actorId}/facts".into()],
                },
                MemoryStrategy { kind: MemoryStrategyKind::UserPreference, name: "prefs".into(), namespaces: vec![] },
            ],
            ..Default::default()
        },
    )
}

/// A gateway with a Lambda, an MCP server and a Smithy target.
fn family_gateway(stack: &mut agentcdk::Stack) -> agentcdk::prelude::AgentCoreGateway {
    use agentcdk::prelude::*;
    AgentCoreGateway::new(
        &mut stack.scope("Tools"),
        AgentCoreGatewayProps {
            instructions: Some("Use these tools for weather and documentation questions.".into()),
            targets: vec![
                GatewayTargetProps {
                    name: "weather".into(),
                    description: Some("Weather by city".into()),
                    kind: TargetKind::Lambda {
                        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:weather".into(),
                        tools: vec![ToolSpec {
                            name: "get_weather".into(),
                            description: "Weather by city".into(),
                            input_schema: serde_json::json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
                        }],
                    },
                },
                GatewayTargetProps {
                    name: "docs".into(),
                    description: None,
                    kind: TargetKind::McpServer { endpoint: "https://mcp.example.com/mcp".into() },
                },
                GatewayTargetProps {
                    name: "billing".into(),
                    description: None,
                    kind: TargetKind::Smithy(SchemaSource::S3("s3://my-models/billing.json".into())),
                },
            ],
            ..Default::default()
        },
    )
}

#[test]
fn cost_finds_the_front_doors_of_the_examples() {
    let usage = agentcdk::cost::Usage {
        requests: 1_000_000,
        duration: std::time::Duration::from_secs(5),
        response_bytes: 4096,
        ..Default::default()
    };
    let quickstart = synth_into(quickstart::app(), tempfile::tempdir().unwrap().path());
    let e = agentcdk::cost::estimate(&quickstart.stacks[0].json, &usage);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].front_door, agentcdk::cost::FrontDoor::RestApi);
    assert!(e[0].function.starts_with("AssistantRequestHandler"));
    assert_eq!(e[0].memory_mb, 512);
    // 1M × 5 s × 0.5 GB at x86_64 prices + requests + $3.50 of API Gateway.
    assert_eq!(((e[0].front_door_requests + e[0].lambda()) * 100.0).round() as i64, 4537);
    // The model: 1M × 2 calls × (2,000 × $3.30 + 400 × $16.50) per million tokens (us. Sonnet 4.5).
    assert_eq!(e[0].model_id.as_deref(), Some("us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
    assert_eq!((e[0].model.unwrap() * 100.0).round() as i64, 2_640_000);
    let full = synth_into(full::app(), tempfile::tempdir().unwrap().path());
    let e = agentcdk::cost::estimate(&full.stacks[0].json, &usage);
    let kinds: Vec<(&str, agentcdk::cost::FrontDoor)> = e.iter().map(|e| (e.function.as_str(), e.front_door)).collect();
    use agentcdk::cost::FrontDoor::{RestApi, StreamingFunctionUrl, StreamingRestApi, WebSocket};
    assert_eq!(kinds.len(), 6, "Sync, Queue, WebSocket and Stream agents, two AgentCore doors: {kinds:?}");
    for (prefix, kind) in [
        ("ChatRequestHandler", WebSocket),
        ("AssistantRequestHandler", RestApi),
        ("ResearchRequestHandler", RestApi),
        ("WriterStreamHandler", StreamingRestApi),
        ("PlannerApiProxy", RestApi),
        ("PlannerStreamProxy", StreamingRestApi),
    ] {
        assert!(kinds.iter().any(|(f, k)| f.starts_with(prefix) && *k == kind), "{prefix} behind {kind:?}: {kinds:?}");
    }
    for (name, app) in [("stream-agent", stream_agent::app as fn() -> agentcdk::App), ("agentcore-agent", agentcore_agent::app)] {
        let assembly = synth_into(app(), tempfile::tempdir().unwrap().path());
        let e = agentcdk::cost::estimate(&assembly.stacks[0].json, &usage);
        assert_eq!(e.len(), 1, "{name}: {e:?}");
        assert_eq!(e[0].front_door, StreamingFunctionUrl, "{name}");
        assert_eq!(e[0].front_door_requests, 0.0, "{name}: Function URLs have no request fee");
    }
}

/// Every mode's dashboard and a token alarm (no example sets one) pass cfn-lint and checkov:
/// one app with an agent per mode, each with `token_alarm`, one with its alarms off.
fn dashboards_and_token_alarms_in_every_mode(out: &Path) -> PathBuf {
    use agentcdk::prelude::*;
    let mut app = App::new();
    let stack = app.stack("Observed", StackProps::default());
    let jwt = JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["api".into()], ..Default::default() };
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt);
    let modes = [
        ("Sync", Mode::Sync),
        ("Queue", Mode::Queue(QueueOptions::default())),
        ("Ws", Mode::WebSocket(QueueOptions::default())),
        ("Rest", Mode::Stream(StreamOptions::default())),
        ("Url", Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl })),
    ];
    for (i, (id, mode)) in modes.into_iter().enumerate() {
        let access = if id == "Url" { Access::Iam } else { Access::Authorizer(&auth) };
        ServerlessAgent::new(
            &mut stack.scope(id),
            AgentProps {
                mode,
                token_alarm: Some(1_000_000),
                alarms: i != 0,
                ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), access)
            },
        );
    }
    let assembly = synth_into(app, out);
    let template = out.join(assembly.stacks[0].file_name());
    let text = std::fs::read_to_string(&template).unwrap();
    assert_eq!(text.matches("\"AWS::CloudWatch::Dashboard\"").count(), 5, "one dashboard per agent");
    template
}
