//! End to end through real clients: each example synthesized, served by `dev` (moto, the real
//! handler binaries under the Runtime API, the front doors), the model replaced by an
//! OpenAI-compatible scripted peer; clients are Python's `websockets` and `httpx-sse` and a
//! plain HTTP client.

mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentcdk_dev::chat::http;
use agentcdk_dev::FrontDoorKind;
use serde_json::{json, Value};
use support::{handler_bins, python, serve, serve_with, ModelPeer, FAIL_400, FAIL_500};

const REPLY: &str = "Your invoice is paid in full.";

async fn post(url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut headers = vec![("content-type", "application/json".to_owned())];
    if let Some(t) = token {
        headers.push(("authorization", format!("Bearer {t}")));
    }
    let (status, body) = http("POST", url, &headers, body.to_string().into_bytes()).await.expect("POST");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn get(url: &str, token: &str) -> (u16, Value) {
    let (status, body) = http("GET", url, &[("authorization", format!("Bearer {token}"))], Vec::new()).await.expect("GET");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Polls `responses/{id}` as `token` until the turn is no longer pending (at most `limit`).
async fn settled(chat: &str, id: &str, token: &str, limit: Duration) -> Value {
    let poll = format!("{chat}/responses/{id}");
    let started = Instant::now();
    loop {
        let (status, v) = get(&poll, token).await;
        assert_eq!(status, 200, "{v}");
        if v["status"] != "pending" {
            return v;
        }
        assert!(started.elapsed() < limit, "still pending after {limit:?}: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The claims of a token (its middle part), to re-sign altered copies.
fn claims(token: &str) -> serde_json::Map<String, Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("claims")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queue_agent_submit_poll_owner_check_and_authorizer_cache() {
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (dev, _dir) = serve(queue_agent::app(), &peer).await;
    let api = dev.url(FrontDoorKind::RestApi).expect("a REST API").to_owned();
    let chat = format!("{api}/api/v1/chat");
    let issuer = dev.issuer().expect("the local issuer");
    let alice = issuer.mint("alice", &[], 600).expect("token");
    let bob = issuer.mint("bob", &[], 600).expect("token");

    let (status, body) = post(&chat, None, &json!({"message": "hi"})).await;
    assert_eq!(status, 401, "no token: the authorizer's identity source is missing: {body}");
    assert_eq!(body["error"], "unauthorized", "the template's UNAUTHORIZED gateway response: {body}");
    let (status, _) = post(&chat, Some("not.a.jwt"), &json!({"message": "hi"})).await;
    assert_eq!(status, 401, "a bad token is refused by the real authorizer");
    // Another issuer's key (same issuer URL, a key the JWKS does not have), and our own key
    // with an audience the stack does not accept: the authorizer's `Unauthorized`, i.e. 401.
    let stranger = agentcdk_dev::identity::Issuer::new(issuer.url.clone(), Default::default()).expect("issuer");
    let foreign = stranger.sign(&claims(&alice)).expect("token");
    let (status, body) = post(&chat, Some(&foreign), &json!({"message": "hi"})).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")), "a token signed by another key: {body}");
    let mut wrong_aud = claims(&alice);
    wrong_aud.insert("aud".into(), json!("someone-else"));
    let wrong_aud = issuer.sign(&wrong_aud).expect("token");
    let (status, body) = post(&chat, Some(&wrong_aud), &json!({"message": "hi"})).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")), "a token for another audience: {body}");
    let refusals: u64 = dev.authorizer_calls().values().sum();
    assert_eq!(refusals, 3, "each refused token ran the authorizer once (refusals are not cached)");

    let (status, accepted) = post(&chat, Some(&alice), &json!({"message": "Is my invoice paid?"})).await;
    assert_eq!(status, 202, "{accepted}");
    let after_submit: u64 = dev.authorizer_calls().values().sum();
    assert_eq!(after_submit, refusals + 1, "alice's first request ran the authorizer");
    let id = accepted["request_id"].as_str().expect("request id").to_owned();
    let answer = settled(&chat, &id, &alice, Duration::from_secs(60)).await;
    assert_eq!(answer["status"], "completed", "{answer}");
    assert_eq!(answer["reply"], REPLY);
    assert_eq!(peer.calls.lock().expect("lock").len(), 1, "the model ran once for one turn");
    assert_eq!(
        dev.authorizer_calls().values().sum::<u64>(),
        after_submit,
        "alice's polls (another method and path, same token) were answered from the authorizer cache"
    );

    let (status, v) = get(&format!("{chat}/responses/{id}"), &bob).await;
    assert_eq!((status, v["error"].as_str()), (404, Some("not_found")), "another user cannot read alice's response: {v}");
    assert!(!v.to_string().contains(REPLY), "nothing of alice's turn reaches bob: {v}");
    assert_eq!(dev.authorizer_calls().values().sum::<u64>(), after_submit + 1, "bob's token is a new cache key");

    let (status, v) = post(&format!("{api}/nope"), Some(&alice), &json!({})).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (403, Some("client_error")),
        "unknown path: MISSING_AUTHENTICATION_TOKEN via DEFAULT_4XX: {v}"
    );
    dev.shutdown().await;
}

/// One FIFO session: its first turn fails for good (the model refuses it with 400) and its
/// second, queued right behind it in the same message group, still answers within seconds (a
/// held group would wait for the input queue's visibility timeout, 30 minutes). Another turn
/// fails on every try (the model answers 500): retried up to `maxReceiveCount`, then its
/// client is told `failed` and the message ends in the input dead-letter queue, whose consumer
/// receives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queue_agent_failed_turns_are_told_dead_lettered_and_never_hold_their_session() {
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (dev, _dir) = serve(queue_agent::app(), &peer).await;
    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let alice = dev.issuer().expect("the local issuer").mint("alice", &[], 600).expect("token");
    let submit = |message: String, session: &'static str| {
        let (chat, alice) = (chat.clone(), alice.clone());
        async move {
            let (status, v) = post(&chat, Some(&alice), &json!({"message": message, "session_id": session})).await;
            assert_eq!(status, 202, "{v}");
            v["request_id"].as_str().expect("request id").to_owned()
        }
    };
    let poison = submit(format!("Always failing {FAIL_500}"), "poison-session").await;
    let started = Instant::now();
    let first = submit(format!("Refused {FAIL_400}"), "fifo-session").await;
    let second = submit("Is my invoice paid?".into(), "fifo-session").await;

    let failed = settled(&chat, &first, &alice, Duration::from_secs(60)).await;
    assert_eq!(failed["status"], "failed", "the client is told: {failed}");
    assert!(!failed.to_string().contains("arn:aws"), "nothing private reaches the client: {failed}");
    let answered = settled(&chat, &second, &alice, Duration::from_secs(60)).await;
    assert_eq!((answered["status"].as_str(), answered["reply"].as_str()), (Some("completed"), Some(REPLY)), "{answered}");
    assert!(started.elapsed() < Duration::from_secs(20), "the second turn waited {:?} behind the failed one", started.elapsed());

    let told = settled(&chat, &poison, &alice, Duration::from_secs(90)).await;
    assert_eq!(told["status"], "failed", "{told}");
    assert!(told["reason"].as_str().is_some_and(|r| r.starts_with("unavailable")), "retries exhausted: {told}");
    let tries = peer.calls.lock().expect("lock").iter().filter(|c| c.to_string().contains(FAIL_500)).count();
    assert_eq!(tries, 3, "the failing turn ran once per receive, maxReceiveCount = 3 times");
    // Both given-up messages (the refused turn and the always failing one) reach the input
    // dead-letter queue; its event source mapping hands them to the responder.
    let dead_lettered =
        || dev.mapping_records().iter().filter(|(id, _)| id.contains("InputDeadLetterTrigger")).map(|(_, n)| *n).sum::<u64>();
    let waited = Instant::now();
    while dead_lettered() < 2 && waited.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(dead_lettered(), 2, "records the input dead-letter queue's consumer got: {:?}", dev.mapping_records());
    let (_, still) = get(&format!("{chat}/responses/{poison}"), &alice).await;
    assert_eq!(still["status"], "failed", "the dead-letter consumer keeps the client's answer: {still}");
    dev.shutdown().await;
}

/// Python `websockets` client: connects with the token as the subprotocol, sends one message on
/// the first of two connections of the same user, and prints every frame each connection got
/// (JSON lines `{"conn": i, "frame": ...}`) until both got the reply.
const WS_CLIENT: &str = r#"
import asyncio, json, sys
from websockets.asyncio.client import connect
url, token, message = sys.argv[1], sys.argv[2], sys.argv[3]
async def main():
    a = await connect(url, subprotocols=[token])
    b = await connect(url, subprotocols=[token])
    print(json.dumps({"subprotocol": a.subprotocol}))
    await a.send(message)
    async def collect(i, ws):
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 90))
            print(json.dumps({"conn": i, "frame": frame}), flush=True)
            if frame.get("type") in ("reply", "error"):
                return
    await asyncio.gather(collect(0, a), collect(1, b))
    await a.close(); await b.close()
