//! HTTP in and out of a Lambda function, whatever the front door.
//!
//! **Inbound.** [`Request::from_event`] turns any of the three event shapes into one
//! [`Request`]: API Gateway REST proxy (payload v1, [`Source::RestApi`]), Lambda Function URL
//! (payload v2, [`Source::FunctionUrl`]) and API Gateway WebSocket messages
//! ([`Source::WebSocket`]). Bodies arrive base64-decoded, paths normalized, header names
//! case-insensitive. The caller ([`Request::user_id`]) is taken only from what the front door
//! verified — never from headers or the body:
//! - REST / WebSocket: the authorizer context's `userId` (our authorizer sets it), else its
//!   `principalId`;
//! - Function URL with `AuthType: AWS_IAM`: the IAM caller's `userId` (see [`Request::user_id`]
//!   for why that one);
//! - otherwise `None`.
//!
//! **Outbound, buffered.** [`Response`] is a JSON answer (`Response::error` gives the
//! `{error, message}` body of every error); [`RawResponse`] is any answer (status, headers,
//! bytes). Both turn into their source's proxy response with `into_event`; a Function URL
//! accepts the same `statusCode`/`headers`/`body`/`isBase64Encoded` shape as REST.
//!
//! **Outbound, streamed.** [`streamed`] returns a [`StreamSender`] and the
//! [`lambda_runtime::StreamResponse`] (build its headers with [`headers`]) to hand back to `lambda_runtime`: its metadata prelude
//! carries the status and headers, then every chunk given to [`StreamSender::send`] leaves as
//! it is sent. The format is the same for a Function URL with InvokeMode RESPONSE_STREAM and an
//! API Gateway REST method with responseTransferMode STREAM. A handler that answers either way
//! returns an [`Answer`]; [`ResponseMode::from_env`] reads which one the front door expects, and
//! [`RawResponse::answer`] gives a complete answer (e.g. an error before any streaming) in that
//! mode.
//!
//! ```no_run
//! use agentcdk_runtime::http::{headers, streamed, Answer};
//! # async fn handle() -> Answer {
//! let (mut tx, response) = streamed(200, headers([("content-type", "text/plain")]));
//! // Feed from a task: lambda_runtime reads the body only after the handler has returned.
//! tokio::spawn(async move {
//!     for word in ["hello", " ", "world"] {
//!         if tx.send(word).await.is_err() {
//!             return; // the client went away
//!         }
//!     }
//!     // dropping `tx` ends the stream; `tx.fail(..)` ends it with Lambda's error trailer
//! });
//! Answer::StreamingResponse(response)
//! # }
//! ```

use agentcdk_contract::env;
use agentcdk_contract::wire::{ErrorBody, ErrorCode, AUTH_CONTEXT_USER_ID};
use aws_lambda_events::event::apigw::{ApiGatewayProxyRequest, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use aws_lambda_events::http::header::CONTENT_TYPE;
use aws_lambda_events::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use base64::Engine;
use bytes::Bytes;
use lambda_runtime::streaming::{Body, Sender};
use lambda_runtime::{FunctionResponse, MetadataPrelude, StreamResponse};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::{self, ConfigError};

/// Which event source a request came from (decides the response format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API, Lambda proxy integration (payload v1), buffered or STREAM.
    RestApi,
    /// Lambda Function URL (payload v2), InvokeMode BUFFERED or RESPONSE_STREAM.
    FunctionUrl,
    /// API Gateway WebSocket API message route.
    WebSocket,
}

/// A WebSocket message's connection, for replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsOrigin {
    /// Connection id.
    pub connection_id: String,
    /// `https://{domain}/{stage}`: the Management API endpoint.
    pub endpoint: String,
}

