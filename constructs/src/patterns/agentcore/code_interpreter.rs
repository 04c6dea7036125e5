//! A custom AgentCore code interpreter.

use agentcdk_synth::cfn::bedrockagentcore::{code_interpreter_custom as interpreter, CodeInterpreterCustom};
use agentcdk_synth::prelude::*;

use super::tool_network::{check_tool, vpc, ToolNetwork};

/// A custom AgentCore code interpreter.
pub fn code_interpreter(scope: &mut Scope, name: &str, network: ToolNetwork) -> ResourceRef<CodeInterpreterCustom> {
    let mode = match &network {
        ToolNetwork::Sandbox => interpreter::CodeInterpreterNetworkMode::Sandbox,
        ToolNetwork::Public => interpreter::CodeInterpreterNetworkMode::Public,
        ToolNetwork::Vpc { .. } => interpreter::CodeInterpreterNetworkMode::Vpc,
    };
    check_tool(scope, name, &network);
    let vpc_config = vpc(&network).map(|(subnets, security_groups)| interpreter::VpcConfig { subnets, security_groups }.into());
    scope.add(
        "Resource",
        CodeInterpreterCustom {
            name: Some(name.into()),
            network_configuration: Some(
                interpreter::CodeInterpreterNetworkConfiguration { network_mode: Some(mode.into()), vpc_config }.into(),
            ),
            ..Default::default()
        },
    )
}
