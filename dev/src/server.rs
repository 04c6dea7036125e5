//! Starting and stopping the whole local stack.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcdk_contract::env;
use serde_json::{json, Value};

use crate::assembly::Assembly;
use crate::function_url::FunctionUrl;
use crate::identity::{Issuer, Requirements};
use crate::intrinsics::Locals;
use crate::lambda::{Function, FunctionSpec};
use crate::lambda_api::LambdaApi;
use crate::moto::Moto;
use crate::rest::RestApi;
use crate::ws::WsApi;
use crate::{logs, DevError};

/// Lambda's default timeout when the template sets none.
const DEFAULT_TIMEOUT: u64 = 3;
/// Lambda's default memory size.
const DEFAULT_MEMORY: u64 = 128;
/// Sandboxes per function when it has no reserved concurrency (a laptop, not a region).
const DEFAULT_CONCURRENCY: usize = 10;
/// The file in the assembly folder where a running `dev` says where it serves (for `token`, `chat`).
pub const STATE_FILE: &str = "dev.json";

/// How to serve.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// The cloud assembly folder (`cdk.out`).
    pub assembly: PathBuf,
    /// The stack (default: the only one).
    pub stack: Option<String>,
    /// First port of the front doors (each next one on the next port); 0 = free ports.
    pub port: u16,
    /// An OpenAI-compatible endpoint replacing the template's model (`MODEL_PROVIDER=openai`,
    /// `OPENAI_BASE_URL`); `None` keeps the template's (Bedrock, for real).
    pub model_endpoint: Option<String>,
    /// Model id for `model_endpoint` (default: the template's `MODEL_ID`).
    pub model_id: Option<String>,
    /// A Bedrock Runtime endpoint (a local Converse peer) for Python functions, which call
    /// Bedrock themselves (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`); `None`: Bedrock, for real.
    pub bedrock_endpoint: Option<String>,
    /// Keep the template's JWT issuer instead of the local one.
    pub real_auth: bool,
    /// Prebuilt handler binaries (named after their crates) instead of a `cargo build`.
    pub handlers_bin_dir: Option<PathBuf>,
    /// Start one sandbox of every function before serving (no cold start on the first request).
    pub prewarm: bool,
    /// Rebuild and reload the functions when their handler crates (or prebuilt binaries)
    /// change ([`crate::watch`]).
    pub watch: bool,
}

impl DevOptions {
    /// Defaults for `assembly`: free ports, the template's model and auth, a cargo build.
    pub fn new(assembly: impl Into<PathBuf>) -> Self {
        Self {
            assembly: assembly.into(),
            stack: None,
            port: 0,
            model_endpoint: None,
            model_id: None,
            bedrock_endpoint: None,
            real_auth: false,
            handlers_bin_dir: None,
            prewarm: true,
            watch: false,
        }
    }
}

/// What a front door is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontDoorKind {
    /// REST API stage.
    RestApi,
    /// WebSocket API stage.
    WebSocket,
    /// Function URL.
    FunctionUrl,
    /// The local issuer.
    Issuer,
}

/// A served URL.
#[derive(Debug, Clone)]
pub struct FrontDoor {
    /// Kind.
    pub kind: FrontDoorKind,
    /// The template's logical id.
    pub logical_id: String,
    /// The URL (`http://127.0.0.1:P/stage`, `ws://...`).
    pub url: String,
}

impl std::fmt::Display for FrontDoor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}: {}", self.kind, self.logical_id, self.url)
    }
}

