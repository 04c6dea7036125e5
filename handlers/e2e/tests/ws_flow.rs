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
use agentcdk_testkit::keys::{now, JwksServer, TestKey};
use agentcdk_testkit::moto::{self, Moto};
use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
use common::{parse, pump, ModelPeer};
use lambda_runtime::LambdaEvent;
use request_handler::{Admits, App, Backend};
use serde_json::{json, Value};

const ISSUER: &str = "https://issuer.test/";

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

/// A WebSocket request-handler sending turns to `queue_url`.
fn ws_app(
    sqs: &aws_sdk_sqs::Client,
    queue_url: String,
    responses: &ResponsesStore,
    connections: &ConnectionStore,
    callback: String,
) -> App {
    App::new(
        Backend::WebSocket {
            queue: Queue::new(sqs.clone(), queue_url),
            responses: responses.clone(),
            connections: connections.clone(),
            callback_url: Some(callback),
        },
        Routes::new("", "v1", "chat"),
    )
}

/// The answer of a message that must be a `refused` frame: its status and error code.
fn refused(out: &Value) -> (u64, String) {
    let (status, f) = parse(out);
    assert_eq!(f["type"], "refused", "{f}");
    (status, f["error"].as_str().unwrap_or_default().to_owned())
}

/// The WebSocket pipeline on moto: ws-connection, request-handler, agent-runner and
/// response-handler over real queues, tables and bucket, with a JWKS server and a model peer.
struct Flow {
    moto: Moto,
    sqs: aws_sdk_sqs::Client,
    input: moto::QueuePair,
    output: moto::QueuePair,
    responses: ResponsesStore,
    connections: ConnectionStore,
    key: TestKey,
    _jwks: JwksServer,
    ws: ws_connection::Connections,
    app: App,
    runner: agent_runner::Runner,
    responder: response_handler::Responder,
    _model: ModelPeer,
}

