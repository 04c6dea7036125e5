//! Who runs the agent's turn ([`AgentBackend`]): the builtin Rust loop, an AgentCore runtime or
//! a Lambda function of any runtime. The front door and the pipeline (idempotency, retries,
//! dead-lettering, history) are the same whatever the backend; only the turn moves, and with it
//! the permissions: a delegated turn's functions may invoke the backend and nothing of the
//! model's.

use std::collections::BTreeMap;

use agentcdk_contract::backend::BackendConfig;
use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::model;
use super::props::AgentProps;
use crate::codes;
use crate::iam::{self, actions, Statement};
use crate::lambda::Function;
use crate::patterns::agentcore::AgentCoreRuntime;

/// Who runs the agent's turn. Default: [`AgentBackend::Builtin`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum AgentBackend<'a> {
    /// agentcdk's Rust tool-use loop over the props' model, system prompt and tools. Default.
    #[default]
    Builtin,
    /// An AgentCore runtime (IAM auth), invoked on its `DEFAULT` endpoint with the turn as
    /// payload (`agentcdk_contract::backend`); its answer is streamed where the mode streams.
    /// Its runtime session is derived from the user and the session, so sessions of two users
    /// never meet.
    AgentCore(&'a AgentCoreRuntime),
    /// A Lambda function (any runtime) invoked synchronously with the turn
    /// (`agentcdk_contract::backend::TurnRequest`), answering `{"reply": …}` or
    /// `{"error": {"message": …, "retryable": …}}`.
    Function(&'a Function),
}

impl AgentBackend<'_> {
    /// Whether agentcdk's loop runs the turn (and so needs the model, prompt and tools).
    pub fn is_builtin(&self) -> bool {
        matches!(self, AgentBackend::Builtin)
    }
}

/// What a function running the agent is told about the turn: the model's variables (builtin),
/// or [`env::AGENT_BACKEND`] (a delegated turn; no model variables, nothing to misuse).
pub(super) fn environment(props: &AgentProps<'_>) -> BTreeMap<String, Value<String>> {
    let (config, arn) = match props.backend {
        AgentBackend::Builtin => return model::environment(props),
        AgentBackend::Function(f) => (BackendConfig::Function { arn: ARN.into() }, f.arn()),
        AgentBackend::AgentCore(r) => (BackendConfig::AgentCore { arn: ARN.into(), qualifier: None }, r.arn()),
    };
    let json = serde_json::to_string(&config).expect("BackendConfig serializes");
    BTreeMap::from([(env::AGENT_BACKEND.to_owned(), Expr::sub_with(json, [("Arn", arn)]).into())])
}

/// The placeholder of the backend's ARN in [`environment`]'s `Fn::Sub`.
const ARN: &str = "${Arn}";

/// Lets `function` run the turn: the model (builtin), or exactly the backend's invoke —
/// `lambda:InvokeFunction` on the function, `bedrock-agentcore:InvokeAgentRuntime` on the
/// runtime and its `DEFAULT` endpoint (AWS authorizes the call against both).
pub(super) fn grant(stack: &mut Stack, props: &AgentProps<'_>, function: &Function) {
    match props.backend {
        AgentBackend::Builtin => {
            model::grant(stack, &props.model, function);
            super::tools::grant(stack, &props.tools, function);
        }
        AgentBackend::Function(f) => {
            f.grant_invoke(stack, function);
            crate::accepted::AGENT_BACKEND_FUNCTION.apply(stack, &f.function);
        }
        AgentBackend::AgentCore(r) => {
            let endpoint =
                Expr::sub_with(format!("${{Runtime}}/runtime-endpoint/{}", env::DEFAULT_AGENT_RUNTIME_QUALIFIER), [("Runtime", r.arn())]);
            iam::grant(stack, function, Statement::allow(actions::AGENTCORE_INVOKE, [r.arn(), endpoint]));
        }
    }
}

/// A delegated turn ignores the builtin loop's settings: each one set is an error (the app
/// asked for behaviour that would silently not happen), the model a warning (it is an argument
/// of `AgentProps::new`, so it may be there by habit; it grants nothing).
pub(super) fn check(scope: &mut Scope, props: &AgentProps<'_>) {
    if props.backend.is_builtin() {
        return;
    }
    let to_backend = |name: &str| format!("give the {name} to the backend's own agent code, or use AgentBackend::Builtin");
    let ignored = [
        (!props.tools.is_empty(), "tools", to_backend("tools")),
        (!props.system_prompt.is_empty(), "system_prompt", to_backend("system_prompt")),
        (props.max_turns.is_some(), "max_turns", to_backend("max_turns")),
        // Only the builtin loop calls the model, so only it reports InputTokens/OutputTokens.
        (
            props.token_alarm.is_some(),
            "token_alarm",
            "alarm on the backend's own token metrics, or use AgentBackend::Builtin (a delegated turn reports no tokens)".to_owned(),
        ),
    ];
    for (_, name, hint) in ignored.into_iter().filter(|(set, ..)| *set) {
        scope.error(codes::AGENT_BACKEND_IGNORED, format!("{name} is set, but the agent's backend runs the turn and never sees it"), hint);
    }
    if !props.model.id.is_empty() {
        scope.warn(
            codes::AGENT_BACKEND_MODEL,
            format!("model {} is ignored: the agent's backend runs the turn", props.model.id),
            "build the props with AgentProps::with_backend(backend, access), which takes no model",
        );
    }
    if let AgentBackend::Function(f) = props.backend {
        let turn = props.timeout.unwrap_or(match props.mode {
            super::props::Mode::Sync => super::sync::REST_INTEGRATION_TIMEOUT,
            _ => super::base::LONG_RUN_TIMEOUT,
        });
        if f.timeout >= turn {
            scope.warn(
                codes::AGENT_BACKEND_TIMEOUT,
                format!("the backend function may run {:?}, the agent's turn {turn:?}: a slow turn is cut off mid-invoke", f.timeout),
                "give the backend function a shorter timeout than the agent's (AgentProps::timeout)",
            );
        }
    }
    if let AgentBackend::AgentCore(r) = props.backend {
        if r.jwt {
            scope.error(
                codes::AGENT_BACKEND_RUNTIME_AUTH,
                "the backend runtime takes JWT callers (CUSTOM_JWT): the agent's functions sign with IAM",
                "give the runtime RuntimeAuthorizer::Iam (the default); the agent's own front door verifies callers",
            );
        }
    }
}
