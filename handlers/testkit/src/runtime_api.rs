//! The Lambda Runtime API (`/2018-06-01/runtime/...`), serving invocations to a real handler
//! binary the way Lambda does: the binary long-polls `invocation/next`, gets the event with the
//! `Lambda-Runtime-*` headers, and posts `invocation/{id}/response` or `/error`.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::http::{HttpRequest, HttpResponse, HttpServer};

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `invocation/{id}/response` body.
    Response(Value),
    /// `invocation/{id}/error` body (`errorType`, `errorMessage`).
    Error(Value),
    /// A streamed `invocation/{id}/response` (`Lambda-Runtime-Function-Response-Mode: streaming`).
    Stream(Streamed),
}

/// A streamed response as the Runtime API received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamed {
    /// The metadata prelude (`statusCode`, `headers`, `cookies`) of an HTTP integration response;
    /// `Null` when the function streamed without one.
    pub prelude: Value,
    /// The payload after the prelude, chunk by chunk, each with the time it arrived.
    pub chunks: Vec<(Instant, Vec<u8>)>,
    /// The error trailers (`Lambda-Runtime-Function-Error-Type`, `-Body`) of a stream that failed
    /// midway.
    pub error: Option<(String, String)>,
}

impl Streamed {
    /// The payload, concatenated.
    pub fn body(&self) -> Vec<u8> {
        self.chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect()
    }

    /// The payload as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body()).into_owned()
    }

    /// The prelude's status code (200 when absent, as Lambda defaults it).
    pub fn status(&self) -> u16 {
        self.prelude.get("statusCode").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()).unwrap_or(200)
    }

    /// Header `name` of the prelude (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.prelude.get("headers")?.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))?.1.as_str()
    }

    /// Splits a streamed request into prelude and payload chunks (times kept). The prelude and
    /// the payload are separated by eight NUL bytes, which may straddle chunks.
    fn parse(req: &HttpRequest) -> Self {
        const DELIMITER: [u8; 8] = [0; 8];
        let integration = req.header("content-type") == Some("application/vnd.awslambda.http-integration-response");
        let mut prelude = Vec::new();
        let mut in_prelude = integration;
        let mut chunks = Vec::new();
        for (at, chunk) in &req.chunks {
            if !in_prelude {
                chunks.push((*at, chunk.clone()));
                continue;
            }
            prelude.extend_from_slice(chunk);
            if let Some(i) = prelude.windows(8).position(|w| w == DELIMITER) {
                let rest = prelude.split_off(i).split_off(8);
                if !rest.is_empty() {
                    chunks.push((*at, rest));
                }
                in_prelude = false;
            }
        }
        let trailer = |name: &str| req.trailers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let error =
            trailer("lambda-runtime-function-error-type").map(|t| (t, trailer("lambda-runtime-function-error-body").unwrap_or_default()));
        Self { prelude: serde_json::from_slice(&prelude).unwrap_or(Value::Null), chunks, error }
    }
}

#[derive(Default)]
struct State {
    pending: VecDeque<(String, Value)>,
    done: HashMap<String, Outcome>,
    init_error: Option<Value>,
    first_poll: Option<Instant>,
    polls: u32,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// A Runtime API server.
pub struct RuntimeApi {
    server: HttpServer,
    state: Shared,
    next_id: Mutex<u64>,
}

impl std::fmt::Debug for RuntimeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeApi").field("server", &self.server).finish()
    }
}

const PREFIX: &str = "/2018-06-01/runtime/";

