//! The command-line faces: `cargo agentcdk dev` ([`DevArgs`], [`run`]) and `cargo agentcdk
//! token` ([`TokenArgs`], [`token`]); the toolkit runs the app's synth first, then calls these.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use serde_json::Value;

use crate::server::{FrontDoorKind, STATE_FILE};
use crate::{logs, DevError, DevOptions, DevServer};

/// `cargo agentcdk dev [STACK]`: serve the synthesized stack on 127.0.0.1.
#[derive(Debug, Clone, Parser)]
#[command(name = "dev")]
pub struct DevArgs {
    /// The stack to serve (default: the only one).
    pub stack: Option<String>,
    /// Cloud assembly folder written by synth: the toolkit's global `--out`.
    #[arg(skip = PathBuf::from("cdk.out"))]
    pub out: PathBuf,
    /// First port of the front doors (the next ones follow); 0 = free ports.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// An OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1 for Ollama) replacing the
    /// template's model for this session.
    #[arg(long)]
    pub model_endpoint: Option<String>,
    /// Model id for --model-endpoint (default: the template's).
    #[arg(long)]
    pub model_id: Option<String>,
    /// A Bedrock Runtime endpoint (e.g. a local Converse peer) for Python functions, which call
    /// Bedrock themselves (default: Bedrock, for real).
    #[arg(long)]
    pub bedrock_endpoint: Option<String>,
    /// Keep the template's JWT issuer instead of the local one.
    #[arg(long)]
    pub real_auth: bool,
    /// Use prebuilt handler binaries from this folder instead of building them.
    #[arg(long)]
    pub handlers_bin_dir: Option<PathBuf>,
    /// Log lines as JSON objects (one per line) instead of coloured text.
    #[arg(long)]
    pub json: bool,
    /// Do not rebuild and reload the functions when their handler crates (or the app) change.
    #[arg(long)]
    pub no_watch: bool,
    /// The app's sources and its synth, set by the toolkit: a change reloads the app.
    #[arg(skip)]
    pub app: Option<AppSource>,
}

/// Runs the app's synth again; returns the assembly folder, or the error to print.
pub type Resynth = Arc<dyn Fn() -> Result<PathBuf, String> + Send + Sync>;

/// The app whose changes `dev` reloads ([`crate::reload`]): its crate folder (polled like the
/// handler crates) and how to synthesize it (the toolkit's own synth step).
#[derive(Clone)]
pub struct AppSource {
    /// The app crate's folder.
    pub dir: PathBuf,
    /// The synth.
    pub synth: Resynth,
}

impl std::fmt::Debug for AppSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSource").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// Serves until Ctrl-C, then stops everything it started.
pub async fn run(args: DevArgs) -> Result<(), DevError> {
    logs::set_json(args.json);
    let opts = DevOptions {
        assembly: args.out.clone(),
        stack: args.stack,
        port: args.port,
        model_endpoint: args.model_endpoint,
        model_id: args.model_id,
        bedrock_endpoint: args.bedrock_endpoint,
        real_auth: args.real_auth,
        handlers_bin_dir: args.handlers_bin_dir,
        prewarm: true,
        watch: !args.no_watch,
    };
    let mut dev = DevServer::start(opts).await?;
    print_banner(&dev, &args.out, true);
    let stop = wait_for_stop();
    tokio::pin!(stop);
    let app = args.app.filter(|_| !args.no_watch);
    let mut seen = app.as_ref().and_then(|a| crate::watch::app_fingerprint(&a.dir));
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(crate::watch::POLL), if app.is_some() => {
                let Some(app) = &app else { continue };
                let now = crate::watch::app_fingerprint(&app.dir);
                if now != seen {
                    reload_app(&mut dev, app, &args.out).await;
                    // What the synth and the reload wrote is not a change of the sources.
                    seen = crate::watch::app_fingerprint(&app.dir);
                }
            }
        }
    }
    logs::dev("stopping: functions, front doors, moto_server");
    dev.shutdown().await;
    Ok(())
}

