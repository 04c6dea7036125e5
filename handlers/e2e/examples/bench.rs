//! Handler benchmark (run by `handlers/scripts/bench.sh`): init time from process start to the
//! first Runtime API poll, next to a hello-world lambda_runtime binary measured the same way;
//! peak RSS; and the request-handler's per-invocation cost in Queue mode against moto.
//!
//! Usage: `bench <dir>` where `<dir>/<name>/bootstrap` are the unzipped release binaries
//! (`bench-hello` and the eight handlers). Prints figures; asserts nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agentcdk_contract::artifacts::{Artifact, BOOTSTRAP_ZIP};
use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::keys::{jwks, now, TestKey};
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

const INIT_RUNS: usize = 31;
const INVOCATIONS: usize = 200;

fn env(pairs: &[(&str, &str)], extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    v.extend_from_slice(extra);
    v
}

/// Time from spawn to the first `invocation/next` poll, in ms.
fn init_once(bin: &Path, env: &[(String, String)]) -> f64 {
    let api = RuntimeApi::start();
    let f = Function::spawn(bin, &api, env);
    let first = api.wait_first_poll(Duration::from_secs(20));
    let d = first.duration_since(f.started).as_secs_f64() * 1000.0;
    drop(f);
    d
}

/// Median, min and max init time of each function, measured round-robin (hello, f1, f2, ...,
/// hello, f1, ...) so that load from other processes on the machine hits all of them alike.
fn init_times(functions: &[(PathBuf, Vec<(String, String)>)]) -> Vec<(f64, f64, f64)> {
    let mut samples = vec![Vec::with_capacity(INIT_RUNS); functions.len()];
    for _ in 0..INIT_RUNS {
        for (i, (bin, env)) in functions.iter().enumerate() {
            samples[i].push(init_once(bin, env));
        }
    }
    samples
        .into_iter()
        .map(|mut ms| {
            ms.sort_by(|a, b| a.total_cmp(b));
            (ms[ms.len() / 2], ms[0], ms[ms.len() - 1])
        })
        .collect()
}

/// CPU time (user + system) of a process in ms, from /proc/<pid>/stat.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0) + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks * 1000.0 / 100.0 // USER_HZ = 100 on Linux
}

struct Row {
    name: String,
    bin: PathBuf,
    env: Vec<(String, String)>,
    init: (f64, f64, f64),
    rss_init_kib: u64,
    rss_peak_kib: u64,
    invocations: usize,
}

/// One process serving `events` (repeated to `n`), with RSS after init and at
/// the end. Returns the row and (wall ms, cpu ms) per invocation.
fn measure(name: &str, bin: &Path, env: &[(String, String)], events: &[Value], n: usize) -> (Row, f64, f64) {
    let api = RuntimeApi::start();
    let f = Function::spawn(bin, &api, env);
    api.wait_first_poll(Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(50));
    let rss_init = f.peak_rss_kib().unwrap_or(0);
    // Warm-up invocation (first TLS/HTTP connections, caches), not counted.
    let _ = api.invoke(events[0].clone(), Duration::from_secs(30));
    let cpu0 = cpu_ms(f.child.id());
    let t0 = Instant::now();
    for i in 0..n {
        match api.invoke(events[i % events.len()].clone(), Duration::from_secs(30)) {
            Outcome::Response(_) | Outcome::Stream(_) => {}
            Outcome::Error(e) => eprintln!("{name}: invocation error {e}"),
        }
    }
    let wall = t0.elapsed().as_secs_f64() * 1000.0 / n.max(1) as f64;
    let cpu = (cpu_ms(f.child.id()) - cpu0) / n.max(1) as f64;
    let rss_peak = f.peak_rss_kib().unwrap_or(0);
    drop(f);
    (
        Row {
            name: name.into(),
            bin: bin.to_path_buf(),
            env: env.to_vec(),
            init: (0.0, 0.0, 0.0),
            rss_init_kib: rss_init,
            rss_peak_kib: rss_peak,
            invocations: n + 1,
        },
        wall,
        cpu,
    )
}

