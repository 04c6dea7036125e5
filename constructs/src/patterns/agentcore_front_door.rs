//! `AgentCoreFrontDoor`: a Lambda front door of an AgentCore runtime, the three "Lambda patterns
//! for AgentCore": API Gateway REST buffered (option 1), a response-streaming Function URL
//! (option 2), API Gateway REST streaming (option 3). Each runs the `agentcore-proxy` handler,
//! which calls InvokeAgentRuntime on exactly one runtime endpoint.
//!
//! Why a front door at all, when clients could call AgentCore directly: a stable HTTPS URL
//! without AWS SDKs in the client, API Gateway's authorizers, throttling and WAF (REST), session
//! ids minted server-side, and a fixed list of client headers that reach the agent.

use crate::codes;
use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::env;
use agentcdk_contract::wire::{agentcore_custom_header, AGENTCORE_USER_ID_HEADER};
use agentcdk_synth::prelude::*;

use super::agentcore::AgentCoreRuntime;
use super::authorizer::LambdaAuthorizer;
use super::serverless_agent::REST_INTEGRATION_TIMEOUT;
use crate::apigw::rest::{
    Cors, HttpMethod, LambdaMethod, MethodAuth, RestApi, RestApiProps, Throttling, Transfer, STREAM_INTEGRATION_TIMEOUT,
};
use crate::cloudwatch::{alarm_topic, function_alarms};
use crate::function_url::{FunctionUrl, FunctionUrlProps, InvokeMode, UrlAuth, UrlCors};
use crate::iam::{self, actions, Statement};
use crate::kms::Encryption;
use crate::lambda::{Code, Function, FunctionProps};
use crate::logs::RetentionDays;
use crate::waf::WafProps;

/// Which of the three front doors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontDoorKind {
    /// Option 1: API Gateway REST → proxy → InvokeAgentRuntime; the answer is buffered (API
    /// Gateway's 29 s and 10 MB limits apply).
    RestBuffered,
    /// Option 2: a Lambda Function URL with `InvokeMode: RESPONSE_STREAM`; chunks are forwarded
    /// as the agent produces them. `UrlAuth::AwsIam` (SigV4 callers) unless you opt into
    /// `UrlAuth::None`.
    FunctionUrl(UrlAuth),
    /// Option 3: API Gateway REST with `responseTransferMode: STREAM` (authorizers, throttling
    /// and streaming together, up to 15 minutes).
    RestStream,
}

impl Default for FrontDoorKind {
    /// A streaming Function URL for IAM callers: the cheapest door, and streaming.
    fn default() -> Self {
        FrontDoorKind::FunctionUrl(UrlAuth::AwsIam)
    }
}

/// Props of an [`AgentCoreFrontDoor`].
#[derive(Clone, Debug, PartialEq)]
pub struct FrontDoorProps<'a> {
    /// Which front door. Default: a streaming Function URL with IAM auth (option 2).
    pub kind: FrontDoorKind,
    /// The runtime endpoint invoked (the InvokeAgentRuntime qualifier). Default: `DEFAULT`,
    /// the endpoint AgentCore creates with every runtime.
    pub endpoint: Option<String>,
    /// Client request headers passed on to the agent, each mapped to
    /// `X-Amzn-Bedrock-AgentCore-Runtime-Custom-<Name>` (which the runtime's
    /// `request_headers` must allowlist); every other client header is dropped. Default: none.
    pub forward_headers: Vec<String>,
    /// Verifies callers (REST kinds). Required on REST unless `public` is set.
    pub authorizer: Option<&'a LambdaAuthorizer>,
    /// Explicit opt-in to a door anyone can call: REST without an authorizer, or a Function URL
    /// with `UrlAuth::None`. Default: false.
    pub public: bool,
    /// Memory of the proxy function. Default: 256 MB (it waits on the network, the agent runs
    /// in AgentCore).
    pub memory_mb: u32,
    /// Timeout of one proxied call. Default: 29 s for the buffered REST door (API Gateway's
    /// limit), 15 minutes for the streaming doors.
    pub timeout: Option<Duration>,
    /// Instruction set of the proxy. Default: x86_64.
    pub architecture: Architecture,
    /// Stage throttling (REST kinds). Default: 50 requests/s, burst 100.
    pub throttling: Throttling,
    /// CORS for browser clients. Default: none.
    pub cors: Option<Cors>,
    /// Log retention. Default: 3 months.
    pub log_retention: RetentionDays,
    /// Alarms on the proxy's errors and throttles. Default: on.
    pub alarms: bool,
    /// Encryption at rest. Default: the stack key.
    pub encryption: Encryption,
    /// AWS WAF on the door: on the stage of the REST kinds; for `FunctionUrl(UrlAuth::None)`
    /// CloudFront with WAF in front (the URL then takes only the distribution's signed calls,
    /// clients send `x-amz-content-sha256`, see [`crate::cloudfront`]). Default: none (opt-in:
    /// about $10/month per web ACL before traffic).
    pub waf: Option<WafProps>,
}

