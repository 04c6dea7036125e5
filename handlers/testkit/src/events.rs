//! Lambda events for handler tests, one copy for every test binary: the aws_lambda_events
//! fixtures (the payloads API Gateway, Function URLs and SQS really send, in
//! `testkit/fixtures/`), adjusted per test.

use serde_json::{json, Value};

/// A fixture of `testkit/fixtures/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    /// API Gateway REST proxy request (payload v1), `POST /hello/world` from principal `admin`.
    Rest,
    /// Lambda Function URL request (payload v2) from an IAM caller.
    FunctionUrl,
    /// API Gateway WebSocket request (`$connect` route).
    WebSocket,
    /// API Gateway WebSocket `$disconnect`.
    WebSocketDisconnect,
    /// SQS batch of one record.
    Sqs,
    /// REST authorizer, TOKEN type.
    TokenAuthorizer,
    /// REST authorizer, REQUEST type.
    RequestAuthorizer,
    /// WebSocket (v2) authorizer request.
    WebSocketAuthorizer,
}

impl Fixture {
    /// The fixture's text.
    pub fn text(self) -> &'static str {
        match self {
            Fixture::Rest => include_str!("../fixtures/example-apigw-request.json"),
            Fixture::FunctionUrl => include_str!("../fixtures/function-url-request.json"),
            Fixture::WebSocket => include_str!("../fixtures/example-apigw-websocket-request.json"),
            Fixture::WebSocketDisconnect => include_str!("../fixtures/example-apigw-websocket-request-disconnect-route.json"),
            Fixture::Sqs => include_str!("../fixtures/example-sqs-event.json"),
            Fixture::TokenAuthorizer => include_str!("../fixtures/example-apigw-custom-auth-request.json"),
            Fixture::RequestAuthorizer => include_str!("../fixtures/example-apigw-custom-auth-request-type-request.json"),
            Fixture::WebSocketAuthorizer => include_str!("../fixtures/example-apigw-v2-custom-authorizer-websocket-request.json"),
        }
    }

    /// The fixture as JSON.
    pub fn json(self) -> Value {
        serde_json::from_str(self.text()).expect("testkit fixture is JSON")
    }
}

/// The authorizer context our Lambda authorizer gives `user` (`None`: no authorizer, a public
/// door).
pub fn authorizer_context(user: Option<&str>) -> Value {
    match user {
        Some(u) => json!({"principalId": u, "userId": u}),
        None => json!({}),
    }
}

/// A REST proxy event: `method` (top level and request context), `path`, the authorizer context
/// of `user`, `body` (a string, or null).
pub fn rest(method: &str, path: &str, user: Option<&str>, body: Option<&str>) -> Value {
    let mut ev = Fixture::Rest.json();
    ev["httpMethod"] = json!(method);
    ev["path"] = json!(path);
    ev["requestContext"]["httpMethod"] = json!(method);
    ev["requestContext"]["authorizer"] = authorizer_context(user);
    ev["body"] = json!(body);
    ev
}

/// A Function URL event (payload v2) from the fixture: `method`, `headers` (replacing the
/// fixture's), no cookies, a plain-text `body`.
pub fn function_url(method: &str, headers: Value, body: &str) -> Value {
    let mut ev = Fixture::FunctionUrl.json();
    ev["requestContext"]["http"]["method"] = json!(method);
    ev["headers"] = headers;
    ev["cookies"] = json!([]);
    ev["body"] = json!(body);
    ev["isBase64Encoded"] = json!(false);
    ev
}

/// A minimal Function URL event (payload v2), `POST`-style JSON body, from IAM caller `caller`
/// (`None`: AuthType NONE, no authorizer block).
pub fn function_url_as(method: &str, body: &str, caller: Option<&str>) -> Value {
    let authorizer = match caller {
        Some(u) => json!({"iam": {"accessKey": "AKIA", "accountId": "123456789012", "callerId": u,
                                  "userArn": "arn:aws:iam::123456789012:user/alice", "userId": u}}),
        None => Value::Null,
    };
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abc", "requestId": "r", "routeKey": "$default", "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0,
            "http": {"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
            "authorizer": authorizer
        },
        "body": body, "isBase64Encoded": false
    })
}

/// A WebSocket event on `route` from `connection_id`, with no authorizer context (identity
/// comes from the verified connection record), no headers and no body.
pub fn websocket(route: &str, connection_id: &str) -> Value {
    let mut ev = Fixture::WebSocket.json();
    ev["requestContext"]["routeKey"] = json!(route);
    ev["requestContext"]["connectionId"] = json!(connection_id);
    ev["requestContext"]["authorizer"] = json!({});
    ev["headers"] = json!({});
    ev["multiValueHeaders"] = json!({});
    ev
}

/// A WebSocket message (`$default` route) carrying `body`.
pub fn websocket_message(connection_id: &str, body: &str) -> Value {
    let mut ev = websocket("$default", connection_id);
    ev["body"] = json!(body);
    ev
}

/// An SQS record of the fixture's shape with `message_id` and `body`, received once.
pub fn sqs_record(message_id: &str, body: &str) -> Value {
    let mut record = Fixture::Sqs.json()["Records"][0].clone();
    record["messageId"] = json!(message_id);
    record["body"] = json!(body);
    record["attributes"]["ApproximateReceiveCount"] = json!("1");
    record
}

/// An SQS event (`{"Records": [...]}`) of `records`.
pub fn sqs_event(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}

/// A proxy response's status and JSON body (`null` when it has none); panics, naming the
/// response, when either is malformed.
pub fn proxy_answer(out: &Value) -> (u64, Value) {
    let status = out["statusCode"].as_u64().unwrap_or_else(|| panic!("no statusCode: {out}"));
    let body = serde_json::from_str(out["body"].as_str().unwrap_or("null")).unwrap_or_else(|e| panic!("body is not JSON ({e}): {out}"));
    (status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_parses_and_builders_set_what_they_say() {
        for f in [
            Fixture::Rest,
            Fixture::FunctionUrl,
            Fixture::WebSocket,
            Fixture::WebSocketDisconnect,
            Fixture::Sqs,
            Fixture::TokenAuthorizer,
            Fixture::RequestAuthorizer,
            Fixture::WebSocketAuthorizer,
        ] {
            assert!(f.json().is_object(), "{f:?}");
        }
        let ev = rest("GET", "/a", None, None);
        assert_eq!((ev["httpMethod"].as_str(), ev["requestContext"]["authorizer"].clone()), (Some("GET"), json!({})));
        assert_eq!(rest("POST", "/a", Some("u"), Some("{}"))["requestContext"]["authorizer"]["userId"], "u");
        assert_eq!(websocket_message("c-1", "hi")["requestContext"]["connectionId"], "c-1");
        assert_eq!(sqs_record("m-1", "b")["messageId"], "m-1");
        assert_eq!(proxy_answer(&json!({"statusCode": 202, "body": "{\"a\":1}"})), (202, json!({"a": 1})));
    }
}
