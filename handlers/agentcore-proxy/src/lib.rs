//! agentcore-proxy: the front door of a Bedrock AgentCore runtime.
//!
//! One function serves the three front doors: API Gateway REST (buffered, option 1), a Lambda
//! Function URL with InvokeMode RESPONSE_STREAM (option 2) and API Gateway REST with
//! responseTransferMode STREAM (option 3). Each `POST` becomes one `InvokeAgentRuntime` call:
//!
//! - **Auth to the runtime** ([`env::AGENT_RUNTIME_AUTH`]): `iam` signs with the function's
//!   role (SigV4, by the SDK); `jwt` passes the caller's `Authorization: Bearer` token on
//!   (see [`BearerToken`]), and a request without one gets 401.
//! - **Session**: the client's [`AGENTCORE_SESSION_ID_HEADER`] when it is 33–256 characters
//!   of `A-Z a-z 0-9 _ . : -`, else 400; without one a new UUID (36 characters). The client's
//!   id is echoed in the answer's header so the client can continue the session.
//! - **Sessions belong to the caller**: behind a front door that verifies callers (a Lambda
//!   authorizer, or an IAM Function URL), the runtime session id is
//!   [`runtime_session_id`]`(user, client id)`, a SHA-256 of both: another user naming the same
//!   client id reaches a different runtime session, never this one. Without a verified caller
//!   (a public door) the client's id is the runtime's, and whoever holds it can continue the
//!   session (bearer semantics).
//! - **Caller to the agent**: the verified user id goes to the runtime as
//!   [`AGENTCORE_USER_ID_HEADER`], set by the proxy only; a client sending that header, or a
//!   `FORWARD_HEADERS` entry mapping onto it, is never passed on.
//! - **Headers**: only those listed in [`env::FORWARD_HEADERS`] reach the runtime, as
//!   `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` ([`HeaderMapping`]); all others are dropped.
//!   `Content-Type` (default `application/json`) and `Accept` are passed on.
//! - **Answer** ([`env::RESPONSE_MODE`]): `buffered` returns the runtime's status, content type
//!   and body in one proxy response; `stream` forwards each chunk as it arrives from the
//!   runtime. Errors before the first byte are a proper status with an `{error, message}` body
//!   in either mode; an error mid-stream ends the stream with Lambda's error trailer.
//! - **Runtime errors**: throttling and 5xx → 503 (retry later), validation → 400, access
//!   denied → 502 (401 in `jwt` mode: the token was refused), anything else permanent → 502.
//!   The client gets the code and a fixed message; AgentCore's own text (runtime ARN, account
//!   id, role) and the missing permission go to the log only.

use std::sync::Arc;

use agentcdk_contract::env;
use agentcdk_contract::wire::{
    ErrorCode, AGENTCORE_MAX_SESSION_ID_CHARS, AGENTCORE_MIN_SESSION_ID_CHARS, AGENTCORE_SESSION_ID_HEADER, AGENTCORE_USER_ID_HEADER,
};
use agentcdk_runtime::config::{self, ConfigError};
use agentcdk_runtime::error::{sdk_disposition, sdk_message, Disposition};
use agentcdk_runtime::http::{streamed, Answer, RawResponse, Request, Response, ResponseMode, Source};
use agentcdk_runtime::secret::Secret;
use aws_lambda_events::http::{HeaderMap, HeaderName, HeaderValue};
use aws_sdk_bedrockagentcore::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_bedrockagentcore::config::retry::RetryConfig;
use aws_sdk_bedrockagentcore::config::{ConfigBag, Intercept, RuntimeComponents, StalledStreamProtectionConfig};
use aws_sdk_bedrockagentcore::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagentcore::operation::invoke_agent_runtime::{InvokeAgentRuntimeError, InvokeAgentRuntimeOutput};
use aws_sdk_bedrockagentcore::primitives::Blob;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Content type sent to the runtime when the client names none.
pub const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// Largest body Lambda returns buffered (its 6 MB response payload limit); a bigger answer
/// needs `RESPONSE_MODE=stream`.
pub const MAX_BUFFERED_ANSWER_BYTES: usize = 6 * 1024 * 1024;