impl RuntimeApi {
    /// Starts the server on a free port.
    pub fn start() -> Self {
        let state: Shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let st = state.clone();
        let server = HttpServer::start(move |req| {
            let (lock, cvar) = &*st;
            let path = req.path.strip_prefix(PREFIX).unwrap_or(&req.path);
            if req.method == "GET" && path == "invocation/next" {
                let mut s = lock.lock().expect("lock");
                s.polls += 1;
                s.first_poll.get_or_insert_with(Instant::now);
                cvar.notify_all();
                loop {
                    if let Some((id, event)) = s.pending.pop_front() {
                        let deadline = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64 + 30_000).unwrap_or(0);
                        return HttpResponse::json(200, &event)
                            .with_header("lambda-runtime-aws-request-id", &id)
                            .with_header("lambda-runtime-deadline-ms", &deadline.to_string())
                            .with_header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:test")
                            .with_header(
                                "lambda-runtime-trace-id",
                                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
                            );
                    }
                    s = cvar.wait(s).expect("wait");
                }
            }
            let mut s = lock.lock().expect("lock");
            if path == "init/error" {
                s.init_error = Some(req.json());
            } else if let Some(rest) = path.strip_prefix("invocation/") {
                let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
                let outcome = match kind {
                    "response" if req.header("lambda-runtime-function-response-mode") == Some("streaming") => {
                        Outcome::Stream(Streamed::parse(req))
                    }
                    "response" => Outcome::Response(req.json()),
                    _ => Outcome::Error(req.json()),
                };
                s.done.insert(id.to_owned(), outcome);
            }
            cvar.notify_all();
            HttpResponse::json(202, &serde_json::json!({"status": "OK"}))
        });
        Self { server, state, next_id: Mutex::new(0) }
    }

    /// `127.0.0.1:{port}`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.server.addr().to_string()
    }

    /// Sends `event` to the function and waits (up to `timeout`) for its answer.
    pub fn invoke(&self, event: Value, timeout: Duration) -> Outcome {
        let id = {
            let mut n = self.next_id.lock().expect("lock");
            *n += 1;
            format!("req-{:04}", *n)
        };
        let (lock, cvar) = &*self.state;
        let mut s = lock.lock().expect("lock");
        s.pending.push_back((id.clone(), event));
        cvar.notify_all();
        let started = Instant::now();
        loop {
            if let Some(o) = s.done.remove(&id) {
                return o;
            }
            if let Some(e) = &s.init_error {
                panic!("function failed to initialize: {e}");
            }
            let left = timeout.checked_sub(started.elapsed()).unwrap_or_else(|| panic!("no answer to {id} within {timeout:?}"));
            s = cvar.wait_timeout(s, left).expect("wait").0;
        }
    }

    /// Waits for the function's first `invocation/next` poll; returns when it came.
    pub fn wait_first_poll(&self, timeout: Duration) -> Instant {
        let (lock, cvar) = &*self.state;
        let mut s = lock.lock().expect("lock");
        let started = Instant::now();
        loop {
            if let Some(t) = s.first_poll {
                return t;
            }
            if let Some(e) = &s.init_error {
                panic!("function failed to initialize: {e}");
            }
            let left = timeout.checked_sub(started.elapsed()).unwrap_or_else(|| panic!("no poll within {timeout:?}"));
            s = cvar.wait_timeout(s, left).expect("wait").0;
        }
    }

    /// The init error the function reported, if any.
    pub fn init_error(&self) -> Option<Value> {
        self.state.0.lock().expect("lock").init_error.clone()
    }
}

/// A handler binary running against a [`RuntimeApi`]; killed on drop.
#[derive(Debug)]
pub struct Function {
    /// The process.
    pub child: Child,
    /// When it was spawned.
    pub started: Instant,
    log_path: std::path::PathBuf,
}

impl Function {
    /// Spawns `binary` with the environment Lambda gives a function plus `env`.
    pub fn spawn(binary: &Path, api: &RuntimeApi, env: &[(String, String)]) -> Self {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let log_path = std::env::temp_dir().join(format!(
            "agentcdk-fn-{}-{}.log",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        // A file, not a pipe: a pipe nobody reads would block a chatty function.
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", "test")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test-stream")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("log file")))
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        Self { child, started, log_path }
    }

    /// Peak resident set size (VmHWM) in KiB, read from /proc while the process runs.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok())
    }

    /// Stops the process and returns what it wrote to stdout (its log lines).
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

/// The CloudWatch embedded metric format records among a function's stdout lines
/// ([`Function::stop`]): the JSON lines with an `_aws` member. Panics on a line that is not
/// JSON: logs and metrics share stdout, and CloudWatch Logs reads both line by line.
pub fn emf_records(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}")))
        .filter(|v| v.get("_aws").is_some())
        .collect()
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