asyncio.run(main())
"#;

/// Opens a connection and reports how the handshake ended (`open` or the HTTP status).
const WS_HANDSHAKE: &str = r#"
import asyncio, sys
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
async def main():
    try:
        ws = await connect(sys.argv[1], subprotocols=[sys.argv[2]] if len(sys.argv) > 2 else None)
        print("open"); await ws.close()
    except InvalidStatus as e:
        print(e.response.status_code)
asyncio.run(main())
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ws_agent_reply_reaches_every_connection_of_the_user() {
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (dev, dir) = serve(ws_agent::app(), &peer).await;
    let url = dev.url(FrontDoorKind::WebSocket).expect("a WebSocket API").to_owned();
    let issuer = dev.issuer().expect("the local issuer");
    let alice = issuer.mint("alice", &[], 600).expect("token");

    let out = python(WS_CLIENT, &[&url, &alice, &json!({"message": "hello"}).to_string()]).await;
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines[0]["subprotocol"], alice.as_str(), "the handshake echoes the token subprotocol ws-connection chose");
    let frames = |i: u64| lines.iter().filter(|l| l["conn"] == i).map(|l| l["frame"].clone()).collect::<Vec<_>>();
    for i in 0..2 {
        let reply = frames(i).into_iter().find(|f| f["type"] == "reply").unwrap_or_else(|| panic!("connection {i} got no reply: {out}"));
        assert_eq!(reply["reply"], REPLY, "{reply}");
    }
    // AWS delivers an integration's answer only on a route with a route response: the accepted
    // frame reaches the sender exactly when the template declares one on $default.
    let template = std::fs::read_to_string(dir.path().join("ChatAgent.template.json")).expect("template");
    let two_way = template.contains("AWS::ApiGatewayV2::RouteResponse");
    let accepted = frames(0).iter().any(|f| f["type"] == "accepted");
    assert_eq!(accepted, two_way, "accepted frame delivered iff a RouteResponse is declared: {out}");
    assert!(!frames(1).iter().any(|f| f["type"] == "accepted"), "the other connection never sees the sender's accepted frame");
    dev.shutdown().await;
}