/// A request, whatever its source.
#[derive(Debug, Clone)]
pub struct Request {
    /// Source of the event.
    pub source: Source,
    /// HTTP method, upper case (`POST` for WebSocket messages).
    pub method: String,
    /// Path, normalized.
    pub path: String,
    /// Headers (names case-insensitive). Never logged: they carry tokens.
    pub headers: HeaderMap,
    /// Body bytes (base64 already decoded).
    pub body: Vec<u8>,
    /// The caller as verified by the front door; `None` when there is none.
    ///
    /// REST / WebSocket: the authorizer context's `userId`, else `principalId`. Function URL
    /// with AWS_IAM: the IAM `userId` (falling back to `callerId`), because it is the
    /// principal's unique id (`AIDA…` for a user, `AROA…:session` for a role session): unlike
    /// `userArn` it is never reused when a principal of the same name is deleted and created
    /// again, so a recreated principal cannot read its predecessor's data (AWS's own advice for
    /// keying data by principal).
    pub user_id: Option<String>,
    /// Set for WebSocket messages.
    pub ws: Option<WsOrigin>,
    /// `https://{domain}` plus `/{stage}` for REST (not for a Function URL's `$default`): the
    /// public root the client called, from the request context (absolute URLs in answers,
    /// e.g. an A2A card's `url`). `None` when the event names no domain (nor a `Host`).
    pub origin: Option<String>,
}

/// The event is none of the supported shapes, or its body is not decodable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadEvent(pub String);

impl Request {
    /// The verified caller: [`Request::user_id`], except on a Function URL whose requests
    /// CloudFront signs (`signed_by_cloudfront`, from [`env::URL_SIGNED_BY_CLOUDFRONT`]): that
    /// IAM identity is the distribution's, shared by every client, so there is no caller.
    pub fn caller(&self, signed_by_cloudfront: bool) -> Option<&str> {
        if signed_by_cloudfront && self.source == Source::FunctionUrl {
            return None;
        }
        self.user_id.as_deref().filter(|u| !u.is_empty())
    }

    /// Recognizes the event's source and converts it.
    pub fn from_event(event: Value) -> Result<Self, BadEvent> {
        let ctx = &event["requestContext"];
        if ctx.get("connectionId").is_some() {
            let ev: ApiGatewayWebsocketProxyRequest = parse(event)?;
            let c = &ev.request_context;
            let user_id = authorizer_user(&c.authorizer.fields);
            let ws = WsOrigin {
                connection_id: c.connection_id.clone().unwrap_or_default(),
                endpoint: format!("https://{}/{}", c.domain_name.as_deref().unwrap_or_default(), c.stage.as_deref().unwrap_or_default()),
            };
            return Ok(Self {
                source: Source::WebSocket,
                method: "POST".into(),
                path: "/".into(),
                headers: ev.headers,
                body: ev.body.map(String::into_bytes).unwrap_or_default(),
                user_id,
                ws: Some(ws),
                origin: None,
            });
        }
        if ctx.get("http").is_some() {
            let ev: LambdaFunctionUrlRequest = parse(event)?;
            let user_id = ev
                .request_context
                .authorizer
                .as_ref()
                .and_then(|a| a.iam.as_ref())
                .and_then(|iam| iam.user_id.clone().or_else(|| iam.caller_id.clone()))
                .filter(|u| !u.is_empty());
            let origin = origin(ev.request_context.domain_name.as_deref(), None, &ev.headers);
            return Ok(Self {
                source: Source::FunctionUrl,
                method: ev.request_context.http.method.unwrap_or_default().to_ascii_uppercase(),
                path: agentcdk_contract::routes::normalize(ev.raw_path.as_deref().unwrap_or("/")),
                headers: ev.headers,
                body: body(ev.body, ev.is_base64_encoded)?,
                user_id,
                ws: None,
                origin,
            });
        }
        if event.get("httpMethod").is_some() {
            let ev: ApiGatewayProxyRequest = parse(event)?;
            let user_id = authorizer_user(&ev.request_context.authorizer.fields);
            let c = &ev.request_context;
            let origin = origin(c.domain_name.as_deref(), c.stage.as_deref(), &ev.headers);
            return Ok(Self {
                source: Source::RestApi,
                method: ev.http_method.as_str().to_owned(),
                path: agentcdk_contract::routes::normalize(ev.path.as_deref().unwrap_or("/")),
                headers: ev.headers,
                body: body(ev.body, ev.is_base64_encoded)?,
                user_id,
                ws: None,
                origin,
            });
        }
        Err(BadEvent("not an API Gateway REST, Function URL or WebSocket event".into()))
    }

