//! A support agent behind a JWT authorizer, run through a queue: POST returns 202 with a
//! request id, `GET …/chat/responses/{id}` returns the answer when it is ready. Failing runs are
//! retried and end in a dead-letter queue, with an alarm.

#![warn(missing_docs)]

use agentcdk::prelude::*;

/// The app: one stack, `SupportAgent`.
pub fn app() -> App {
    let mut app = App::new();
    let stack = app.stack(
        "SupportAgent",
        StackProps {
            description: Some("Billing support agent (queue mode)".into()),
            tags: [("team".into(), "support".into())].into(),
            ..Default::default()
        },
    );
    let auth = LambdaAuthorizer::jwt(
        &mut stack.scope("Auth"),
        JwtConfig { issuer: "https://example.auth0.com/".into(), audience: vec!["support-api".into()], ..Default::default() },
    );
    let agent = ServerlessAgent::new(
        &mut stack.scope("Support"),
        AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            system_prompt: "You resolve billing issues.".into(),
            // AWS WAF on the stage: managed rules, 1000 requests per IP per 5 minutes, 16 KB bodies.
            waf: Some(WafProps::default()),
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Authorizer(&auth))
        },
    );
    stack.output("ApiUrl", agent.endpoint().url());
    app
}
