//! The handler binaries: a native `cargo build` of exactly the crates the stack's functions use
//! (incremental: a second start rebuilds only what changed), each binary's path read from
//! cargo's own `compiler-artifact` messages; or a folder of prebuilt binaries.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::DevError;

/// Builds `crates` of the handlers workspace at `workspace`; returns each crate's binary.
pub async fn build(workspace: &Path, crates: &BTreeSet<String>) -> Result<BTreeMap<String, PathBuf>, DevError> {
    if !workspace.join("Cargo.toml").is_file() {
        return Err(DevError::Build(format!(
            "the handlers workspace {} named by the manifest is not there (was cdk.out moved away from the project?)\n  hint: synth again in place, or pass --handlers-bin-dir",
            workspace.display()
        )));
    }
    // Absolute: the command runs from the workspace, and a relative `--manifest-path` (from a
    // relative `--out`) would then be resolved a second time from there.
    let workspace = &workspace.canonicalize().map_err(|e| DevError::Build(format!("{}: {e}", workspace.display())))?;
    let mut cmd = tokio::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("build").arg("--message-format=json-render-diagnostics").arg("--manifest-path").arg(workspace.join("Cargo.toml"));
    for c in crates {
        cmd.args(["-p", c, "--bin", c]);
    }
    // Run from the workspace so its .cargo/config.toml (the shared target dir) applies.
    cmd.current_dir(workspace).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
    let out = cmd.output().await.map_err(|e| DevError::Build(format!("cannot run cargo: {e}")))?;
    if !out.status.success() {
        return Err(DevError::Build(format!("cargo build of the handler crates {crates:?} failed (see above)")));
    }
    let mut bins = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
        if v["reason"] != "compiler-artifact" {
            continue;
        }
        if let (Some(name), Some(exe)) = (v["target"]["name"].as_str(), v["executable"].as_str()) {
            if crates.contains(name) {
                bins.insert(name.to_owned(), PathBuf::from(exe));
            }
        }
    }
    match crates.iter().find(|c| !bins.contains_key(*c)) {
        Some(c) => Err(DevError::Build(format!("cargo built no binary named {c}"))),
        None => Ok(bins),
    }
}

/// Prebuilt binaries in `dir`, one per crate, named after it.
pub fn prebuilt(dir: &Path, crates: &BTreeSet<String>) -> Result<BTreeMap<String, PathBuf>, DevError> {
    crates
        .iter()
        .map(|c| {
            let p = dir.join(c);
            if p.is_file() {
                Ok((c.clone(), p))
            } else {
                Err(DevError::Build(format!("no binary {} (built handlers expected in {})", p.display(), dir.display())))
            }
        })
        .collect()
}