impl Default for FrontDoorProps<'_> {
    fn default() -> Self {
        FrontDoorProps {
            kind: FrontDoorKind::default(),
            endpoint: None,
            forward_headers: Vec::new(),
            authorizer: None,
            public: false,
            memory_mb: 256,
            timeout: None,
            architecture: Architecture::X86_64,
            throttling: Throttling::default(),
            cors: None,
            log_retention: RetentionDays::default(),
            alarms: true,
            encryption: Encryption::StackKey,
            waf: None,
        }
    }
}

/// A front door of an AgentCore runtime.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreFrontDoor {
    /// The proxy function.
    pub function: Function,
    /// The REST API (options 1 and 3).
    pub rest_api: Option<RestApi>,
    /// The Function URL (option 2).
    pub function_url: Option<FunctionUrl>,
}

/// Path of the invoke resource on the REST kinds.
pub const INVOKE_PATH: &str = "invocations";

/// Lets the proxy invoke the runtime on its endpoint. A CUSTOM_JWT runtime takes the caller's
/// bearer token, not the function's signature: the role then needs no AgentCore permission.
fn grant_invoke(stack: &mut Stack, runtime: &AgentCoreRuntime, function: &Function, qualifier: &str) {
    if runtime.jwt {
        return;
    }
    let endpoint_arn = match runtime.endpoints.get(qualifier) {
        Some(e) => e.attr_agent_runtime_endpoint_arn(),
        None => Expr::sub_with(format!("${{Runtime}}/runtime-endpoint/{qualifier}"), [("Runtime", runtime.arn())]),
    };
    iam::grant(stack, function, Statement::allow(actions::AGENTCORE_INVOKE, [runtime.arn(), endpoint_arn]));
}

/// The proxy function's environment: the runtime, its endpoint and auth, how it answers, and
/// the client headers it forwards.
fn proxy_environment(
    runtime: &AgentCoreRuntime,
    props: &FrontDoorProps<'_>,
    qualifier: &str,
    stream: bool,
) -> BTreeMap<String, Value<String>> {
    let mut environment = BTreeMap::from([
        (env::AGENT_RUNTIME_ARN.to_owned(), Value::from(runtime.arn())),
        (env::AGENT_RUNTIME_QUALIFIER.to_owned(), Value::from(qualifier.to_owned())),
        (env::AGENT_RUNTIME_AUTH.to_owned(), Value::from(if runtime.jwt { env::RuntimeAuth::Jwt } else { env::RuntimeAuth::Iam }.as_str())),
        (env::RESPONSE_MODE.to_owned(), Value::from(if stream { env::ResponseMode::Stream } else { env::ResponseMode::Buffered }.as_str())),
    ]);
    if !props.forward_headers.is_empty() {
        environment.insert(env::FORWARD_HEADERS.to_owned(), props.forward_headers.join(",").into());
    }
    environment
}

