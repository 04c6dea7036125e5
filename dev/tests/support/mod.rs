//! What the end-to-end tests share: an example synthesized into a temp folder, `dev` serving
//! it, an OpenAI-compatible scripted model peer, and the Python clients of the project venv.

#![allow(dead_code)]

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use agentcdk_dev::{DevOptions, DevServer};
use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

/// The venv with moto_server and the Python clients (`websockets`, `httpx-sse`).
pub fn venv() -> PathBuf {
    std::env::var_os("AGENTCDK_VENV").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"))
}

/// `app` synthesized into a temp folder, served by `dev` with the model replaced by `peer`.
pub async fn serve(app: agentcdk::App, peer: &ModelPeer) -> (DevServer, tempfile::TempDir) {
    serve_with(app, peer, |_| {}).await
}

/// [`serve`] with the options adjusted by `adjust` first.
pub async fn serve_with(app: agentcdk::App, peer: &ModelPeer, adjust: impl FnOnce(&mut DevOptions)) -> (DevServer, tempfile::TempDir) {
    serve_model(app, &peer.url, adjust).await
}

/// [`serve_with`] with the model at `model_url` (an OpenAI-compatible peer of the test's own).
pub async fn serve_model(app: agentcdk::App, model_url: &str, adjust: impl FnOnce(&mut DevOptions)) -> (DevServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = app;
    let assembly = app.synthesize(&[]).unwrap_or_else(|d| panic!("synthesis failed:\n{d}"));
    assembly.write(dir.path()).expect("write the assembly");
    std::env::set_var("AGENTCDK_VENV", venv());
    agentcdk_dev::logs::set_quiet(std::env::var_os("DEV_TEST_LOGS").is_none());
    let mut opts = DevOptions::new(dir.path());
    opts.handlers_bin_dir = Some(handler_bins());
    opts.model_endpoint = Some(model_url.to_owned());
    opts.model_id = Some("scripted".into());
    adjust(&mut opts);
    let dev = DevServer::start(opts).await.unwrap_or_else(|e| panic!("dev did not start: {e}"));
    (dev, dir)
}

/// The debug handler binaries. A test cannot run `cargo build` itself: `cargo test` holds the
/// target dir's lock while tests run (rust-lang/rust#35816), so a nested build would wait
/// forever. `scripts/test` builds them first (`cargo build --manifest-path handlers/Cargo.toml
/// --bins`); `AGENTCDK_DEV_HANDLERS_BIN_DIR` overrides the folder.
pub fn handler_bins() -> PathBuf {
    if let Some(d) = std::env::var_os("AGENTCDK_DEV_HANDLERS_BIN_DIR") {
        return PathBuf::from(d);
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("debug");
    assert!(
        dir.join("request-handler").is_file(),
        "no handler binaries in {}: run `cargo build --manifest-path handlers/Cargo.toml --bins` first",
        dir.display()
    );
    dir
}

/// Runs a Python script with the venv's interpreter; returns stdout (panics with both streams
/// on failure).
pub async fn python(script: &str, args: &[&str]) -> String {
    let out = tokio::process::Command::new(venv().join("bin/python")).arg("-c").arg(script).args(args).output().await.expect("run python");
    let (o, e) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "python failed\nstdout:\n{o}\nstderr:\n{e}");
    o
}

