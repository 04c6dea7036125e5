//! A2A agents of the official A2A Python SDK (`fixtures/a2a_agent.py`, PyPI `a2a-sdk` 0.3 from
//! the venv) on 127.0.0.1, for interop tests: see the script for what each mode answers.

use std::path::PathBuf;
use std::process::{Child, Command};

use serde_json::Value;

/// Runs the official SDK's client (`fixtures/a2a_client.py`) against the agent at `base`
/// (card at `{base}/.well-known/agent-card.json`, `Authorization: Bearer sdk-token`): `op` is
/// `send TEXT`, `stream TEXT`, `get ID` or `cancel ID`. Returns its one JSON line: what the SDK
/// parsed (`card` and `events`, or `task`), or `{"error": code}` for a JSON-RPC error.
pub fn sdk_client(base: &str, op: &str, arg: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/a2a_client.py");
    let out = Command::new(crate::venv_tool("python")).args([script, base, op, arg]).output().expect("run the SDK client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "SDK client failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// How the SDK agent answers `message/send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentMode {
    /// One agent `Message`.
    Message,
    /// A `Task`, completed with an artifact 0.6 s later.
    Task,
    /// A `Task` that fails 0.6 s later.
    Fail,
}

/// A running SDK agent, killed on drop. Its log has one `request:` line per message it got,
/// with the `Authorization` header it saw.
#[derive(Debug)]
pub struct SdkAgent {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl SdkAgent {
    /// Starts the agent in `mode` on a free port and waits until it listens.
    pub fn start(mode: AgentMode) -> Self {
        let mode = match mode {
            AgentMode::Message => "message",
            AgentMode::Task => "task",
            AgentMode::Fail => "fail",
        };
        let port = crate::free_port();
        let log = std::env::temp_dir().join(format!("agentcdk-a2a-{mode}-{port}.log"));
        let child = crate::mcp::spawn_listening(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/a2a_agent.py"), &[mode], port, &log);
        Self { child, port, log }
    }

    /// The agent's card URL, `http://127.0.0.1:{port}/.well-known/agent-card.json`.
    pub fn card_url(&self) -> String {
        format!("http://127.0.0.1:{}/.well-known/agent-card.json", self.port)
    }

    /// What the agent logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for SdkAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
