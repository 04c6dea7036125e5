//! An agent hosted on Amazon Bedrock AgentCore Runtime, the shape the Serverless Framework's
//! `ai: agents:` block deploys: a container runtime that verifies callers' JWTs itself, two
//! endpoints (a pinned `prod` and a `canary` on the latest version), long-term memory, a
//! gateway exposing a Lambda tool, and a response-streaming Function URL in front (option 2)
//! that forwards the caller's bearer token and a tenant header.

#![warn(missing_docs)]

use agentcdk::prelude::*;

/// The app: one stack, `SupportRuntime`.
pub fn app() -> App {
    let mut app = App::new();
    let stack = app.stack(
        "SupportRuntime",
        StackProps {
            description: Some("agentcdk: an AgentCore Runtime agent with memory, tools and a streaming front door".into()),
            ..Default::default()
        },
    );
    let tool_arn = stack.parameter(
        "WeatherToolArn",
        Parameter::string()
            .description("ARN of the Lambda function behind the get_weather tool")
            .allowed_pattern("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$"),
    );
    let memory = memory(stack);
    let gateway = tools(stack, tool_arn.value().into());
    let runtime = runtime(stack);
    runtime.use_memory(stack, &memory);
    runtime.use_gateway(stack, &gateway);
    let door = AgentCoreFrontDoor::new(
        &mut stack.scope("Door"),
        &runtime,
        FrontDoorProps {
            // The runtime verifies every bearer token (CUSTOM_JWT), so the URL itself is open:
            // an IAM URL would claim the Authorization header for SigV4.
            kind: FrontDoorKind::FunctionUrl(UrlAuth::None),
            public: true,
            endpoint: Some("prod".into()),
            forward_headers: vec!["x-tenant-id".into()],
            ..Default::default()
        },
    );
    stack.output("DoorUrl", Output::new(door.url()).description("POST agent invocations here"));
    stack.output("RuntimeArn", runtime.arn());
    app
}

/// Long-term memory: facts per customer and a summary per session.
fn memory(stack: &mut Stack) -> AgentCoreMemory {
    AgentCoreMemory::new(
        &mut stack.scope("Memory"),
        AgentCoreMemoryProps {
            description: Some("What the support agent remembers about each customer".into()),
            event_expiry_days: 90,
            strategies: vec![
                MemoryStrategy {
                    kind: MemoryStrategyKind::Semantic,
                    name: "facts".into(),
                    namespaces: vec!["/customers/{actorId}/facts".into()],
                },
                MemoryStrategy {
                    kind: MemoryStrategyKind::Summary,
                    name: "sessions".into(),
                    namespaces: vec!["/customers/{actorId}/{sessionId}".into()],
                },
            ],
            ..Default::default()
        },
    )
}

/// A gateway whose one target is the weather Lambda (`function_arn`), described as one tool.
fn tools(stack: &mut Stack, function_arn: Value<String>) -> AgentCoreGateway {
    AgentCoreGateway::new(
        &mut stack.scope("Tools"),
        AgentCoreGatewayProps {
            instructions: Some("Call get_weather for questions about the weather at a customer's site.".into()),
            targets: vec![GatewayTargetProps {
                name: "weather".into(),
                description: Some("Current weather by city".into()),
                kind: TargetKind::Lambda {
                    function_arn,
                    tools: vec![ToolSpec {
                        name: "get_weather".into(),
                        description: "Current weather for a city".into(),
                        input_schema: serde_json::json!({
                            "type": "object",
                            "properties": {"city": {"type": "string", "description": "City name"}},
                            "required": ["city"]
                        }),
                    }],
                },
            }],
            ..Default::default()
        },
    )
}

/// The container runtime: CUSTOM_JWT callers, a pinned and a latest endpoint, one custom header.
fn runtime(stack: &mut Stack) -> AgentCoreRuntime {
    AgentCoreRuntime::new(
        &mut stack.scope("Support"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent:1.4.0".into() },
            authorizer: RuntimeAuthorizer::CustomJwt {
                discovery_url: "https://login.example.com/.well-known/openid-configuration".into(),
                allowed_audience: vec!["support-agent".into()],
                allowed_clients: vec!["support-web".into()],
                allowed_scopes: vec!["agent:invoke".into()],
                custom_claims: Default::default(),
            },
            endpoints: vec![
                RuntimeEndpointProps { name: "prod".into(), version: Some("1".into()), description: Some("Pinned release".into()) },
                RuntimeEndpointProps { name: "canary".into(), version: None, description: Some("Latest version".into()) },
            ],
            request_headers: vec!["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant-Id".into()],
            environment: [("LOG_LEVEL".to_owned(), Value::from("info"))].into(),
            description: Some("Customer support agent".into()),
            ..Default::default()
        },
    )
}