/// An OpenAI-compatible chat completions server answering every call with `reply`: whole, or
/// (for `"stream": true`) as one server-sent chunk per word, `gap` apart, recording when the
/// last chunk left. It fails on cue: a last user message containing [`FAIL_400`] is refused
/// with 400 (a permanent failure of the turn), one containing [`FAIL_500`] with 500 (retryable).
pub struct ModelPeer {
    /// Base URL (`http://127.0.0.1:P/v1`).
    pub url: String,
    /// Calls so far.
    pub calls: Arc<Mutex<Vec<Value>>>,
    /// When the last chunk of the latest stream was sent.
    pub last_chunk: Arc<Mutex<Option<SystemTime>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ModelPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ModelPeer {
    /// Starts the peer.
    pub async fn start(reply: &'static str, gap: Duration) -> Self {
        Self::start_with(reply, gap, 200).await
    }

    /// A peer that refuses every call with `status` (400: a permanent failure of the turn).
    pub async fn failing(status: u16) -> Self {
        Self::start_with("", Duration::ZERO, status).await
    }

    /// A peer that uses one tool (non-streamed answers only): while the conversation has no
    /// tool result it asks for `tool` with `input`; then it answers
    /// `"{TOOL_REPLY_PREFIX}<the tool result's content>"`, so the reply shows what the tool gave.
    pub async fn tool_user(tool: &'static str, input: Value) -> Self {
        Self::spawn("", Duration::ZERO, 200, Some(Arc::new((tool, input)))).await
    }

    async fn start_with(reply: &'static str, gap: Duration, status: u16) -> Self {
        Self::spawn(reply, gap, status, None).await
    }

    async fn spawn(reply: &'static str, gap: Duration, status: u16, tool: Option<Arc<(&'static str, Value)>>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let last_chunk = Arc::new(Mutex::new(None));
        let (c, l) = (calls.clone(), last_chunk.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((s, _)) = listener.accept().await else { continue };
                let (c, l, tool) = (c.clone(), l.clone(), tool.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (c, l, tool) = (c.clone(), l.clone(), tool.clone());
                        async move {
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                            let stream = v["stream"] == json!(true);
                            let status = scripted_status(&v, status);
                            let scripted = tool.map(|t| tool_turn(&t, &v));
                            c.lock().expect("lock").push(v);
                            if let Some(body) = scripted {
                                let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(body.to_string())).boxed());
                                r.headers_mut().insert("content-type", "application/json".parse().expect("header"));
                                return Ok::<_, Infallible>(r);
                            }
                            if status != 200 {
                                let err = json!({"error": {"message": "scripted failure", "type": "invalid_request_error"}});
                                let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(err.to_string())).boxed());
                                *r.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
                                return Ok::<_, Infallible>(r);
                            }
                            Ok::<_, Infallible>(answer(reply, stream, gap, l))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(s), svc).await;
                });
            }
        });
        Self { url, calls, last_chunk, task }
    }
}

/// What a [`ModelPeer::tool_user`] reply starts with, before the tool result.
pub const TOOL_REPLY_PREFIX: &str = "The tool said: ";

/// A [`ModelPeer::tool_user`] answer to `request`: the tool call while no tool result came
/// back, else a text reply quoting the last one.
fn tool_turn((tool, input): &(&'static str, Value), request: &Value) -> Value {
    let result = request["messages"].as_array().and_then(|m| m.iter().rev().find(|m| m["role"] == "tool")).map(|m| m["content"].clone());
    let message = match result {
        Some(content) => json!({"role": "assistant", "content": format!("{TOOL_REPLY_PREFIX}{}", content.as_str().unwrap_or_default())}),
        None => json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": tool, "arguments": input.to_string()}}]}),
    };
    let finish = if message["tool_calls"].is_null() { "stop" } else { "tool_calls" };
    json!({"id": "c1", "object": "chat.completion", "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
}

/// A user message containing this makes the model answer 400 (`invalid_request_error`).
pub const FAIL_400: &str = "[model-fails-400]";
/// A user message containing this makes the model answer 500 (a server error, retryable).
pub const FAIL_500: &str = "[model-fails-500]";

/// The status the peer answers `request` with: `default`, unless the last user message asks
/// for a failure.
fn scripted_status(request: &Value, default: u16) -> u16 {
    let last_user =
        request["messages"].as_array().and_then(|m| m.iter().rev().find(|m| m["role"] == "user")).map(|m| m["content"].to_string());
    match last_user {
        Some(t) if t.contains(FAIL_400) => 400,
        Some(t) if t.contains(FAIL_500) => 500,
        _ => default,
    }
}

type PeerBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn answer(reply: &'static str, stream: bool, gap: Duration, last: Arc<Mutex<Option<SystemTime>>>) -> hyper::Response<PeerBody> {
    if !stream {
        let body = json!({"id": "c1", "object": "chat.completion", "model": "scripted",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}});
        let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(body.to_string())).boxed());
        r.headers_mut().insert("content-type", "application/json".parse().expect("header"));
        return r;
    }
    let words: Vec<String> = reply.split_inclusive(' ').map(str::to_owned).collect();
    let chunks = futures_util::stream::unfold((0usize, words, last), move |(i, words, last)| async move {
        if i > words.len() {
            return None;
        }
        tokio::time::sleep(gap).await;
        let data = if i == words.len() {
            *last.lock().expect("lock") = Some(SystemTime::now());
            let fin =
                json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
            format!("data: {fin}\n\ndata: [DONE]\n\n")
        } else {
            let d = json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": words[i]}, "finish_reason": null}]});
            format!("data: {d}\n\n")
        };
        Some((Ok::<_, Infallible>(Frame::data(Bytes::from(data))), (i + 1, words, last)))
    });
    let mut r = hyper::Response::new(BodyExt::boxed(StreamBody::new(chunks)));
    r.headers_mut().insert("content-type", "text/event-stream".parse().expect("header"));
    r
}
