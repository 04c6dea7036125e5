//! The JSON-RPC 2.0 envelope of A2A: one request in ([`parse`]), one [`Call`] out, or the
//! error answer with the specification's code ([`A2aError`]); answers built by [`success`] and
//! [`failure`]. Dispatch on the call is the handler's (it knows the mode).

use serde::Serialize;
use serde_json::{json, Value};

use super::protocol::{MessageSendParams, TaskIdParams, TEXT_MODE};

/// A method a handler may serve, with its parsed parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// `message/send`.
    Send(MessageSendParams),
    /// `message/stream`.
    Stream(MessageSendParams),
    /// `tasks/get`.
    Get(TaskIdParams),
    /// `tasks/cancel`.
    Cancel(TaskIdParams),
}

/// A well-formed request: its id (echoed in the answer) and method.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The request id (string or number).
    pub id: Value,
    /// What is asked.
    pub method: Method,
}

/// An A2A / JSON-RPC error (specification §8). The message is fixed or ours: never a model's or
/// AWS's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum A2aError {
    /// -32700: the body is not JSON.
    #[error("Invalid JSON payload")]
    Parse,
    /// -32600: JSON, but not one JSON-RPC 2.0 request.
    #[error("Invalid JSON-RPC Request: {0}")]
    InvalidRequest(&'static str),
    /// -32601: no such method.
    #[error("Method not found")]
    MethodNotFound,
    /// -32602: the parameters do not fit the method.
    #[error("Invalid method parameters: {0}")]
    InvalidParams(String),
    /// -32603: our failure or a dependency's, with the same fixed public message the chat
    /// route gives (the details are logged only).
    #[error("{0}")]
    Internal(String),
    /// -32001: no such task (or another caller's: no existence leak).
    #[error("Task not found")]
    TaskNotFound,
    /// -32002: the task cannot be canceled.
    #[error("Task cannot be canceled: {0}")]
    TaskNotCancelable(&'static str),
    /// -32003: push notifications are not offered.
    #[error("Push Notification is not supported")]
    PushNotificationNotSupported,
    /// -32004: the operation is not offered in this mode.
    #[error("This operation is not supported: {0}")]
    UnsupportedOperation(&'static str),
    /// -32005: a part or an accepted output mode we cannot serve.
    #[error("Incompatible content types: {0}")]
    ContentTypeNotSupported(&'static str),
    /// -32007: there is no authenticated extended card.
    #[error("Authenticated Extended Card not configured")]
    ExtendedCardNotConfigured,
}

impl A2aError {
    /// The JSON-RPC error code.
    pub const fn code(&self) -> i64 {
        match self {
            Self::Parse => -32700,
            Self::InvalidRequest(_) => -32600,
            Self::MethodNotFound => -32601,
            Self::InvalidParams(_) => -32602,
            Self::Internal(_) => -32603,
            Self::TaskNotFound => -32001,
            Self::TaskNotCancelable(_) => -32002,
            Self::PushNotificationNotSupported => -32003,
            Self::UnsupportedOperation(_) => -32004,
            Self::ContentTypeNotSupported(_) => -32005,
            Self::ExtendedCardNotConfigured => -32007,
        }
    }
}

/// The request in `body`, or the error answer's id (null when unknown) and error.
pub fn parse(body: &[u8]) -> Result<Call, (Value, A2aError)> {
    let value: Value = serde_json::from_slice(body).map_err(|_| (Value::Null, A2aError::Parse))?;
    let Value::Object(req) = value else {
        return Err((Value::Null, A2aError::InvalidRequest("send one request object (batches are not supported)")));
    };
    let id = match req.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        Some(Value::Null) | None => return Err((Value::Null, A2aError::InvalidRequest("every A2A method is a request: give it an id"))),
        Some(_) => return Err((Value::Null, A2aError::InvalidRequest("id must be a string or a number"))),
    };
    let fail = |e: A2aError| (id.clone(), e);
    if req.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(fail(A2aError::InvalidRequest("jsonrpc must be \"2.0\"")));
    }
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        return Err(fail(A2aError::InvalidRequest("method must be a string")));
    };
    let params = req.get("params").cloned().unwrap_or(Value::Null);
    let method = match method {
        "message/send" => Method::Send(send_params(params).map_err(fail)?),
        "message/stream" => Method::Stream(send_params(params).map_err(fail)?),
        "tasks/get" => Method::Get(task_params(params).map_err(fail)?),
        "tasks/cancel" => Method::Cancel(task_params(params).map_err(fail)?),
        "tasks/resubscribe" => return Err(fail(A2aError::UnsupportedOperation("tasks/resubscribe: poll with tasks/get"))),
        m if m.starts_with("tasks/pushNotificationConfig/") => return Err(fail(A2aError::PushNotificationNotSupported)),
        "agent/getAuthenticatedExtendedCard" => return Err(fail(A2aError::ExtendedCardNotConfigured)),
        _ => return Err(fail(A2aError::MethodNotFound)),
    };
    Ok(Call { id, method })
}

