//! The agent patterns: what a user declares to deploy an agent.

mod agentcore;
mod agentcore_front_door;
mod authorizer;
mod mcp_server;
mod queue_pipeline;
mod serverless_agent;
mod ws_api;

pub use agentcore::{
    browser, code_interpreter, AgentCoreGateway, AgentCoreGatewayProps, AgentCoreMemory, AgentCoreMemoryProps, AgentCoreRuntime,
    AgentCoreRuntimeProps, GatewayAuthorizer, GatewayTargetProps, MemoryStrategy, MemoryStrategyKind, PythonRuntime, RuntimeArtifact,
    RuntimeAuthorizer, RuntimeEndpointProps, RuntimeNetwork, RuntimeProtocol, RuntimeRole, SchemaSource, TargetKind, ToolNetwork, ToolSpec,
};
pub use agentcore_front_door::{AgentCoreFrontDoor, FrontDoorKind, FrontDoorProps, INVOKE_PATH};
pub use authorizer::{AuthorizerProps, ClaimRule, JwtConfig, LambdaAuthorizer, TokenUse};
pub use mcp_server::{McpFront, McpServer, McpServerProps, MCP_REST_PATH};
pub use queue_pipeline::{QueuePipeline, QueuePipelineProps};
pub use serverless_agent::{
    A2aIdentity, A2aProps, Access, AgentBackend, AgentProps, Backend, CustomRoute, Endpoint, EventField, EventRule, EventTrigger, McpAuth,
    Mode, Model, Provider, QueueOptions, Queued, RestEndpoint, ServerlessAgent, StreamOptions, StreamTransport, ToolSource,
    REST_INTEGRATION_TIMEOUT,
};
pub use serverless_agent::{DASHBOARD_ID, TOKEN_ALARM_ID};
pub use ws_api::{WsApi, WsApiProps};

use std::time::Duration;

/// `Duration` in whole seconds as a CloudFormation integer.
pub(crate) fn secs(d: Duration) -> i64 {
    d.as_secs() as i64
}
