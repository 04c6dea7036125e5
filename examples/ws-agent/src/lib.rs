//! A chat agent over WebSocket: clients connect with a JWT (in `Sec-WebSocket-Protocol`, which
//! browsers can set), send messages, and get replies pushed to every connection of the user.

#![warn(missing_docs)]

use agentcdk::prelude::*;

/// The app: one stack, `ChatAgent`.
pub fn app() -> App {
    let mut app = App::new();
    let stack = app.stack("ChatAgent", StackProps { description: Some("Chat agent over WebSocket".into()), ..Default::default() });
    let auth = LambdaAuthorizer::jwt(
        &mut stack.scope("Auth"),
        JwtConfig {
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE".into(),
            audience: vec!["chat-web".into()],
            required_scopes: vec!["chat/write".into()],
            ..Default::default()
        },
    );
    let agent = ServerlessAgent::new(
        &mut stack.scope("Chat"),
        AgentProps {
            mode: Mode::WebSocket(QueueOptions::default()),
            system_prompt: "You are a friendly chat companion.".into(),
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Authorizer(&auth))
        },
    );
    stack.output("WebSocketUrl", agent.endpoint().url());
    app
}