impl Flow {
    async fn start() -> Self {
        let moto = Moto::start();
        let moto::Clients { sdk, sqs, ddb } = moto.clients().await;
        let input = moto::create_queue_with_dlq(&sqs, "in", 3, 30).await;
        let output = moto::create_queue_with_dlq(&sqs, "out", 3, 30).await;
        moto::create_responses_table(&ddb, "responses").await;
        moto::create_sessions_table(&ddb, "sessions").await;
        moto::create_connections_table(&ddb, "connections").await;
        let replies = ReplyStore::new(moto::create_bucket(&sdk, "replies").await, "replies");
        let responses = ResponsesStore::new(ddb.clone(), "responses", 3600);
        let connections = ConnectionStore::new(ddb.clone(), "connections", 7200);

        let key = TestKey::rsa("k1");
        let jwks = JwksServer::start(&[&key]);
        let verifier = JwtVerifier::new(AuthConfig::new(jwks.url(), ISSUER, vec!["api".into()]));
        let ws = ws_connection::Connections::new(verifier, connections.clone());
        let app = ws_app(&sqs, input.url.clone(), &responses, &connections, moto.endpoint()).with_max_body(4096);
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
            triggers: Default::default(),
            completions: None,
        };
        let responder =
            response_handler::Responder::new(sdk.clone(), responses.clone(), Some(connections.clone())).with_replies(Some(replies));
        Self { moto, sqs, input, output, responses, connections, key, _jwks: jwks, ws, app, runner, responder, _model: model }
    }

    /// A token for `user` that expires at `exp`.
    fn token_until(&self, user: &str, exp: i64) -> String {
        self.key.sign(&json!({"sub": user, "iss": ISSUER, "aud": "api", "exp": exp}))
    }

    /// A token for `user`, valid for five minutes.
    fn token(&self, user: &str) -> String {
        self.token_until(user, now() + 300)
    }

    /// `$connect` on `conn` with this `Authorization` header: its status code.
    async fn connect(&self, conn: &str, auth_header: Option<String>) -> Value {
        let mut ev = ws_event("$connect", conn);
        if let Some(h) = auth_header {
            ev["headers"] = json!({"Authorization": h});
        }
        let ev: ApiGatewayWebsocketProxyRequest = serde_json::from_value(ev).expect("event");
        let out = ws_connection::handle(&self.ws, LambdaEvent::new(ev, common::context())).await.expect("connect");
        out["statusCode"].clone()
    }

    /// `$connect` on `conn` with a valid token of `user`: its status code.
    async fn connect_as(&self, conn: &str, user: &str) -> Value {
        self.connect(conn, Some(format!("Bearer {}", self.token(user)))).await
    }

    async fn disconnect(&self, conn: &str) {
        let bye: ApiGatewayWebsocketProxyRequest = serde_json::from_value(ws_event("$disconnect", conn)).expect("event");
        ws_connection::handle(&self.ws, LambdaEvent::new(bye, common::context())).await.expect("disconnect");
    }

    /// A `sendMessage` frame with this raw `body` on `conn`, handled by `app`.
    async fn send_to(&self, app: &App, conn: &str, body: String) -> Value {
        let mut ev = ws_event("sendMessage", conn);
        ev["body"] = json!(body);
        request_handler::handle(app, LambdaEvent::new(ev, common::context())).await.expect("message")
    }

    async fn say(&self, conn: &str, text: &str) -> Value {
        self.send_to(&self.app, conn, json!({"action": "sendMessage", "message": text}).to_string()).await
    }

    async fn get(&self, conn: &str, id: &str) -> Value {
        self.send_to(&self.app, conn, json!({"action": "get", "request_id": id}).to_string()).await
    }

    /// One poll of the input queue by the runner, then of the output queue by the responder.
    async fn deliver(&self) {
        pump(&self.sqs, &self.input.url, true, |ev| agent_runner::handle(&self.runner, ev)).await;
        pump(&self.sqs, &self.output.url, true, |ev| response_handler::handle(&self.responder, ev)).await;
    }

    /// POSTs to each of `conns` so far, in order.
    fn posts(&self, conns: [&str; 2]) -> (usize, usize) {
        let log = self.moto.log();
        (posts_to(&log, conns[0]), posts_to(&log, conns[1]))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_flow_end_to_end() {
    let f = Flow::start().await;
    connect_checks_the_token(&f).await;
    replies_reach_every_connection_of_their_user(&f).await;
    refusals_are_frames_and_queue_nothing(&f).await;
    a_reconnected_client_gets_its_reply_with_get(&f).await;
    an_expired_token_closes_the_connection(&f).await;
}

/// Alice on c-1 and c-2, Bob on c-3; a forged token and no token are refused and not stored.
async fn connect_checks_the_token(f: &Flow) {
    for (conn, user) in [("c-1", "alice"), ("c-2", "alice"), ("c-3", "bob")] {
        assert_eq!(f.connect_as(conn, user).await, 200, "{conn}");
    }
    let forged = format!("Bearer {}x", f.token("mallory"));
    assert_eq!(f.connect("c-4", Some(forged)).await, 401);
    assert_eq!(f.connect("c-5", None).await, 401);
    assert!(f.connections.get("c-4").await.expect("get").is_none());
}

/// A reply is pushed to every connection of its user, not to others'; a 200 KB one in two
/// frames; nothing after `$disconnect`.
async fn replies_reach_every_connection_of_their_user(f: &Flow) {
    let (status, frame) = parse(&f.say("c-1", "hi ws").await);
    assert_eq!((status, frame["type"].as_str()), (200, Some("accepted")), "{frame}");
    f.deliver().await;
    assert_eq!(f.posts(["c-1", "c-2"]), (1, 1), "both of alice's connections");
    assert_eq!(posts_to(&f.moto.log(), "c-3"), 0, "not bob's");
    let id = frame["request_id"].as_str().expect("id");
    let stored = f.responses.get(id).await.expect("get").expect("stored");
    assert_eq!(stored.user_id, "alice");

    // A 200 KB reply (stored in S3: with its two copies it is over the item limit) arrives in
    // two frames (128 KB limit) on each connection.
    f.say("c-2", "big reply please").await;
    f.deliver().await;
    assert_eq!(f.posts(["c-1", "c-2"]), (3, 3));

    // After $disconnect, c-2 gets nothing more.
    f.disconnect("c-2").await;
    f.say("c-1", "still there?").await;
    f.deliver().await;
    assert_eq!(f.posts(["c-1", "c-2"]), (4, 3));
}

/// A message on a connection that never passed $connect is refused; every refusal reaches the
/// sender as a `refused` frame with its code; nothing is queued.
async fn refusals_are_frames_and_queue_nothing(f: &Flow) {
    let (status, body) = parse(&f.say("c-unknown", "sneak").await);
    assert_eq!((status, body["type"].as_str(), body["error"].as_str()), (401, Some("refused"), Some("unauthorized")));
    assert_eq!(common::depth(&f.sqs, &f.input.url).await, 0);

    assert_eq!(refused(&f.send_to(&f.app, "c-1", "{not json".into()).await), (400, "invalid_json".into()));
    assert_eq!(refused(&f.say("c-1", " ").await), (400, "bad_request".into()));
    assert_eq!(refused(&f.say("c-1", &"x".repeat(5000)).await), (413, "payload_too_large".into()));
    let broken = ws_app(&f.sqs, format!("{}-gone", f.input.url), &f.responses, &f.connections, f.moto.endpoint());
    let out = f.send_to(&broken, "c-1", json!({"message": "queue down"}).to_string()).await;
    assert_eq!(refused(&out), (503, "unavailable".into()));
    assert!(parse(&out).1["request_id"].is_string(), "the recorded turn is named, so a get can show it failed");
    assert_eq!(common::depth(&f.sqs, &f.input.url).await, 0);
}

/// A client that reconnects while its run finishes gets the reply with `get`; another user
/// cannot read it.
async fn a_reconnected_client_gets_its_reply_with_get(f: &Flow) {
    assert_eq!(f.connect_as("c-6", "carol").await, 200);
    let (_, accepted) = parse(&f.say("c-6", "remember me").await);
    let carol_id = accepted["request_id"].as_str().expect("id").to_owned();
    f.disconnect("c-6").await;
    f.deliver().await;
    assert_eq!(posts_to(&f.moto.log(), "c-6"), 0, "nobody was connected to push to");
    assert_eq!(f.connect_as("c-7", "carol").await, 200);
    let (status, reply) = parse(&f.get("c-7", &carol_id).await);
    assert_eq!((status, reply["type"].as_str(), reply["request_id"].as_str()), (200, Some("reply"), Some(carol_id.as_str())), "{reply}");
    assert_eq!(reply["reply"], "echo: remember me (1 messages)");
    let (status, other) = parse(&f.get("c-1", &carol_id).await);
    assert_eq!((status, other["error"].as_str()), (404, Some("not_found")), "alice cannot read carol's reply");
}

/// A connection does not outlive its token: once `exp` passes, its messages are refused,
/// and the next push closes it (DeleteConnection) and drops its record instead of posting.
async fn an_expired_token_closes_the_connection(f: &Flow) {
    let short = f.token_until("dave", now() + 1);
    assert_eq!(f.connect("c-8", Some(format!("Bearer {short}"))).await, 200);
    assert_eq!(f.connect_as("c-9", "dave").await, 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(refused(&f.say("c-8", "still me").await), (401, "unauthorized".into()));
    let (status, _) = parse(&f.say("c-9", "fresh token").await);
    assert_eq!(status, 200);
    f.deliver().await;
    let log = f.moto.log();
    assert_eq!((posts_to(&log, "c-9"), posts_to(&log, "c-8")), (1, 0), "the expired connection is not pushed to");
    assert_eq!(calls_to(&log, "DELETE", "c-8"), 1, "it is closed");
    let left: Vec<String> = f.connections.by_user("dave").await.expect("query").into_iter().map(|c| c.connection_id).collect();
    assert_eq!(left, ["c-9"], "and its record is gone");
}
