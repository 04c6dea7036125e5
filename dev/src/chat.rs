//! `cargo agentcdk chat`: a small client of an agent's front door — REST sync, REST queue
//! (submit, then poll `responses/{id}`), WebSocket (token in `Sec-WebSocket-Protocol`), and SSE
//! streams (tokens printed as they arrive) — with a token from `--token`, `AGENTCDK_TOKEN`, or
//! the running `dev`'s local issuer. `--stack` reads the URL from a deployed stack's outputs
//! (DescribeStacks). `https://` and `wss://` are spoken with rustls (aws-lc-rs, the crypto the
//! AWS SDK's HTTPS client already links): the system's roots (`rustls-native-certs`, which also
//! honours `SSL_CERT_FILE`/`SSL_CERT_DIR`) plus `--ca-cert FILE` / `AGENTCDK_CA_BUNDLE`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::server::FrontDoorKind;
use crate::DevError;

/// `cargo agentcdk chat`.
#[derive(Debug, Clone, Parser)]
#[command(name = "chat")]
pub struct ChatArgs {
    /// The message (one turn).
    pub message: String,
    /// The front door URL: a REST chat route (`http://.../agents/api/v1/chat`), a WebSocket
    /// stage (`ws://...`), or a Function URL. Default: the running `dev`'s first front door.
    #[arg(long)]
    pub url: Option<String>,
    /// Bearer token (default: `AGENTCDK_TOKEN`, else one from the local issuer).
    #[arg(long)]
    pub token: Option<String>,
    /// Conversation to continue.
    #[arg(long)]
    pub session: Option<String>,
    /// Cloud assembly folder of the running `dev`: the toolkit's global `--out`.
    #[arg(skip = std::path::PathBuf::from("cdk.out"))]
    pub out: std::path::PathBuf,
    /// The chat route under a REST stage (used when --url is a stage).
    #[arg(long, default_value = "api/v1/chat")]
    pub route: String,
    /// A deployed stack: its front door URL is read from its outputs (DescribeStacks; the first
    /// output whose key ends in `Url`/`Endpoint` and whose value is a URL).
    #[arg(long, conflicts_with = "url")]
    pub stack: Option<String>,
    /// CloudFormation endpoint for --stack (default: `AWS_ENDPOINT_URL`, else AWS).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// PEM file of extra certificate authorities trusted for `https://`/`wss://`, on top of the
    /// system's roots (default: `AGENTCDK_CA_BUNDLE`).
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
}

/// The environment variable naming an extra CA bundle (PEM) for `chat` over TLS.
pub const CA_BUNDLE_ENV: &str = "AGENTCDK_CA_BUNDLE";

/// One turn; prints the reply (streamed pieces as they come) and returns it.
pub async fn chat(args: ChatArgs) -> Result<String, DevError> {
    let state = crate::cli::read_state(&args.out).ok();
    let door = |kind: FrontDoorKind| {
        state
            .as_ref()
            .and_then(|s| s["urls"].as_array()?.iter().find(|u| u["kind"] == format!("{kind:?}"))?["url"].as_str().map(str::to_owned))
    };
    let deployed = match &args.stack {
        Some(stack) => Some(stack_url(stack, args.endpoint_url.as_deref(), &args.route).await?),
        None => None,
    };
    let url = args
        .url
        .clone()
        .or(deployed)
        .or_else(|| door(FrontDoorKind::WebSocket))
        .or_else(|| door(FrontDoorKind::RestApi).map(|u| format!("{u}/{}", args.route)))
        .or_else(|| door(FrontDoorKind::FunctionUrl))
        .ok_or_else(|| DevError::Start("no --url and no running dev".into()))?;
    let token = match args.token.clone().or_else(|| std::env::var("AGENTCDK_TOKEN").ok()) {
        Some(t) => Some(t),
        None if state.as_ref().is_some_and(|s| s["issuer"].is_string()) => Some(
            crate::cli::token(crate::cli::TokenArgs { user: "dev-user".into(), scopes: vec![], ttl: 3600, out: args.out.clone() }).await?,
        ),
        None => None,
    };
    let mut body = json!({"message": args.message});
    if let Some(s) = &args.session {
        body["session_id"] = json!(s);
    }
    let ca = args.ca_cert.clone().or_else(|| std::env::var_os(CA_BUNDLE_ENV).map(PathBuf::from));
    let tls = match url.starts_with("https://") || url.starts_with("wss://") {
        true => Some(tls_config(ca.as_deref())?),
        false => None,
    };
    if url.starts_with("ws://") || url.starts_with("wss://") {
        return websocket(&url, token.as_deref(), &body, tls).await;
    }
    http_turn(&url, token.as_deref(), &body, tls).await
}