/// Python `websockets` client: sends a message that is not JSON (prints the frame it gets
/// back), then a chat turn, closes the connection as soon as the turn is accepted (before its
/// reply), reconnects, and asks `{"action": "get", "request_id": …}` until the reply is there.
/// Prints JSON lines `{"step": …, "frame": …}`.
const WS_RECONNECT: &str = r#"
import asyncio, json, sys
from websockets.asyncio.client import connect
url, token, message = sys.argv[1], sys.argv[2], sys.argv[3]
def show(step, frame):
    print(json.dumps({"step": step, "frame": frame}), flush=True)
async def main():
    a = await connect(url, subprotocols=[token])
    await a.send("this is not json")
    show("bad", json.loads(await asyncio.wait_for(a.recv(), 30)))
    await a.send(json.dumps({"message": message}))
    while True:
        frame = json.loads(await asyncio.wait_for(a.recv(), 30))
        if frame.get("type") == "accepted":
            break
    show("accepted", frame)
    await a.close()
    b = await connect(url, subprotocols=[token])
    for _ in range(300):
        await b.send(json.dumps({"action": "get", "request_id": frame["request_id"]}))
        got = json.loads(await asyncio.wait_for(b.recv(), 30))
        show("get", got)
        if got.get("type") != "pending":
            break
        await asyncio.sleep(0.2)
    await b.close()
