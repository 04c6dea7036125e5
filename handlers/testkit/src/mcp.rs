//! MCP servers of the official MCP Python SDK (`fixtures/mcp_servers.py`, PyPI `mcp` from the
//! venv) on 127.0.0.1, for interop tests: see the script for the tools each mode offers.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server of the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkMode {
    /// MCPServer (FastMCP): `add`, `fail`, `quote` (structured), `big`, `slow`; SSE answers,
    /// sessions.
    McpServer,
    /// Low-level Server: five tools listed two per page; sessions forgotten after 1 s idle.
    Paged,
}

/// A running SDK server, killed on drop. Its log has one `Created new transport` line per
/// session it created.
#[derive(Debug)]
pub struct SdkServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl SdkServer {
    /// Starts `mode` on a free port and waits (up to 120 s: importing the SDK is slow on a busy
    /// machine) until it listens.
    pub fn start(mode: SdkMode) -> Self {
        let mode = match mode {
            SdkMode::McpServer => "mcpserver",
            SdkMode::Paged => "paged",
        };
        let port = crate::free_port();
        let log = std::env::temp_dir().join(format!("agentcdk-mcp-{mode}-{port}.log"));
        let child = spawn_listening(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/mcp_servers.py"), &[mode], port, &log);
        Self { child, port, log }
    }

    /// The MCP endpoint, `http://127.0.0.1:{port}/mcp`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    /// What the server logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sessions the server created so far.
    pub fn sessions(&self) -> usize {
        self.log_text().matches("Created new transport with session ID").count()
    }
}

/// Runs the Python `script` of the venv with `args` and `port`, its output in `log`, and waits
/// (up to 120 s: importing an SDK is slow on a busy machine) until it listens on `port`.
pub(crate) fn spawn_listening(script: &str, args: &[&str], port: u16, log: &std::path::Path) -> Child {
    let file = std::fs::File::create(log).expect("log file");
    let mut child = Command::new(crate::venv_tool("python"))
        .args([script])
        .args(args)
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::from(file.try_clone().expect("log")))
        .stderr(Stdio::from(file))
        .spawn()
        .expect("start the Python SDK server");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(120) || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            panic!("{script} did not listen: {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

impl Drop for SdkServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
