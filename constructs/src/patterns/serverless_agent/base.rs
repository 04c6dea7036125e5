//! What every mode builds on: the sessions table, the agent's environment, the props of its
//! functions, and the function answering requests.

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::routes::Routes;
use agentcdk_contract::{env, keys};
use agentcdk_synth::prelude::*;

use super::handles::{Backend, Endpoint};
use super::props::{Access, AgentProps};
use super::{backend, tools};
use crate::dynamodb::{Attribute, Table, TableProps};
use crate::lambda::{Code, Function, FunctionProps};

/// Default timeout of an agent run off API Gateway's clock (Queue, WebSocket, Stream).
pub(super) const LONG_RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// The function answering requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Handler {
    /// The request handler (Sync, Queue, WebSocket).
    Request,
    /// The stream handler (Stream).
    Stream,
}

impl Handler {
    /// Its node id (and the id of its alarms' node).
    pub(super) fn id(self) -> &'static str {
        match self {
            Handler::Request => "RequestHandler",
            Handler::Stream => "StreamHandler",
        }
    }

    fn code(self) -> Code {
        Code::handler(match self {
            Handler::Request => Artifact::RequestHandler,
            Handler::Stream => Artifact::StreamHandler,
        })
    }

    fn description(self) -> &'static str {
        match self {
            Handler::Request => "Agent API requests",
            Handler::Stream => "Agent runs streamed to the client",
        }
    }
}

/// What a mode's builder returns.
pub(super) struct Built {
    pub(super) handler: Handler,
    pub(super) request_handler: Function,
    pub(super) endpoint: Endpoint,
    pub(super) backend: Backend,
}

/// The parts every mode shares, declared before the mode's own.
pub(super) struct Base<'p, 'a> {
    pub(super) props: &'p AgentProps<'a>,
    pub(super) routes: Routes,
    /// Conversation history per session.
    pub(super) sessions: Table,
    /// What a function running the agent is told: the model, the sessions table, the tools and
    /// the app's variables.
    pub(super) agent_env: BTreeMap<String, Value<String>>,
    /// The agent's name in its metrics (`AGENT_NAME`, the `Agent` dimension): its path.
    pub(super) agent_name: String,
}

impl<'p, 'a> Base<'p, 'a> {
    /// Declares the sessions table (`Sessions` in `scope`).
    pub(super) fn new(scope: &mut Scope, props: &'p AgentProps<'a>) -> Self {
        let sessions = Table::new(
            &mut scope.scope("Sessions"),
            TableProps {
                partition_key: Attribute::string(keys::SESSIONS_PK),
                time_to_live_attribute: Some(keys::TTL.to_owned()),
                encryption: props.encryption,
                ..Default::default()
            },
        );
        let agent_name = scope.path();
        let mut agent_env = backend::environment(props);
        agent_env.insert(env::AGENT_NAME.into(), agent_name.clone().into());
        agent_env.insert(env::SESSIONS_TABLE.into(), sessions.name().into());
        for (name, value) in tools::environment(&props.tools) {
            agent_env.insert(name.into(), value);
        }
        if let Some(agents) = super::a2a::environment(props) {
            agent_env.insert(agentcdk_contract::a2a::A2A_AGENTS.into(), agents);
        }
        agent_env.extend(props.environment.clone());
        let routes = Routes::new(&props.api_base_path, &props.api_version, &props.agent_endpoint);
        Base { props, routes, sessions, agent_env, agent_name }
    }

    /// Props of one of the agent's functions: its architecture, log retention and encryption.
    pub(super) fn function_props(&self, code: Code, description: &str, environment: BTreeMap<String, Value<String>>) -> FunctionProps {
        FunctionProps {
            code,
            description: Some(description.into()),
            architecture: self.props.architecture,
            environment,
            log_retention: self.props.log_retention,
            encryption: self.props.encryption,
            ..Default::default()
        }
    }

    /// The request handler's routing environment (REST and WebSocket front doors).
    pub(super) fn api_env(&self, mode: env::AgentMode) -> BTreeMap<String, Value<String>> {
        BTreeMap::from([
            (env::AGENT_MODE.to_owned(), Value::from(mode.as_str())),
            (env::API_BASE_PATH.to_owned(), Value::from(self.props.api_base_path.clone())),
            (env::API_VERSION.to_owned(), Value::from(self.props.api_version.clone())),
            (env::AGENT_ENDPOINT.to_owned(), Value::from(self.props.agent_endpoint.clone())),
        ])
    }

    /// The explicit public opt-in reaches the handler too: without it, requests that carry no
    /// verified caller are refused with 401.
    pub(super) fn allow_anonymous(&self, environment: &mut BTreeMap<String, Value<String>>) {
        if matches!(self.props.access, Access::Public) {
            environment.insert(env::ALLOW_ANONYMOUS.to_owned(), "true".into());
        }
    }

    /// The function that answers requests and runs the agent itself (Sync, Stream): the
    /// agent's memory, timeout (`default_timeout` unless set) and reserved concurrency; it
    /// may invoke the model and use the sessions table.
    pub(super) fn inline_handler(
        &self,
        scope: &mut Scope,
        handler: Handler,
        mut environment: BTreeMap<String, Value<String>>,
        default_timeout: Duration,
    ) -> Function {
        environment.extend(self.agent_env.clone());
        self.allow_anonymous(&mut environment);
        let function = Function::new(
            &mut scope.scope(handler.id()),
            FunctionProps {
                memory_mb: self.props.memory_mb,
                timeout: self.props.timeout.unwrap_or(default_timeout),
                reserved_concurrency: self.props.reserved_concurrency,
                ..self.function_props(handler.code(), handler.description(), environment)
            },
        );
        self.runs_agent(scope, &function);
        function
    }

    /// Lets `function` run the agent: call the model and reach its tools (or invoke the
    /// backend that runs the turn), read and write the sessions table.
    pub(super) fn runs_agent(&self, scope: &mut Scope, function: &Function) {
        backend::grant(scope.stack(), self.props, function);
        self.sessions.grant_read_write_data(scope.stack(), function);
    }

    /// The request handler of a queued backend: it only enqueues and reads responses, so it
    /// is small and quick whatever the agent's settings.
    pub(super) fn queueing_handler(&self, scope: &mut Scope, mode: env::AgentMode) -> Function {
        let mut environment = self.api_env(mode);
        self.allow_anonymous(&mut environment);
        let handler = Handler::Request;
        Function::new(
            &mut scope.scope(handler.id()),
            FunctionProps {
                memory_mb: 256,
                timeout: Duration::from_secs(10),
                reserved_concurrency: None,
                ..self.function_props(handler.code(), handler.description(), environment)
            },
        )
    }
}