/// The running local stack.
#[derive(Debug)]
pub struct DevServer {
    pub(crate) moto: Moto,
    pub(crate) functions: HashMap<String, Function>,
    /// The issuer's task (kept across reloads).
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Front doors and event source mappings (rebuilt by a reload).
    pub(crate) door_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The handler crates' watcher (restarted by a reload).
    pub(crate) watcher: Option<tokio::task::JoinHandle<()>>,
    pub(crate) doors: Vec<FrontDoor>,
    pub(crate) issuer: Option<Arc<Issuer>>,
    /// The Lambda Invoke API (kept across reloads; its functions are replaced).
    pub(crate) lambda_api: Arc<LambdaApi>,
    pub(crate) rest: Vec<Arc<RestApi>>,
    pub(crate) ws: Vec<Arc<WsApi>>,
    pub(crate) mappings: Vec<crate::sqs::Mapping>,
    /// The event rules and archives deployed in moto ([`crate::events::template`]).
    pub(crate) events: Value,
    state_file: PathBuf,
    pub(crate) opts: DevOptions,
    /// The assembly being served.
    pub(crate) assembly: Assembly,
    pub(crate) locals: Locals,
    /// Each front door's port by its logical id (a reload serves it on the same one).
    pub(crate) ports: HashMap<String, u16>,
    /// How long start took.
    pub start_time: Duration,
}

pub(crate) struct Ports(pub(crate) u16);

impl Ports {
    pub(crate) async fn next(&mut self) -> Result<tokio::net::TcpListener, DevError> {
        let port = self.0;
        if self.0 != 0 {
            self.0 += 1;
        }
        crate::net::bind(port).await
    }
}

/// moto with the stack's tables, queues, buckets and secrets in it; stopped again when
/// creating them fails, so no moto outlives a failed start.
async fn start_moto(assembly: &Assembly) -> Result<(Moto, Locals), DevError> {
    let mut moto = Moto::start().await?;
    let created = async {
        let mut locals = crate::stateful::create(assembly, &moto.endpoint).await?;
        crate::secrets::create(assembly, &moto.endpoint, &mut locals).await?;
        Ok::<_, DevError>(locals)
    }
    .await;
    match created {
        Ok(locals) => Ok((moto, locals)),
        Err(e) => {
            moto.stop().await;
            Err(e)
        }
    }
}

/// The local token issuer for the stack's JWT authorizers, served on the next port.
async fn start_issuer(
    assembly: &Assembly,
    ports: &mut Ports,
    tasks: &mut Vec<tokio::task::JoinHandle<()>>,
    doors: &mut Vec<FrontDoor>,
) -> Result<Arc<Issuer>, DevError> {
    let listener = ports.next().await?;
    let url = format!("http://{}", addr(&listener));
    let issuer = Arc::new(Issuer::new(url.clone(), requirements(assembly))?);
    tasks.push(issuer.clone().serve(listener));
    doors.push(FrontDoor { kind: FrontDoorKind::Issuer, logical_id: "LocalIssuer".into(), url });
    Ok(issuer)
}

