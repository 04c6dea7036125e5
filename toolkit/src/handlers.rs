//! Building the stock handlers an assembly refers to, with `cargo lambda build`.
//!
//! Where the sources are is in the manifest (synth decided it from how Cargo resolved
//! agentcdk for the app; see `agentcdk_synth::assets::HandlerSource`):
//!
//! - `workspace`: the handlers workspace of the agentcdk checkout the app was built from (a
//!   path or git dependency). Built there with `--locked`, so the build reads exactly the
//!   `Cargo.lock` synth hashed.
//! - no `workspace`: agentcdk came from a registry. The toolkit asks Cargo for the registry
//!   package `<name>@<version>` (a generated crate depending on `=<version>`, resolved by
//!   `cargo metadata`, so it downloads through the user's own registry configuration and
//!   cache, exactly like any dependency), copies the package's sources beside the build, adds
//!   the handlers' release profile (a packaged crate leaves its workspace's profile behind),
//!   and builds it with the `Cargo.lock` packaged in it, `--locked` — what `cargo install
//!   --locked` does.
//!
//! Either way the build lands in the app's target dir, so it is cached like any build of the
//! project, and one `cargo lambda build` builds all handlers of one source and architecture.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use agentcdk_contract::artifacts::BOOTSTRAP_ZIP;

use crate::app::cargo;
use crate::{Error, Result};

/// The handlers workspace's `[profile.release]` (handlers/Cargo.toml says why each line is
/// there), appended to a registry handler's manifest; a test keeps the two equal.
pub const RELEASE_PROFILE: &str = r#"[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "unwind"
strip = true
debug = false
"#;

/// The folder under the target dir that holds the toolkit's handler work: zips, registry
/// sources.
pub const WORK_DIR: &str = "agentcdk-handlers";

/// One stock handler to build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Request {
    /// Crate and binary name.
    pub name: String,
    /// `x86_64` or `arm64`.
    pub architecture: String,
    /// Crate version.
    pub version: String,
    /// The handlers workspace (absolute), or `None` for the registry package.
    pub workspace: Option<PathBuf>,
}

/// Builds every request; returns each one's `bootstrap.zip`.
pub fn build(requests: &[Request], target_dir: &Path) -> Result<BTreeMap<Request, PathBuf>> {
    let mut zips = BTreeMap::new();
    if requests.is_empty() {
        return Ok(zips);
    }
    probe_cargo_lambda(&requests[0].name)?;
    let work = target_dir.join(WORK_DIR);
    // One build per (sources, architecture): shared dependencies compile once.
    let mut groups: BTreeMap<(PathBuf, String), Vec<&Request>> = BTreeMap::new();
    for request in requests {
        let root = match &request.workspace {
            Some(ws) => ws.clone(),
            None => registry_sources(&request.name, &request.version, &work)?,
        };
        groups.entry((root, request.architecture.clone())).or_default().push(request);
    }
    for ((root, architecture), members) in groups {
        let lambda_dir = work.join(format!("lambda-{architecture}"));
        let names: Vec<&str> = members.iter().map(|r| r.name.as_str()).collect();
        cargo_lambda(&root, &names, &architecture, target_dir, &lambda_dir)?;
        for request in members {
            let zip = lambda_dir.join(&request.name).join(BOOTSTRAP_ZIP);
            if !zip.is_file() {
                return Err(Error::new(format!("cargo lambda built '{}' but {} is missing", request.name, zip.display()))
                    .hint("the handler crate's binary must be named like the crate"));
            }
            zips.insert(request.clone(), zip);
        }
    }
    Ok(zips)
}

fn probe_cargo_lambda(name: &str) -> Result<()> {
    let probe = Command::new(cargo()).args(["lambda", "--version"]).output();
    if probe.as_ref().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    Err(Error::new(format!("cannot build handler '{name}': cargo-lambda is not installed"))
        .hint("install it with `pip install cargo-lambda` (it ships zig) or `cargo install cargo-lambda`, then run package again"))
}

/// `cargo lambda build --release --output-format zip --locked` of `names` in the workspace (or
/// package) at `root`, into `target_dir`; zips in `lambda_dir/<name>/bootstrap.zip`. Cargo's
/// progress goes to the terminal: a first build takes minutes.
fn cargo_lambda(root: &Path, names: &[&str], architecture: &str, target_dir: &Path, lambda_dir: &Path) -> Result<()> {
    let manifest = root.join("Cargo.toml");
    let locked = root.join("Cargo.lock").is_file();
    let mut command = Command::new(cargo());
    command.args(["lambda", "build", "--release", "--output-format", "zip"]);
    command.arg(if architecture == "arm64" { "--arm64" } else { "--x86-64" });
    if locked {
        command.arg("--locked");
    }
    // The target dir through the environment: cargo-lambda passes a --target-dir flag on to its
    // `cargo metadata` call too, which refuses it.
    command.env("CARGO_TARGET_DIR", target_dir).arg("--manifest-path").arg(&manifest).arg("--lambda-dir").arg(lambda_dir);
    for name in names {
        command.args(["-p", name]);
    }
    eprintln!("  building {} ({architecture}) from {} with cargo lambda", names.join(", "), root.display());
    let status = command.status().map_err(|e| Error::new(format!("cannot run cargo lambda: {e}")))?;
    if status.success() {
        return Ok(());
    }
    let hint = if architecture == "arm64" {
        "arm64 needs the aarch64 Rust target: rustup target add aarch64-unknown-linux-gnu"
    } else {
        "cargo's messages above say why"
    };
    Err(Error::new(format!("cargo lambda build of {} failed ({status})", names.join(", "))).hint(hint))
}

