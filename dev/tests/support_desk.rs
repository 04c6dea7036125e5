//! The support desk (examples/support-desk) end to end in `dev`: a `SupportCaseOpened` event put
//! on the desk's bus with the real aws-sdk-eventbridge starts the orchestrator (moto matches the
//! rule's pattern and applies its InputTransformer into the input queue); the orchestrator asks
//! the orders, payments and inventory agents over A2A through their IAM Function URL doors
//! (SigV4, the card fetched and its `url` followed); each domain agent reads its own table with
//! the stock MCP server; the customer, connected over WebSocket (tokio-tungstenite) with their
//! token, gets the recommendation pushed; `Agent Run Completed` comes back on the bus. A case
//! whose run fails on every try ends in the input dead-letter queue and the customer is told.
//!
//! The model is one scripted peer playing every agent, chosen by the system prompt: the
//! orchestrator asks each domain agent in turn, then recommends quoting their answers; a domain
//! agent calls `get_order` once, then answers quoting the record.

mod support;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentcdk_contract::events::{DEFAULT_COMPLETION_SOURCE, DETAIL_TYPE_COMPLETED, DETAIL_TYPE_FAILED};
use agentcdk_dev::FrontDoorKind;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use support::{python, serve_model, FAIL_500};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// What the orchestrator's final answer starts with.
const RECOMMENDATION: &str = "Recommendation: refund the duplicate charge.";

/// The domain agents in the order the orchestrator asks them (their A2A card names).
const DOMAIN: [&str; 3] = ["orders", "payments", "inventory"];

/// The model of every agent (see the module doc); records every request.
struct DeskPeer {
    url: String,
    calls: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DeskPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DeskPeer {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let task = tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let seen = seen.clone();
                        async move {
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                            seen.lock().expect("lock").push(v.clone());
                            let (status, answer) = match turn(&v) {
                                Some(message) => (200, completion(message)),
                                None => (500, json!({"error": {"message": "scripted failure", "type": "server_error"}})),
                            };
                            let mut r = hyper::Response::new(Full::new(Bytes::from(answer.to_string())));
                            *r.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
                            r.headers_mut().insert("content-type", "application/json".parse().expect("header"));
                            Ok::<_, Infallible>(r)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(s), svc).await;
                });
            }
        });
        Self { url, calls, task }
    }

    fn calls(&self) -> Vec<Value> {
        self.calls.lock().expect("lock").clone()
    }
}

/// The assistant message for `request`, or `None` to fail it (a prompt with [`FAIL_500`]).
fn turn(request: &Value) -> Option<Value> {
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let system = messages.iter().find(|m| m["role"] == "system").map(|m| m["content"].to_string()).unwrap_or_default();
    if messages.iter().any(|m| m["role"] == "user" && m["content"].to_string().contains(FAIL_500)) {
        return None;
    }
    let results: Vec<String> =
        messages.iter().filter(|m| m["role"] == "tool").map(|m| m["content"].as_str().unwrap_or_default().to_owned()).collect();
    let call = |name: &str, args: Value| {
        json!({"role": "assistant", "content": null, "tool_calls": [{"id": format!("call_{}", results.len()), "type": "function",
            "function": {"name": name, "arguments": args.to_string()}}]})
    };
    let text = |t: String| json!({"role": "assistant", "content": t});
    Some(if system.contains("orchestrator") {
        match DOMAIN.get(results.len()) {
            Some(agent) => call(agent, json!({"message": "What do your records say about order ord-7?"})),
            None => text(format!("{RECOMMENDATION} {}", results.join(" | "))),
        }
    } else {
        match results.last() {
            None => call("get_order", json!({"order_id": "ord-7"})),
            Some(record) => text(format!("Record: {record}")),
        }
    })
}

