//! The checks of every mode (each mode's builder checks what only it refuses).

use crate::codes;
use std::collections::BTreeSet;

use agentcdk_contract::routes;
use agentcdk_synth::prelude::*;

use super::base::Base;
use super::rest::collides_with_chat;

/// The model id, the turn bound, the path segments, the custom routes and the tools.
pub(super) fn common(scope: &mut Scope, base: &Base<'_, '_>) {
    let props = base.props;
    super::tools::check(scope, &props.tools);
    super::a2a::check(scope, props);
    super::backend::check(scope, props);
    if props.backend.is_builtin() && props.model.id.is_empty() {
        scope.error(
            codes::AGENT_NO_MODEL,
            "no model id",
            "use Model::bedrock(\"us.anthropic.claude-sonnet-4-5-20250929-v1:0\") or Model::openai(..)",
        );
    }
    if let (super::model::Provider::Bedrock, Some(profile)) =
        (&props.model.provider, crate::cost::models::required_profile(&props.model.id))
    {
        scope.warn(
            codes::AGENT_MODEL_PROFILE,
            format!("Bedrock serves model {} only through an inference profile: calls with the bare id fail", props.model.id),
            format!(
                "use Model::bedrock(\"{profile}\") (or the eu./apac./global. profile for your region); the table: agentcdk::cost::models"
            ),
        );
    }
    if let Some(0) = props.max_turns {
        scope.error(codes::AGENT_MAX_TURNS, "max_turns is 0", "the agent needs at least one model call");
    }
    for segment in [&props.api_base_path, &props.api_version, &props.agent_endpoint] {
        if segment.contains(['{', '}', ' ']) {
            scope.error(
                codes::AGENT_PATH_SEGMENT,
                format!("path segment '{segment}' has '{{', '}}' or a space"),
                "use letters, digits, '-', '_' and '/'",
            );
        }
    }
    let mut seen = BTreeSet::new();
    for r in &props.routes {
        if !seen.insert((r.method, r.path.clone())) {
            scope.error(
                codes::AGENT_ROUTE_CONFLICT,
                format!("route {} {} is declared twice", r.method.name(), r.path),
                "each method and path has one function",
            );
        }
        let full = routes::join(&[&props.api_base_path, &props.api_version, &r.path]);
        if collides_with_chat(&base.routes, &full) {
            scope.error(
                codes::AGENT_ROUTE_CONFLICT,
                format!("route {} {} collides with the chat endpoint", r.method.name(), r.path),
                "choose another path",
            );
        }
    }
}