/// How the proxy authenticates to the runtime ([`env::AGENT_RUNTIME_AUTH`]); the contract's
/// enum, so the front door construct writes the same value.
pub use agentcdk_contract::env::RuntimeAuth;

/// Client headers passed on to the runtime, each under its AgentCore custom-header name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMapping(Vec<(HeaderName, String)>);

impl HeaderMapping {
    /// The mapping for client header `names` (see [`upstream_header_name`]). `Authorization`
    /// is refused: it reaches the runtime only as the credential in `jwt` mode, never as a
    /// custom header the agent code could read and replay; the session id header has its own
    /// rule; a name mapping onto [`AGENTCORE_USER_ID_HEADER`] is refused, so a client can never
    /// pose as another user.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for name in names {
            let name = name.as_ref().trim();
            let parsed = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("{name:?} is not a header name"))?;
            if parsed == aws_lambda_events::http::header::AUTHORIZATION {
                return Err("authorization cannot be forwarded as a custom header (use AGENT_RUNTIME_AUTH=jwt)".into());
            }
            if parsed.as_str().eq_ignore_ascii_case(AGENTCORE_SESSION_ID_HEADER) {
                return Err(format!("{AGENTCORE_SESSION_ID_HEADER} is always passed on; do not list it"));
            }
            let upstream = upstream_header_name(name);
            if upstream.eq_ignore_ascii_case(AGENTCORE_USER_ID_HEADER) {
                return Err(format!("{name} would be sent as {AGENTCORE_USER_ID_HEADER}, which carries the verified caller; rename it"));
            }
            pairs.push((parsed, upstream));
        }
        Ok(Self(pairs))
    }

    /// The `(upstream name, value)` pairs for a request's `headers`: listed headers only, in the
    /// configured order; values that are not text are dropped.
    pub fn map(&self, headers: &HeaderMap) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (client, upstream) in &self.0 {
            for value in headers.get_all(client) {
                if let Ok(v) = value.to_str() {
                    out.push((upstream.clone(), v.to_owned()));
                }
            }
        }
        out
    }
}

/// The name AgentCore receives a client header under: `X-Amzn-Bedrock-AgentCore-Runtime-Custom-`
/// + the name without a leading `x-`, unless it already carries that prefix
///   (`X-Tenant` → `X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant`).
pub fn upstream_header_name(client: &str) -> String {
    // One mapping for synth and run time: the constructs check its result against the runtime's
    // request header allowlist.
    agentcdk_contract::wire::agentcore_custom_header(client)
}

/// The client's session id: the header's when it is 33–256 characters of
/// `A-Z a-z 0-9 _ . : -` (400 otherwise, without echoing it), else a new UUID v4 (36
/// characters, above AgentCore's minimum of 33).
pub fn session_id(from_client: Option<&str>) -> Result<String, String> {
    match from_client.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(uuid::Uuid::new_v4().to_string()),
        Some(s) => {
            let n = s.len();
            let charset = s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-'));
            if charset && (AGENTCORE_MIN_SESSION_ID_CHARS..=AGENTCORE_MAX_SESSION_ID_CHARS).contains(&n) {
                Ok(s.to_owned())
            } else {
                Err(format!(
                    "{AGENTCORE_SESSION_ID_HEADER} must be {AGENTCORE_MIN_SESSION_ID_CHARS} to {AGENTCORE_MAX_SESSION_ID_CHARS} \
                     characters of A-Z a-z 0-9 _ . : -; omit it to start a new session"
                ))
            }
        }
    }
}

