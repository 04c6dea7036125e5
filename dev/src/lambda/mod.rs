//! Functions as Lambda runs them: each sandbox is a real process of the handler binary with its
//! own Runtime API (`runtime_api`), the standard Lambda environment, and Lambda's concurrency
//! model — one invocation per sandbox at a time; a new sandbox only when every existing one is
//! busy, up to the function's limit (reserved concurrency, else the event source's maximum).
//! Rules: "Understanding Lambda function scaling" and "Lambda execution environment lifecycle",
//! AWS Lambda Developer Guide (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html,
//! .../lambda-runtime-environment.html).

pub mod runtime_api;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::Value;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::logs;
use crate::DevError;

/// What a function is, from its template entry. Two equal specs run the same way: a reload of
/// the app keeps a function whose spec did not change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    /// Logical id in the template.
    pub logical_id: String,
    /// Function name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub name: String,
    /// The handler binary.
    pub binary: PathBuf,
    /// Environment: the template's variables, resolved, plus dev's endpoints.
    pub env: Vec<(String, String)>,
    /// `Timeout` (Lambda's default: 3 s).
    pub timeout: Duration,
    /// `MemorySize` in MB (Lambda's default: 128), reported as `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
    pub memory_mb: u64,
    /// Most sandboxes at once.
    pub max_concurrency: usize,
    /// A Python function: `binary` is the interpreter, run with awslambdaric. Default: none
    /// (a handler binary).
    pub python: Option<crate::python::PythonRun>,
}

/// How an invocation answered.
#[derive(Debug)]
pub enum Reply {
    /// A buffered response payload.
    Buffered(Bytes),
    /// `invocation/{id}/error`: `errorType`, `errorMessage`.
    Error(Value),
    /// A streamed response: the HTTP integration prelude (if any) and the payload as it comes.
    Stream {
        /// `statusCode`, `headers`, `cookies` of an HTTP integration response.
        prelude: Option<Value>,
        /// Payload chunks; an `Err` when the function reported a mid-stream error.
        body: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    },
}

/// An invocation that got no answer.
#[derive(Debug)]
pub enum InvokeError {
    /// The function ran past its timeout; its sandbox was stopped (Lambda resets it).
    Timeout(Duration),
    /// The process exited during the invocation or during init.
    Crashed(String),
}

impl std::error::Error for InvokeError {}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout(t) => write!(f, "Task timed out after {:.2} seconds", t.as_secs_f64()),
            Self::Crashed(m) => write!(f, "Runtime exited: {m}"),
        }
    }
}

pub(crate) struct Job {
    pub id: String,
    pub event: Value,
    pub deadline_ms: u64,
    pub reply: oneshot::Sender<Result<Reply, InvokeError>>,
}

/// What a sandbox's Runtime API and its process watcher share.
#[derive(Default)]
pub(crate) struct SandboxState {
    /// Request id of the invocation in progress.
    pub current: Mutex<Option<String>>,
    /// Where its answer goes.
    pub pending: Mutex<Option<oneshot::Sender<Result<Reply, InvokeError>>>>,
    /// The process is gone.
    pub dead: AtomicBool,
    /// Asks the watcher to kill the process.
    pub stop: Notify,
    /// Wakes a `next` waiting on a dead sandbox.
    pub gone: Notify,
    /// Process id.
    pub pid: AtomicU32,
    /// When the invocation in progress was handed out (for its REPORT line).
    pub started: Mutex<Option<std::time::Instant>>,
}

/// What Lambda's `REPORT` line says at the end of an invocation ("Lambda function logging",
/// docs.aws.amazon.com/lambda/latest/dg/monitoring-logs.html: `Duration`, `Memory Size`,
/// `Max Memory Used`). Max memory used is the sandbox process's peak resident set (`VmHWM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Request id of the invocation.
    pub request_id: String,
    /// From handing out the event to the end of the answer.
    pub duration: Duration,
    /// The function's `MemorySize`, MB.
    pub memory_size_mb: u64,
    /// Peak resident memory of the sandbox so far, MB (`None` when unreadable).
    pub max_memory_used_mb: Option<u64>,
}