fn send_params(params: Value) -> Result<MessageSendParams, A2aError> {
    let p: MessageSendParams = serde_json::from_value(params).map_err(|e| A2aError::InvalidParams(e.to_string()))?;
    let accepted = p.configuration.as_ref().map(|c| c.accepted_output_modes.as_slice()).unwrap_or_default();
    let takes_text = |m: &String| {
        let m = m.to_ascii_lowercase();
        m == TEXT_MODE || m == "text" || m == "text/*" || m == "*/*"
    };
    if !accepted.is_empty() && !accepted.iter().any(takes_text) {
        return Err(A2aError::ContentTypeNotSupported("this agent answers text/plain only"));
    }
    Ok(p)
}

fn task_params(params: Value) -> Result<TaskIdParams, A2aError> {
    serde_json::from_value(params).map_err(|e| A2aError::InvalidParams(e.to_string()))
}

/// A success answer to request `id`.
pub fn success(id: &Value, result: &impl Serialize) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error answer to request `id`.
pub fn failure(id: &Value, error: &A2aError) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": error.code(), "message": error.to_string()}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &str) -> (Value, i64) {
        let (id, e) = parse(body.as_bytes()).expect_err("an error");
        (id, e.code())
    }

    #[test]
    fn malformed_requests_get_the_spec_codes() {
        assert_eq!(code("{not json"), (Value::Null, -32700));
        assert_eq!(code(r#"[{"jsonrpc":"2.0","id":1,"method":"tasks/get"}]"#), (Value::Null, -32600));
        assert_eq!(code(r#"{"jsonrpc":"2.0","method":"tasks/get","params":{"id":"t"}}"#), (Value::Null, -32600));
        assert_eq!(code(r#"{"jsonrpc":"1.0","id":7,"method":"tasks/get","params":{"id":"t"}}"#), (json!(7), -32600));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":"a","method":7}"#), (json!("a"), -32600));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"tasks/list"}"#), (json!(1), -32601));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{}}"#).1, -32602);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"role":"user"}}}"#).1, -32602);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"tasks/resubscribe","params":{"id":"t"}}"#).1, -32004);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"tasks/pushNotificationConfig/set","params":{}}"#).1, -32003);
        let images_only = r#"{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"role":"user","messageId":"m",
            "parts":[{"kind":"text","text":"hi"}]},"configuration":{"acceptedOutputModes":["image/png"]}}}"#;
        assert_eq!(code(images_only).1, -32005);
    }

    #[test]
    fn well_formed_requests_become_calls() {
        let send = r#"{"jsonrpc":"2.0","id":"r1","method":"message/send","params":{"message":{"kind":"message","role":"user",
            "messageId":"m","contextId":"s-1","parts":[{"kind":"text","text":"hi"}]},"configuration":{"acceptedOutputModes":["text/plain"]}}}"#;
        let call = parse(send.as_bytes()).expect("call");
        assert_eq!(call.id, json!("r1"));
        let Method::Send(p) = call.method else { panic!("not a send") };
        assert_eq!(p.message.context_id.as_deref(), Some("s-1"));
        let get = parse(br#"{"jsonrpc":"2.0","id":2,"method":"tasks/cancel","params":{"id":"t"}}"#).expect("call");
        assert_eq!(get.method, Method::Cancel(TaskIdParams { id: "t".into() }));
    }

    #[test]
    fn answers_are_json_rpc() {
        assert_eq!(success(&json!(1), &json!({"a": 1})), json!({"jsonrpc": "2.0", "id": 1, "result": {"a": 1}}));
        let f = failure(&json!("x"), &A2aError::TaskNotFound);
        assert_eq!(f, json!({"jsonrpc": "2.0", "id": "x", "error": {"code": -32001, "message": "Task not found"}}));
    }
}
