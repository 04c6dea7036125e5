//! A Python agent function run as `dev` runs it (alone, then as the Queue-mode agent's backend): the strands-agent example's `agent_handler.py`
//! under AWS's Python Runtime Interface Client (awslambdaric, from the venv) against dev's own
//! Lambda Runtime API, its dependencies installed from PyPI for this machine (cached under
//! `target/python`), Bedrock replaced by a scripted Converse peer
//! (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`). It answers agentcdk's Function backend contract
//! (`agentcdk_contract::backend`): a reply after a tool-use turn, or an error saying whether a
//! retry can help.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcdk_dev::chat::http;
use agentcdk_dev::lambda::{Function, FunctionSpec, Reply};
use agentcdk_dev::python::{host_site, interpreter, PythonRun};
use agentcdk_dev::FrontDoorKind;
use serde_json::{json, Value};

/// A Bedrock Converse stand-in: answers each `POST /model/{id}/converse` with the next scripted
/// (status, body), and records (path, authorization, body) of every request.
struct ConversePeer {
    url: String,
    requests: Arc<Mutex<Vec<(String, String, Value)>>>,
}

impl ConversePeer {
    fn start(script: Vec<(u16, Value)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, script) = (requests.clone(), Arc::new(Mutex::new(script.into_iter())));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, script) = (seen.clone(), script.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    // Keep-alive: boto3 sends every call on one connection.
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
                        let (mut length, mut auth) = (0, String::new());
                        loop {
                            let mut h = String::new();
                            reader.read_line(&mut h).unwrap();
                            let h = h.trim_end();
                            if h.is_empty() {
                                break;
                            }
                            let (k, v) = h.split_once(':').unwrap_or((h, ""));
                            match k.to_ascii_lowercase().as_str() {
                                "content-length" => length = v.trim().parse().unwrap_or(0),
                                "authorization" => auth = v.trim().to_owned(),
                                _ => {}
                            }
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        seen.lock().unwrap().push((path, auth, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                        let (status, reply) = script.lock().unwrap().next().unwrap_or((500, json!({"message": "script exhausted"})));
                        let reply = reply.to_string();
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-amzn-requestid: r-1\r\n\r\n",
                            reply.len()
                        );
                        stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(reply.as_bytes())).unwrap();
                    }
                });
            }
        });
        ConversePeer { url, requests }
    }
}

