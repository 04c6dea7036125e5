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
        let file = std::fs::File::create(&log).expect("log file");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/mcp_servers.py");
        let child = Command::new(crate::venv_tool("python"))
            .args([script, mode, &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::from(file.try_clone().expect("log")))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("start the MCP Python SDK server");
        let server = Self { child, port, log };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(120), "MCP server did not listen: {}", server.log_text());
            std::thread::sleep(Duration::from_millis(100));
        }
        server
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

impl Drop for SdkServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