fn completion(message: Value) -> Value {
    let finish = if message["tool_calls"].is_null() { "stop" } else { "tool_calls" };
    json!({"id": "c1", "object": "chat.completion", "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
}

/// boto3 against moto: each sample row of the example into its domain agent's table (the
/// table whose name holds `<Domain>Tools`; its name is moto's).
const SEED: &str = r#"
import json, sys, boto3
ddb = boto3.resource("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
                     aws_access_key_id="testing", aws_secret_access_key="testing")
names = [t.name for t in ddb.tables.all()]
for domain, item in json.loads(sys.argv[2]):
    table = [n for n in names if domain + "Tools" in n]
    assert len(table) == 1, (domain, names)
    ddb.Table(table[0]).put_item(Item=item)
"#;

fn eventbridge(moto: &str) -> aws_sdk_eventbridge::Client {
    let conf = aws_sdk_eventbridge::Config::builder()
        .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
        .region(aws_sdk_eventbridge::config::Region::new("us-east-1"))
        .credentials_provider(agentcdk_dev::stateful::credentials())
        .endpoint_url(moto)
        .build();
    aws_sdk_eventbridge::Client::from_conf(conf)
}

/// A queue subscribed to the bus's completion events (a rule of our own, through the SDK).
async fn completions(moto: &str, eb: &aws_sdk_eventbridge::Client) -> (aws_sdk_sqs::Client, String) {
    let sqs = agentcdk_dev::sqs::client(moto);
    let url = sqs.create_queue().queue_name("desk-completions").send().await.expect("CreateQueue").queue_url.expect("url");
    let arn = format!("arn:aws:sqs:us-east-1:{}:desk-completions", agentcdk_dev::moto::ACCOUNT_ID);
    let pattern = json!({"source": [DEFAULT_COMPLETION_SOURCE], "detail-type": [DETAIL_TYPE_COMPLETED, DETAIL_TYPE_FAILED]});
    eb.put_rule().name("completions").event_bus_name("support-desk").event_pattern(pattern.to_string()).send().await.expect("PutRule");
    let target = aws_sdk_eventbridge::types::Target::builder().id("q").arn(arn).build().expect("target");
    eb.put_targets().rule("completions").event_bus_name("support-desk").targets(target).send().await.expect("PutTargets");
    (sqs, url)
}

/// Puts one `SupportCaseOpened` event (the example's sample with `case` and `summary`); its id.
async fn open_case(eb: &aws_sdk_eventbridge::Client, case: &str, summary: &str) -> String {
    let mut detail = support_desk::sample_case()["detail"].clone();
    detail["case_id"] = json!(case);
    detail["summary"] = json!(summary);
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name("support-desk")
        .source("support.desk")
        .detail_type("SupportCaseOpened")
        .detail(detail.to_string())
        .build();
    let sent = eb.put_events().entries(entry).send().await.expect("PutEvents");
    assert_eq!(sent.failed_entry_count(), 0, "{sent:?}");
    sent.entries()[0].event_id().expect("event id").to_owned()
}

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// The customer's WebSocket connection (the token as the subprotocol, as the desk's
/// `$connect` authorizer reads it).
async fn connect(url: &str, token: &str) -> Socket {
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert("sec-websocket-protocol", token.parse().expect("header"));
    let host = request.uri().authority().expect("host").as_str().to_owned();
    let tcp = tokio::net::TcpStream::connect(host).await.expect("connect");
    let (socket, response) = tokio_tungstenite::client_async(request, tcp).await.expect("WebSocket handshake");
    assert_eq!(response.status(), 101);
    socket
}

/// The next frame about request `id` (within `limit`).
async fn frame_for(socket: &mut Socket, id: &str, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = tokio::time::timeout(left, socket.next()).await.unwrap_or_else(|_| panic!("no frame for {id} within {limit:?}"));
        match next.expect("the connection stays open").expect("a frame") {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t).expect("a JSON frame");
                if v["request_id"] == id {
                    return v;
                }
            }
            Message::Ping(p) => socket.send(Message::Pong(p)).await.expect("pong"),
            _ => {}
        }
    }
}