/// An HTTP server in front of a function, as API Gateway REST is: each request to
/// `/{stage}/path` becomes a REST proxy event for `/path` (the client's headers, plus
/// `X-Forwarded-Proto: http`, and the `Host` as the request context's domain name) from the
/// authorizer context of `user`, and the function's proxy response (or streamed answer) goes
/// back. Lets an HTTP
/// client (an SDK under test) talk to a handler binary driven through the Runtime API.
pub fn rest_bridge(api: Arc<RuntimeApi>, stage: &str, user: Option<&str>) -> HttpServer {
    let prefix = format!("/{stage}");
    let (stage, user) = (stage.to_owned(), user.map(str::to_owned));
    HttpServer::start(move |req| {
        let path = req.path.split('?').next().unwrap_or_default();
        let path = path.strip_prefix(&prefix).filter(|p| p.is_empty() || p.starts_with('/')).unwrap_or(path);
        let body = String::from_utf8_lossy(&req.body);
        let mut event = crate::events::rest(&req.method, if path.is_empty() { "/" } else { path }, user.as_deref(), Some(&body));
        let mut headers: serde_json::Map<String, Value> = req.headers.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        headers.insert("x-forwarded-proto".into(), "http".into());
        event["headers"] = Value::Object(headers);
        event["multiValueHeaders"] = serde_json::json!({});
        event["requestContext"]["domainName"] = Value::from(req.header("host").unwrap_or("127.0.0.1"));
        event["requestContext"]["stage"] = Value::from(stage.as_str());
        let r = match api.invoke(event, Duration::from_secs(60)) {
            Outcome::Response(r) => r,
            // A streamed answer is passed on whole (tests of timing read the Runtime API).
            Outcome::Stream(s) => {
                let mut out = HttpResponse::json(s.status(), &Value::Null);
                out.headers = vec![("content-type".into(), s.header("content-type").unwrap_or("application/json").to_owned())];
                out.body = s.body();
                return out;
            }
            Outcome::Error(e) => return HttpResponse::json(502, &e),
        };
        let mut out = HttpResponse::json(r["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(502), &Value::Null);
        if let Some(h) = r["headers"].as_object().filter(|h| !h.is_empty()) {
            out.headers = h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect();
        }
        out.body = r["body"].as_str().unwrap_or_default().as_bytes().to_vec();
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(content_type: &str, chunks: &[&[u8]], trailers: &[(&str, &str)]) -> HttpRequest {
        let t0 = Instant::now();
        HttpRequest {
            method: "POST".into(),
            path: format!("{PREFIX}invocation/r/response"),
            headers: vec![("content-type".into(), content_type.into())],
            body: chunks.concat(),
            chunks: chunks.iter().enumerate().map(|(i, c)| (t0 + Duration::from_millis(i as u64), c.to_vec())).collect(),
            trailers: trailers.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        }
    }

    #[test]
    fn a_prelude_split_across_chunks_is_found_and_payload_times_kept() {
        let req = chunked(
            "application/vnd.awslambda.http-integration-response",
            &[b"{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/plain\"}}\0\0\0", b"\0\0\0\0\0he", b"llo"],
            &[],
        );
        let s = Streamed::parse(&req);
        assert_eq!(s.status(), 201);
        assert_eq!(s.header("content-type"), Some("text/plain"));
        assert_eq!(s.text(), "hello");
        assert_eq!(s.chunks.len(), 2);
        assert_eq!(s.chunks[0].0, req.chunks[1].0, "payload bytes keep the time of the chunk they came in");
        assert_eq!(s.error, None);
    }

    #[test]
    fn a_plain_stream_has_no_prelude_and_error_trailers_are_read() {
        let req = chunked(
            "application/octet-stream",
            &[b"a", b"b"],
            &[("lambda-runtime-function-error-type", "Boom"), ("lambda-runtime-function-error-body", "e30=")],
        );
        let s = Streamed::parse(&req);
        assert_eq!(s.prelude, Value::Null);
        assert_eq!(s.text(), "ab");
        assert_eq!(s.error, Some(("Boom".into(), "e30=".into())));
    }
}