impl Report {
    /// Over the function's memory setting: Lambda would have stopped the sandbox
    /// (`Runtime.OutOfMemory`); dev lets it run and warns.
    pub fn exceeded(&self) -> bool {
        self.max_memory_used_mb.is_some_and(|m| m > self.memory_size_mb)
    }
}

/// A sandbox: one process, one Runtime API.
struct Sandbox {
    state: Arc<SandboxState>,
    server: tokio::task::JoinHandle<()>,
}

pub(crate) struct Shared {
    pub spec: FunctionSpec,
    pub tx: mpsc::UnboundedSender<Job>,
    pub rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Job>>,
    /// Jobs sent and not yet taken by a sandbox.
    pub queued: AtomicUsize,
    /// Sandboxes waiting in `invocation/next`.
    pub idle: AtomicUsize,
    /// The REPORT of the latest finished invocation.
    pub last_report: Mutex<Option<Report>>,
    sandboxes: Mutex<Vec<Sandbox>>,
}

/// A function: its sandboxes and the queue of invocations waiting for one.
#[derive(Clone)]
pub struct Function {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function").field("name", &self.shared.spec.name).finish_non_exhaustive()
    }
}

impl Function {
    /// A function with no sandbox yet (the first invocation starts one, as a cold start).
    pub fn new(spec: FunctionSpec) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Shared {
            spec,
            tx,
            rx: tokio::sync::Mutex::new(rx),
            queued: AtomicUsize::new(0),
            idle: AtomicUsize::new(0),
            last_report: Mutex::new(None),
            sandboxes: Mutex::new(Vec::new()),
        };
        Self { shared: Arc::new(shared) }
    }

    /// The spec.
    pub fn spec(&self) -> &FunctionSpec {
        &self.shared.spec
    }

    /// The REPORT of the latest finished invocation (also printed as a log line).
    pub fn last_report(&self) -> Option<Report> {
        self.shared.last_report.lock().ok().and_then(|r| r.clone())
    }

    /// Starts one sandbox now (a warm start for the first request).
    pub async fn prewarm(&self) -> Result<(), DevError> {
        self.spawn_sandbox().await
    }

    /// Invokes the function with `event` and waits for the answer, up to its timeout.
    pub async fn invoke(&self, event: Value) -> Result<Reply, InvokeError> {
        let spec = &self.shared.spec;
        let id = uuid::Uuid::new_v4().to_string();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        let (reply, answer) = oneshot::channel();
        let job = Job { id: id.clone(), event, deadline_ms: now + spec.timeout.as_millis() as u64, reply };
        let queued = self.shared.queued.fetch_add(1, Ordering::SeqCst) + 1;
        if self.shared.tx.send(job).is_err() {
            return Err(InvokeError::Crashed("the function was shut down".into()));
        }
        // Scale out only when every sandbox is busy (queued jobs exceed idle pollers).
        let running = self.sandboxes();
        if queued > self.shared.idle.load(Ordering::SeqCst) && running < spec.max_concurrency {
            if let Err(e) = self.spawn_sandbox().await {
                return Err(InvokeError::Crashed(e.to_string()));
            }
        }
        match tokio::time::timeout(spec.timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(InvokeError::Crashed("the sandbox stopped before answering".into())),
            Err(_) => {
                self.kill_running(&id);
                Err(InvokeError::Timeout(spec.timeout))
            }
        }
    }

    fn kill_running(&self, id: &str) {
        if let Ok(sandboxes) = self.shared.sandboxes.lock() {
            for s in sandboxes.iter() {
                if s.state.current.lock().map(|c| c.as_deref() == Some(id)).unwrap_or(false) {
                    s.state.stop.notify_one();
                }
            }
        }
    }

    async fn spawn_sandbox(&self) -> Result<(), DevError> {
        let spec = &self.shared.spec;
        let state = Arc::new(SandboxState::default());
        let listener = crate::net::bind(0).await?;
        let addr = listener.local_addr().map_err(|e| DevError::Start(e.to_string()))?;
        let server = runtime_api::serve(listener, self.shared.clone(), state.clone());
        let n = self.shared.sandboxes.lock().map(|s| s.len()).unwrap_or(0);
        let mut cmd = Command::new(&spec.binary);
        let python = spec.python.as_ref();
        cmd.args(python.map(|p| p.args()).unwrap_or_default())
            .env_clear()
            .envs(lambda_env(spec, &addr.to_string(), n))
            .envs(python.map(|p| p.env()).unwrap_or_default())
            .envs(spec.env.iter().cloned())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| DevError::Start(format!("{}: cannot run {}: {e}", spec.name, spec.binary.display())))?;
        if let Some(out) = child.stdout.take() {
            logs::forward(spec.logical_id.clone(), out);
        }
        if let Some(err) = child.stderr.take() {
            logs::forward(spec.logical_id.clone(), err);
        }
        state.pid.store(child.id().unwrap_or(0), Ordering::SeqCst);
        let watched = state.clone();
        // The watcher owns the process: it kills it when asked (timeout, shutdown) and, when it
        // exits for any reason, fails the invocation in progress at once (Lambda's
        // Runtime.ExitError) instead of letting the caller wait for the timeout.
        tokio::spawn(async move {
            let status = tokio::select! {
                s = child.wait() => s.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                () = watched.stop.notified() => {
                    let _ = child.kill().await;
                    "stopped".to_owned()
                }
            };
            watched.dead.store(true, Ordering::SeqCst);
            watched.gone.notify_one();
            if let Some(tx) = watched.pending.lock().ok().and_then(|mut p| p.take()) {
                let _ = tx.send(Err(InvokeError::Crashed(status)));
            }
        });
        self.shared.sandboxes.lock().map_err(|_| DevError::Start("poisoned".into()))?.push(Sandbox { state, server });
        Ok(())
    }

    /// Process ids of the running sandboxes.
    pub fn pids(&self) -> Vec<u32> {
        self.shared
            .sandboxes
            .lock()
            .map(|s| s.iter().filter(|b| !b.state.dead.load(Ordering::SeqCst)).map(|b| b.state.pid.load(Ordering::SeqCst)).collect())
            .unwrap_or_default()
    }

    /// Number of sandboxes running (dead ones are forgotten).
    pub fn sandboxes(&self) -> usize {
        self.shared
            .sandboxes
            .lock()
            .map(|mut s| {
                s.retain(|b| {
                    let alive = !b.state.dead.load(Ordering::SeqCst);
                    if !alive {
                        b.server.abort();
                    }
                    alive
                });
                s.len()
            })
            .unwrap_or(0)
    }

    /// Stops every sandbox.
    pub fn shutdown(&self) {
        if let Ok(mut sandboxes) = self.shared.sandboxes.lock() {
            for s in sandboxes.drain(..) {
                s.state.stop.notify_one();
                s.server.abort();
            }
        }
    }
}

/// The environment Lambda gives every function ("Defined runtime environment variables",
/// docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
/// with dummy credentials (moto accepts any) unless the developer's own are set for Bedrock.
fn lambda_env(spec: &FunctionSpec, runtime_api: &str, n: usize) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", spec.memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", spec.name)),
        ("AWS_LAMBDA_LOG_STREAM_NAME", format!("local/[$LATEST]sandbox{n}")),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("AWS_REGION", crate::moto::REGION.to_owned()),
        ("AWS_DEFAULT_REGION", crate::moto::REGION.to_owned()),
        ("_HANDLER", "bootstrap".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        if let Ok(v) = std::env::var(key) {
            env.push((key.to_owned(), v));
        }
    }
    if !env.iter().any(|(k, _)| k == "AWS_ACCESS_KEY_ID") {
        env.push(("AWS_ACCESS_KEY_ID".into(), "testing".into()));
        env.push(("AWS_SECRET_ACCESS_KEY".into(), "testing".into()));
    }
    env
}
