//! A local moto_server (PyPI `moto[server]`, installed in the project venv) and real AWS SDK
//! clients pointed at it.
//!
//! ```no_run
//! # async fn demo() {
//! let moto = agentcdk_tests::moto::MotoServer::start();
//! let cfn = moto.cloudformation();
//! let stacks = cfn.describe_stacks().send().await.unwrap();
//! # let _ = stacks;
//! // moto_server is killed when `moto` is dropped, also when the test panics.
//! # }
//! ```
//!
//! Each fixture is its own server on a free port of 127.0.0.1, so tests can run in parallel
//! and never see each other's state. A watchdog shell process kills the server if the test
//! process dies without unwinding (SIGKILL, a timeout), so no moto_server outlives its test.
//!
//! For a synthesized folder, [`MotoServer::upload_assets`] and [`MotoServer::deploy`] do what a
//! deploy does (create-stack of a copy stubbed by [`crate::moto_stub`]); for a child process
//! (the project's CLI, the AWS CLI), [`MotoServer::env`] gives the environment that points it
//! here. S3 clients must use path-style addressing.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Cursor, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agentcdk::manifest::{AssetSourceManifest, Manifest, MANIFEST_FILE};
use agentcdk::ASSET_BUCKET_PARAMETER;
use aws_sdk_cloudformation::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudformation::types::{Capability, Parameter, Stack, StackStatus};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::venv_tool;

/// The region every client uses.
pub const REGION: &str = "us-east-1";
/// The account id moto answers with.
pub const ACCOUNT_ID: &str = "123456789012";
/// Access key id of the static test credentials (moto accepts any).
pub const ACCESS_KEY_ID: &str = "testing";
/// Secret key of the static test credentials.
pub const SECRET_ACCESS_KEY: &str = "testing";

/// How long moto_server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto_server, killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    server: Child,
    watchdog: Option<Child>,
    port: u16,
    endpoint: String,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl MotoServer {
    /// Starts `moto_server -H 127.0.0.1 -p <free port>` from the project venv and waits until
    /// it accepts connections. Panics (with the server's log) if it does not start.
    pub fn start() -> MotoServer {
        let tool = venv_tool("moto_server");
        let mut log = String::new();
        // Another process may take the port between our probe and moto's bind: then try another.
        for _ in 0..5 {
            let log_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir for moto_server's log: {e}"));
            let log_file = log_dir.path().join("moto_server.log");
            let out = File::create(&log_file).unwrap_or_else(|e| panic!("cannot create {}: {e}", log_file.display()));
            let err = out.try_clone().unwrap_or_else(|e| panic!("cannot reopen {}: {e}", log_file.display()));
            let port = free_port();
            let server = Command::new(&tool)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
            let watchdog = spawn_watchdog(server.id());
            let endpoint = format!("http://127.0.0.1:{port}");
            let mut moto = MotoServer { server, watchdog, port, endpoint, log: log_file, _log_dir: log_dir };
            if moto.wait_until_listening() {
                return moto;
            }
            log = moto.log();
            drop(moto);
            if !log.contains("Address already in use") {
                break;
            }
        }
        panic!("moto_server did not start listening within {START_TIMEOUT:?}; its output:\n{log}")
    }

    /// The endpoint URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The port moto listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Everything moto_server printed so far (one line per request; Python tracebacks of its
    /// own failures).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Environment variables that point a child process (the project's CLI, the AWS CLI) at
    /// this server with the test credentials: `AWS_ENDPOINT_URL`, keys, region; instance
    /// metadata lookups off.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_owned()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
    }

    /// A CloudFormation client for this server. Retries are off: moto's errors are
    /// deterministic, and a retried HTTP 500 only hides the first answer.
    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        let config = aws_sdk_cloudformation::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(credentials())
            .endpoint_url(&self.endpoint)
            .retry_config(aws_sdk_cloudformation::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_cloudformation::Client::from_conf(config)
    }

    /// An S3 client for this server, with path-style addressing (virtual-host style needs DNS
    /// names like `bucket.127.0.0.1`, which do not resolve).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(REGION))
            .credentials_provider(credentials())
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// A Lambda client for this server (`operate.rs`: what invoke and hotswap did).
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        let config = aws_sdk_lambda::Config::builder()
            .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
            .region(aws_sdk_lambda::config::Region::new(REGION))
            .credentials_provider(credentials())
            .endpoint_url(&self.endpoint)
            .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_lambda::Client::from_conf(config)
    }

    /// A CloudWatch Logs client for this server (`operate.rs`: the records `logs` reads).
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        let config = aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatchlogs::config::Region::new(REGION))
            .credentials_provider(credentials())
            .endpoint_url(&self.endpoint)
            .retry_config(aws_sdk_cloudwatchlogs::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(config)
    }

    /// Sets moto's configuration (`POST /moto-api/config`), e.g. `{"lambda": {"use_docker":
    /// false}}`: Lambda without Docker, whose Invoke answers with the event it was given.
    pub fn configure(&self, config: &str) {
        use std::io::Read as _;
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        let request = format!(
            "POST /moto-api/config HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{config}",
            self.port,
            config.len()
        );
        stream.write_all(request.as_bytes()).expect("write to moto");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read from moto");
        assert!(answer.starts_with("HTTP/1.1 201") || answer.starts_with("HTTP/1.0 201"), "moto-api/config: {answer}");
    }

    fn wait_until_listening(&mut self) -> bool {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let start = Instant::now();
        while start.elapsed() < START_TIMEOUT {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return true;
            }
            if let Ok(Some(_)) = self.server.try_wait() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // moto_server is a single Python process (no reloader, no workers): killing it is enough.
        let _ = self.server.kill();
        let _ = self.server.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

fn credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "agentcdk-tests")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("cannot bind a port on 127.0.0.1: {e}"));
    listener.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("cannot read the bound port: {e}"))
}