fn rest(method: &str, path: &str, body: Option<&str>) -> Value {
    json!({"resource": "/{proxy+}", "path": path, "httpMethod": method,
           "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
           "queryStringParameters": null, "pathParameters": null, "stageVariables": null,
           "requestContext": {"accountId": "123456789012", "resourceId": "r", "stage": "prod",
               "requestId": "x", "identity": {"sourceIp": "1.2.3.4"}, "resourcePath": "/{proxy+}",
               "httpMethod": method, "apiId": "api", "authorizer": {"principalId": "u-1", "userId": "u-1"}},
           "body": body, "isBase64Encoded": false})
}

fn sqs_event(body: &Value) -> Value {
    json!({"Records": [{"messageId": "m-1", "receiptHandle": "h", "body": body.to_string(),
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
        "awsRegion": "us-east-1"}]})
}

/// A `$connect` event carrying `token`.
fn ws_connect_event(token: &str) -> Value {
    json!({"headers": {"Authorization": format!("Bearer {token}")},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "c-1",
            "stage": "prod", "domainName": "x", "apiId": "a", "requestId": "r",
            "identity": {"sourceIp": "1.2.3.4"}, "connectedAt": 0, "requestTimeEpoch": 0},
        "isBase64Encoded": false})
}

/// A Function URL event whose body is `body`.
fn url_event(body: &str) -> Value {
    json!({"version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": {"content-type": "application/json"},
           "requestContext": {"accountId": "123456789012", "apiId": "u", "domainName": "u.lambda-url.us-east-1.on.aws",
               "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "bench"},
               "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "24/Nov/2026:00:00:00 +0000", "timeEpoch": 0},
           "body": body, "isBase64Encoded": false})
}

/// What the measured handlers talk to: moto with the pipeline's queues and tables, a JWKS
/// server, an OpenAI-format model peer, and a token the JWKS verifies.
struct Peers {
    dir: PathBuf,
    _moto: Moto,
    moto_env: Vec<(String, String)>,
    input_url: String,
    output_url: String,
    jwks: HttpServer,
    model: HttpServer,
    token: String,
}

impl Peers {
    async fn start(dir: PathBuf) -> Self {
        let moto = Moto::start();
        let moto::Clients { sqs, ddb, .. } = moto.clients().await;
        let input = moto::create_queue_with_dlq(&sqs, "bench-in", 3, 30).await;
        let output = moto::create_queue_with_dlq(&sqs, "bench-out", 3, 30).await;
        moto::create_responses_table(&ddb, "responses").await;
        moto::create_sessions_table(&ddb, "sessions").await;
        moto::create_connections_table(&ddb, "connections").await;
        let key = TestKey::ec("k1");
        let doc = jwks(&[&key]);
        let jwks = HttpServer::start(move |_| HttpResponse::json(200, &doc));
        let model = HttpServer::start(|_| {
            HttpResponse::json(
                200,
                &json!({"id": "c", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "ok"}}]}),
            )
        });
        let token = key.sign(&json!({"sub": "u-1", "iss": "https://issuer.test/", "aud": "api",
                                     "exp": now() + 3600}));
        let moto_env = moto.env();
        Self { dir, _moto: moto, moto_env, input_url: input.url, output_url: output.url, jwks, model, token }
    }

    /// Measures the release binary of `artifact` (see [`measure`]).
    fn measure(&self, artifact: Artifact, env: &[(String, String)], events: &[Value], n: usize) -> (Row, f64, f64) {
        measure(artifact.as_str(), &self.dir.join(artifact.binary_name()).join("bootstrap"), env, events, n)
    }

    /// The authorizer's settings, with moto's (or no) AWS settings.
    fn auth_env(&self, extra: &[(String, String)]) -> Vec<(String, String)> {
        let jwks_url = self.jwks.url();
        env(&[("JWKS_URL", jwks_url.as_str()), ("JWT_ISSUER", "https://issuer.test/"), ("JWT_AUDIENCE", "api")], extra)
    }

    /// An OpenAI agent's settings over the model peer, plus `pairs` and moto's.
    fn agent_env(&self, pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let model_url = self.model.url();
        let mut v = env(&[("MODEL_PROVIDER", "openai"), ("MODEL_ID", "m"), ("OPENAI_BASE_URL", &model_url), ("OPENAI_API_KEY", "sk")], &[]);
        v.extend(env(pairs, &self.moto_env));
        v
    }
}