    /// Header `name` (case-insensitive) as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The public root of the API the request came through: the request context's domain name
/// (else the `Host` header) and stage. The scheme is `https` (every AWS front door) unless
/// `X-Forwarded-Proto` says `http` (a local front door such as `dev`).
fn origin(domain: Option<&str>, stage: Option<&str>, headers: &HeaderMap) -> Option<String> {
    let host = || headers.get("host").and_then(|v| v.to_str().ok());
    let domain = domain.filter(|d| !d.is_empty()).or_else(host).filter(|d| !d.is_empty())?;
    let scheme = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).filter(|p| *p == "http").unwrap_or("https");
    Some(match stage.filter(|s| !s.is_empty() && *s != "$default") {
        Some(stage) => format!("{scheme}://{domain}/{stage}"),
        None => format!("{scheme}://{domain}"),
    })
}

fn authorizer_user(fields: &std::collections::HashMap<String, Value>) -> Option<String> {
    fields.get(AUTH_CONTEXT_USER_ID).or_else(|| fields.get("principalId")).and_then(Value::as_str).map(str::to_owned)
}

fn parse<T: serde::de::DeserializeOwned>(event: Value) -> Result<T, BadEvent> {
    serde_json::from_value(event).map_err(|e| BadEvent(format!("malformed event: {e}")))
}

fn body(body: Option<String>, base64: bool) -> Result<Vec<u8>, BadEvent> {
    match body {
        None => Ok(Vec::new()),
        Some(b) if base64 => {
            base64::engine::general_purpose::STANDARD.decode(b.as_bytes()).map_err(|e| BadEvent(format!("body is not valid base64: {e}")))
        }
        Some(b) => Ok(b.into_bytes()),
    }
}

/// A JSON answer, whatever the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

impl Response {
    /// `status` with `body` serialized.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        Self { status, body: serde_json::to_value(body).unwrap_or(Value::Null) }
    }

    /// The error answer `{ "error": code, "message": text }`.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::json(code.status(), &ErrorBody::new(code, message))
    }

    /// The event's response in its source's format (all three share this JSON shape). On a
    /// WebSocket it is `{statusCode, body}`: with a route response on the route, API Gateway sends
    /// `body` to the sender as one message (whatever the status), so a WebSocket handler puts a
    /// whole frame in it.
    pub fn into_event(self, source: Source) -> Value {
        let body = self.body.to_string();
        match source {
            Source::RestApi | Source::FunctionUrl => json!({
                "statusCode": self.status,
                "headers": {"content-type": "application/json"},
                "body": body,
                "isBase64Encoded": false,
            }),
            Source::WebSocket => json!({"statusCode": self.status, "body": body}),
        }
    }
}

/// Any answer: status, headers and body bytes (a proxied upstream answer, say).
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, `content-type` among them.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// `status` with `body` of `content_type` (an invalid content type is left out rather than
    /// failing the answer: the client still gets the body).
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(content_type) {
            headers.insert(CONTENT_TYPE, v);
        }
        Self { status, headers, body }
    }

    /// Adds (replaces) header `name`; a name or value that is not valid HTTP is skipped.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            self.headers.insert(n, v);
        }
        self
    }

    /// The buffered proxy response for `source` (REST and Function URL share the shape). The
    /// body goes as text when it is UTF-8, else base64 with `isBase64Encoded: true`; repeated
    /// headers are joined with `, ` (valid for every header but `set-cookie`, which we never
    /// send).
    pub fn into_event(self, source: Source) -> Value {
        let (body, base64) = match String::from_utf8(self.body) {
            Ok(text) => (text, false),
            Err(e) => (base64::engine::general_purpose::STANDARD.encode(e.as_bytes()), true),
        };
        if source == Source::WebSocket {
            return json!({"statusCode": self.status, "body": body});
        }
        let mut headers = Map::new();
        for name in self.headers.keys() {
            let joined: Vec<&str> = self.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
            headers.insert(name.as_str().to_owned(), Value::String(joined.join(", ")));
        }
        json!({"statusCode": self.status, "headers": headers, "body": body, "isBase64Encoded": base64})
    }

    /// The whole answer as a stream of one chunk (status and headers in the prelude): how a
    /// streaming function answers when it knows everything up front, e.g. an error before the
    /// first byte.
    pub fn into_stream(self) -> StreamResponse<Body> {
        StreamResponse { metadata_prelude: prelude(self.status, self.headers), stream: Body::from(self.body) }
    }

    /// This answer in `mode`: a proxy response for `source`, or a one-chunk stream.
    pub fn answer(self, source: Source, mode: ResponseMode) -> Answer {
        match mode {
            ResponseMode::Buffered => Answer::BufferedResponse(self.into_event(source)),
            ResponseMode::Stream => Answer::StreamingResponse(self.into_stream()),
        }
    }
}

