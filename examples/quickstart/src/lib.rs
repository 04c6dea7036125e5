//! The smallest useful agent: a public REST API whose request handler runs a Bedrock model
//! inline (Sync mode). Everything else is a default: encryption with the stack key, access
//! logs, tracing, throttling, alarms, request validation at the edge.

#![warn(missing_docs)]

use agentcdk::prelude::*;

/// The app: one stack, `Quickstart`.
pub fn app() -> App {
    let mut app = App::new();
    let stack = app.stack("Quickstart", StackProps { description: Some("agentcdk quickstart: a Sync agent".into()), ..Default::default() });
    let agent = ServerlessAgent::new(
        &mut stack.scope("Assistant"),
        AgentProps {
            system_prompt: "You are a concise, helpful assistant.".into(),
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
        },
    );
    stack.output("ApiUrl", agent.endpoint().url());
    app
}
