//! Where a browser or code interpreter runs.

use crate::codes;
use agentcdk_synth::prelude::*;

use super::{check_vpc, valid_name};

/// Network placement of a browser or code interpreter.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ToolNetwork {
    /// Isolated: no network (code interpreter only). Default for code interpreters.
    Sandbox,
    /// The internet. Default for browsers.
    #[default]
    Public,
    /// Your VPC.
    Vpc {
        /// Subnet ids.
        subnets: Vec<Value<String>>,
        /// Security group ids.
        security_groups: Vec<Value<String>>,
    },
}

pub(super) type VpcLists = (Option<Value<Vec<Value<String>>>>, Option<Value<Vec<Value<String>>>>);

pub(super) fn vpc(network: &ToolNetwork) -> Option<VpcLists> {
    match network {
        ToolNetwork::Vpc { subnets, security_groups } => {
            Some((Some(Value::Lit(subnets.clone())), Some(Value::Lit(security_groups.clone()))))
        }
        _ => None,
    }
}

pub(super) fn check_tool(scope: &mut Scope, name: &str, network: &ToolNetwork) {
    if !valid_name(name) {
        scope.error(codes::AGENTCORE_NAME, format!("name '{name}' is invalid"), "a letter, then letters, digits and '_', at most 48");
    }
    if let ToolNetwork::Vpc { subnets, security_groups } = network {
        check_vpc(scope, "tool", subnets, security_groups);
    }
}