asyncio.run(main())
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ws_agent_bad_message_gets_an_error_frame_and_a_reconnected_client_gets_its_reply() {
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (dev, _dir) = serve(ws_agent::app(), &peer).await;
    let url = dev.url(FrontDoorKind::WebSocket).expect("a WebSocket API").to_owned();
    let alice = dev.issuer().expect("the local issuer").mint("alice", &[], 600).expect("token");
    let out = python(WS_RECONNECT, &[&url, &alice, "Is my invoice paid?"]).await;
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    let step = |name: &str| lines.iter().filter(|l| l["step"] == name).map(|l| l["frame"].clone()).collect::<Vec<_>>();
    let bad = &step("bad")[0];
    assert_eq!(bad["type"], "refused", "a message that is not JSON is refused on its own connection: {bad}");
    assert_eq!(bad["error"], "invalid_json", "{bad}");
    assert!(bad.get("request_id").is_none(), "nothing was queued for it: {bad}");
    let accepted = &step("accepted")[0];
    let last = step("get").pop().expect("a get answer");
    assert_eq!(last["type"], "reply", "after reconnecting, get returns the reply: {out}");
    assert_eq!((last["request_id"].as_str(), last["reply"].as_str()), (accepted["request_id"].as_str(), Some(REPLY)), "{last}");
    assert_eq!(peer.calls.lock().expect("lock").len(), 1, "only the valid message reached the model");
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ws_agent_connect_needs_a_token_with_the_required_scope() {
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (dev, _dir) = serve(ws_agent::app(), &peer).await;
    let url = dev.url(FrontDoorKind::WebSocket).expect("a WebSocket API").to_owned();
    let issuer = dev.issuer().expect("the local issuer");
    let no_scope = issuer.mint("alice", &["profile".into()], 600).expect("token");
    let good = issuer.mint("alice", &[], 600).expect("token");
    assert_eq!(python(WS_HANDSHAKE, &[&url]).await.trim(), "401", "no identity source: 401 before any function runs");
    assert_eq!(python(WS_HANDSHAKE, &[&url, &no_scope]).await.trim(), "403", "the authorizer's Deny (scope missing) is 403");
    assert_eq!(python(WS_HANDSHAKE, &[&url, &good]).await.trim(), "open");
    for _ in 0..50 {
        if dev.websocket_connections() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dev.websocket_connections(), 0, "a closed connection is forgotten ($disconnect ran)");
    dev.shutdown().await;
}

/// `httpx-sse` client of a SigV4 (AWS_IAM) Function URL: prints the wall time of the first
/// `text` event and every event's type.
const SSE_CLIENT: &str = r#"
import json, sys, time, httpx
from httpx_sse import connect_sse
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, body = sys.argv[1], sys.argv[2]
req = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
SigV4Auth(Credentials("testing", "testing"), "lambda", "us-east-1").add_auth(req)
first = None; kinds = []
with httpx.Client(timeout=60) as client:
    with connect_sse(client, "POST", url, content=body, headers=dict(req.headers)) as source:
        for sse in source.iter_sse():
            ev = json.loads(sse.data)
            kinds.append(ev["type"])
            if ev["type"] == "text" and first is None:
                first = time.time()
print(json.dumps({"first_text": first, "kinds": kinds}))
"#;

/// botocore-signed requests the Function URL must refuse: a secret other than the local one,
/// and a body changed after signing.
const SIGV4_REFUSED: &str = r#"
import json, sys, httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url = sys.argv[1]
def signed(secret, body):
    req = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
    SigV4Auth(Credentials("testing", secret), "lambda", "us-east-1").add_auth(req)
    return dict(req.headers)
out = {}
with httpx.Client(timeout=30) as c:
    r = c.post(url, content=b'{"message": "hi"}', headers=signed("not-the-secret", b'{"message": "hi"}'))
    out["wrong_secret"] = {"status": r.status_code, "body": r.text}
    r = c.post(url, content=b'{"message": "changed"}', headers=signed("testing", b'{"message": "hi"}'))
    out["tampered"] = {"status": r.status_code, "body": r.text}
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stream_agent_first_token_arrives_before_the_model_finished() {
    let peer = ModelPeer::start("one two three four five six", Duration::from_millis(300)).await;
    let (dev, _dir) = serve(stream_agent::app(), &peer).await;
    let url = dev.url(FrontDoorKind::FunctionUrl).expect("a Function URL").to_owned();
    let (status, _) = post(&url, None, &json!({"message": "hi"})).await;
    assert_eq!(status, 403, "an AWS_IAM Function URL refuses an unsigned request");
    let refused = python(SIGV4_REFUSED, &[&url]).await;
    let refused: Value = serde_json::from_str(refused.trim()).expect("json");
    assert_eq!(refused["wrong_secret"]["status"], 403, "signed with a secret the local credential set does not have: {refused}");
    assert!(refused["wrong_secret"]["body"].as_str().is_some_and(|b| b.contains("signature")), "{refused}");
    assert_eq!(refused["tampered"]["status"], 403, "a body changed after signing: {refused}");
    assert!(peer.calls.lock().expect("lock").is_empty(), "no refused request reached the function");

    let out = python(SSE_CLIENT, &[&url, &json!({"message": "count"}).to_string()]).await;
    let v: Value = serde_json::from_str(out.trim()).expect("json");
    let kinds: Vec<&str> = v["kinds"].as_array().expect("kinds").iter().filter_map(Value::as_str).collect();
    assert_eq!(kinds.first(), Some(&"start"), "{v}");
    assert_eq!(kinds.last(), Some(&"done"), "{v}");
    let first = v["first_text"].as_f64().expect("a text event");
    let last = peer.last_chunk.lock().expect("lock").expect("the model streamed").duration_since(UNIX_EPOCH).expect("epoch").as_secs_f64();
    assert!(first < last - 0.5, "first token at {first}, the model's last chunk at {last}: the answer must stream");
    let _ = SystemTime::now();
    dev.shutdown().await;
}

/// A Sync turn through the REST front door of the authorizer-less quickstart, its REPORT, and
/// the edge's body validation. (The figures of the note come from `scripts/dev-figures.py`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quickstart_sync_turn_report_and_body_validation() {
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (dev, _dir) = serve(quickstart::app(), &peer).await;
    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let (status, v) = post(&chat, None, &json!({"message": "hi"})).await;
    assert_eq!((status, v["reply"].as_str()), (200, Some(REPLY)), "{v}");
    let handler = dev.function_ids().into_iter().find(|id| id.contains("RequestHandler")).expect("the request handler");
    let report = dev.function(&handler).and_then(|f| f.last_report()).expect("a REPORT for the last turn");
    let memory = dev.function(&handler).expect("function").spec().memory_mb;
    assert_eq!(report.memory_size_mb, memory, "the REPORT compares against the template's MemorySize");
    assert!(report.max_memory_used_mb.is_some_and(|m| m > 0), "the sandbox's peak memory is measured: {report:?}");
    // The edge validates the body against the template's model (RequestValidator + Model): a
    // body the schema refuses is answered by the gateway, the function never runs.
    let (status, v) = post(&chat, None, &json!({"nope": 1})).await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_body")), "BAD_REQUEST_BODY from the template: {v}");
    assert_eq!(v["message"], "Invalid request body", "{v}");
    assert!(v["detail"].as_str().is_some_and(|d| d.contains("message")), "the schema errors name the missing field: {v}");
    let after = dev.function(&handler).and_then(|f| f.last_report()).expect("report");
    assert_eq!(after.request_id, report.request_id, "the request handler did not run for the invalid body");

    // `chat --stack`: the URL comes from a deployed stack's outputs (here a stack in moto whose
    // ApiUrl output is this dev's stage URL).
    let stage = dev.url(FrontDoorKind::RestApi).expect("a REST API").to_owned();
    let conf = aws_sdk_cloudformation::Config::builder()
        .behavior_version(aws_sdk_cloudformation::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
        .credentials_provider(agentcdk_dev::stateful::credentials())
        .endpoint_url(dev.moto_endpoint())
        .build();
    let template = json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"ApiUrl": {"Value": format!("{stage}/")}}});
    aws_sdk_cloudformation::Client::from_conf(conf)
        .create_stack()
        .stack_name("Deployed")
        .template_body(template.to_string())
        .send()
        .await
        .expect("create the stack in moto");
    let args = <agentcdk_dev::chat::ChatArgs as clap::Parser>::try_parse_from([
        "chat",
        "Is my invoice paid?",
        "--stack",
        "Deployed",
        "--endpoint-url",
        dev.moto_endpoint(),
    ])
    .expect("args");
    let reply = agentcdk_dev::chat::chat(args).await.expect("chat against the stack's URL");
    assert_eq!(reply, REPLY);
    dev.shutdown().await;
}