/// The sources of the registry package `name@version`, copied to
/// `<work>/src/<name>-<version>` with [`RELEASE_PROFILE`] (done once: a registry version
/// never changes).
fn registry_sources(name: &str, version: &str, work: &Path) -> Result<PathBuf> {
    let dest = work.join("src").join(format!("{name}-{version}"));
    if dest.join(".agentcdk-complete").is_file() {
        return Ok(dest);
    }
    let fetch = work.join("fetch").join(format!("{name}-{version}"));
    let io = |what: &Path, e: std::io::Error| Error::new(format!("cannot write {}: {e}", what.display()));
    fs::create_dir_all(&fetch).map_err(|e| io(&fetch, e))?;
    // `[workspace]`: the folder may sit inside the user's workspace, which does not list it.
    let manifest = format!(
        "[package]\nname = \"agentcdk-fetch-{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\n{name} = \"={version}\"\n\n[workspace]\n"
    );
    fs::write(fetch.join("Cargo.toml"), manifest).map_err(|e| io(&fetch, e))?;
    fs::write(fetch.join("lib.rs"), "").map_err(|e| io(&fetch, e))?;
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(fetch.join("Cargo.toml"))
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo metadata: {e}")))?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "cannot resolve the handler package {name}@{version}:\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        ))
        .hint("the stock handlers are published with agentcdk; check the registry is reachable (or the crate is in Cargo's cache for --offline)"));
    }
    let source = package_dir(&output.stdout, name, version).ok_or_else(|| {
        Error::new(format!("cargo metadata did not list {name}@{version}")).hint("report this: the fetch crate depends on it")
    })?;
    let _ = fs::remove_dir_all(&dest);
    copy_dir(&source, &dest)?;
    let cargo_toml = dest.join("Cargo.toml");
    let mut text = fs::read_to_string(&cargo_toml).map_err(|e| io(&cargo_toml, e))?;
    text.push_str("\n# Added by cargo-agentcdk: the handlers workspace's release profile.\n");
    text.push_str(RELEASE_PROFILE);
    text.push_str("\n[workspace]\n");
    fs::write(&cargo_toml, text).map_err(|e| io(&cargo_toml, e))?;
    fs::write(dest.join(".agentcdk-complete"), "").map_err(|e| io(&dest, e))?;
    Ok(dest)
}

/// The folder of package `name@version` in `cargo metadata` output.
fn package_dir(metadata: &[u8], name: &str, version: &str) -> Option<PathBuf> {
    let json: serde_json::Value = serde_json::from_slice(metadata).ok()?;
    let package = json["packages"].as_array()?.iter().find(|p| p["name"] == name && p["version"] == version)?;
    Path::new(package["manifest_path"].as_str()?).parent().map(Path::to_owned)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| Error::new(format!("cannot create {}: {e}", to.display())))?;
    let entries = fs::read_dir(from).map_err(|e| Error::new(format!("cannot list {}: {e}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::new(format!("cannot list {}: {e}", from.display())))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).map_err(|e| Error::new(format!("cannot copy {} to {}: {e}", src.display(), dst.display())))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_profile_is_the_handlers_workspaces() {
        let workspace = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../handlers/Cargo.toml")).unwrap();
        let start = workspace.find("[profile.release]").expect("handlers/Cargo.toml has a release profile");
        let section: String = workspace[start..]
            .lines()
            .take_while(|l| !l.is_empty())
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(section, RELEASE_PROFILE, "keep RELEASE_PROFILE equal to handlers/Cargo.toml's [profile.release]");
    }

    #[test]
    fn the_package_folder_comes_from_cargo_metadata() {
        let metadata = br#"{"packages":[
            {"name":"other","version":"0.1.0","manifest_path":"/reg/other-0.1.0/Cargo.toml"},
            {"name":"agent-runner","version":"0.1.0","manifest_path":"/reg/agent-runner-0.1.0/Cargo.toml"}]}"#;
        assert_eq!(package_dir(metadata, "agent-runner", "0.1.0"), Some(PathBuf::from("/reg/agent-runner-0.1.0")));
        assert_eq!(package_dir(metadata, "agent-runner", "0.2.0"), None);
    }
}
