//! An organisation's agents in one stack: `n` queued agents behind one JWT authorizer. Ten of
//! them pass CloudFormation's 500-resource limit, so synth partitions the stack into nested
//! stacks, one per agent, with the authorizer every agent uses pinned to the root (see README
//! "Nested stacks"). `cargo run -p many-agents -- synth`
//! writes the 10-agent app; `MANY_AGENTS=50` another size.

#![warn(missing_docs)]

use agentcdk::prelude::*;

/// Agents in the app `main` synthesizes when `MANY_AGENTS` is not set.
pub const DEFAULT_AGENTS: usize = 10;

/// The app: one stack, `ManyAgents`, with `agents` queued agents named `Agent1`…`AgentN`.
pub fn app(agents: usize) -> App {
    let mut app = App::new();
    let stack = app.stack(
        "ManyAgents",
        StackProps {
            description: Some(format!("{agents} queued agents behind one authorizer")),
            // Shared by every agent: in the root, passed to each nested stack as a parameter.
            partition: Partition::default().pin("Auth", Placement::Root),
            ..Default::default()
        },
    );
    let auth = LambdaAuthorizer::jwt(
        &mut stack.scope("Auth"),
        JwtConfig { issuer: "https://example.auth0.com/".into(), audience: vec!["agents-api".into()], ..Default::default() },
    );
    for i in 1..=agents {
        let agent = ServerlessAgent::new(
            &mut stack.scope(&format!("Agent{i}")),
            AgentProps {
                mode: Mode::Queue(QueueOptions::default()),
                system_prompt: format!("You are agent {i}; you resolve billing issues."),
                ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Authorizer(&auth))
            },
        );
        stack.output(&format!("Agent{i}Url"), agent.endpoint().url());
    }
    app
}