/// A `sh` loop that kills the server once this test process is gone. Drop kills both; the
/// watchdog only matters when the test process dies without running destructors.
fn spawn_watchdog(server: u32) -> Option<Child> {
    let script = "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; kill -9 \"$2\" 2>/dev/null";
    Command::new("sh")
        .args(["-c", script, "moto-watchdog", &std::process::id().to_string(), &server.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// What [`MotoServer::deploy`] did with one stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Stack name.
    pub stack: String,
    /// Resources taken out of the deployed copy because moto ignores their type: (logical
    /// id, type). See [`crate::moto_stub`].
    pub skipped: Vec<(String, String)>,
    /// Outputs as moto resolved them: (key, value).
    pub outputs: Vec<(String, String)>,
    /// `describe-stack-resources`: (logical id, type, physical id).
    pub resources: Vec<(String, String, String)>,
}

impl MotoServer {
    /// Creates `bucket` in moto's S3 and uploads every asset of the synthesized folder `out`
    /// (its `manifest.json`) under its object key; returns the keys.
    ///
    /// `path` assets are zipped from the real sources (a ready `.zip` goes as is). Handler
    /// assets (`cargo-lambda`) are not built: moto stores a function's code but never runs it,
    /// so each gets a small valid zip holding a placeholder `bootstrap`.
    pub async fn upload_assets(&self, out: &Path, bucket: &str) -> Vec<String> {
        let manifest = read_manifest(out);
        let s3 = self.s3();
        if let Err(e) = s3.create_bucket().bucket(bucket).send().await {
            // A second app deployed into the same server reuses the bucket.
            let owned = e.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you());
            assert!(owned, "create-bucket {bucket}: {e:?}\n{}", self.log_tail());
        }
        let mut keys = Vec::new();
        for (hash, asset) in &manifest.assets {
            let body = match &asset.source {
                AssetSourceManifest::Handler { name, .. } => zip_entries(&[(
                    "bootstrap".to_owned(),
                    format!("#!/bin/sh\n# placeholder for handler {name}; moto never runs it\n").into_bytes(),
                )]),
                AssetSourceManifest::Path { path } => zip_path(&out.join(path)),
                // The sources alone: moto never runs the code, so no wheels are installed here.
                AssetSourceManifest::Python { path, .. } => zip_path(&out.join(path)),
            };
            s3.put_object()
                .bucket(bucket)
                .key(&asset.object_key)
                .body(body.into())
                .send()
                .await
                .unwrap_or_else(|e| panic!("put-object {} (asset {hash}): {e:?}\n{}", asset.object_key, self.log_tail()));
            keys.push(asset.object_key.clone());
        }
        keys
    }

    /// Deploys stack `stack` of the synthesized folder `out` (assets already uploaded to
    /// `bucket`): a copy stubbed for moto ([`crate::moto_stub::stub_for_moto`]), created with
    /// the `AssetBucket` parameter and the IAM capabilities. Panics unless it reaches
    /// CREATE_COMPLETE, with the stack events and moto's log.
    pub async fn deploy(&self, out: &Path, stack: &str, bucket: &str) -> Deployment {
        self.deploy_with(out, stack, bucket, &[]).await
    }

    /// [`MotoServer::deploy`] with values for the stack's other parameters.
    pub async fn deploy_with(&self, out: &Path, stack: &str, bucket: &str, parameters: &[(&str, &str)]) -> Deployment {
        let manifest = read_manifest(out);
        let stack_manifest = manifest.stacks.get(stack).unwrap_or_else(|| panic!("{stack} is not in {}/manifest.json", out.display()));
        let template_path = out.join(&stack_manifest.template_file);
        let text = std::fs::read_to_string(&template_path).unwrap_or_else(|e| panic!("cannot read {}: {e}", template_path.display()));
        let template: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", template_path.display()));
        let (stubbed, skipped) = crate::moto_stub::stub_for_moto(&template);

        let cfn = self.cloudformation();
        let mut create = cfn
            .create_stack()
            .stack_name(stack)
            .template_body(stubbed.to_string())
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam);
        for name in stack_manifest.parameters.keys() {
            let value =
                if name == ASSET_BUCKET_PARAMETER { Some(bucket) } else { parameters.iter().find(|(k, _)| k == name).map(|(_, v)| *v) };
            if let Some(value) = value {
                create = create.parameters(Parameter::builder().parameter_key(name).parameter_value(value).build());
            }
        }
        if let Err(e) = create.send().await {
            // Keep the deployed copy: replaying it against moto in Python shows moto's traceback.
            let kept = std::env::temp_dir().join(format!("agentcdk-moto-{stack}.stubbed.template.json"));
            let _ = std::fs::write(&kept, stubbed.to_string());
            panic!(
                "create-stack {stack} failed: {}\nthe stubbed template is in {}\nevents:\n{}\nmoto_server log:\n{}",
                error_text(&e),
                kept.display(),
                stack_events(&cfn, stack).await,
                self.log_tail()
            );
        }
        let described = wait_for_stack(&cfn, stack, Duration::from_secs(300)).await;
        let status = described.stack_status().map(StackStatus::as_str).unwrap_or("?");
        if status != "CREATE_COMPLETE" {
            panic!(
                "{stack} ended in {status} ({}), not CREATE_COMPLETE\nevents:\n{}\nmoto_server log:\n{}",
                described.stack_status_reason().unwrap_or("no reason given"),
                stack_events(&cfn, stack).await,
                self.log_tail()
            );
        }
        let outputs = described
            .outputs()
            .iter()
            .map(|o| (o.output_key().unwrap_or_default().to_owned(), o.output_value().unwrap_or_default().to_owned()))
            .collect();
        let listed = cfn.describe_stack_resources().stack_name(stack).send().await;
        let listed = listed.unwrap_or_else(|e| panic!("describe-stack-resources {stack}: {}", error_text(&e)));
        let resources = listed
            .stack_resources()
            .iter()
            .filter_map(|r| {
                Some((
                    r.logical_resource_id()?.to_owned(),
                    r.resource_type().unwrap_or_default().to_owned(),
                    r.physical_resource_id().unwrap_or_default().to_owned(),
                ))
            })
            .collect();
        Deployment { stack: stack.to_owned(), skipped, outputs, resources }
    }

    /// The last 60 lines of [`MotoServer::log`] (where moto's Python tracebacks are).
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }
}