/// The runtime session of `client_session` for `user`: with a verified user, the hex SHA-256
/// of `user`, a zero byte and the client's id (64 characters, inside AgentCore's 33–256), so
/// equal client ids of two users never meet in one runtime session and the mapping cannot be
/// steered by choosing either part (neither can contain a zero byte). Without one, the
/// client's id itself.
pub fn runtime_session_id(user: Option<&str>, client_session: &str) -> String {
    let Some(user) = user else { return client_session.to_owned() };
    let mut h = Sha256::new();
    h.update(user.as_bytes());
    h.update([0u8]);
    h.update(client_session.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A request that passed [`Proxy::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The session id the client sees (sent back in the answer's header).
    pub client_session: String,
    /// The session id AgentCore sees ([`runtime_session_id`]).
    pub runtime_session: String,
    /// The verified caller (a valid header value), sent as [`AGENTCORE_USER_ID_HEADER`].
    pub user: Option<String>,
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let (scheme, token) = authorization?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The proxy's configuration, read once at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// [`env::AGENT_RUNTIME_ARN`].
    pub runtime_arn: String,
    /// [`env::AGENT_RUNTIME_QUALIFIER`].
    pub qualifier: String,
    /// [`env::AGENT_RUNTIME_AUTH`].
    pub auth: RuntimeAuth,
    /// [`env::FORWARD_HEADERS`].
    pub forward: HeaderMapping,
    /// [`env::MAX_BODY_BYTES`]: the same cap, and default, as the request-handler's.
    pub max_body: usize,
    /// [`env::RESPONSE_MODE`].
    pub mode: ResponseMode,
    /// [`env::URL_SIGNED_BY_CLOUDFRONT`]: the URL's IAM identity is CloudFront's, not a caller.
    pub signed_by_cloudfront: bool,
}

impl Config {
    /// Reads the environment; a missing ARN or a bad value fails the init.
    pub fn from_env() -> Result<Self, ConfigError> {
        let auth = config::parse_or(env::AGENT_RUNTIME_AUTH, RuntimeAuth::default())?;
        let names = config::list(env::FORWARD_HEADERS);
        let forward = HeaderMapping::new(&names).map_err(|reason| ConfigError::Invalid {
            name: env::FORWARD_HEADERS,
            value: names.join(","),
            reason,
        })?;
        Ok(Self {
            runtime_arn: config::required(env::AGENT_RUNTIME_ARN)?,
            qualifier: config::optional(env::AGENT_RUNTIME_QUALIFIER).unwrap_or_else(|| env::DEFAULT_AGENT_RUNTIME_QUALIFIER.to_owned()),
            auth,
            forward,
            max_body: config::parse_or(env::MAX_BODY_BYTES, env::DEFAULT_MAX_BODY_BYTES)?,
            mode: agentcdk_runtime::http::response_mode_from_env()?,
            signed_by_cloudfront: config::parse_or(env::URL_SIGNED_BY_CLOUDFRONT, false)?,
        })
    }
}

/// The proxy: configuration and the AgentCore client, built once per sandbox.
#[derive(Debug, Clone)]
pub struct Proxy {
    client: aws_sdk_bedrockagentcore::Client,
    config: Arc<Config>,
}

/// Why an invocation was answered with an error (each maps to one `{error, message}` answer).
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The client sent something we refuse before calling the runtime.
    #[error("{1}")]
    Client(ErrorCode, String),
    /// The runtime (or the way to it) failed.
    #[error("{1}")]
    Runtime(ErrorCode, String),
}

impl ProxyError {
    fn response(&self) -> Response {
        match self {
            Self::Client(code, m) | Self::Runtime(code, m) => Response::error(*code, m.clone()),
        }
    }
}

impl Proxy {
    /// A proxy calling AgentCore with `sdk`'s region, credentials and endpoint.
    ///
    /// Stalled-stream protection is off: an agent may think for longer than the SDK's 20 s
    /// grace period without sending a byte, which is not a stalled connection; the function's
    /// timeout bounds the call instead.
    ///
    /// Retries are off too: an invocation is not idempotent (a 5xx may come after the agent's
    /// tools ran, and a retry would run them again), and the client already gets a 503 it can
    /// retry under its own policy — without the SDK's backoff eating API Gateway's 29 s.
    pub fn new(sdk: &aws_config::SdkConfig, config: Config) -> Self {
        let conf = aws_sdk_bedrockagentcore::config::Builder::from(sdk)
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .retry_config(RetryConfig::disabled())
            .build();
        Self { client: aws_sdk_bedrockagentcore::Client::from_conf(conf), config: Arc::new(config) }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The Lambda entry point: a front-door event in, a buffered or streamed answer out (never
    /// an invocation error: every failure is an HTTP answer).
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Answer, lambda_runtime::Error> {
        let mode = self.config.mode;
        let req = match Request::from_event(event.payload) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "unrecognized event");
                return Ok(RawResponse::from(Response::error(ErrorCode::BadRequest, e.0)).answer(Source::RestApi, mode));
            }
        };
        Ok(self.respond(&req).await)
    }

    /// Answers one request.
    pub async fn respond(&self, req: &Request) -> Answer {
        let mode = self.config.mode;
        let checked = match self.check(req) {
            Ok(c) => c,
            Err(e) => {
                tracing::info!(method = %req.method, status = e.response().status, "refused");
                return RawResponse::from(e.response()).answer(req.source, mode);
            }
        };
        let session = checked.client_session.clone();
        let out = match self.invoke(req, checked).await {
            Ok(out) => out,
            Err(e) => {
                let r = e.response();
                tracing::warn!(status = r.status, "runtime call failed");
                return RawResponse::from(r).with_header(AGENTCORE_SESSION_ID_HEADER, &session).answer(req.source, mode);
            }
        };
        // The client's id, not the runtime's: bound sessions are derived again on each call.
        let status = out.status_code.and_then(|s| u16::try_from(s).ok()).unwrap_or(200);
        // The runtime's content type, or raw bytes when it named none.
        let content_type = Some(out.content_type.as_str()).filter(|c| !c.is_empty()).unwrap_or("application/octet-stream");
        let head = RawResponse::new(status, content_type, Vec::new()).with_header(AGENTCORE_SESSION_ID_HEADER, &session);
        tracing::info!(status, mode = ?mode, "runtime answered");
        match mode {
            ResponseMode::Buffered => buffered(head, out, req.source).await,
            ResponseMode::Stream => stream(head, out),
        }
    }

    /// Method, body size, session id and (jwt) token: the client's mistakes, before any call.
    fn check(&self, req: &Request) -> Result<Checked, ProxyError> {
        if req.method != "POST" {
            return Err(ProxyError::Client(ErrorCode::MethodNotAllowed, format!("use POST, not {}", req.method)));
        }
        if req.body.len() > self.config.max_body {
            return Err(ProxyError::Client(
                ErrorCode::PayloadTooLarge,
                format!("body is {} bytes, the limit is {}", req.body.len(), self.config.max_body),
            ));
        }
        if self.config.auth == RuntimeAuth::Jwt && bearer_token(req.header("authorization")).is_none() {
            return Err(ProxyError::Client(
                ErrorCode::Unauthorized,
                "send Authorization: Bearer <token>; the agent runtime verifies it".into(),
            ));
        }
        // A header that is not visible ASCII is refused too, not taken for a missing one.
        let header = req.headers.get(AGENTCORE_SESSION_ID_HEADER).map(|v| v.to_str().unwrap_or("\u{0}"));
        let client_session = session_id(header).map_err(|m| ProxyError::Client(ErrorCode::BadRequest, m))?;
        let user_id = req.caller(self.config.signed_by_cloudfront);
        let user = match user_id {
            None => None,
            Some(u) if HeaderValue::from_str(u).is_ok() => Some(u.to_owned()),
            Some(_) => {
                tracing::error!("the authorizer's user id is not a valid header value");
                return Err(ProxyError::Runtime(ErrorCode::Internal, ErrorCode::Internal.public_message().into()));
            }
        };
        let runtime_session = runtime_session_id(user_id, &client_session);
        Ok(Checked { client_session, runtime_session, user })
    }

    async fn invoke(&self, req: &Request, checked: Checked) -> Result<InvokeAgentRuntimeOutput, ProxyError> {
        let c = &self.config;
        let custom = c.forward.map(&req.headers);
        let user = checked.user;
        let mut op = self
            .client
            .invoke_agent_runtime()
            .agent_runtime_arn(&c.runtime_arn)
            .qualifier(&c.qualifier)
            .runtime_session_id(&checked.runtime_session)
            .content_type(req.header("content-type").unwrap_or(DEFAULT_CONTENT_TYPE))
            .payload(Blob::new(req.body.clone()));
        if let Some(accept) = req.header("accept") {
            op = op.accept(accept);
        }
        // Before signing: the custom headers are covered by the signature in iam mode.
        let mut op = op.customize().mutate_request(move |r| {
            for (name, value) in &custom {
                // Names were validated at init and values came from valid header values.
                let _ = r.headers_mut().try_insert(name.clone(), value.clone());
            }
            // Set last and replacing: only the proxy speaks for the caller.
            r.headers_mut().remove(AGENTCORE_USER_ID_HEADER);
            if let Some(user) = &user {
                r.headers_mut().insert(AGENTCORE_USER_ID_HEADER, user.clone());
            }
        });
        if c.auth == RuntimeAuth::Jwt {
            let token = bearer_token(req.header("authorization")).unwrap_or_default().to_owned();
            op = op.interceptor(BearerToken(Secret::new(token)));
        }
        op.send().await.map_err(|e| self.runtime_error(&e))
    }

    /// The client's answer to a failed call: a code and a fixed message. AgentCore's text
    /// names the runtime ARN, the account and the function's role, so it and the diagnosis go
    /// to the log only.
    fn runtime_error(&self, e: &SdkError<InvokeAgentRuntimeError>) -> ProxyError {
        let message = sdk_message(e);
        let code = match e {
            SdkError::ServiceError(se) => se.err().code().unwrap_or_default().to_owned(),
            _ => String::new(),
        };
        let throttled = matches!(e, SdkError::ServiceError(se) if se.raw().status().as_u16() == 429);
        let c = &self.config;
        let (status, client) = match code.as_str() {
            "ValidationException" => (ErrorCode::BadRequest, "the agent runtime refused the request as invalid"),
            "AccessDeniedException" if c.auth == RuntimeAuth::Jwt => {
                (ErrorCode::Unauthorized, "the agent runtime refused the caller's token")
            }
            "AccessDeniedException" => {
                tracing::error!(runtime = %c.runtime_arn, %message, "the function's role lacks bedrock-agentcore:InvokeAgentRuntime on the runtime (or the runtime does not use IAM auth)");
                (ErrorCode::UpstreamFailed, ErrorCode::UpstreamFailed.public_message())
            }
            "ResourceNotFoundException" => {
                tracing::error!(runtime = %c.runtime_arn, qualifier = %c.qualifier, %message, "agent runtime not found");
                (ErrorCode::UpstreamFailed, ErrorCode::UpstreamFailed.public_message())
            }
            _ if throttled || sdk_disposition(e) == Disposition::Retryable => {
                (ErrorCode::Unavailable, ErrorCode::Unavailable.public_message())
            }
            _ => (ErrorCode::UpstreamFailed, ErrorCode::UpstreamFailed.public_message()),
        };
        tracing::warn!(code = %code, %message, "runtime call failed");
        ProxyError::Runtime(status, client.to_owned())
    }
}

/// Collects the runtime's answer into one proxy response.
async fn buffered(head: RawResponse, out: InvokeAgentRuntimeOutput, source: Source) -> Answer {
    let mut body = Vec::new();
    let mut stream = out.response;
    loop {
        match stream.next().await {
            None => break,
            Some(Ok(chunk)) if body.len() + chunk.len() <= MAX_BUFFERED_ANSWER_BYTES => body.extend_from_slice(&chunk),
            Some(Ok(_)) => {
                let msg = "the agent's answer exceeds Lambda's 6 MB buffered response limit; use RESPONSE_MODE=stream";
                return failed(&head, ErrorCode::UpstreamFailed, msg).answer(source, ResponseMode::Buffered);
            }
            Some(Err(e)) => {
                tracing::warn!(error = %e, "runtime answer broke off");
                let msg = ErrorCode::Unavailable.public_message();
                return failed(&head, ErrorCode::Unavailable, msg).answer(source, ResponseMode::Buffered);
            }
        }
    }
    RawResponse { body, ..head }.answer(source, ResponseMode::Buffered)
}

/// An error answer that keeps `head`'s session id header.
fn failed(head: &RawResponse, code: ErrorCode, message: impl Into<String>) -> RawResponse {
    let r = RawResponse::from(Response::error(code, message));
    match head.headers.get(AGENTCORE_SESSION_ID_HEADER).and_then(|v| v.to_str().ok()) {
        Some(session) => r.with_header(AGENTCORE_SESSION_ID_HEADER, session),
        None => r,
    }
}

/// Forwards the runtime's answer chunk by chunk, each as soon as it arrives.
fn stream(head: RawResponse, out: InvokeAgentRuntimeOutput) -> Answer {
    let (mut tx, response) = streamed(head.status, head.headers);
    let mut body = out.response;
    tokio::spawn(async move {
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(bytes) => {
                    if tx.send(bytes).await.is_err() {
                        tracing::info!("client went away; stopped forwarding");
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "runtime stream broke off");
                    tx.fail("the agent runtime's stream broke off");
                    return;
                }
            }
        }
    });
    Answer::StreamingResponse(response)
}

/// `jwt` mode: sends the caller's bearer token instead of the SigV4 signature.
///
/// The SDK always signs (its operation requires SigV4 and the function has role credentials),
/// so this runs after signing, in `modify_before_transmit`: it replaces the signature's
/// `Authorization` with `Bearer <token>` — the runtime's CUSTOM_JWT authorizer verifies that
/// token, and a runtime with a JWT authorizer refuses SigV4 anyway — and removes
/// `x-amz-security-token`, so the role's session token never leaves the function. (The
/// remaining `x-amz-date` / `x-amz-content-sha256` are harmless without the signature.)
#[derive(Debug)]
pub struct BearerToken(Secret);

impl Intercept for BearerToken {
    fn name(&self) -> &'static str {
        "BearerToken"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.request_mut().headers_mut();
        headers.remove("x-amz-security-token");
        headers.try_insert("authorization", format!("Bearer {}", self.0.expose()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::http::HeaderValue;

    #[test]
    fn forwarded_headers_get_the_custom_prefix_and_others_are_dropped() {
        assert_eq!(upstream_header_name("X-Tenant"), "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant");
        assert_eq!(upstream_header_name("tenant-id"), "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant-Id");
        assert_eq!(upstream_header_name("x-amzn-bedrock-agentcore-runtime-custom-Org"), "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Org");

        let m = HeaderMapping::new(&["X-Tenant", "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Org"]).expect("valid");
        let mut h = HeaderMap::new();
        h.insert("x-tenant", HeaderValue::from_static("acme"));
        h.insert("x-amzn-bedrock-agentcore-runtime-custom-org", HeaderValue::from_static("o1"));
        h.insert("x-other", HeaderValue::from_static("dropped"));
        h.insert("cookie", HeaderValue::from_static("dropped"));
        assert_eq!(
            m.map(&h),
            vec![
                ("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant".to_owned(), "acme".to_owned()),
                ("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Org".to_owned(), "o1".to_owned()),
            ]
        );
        assert!(HeaderMapping::default().map(&h).is_empty());
    }

    #[test]
    fn runtime_sessions_are_bound_to_the_verified_user() {
        let client = "c".repeat(40);
        let a = runtime_session_id(Some("alice"), &client);
        let b = runtime_session_id(Some("bob"), &client);
        assert_ne!(a, b, "same client id, different users: different runtime sessions");
        assert_eq!(a, runtime_session_id(Some("alice"), &client), "stable across calls");
        assert_eq!(a.len(), 64);
        assert!((AGENTCORE_MIN_SESSION_ID_CHARS..=AGENTCORE_MAX_SESSION_ID_CHARS).contains(&a.len()));
        // The separator keeps (user, session) pairs apart even when their concatenations meet.
        assert_ne!(runtime_session_id(Some("ab"), "cd"), runtime_session_id(Some("a"), "bcd"));
        assert_eq!(runtime_session_id(None, &client), client, "no verified caller: the client's id");
    }

    #[test]
    fn debug_never_shows_the_bearer_token() {
        let shown = format!("{:?}", BearerToken(Secret::new("eyJ.secret.sig")));
        assert!(!shown.contains("eyJ.secret.sig"), "{shown}");
    }

    #[test]
    fn authorization_bad_names_and_the_session_header_cannot_be_forwarded() {
        assert!(HeaderMapping::new(&["x-user-id"]).is_err(), "would pose as the verified caller");
        assert!(HeaderMapping::new(&[AGENTCORE_USER_ID_HEADER]).is_err());
        assert!(HeaderMapping::new(&["Authorization"]).is_err());
        assert!(HeaderMapping::new(&["bad name"]).is_err());
        assert!(HeaderMapping::new(&[AGENTCORE_SESSION_ID_HEADER]).is_err());
    }

    #[test]
    fn session_ids_are_kept_when_long_enough_and_made_when_missing() {
        let made = session_id(None).expect("new");
        assert!(made.len() >= AGENTCORE_MIN_SESSION_ID_CHARS, "{made}");
        assert_ne!(made, session_id(Some("  ")).expect("blank counts as missing"));
        let ok = "s".repeat(33);
        assert_eq!(session_id(Some(&ok)).as_deref(), Ok(ok.as_str()));
        assert!(session_id(Some(&"s".repeat(256))).is_ok());
        let short = session_id(Some("abc")).expect_err("too short");
        assert!(short.contains("33 to 256"), "{short}");
        for bad in ["s".repeat(257), "s".repeat(2048), format!("{}#", "s".repeat(40)), format!("{}\u{e9}", "s".repeat(40))] {
            let msg = session_id(Some(&bad)).expect_err("refused");
            assert!(!msg.contains(&bad), "the answer never echoes the id");
        }
    }

    fn proxy(auth: RuntimeAuth) -> Proxy {
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let config = Config {
            runtime_arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-AbC123".into(),
            qualifier: "DEFAULT".into(),
            auth,
            forward: HeaderMapping::default(),
            max_body: 10,
            mode: ResponseMode::Buffered,
            signed_by_cloudfront: false,
        };
        Proxy::new(&sdk, config)
    }

    fn function_url(method: &str, headers: Value, body: &str) -> Request {
        let ev = serde_json::json!({
            "version": "2.0", "rawPath": "/", "headers": headers,
            "requestContext": {"http": {"method": method, "path": "/"}, "timeEpoch": 0},
            "body": body, "isBase64Encoded": false
        });
        Request::from_event(ev).expect("function url event")
    }

    #[test]
    fn client_mistakes_are_refused_before_any_call() {
        let status = |p: &Proxy, r: &Request| p.check(r).map(|c| c.client_session).map_err(|e| e.response().status);
        let iam = proxy(RuntimeAuth::Iam);
        assert_eq!(status(&iam, &function_url("GET", serde_json::json!({}), "")), Err(405));
        assert_eq!(status(&iam, &function_url("POST", serde_json::json!({}), "01234567890")), Err(413));
        let short = serde_json::json!({AGENTCORE_SESSION_ID_HEADER: "short"});
        assert_eq!(status(&iam, &function_url("POST", short, "{}")), Err(400));
        let given = serde_json::json!({AGENTCORE_SESSION_ID_HEADER: "a".repeat(40)});
        assert_eq!(status(&iam, &function_url("POST", given, "{}")), Ok("a".repeat(40)));
        let jwt = proxy(RuntimeAuth::Jwt);
        assert_eq!(status(&jwt, &function_url("POST", serde_json::json!({}), "{}")), Err(401));
        let with_token = function_url("POST", serde_json::json!({"authorization": "Bearer t"}), "{}");
        assert!(status(&jwt, &with_token).is_ok_and(|s| s.len() == 36));
    }

    #[test]
    fn bearer_tokens_need_the_scheme_and_a_token() {
        assert_eq!(bearer_token(Some("Bearer abc.def")), Some("abc.def"));
        assert_eq!(bearer_token(Some("bearer  xyz ")), Some("xyz"));
        assert_eq!(bearer_token(Some("Basic dXNlcg==")), None);
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(None), None);
    }
}
