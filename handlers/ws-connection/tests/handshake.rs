//! Token discovery on the `$connect` handshake, on aws_lambda_events' WebSocket fixtures.

use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::{json, Value};
use ws_connection::{presented, Presented};

fn event(headers: Value) -> ApiGatewayWebsocketProxyRequest {
    let mut ev = agentcdk_testkit::events::Fixture::WebSocket.json();
    ev["headers"] = headers;
    serde_json::from_value(ev).expect("event")
}

const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln";

#[test]
fn authorization_header_any_case() {
    for name in ["Authorization", "authorization", "AUTHORIZATION"] {
        let ev = event(json!({ name: format!("Bearer {JWT}") }));
        assert_eq!(presented(&ev), Some(Presented { token: JWT, echo: None }), "{name}");
    }
    let basic = event(json!({"Authorization": "Basic dXNlcjpwYXNz"}));
    assert_eq!(presented(&basic), None, "only bearer tokens");
}

#[test]
fn browser_subprotocol_token_echoes_the_other_protocol() {
    let ev = event(json!({"Sec-WebSocket-Protocol": format!("agent-v1, {JWT}")}));
    assert_eq!(presented(&ev), Some(Presented { token: JWT, echo: Some("agent-v1") }));
    // Only the token offered: it is the one protocol the server may echo.
    let ev = event(json!({"sec-websocket-protocol": JWT}));
    assert_eq!(presented(&ev), Some(Presented { token: JWT, echo: Some(JWT) }));
    let ev = event(json!({"Sec-WebSocket-Protocol": "agent-v1, chat"}));
    assert_eq!(presented(&ev), None);
}

#[test]
fn disconnect_fixture_parses() {
    let ev: ApiGatewayWebsocketProxyRequest =
        serde_json::from_str(agentcdk_testkit::events::Fixture::WebSocketDisconnect.text()).expect("fixture");
    assert_eq!(ev.request_context.route_key.as_deref(), Some("$disconnect"));
    assert!(ev.request_context.connection_id.is_some());
}
