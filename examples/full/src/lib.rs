//! Every mode in one stack, sharing one authorizer and one encryption key: a Sync agent with
//! custom routes and CORS, a Queue agent with an OpenAI-compatible model, a WebSocket agent on
//! arm64, a Stream agent over API Gateway REST, and an AgentCore runtime behind the two REST
//! front doors (buffered and streaming) — plus alarms to one topic.

#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk::prelude::*;

/// The app: one stack, `AgentPlatform`.
pub fn app() -> App {
    let mut app = App::new();
    let stack = app.stack(
        "AgentPlatform",
        StackProps {
            description: Some("Every agentcdk mode in one stack".into()),
            tags: [("team".into(), "platform".into()), ("cost-center".into(), "ai".into())].into(),
            ..Default::default()
        },
    );
    let auth = authorizer(stack);
    agents(stack, &auth);
    planner(stack, &auth);
    app
}

/// One JWT authorizer for every front door: audience, clients, scopes and a claim rule.
fn authorizer(stack: &mut Stack) -> LambdaAuthorizer {
    LambdaAuthorizer::new(
        &mut stack.scope("Auth"),
        AuthorizerProps {
            jwt: JwtConfig {
                issuer: "https://login.example.com/".into(),
                audience: vec!["agents".into()],
                allowed_clients: vec!["web-app".into(), "mobile-app".into()],
                required_scopes: vec!["agents:invoke".into()],
                claim_rules: BTreeMap::from([("tenant_tier".into(), ClaimRule::OneOf(vec!["pro".into(), "enterprise".into()]))]),
                ..Default::default()
            },
            result_ttl: Duration::from_secs(300),
            ..Default::default()
        },
    )
}

/// The four ServerlessAgent modes.
fn agents(stack: &mut Stack, auth: &LambdaAuthorizer) {
    let assistant = ServerlessAgent::new(
        &mut stack.scope("Assistant"),
        AgentProps {
            system_prompt: "Answer briefly.".into(),
            routes: vec![
                CustomRoute { method: HttpMethod::Get, path: "tools/weather".into(), code: Code::handler("request-handler") },
                CustomRoute { method: HttpMethod::Post, path: "feedback".into(), code: Code::handler("request-handler") },
            ],
            cors: Some(Cors { allow_origins: vec!["https://app.example.com".into()], ..Default::default() }),
            throttling: Throttling { rate_limit: 20.0, burst_limit: 40 },
            max_turns: Some(4),
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-haiku-4-5-20251001-v1:0"), Access::Authorizer(auth))
        },
    );
    let researcher = researcher(stack, auth);
    let chat = ServerlessAgent::new(
        &mut stack.scope("Chat"),
        AgentProps {
            mode: Mode::WebSocket(QueueOptions::default()),
            architecture: Architecture::Arm64,
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Authorizer(auth))
        },
    );
    let writer = ServerlessAgent::new(
        &mut stack.scope("Writer"),
        AgentProps {
            mode: Mode::Stream(StreamOptions::default()),
            timeout: Some(Duration::from_secs(300)),
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Authorizer(auth))
        },
    );
    stack.output("AssistantUrl", assistant.endpoint().url());
    stack.output("WriterUrl", writer.endpoint().url());
    stack.output("ResearchUrl", researcher.endpoint().url());
    stack.output("ChatUrl", chat.endpoint().url());
}

/// A Queue agent on an OpenAI-compatible model whose API key is a Secrets Manager secret.
fn researcher(stack: &mut Stack, auth: &LambdaAuthorizer) -> ServerlessAgent {
    let openai =
        Model::openai("gpt-4.1", Expr::sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:openai-api-key"));
    ServerlessAgent::new(
        &mut stack.scope("Research"),
        AgentProps {
            mode: Mode::Queue(QueueOptions { max_receive_count: 5, max_concurrency: Some(5), ..Default::default() }),
            system_prompt: "You research topics thoroughly and cite sources.".into(),
            memory_mb: 1024,
            timeout: Some(Duration::from_secs(600)),
            log_retention: RetentionDays::OneYear,
            ..AgentProps::new(openai, Access::Authorizer(auth))
        },
    )
}

/// An AgentCore runtime behind a buffered and a streaming REST front door.
fn planner(stack: &mut Stack, auth: &LambdaAuthorizer) {
    let planner = AgentCoreRuntime::new(
        &mut stack.scope("Planner"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::python_s3("agent-artifacts-123456789012", "planner/code.zip", "main.py"),
            endpoints: vec![RuntimeEndpointProps { name: "live".into(), ..Default::default() }],
            // The front doors below verify callers: they send the user id in the second header.
            request_headers: vec![
                "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant".into(),
                "X-Amzn-Bedrock-AgentCore-Runtime-Custom-User-Id".into(),
            ],
            ..Default::default()
        },
    );
    let planner_api = AgentCoreFrontDoor::new(
        &mut stack.scope("PlannerApi"),
        &planner,
        FrontDoorProps { kind: FrontDoorKind::RestBuffered, authorizer: Some(auth), ..Default::default() },
    );
    let planner_stream = AgentCoreFrontDoor::new(
        &mut stack.scope("PlannerStream"),
        &planner,
        FrontDoorProps {
            kind: FrontDoorKind::RestStream,
            authorizer: Some(auth),
            endpoint: Some("live".into()),
            forward_headers: vec!["x-tenant".into()],
            ..Default::default()
        },
    );
    stack.output("PlannerApiUrl", planner_api.url());
    stack.output("PlannerStreamUrl", planner_stream.url());
}