impl AgentCoreFrontDoor {
    /// Declares a front door of `runtime` in `scope` (its own node).
    pub fn new(scope: &mut Scope, runtime: &AgentCoreRuntime, props: FrontDoorProps<'_>) -> AgentCoreFrontDoor {
        check(scope, runtime, &props);
        let stream = !matches!(props.kind, FrontDoorKind::RestBuffered);
        let timeout = props.timeout.unwrap_or(if stream { STREAM_INTEGRATION_TIMEOUT } else { REST_INTEGRATION_TIMEOUT });
        let qualifier = props.endpoint.clone().unwrap_or_else(|| env::DEFAULT_AGENT_RUNTIME_QUALIFIER.to_owned());
        let environment = proxy_environment(runtime, &props, &qualifier, stream);
        let function = Function::new(
            &mut scope.scope("Proxy"),
            FunctionProps {
                code: Code::handler(Artifact::AgentcoreProxy),
                description: Some("AgentCore runtime front door".into()),
                memory_mb: props.memory_mb,
                timeout,
                architecture: props.architecture,
                environment,
                log_retention: props.log_retention,
                encryption: props.encryption,
                ..Default::default()
            },
        );
        grant_invoke(scope.stack(), runtime, &function, &qualifier);
        let (rest_api, function_url) = match props.kind {
            FrontDoorKind::FunctionUrl(auth) => {
                let cors = props.cors.as_ref().map(|c| UrlCors {
                    allow_origins: c.allow_origins.clone(),
                    allow_headers: c.allow_headers.clone(),
                    expose_headers: vec![agentcdk_contract::wire::AGENTCORE_SESSION_ID_HEADER.to_owned()],
                    max_age_seconds: Some(c.max_age_seconds),
                });
                let behind_cloudfront = props.waf.is_some() && auth == UrlAuth::None;
                let auth = if behind_cloudfront { UrlAuth::AwsIam } else { auth };
                let url =
                    function.add_url(&mut scope.scope("Url"), FunctionUrlProps { auth, invoke_mode: InvokeMode::ResponseStream, cors });
                let url = match &props.waf {
                    Some(waf) if behind_cloudfront => {
                        crate::cloudfront::front(&mut scope.scope("Cdn"), &function, url, waf, props.encryption)
                    }
                    _ => url,
                };
                (None, Some(url))
            }
            FrontDoorKind::RestBuffered | FrontDoorKind::RestStream => {
                let api = RestApi::new(
                    &mut scope.scope("Api"),
                    RestApiProps {
                        throttling: props.throttling,
                        cors: props.cors.clone(),
                        log_retention: props.log_retention,
                        encryption: props.encryption,
                        description: Some("AgentCore runtime front door".into()),
                        waf: props.waf.clone(),
                        ..Default::default()
                    },
                );
                crate::accepted::NO_STAGE_CACHE.apply(scope.stack(), &api.stage);
                let auth = match props.authorizer {
                    Some(a) => MethodAuth::Custom(a.attach_rest(scope, &api)),
                    None => MethodAuth::Public,
                };
                let transfer = if stream { Transfer::Streamed } else { Transfer::Buffered };
                api.add_lambda_method(scope, LambdaMethod::new(HttpMethod::Post, INVOKE_PATH, &function, &auth).transfer(transfer));
                (Some(api), None)
            }
        };
        if props.alarms {
            let topic = alarm_topic(scope.stack(), props.encryption);
            function_alarms(&mut scope.scope("Alarms"), &function, &topic);
        }
        AgentCoreFrontDoor { function, rest_api, function_url }
    }

    /// What clients call: the Function URL, or the REST API's invoke resource.
    pub fn url(&self) -> Expr {
        match (&self.function_url, &self.rest_api) {
            (Some(url), _) => url.url(),
            (None, Some(api)) => api.url_for(INVOKE_PATH),
            (None, None) => Expr::no_value(),
        }
    }
}

fn check(scope: &mut Scope, runtime: &AgentCoreRuntime, props: &FrontDoorProps<'_>) {
    if let Some(e) = &props.endpoint {
        if e != env::DEFAULT_AGENT_RUNTIME_QUALIFIER && !runtime.endpoints.contains_key(e) {
            let known: Vec<&str> =
                std::iter::once(env::DEFAULT_AGENT_RUNTIME_QUALIFIER).chain(runtime.endpoints.keys().map(String::as_str)).collect();
            scope.error(
                codes::AGENTCORE_FRONT_DOOR,
                format!("endpoint '{e}' is not an endpoint of the runtime"),
                format!("one of: {}", known.join(", ")),
            );
        }
    }
    check_headers(scope, runtime, props);
    match props.kind {
        FrontDoorKind::FunctionUrl(auth) => check_function_url(scope, runtime, props, auth),
        FrontDoorKind::RestBuffered | FrontDoorKind::RestStream => match (props.authorizer.is_some(), props.public) {
            (false, false) => scope.error(
                codes::AGENTCORE_FRONT_DOOR,
                "front door without an authorizer",
                "pass authorizer: Some(&auth), or set public: true to open it on purpose (a CUSTOM_JWT runtime still checks tokens)",
            ),
            (true, true) => scope.error(codes::AGENTCORE_FRONT_DOOR, "both an authorizer and public: true", "choose one"),
            _ => {}
        },
    }
    if let (FrontDoorKind::RestBuffered, Some(t)) = (props.kind, props.timeout) {
        if t > REST_INTEGRATION_TIMEOUT {
            scope.error(
                codes::AGENTCORE_FRONT_DOOR,
                format!("buffered front door timeout {t:?} is above API Gateway's 29 s"),
                "long agent runs need a streaming door: FrontDoorKind::RestStream or FunctionUrl",
            );
        }
    }
    if let Some(t) = props.timeout {
        if t > STREAM_INTEGRATION_TIMEOUT {
            scope.error(
                codes::AGENTCORE_FRONT_DOOR,
                format!("front door timeout {t:?} is above 15 minutes"),
                "Lambda and streamed integrations end at 900 s",
            );
        }
    }
}