/// The TLS client configuration: the system's roots (`rustls-native-certs`; it reads
/// `SSL_CERT_FILE`/`SSL_CERT_DIR` when set) plus every certificate of the PEM file `ca`.
/// Certificates are verified (chain, name, validity) by rustls's webpki verifier — there is no
/// switch to turn that off.
pub fn tls_config(ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, DevError> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable system certificates are skipped (as curl does); an explicit bundle must load.
    let (_added, _ignored) = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = ca {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<_, _>>())
            .map_err(|e| DevError::Start(format!("--ca-cert {}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(DevError::Start(format!("--ca-cert {}: no PEM certificate in the file", path.display())));
        }
        for c in certs {
            roots.add(c).map_err(|e| DevError::Start(format!("--ca-cert {}: {e}", path.display())))?;
        }
    }
    if roots.is_empty() {
        return Err(DevError::Start(format!(
            "no trusted certificate authority: the system has none; pass --ca-cert FILE or set {CA_BUNDLE_ENV}"
        )));
    }
    client_config(roots)
}

fn client_config(roots: rustls::RootCertStore) -> Result<Arc<rustls::ClientConfig>, DevError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DevError::Start(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The front door of a deployed stack, from its outputs. Credentials and region come from
/// the environment (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`,
/// `AWS_REGION`; dev links no aws-config, so profiles are not read). A REST stage URL gets
/// `route` appended.
pub async fn stack_url(stack: &str, endpoint: Option<&str>, route: &str) -> Result<String, DevError> {
    use aws_sdk_cloudformation::config::{BehaviorVersion, Credentials, Region};
    let env = |k: &str| std::env::var(k).ok();
    let credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Credentials::new(id, secret, env("AWS_SESSION_TOKEN"), None, "environment"),
        _ if endpoint.is_some() || env("AWS_ENDPOINT_URL").is_some() => crate::stateful::credentials(),
        _ => {
            return Err(DevError::Start(
                "--stack needs AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".into(),
            ))
        }
    };
    let mut conf = aws_sdk_cloudformation::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")).unwrap_or_else(|| crate::moto::REGION.into())))
        .credentials_provider(credentials);
    if let Some(e) = endpoint.map(str::to_owned).or_else(|| env("AWS_ENDPOINT_URL")) {
        conf = conf.endpoint_url(e);
    }
    let cfn = aws_sdk_cloudformation::Client::from_conf(conf.build());
    let out = cfn
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| DevError::Start(format!("DescribeStacks {stack}: {}", aws_sdk_cloudformation::error::DisplayErrorContext(&e))))?;
    let outputs = out.stacks.unwrap_or_default().into_iter().next().and_then(|s| s.outputs).unwrap_or_default();
    let url = outputs
        .iter()
        .filter(|o| o.output_key().is_some_and(|k| k.ends_with("Url") || k.ends_with("URL") || k.ends_with("Endpoint")))
        .filter_map(|o| o.output_value())
        .find(|v| ["http://", "https://", "ws://", "wss://"].iter().any(|p| v.starts_with(p)))
        .ok_or_else(|| DevError::Start(format!("stack {stack} has no output ending in Url/Endpoint with a URL value")))?;
    // An http URL that is a bare stage (`http://host/prod/`, at most one path segment) gets the
    // chat route; a WebSocket URL, a Function URL or a full route is used as it is.
    let path_segments = url.splitn(4, '/').nth(3).unwrap_or_default().split('/').filter(|p| !p.is_empty()).count();
    Ok(match url.starts_with("http") && path_segments == 1 {
        true => format!("{}/{}", url.trim_end_matches('/'), route.trim_matches('/')),
        false => url.to_owned(),
    })
}

type Tls = Option<Arc<rustls::ClientConfig>>;

async fn http_turn(url: &str, token: Option<&str>, body: &Value, tls: Tls) -> Result<String, DevError> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json".to_owned()), ("accept", "text/event-stream, application/json".to_owned())];
    if let Some(a) = &auth {
        headers.push(("authorization", a.clone()));
    }
    let (status, content_type, mut stream) = request("POST", url, &headers, body.to_string().into_bytes(), tls.clone()).await?;
    if content_type.starts_with("text/event-stream") {
        let mut reply = String::new();
        let mut buf = String::new();
        while let Some(chunk) = stream.recv().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(i) = buf.find("\n\n") {
                let event: String = buf.drain(..i + 2).collect();
                for line in event.lines().filter_map(|l| l.strip_prefix("data:")) {
                    let v: Value = serde_json::from_str(line.trim()).unwrap_or_default();
                    if let Some(t) = v["text"].as_str().filter(|_| v["type"] == "text") {
                        print!("{t}");
                        let _ = std::io::stdout().flush();
                        reply.push_str(t);
                    }
                }
            }
        }
        println!();
        return Ok(reply);
    }
    let mut bytes = Vec::new();
    while let Some(c) = stream.recv().await {
        bytes.extend_from_slice(&c);
    }
    let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if status == 202 {
        let id = v["request_id"].as_str().unwrap_or_default().to_owned();
        return poll(url, &headers, &id, tls).await;
    }
    match v["reply"].as_str() {
        Some(r) if status == 200 => {
            println!("{r}");
            Ok(r.to_owned())
        }
        _ => Err(DevError::Start(format!("{status}: {}", String::from_utf8_lossy(&bytes)))),
    }
}