/// Python `httpx`: a CORS preflight (OPTIONS with `Origin`), then a POST the gateway refuses,
/// printing each answer's status, headers and body.
const CORS_CLIENT: &str = r#"
import json, sys, httpx
url = sys.argv[1]
origin = {"Origin": "https://app.example.com"}
with httpx.Client(timeout=30) as c:
    pre = c.options(url, headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    bad = c.post(url, headers={**origin, "content-type": "application/json"}, content=b'{"message": ""}')
    for name, r in (("preflight", pre), ("bad", bad)):
        print(json.dumps({"name": name, "status": r.status_code, "headers": dict(r.headers), "body": r.text}))
"#;

/// boto3 against moto: prints the value of each secret id given.
const SECRETS_CLIENT: &str = r#"
import json, sys, boto3
sm = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
print(json.dumps({i: sm.get_secret_value(SecretId=i)["SecretString"] for i in sys.argv[2:]}))
"#;

/// CORS as the template declares it: the OPTIONS method's MOCK integration answers the
/// preflight (no function runs), and gateway responses carry the allowed origin too. The same
/// stack's Secrets Manager secrets exist in moto (one as written, one generated).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rest_cors_preflight_gateway_responses_and_secrets_follow_the_template() {
    use agentcdk::prelude::{Access, AgentProps, App, Cors, Model, RawResource, ServerlessAgent, StackProps};
    let mut app = App::new();
    let stack = app.stack("CorsAgent", StackProps::default());
    stack.add_raw(
        "ApiKey",
        RawResource::new("AWS::SecretsManager::Secret").prop("Name", "cors-agent/api-key").prop("SecretString", "s3cret-value"),
    );
    stack.add_raw(
        "DbPassword",
        RawResource::new("AWS::SecretsManager::Secret").prop("Name", "cors-agent/db").prop(
            "GenerateSecretString",
            serde_json::json!({"SecretStringTemplate": "{\"username\":\"app\"}", "GenerateStringKey": "password", "PasswordLength": 24}),
        ),
    );
    ServerlessAgent::new(
        &mut stack.scope("Assistant"),
        AgentProps {
            system_prompt: "Answer briefly.".into(),
            cors: Some(Cors { allow_origins: vec!["https://app.example.com".into()], ..Default::default() }),
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
        },
    );
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let (dev, _dir) = serve(app, &peer).await;
    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let out = python(CORS_CLIENT, &[&chat]).await;
    let answers: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    let pre = &answers[0];
    assert_eq!(pre["status"], 204, "{pre}");
    assert_eq!(pre["headers"]["access-control-allow-origin"], "https://app.example.com", "{pre}");
    assert!(pre["headers"]["access-control-allow-methods"].as_str().is_some_and(|m| m.contains("POST")), "{pre}");
    assert!(pre["headers"]["access-control-allow-headers"].as_str().is_some_and(|h| h.to_lowercase().contains("content-type")), "{pre}");
    let bad = &answers[1];
    assert_eq!(bad["status"], 400, "an empty message breaks the model's minLength: {bad}");
    assert_eq!(bad["headers"]["access-control-allow-origin"], "https://app.example.com", "gateway responses carry CORS headers: {bad}");
    assert!(peer.calls.lock().expect("lock").is_empty(), "no model call for a preflight or a refused body");
    let secrets = python(SECRETS_CLIENT, &[dev.moto_endpoint(), "cors-agent/api-key", "cors-agent/db"]).await;
    let secrets: Value = serde_json::from_str(secrets.trim()).expect("json");
    assert_eq!(secrets["cors-agent/api-key"], "s3cret-value", "{secrets}");
    let db: Value = serde_json::from_str(secrets["cors-agent/db"].as_str().expect("string")).expect("json secret");
    assert_eq!((db["username"].as_str(), db["password"].as_str().map(str::len)), (Some("app"), Some(24)), "{db}");
    dev.shutdown().await;
}