impl DevServer {
    /// Starts moto, the functions and every front door of the stack.
    pub async fn start(opts: DevOptions) -> Result<Self, DevError> {
        let started = Instant::now();
        let assembly = Assembly::load(&opts.assembly, opts.stack.as_deref())?;
        let (mut moto, mut locals) = start_moto(&assembly).await?;
        let mut ports = Ports(opts.port);
        let mut tasks = Vec::new();
        let mut doors = Vec::new();
        // Listeners first: the functions' environment needs the front doors' addresses.
        let listeners = bind_doors(&assembly, &HashMap::new(), &mut ports).await?;
        let door_ports = listeners.ports(&assembly);
        url_attrs(&assembly, &mut locals, &door_ports);
        let issuer = if opts.real_auth || !uses_jwt(&assembly) {
            None
        } else {
            Some(start_issuer(&assembly, &mut ports, &mut tasks, &mut doors).await?)
        };
        let lambda_listener = ports.next().await?;
        let lambda_api = Arc::new(LambdaApi::new(format!("http://{}", addr(&lambda_listener))));
        tasks.push(lambda_api.clone().serve(lambda_listener));
        let ws_hosts = ws_hosts(&assembly, &locals, &door_ports);
        let ctx = EnvContext {
            moto: &moto.endpoint,
            lambda_api: &lambda_api.url,
            issuer: issuer.as_deref(),
            ws_hosts: &ws_hosts,
            opts: &opts,
            assembly: &assembly,
        };
        let prepared = async {
            let events = crate::events::template(&assembly, &locals, &ws_hosts)?;
            crate::events::apply(&moto.endpoint, &assembly.stack, &Value::Null, &events).await?;
            Ok::<_, DevError>((function_specs(&assembly, &locals, &ctx).await?, events))
        };
        let ((specs, sources), events) = match prepared.await {
            Ok(s) => s,
            Err(e) => {
                moto.stop().await;
                return Err(e);
            }
        };
        let functions: HashMap<String, Function> = specs.into_iter().map(|s| (s.logical_id.clone(), Function::new(s))).collect();
        lambda_api.set(&functions);
        if opts.prewarm {
            // All at once: each sandbox's start is mostly its process's init, which overlaps.
            futures_util::future::try_join_all(functions.values().map(Function::prewarm)).await?;
        }
        let watcher = opts.watch.then(|| crate::watch::spawn(sources, functions.clone()));
        let mut door_tasks = Vec::new();
        let mut served = Vec::new();
        let (rest, ws, mappings) = serve_doors(&assembly, &locals, &functions, &moto.endpoint, listeners, &mut served, &mut door_tasks);
        doors.append(&mut served);
        let state_file = opts.assembly.join(STATE_FILE);
        let dev = Self {
            moto,
            functions,
            tasks,
            door_tasks,
            watcher,
            doors,
            issuer,
            lambda_api,
            rest,
            ws,
            mappings,
            events,
            state_file,
            opts,
            assembly,
            locals,
            ports: door_ports,
            start_time: started.elapsed(),
        };
        dev.write_state();
        Ok(dev)
    }

    /// Writes where this dev serves into the assembly folder (for `token`, `chat`).
    pub(crate) fn write_state(&self) {
        let state = json!({
            "stack": self.assembly.stack, "moto": self.moto.endpoint, "issuer": self.issuer.as_ref().map(|i| i.url.clone()),
            "urls": self.doors.iter().map(|d| json!({"kind": format!("{:?}", d.kind), "logicalId": d.logical_id, "url": d.url})).collect::<Vec<_>>(),
        });
        let _ = std::fs::write(&self.state_file, serde_json::to_string_pretty(&state).unwrap_or_default());
    }

    /// The stack being served.
    pub fn stack(&self) -> &str {
        &self.assembly.stack
    }

    /// Every front door's URL.
    pub fn urls(&self) -> &[FrontDoor] {
        &self.doors
    }

    /// The first front door of `kind`.
    pub fn url(&self, kind: FrontDoorKind) -> Option<&str> {
        self.doors.iter().find(|d| d.kind == kind).map(|d| d.url.as_str())
    }

    /// The Lambda Invoke API's endpoint (every function's `AWS_ENDPOINT_URL_LAMBDA`).
    pub fn lambda_endpoint(&self) -> &str {
        &self.lambda_api.url
    }

    /// moto's endpoint.
    pub fn moto_endpoint(&self) -> &str {
        &self.moto.endpoint
    }

    /// The local issuer (`None` with `real_auth` or without JWT checks).
    pub fn issuer(&self) -> Option<&Issuer> {
        self.issuer.as_deref()
    }

    /// A function by logical id.
    pub fn function(&self, logical_id: &str) -> Option<&Function> {
        self.functions.get(logical_id)
    }

    /// Logical ids of every function, sorted.
    pub fn function_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.functions.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// How many times each REST authorizer's function ran (by logical id).
    pub fn authorizer_calls(&self) -> BTreeMap<String, u64> {
        self.rest
            .iter()
            .flat_map(|a| a.authorizers.iter().map(|(id, z)| (id.clone(), z.calls.load(std::sync::atomic::Ordering::SeqCst))))
            .collect()
    }

    /// How many SQS records each event source mapping handed to its function (by logical id).
    pub fn mapping_records(&self) -> BTreeMap<String, u64> {
        self.mappings.iter().map(|m| (m.logical_id.clone(), m.delivered.load(std::sync::atomic::Ordering::SeqCst))).collect()
    }