/// A Function URL door: its auth, `public` and WAF agree with each other and the runtime.
fn check_function_url(scope: &mut Scope, runtime: &AgentCoreRuntime, props: &FrontDoorProps<'_>, auth: UrlAuth) {
    if props.authorizer.is_some() {
        scope.error(
            codes::AGENTCORE_FRONT_DOOR,
            "a Lambda authorizer on a Function URL front door",
            "use FrontDoorKind::RestStream for a Lambda authorizer",
        );
    }
    match (auth, props.public) {
        (UrlAuth::AwsIam, true) => {
            scope.error(codes::AGENTCORE_FRONT_DOOR, "public: true on an IAM-authorized Function URL", "use UrlAuth::None for a public URL")
        }
        (UrlAuth::None, false) => scope.error(
            codes::AGENTCORE_FRONT_DOOR,
            "a Function URL without auth, but public is not set",
            "set public: true to confirm that anyone may call it, or use UrlAuth::AwsIam",
        ),
        _ => {}
    }
    if props.waf.is_some() && (auth == UrlAuth::AwsIam || runtime.jwt) {
        scope.error(
            codes::WAF_FRONT_DOOR,
            "WAF on a Function URL door for IAM callers or a CUSTOM_JWT runtime",
            "WAF puts CloudFront in front, which replaces the Authorization header with its own signature: use \
             UrlAuth::None with public: true in front of an IAM-authorized runtime, or FrontDoorKind::RestStream",
        );
    }
    if auth == UrlAuth::AwsIam && runtime.jwt {
        scope.error(
            codes::AGENTCORE_FRONT_DOOR,
            "an IAM-authorized Function URL in front of a CUSTOM_JWT runtime",
            "the caller's Authorization header can carry a SigV4 signature for the URL or the runtime's bearer token, not both: \
             use UrlAuth::None with public: true (the runtime verifies every token) or FrontDoorKind::RestStream",
        );
    }
}

/// The client headers a door forwards, and the verified caller's header: each mapped name must
/// be one the runtime allowlists, and no client header may pose as the caller.
fn check_headers(scope: &mut Scope, runtime: &AgentCoreRuntime, props: &FrontDoorProps<'_>) {
    for h in &props.forward_headers {
        if h.eq_ignore_ascii_case("Authorization") {
            scope.error(
                codes::AGENTCORE_HEADER,
                "Authorization in forward_headers",
                "a CUSTOM_JWT runtime gets the caller's bearer token without it; an IAM runtime gets the proxy's signature",
            );
            continue;
        }
        let mapped = agentcore_custom_header(h);
        if mapped.eq_ignore_ascii_case(AGENTCORE_USER_ID_HEADER) {
            scope.error(
                codes::AGENTCORE_HEADER,
                format!("forwarded header '{h}' would be sent as '{mapped}', which carries the verified caller"),
                "rename the client header: only the front door sets the caller's user id",
            );
            continue;
        }
        if !runtime.request_headers.iter().any(|a| a.eq_ignore_ascii_case(&mapped)) {
            scope.error(
                codes::AGENTCORE_HEADER,
                format!("forwarded header '{h}' is sent as '{mapped}', which the runtime does not allowlist"),
                format!("add \"{mapped}\" to the runtime's request_headers"),
            );
        }
    }
    // Behind a verified caller the proxy binds sessions to the user and sends the user id as
    // AGENTCORE_USER_ID_HEADER; AgentCore passes it to the agent only if the runtime allowlists it.
    let verified = props.authorizer.is_some() || props.kind == FrontDoorKind::FunctionUrl(UrlAuth::AwsIam);
    if verified && !runtime.request_headers.iter().any(|a| a.eq_ignore_ascii_case(AGENTCORE_USER_ID_HEADER)) {
        scope.warn(
            codes::AGENTCORE_USER_HEADER,
            format!("the front door sends the verified caller as '{AGENTCORE_USER_ID_HEADER}', which the runtime does not allowlist"),
            format!("add \"{AGENTCORE_USER_ID_HEADER}\" to the runtime's request_headers so the agent can tell its users apart"),
        );
    }
}
