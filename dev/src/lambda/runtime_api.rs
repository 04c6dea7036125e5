//! The Lambda Runtime API one sandbox polls ("Using the Lambda runtime API for custom runtimes",
//! docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): `GET invocation/next` long-polls for
//! an event and carries the `Lambda-Runtime-*` headers; `POST invocation/{id}/response` or
//! `/error` answers it; `POST init/error` reports a failed init. A response posted with
//! `Lambda-Runtime-Function-Response-Mode: streaming` is forwarded as it arrives; an HTTP
//! integration stream starts with a JSON prelude ended by eight NUL bytes, and a mid-stream
//! failure comes as the `Lambda-Runtime-Function-Error-Type`/`-Body` trailers
//! ("Response streaming for Lambda functions", .../configuration-response-streaming.html).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use super::{InvokeError, Job, Reply, SandboxState, Shared};
use crate::net::{self, Body};

const PREFIX: &str = "/2018-06-01/runtime/";
/// Lambda's limit on a buffered response payload (6 MB, "Lambda quotas").
const MAX_RESPONSE: usize = 6 * 1024 * 1024;

/// Serves one sandbox's Runtime API on `listener`.
pub(crate) fn serve(listener: TcpListener, shared: Arc<Shared>, sandbox: Arc<SandboxState>) -> tokio::task::JoinHandle<()> {
    net::serve(listener, move |req: Request<Incoming>, _: SocketAddr| {
        let (shared, sandbox) = (shared.clone(), sandbox.clone());
        async move { route(req, &shared, &sandbox).await }
    })
}

async fn route(req: Request<Incoming>, shared: &Shared, sandbox: &SandboxState) -> Response<Body> {
    let (current, pending) = (&sandbox.current, &sandbox.pending);
    let path = req.uri().path().strip_prefix(PREFIX).unwrap_or_default().to_owned();
    if req.method() == "GET" && path == "invocation/next" {
        return next(shared, sandbox).await;
    }
    if path == "init/error" {
        let body = net::read_body(req.into_body(), MAX_RESPONSE).await.unwrap_or_default();
        crate::logs::dev(&format!("{}: init failed: {}", shared.spec.logical_id, String::from_utf8_lossy(&body)));
        return net::json(202, &json!({"status": "OK"}));
    }
    let Some((id, kind)) = path.strip_prefix("invocation/").and_then(|r| r.split_once('/')) else {
        return net::json(404, &json!({"errorType": "NotFound"}));
    };
    if current.lock().map(|c| c.as_deref() != Some(id)).unwrap_or(true) {
        return net::json(400, &json!({"errorType": "InvalidRequestID", "errorMessage": "not the current invocation"}));
    }
    let Some(reply) = pending.lock().ok().and_then(|mut p| p.take()) else {
        return net::json(400, &json!({"errorType": "InvalidStateTransition"}));
    };
    let streaming = req.headers().get("lambda-runtime-function-response-mode").is_some_and(|v| v == "streaming");
    let integration = req.headers().get("content-type").is_some_and(|v| v == "application/vnd.awslambda.http-integration-response");
    if kind == "response" && streaming {
        stream(req.into_body(), integration, reply).await;
        report(shared, sandbox, id);
    } else {
        let body = net::read_body(req.into_body(), MAX_RESPONSE).await;
        let outcome = match (kind, body) {
            ("response", Ok(b)) => Reply::Buffered(b),
            ("response", Err(_)) => Reply::Error(
                json!({"errorType": "Function.ResponseSizeTooLarge", "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes)."}),
            ),
            (_, body) => {
                Reply::Error(serde_json::from_slice(&body.unwrap_or_default()).unwrap_or_else(|_| json!({"errorType": "Unknown"})))
            }
        };
        // Recorded before the answer goes back: whoever got the answer sees its REPORT.
        report(shared, sandbox, id);
        let _ = reply.send(Ok(outcome));
    }
    if let Ok(mut c) = current.lock() {
        *c = None;
    }
    net::json(202, &json!({"status": "OK"}))
}