    /// Open WebSocket connections over all WebSocket APIs.
    pub fn websocket_connections(&self) -> usize {
        self.ws.iter().map(|w| w.connections()).sum()
    }

    /// Resident memory (KiB) of the whole local stack: this process, moto and every sandbox.
    pub fn rss_kib(&self) -> u64 {
        let mut pids: Vec<u32> = vec![std::process::id()];
        pids.extend(self.moto.pid());
        pids.extend(self.functions.values().flat_map(Function::pids));
        pids.iter().filter_map(|p| rss_of(*p)).sum()
    }

    /// Stops every front door, function and moto; removes the state file.
    pub async fn shutdown(mut self) {
        for t in self.tasks.iter().chain(&self.door_tasks).chain(&self.watcher) {
            t.abort();
        }
        for f in self.functions.values() {
            f.shutdown();
        }
        self.moto.stop().await;
        let _ = std::fs::remove_file(&self.state_file);
    }
}

pub(crate) struct Listeners {
    rest: Vec<tokio::net::TcpListener>,
    ws: Vec<tokio::net::TcpListener>,
    urls: Vec<tokio::net::TcpListener>,
}

impl Listeners {
    /// Each front door's port by its logical id.
    pub(crate) fn ports(&self, assembly: &Assembly) -> HashMap<String, u16> {
        let [rest, ws, urls] = door_ids(assembly);
        let listeners = self.rest.iter().chain(&self.ws).chain(&self.urls);
        rest.into_iter().chain(ws).chain(urls).zip(listeners).filter_map(|(id, l)| Some((id, l.local_addr().ok()?.port()))).collect()
    }
}

/// The logical ids of the REST APIs, WebSocket APIs and Function URLs, in template order (the
/// order their front doors are built in).
pub(crate) fn door_ids(assembly: &Assembly) -> [Vec<String>; 3] {
    fn ids<'a>(it: impl Iterator<Item = (&'a str, &'a Value)>) -> Vec<String> {
        it.map(|(id, _)| id.to_owned()).collect()
    }
    [
        ids(assembly.of_type("AWS::ApiGateway::RestApi")),
        ids(assembly.of_type("AWS::ApiGatewayV2::Api").filter(|(_, p)| p["ProtocolType"] == "WEBSOCKET")),
        ids(assembly.of_type("AWS::Lambda::Url")),
    ]
}

/// Binds every front door's listener: on its port in `known`, else the next of `ports`.
pub(crate) async fn bind_doors(assembly: &Assembly, known: &HashMap<String, u16>, ports: &mut Ports) -> Result<Listeners, DevError> {
    let mut bound = Vec::new();
    for ids in door_ids(assembly) {
        let mut listeners = Vec::new();
        for id in ids {
            listeners.push(match known.get(&id) {
                Some(port) => bind_again(*port).await?,
                None => ports.next().await?,
            });
        }
        bound.push(listeners);
    }
    let [rest, ws, urls]: [Vec<tokio::net::TcpListener>; 3] = bound.try_into().map_err(|_| DevError::Start("listeners".into()))?;
    Ok(Listeners { rest, ws, urls })
}