fn converse(content: Value, stop: &str) -> (u16, Value) {
    (
        200,
        json!({"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop,
               "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}, "metrics": {"latencyMs": 42}}),
    )
}

fn agent_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/strands-agent/agent")
}

/// The example's handler as a dev function, talking to `peer`.
fn function(peer: &ConversePeer) -> Function {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"), PathBuf::from);
    if std::env::var_os(agentcdk_dev::python::PYTHON_ENV).is_none() {
        let venv = std::env::var_os("AGENTCDK_VENV").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"), PathBuf::from);
        std::env::set_var(agentcdk_dev::python::PYTHON_ENV, venv.join("bin/python"));
    }
    let site = host_site(&agent_dir(), &target).unwrap_or_else(|e| panic!("{e}"));
    let python = PythonRun { handler: "agent_handler.handler".into(), code: agent_dir(), site, runtime: "python3.13".into() };
    Function::new(FunctionSpec {
        logical_id: "Strands".into(),
        name: "strands".into(),
        binary: interpreter().unwrap(),
        env: vec![
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME".into(), peer.url.clone()),
            ("AWS_MAX_ATTEMPTS".into(), "1".into()),
            ("MODEL_ID".into(), "scripted-model".into()),
        ],
        timeout: Duration::from_secs(60),
        memory_mb: 1024,
        max_concurrency: 1,
        python: Some(python),
    })
}

async fn invoke(f: &Function, event: Value) -> Value {
    match f.invoke(event).await.expect("an answer") {
        Reply::Buffered(b) => serde_json::from_slice(&b).expect("JSON"),
        other => panic!("not a buffered reply: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strands_agent_answers_a_turn_through_awslambdaric() {
    let peer = ConversePeer::start(vec![
        converse(
            json!([{"toolUse": {"toolUseId": "tu-1", "name": "letter_counter", "input": {"word": "strawberry", "letter": "r"}}}]),
            "tool_use",
        ),
        converse(json!([{"text": "There are 3 r's in strawberry."}]), "end_turn"),
    ]);
    let f = function(&peer);
    let turn = json!({
        "request_id": "req-1", "session_id": "s-1", "user_id": "u-1",
        "message": "How many r's in strawberry?",
        "history": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    });
    let answer = invoke(&f, turn).await;
    assert_eq!(answer, json!({"reply": "There are 3 r's in strawberry."}));

    let requests = peer.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "a tool-use turn: two model calls");
    let (path, auth, first) = &requests[0];
    assert_eq!(path, "/model/scripted-model/converse");
    assert!(auth.starts_with("AWS4-HMAC-SHA256"), "boto3 signs as for Bedrock: {auth}");
    assert_eq!(first["system"][0]["text"].as_str().map(|s| s.contains("letter_counter")), Some(true));
    assert_eq!(first["toolConfig"]["tools"][0]["toolSpec"]["name"], "letter_counter");
    let texts: Vec<&str> = first["messages"].as_array().unwrap().iter().filter_map(|m| m["content"][0]["text"].as_str()).collect();
    assert_eq!(texts, ["Hi", "Hello!", "How many r's in strawberry?"], "history, then the message");
    // The tool really ran in Python: its result went back to the model.
    let second = requests[1].2.to_string();
    assert!(second.contains("\"toolUseId\":\"tu-1\"") && second.contains("{\"text\":\"3\"}"), "{second}");

    // A turn without a message is refused for good; a failing model may be retried.
    let refused = invoke(&f, json!({"request_id": "req-2", "session_id": "s-1", "user_id": "u-1", "history": []})).await;
    assert_eq!(refused["error"]["retryable"], false, "{refused}");
    let failed = invoke(&f, json!({"request_id": "req-3", "session_id": "s-1", "user_id": "u-1", "message": "again", "history": []})).await;
    assert_eq!(failed["error"]["retryable"], true, "the peer's script is exhausted (500): {failed}");
    assert!(!failed.to_string().contains("127.0.0.1"), "nothing of the endpoint reaches the client: {failed}");
    f.shutdown();
}

async fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let headers = [("content-type", "application/json".to_owned()), ("authorization", format!("Bearer {token}"))];
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let (status, body) = http(method, url, &headers, body).await.expect("HTTP");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The example's Queue-mode stack served by `dev`: POST through the JWT authorizer, the
/// request handler queues, the runner invokes the Python function (dev's Lambda Invoke API,
/// awslambdaric under dev's Runtime API), which runs the Strands agent against the Converse
/// peer; the reply is stored and polled, and the history passed back on the next turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_queue_turn_through_the_python_function_completes_end_to_end() {
    let peer = ConversePeer::start(vec![
        converse(
            json!([{"toolUse": {"toolUseId": "tu-1", "name": "letter_counter", "input": {"word": "banana", "letter": "a"}}}]),
            "tool_use",
        ),
        converse(json!([{"text": "banana has 3 a's."}]), "end_turn"),
        converse(json!([{"text": "You asked about banana."}]), "end_turn"),
    ]);
    // Never called: the turn is the Python function's.
    let model = support::ModelPeer::start("the stock model must not answer", Duration::ZERO).await;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"), PathBuf::from);
    std::env::set_var("CARGO_TARGET_DIR", &target);
    if std::env::var_os(agentcdk_dev::python::PYTHON_ENV).is_none() {
        std::env::set_var(agentcdk_dev::python::PYTHON_ENV, support::venv().join("bin/python"));
    }
    let (dev, _dir) = support::serve_with(strands_agent::app(), &model, |o| {
        o.stack = Some("StrandsAgent".into());
        o.bedrock_endpoint = Some(peer.url.clone());
    })
    .await;
    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let token = dev.issuer().expect("the local issuer").mint("alice", &[], 600).expect("token");

    let (status, v) = call("POST", &chat, &token, Some(json!({"message": "How many a's in banana?"}))).await;
    assert_eq!(status, 202, "{v}");
    let (id, session) = (v["request_id"].as_str().unwrap().to_owned(), v["session_id"].as_str().unwrap().to_owned());
    let answer = settled(&chat, &token, &id).await;
    assert_eq!(answer["status"], "completed", "{answer}");
    assert_eq!(answer["reply"], "banana has 3 a's.");

    let (status, v) = call("POST", &chat, &token, Some(json!({"message": "What did I ask?", "session_id": session}))).await;
    assert_eq!(status, 202, "{v}");
    let answer = settled(&chat, &token, v["request_id"].as_str().unwrap()).await;
    assert_eq!(answer["reply"], "You asked about banana.", "{answer}");
    let requests = peer.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3, "two calls for the tool-use turn, one for the second");
    let texts: Vec<&str> = requests[2].2["messages"].as_array().unwrap().iter().filter_map(|m| m["content"][0]["text"].as_str()).collect();
    assert_eq!(texts, ["How many a's in banana?", "banana has 3 a's.", "What did I ask?"], "the pipeline's history reached the agent");
    assert!(model.calls.lock().unwrap().is_empty(), "no stock model call: the turn was delegated");
    dev.shutdown().await;
}

/// Polls the response until it is no longer pending (at most 90 s: the first Python start
/// imports strands).
async fn settled(chat: &str, token: &str, id: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let (status, v) = call("GET", &format!("{chat}/responses/{id}"), token, None).await;
        assert_eq!(status, 200, "{v}");
        if v["status"] != "pending" {
            return v;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "still pending: {v}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