/// Per-invocation (wall ms, CPU ms) of a handler measured over [`INVOCATIONS`].
type Cost = (f64, f64);

/// The hello-world baseline and the Queue pipeline: request-handler (its cost measured),
/// agent-runner and response-handler.
fn measure_queue_pipeline(p: &Peers) -> (Vec<Row>, Cost) {
    let (hello, _, _) = measure("bench-hello", &p.dir.join("bench-hello").join("bootstrap"), &[], &[json!({"x": 1})], 20);
    // REPLY_BUCKET as the queue pipeline sets it: the bucket's client is part of these three inits.
    let rh_env = env(
        &[("AGENT_MODE", "queue"), ("INPUT_QUEUE_URL", &p.input_url), ("RESPONSES_TABLE", "responses"), ("REPLY_BUCKET", "replies")],
        &p.moto_env,
    );
    let post = rest("POST", "/v1/chat", Some(r#"{"message":"hello"}"#));
    let (rh, rh_wall, rh_cpu) = p.measure(Artifact::RequestHandler, &rh_env, &[post], INVOCATIONS);

    let envelope = json!({"request_id": "bench", "session_id": "s", "user_id": "u-1",
        "message": "hi", "reply_to": {"kind": "poll"}, "submitted_at_ms": 1});
    let ar_env = p.agent_env(&[
        ("RESPONSES_TABLE", "responses"),
        ("SESSIONS_TABLE", "sessions"),
        ("OUTPUT_QUEUE_URL", &p.output_url),
        ("REPLY_BUCKET", "replies"),
    ]);
    let (ar, _, _) = p.measure(Artifact::AgentRunner, &ar_env, &[sqs_event(&envelope)], 20);

    let result = json!({"request_id": "bench", "session_id": "s", "user_id": "u-1",
        "reply_to": {"kind": "poll"}, "status": "completed", "reply": "ok"});
    let rs_env = env(&[("RESPONSES_TABLE", "responses"), ("REPLY_BUCKET", "replies")], &p.moto_env);
    let (rs, _, _) = p.measure(Artifact::ResponseHandler, &rs_env, &[sqs_event(&result)], 20);
    (vec![hello, rh, ar, rs], (rh_wall, rh_cpu))
}

/// The JWT checkers: ws-connection's `$connect` and the authorizer (its cost measured).
fn measure_token_checks(p: &Peers) -> (Vec<Row>, Cost) {
    let mut ws_env = p.auth_env(&p.moto_env);
    ws_env.push(("CONNECTIONS_TABLE".into(), "connections".into()));
    let (ws, _, _) = p.measure(Artifact::WsConnection, &ws_env, &[ws_connect_event(&p.token)], 20);
    let tok = json!({"type": "TOKEN", "authorizationToken": format!("Bearer {}", p.token),
                     "methodArn": "arn:aws:execute-api:us-east-1:123456789012:a/prod/POST/chat"});
    let (au, au_wall, au_cpu) = p.measure(Artifact::Authorizer, &p.auth_env(&[]), &[tok], INVOCATIONS);
    (vec![ws, au], (au_wall, au_cpu))
}

/// The streaming front doors: the stream-handler (a Function URL event, the model's answer
/// streamed back as SSE) and the AgentCore proxy (SigV4-signed InvokeAgentRuntime to a local
/// peer, streamed back).
fn measure_streaming(p: &Peers) -> Vec<Row> {
    let sh_env = p.agent_env(&[("SESSIONS_TABLE", "sessions"), ("RESPONSE_MODE", "stream"), ("ALLOW_ANONYMOUS", "true")]);
    let (sh, _, _) = p.measure(Artifact::StreamHandler, &sh_env, &[url_event(r#"{"message":"hello"}"#)], 20);

    let runtime = HttpServer::start(|_| HttpResponse::json(200, &json!({"result": "ok"})));
    let runtime_url = runtime.url();
    let px_env = env(
        &[
            ("AGENT_RUNTIME_ARN", "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/bench-abc"),
            ("RESPONSE_MODE", "stream"),
            ("AWS_ENDPOINT_URL", &runtime_url),
        ],
        &[],
    );
    let (px, _, _) = p.measure(Artifact::AgentcoreProxy, &px_env, &[url_event(r#"{"prompt":"hello"}"#)], 20);
    vec![sh, px]
}

/// The stock MCP server: `tools/list` over a Function URL event (its table in moto).
fn measure_mcp_server(p: &Peers) -> Row {
    let env = env(&[("ORDERS_TABLE", "orders")], &p.moto_env);
    let list = url_event(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#);
    p.measure(Artifact::McpOrders, &env, &[list], 20).0
}

/// One line a function: zip size, init time against hello's (the first row), RSS.
fn print_rows(dir: &Path, rows: &[Row]) {
    let hello_init = rows[0].init.0;
    let hello_min = rows[0].init.1;
    println!();
    println!(
        "{:<18} {:>10} {:>22} {:>13} {:>14} {:>14}",
        "function", "zip bytes", "init p50 (min-max) ms", "vs hello p50/min", "RSS init MiB", "RSS peak MiB"
    );
    for r in rows {
        let zip = std::fs::metadata(dir.join(&r.name).join(BOOTSTRAP_ZIP)).map(|m| m.len()).unwrap_or(0);
        println!(
            "{:<18} {:>10} {:>8.1} ({:>4.1}-{:>5.1}) {:>6.2}x/{:.2}x {:>14.1} {:>14.1}   ({} invocations)",
            r.name,
            zip,
            r.init.0,
            r.init.1,
            r.init.2,
            r.init.0 / hello_init,
            r.init.1 / hello_min,
            r.rss_init_kib as f64 / 1024.0,
            r.rss_peak_kib as f64 / 1024.0,
            r.invocations
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: bench <dir of unzipped bootstraps>"));
    let peers = Peers::start(dir.clone()).await;
    let (mut rows, (rh_wall, rh_cpu)) = measure_queue_pipeline(&peers);
    let (token_rows, (au_wall, au_cpu)) = measure_token_checks(&peers);
    rows.extend(token_rows);
    rows.extend(measure_streaming(&peers));
    rows.push(measure_mcp_server(&peers));

    let functions: Vec<(PathBuf, Vec<(String, String)>)> = rows.iter().map(|r| (r.bin.clone(), r.env.clone())).collect();
    for (row, init) in rows.iter_mut().zip(init_times(&functions)) {
        row.init = init;
    }
    print_rows(&dir, &rows);
    println!();
    println!("request-handler, Queue mode (POST chat = PutItem + SendMessage to moto_server), {INVOCATIONS} invocations:");
    println!("  wall {rh_wall:.2} ms/invocation (Runtime API round trip incl. moto), handler CPU {rh_cpu:.3} ms/invocation");
    println!("authorizer (cached JWKS, ES256 verify), {INVOCATIONS} invocations:");
    println!("  wall {au_wall:.2} ms/invocation, handler CPU {au_cpu:.3} ms/invocation");
    println!("(CPU from /proc/<pid>/stat at 10 ms resolution, averaged; init = spawn to first GET invocation/next, {INIT_RUNS} round-robin runs)");
}
