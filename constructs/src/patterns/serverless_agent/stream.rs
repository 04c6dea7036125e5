//! Stream mode: the stream handler runs the agent and sends the model's tokens as server-sent
//! events while they are produced, behind a streaming REST method or a Function URL.

use crate::codes;
use std::collections::BTreeMap;

use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::base::{Base, Built, Handler, LONG_RUN_TIMEOUT};
use super::handles::{Backend, Endpoint};
use super::props::{Access, StreamOptions, StreamTransport};
use super::rest::{self, Chat};
use crate::function_url::{FunctionUrl, FunctionUrlProps, InvokeMode, UrlAuth, UrlCors};
use crate::lambda::Function;

/// Declares the stream handler and its front door.
pub(super) fn build(scope: &mut Scope, base: &Base<'_, '_>, options: StreamOptions) -> Built {
    let handler = Handler::Stream;
    let environment = BTreeMap::from([(env::RESPONSE_MODE.to_owned(), Value::from(env::ResponseMode::Stream.as_str()))]);
    let request_handler = base.inline_handler(scope, handler, environment, LONG_RUN_TIMEOUT);
    let endpoint = match options.transport {
        StreamTransport::Rest => Endpoint::Rest(rest::front_door(scope, base, &request_handler, Chat::Streamed)),
        StreamTransport::FunctionUrl => Endpoint::FunctionUrl(function_url(scope, base, &request_handler)),
    };
    Built { handler, request_handler, endpoint, backend: Backend::Inline }
}

/// A response-streaming Function URL (`Url` in `scope`). It has no Lambda authorizer and no
/// routes: its callers are IAM principals (`Access::Iam`) or anyone (`Access::Public`).
fn function_url(scope: &mut Scope, base: &Base<'_, '_>, handler: &Function) -> FunctionUrl {
    let props = base.props;
    if let (Some(_), Access::Iam) = (&props.waf, props.access) {
        scope.error(
            codes::WAF_FRONT_DOOR,
            "WAF on a Function URL for IAM callers",
            "WAF puts CloudFront in front, which signs every request with its own identity: use Access::Public with waf \
             (CloudFront is then the only way in), or waf: None",
        );
    }
    let auth = match props.access {
        Access::Public if props.waf.is_some() => UrlAuth::AwsIam,
        Access::Iam => UrlAuth::AwsIam,
        Access::Public => UrlAuth::None,
        Access::Authorizer(_) => {
            scope.error(
                codes::AGENT_ACCESS,
                "a Lambda authorizer on a Function URL",
                "Function URLs take IAM callers (Access::Iam) or anyone (Access::Public); for JWT callers use StreamTransport::Rest",
            );
            UrlAuth::AwsIam
        }
    };
    if !props.routes.is_empty() {
        scope.error(
            codes::AGENT_ROUTES_WITHOUT_REST,
            "custom routes on a Function URL agent",
            "routes need the REST API: use StreamTransport::Rest",
        );
    }
    let cors = props.cors.as_ref().map(|c| UrlCors {
        allow_origins: c.allow_origins.clone(),
        allow_headers: c.allow_headers.clone(),
        max_age_seconds: Some(c.max_age_seconds),
        ..Default::default()
    });
    let url = handler.add_url(&mut scope.scope("Url"), FunctionUrlProps { auth, invoke_mode: InvokeMode::ResponseStream, cors });
    match &props.waf {
        Some(waf) if props.access == Access::Public => {
            crate::cloudfront::front(&mut scope.scope("Cdn"), handler, url, waf, props.encryption)
        }
        _ => url,
    }
}