impl From<Response> for RawResponse {
    fn from(r: Response) -> Self {
        Self::new(r.status, "application/json", r.body.to_string().into_bytes())
    }
}

/// What an HTTP front door checks before it runs anything: the body size and whether callers
/// without an identity pass as the anonymous user. One type so the request-handler and the
/// stream-handler read the same variables and refuse the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Largest body accepted, in bytes. Default: [`env::DEFAULT_MAX_BODY_BYTES`].
    pub max_body: usize,
    /// Whether requests without a caller identity pass as the anonymous user. Default: false.
    pub allow_anonymous: bool,
    /// Whether CloudFront signs the Function URL's requests (see [`Request::caller`]).
    /// Default: false.
    pub signed_by_cloudfront: bool,
}

impl Default for Admission {
    fn default() -> Self {
        Self { max_body: env::DEFAULT_MAX_BODY_BYTES, allow_anonymous: false, signed_by_cloudfront: false }
    }
}

impl Admission {
    /// From [`env::MAX_BODY_BYTES`], [`env::ALLOW_ANONYMOUS`] and
    /// [`env::URL_SIGNED_BY_CLOUDFRONT`] (unset: the defaults).
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            max_body: config::parse_or(env::MAX_BODY_BYTES, env::DEFAULT_MAX_BODY_BYTES)?,
            allow_anonymous: config::parse_or(env::ALLOW_ANONYMOUS, false)?,
            signed_by_cloudfront: config::parse_or(env::URL_SIGNED_BY_CLOUDFRONT, false)?,
        })
    }

    /// A `payload_too_large` answer when a body of `len` bytes is over the limit.
    pub fn check_size(&self, len: usize) -> Result<(), Response> {
        if len > self.max_body {
            return Err(Response::error(ErrorCode::PayloadTooLarge, format!("body is {len} bytes, the limit is {}", self.max_body)));
        }
        Ok(())
    }
}

/// A front door with [`Admission`] limits; the builder setters come with it.
pub trait Admits: Sized {
    /// The limits, to change.
    fn admission_mut(&mut self) -> &mut Admission;

    /// Sets the body size limit in bytes.
    fn with_max_body(mut self, bytes: usize) -> Self {
        self.admission_mut().max_body = bytes;
        self
    }

    /// Lets requests without a caller identity through as the anonymous user.
    fn with_anonymous(mut self, allow: bool) -> Self {
        self.admission_mut().allow_anonymous = allow;
        self
    }
}

/// What a handler that may stream returns to `lambda_runtime::run`: a buffered proxy response
/// (JSON) or a stream.
pub type Answer = FunctionResponse<Value, Body>;

/// How the function answers (environment variable [`env::RESPONSE_MODE`], read by
/// [`response_mode_from_env`]); it must match the front door: only a Function URL with
/// InvokeMode RESPONSE_STREAM or a REST method with responseTransferMode STREAM understands a
/// stream. Defined in the contract, beside the variable, so the constructs write the same value.
pub use agentcdk_contract::env::ResponseMode;

/// Reads [`env::RESPONSE_MODE`]; unset means buffered, an unknown value fails the init with an
/// error naming the variable and the accepted values.
pub fn response_mode_from_env() -> Result<ResponseMode, ConfigError> {
    config::parse_or(env::RESPONSE_MODE, ResponseMode::default())
}

/// The receiving end of a streamed answer is gone (the client disconnected or the invocation
/// ended); stop producing.
#[derive(Debug, thiserror::Error)]
#[error("the response stream is closed")]
pub struct StreamClosed;

