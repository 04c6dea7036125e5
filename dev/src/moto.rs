//! moto_server, the real emulator of SQS, DynamoDB, S3 and Secrets Manager that `dev` starts on
//! a free port of 127.0.0.1 and stops on shutdown (`kill_on_drop`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::DevError;

/// The pip line that installs the emulator, printed when it is missing.
pub const INSTALL_HINT: &str = "pip install 'moto[server]==5.2.5'  (into $AGENTCDK_VENV, or any venv on PATH)";

/// Region and account every local resource lives in.
pub const REGION: &str = "us-east-1";
/// moto's account id.
pub const ACCOUNT_ID: &str = "123456789012";

/// A running moto_server.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

/// `$AGENTCDK_VENV/bin/moto_server`, else `moto_server` on PATH.
pub fn find() -> Result<PathBuf, DevError> {
    if let Some(venv) = std::env::var_os("AGENTCDK_VENV") {
        let p = PathBuf::from(venv).join("bin/moto_server");
        if p.is_file() {
            return Ok(p);
        }
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
        .ok_or_else(|| DevError::Missing(format!("moto_server (SQS, DynamoDB, S3, Secrets Manager) is not installed: {INSTALL_HINT}")))
}

impl Moto {
    /// Starts moto_server and waits until it accepts connections.
    pub async fn start() -> Result<Self, DevError> {
        let tool = find()?;
        let port = crate::net::free_port()?;
        let child = Command::new(&tool)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| DevError::Missing(format!("cannot run {}: {e}", tool.display())))?;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(Self { child, endpoint: format!("http://127.0.0.1:{port}") });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(DevError::Start("moto_server did not listen within 60 s".into()))
    }

    /// The process id (for the memory figure).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the server.
    pub async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }
}
