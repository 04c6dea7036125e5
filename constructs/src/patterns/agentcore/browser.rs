//! A custom AgentCore browser.

use crate::codes;
use agentcdk_synth::cfn::bedrockagentcore::{browser_custom as browser, BrowserCustom};
use agentcdk_synth::prelude::*;

use super::tool_network::{check_tool, vpc, ToolNetwork};

/// A custom AgentCore browser.
pub fn browser(scope: &mut Scope, name: &str, network: ToolNetwork) -> ResourceRef<BrowserCustom> {
    let mode = match &network {
        ToolNetwork::Sandbox => {
            scope.error(
                codes::AGENTCORE_NETWORK,
                "browser in sandbox network mode",
                "browsers run PUBLIC or in a VPC; sandbox is for code interpreters",
            );
            browser::BrowserNetworkMode::Public
        }
        ToolNetwork::Public => browser::BrowserNetworkMode::Public,
        ToolNetwork::Vpc { .. } => browser::BrowserNetworkMode::Vpc,
    };
    check_tool(scope, name, &network);
    let vpc_config = vpc(&network).map(|(subnets, security_groups)| browser::VpcConfig { subnets, security_groups }.into());
    scope.add(
        "Resource",
        BrowserCustom {
            name: Some(name.into()),
            network_configuration: Some(browser::BrowserNetworkConfiguration { network_mode: Some(mode.into()), vpc_config }.into()),
            ..Default::default()
        },
    )
}