/// The feeding half of a streamed answer (see [`streamed`]). Dropping it ends the stream
/// normally.
pub struct StreamSender(Sender);

impl std::fmt::Debug for StreamSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StreamSender")
    }
}

impl StreamSender {
    /// Sends one chunk; it is written to Lambda as soon as Lambda reads (nothing is buffered
    /// beyond one chunk, so a slow client slows the producer down instead of filling memory).
    pub async fn send(&mut self, chunk: impl Into<Bytes>) -> Result<(), StreamClosed> {
        self.0.send_data(chunk.into()).await.map_err(|_| StreamClosed)
    }

    /// Ends the stream with Lambda's error trailer (`Runtime.StreamError`, `message`): the
    /// status and chunks already sent stand, the client sees the response cut short and the
    /// invocation is recorded as failed.
    pub fn fail(mut self, message: impl Into<String>) {
        self.0.send_error(lambda_runtime_api_client::Error::new(message.into()));
    }
}

/// A streamed answer with `status` and `headers` (`content-type` defaults to
/// `application/octet-stream` when absent): return the [`StreamResponse`] to `lambda_runtime`
/// and feed the [`StreamSender`] from a spawned task — the runtime starts reading only after
/// the handler has returned, so feeding it inline would wait forever.
pub fn streamed(status: u16, headers: HeaderMap) -> (StreamSender, StreamResponse<Body>) {
    let (tx, body) = lambda_runtime::streaming::channel();
    (StreamSender(tx), StreamResponse { metadata_prelude: prelude(status, headers), stream: body })
}

/// A header map from `(name, value)` pairs; pairs that are not valid HTTP are skipped.
pub fn headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            map.append(n, v);
        }
    }
    map
}

