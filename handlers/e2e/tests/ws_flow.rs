//! The WebSocket flow against moto_server: ws-connection ($connect with a real JWT) →
//! request-handler (message) → input queue → agent-runner → output queue → response-handler →
//! PostToConnection to every connection of the user (moto's API Gateway Management API).
//! The answers to messages (`accepted`, `refused`, `get`) are the request-handler's return
//! value, which API Gateway sends to the sender through the `$default` route response (moto has
//! no API Gateway v2: the template side is asserted in constructs/tests/patterns.rs).

mod common;

use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::routes::Routes;
use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::Agent;
use agentcdk_runtime::auth::{AuthConfig, JwtVerifier};
use agentcdk_runtime::queue::Queue;
use agentcdk_runtime::store::{ConnectionStore, ReplyStore, ResponsesStore, SessionStore};
use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::keys::{jwks, now, TestKey};
use agentcdk_testkit::moto::{self, Moto};
use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
use common::{parse, pump, ModelPeer};
use lambda_runtime::LambdaEvent;
use request_handler::{App, Backend};
use serde_json::{json, Value};

/// No authorizer on this API: identity comes from the verified connection record.
fn ws_event(route: &str, connection_id: &str) -> Value {
    agentcdk_testkit::events::websocket(route, connection_id)
}

fn posts_to(log: &str, connection_id: &str) -> usize {
    calls_to(log, "POST", connection_id)
}

