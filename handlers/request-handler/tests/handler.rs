//! request-handler on real event fixtures (aws_lambda_events' REST and WebSocket events, the
//! Function URL event from the Lambda docs), in Sync mode with an in-process model peer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use agentcdk_contract::routes::Routes;
use agentcdk_runtime::agent::{Agent, BoxFuture, Message, ModelError, ModelProvider, ModelRequest, ModelResponse, StopReason};
use agentcdk_testkit::events;
use base64::Engine;
use lambda_runtime::{Context, LambdaEvent};
use request_handler::{Admits, App, Backend, Response};
use serde_json::{json, Value};

/// A model that echoes the last user text, or fails as told by the text.
#[derive(Debug, Default)]
struct Echo {
    calls: AtomicUsize,
}

impl ModelProvider for Echo {
    fn converse<'a>(&'a self, req: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelResponse, ModelError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let last = req.messages.last().map(Message::text).unwrap_or_default();
        Box::pin(async move {
            match last.as_str() {
                "throttle me" => Err(ModelError::Transient("throttled".into())),
                "refuse me" => Err(ModelError::Permanent("refused".into())),
                _ => Ok(ModelResponse {
                    message: Message::assistant_text(format!("echo: {last}")),
                    stop: StopReason::EndTurn,
                    usage: Default::default(),
                }),
            }
        })
    }
}

fn app() -> (App, Arc<Echo>) {
    let echo = Arc::new(Echo::default());
    let app = App::new(Backend::Sync { agent: Agent::new(echo.clone(), "sys"), sessions: None }, Routes::new("/api/", "v1", "chat"))
        .with_max_body(1024)
        .route("GET", "/api/health", |_| Response::json(200, &json!({"ok": true})));
    (app, echo)
}

fn rest(method: &str, path: &str, body: Option<&str>) -> Value {
    events::rest(method, path, Some("u-1"), body)
}

async fn call(app: &App, event: Value) -> (u64, Value, Value) {
    let out = request_handler::handle(app, LambdaEvent::new(event, Context::default())).await.expect("handler never fails");
    let (status, body) = events::proxy_answer(&out);
    (status, body, out)
}

#[tokio::test]
async fn sync_chat_over_rest() {
    let (app, echo) = app();
    let (status, body, raw) = call(&app, rest("POST", "/api/v1/chat", Some(r#"{"message":"hi"}"#))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["reply"], "echo: hi");
    assert!(body["request_id"].as_str().is_some_and(|s| s.len() == 36));
    assert!(body["session_id"].as_str().is_some());
    assert_eq!(raw["headers"]["content-type"], "application/json");
    assert_eq!(echo.calls.load(Ordering::SeqCst), 1);
    // Trailing slash and duplicate slashes route the same.
    let (status, _, _) = call(&app, rest("POST", "//api/v1/chat/", Some(r#"{"message":"hi"}"#))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn model_failures_are_not_client_errors() {
    let (app, _) = app();
    let (status, body, _) = call(&app, rest("POST", "/api/v1/chat", Some(r#"{"message":"throttle me"}"#))).await;
    assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")));
    let (status, body, _) = call(&app, rest("POST", "/api/v1/chat", Some(r#"{"message":"refuse me"}"#))).await;
    assert_eq!((status, body["error"].as_str()), (502, Some("upstream_failed")));
}

#[tokio::test]
async fn client_mistakes_get_4xx_json_errors() {
    let (app, echo) = app();
    let big = format!(r#"{{"message":"{}"}}"#, "x".repeat(2000));
    let cases: Vec<(Value, u64, &str)> = vec![
        (rest("POST", "/api/v1/chat", Some("not json")), 400, "invalid_json"),
        (rest("POST", "/api/v1/chat", None), 400, "invalid_json"),
        (rest("POST", "/api/v1/chat", Some(r#"{"message":"hi","user_id":"admin"}"#)), 400, "invalid_json"),
        (rest("POST", "/api/v1/chat", Some(r#"{"message":42}"#)), 400, "invalid_json"),
        (rest("POST", "/api/v1/chat", Some(r#"{"message":"  "}"#)), 400, "bad_request"),
        (rest("POST", "/api/v1/chat", Some(&big)), 413, "payload_too_large"),
        (rest("PUT", "/api/v1/chat", Some("{}")), 405, "method_not_allowed"),
        (rest("GET", "/api/v1/nope", None), 404, "not_found"),
        (rest("GET", "/api/v1/chat/responses/", None), 404, "not_found"),
        (rest("GET", "/api/v1/chat/responses/a/b", None), 404, "not_found"),
        (json!({"unknown": "event"}), 400, "bad_request"),
    ];
    for (ev, status, code) in cases {
        let (got, body, _) = call(&app, ev.clone()).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{ev}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Header names are case-insensitive.
    let mut ev = rest("POST", "/api/v1/chat", Some(r#"{"message":"hi"}"#));
    ev["headers"].as_object_mut().expect("headers").remove("Content-Type");
    ev["headers"]["CONTENT-TYPE"] = json!("text/plain");
    let (got, body, _) = call(&app, ev).await;
    assert_eq!((got, body["error"].as_str()), (415, Some("unsupported_media_type")));
    assert_eq!(echo.calls.load(Ordering::SeqCst), 0, "nothing reached the model");
}

#[tokio::test]
async fn user_id_comes_only_from_the_authorizer() {
    let (app, _) = app();
    let mut ev = rest("POST", "/api/v1/chat", Some(r#"{"message":"hi"}"#));
    ev["requestContext"]["authorizer"] = json!({});
    ev["headers"]["x-user-id"] = json!("u-1");
    let (status, body, _) = call(&app, ev.clone()).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
    let (status, _, _) = call(&app.clone().with_anonymous(true), ev).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn base64_bodies_and_custom_routes() {
    let (app, _) = app();
    let mut ev = rest("POST", "/api/v1/chat", None);
    ev["body"] = json!(base64::engine::general_purpose::STANDARD.encode(r#"{"message":"b64"}"#));
    ev["isBase64Encoded"] = json!(true);
    let (status, body, _) = call(&app, ev).await;
    assert_eq!((status, body["reply"].as_str()), (200, Some("echo: b64")));
    let (status, body, _) = call(&app, rest("GET", "/api/health", None)).await;
    assert_eq!((status, body), (200, json!({"ok": true})));
}

#[tokio::test]
async fn function_url_events() {
    let (app, _) = app();
    let mut ev = events::Fixture::FunctionUrl.json();
    ev["rawPath"] = json!("/api/v1/chat");
    ev["body"] = json!(r#"{"message":"via url"}"#);
    let (status, body, raw) = call(&app, ev.clone()).await;
    assert_eq!((status, body["reply"].as_str()), (200, Some("echo: via url")), "{raw}");
    ev["requestContext"]["authorizer"] = Value::Null;
    let (status, _, _) = call(&app, ev).await;
    assert_eq!(status, 401, "an unauthenticated Function URL call has no user");
}

#[tokio::test]
async fn websocket_message_to_a_non_websocket_app_is_404() {
    let (app, _) = app();
    let ev = events::Fixture::WebSocket.json();
    let (status, body, raw) = call(&app, ev).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    assert!(raw.get("headers").is_none(), "WebSocket answers carry statusCode and body only");
}