fn prelude(status: u16, headers: HeaderMap) -> MetadataPrelude {
    MetadataPrelude {
        status_code: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        headers,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function_url(body: &str, base64: bool, authorizer: Value) -> Value {
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/invoke/",
            "rawQueryString": "",
            "headers": {"content-type": "application/json", "X-Custom": "a"},
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc",
                "domainName": "abc.lambda-url.us-east-1.on.aws",
                "domainPrefix": "abc",
                "http": {"method": "post", "path": "/invoke/", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
                "requestId": "r",
                "routeKey": "$default",
                "stage": "$default",
                "time": "01/Jan/2026:00:00:00 +0000",
                "timeEpoch": 0,
                "authorizer": authorizer
            },
            "body": body,
            "isBase64Encoded": base64
        })
    }

    #[test]
    fn function_url_events_decode_base64_bodies_and_take_the_iam_caller() {
        let iam = json!({"iam": {"accessKey": "AKIA", "accountId": "123456789012", "callerId": "AIDACALLER",
            "userArn": "arn:aws:iam::123456789012:user/alice", "userId": "AIDAUSER"}});
        let req = Request::from_event(function_url("aGk=", true, iam)).expect("parses");
        assert_eq!(req.source, Source::FunctionUrl);
        assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/invoke"));
        assert_eq!(req.body, b"hi");
        assert_eq!(req.header("x-custom"), Some("a"));
        assert_eq!(req.user_id.as_deref(), Some("AIDAUSER"));

        let caller_only = json!({"iam": {"callerId": "AROACALLER:s"}});
        let req = Request::from_event(function_url("{}", false, caller_only)).expect("parses");
        assert_eq!((req.body.as_slice(), req.user_id.as_deref()), (b"{}".as_slice(), Some("AROACALLER:s")));

        let req = Request::from_event(function_url("{}", false, Value::Null)).expect("parses");
        assert_eq!(req.user_id, None);
        assert!(Request::from_event(function_url("!!", true, Value::Null)).is_err());
    }

    #[test]
    fn a_url_signed_by_cloudfront_has_no_caller_but_rest_keeps_its_authorizer_user() {
        // Behind CloudFront OAC the URL's IAM identity is the distribution's: every client has it.
        let cloudfront = json!({"iam": {"callerId": "AROACLOUDFRONT:edge", "userId": "AROACLOUDFRONT:edge"}});
        let req = Request::from_event(function_url("{}", false, cloudfront)).expect("parses");
        assert_eq!(req.caller(false), Some("AROACLOUDFRONT:edge"));
        assert_eq!(req.caller(true), None);
        let rest = json!({
            "httpMethod": "POST", "path": "/a", "headers": {},
            "requestContext": {"httpMethod": "POST", "authorizer": {"principalId": "p", "userId": "u-1"}},
            "body": "{}", "isBase64Encoded": false
        });
        let req = Request::from_event(rest).expect("parses");
        assert_eq!((req.caller(true), req.caller(false)), (Some("u-1"), Some("u-1")));
    }

    #[test]
    fn rest_events_take_the_authorizer_user_and_unknown_events_are_refused() {
        let ev = json!({
            "httpMethod": "POST", "path": "/a//b/", "headers": {"Content-Type": "text/plain"},
            "requestContext": {"httpMethod": "POST", "authorizer": {"principalId": "p", "userId": "u-1"}},
            "body": "x", "isBase64Encoded": false
        });
        let req = Request::from_event(ev).expect("parses");
        assert_eq!((req.source, req.path.as_str(), req.user_id.as_deref()), (Source::RestApi, "/a/b", Some("u-1")));
        assert_eq!(req.header("content-type"), Some("text/plain"));
        assert!(Request::from_event(json!({"Records": []})).is_err());
    }

    #[test]
    fn raw_responses_become_proxy_responses_text_or_base64() {
        let text = RawResponse::new(201, "text/plain", b"hi".to_vec()).with_header("x-a", "1").into_event(Source::FunctionUrl);
        assert_eq!(
            text,
            json!({"statusCode": 201, "headers": {"content-type": "text/plain", "x-a": "1"}, "body": "hi", "isBase64Encoded": false})
        );
        let binary = RawResponse::new(200, "application/octet-stream", vec![0xff, 0]).into_event(Source::RestApi);
        assert_eq!((binary["body"].as_str(), binary["isBase64Encoded"].as_bool()), (Some("/wA="), Some(true)));
        let json = RawResponse::from(Response::error(ErrorCode::NotFound, "no")).into_event(Source::RestApi);
        assert_eq!(json["statusCode"], 404);
        assert_eq!(json["headers"]["content-type"], "application/json");
        assert_eq!(serde_json::from_str::<Value>(json["body"].as_str().expect("body")).expect("json")["error"], "not_found");
    }

    #[test]
    fn streamed_answers_carry_status_and_headers_in_the_prelude() {
        let r = RawResponse::new(429, "application/json", b"{}".to_vec()).into_stream();
        assert_eq!(r.metadata_prelude.status_code, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.metadata_prelude.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
        let (_tx, r) = streamed(200, headers([("content-type", "text/event-stream"), ("bad name", "x")]));
        let prelude = serde_json::to_value(&r.metadata_prelude).expect("serializes");
        assert_eq!(prelude["statusCode"], 200);
        assert_eq!(prelude["headers"]["content-type"], "text/event-stream");
    }

    #[test]
    fn response_mode_parses_both_values_only() {
        assert_eq!("buffered".parse(), Ok(ResponseMode::Buffered));
        assert_eq!(" STREAM ".parse(), Ok(ResponseMode::Stream));
        assert!("chunked".parse::<ResponseMode>().is_err());
    }

    #[test]
    fn the_origin_is_the_public_root_the_client_called() {
        let url = Request::from_event(function_url("{}", false, Value::Null)).expect("request");
        assert_eq!(url.origin.as_deref(), Some("https://abc.lambda-url.us-east-1.on.aws"), "no $default stage in the URL");
        let mut headers = HeaderMap::new();
        assert_eq!(origin(Some("api.example.com"), Some("prod"), &headers).as_deref(), Some("https://api.example.com/prod"));
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        assert_eq!(
            origin(None, Some("dev"), &headers).as_deref(),
            Some("http://127.0.0.1:8080/dev"),
            "Host when the context has no domain"
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("gopher"));
        assert_eq!(origin(Some("a.b"), None, &headers).as_deref(), Some("https://a.b"), "only http or https");
        assert_eq!(origin(None, None, &HeaderMap::new()), None);
    }
}
