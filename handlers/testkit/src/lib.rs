//! Test peers for the handlers' tests (and the benchmark): real servers on 127.0.0.1, started
//! and stopped by the test itself.
//!
//! - [`moto`]: `moto_server` from the project venv (`AGENTCDK_VENV`, default `<repo>/.venv`),
//!   plus SDK config and table/queue helpers pointing at it.
//! - [`http`]: a small threaded HTTP/1.1 server, for third-party peers (model APIs, JWKS).
//! - [`runtime_api`]: the Lambda Runtime API, driving a real built handler binary.
//! - [`keys`]: RSA and EC signing keys with their JWKs, generated per test; signing; a JWKS server.
//! - [`events`]: Lambda events (REST, Function URL, WebSocket, SQS, authorizer) from the
//!   aws_lambda_events fixtures, one copy for every test binary.
//! - [`mcp`]: MCP servers of the official MCP Python SDK, for interop tests.
//! - [`a2a`]: A2A agents served by the official A2A Python SDK, for interop tests.

pub mod a2a;
pub mod events;
pub mod http;
pub mod keys;
pub mod mcp;
pub mod moto;
pub mod runtime_api;

use std::net::TcpListener;
use std::path::PathBuf;

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("no free port on 127.0.0.1")
}

/// The project venv: `AGENTCDK_VENV`, else `<repo>/.venv`.
pub fn venv() -> PathBuf {
    std::env::var_os("AGENTCDK_VENV").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../.venv")
            .canonicalize()
            .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"))
    })
}

/// Path of tool `name` in the venv's `bin/`; panics with the install command when missing
/// (tests never skip silently).
pub fn venv_tool(name: &str) -> PathBuf {
    let path = venv().join("bin").join(name);
    assert!(
        path.exists(),
        "{name} not found at {}: install the handlers' Python tools with \
         `$AGENTCDK_VENV/bin/pip install -r handlers/requirements.txt` \
         (AGENTCDK_VENV defaults to <repo>/.venv)",
        path.display()
    );
    path
}