/// Binds a port a front door just left (its task was aborted; the socket closes as the task
/// is dropped): a few tries.
async fn bind_again(port: u16) -> Result<tokio::net::TcpListener, DevError> {
    for _ in 0..50 {
        if let Ok(l) = crate::net::bind(port).await {
            return Ok(l);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    crate::net::bind(port).await
}

/// `(local API id, 127.0.0.1:port)` of every WebSocket API: where its `@connections` callback
/// URL points locally.
pub(crate) fn ws_hosts(assembly: &Assembly, locals: &Locals, ports: &HashMap<String, u16>) -> Vec<(String, String)> {
    let [_, ws, _] = door_ids(assembly);
    ws.iter().filter_map(|id| Some((locals.refs.get(id).cloned().unwrap_or_default(), format!("127.0.0.1:{}", ports.get(id)?)))).collect()
}

/// `Fn::GetAtt [Url, FunctionUrl]` of every Function URL: its local door,
/// `http://127.0.0.1:<port>/` (Lambda's value is `https://<url-id>.lambda-url.<region>.on.aws/`,
/// with the trailing slash: "AWS::Lambda::Url" return values, CloudFormation User Guide), so a
/// function whose environment names another's URL (an agent's `MCP_SERVERS`) reaches it here.
pub(crate) fn url_attrs(assembly: &Assembly, locals: &mut Locals, ports: &HashMap<String, u16>) {
    let [_, _, urls] = door_ids(assembly);
    for id in urls {
        if let Some(port) = ports.get(&id) {
            locals.attrs.insert((id, "FunctionUrl".into()), format!("http://127.0.0.1:{port}/"));
        }
    }
}

/// `text` with every WebSocket API's `https://<api id>.execute-api.<region>.amazonaws.com`
/// replaced by its local door `http://127.0.0.1:<port>` (`hosts` from [`ws_hosts`]): the
/// `@connections` URL a function's environment or a rule's target input names.
pub(crate) fn local_execute_api(text: &str, hosts: &[(String, String)]) -> String {
    let suffix = format!(".execute-api.{}.amazonaws.com", crate::moto::REGION);
    hosts.iter().fold(text.to_owned(), |t, (id, host)| t.replace(&format!("https://{id}{suffix}"), &format!("http://{host}")))
}

/// Starts every front door and event source mapping of the stack on its listener.
pub(crate) fn serve_doors(
    assembly: &Assembly,
    locals: &Locals,
    functions: &HashMap<String, Function>,
    moto: &str,
    listeners: Listeners,
    doors: &mut Vec<FrontDoor>,
    tasks: &mut Vec<tokio::task::JoinHandle<()>>,
) -> (Vec<Arc<RestApi>>, Vec<Arc<WsApi>>, Vec<crate::sqs::Mapping>) {
    let rest: Vec<Arc<RestApi>> = RestApi::all(assembly, locals, functions).into_iter().map(Arc::new).collect();
    for (api, l) in rest.iter().zip(listeners.rest) {
        doors.push(FrontDoor {
            kind: FrontDoorKind::RestApi,
            logical_id: api.logical_id.clone(),
            url: format!("http://{}/{}", addr(&l), api.stage),
        });
        tasks.push(api.clone().serve(l));
    }
    let ws: Vec<Arc<WsApi>> = WsApi::all(assembly, locals, functions).into_iter().map(Arc::new).collect();
    for (api, l) in ws.iter().zip(listeners.ws) {
        doors.push(FrontDoor {
            kind: FrontDoorKind::WebSocket,
            logical_id: api.logical_id.clone(),
            url: format!("ws://{}/{}", addr(&l), api.stage),
        });
        tasks.push(api.clone().serve(l));
    }
    for (url, l) in FunctionUrl::all(assembly, functions).into_iter().zip(listeners.urls) {
        doors.push(FrontDoor {
            kind: FrontDoorKind::FunctionUrl,
            logical_id: url.logical_id.clone(),
            url: format!("http://{}/", addr(&l)),
        });
        tasks.push(Arc::new(url).serve(l));
    }
    let sqs = crate::sqs::client(moto);
    let mappings = crate::sqs::mappings(assembly, locals, functions);
    for m in &mappings {
        tasks.extend(crate::sqs::start(m.clone(), sqs.clone()));
    }
    (rest, ws, mappings)
}

fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn addr(l: &tokio::net::TcpListener) -> String {
    l.local_addr().map(|a| a.to_string()).unwrap_or_default()
}

fn functions_env(assembly: &Assembly) -> impl Iterator<Item = &serde_json::Map<String, Value>> {
    assembly.of_type("AWS::Lambda::Function").filter_map(|(_, p)| p["Environment"]["Variables"].as_object())
}

fn uses_jwt(assembly: &Assembly) -> bool {
    functions_env(assembly).any(|v| v.contains_key(env::JWKS_URL))
}

/// What the stack's JWT checks require, from the first function that has them.
fn requirements(assembly: &Assembly) -> Requirements {
    let Some(v) = functions_env(assembly).find(|v| v.contains_key(env::JWT_AUDIENCE)) else { return Requirements::default() };
    let list = |k: &str| -> Vec<String> {
        v.get(k).and_then(Value::as_str).unwrap_or_default().split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    };
    Requirements {
        audience: list(env::JWT_AUDIENCE),
        scopes: list(env::JWT_REQUIRED_SCOPES),
        claim_rules: v.get(env::JWT_CLAIM_RULES).and_then(Value::as_str).and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default(),
        user_claim: v.get(env::JWT_USER_ID_CLAIM).and_then(Value::as_str).map(str::to_owned),
    }
}

pub(crate) struct EnvContext<'a> {
    pub(crate) moto: &'a str,
    /// The Lambda Invoke API ([`crate::lambda_api`]).
    pub(crate) lambda_api: &'a str,
    pub(crate) issuer: Option<&'a Issuer>,
    pub(crate) ws_hosts: &'a [(String, String)],
    pub(crate) opts: &'a DevOptions,
    pub(crate) assembly: &'a Assembly,
}

/// Every function's spec, its binary built, and what to watch for changes; all problems
/// reported at once.
pub(crate) async fn function_specs(
    assembly: &Assembly,
    locals: &Locals,
    ctx: &EnvContext<'_>,
) -> Result<(Vec<FunctionSpec>, Vec<crate::watch::Source>), DevError> {
    let mut problems = Vec::new();
    let mut specs = Vec::new();
    let mut crates: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut bedrock = false;
    for (id, p) in assembly.of_type("AWS::Lambda::Function") {
        let python = match assembly.python_function(p, &python_target(assembly)).transpose() {
            Ok(run) => run,
            Err(e) => {
                problems.push(format!("{id}: {e}"));
                continue;
            }
        };
        let handler = if python.is_some() { Ok(Default::default()) } else { assembly.handler_crate(p) };
        let (krate, workspace) = match handler {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!("{id}: {e}"));
                continue;
            }
        };
        let mut env = Vec::new();
        for (k, v) in p["Environment"]["Variables"].as_object().into_iter().flatten() {
            match locals.string(v) {
                Ok(s) => env.push((k.clone(), s)),
                Err(e) => problems.push(format!("{id}: environment variable {k}: {e}")),
            }
        }
        bedrock |= local_overrides(&mut env, ctx);
        if python.is_some() {
            bedrock |= python_bedrock(&mut env, ctx);
        }
        let binary = match &python {
            Some(_) => crate::python::interpreter().map_err(|e| DevError::Missing(e.to_string()))?,
            None => {
                crates.entry(workspace).or_default().insert(krate.clone());
                PathBuf::from(krate)
            }
        };
        specs.push(FunctionSpec {
            logical_id: id.to_owned(),
            name: crate::stateful::function_name(&assembly.stack, id, p),
            binary,
            env,
            timeout: Duration::from_secs(p["Timeout"].as_u64().unwrap_or(DEFAULT_TIMEOUT)),
            memory_mb: p["MemorySize"].as_u64().unwrap_or(DEFAULT_MEMORY),
            max_concurrency: p["ReservedConcurrentExecutions"].as_u64().map(|c| c as usize).unwrap_or(DEFAULT_CONCURRENCY),
            python,
        });
    }
    if !problems.is_empty() {
        return Err(DevError::Template(problems));
    }
    if bedrock {
        logs::dev("models: Bedrock, for real, with your AWS credentials — the only calls that leave this machine (use --model-endpoint for a local OpenAI-compatible server)");
    }
    let mut bins = BTreeMap::new();
    let mut sources = Vec::new();
    for (workspace, names) in &crates {
        let built = match &ctx.opts.handlers_bin_dir {
            Some(dir) => crate::handlers::prebuilt(dir, names)?,
            None => crate::handlers::build(workspace, names).await?,
        };
        sources.push(match &ctx.opts.handlers_bin_dir {
            Some(_) => crate::watch::Source::Binaries(built.values().cloned().collect()),
            None => crate::watch::Source::Workspace { dir: workspace.clone(), crates: names.clone() },
        });
        bins.extend(built);
    }
    for s in specs.iter_mut().filter(|s| s.python.is_none()) {
        let krate = s.binary.to_string_lossy().into_owned();
        s.binary = bins.get(&krate).cloned().unwrap_or_default();
    }
    let _ = ctx.assembly;
    Ok((specs, sources))
}

