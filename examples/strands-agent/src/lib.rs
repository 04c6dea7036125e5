//! Bring your own agent (Python): the Strands-on-Lambda guide's agent (`agent/agent_handler.py`)
//! behind a Queue-mode API with a JWT authorizer, and the same agent hosted on AgentCore
//! Runtime (`agent/agent.py`, direct code deployment) behind a WebSocket agent. agentcdk keeps
//! the front doors, queues, retries, dead letters, history and push; the Python code runs the
//! turn. `package` installs `agent/requirements.txt` as wheels: into a layer for the Lambda
//! (x86_64), beside the code for AgentCore (arm64).

#![warn(missing_docs)]

use std::time::Duration;

use agentcdk::prelude::*;

/// The Python project, next to this crate.
fn agent_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("agent")
}

/// The app: `StrandsAgent` (Queue mode, Lambda) and `StrandsOnAgentCore` (WebSocket, AgentCore).
pub fn app() -> App {
    let mut app = App::new();
    python_agent(&mut app);
    agentcore_agent(&mut app);
    app
}

/// The README's stack: a Python agent on Lambda behind a queued, JWT-authorized API.
fn python_agent(app: &mut App) {
    let stack = app.stack("StrandsAgent", StackProps::default());
    let jwt = JwtConfig { issuer: "https://example.auth0.com/".into(), audience: vec!["strands-api".into()], ..Default::default() };
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt);
    let code = Code::python(agent_dir(), "agent_handler.handler");
    let props = FunctionProps { code, timeout: Duration::from_secs(120), memory_mb: 1024, ..Default::default() };
    let function = Function::new(&mut stack.scope("Strands"), props);
    Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0").grant_invoke(stack, &function);
    let backend = AgentProps::with_backend(AgentBackend::Function(&function), Access::Authorizer(&auth));
    let agent = ServerlessAgent::new(&mut stack.scope("Agent"), AgentProps { mode: Mode::Queue(QueueOptions::default()), ..backend });
    stack.output("ApiUrl", agent.endpoint().url());
}

/// The same agent on AgentCore Runtime, behind a WebSocket agent.
fn agentcore_agent(app: &mut App) {
    let stack = app.stack("StrandsOnAgentCore", StackProps::default());
    let auth = LambdaAuthorizer::jwt(
        &mut stack.scope("Auth"),
        JwtConfig { issuer: "https://example.auth0.com/".into(), audience: vec!["strands-api".into()], ..Default::default() },
    );
    let runtime = AgentCoreRuntime::new(
        &mut stack.scope("Runtime"),
        AgentCoreRuntimeProps { artifact: RuntimeArtifact::python(agent_dir(), "agent.py"), ..Default::default() },
    );
    let agent = ServerlessAgent::new(
        &mut stack.scope("Agent"),
        AgentProps {
            mode: Mode::WebSocket(QueueOptions::default()),
            ..AgentProps::with_backend(AgentBackend::AgentCore(&runtime), Access::Authorizer(&auth))
        },
    );
    stack.output("WebSocketUrl", agent.endpoint().url());
}