/// Runs the app's synth and reloads what changed; a failing synth or reload is reported and the
/// running stack keeps serving.
async fn reload_app(dev: &mut DevServer, app: &AppSource, out: &std::path::Path) {
    logs::dev(&format!("{}: changed, running the app's synth", app.dir.display()));
    let synth = app.synth.clone();
    let dir = match tokio::task::spawn_blocking(move || synth()).await {
        Ok(Ok(dir)) => dir,
        Ok(Err(e)) => return logs::dev(&format!("the app's synth failed, the running stack keeps serving: {e}")),
        Err(e) => return logs::dev(&format!("the app's synth failed, the running stack keeps serving: {e}")),
    };
    let stack = dev.stack().to_owned();
    let reloaded = match crate::assembly::Assembly::load(&dir, Some(&stack)) {
        Ok(assembly) => dev.reload(assembly).await,
        Err(e) => Err(e),
    };
    match reloaded {
        Ok(_) => print_banner(dev, out, false),
        Err(e) => logs::dev(&format!("reload failed, the running stack keeps serving: {e}")),
    }
}

/// Ctrl-C (SIGINT) or SIGTERM: either way everything dev started is stopped.
async fn wait_for_stop() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The front doors with ready `curl`/`chat` lines; after a reload (`start` false) without the
/// start figures.
fn print_banner(dev: &DevServer, out: &std::path::Path, start: bool) {
    let mut lines = Vec::new();
    if start {
        lines.push(format!("serving in {:.1} s; moto_server at {}", dev.start_time.as_secs_f64(), dev.moto_endpoint()));
    }
    let token = if dev.issuer().is_some() { " -H \"Authorization: Bearer $(cargo agentcdk token)\"" } else { "" };
    for door in dev.urls() {
        let line = match door.kind {
            FrontDoorKind::RestApi => format!(
                "REST {}: {}\n    curl -s{token} -H 'content-type: application/json' -d '{{\"message\":\"hello\"}}' {}/<path of POST chat>\n    cargo agentcdk chat --out {} \"hello\"",
                door.logical_id,
                door.url,
                door.url,
                out.display()
            ),
            FrontDoorKind::WebSocket => format!("WebSocket {}: {}\n    cargo agentcdk chat --out {} \"hello\"", door.logical_id, door.url, out.display()),
            FrontDoorKind::FunctionUrl => format!("Function URL {}: {}\n    curl -N --aws-sigv4 aws:amz:us-east-1:lambda --user testing:testing -d '{{\"message\":\"hello\"}}' {}", door.logical_id, door.url, door.url),
            FrontDoorKind::Issuer => format!("local issuer: {} (tokens: cargo agentcdk token --user alice)", door.url),
        };
        lines.push(line);
    }
    if start {
        lines.push("Ctrl-C stops everything".into());
    }
    for l in lines {
        println!("{l}");
    }
}

/// `cargo agentcdk token`: a token from the running `dev`'s local issuer.
#[derive(Debug, Clone, Parser)]
#[command(name = "token")]
pub struct TokenArgs {
    /// The user (`sub`).
    #[arg(long, default_value = "dev-user")]
    pub user: String,
    /// Scopes (default: the ones the stack requires); repeatable.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub ttl: u64,
    /// Cloud assembly folder of the running `dev`: the toolkit's global `--out`.
    #[arg(skip = PathBuf::from("cdk.out"))]
    pub out: PathBuf,
}

/// Asks the running `dev`'s issuer for a token.
pub async fn token(args: TokenArgs) -> Result<String, DevError> {
    let state = read_state(&args.out)?;
    let issuer = state["issuer"]
        .as_str()
        .ok_or_else(|| DevError::Start("the running dev has no local issuer (no JWT authorizer, or --real-auth)".into()))?;
    let mut query = format!("user={}&ttl={}", crate::chat::encode(&args.user), args.ttl);
    for s in &args.scopes {
        query.push_str(&format!("&scope={}", crate::chat::encode(s)));
    }
    let (status, body) = crate::chat::http("GET", &format!("{issuer}/token?{query}"), &[], Vec::new()).await?;
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    match v["access_token"].as_str() {
        Some(t) if status == 200 => Ok(t.to_owned()),
        _ => Err(DevError::Start(format!("the issuer answered {status}: {}", String::from_utf8_lossy(&body)))),
    }
}

/// What a running `dev` wrote into the assembly folder.
pub fn read_state(out: &std::path::Path) -> Result<Value, DevError> {
    let p = out.join(STATE_FILE);
    let text = std::fs::read_to_string(&p)
        .map_err(|_| DevError::Start(format!("no running dev for {} (start `cargo agentcdk dev` first)", out.display())))?;
    serde_json::from_str(&text).map_err(|e| DevError::Start(format!("{}: {e}", p.display())))
}