/// The completion events received so far on `queue`, by request id.
async fn completion_events(sqs: &aws_sdk_sqs::Client, queue: &str, want: usize) -> Vec<Value> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while got.len() < want && Instant::now() < deadline {
        let out = sqs.receive_message().queue_url(queue).max_number_of_messages(10).wait_time_seconds(1).send().await.expect("receive");
        got.extend(out.messages().iter().filter_map(|m| serde_json::from_str::<Value>(m.body()?).ok()));
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn support_desk_case_runs_over_a2a_and_mcp_to_the_customer_and_a_failing_case_is_told() {
    let peer = DeskPeer::start().await;
    let (dev, _dir) = serve_model(support_desk::app(), &peer.url, |_| {}).await;
    let rows: Vec<Value> = support_desk::sample_data().into_iter().map(|(domain, item)| json!([domain, item])).collect();
    python(SEED, &[dev.moto_endpoint(), &Value::from(rows).to_string()]).await;
    let eb = eventbridge(dev.moto_endpoint());
    let (sqs, events) = completions(dev.moto_endpoint(), &eb).await;

    let ws = dev.url(FrontDoorKind::WebSocket).expect("the customer's WebSocket door").to_owned();
    let token = dev.issuer().expect("the local issuer").mint("cust-42", &[], 600).expect("token");
    let mut customer = connect(&ws, &token).await;

    let event = open_case(&eb, "CASE-1001", "I was charged twice for a blender that arrived broken.").await;
    let request = format!("event-{event}");
    let reply = frame_for(&mut customer, &request, Duration::from_secs(30)).await;
    assert_eq!(reply["type"], "reply", "{reply}");
    assert_eq!(reply["session_id"], "CASE-1001", "the case is the session: {reply}");
    let text = reply["reply"].as_str().expect("the recommendation");
    assert!(text.starts_with(RECOMMENDATION), "{text}");
    // Each domain agent's answer quotes its own table's row, read by its MCP server.
    assert!(text.contains("delivered") && text.contains("Blender 200"), "the orders agent read Orders: {text}");
    assert!(text.contains("charge-2") && text.contains("17800"), "the payments agent read Payments: {text}");
    assert!(text.contains("Blender 200 in stock"), "the inventory agent read Inventory: {text}");

    let calls = peer.calls();
    let orchestrator: Vec<&Value> = calls.iter().filter(|c| c.to_string().contains("orchestrator")).collect();
    let first = orchestrator.first().expect("the orchestrator ran");
    let prompt = first["messages"].as_array().and_then(|m| m.iter().find(|m| m["role"] == "user")).expect("a prompt");
    assert!(
        prompt["content"].to_string().contains("Support case CASE-1001 from customer cust-42"),
        "the prompt is the example's template rendered from the event: {prompt}"
    );
    let offered: Vec<&str> = first["tools"].as_array().into_iter().flatten().filter_map(|t| t["function"]["name"].as_str()).collect();
    assert_eq!(offered, DOMAIN, "each agent card became one tool");
    let domain_turns = calls.iter().filter(|c| c.to_string().contains("get_order")).count();
    assert_eq!(domain_turns, 2 * DOMAIN.len(), "each domain agent: one get_order call, then its answer");

    let completed = completion_events(&sqs, &events, 1).await;
    let ours = completed.iter().find(|e| e["detail"]["request_id"] == request.as_str()).unwrap_or_else(|| panic!("{completed:?}"));
    assert_eq!(ours["detail-type"], DETAIL_TYPE_COMPLETED, "{ours}");
    assert_eq!(ours["detail"]["user_id"], "cust-42", "{ours}");

    // A case whose run fails on every try (the model answers 500): retried, given up, the
    // message dead-lettered; the customer is told on their connection, and the bus says so.
    let failing = format!("event-{}", open_case(&eb, "CASE-1002", &format!("The blender smokes {FAIL_500}")).await);
    let told = frame_for(&mut customer, &failing, Duration::from_secs(30)).await;
    assert_eq!(told["type"], "error", "{told}");
    assert!(!told.to_string().contains("arn:aws") && !told.to_string().contains("123456789012"), "nothing private: {told}");
    let tries = peer.calls().iter().filter(|c| c.to_string().contains(FAIL_500)).count();
    assert_eq!(tries, 3, "one run per receive, maxReceiveCount = 3");
    let dead_lettered = || dev.mapping_records().iter().filter(|(id, _)| id.contains("InputDeadLetter")).map(|(_, n)| *n).sum::<u64>();
    let waited = Instant::now();
    while dead_lettered() < 1 && waited.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(dead_lettered(), 1, "the input dead-letter queue's consumer got the case: {:?}", dev.mapping_records());
    let failed = completion_events(&sqs, &events, 1).await;
    let ours = failed.iter().find(|e| e["detail"]["request_id"] == failing.as_str()).unwrap_or_else(|| panic!("{failed:?}"));
    assert_eq!(ours["detail-type"], DETAIL_TYPE_FAILED, "{ours}");

    dev.shutdown().await;
}
