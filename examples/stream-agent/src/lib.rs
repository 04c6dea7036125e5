//! An agent whose answer streams to the client token by token (Mode::Stream): the stream
//! handler runs behind a response-streaming Function URL, calls Bedrock's ConverseStream and
//! writes each token as a server-sent event the moment the model produces it. Callers sign
//! with SigV4 (`Access::Iam`): grant them with `url.grant_invoke(..)` on the agent's
//! `Endpoint::FunctionUrl(url)`.

#![warn(missing_docs)]

use std::time::Duration;

use agentcdk::prelude::*;

/// The app: one stack, `StreamingAgent`.
pub fn app() -> App {
    let mut app = App::new();
    let stack = app.stack(
        "StreamingAgent",
        StackProps { description: Some("agentcdk: an agent streaming its answer over a Function URL".into()), ..Default::default() },
    );
    let agent = ServerlessAgent::new(
        &mut stack.scope("Writer"),
        AgentProps {
            mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
            system_prompt: "You write clear, well-structured answers.".into(),
            timeout: Some(Duration::from_secs(600)),
            memory_mb: 1024,
            architecture: Architecture::Arm64,
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Iam)
        },
    );
    stack.output("StreamUrl", agent.endpoint().url());
    app
}
