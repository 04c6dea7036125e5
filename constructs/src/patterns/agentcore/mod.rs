//! The AgentCore family the Serverless Framework's `ai:` block emits, one module per
//! resource: runtimes (and their execution role), memories, gateways and their targets,
//! browsers and code interpreters — each with its own role and checked ranges — and the
//! grants a runtime needs to use a memory or a gateway.

mod browser;
mod code_interpreter;
mod gateway;
mod gateway_target;
mod memory;
mod runtime;
mod runtime_role;
mod tool_network;

use crate::codes;
use agentcdk_synth::prelude::*;

pub use browser::browser;
pub use code_interpreter::code_interpreter;
pub use gateway::{AgentCoreGateway, AgentCoreGatewayProps, GatewayAuthorizer};
pub use gateway_target::{GatewayTargetProps, SchemaSource, TargetKind, ToolSpec};
pub use memory::{AgentCoreMemory, AgentCoreMemoryProps, MemoryStrategy, MemoryStrategyKind};
pub use runtime::{
    AgentCoreRuntime, AgentCoreRuntimeProps, PythonRuntime, RuntimeArtifact, RuntimeAuthorizer, RuntimeEndpointProps, RuntimeNetwork,
    RuntimeProtocol, RuntimeRole,
};
pub use tool_network::ToolNetwork;

/// A literal list, or nothing when empty (CloudFormation then applies its default).
pub(crate) fn list(items: &[String]) -> Option<Value<Vec<Value<String>>>> {
    (!items.is_empty()).then(|| Value::Lit(items.iter().map(|i| i.clone().into()).collect()))
}

/// A VPC placement needs both subnets and security groups.
pub(crate) fn check_vpc(scope: &mut Scope, what: &str, subnets: &[Value<String>], security_groups: &[Value<String>]) {
    if subnets.is_empty() || security_groups.is_empty() {
        scope.error(
            codes::AGENTCORE_NETWORK,
            "VPC network without subnets or security groups",
            format!("a VPC {what} needs both subnet ids and security group ids"),
        );
    }
}

/// CUSTOM_JWT authorizers fetch the provider's keys from an https OIDC discovery document.
pub(crate) fn check_discovery_url(scope: &mut Scope, discovery_url: &str) {
    if !discovery_url.starts_with("https://") || !discovery_url.ends_with("/.well-known/openid-configuration") {
        scope.error(
            codes::AGENTCORE_LOCATION,
            format!("discovery URL '{discovery_url}' is not an https OIDC discovery URL"),
            "it ends with /.well-known/openid-configuration",
        );
    }
}

/// AgentCore names: a letter, then letters, digits and `_`, at most 48.
pub(crate) fn valid_name(name: &str) -> bool {
    name.len() <= runtime::limits::NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