/// Lambda's `REPORT` line for the invocation that just ended, with the sandbox's peak memory
/// against the function's `MemorySize` (a warning when over it).
fn report(shared: &Shared, sandbox: &SandboxState, request_id: &str) {
    let started = sandbox.started.lock().ok().and_then(|mut s| s.take());
    let report = super::Report {
        request_id: request_id.to_owned(),
        duration: started.map(|s| s.elapsed()).unwrap_or_default(),
        memory_size_mb: shared.spec.memory_mb,
        max_memory_used_mb: peak_rss_kib(sandbox.pid.load(Ordering::SeqCst)).map(|k| k.div_ceil(1024)),
    };
    crate::logs::report(&shared.spec.logical_id, &report);
    if let Ok(mut last) = shared.last_report.lock() {
        *last = Some(report);
    }
}

/// A process's peak resident set (`VmHWM` in /proc/PID/status), KiB.
pub(crate) fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// Waits for the next job of the function and hands it to this sandbox.
async fn next(shared: &Shared, sandbox: &SandboxState) -> Response<Body> {
    shared.idle.fetch_add(1, Ordering::SeqCst);
    // A sandbox that died while waiting must not take a job: its wait ends when it is gone.
    let job: Option<Job> = tokio::select! {
        j = async { shared.rx.lock().await.recv().await } => j,
        () = sandbox.gone.notified() => None,
    };
    shared.idle.fetch_sub(1, Ordering::SeqCst);
    let Some(job) = job else { return net::json(500, &json!({"errorType": "ShutDown"})) };
    if sandbox.dead.load(Ordering::SeqCst) {
        // Gone between taking the job and now: give it back to the function's queue.
        let _ = shared.tx.send(job);
        return net::json(500, &json!({"errorType": "ShutDown"}));
    }
    shared.queued.fetch_sub(1, Ordering::SeqCst);
    if let Ok(mut c) = sandbox.current.lock() {
        *c = Some(job.id.clone());
    }
    if let Ok(mut p) = sandbox.pending.lock() {
        *p = Some(job.reply);
    }
    if let Ok(mut s) = sandbox.started.lock() {
        *s = Some(std::time::Instant::now());
    }
    let spec = &shared.spec;
    let mut r = net::json(200, &job.event);
    let h = r.headers_mut();
    let arn = format!("arn:aws:lambda:{}:{}:function:{}", crate::moto::REGION, crate::moto::ACCOUNT_ID, spec.name);
    let trace = format!("Root=1-{:08x}-{}", job.deadline_ms / 1000, &job.id.replace('-', "")[..24]);
    for (k, v) in [
        ("lambda-runtime-aws-request-id", job.id.clone()),
        ("lambda-runtime-deadline-ms", job.deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", arn),
        ("lambda-runtime-trace-id", trace),
    ] {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    r
}

/// Forwards a streamed response: the prelude first (for an HTTP integration response), then
/// every data frame as it arrives; error trailers end the stream with an error.
async fn stream(mut body: Incoming, integration: bool, reply: oneshot::Sender<Result<Reply, InvokeError>>) {
    const DELIMITER: [u8; 8] = [0; 8];
    let (tx, rx) = mpsc::channel(64);
    let mut waiting = Some((reply, rx));
    let mut prelude_buf = Vec::new();
    let mut prelude: Option<Value> = None;
    let mut in_prelude = integration;
    let start = |waiting: &mut Option<(oneshot::Sender<Result<Reply, InvokeError>>, _)>, prelude: Option<Value>| {
        if let Some((r, rx)) = waiting.take() {
            let _ = r.send(Ok(Reply::Stream { prelude, body: rx }));
        }
    };
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Some(trailers) = frame.trailers_ref() {
            if let Some(t) = trailers.get("lambda-runtime-function-error-type") {
                start(&mut waiting, prelude.take());
                let msg = format!("function error mid-stream: {}", t.to_str().unwrap_or_default());
                let _ = tx.send(Err(std::io::Error::other(msg))).await;
            }
            continue;
        }
        let Ok(mut data) = frame.into_data() else { continue };
        if in_prelude {
            prelude_buf.extend_from_slice(&data);
            let Some(i) = prelude_buf.windows(8).position(|w| w == DELIMITER) else { continue };
            prelude = serde_json::from_slice(&prelude_buf[..i]).ok();
            data = Bytes::copy_from_slice(&prelude_buf[i + 8..]);
            in_prelude = false;
        }
        start(&mut waiting, prelude.take());
        if !data.is_empty() {
            let _ = tx.send(Ok(data)).await;
        }
    }
    start(&mut waiting, prelude.take());
}
