//! One request shape for the three event sources (API Gateway REST proxy v1, Lambda Function
//! URL, API Gateway WebSocket message), and the answers in each source's response format.

use agentcdk_contract::wire::{ErrorBody, ErrorCode, AUTH_CONTEXT_USER_ID};
use aws_lambda_events::event::apigw::{ApiGatewayProxyRequest, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use aws_lambda_events::http::HeaderMap;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

/// Which event source a request came from (decides the response format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API, Lambda proxy integration (payload v1).
    RestApi,
    /// Lambda Function URL (payload v2).
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
    /// Caller from the authorizer context; `None` when there is none.
    pub user_id: Option<String>,
    /// Set for WebSocket messages.
    pub ws: Option<WsOrigin>,
}

/// The event is none of the supported shapes, or its body is not decodable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadEvent(pub String);

impl Request {
    /// Recognizes the event's source and converts it.
    pub fn from_event(event: Value) -> Result<Self, BadEvent> {
        let ctx = &event["requestContext"];
        if ctx.get("connectionId").is_some() {
            let ev: ApiGatewayWebsocketProxyRequest = parse(event)?;
            let c = &ev.request_context;
            let user_id = c
                .authorizer
                .fields
                .get(AUTH_CONTEXT_USER_ID)
                .or_else(|| c.authorizer.fields.get("principalId"))
                .and_then(Value::as_str)
                .map(str::to_owned);
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
            });
        }
        if ctx.get("http").is_some() {
            let ev: LambdaFunctionUrlRequest = parse(event)?;
            let user_id = ev.request_context.authorizer.as_ref().and_then(|a| a.iam.as_ref()).and_then(|iam| iam.user_id.clone());
            return Ok(Self {
                source: Source::FunctionUrl,
                method: ev.request_context.http.method.unwrap_or_default().to_ascii_uppercase(),
                path: agentcdk_contract::routes::normalize(ev.raw_path.as_deref().unwrap_or("/")),
                headers: ev.headers,
                body: body(ev.body, ev.is_base64_encoded)?,
                user_id,
                ws: None,
            });
        }
        if event.get("httpMethod").is_some() {
            let ev: ApiGatewayProxyRequest = parse(event)?;
            let a = &ev.request_context.authorizer;
            let user_id =
                a.fields.get(AUTH_CONTEXT_USER_ID).or_else(|| a.fields.get("principalId")).and_then(Value::as_str).map(str::to_owned);
            return Ok(Self {
                source: Source::RestApi,
                method: ev.http_method.as_str().to_owned(),
                path: agentcdk_contract::routes::normalize(ev.path.as_deref().unwrap_or("/")),
                headers: ev.headers,
                body: body(ev.body, ev.is_base64_encoded)?,
                user_id,
                ws: None,
            });
        }
        Err(BadEvent("not an API Gateway REST, Function URL or WebSocket event".into()))
    }

    /// Header `name` (case-insensitive) as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
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

/// An answer, whatever the source.
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

    /// The event's response in its source's format (all three share this JSON shape).
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
