//! EventBridge buses: the account's default bus or one the app declares, as a handle with the
//! name rules and targets need and the ARN `events:PutEvents` is granted on.

use agentcdk_synth::cfn::events as cfn;
use agentcdk_synth::prelude::*;

use crate::iam::{self, actions, Grantable, Statement};

/// An event bus.
#[derive(Clone, Debug, PartialEq)]
pub struct EventBus {
    /// The bus resource; `None` for the account's default bus.
    pub bus: Option<ResourceRef<cfn::EventBus>>,
    name: Value<String>,
    arn: Expr,
}

impl Default for EventBus {
    /// The account's default bus (AWS services' events arrive there).
    fn default() -> Self {
        EventBus::default_bus()
    }
}

impl EventBus {
    /// The account's `default` bus of the stack's region.
    pub fn default_bus() -> EventBus {
        EventBus {
            bus: None,
            name: "default".into(),
            arn: Expr::sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"),
        }
    }

    /// A custom bus named `name` (`Bus` in `scope`).
    pub fn new(scope: &mut Scope, name: &str) -> EventBus {
        let bus = scope.add("Resource", cfn::EventBus { name: Some(name.into()), ..Default::default() });
        EventBus { name: bus.attr_name().into(), arn: bus.attr_arn(), bus: Some(bus) }
    }

    /// The bus name (rules' `EventBusName`, `PutEvents` entries).
    pub fn name(&self) -> Value<String> {
        self.name.clone()
    }

    /// The bus ARN.
    pub fn arn(&self) -> Expr {
        self.arn.clone()
    }

    /// Grants `events:PutEvents` on this bus only.
    pub fn grant_put_events(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::EVENTS_PUT, [self.arn()]));
    }
}