fn read_manifest(out: &Path) -> Manifest {
    let path = out.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A zip (stored, not compressed: Lambda and moto accept it, and it needs no codec crate) of
/// `entries` (name, content); every entry is executable.
pub fn zip_entries(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).unix_permissions(0o755);
    for (name, content) in entries {
        zip.start_file(name.as_str(), options).unwrap_or_else(|e| panic!("zip {name}: {e}"));
        zip.write_all(content).unwrap_or_else(|e| panic!("zip {name}: {e}"));
    }
    zip.finish().unwrap_or_else(|e| panic!("zip: {e}")).into_inner()
}

/// An asset as `package` would upload it: a `.zip` file as is, anything else zipped by the
/// toolkit's own [`cargo_agentcdk::package::zip_path`] (the files synth hashed).
pub fn zip_path(path: &Path) -> Vec<u8> {
    if path.is_file() && path.extension().is_some_and(|e| e == "zip") {
        return std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    }
    cargo_agentcdk::package::zip_path(path).unwrap_or_else(|e| panic!("cannot zip {}: {e}", path.display()))
}

/// Polls `describe-stacks` until `stack` leaves every `*_IN_PROGRESS` status (moto answers
/// create-stack synchronously, real CloudFormation does not), then returns it. Panics after
/// `timeout`.
pub async fn wait_for_stack(cfn: &aws_sdk_cloudformation::Client, stack: &str, timeout: Duration) -> Stack {
    let start = Instant::now();
    loop {
        let answer = cfn.describe_stacks().stack_name(stack).send().await;
        let described = answer.unwrap_or_else(|e| panic!("describe-stacks {stack}: {}", error_text(&e)));
        let found = described.stacks().first().cloned().unwrap_or_else(|| panic!("describe-stacks {stack}: no such stack"));
        let status = found.stack_status().map(StackStatus::as_str).unwrap_or("");
        if !status.ends_with("_IN_PROGRESS") {
            return found;
        }
        assert!(start.elapsed() < timeout, "{stack} still {status} after {timeout:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The stack's events, oldest first, one line each: status, logical id, type, reason.
pub async fn stack_events(cfn: &aws_sdk_cloudformation::Client, stack: &str) -> String {
    let events = match cfn.describe_stack_events().stack_name(stack).send().await {
        Ok(answer) => answer.stack_events().to_vec(),
        Err(e) => return format!("(describe-stack-events failed: {})", error_text(&e)),
    };
    let mut text = String::new();
    for event in events.iter().rev() {
        let _ = writeln!(
            text,
            "{:<22} {:<40} {:<36} {}",
            event.resource_status().map(|s| s.as_str()).unwrap_or("?"),
            event.logical_resource_id().unwrap_or("?"),
            event.resource_type().unwrap_or("?"),
            event.resource_status_reason().unwrap_or("")
        );
    }
    text
}

/// An SDK error with everything it knows: the deploy CLI's one-line form (the service's code and
/// message, else the error chain), plus the raw response for debugging moto.
pub fn error_text<E, R>(error: &aws_sdk_cloudformation::error::SdkError<E, R>) -> String
where
    E: std::error::Error + aws_sdk_cloudformation::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    let mut text = cargo_agentcdk::aws::error_text(error);
    if error.as_service_error().and_then(|e| e.code()).is_none() {
        if let Some(raw) = error.raw_response() {
            let _ = write!(text, " (raw response: {raw:?})");
        }
    }
    text
}