fn calls_to(log: &str, method: &str, connection_id: &str) -> usize {
    log.lines().filter(|l| l.contains(&format!("{method} /@connections/{connection_id} ")) && l.contains(" 200")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_flow_end_to_end() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
    let output = moto::create_queue_with_dlq(&sqs, "out", 3, 30).await;
    moto::create_responses_table(&ddb, "responses").await;
    moto::create_sessions_table(&ddb, "sessions").await;
    moto::create_connections_table(&ddb, "connections").await;
    let replies = ReplyStore::new(moto::create_bucket(&sdk, "replies").await, "replies");
    let responses = ResponsesStore::new(ddb.clone(), "responses", 3600);
    let connections = ConnectionStore::new(ddb.clone(), "connections", 7200);

    let key = TestKey::rsa("k1");
    let doc = jwks(&[&key]);
    let jwks_server = HttpServer::start(move |_| HttpResponse::json(200, &doc));
    let auth = || AuthConfig {
        jwks_url: jwks_server.url(),
        issuer: "https://issuer.test/".into(),
        audiences: vec!["api".into()],
        allowed_clients: vec![],
        client_id_claim: "client_id".into(),
        token_use: None,
        required_scopes: vec![],
        claim_rules: vec![],
        user_id_claim: "sub".into(),
        leeway_secs: 30,
        jwks_ttl: Duration::from_secs(600),
        jwks_grace: Duration::from_secs(600),
    };
    let ws = ws_connection::Connections::new(JwtVerifier::new(auth()), connections.clone());
    let token_until = |user: &str, exp: i64| key.sign(&json!({"sub": user, "iss": "https://issuer.test/", "aud": "api", "exp": exp}));
    let token = |user: &str| token_until(user, now() + 300);
    let connect = |conn: &str, auth_header: Option<String>| {
        let mut ev = ws_event("$connect", conn);
        if let Some(h) = auth_header {
            ev["headers"] = json!({"Authorization": h});
        }
        let ev: ApiGatewayWebsocketProxyRequest = serde_json::from_value(ev).expect("event");
        ws_connection::handle(&ws, LambdaEvent::new(ev, common::context()))
    };
    for (conn, user) in [("c-1", "alice"), ("c-2", "alice"), ("c-3", "bob")] {
        let out = connect(conn, Some(format!("Bearer {}", token(user)))).await.expect("connect");
        assert_eq!(out["statusCode"], 200, "{conn}");
    }
    let forged = format!("Bearer {}x", token("mallory"));
    assert_eq!(connect("c-4", Some(forged)).await.expect("reject")["statusCode"], 401);
    assert_eq!(connect("c-5", None).await.expect("reject")["statusCode"], 401);
    assert!(connections.get("c-4").await.expect("get").is_none());

    let app = App::new(
        Backend::WebSocket {
            queue: Queue::new(sqs.clone(), &input.url),
            responses: responses.clone(),
            connections: connections.clone(),
            callback_url: Some(moto.endpoint()),
        },
        Routes::new("", "v1", "chat"),
    )
    .with_max_body(4096);
    let model = ModelPeer::start();
    let runner = agent_runner::Runner {
        agent: Agent::new(Arc::new(OpenAi::new(model.server.url(), None, "m")), ""),
        responses: responses.clone(),
        sessions: SessionStore::new(ddb.clone(), "sessions", 40, 3600),
        output: Queue::new(sqs.clone(), &output.url),
        max_receive_count: 3,
        dead_letter: None,
        backoff: agentcdk_runtime::batch::Backoff { base_secs: 1, max_secs: 2 },
        replies: Some(replies.clone()),
    };
    let responder = response_handler::Responder::new(sdk.clone(), responses.clone(), Some(connections.clone())).with_replies(Some(replies));
    let send = |app: &App, conn: &str, body: String| {
        let mut ev = ws_event("sendMessage", conn);
        ev["body"] = json!(body);
        let app = app.clone();
        async move { request_handler::handle(&app, LambdaEvent::new(ev, common::context())).await }
    };
    let say = |conn: &str, text: &str| send(&app, conn, json!({"action": "sendMessage", "message": text}).to_string());
    let deliver = || async {
        pump(&sqs, &input.url, true, |ev| agent_runner::handle(&runner, ev)).await;
        pump(&sqs, &output.url, true, |ev| response_handler::handle(&responder, ev)).await;
    };

    let (status, frame) = parse(&say("c-1", "hi ws").await.expect("message"));
    assert_eq!((status, frame["type"].as_str()), (200, Some("accepted")), "{frame}");
    deliver().await;
    let log = moto.log();
    assert_eq!((posts_to(&log, "c-1"), posts_to(&log, "c-2")), (1, 1), "both of alice's connections");
    assert_eq!(posts_to(&log, "c-3"), 0, "not bob's");
    let id = frame["request_id"].as_str().expect("id");
    let stored = responses.get(id).await.expect("get").expect("stored");
    assert_eq!(stored.user_id, "alice");

    // A 200 KB reply (stored in S3: with its two copies it is over the item limit) arrives in
    // two frames (128 KB limit) on each connection.
    say("c-2", "big reply please").await.expect("message");
    deliver().await;
    let log = moto.log();
    assert_eq!((posts_to(&log, "c-1"), posts_to(&log, "c-2")), (3, 3));

    // After $disconnect, c-2 gets nothing more.
    let bye: ApiGatewayWebsocketProxyRequest = serde_json::from_value(ws_event("$disconnect", "c-2")).expect("event");
    ws_connection::handle(&ws, LambdaEvent::new(bye, common::context())).await.expect("disconnect");
    say("c-1", "still there?").await.expect("message");
    deliver().await;
    let log = moto.log();
    assert_eq!((posts_to(&log, "c-1"), posts_to(&log, "c-2")), (4, 3));

    // A message on a connection that never passed $connect is refused, nothing is queued.
    let (status, body) = parse(&say("c-unknown", "sneak").await.expect("message"));
    assert_eq!((status, body["type"].as_str(), body["error"].as_str()), (401, Some("refused"), Some("unauthorized")));
    assert_eq!(common::depth(&sqs, &input.url).await, 0);

    // Every refusal reaches the sender as a `refused` frame with its code.
    let refused = |out: &Value| {
        let (status, f) = parse(out);
        assert_eq!(f["type"], "refused", "{f}");
        (status, f["error"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(refused(&send(&app, "c-1", "{not json".into()).await.expect("message")), (400, "invalid_json".into()));
    assert_eq!(refused(&say("c-1", " ").await.expect("message")), (400, "bad_request".into()));
    assert_eq!(refused(&say("c-1", &"x".repeat(5000)).await.expect("message")), (413, "payload_too_large".into()));
    let broken = App::new(
        Backend::WebSocket {
            queue: Queue::new(sqs.clone(), format!("{}-gone", input.url)),
            responses: responses.clone(),
            connections: connections.clone(),
            callback_url: Some(moto.endpoint()),
        },
        Routes::new("", "v1", "chat"),
    );
    let out = send(&broken, "c-1", json!({"message": "queue down"}).to_string()).await.expect("message");
    assert_eq!(refused(&out), (503, "unavailable".into()));
    assert!(parse(&out).1["request_id"].is_string(), "the recorded turn is named, so a get can show it failed");
    assert_eq!(common::depth(&sqs, &input.url).await, 0);

    // A client that reconnects while its run finishes gets the reply with `get`.
    assert_eq!(connect("c-6", Some(format!("Bearer {}", token("carol")))).await.expect("connect")["statusCode"], 200);
    let (_, accepted) = parse(&say("c-6", "remember me").await.expect("message"));
    let carol_id = accepted["request_id"].as_str().expect("id").to_owned();
    let bye: ApiGatewayWebsocketProxyRequest = serde_json::from_value(ws_event("$disconnect", "c-6")).expect("event");
    ws_connection::handle(&ws, LambdaEvent::new(bye, common::context())).await.expect("disconnect");
    deliver().await;
    assert_eq!(posts_to(&moto.log(), "c-6"), 0, "nobody was connected to push to");
    assert_eq!(connect("c-7", Some(format!("Bearer {}", token("carol")))).await.expect("connect")["statusCode"], 200);
    let get = |conn: &str, id: &str| send(&app, conn, json!({"action": "get", "request_id": id}).to_string());
    let (status, reply) = parse(&get("c-7", &carol_id).await.expect("get"));
    assert_eq!((status, reply["type"].as_str(), reply["request_id"].as_str()), (200, Some("reply"), Some(carol_id.as_str())), "{reply}");
    assert_eq!(reply["reply"], "echo: remember me (1 messages)");
    let (status, other) = parse(&get("c-1", &carol_id).await.expect("get"));
    assert_eq!((status, other["error"].as_str()), (404, Some("not_found")), "alice cannot read carol's reply");

    // A connection does not outlive its token: once `exp` passes, its messages are refused,
    // and the next push closes it (DeleteConnection) and drops its record instead of posting.
    let short = token_until("dave", now() + 1);
    assert_eq!(connect("c-8", Some(format!("Bearer {short}"))).await.expect("connect")["statusCode"], 200);
    assert_eq!(connect("c-9", Some(format!("Bearer {}", token("dave")))).await.expect("connect")["statusCode"], 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(refused(&say("c-8", "still me").await.expect("message")), (401, "unauthorized".into()));
    let (status, _) = parse(&say("c-9", "fresh token").await.expect("message"));
    assert_eq!(status, 200);
    deliver().await;
    let log = moto.log();
    assert_eq!((posts_to(&log, "c-9"), posts_to(&log, "c-8")), (1, 0), "the expired connection is not pushed to");
    assert_eq!(calls_to(&log, "DELETE", "c-8"), 1, "it is closed");
    let left: Vec<String> = connections.by_user("dave").await.expect("query").into_iter().map(|c| c.connection_id).collect();
    assert_eq!(left, ["c-9"], "and its record is gone");
}
