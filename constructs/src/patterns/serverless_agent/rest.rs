//! The REST front door (Sync, Queue, Stream over REST): the API, its chat methods behind the
//! agent's access, and the app's custom routes.

use crate::codes;
use std::collections::BTreeSet;

use agentcdk_contract::routes::{self, Routes};
use agentcdk_synth::prelude::*;

use super::base::Base;
use super::handles::RestEndpoint;
use super::props::Access;
use crate::apigw::rest::{HttpMethod, LambdaMethod, MethodAuth, RestApi, RestApiProps, Transfer};
use crate::cloudwatch::{alarm_topic, function_alarms};
use crate::lambda::{Function, FunctionProps};

/// What the chat endpoint of a REST front door does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Chat {
    /// `POST` answers with the reply (Sync).
    Buffered,
    /// `POST` streams the reply (Stream).
    Streamed,
    /// `POST` answers 202; `GET …/responses/{request_id}` polls (Queue).
    Polled,
}

/// Declares the API (`Api` in `scope`) with the chat methods on `handler` and the custom routes.
pub(super) fn front_door(scope: &mut Scope, base: &Base<'_, '_>, handler: &Function, chat: Chat) -> RestEndpoint {
    let props = base.props;
    let api = RestApi::new(
        &mut scope.scope("Api"),
        RestApiProps {
            throttling: props.throttling,
            cors: props.cors.clone(),
            access_logs: props.access_logs,
            log_retention: props.log_retention,
            encryption: props.encryption,
            description: Some("Agent API".into()),
            waf: props.waf.clone(),
            ..Default::default()
        },
    );
    crate::accepted::NO_STAGE_CACHE.apply(scope.stack(), &api.stage);
    let auth = method_auth(scope, props.access, &api);
    let model = api.add_model(scope, "ChatRequest", agentcdk_contract::chat_request_schema());
    let chat_path = base.routes.chat();
    let transfer = if chat == Chat::Streamed { Transfer::Streamed } else { Transfer::Buffered };
    api.add_lambda_method(scope, LambdaMethod::new(HttpMethod::Post, chat_path, handler, &auth).validated(&model).transfer(transfer));
    if chat == Chat::Polled {
        api.add_lambda_method(scope, LambdaMethod::new(HttpMethod::Get, &base.routes.responses_resource(), handler, &auth));
    }
    super::a2a::routes(scope, props, &api, handler, &auth, transfer);
    custom_routes(scope, base, &api, &auth);
    RestEndpoint { api, routes: base.routes.clone() }
}

/// A REST front door takes a Lambda authorizer or the public opt-in. IAM (SigV4) callers are
/// refused: the request handler identifies callers by the authorizer's context only.
fn method_auth(scope: &mut Scope, access: Access<'_>, api: &RestApi) -> MethodAuth {
    match access {
        Access::Authorizer(a) => MethodAuth::Custom(a.attach_rest(scope, api)),
        Access::Public => MethodAuth::Public,
        Access::Iam => {
            scope.error(
                codes::AGENT_ACCESS,
                "Access::Iam on a REST API",
                "IAM callers are for StreamTransport::FunctionUrl; on REST use Access::Authorizer(&auth) or Access::Public",
            );
            MethodAuth::Iam
        }
    }
}

/// One method and function per custom route (duplicates and collisions are reported by
/// `check` and skipped here).
fn custom_routes(scope: &mut Scope, base: &Base<'_, '_>, api: &RestApi, auth: &MethodAuth) {
    let props = base.props;
    let mut seen = BTreeSet::new();
    for (i, route) in props.routes.iter().enumerate() {
        let path = routes::join(&[&props.api_base_path, &props.api_version, &route.path]);
        if !seen.insert((route.method, path.clone())) || collides_with_chat(&base.routes, &path) {
            continue;
        }
        let f = Function::new(
            &mut scope.scope(&format!("Route{i}")),
            FunctionProps {
                code: route.code.clone(),
                description: Some(format!("{} {path}", route.method.name())),
                architecture: props.architecture,
                log_retention: props.log_retention,
                encryption: props.encryption,
                ..Default::default()
            },
        );
        api.add_lambda_method(scope, LambdaMethod::new(route.method, &path, &f, auth));
        if props.alarms {
            let topic = alarm_topic(scope.stack(), props.encryption);
            function_alarms(&mut scope.scope(&format!("Route{i}Alarms")), &f, &topic);
        }
    }
}

/// Whether a custom route's full path is the chat endpoint or below its responses route.
pub(super) fn collides_with_chat(routes: &Routes, path: &str) -> bool {
    path == routes.chat() || path.starts_with(routes.responses_prefix().trim_end_matches('/'))
}