/// Points a Python function's own Bedrock calls at `--bedrock-endpoint` (AWS_ENDPOINT_URL points
/// every client at moto), else at AWS; returns whether they go to AWS.
fn python_bedrock(env: &mut Vec<(String, String)>, ctx: &EnvContext<'_>) -> bool {
    let url = ctx.opts.bedrock_endpoint.clone();
    let real = url.is_none();
    let url = url.unwrap_or_else(|| format!("https://bedrock-runtime.{}.amazonaws.com", crate::moto::REGION));
    env.retain(|(k, _)| k != env::AWS_ENDPOINT_URL_BEDROCK_RUNTIME);
    env.push((env::AWS_ENDPOINT_URL_BEDROCK_RUNTIME.to_owned(), url));
    real
}

/// Where Python functions' dependencies are installed for this machine: `$CARGO_TARGET_DIR`,
/// else `target/` beside the cloud assembly's folder (the app's project).
fn python_target(assembly: &Assembly) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| assembly.dir.parent().unwrap_or(&assembly.dir).join("target"), PathBuf::from)
}

/// Points a function at the local services; returns whether it calls Bedrock for real.
fn local_overrides(env: &mut Vec<(String, String)>, ctx: &EnvContext<'_>) -> bool {
    let set = |env: &mut Vec<(String, String)>, k: &str, v: String| {
        env.retain(|(key, _)| key != k);
        env.push((k.to_owned(), v));
    };
    let get = |env: &Vec<(String, String)>, k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    set(env, env::AWS_ENDPOINT_URL, ctx.moto.to_owned());
    // Lambda's Invoke goes to dev (moto cannot run functions): an agent's Lambda tools.
    set(env, env::AWS_ENDPOINT_URL_LAMBDA, ctx.lambda_api.to_owned());
    if let Some(issuer) = ctx.issuer {
        if get(env, env::JWKS_URL).is_some() {
            set(env, env::JWKS_URL, issuer.jwks_url());
            set(env, env::JWT_ISSUER, issuer.url.clone());
        }
    }
    if let Some(cb) = get(env, env::WEBSOCKET_CALLBACK_URL) {
        set(env, env::WEBSOCKET_CALLBACK_URL, local_execute_api(&cb, ctx.ws_hosts));
    }
    let Some(provider) = get(env, env::MODEL_PROVIDER) else { return false };
    match &ctx.opts.model_endpoint {
        Some(url) => {
            set(env, env::MODEL_PROVIDER, env::Provider::OpenAi.as_str().into());
            set(env, env::OPENAI_BASE_URL, url.clone());
            env.retain(|(k, _)| k != env::OPENAI_API_KEY_SECRET_ARN);
            if let Some(id) = &ctx.opts.model_id {
                set(env, env::MODEL_ID, id.clone());
            }
            false
        }
        None if provider == env::Provider::Bedrock.as_str() => {
            // AWS_ENDPOINT_URL points every client at moto; Bedrock alone goes to AWS.
            set(env, env::AWS_ENDPOINT_URL_BEDROCK_RUNTIME, format!("https://bedrock-runtime.{}.amazonaws.com", crate::moto::REGION));
            true
        }
        None => false,
    }
}
