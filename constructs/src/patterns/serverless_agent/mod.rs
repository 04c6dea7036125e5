//! `ServerlessAgent`: the entry point. An agent behind a REST API, a WebSocket API or a Function
//! URL (the front door), run by the function answering requests or by a queue pipeline (the
//! backend). Each [`Mode`] is one module that picks its front door and backend from the shared
//! parts in `base`, `rest` and `queued`: a new mode is a new variant and a new module.
//!
//! ```no_run
//! use agentcdk::prelude::*;
//!
//! let mut app = App::new();
//! let stack = app.stack("SupportAgent", StackProps::default());
//! let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), JwtConfig::auth0("example.auth0.com", "support-api"));
//! let agent = ServerlessAgent::new(
//!     &mut stack.scope("Support"),
//!     AgentProps {
//!         mode: Mode::Queue(QueueOptions::default()),
//!         system_prompt: "You resolve billing issues.".into(),
//!         ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Authorizer(&auth))
//!     },
//! );
//! stack.output("ApiUrl", agent.endpoint().url());
//! ```

mod a2a;
mod backend;
mod base;
mod check;
mod dashboard;
mod events;
mod handles;
mod model;
mod props;
mod queue;
mod queued;
mod rest;
mod stream;
mod sync;
mod tools;
mod websocket;

use agentcdk_synth::cfn::sns::Topic;
use agentcdk_synth::prelude::*;

pub use self::a2a::{A2aIdentity, A2aProps};
pub use self::backend::AgentBackend;
use self::base::{Base, Built};
pub use self::dashboard::{DASHBOARD_ID, TOKEN_ALARM_ID};
pub use self::events::{EventField, EventRule, EventTrigger};
pub use self::handles::{Backend, Endpoint, Queued, RestEndpoint};
pub use self::model::{Model, Provider};
pub use self::props::{Access, AgentProps, CustomRoute, Mode, QueueOptions, StreamOptions, StreamTransport};
pub use self::sync::REST_INTEGRATION_TIMEOUT;
pub use self::tools::{McpAuth, ToolSource};
use crate::cloudwatch::{alarm_topic, dead_letter_alarm, function_alarms};
use crate::dynamodb::Table;
use crate::lambda::Function;

/// An agent deployed on API Gateway or a Function URL + Lambda (+ SQS + DynamoDB).
#[derive(Clone, Debug, PartialEq)]
pub struct ServerlessAgent {
    /// The function answering requests: the request handler, or in Stream mode the stream
    /// handler.
    pub request_handler: Function,
    /// Conversation history per session.
    pub sessions: Table,
    endpoint: Endpoint,
    backend: Backend,
    /// What the agent publishes over A2A (for `ToolSource::agent`).
    a2a: Option<a2a::Published>,
}

impl ServerlessAgent {
    /// Declares the agent in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AgentProps<'_>) -> ServerlessAgent {
        let base = Base::new(scope, &props);
        check::common(scope, &base);
        let built = match props.mode {
            Mode::Sync => sync::build(scope, &base),
            Mode::Queue(options) => queue::build(scope, &base, options),
            Mode::WebSocket(options) => websocket::build(scope, &base, options),
            Mode::Stream(options) => stream::build(scope, &base, options),
        };
        a2a::serve(scope, &props, &built);
        let topic = props.alarms.then(|| alarms(scope, &props, &built));
        dashboard::token_alarm(scope, &props, &base.agent_name, topic.as_ref());
        if props.dashboard {
            dashboard::dashboard(scope, &props, &built, &base.agent_name);
        }
        let a2a = a2a::published(&props, &built.endpoint);
        let Built { request_handler, endpoint, backend, .. } = built;
        ServerlessAgent { request_handler, sessions: base.sessions, endpoint, backend, a2a }
    }

    /// What clients call: `agent.endpoint().url()` for `stack.output`; the REST API, Function
    /// URL or WebSocket API itself by matching on it.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// What runs the agent: inline, or the queued backend's runner, response handler and
    /// pipeline.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The sessions table's name (conversation history per session).
    pub fn sessions_table_name(&self) -> Expr {
        self.sessions.name()
    }
}

/// Errors and throttles of every function, and anything reaching a dead-letter queue, to the
/// stack's alarm topic (returned, for the token alarm).
fn alarms(scope: &mut Scope, props: &AgentProps<'_>, built: &Built) -> ResourceRef<Topic> {
    let topic = alarm_topic(scope.stack(), props.encryption);
    let mut alarms = scope.scope("Alarms");
    function_alarms(&mut alarms.scope(built.handler.id()), &built.request_handler, &topic);
    if let Backend::Queued(queued) = &built.backend {
        function_alarms(&mut alarms.scope("Runner"), &queued.runner, &topic);
        function_alarms(&mut alarms.scope("ResponseHandler"), &queued.response_handler, &topic);
        dead_letter_alarm(&mut alarms.scope("Input"), &queued.pipeline.input, &topic);
        dead_letter_alarm(&mut alarms.scope("Output"), &queued.pipeline.output, &topic);
    }
    topic
}