async fn poll(url: &str, headers: &[(&str, String)], id: &str, tls: Tls) -> Result<String, DevError> {
    let poll_url = format!("{}/responses/{id}", url.trim_end_matches('/'));
    for _ in 0..600 {
        let (status, body) = buffered(request("GET", &poll_url, headers, Vec::new(), tls.clone()).await?).await;
        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
        match v["status"].as_str() {
            Some("completed") => {
                let r = v["reply"].as_str().unwrap_or_default().to_owned();
                println!("{r}");
                return Ok(r);
            }
            Some("failed") => return Err(DevError::Start(format!("the turn failed: {v}"))),
            _ if status >= 400 => return Err(DevError::Start(format!("{status}: {v}"))),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    Err(DevError::Start(format!("no answer to {id} within 5 minutes")))
}

async fn websocket(url: &str, token: Option<&str>, body: &Value, tls: Tls) -> Result<String, DevError> {
    let mut req = url.into_client_request().map_err(|e| DevError::Start(e.to_string()))?;
    if let Some(t) = token.and_then(|t| hyper::header::HeaderValue::from_str(t).ok()) {
        req.headers_mut().insert("sec-websocket-protocol", t);
    }
    let host = req.uri().host().unwrap_or_default().trim_matches(['[', ']']).to_owned();
    let port = req.uri().port_u16().unwrap_or(if tls.is_some() { 443 } else { 80 });
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| DevError::Start(format!("{url}: {e}")))?;
    let Some(config) = tls else { return converse(url, req, tcp, body).await };
    let name = rustls::pki_types::ServerName::try_from(host).map_err(|e| DevError::Start(format!("{url}: {e}")))?;
    let stream =
        tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.map_err(|e| DevError::Start(format!("{url}: TLS: {e}")))?;
    converse(url, req, stream, body).await
}

/// The WebSocket handshake and one turn over `stream` (plain TCP or TLS).
async fn converse<S>(url: &str, req: hyper::Request<()>, stream: S, body: &Value) -> Result<String, DevError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut ws, _) = tokio_tungstenite::client_async(req, stream).await.map_err(|e| DevError::Start(format!("{url}: {e}")))?;
    ws.send(Message::Text(body.to_string().into())).await.map_err(|e| DevError::Start(e.to_string()))?;
    let mut reply = String::new();
    while let Some(Ok(m)) = ws.next().await {
        let Message::Text(t) = m else { continue };
        let v: Value = serde_json::from_str(&t).unwrap_or_default();
        match v["type"].as_str() {
            Some("reply") => {
                reply.push_str(v["reply"].as_str().unwrap_or_default());
                if v["part"] == v["parts"] {
                    println!("{reply}");
                    break;
                }
            }
            Some("error") => return Err(DevError::Start(format!("the turn failed: {v}"))),
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    Ok(reply)
}

/// An error with its causes (hyper's client says only "client error (Connect)"; the TLS
/// verdict, e.g. an unknown issuer, is in the sources).
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A buffered HTTP(S) request (system roots for https): `(status, body)`.
pub async fn http(method: &str, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Result<(u16, Vec<u8>), DevError> {
    Ok(buffered(request(method, url, headers, body, None).await?).await)
}

async fn buffered((status, _, mut rx): (u16, String, tokio::sync::mpsc::Receiver<Bytes>)) -> (u16, Vec<u8>) {
    let mut out = Vec::new();
    while let Some(c) = rx.recv().await {
        out.extend_from_slice(&c);
    }
    (status, out)
}

/// An HTTP request (HTTPS with `tls`) whose body arrives chunk by chunk: `(status, content
/// type, chunks)`.
async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    tls: Tls,
) -> Result<(u16, String, tokio::sync::mpsc::Receiver<Bytes>), DevError> {
    let config = match (tls, url.starts_with("https://")) {
        (Some(config), _) => config,
        (None, true) => tls_config(None)?,
        // Plain HTTP: no roots are needed (and none are read).
        (None, false) => client_config(rustls::RootCertStore::empty())?,
    };
    let connector =
        hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(Arc::unwrap_or_clone(config)).https_or_http().enable_http1().build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build::<_, Full<Bytes>>(connector);
    let mut req = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let req = req.body(Full::new(Bytes::from(body))).map_err(|e| DevError::Start(format!("{url}: {e}")))?;
    let resp = client.request(req).await.map_err(|e| DevError::Start(format!("{url}: {}", with_sources(&e))))?;
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let mut body = resp.into_body();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(d) = frame.into_data() {
                if tx.send(d).await.is_err() {
                    break;
                }
            }
        }
    });
    Ok((status, ct, rx))
}
