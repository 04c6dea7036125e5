//! Shared helpers for the integration tests in `tests/tests/`: every example app, synthesized
//! into a folder, and the project's Python tools (installed by `scripts/test` into `.venv`).

#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

use agentcdk::{App, Assembly};

pub mod checkov;
pub mod moto;
pub mod moto_stub;

/// Environment variable naming the virtualenv with cfn-lint, checkov, moto. Default: `.venv`
/// at the repository root.
pub const VENV_ENV: &str = "AGENTCDK_VENV";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A tool installed in the project's virtualenv, or a panic that says how to get it.
pub fn venv_tool(name: &str) -> PathBuf {
    let venv = std::env::var_os(VENV_ENV).map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv"));
    let tool = venv.join("bin").join(name);
    assert!(
        tool.is_file(),
        "{} not found: run `scripts/test` (it installs the Python tools into .venv), or set {VENV_ENV} to a virtualenv that has {name}",
        tool.display()
    );
    tool
}

/// An example app: its crate name and the function that declares it.
pub type Example = (&'static str, fn() -> App);

/// Every example app, by crate name: the one list the integration tests iterate over.
pub fn examples() -> Vec<Example> {
    vec![
        ("l1-queue", l1_queue::app),
        ("quickstart", quickstart::app),
        ("queue-agent", queue_agent::app),
        ("ws-agent", ws_agent::app),
        ("full", full::app),
        ("agentcore-agent", agentcore_agent::app),
        ("stream-agent", stream_agent::app),
        ("tools-agent", tools_agent::app),
        ("support-desk", support_desk::app),
        ("strands-agent", strands_agent::app),
    ]
}

/// Synthesizes `app`, writes it to `out`, and returns the assembly (panics with every
/// diagnostic if the app is invalid).
pub fn synth_into(mut app: App, out: &Path) -> Assembly {
    let assembly = app.synthesize(&[]).unwrap_or_else(|d| panic!("synthesis failed:\n{d}"));
    assembly.write(out).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    assembly
}

/// The template text with asset hashes replaced by `[asset-hash]` (they follow handler code,
/// which changes far more often than the template shape a snapshot is about).
pub fn redacted_template(assembly: &Assembly, stack: usize) -> String {
    let mut text = assembly.stacks[stack].template.clone();
    for hash in assembly.assets.keys() {
        text = text.replace(hash.as_str(), "[asset-hash]");
    }
    text
}

/// Runs cfn-lint on `templates`; returns its exit code and output.
pub fn cfn_lint(templates: &[PathBuf]) -> (i32, String) {
    let output = Command::new(venv_tool("cfn-lint"))
        .arg("--format")
        .arg("parseable")
        .args(templates)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cfn-lint: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}