/// Reload on change: with prebuilt binaries, dev watches the binaries themselves; replacing
/// one (here: the request handler's link, as a rebuild would) restarts exactly the functions
/// that run it, and the stack keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_changed_handler_binary_reloads_only_its_functions() {
    let bins = tempfile::tempdir().expect("temp");
    for entry in std::fs::read_dir(handler_bins()).expect("bins").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && !name.contains('.') {
            std::os::unix::fs::symlink(entry.path(), bins.path().join(&name)).expect("link");
        }
    }
    let peer = ModelPeer::start(REPLY, Duration::ZERO).await;
    let dir = bins.path().to_owned();
    let (dev, _dir) = serve_with(queue_agent::app(), &peer, |o| {
        o.handlers_bin_dir = Some(dir);
        o.watch = true;
    })
    .await;
    let pids = |dev: &agentcdk_dev::DevServer| {
        dev.function_ids().into_iter().map(|id| (id.clone(), dev.function(&id).map(|f| f.pids()).unwrap_or_default())).collect::<Vec<_>>()
    };
    let before = pids(&dev);
    let link = bins.path().join("request-handler");
    std::fs::remove_file(&link).expect("unlink");
    tokio::time::sleep(Duration::from_millis(20)).await;
    std::os::unix::fs::symlink(handler_bins().join("request-handler"), &link).expect("link");
    let started = Instant::now();
    let handler = before.iter().find(|(id, _)| id.contains("RequestHandler")).map(|(id, _)| id.clone()).expect("request handler");
    loop {
        let now = dev.function(&handler).map(|f| f.pids()).unwrap_or_default();
        let old = &before.iter().find(|(id, _)| *id == handler).expect("before").1;
        if !now.is_empty() && now.iter().all(|p| !old.contains(p)) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "the request handler was not reloaded: {now:?} vs {old:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (id, old) in &before {
        if id != &handler {
            assert_eq!(&dev.function(id).map(|f| f.pids()).unwrap_or_default(), old, "{id} does not run the changed binary: kept");
        }
    }
    let alice = dev.issuer().expect("issuer").mint("alice", &[], 600).expect("token");
    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let (status, v) = post(&chat, Some(&alice), &json!({"message": "still there?"})).await;
    assert_eq!(status, 202, "the reloaded function answers: {v}");
    dev.shutdown().await;
}
