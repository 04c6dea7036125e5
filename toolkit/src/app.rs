//! Running the user's app for its cloud assembly, and reading the assembly back.
//!
//! The toolkit never links the app: it runs it (`cargo run --quiet -- synth --out DIR`, or
//! `--app CMD`) as the AWS CDK's `cdk deploy` runs `cdk.json`'s `app`, and reads what it wrote
//! (`manifest.json` and the templates). That keeps the AWS SDK out of every user's build.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use agentcdk_synth::manifest::{Manifest, NestedStackManifest, MANIFEST_FILE, MANIFEST_VERSION};
use agentcdk_synth::{NestedArtifact, StackArtifact};

use crate::{AppArgs, Error, Result};

/// A cloud assembly read from disk.
#[derive(Debug, Clone)]
pub struct CloudAssembly {
    /// Its folder.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// The stacks, in the manifest's order, with their templates.
    pub stacks: Vec<StackArtifact>,
}

impl CloudAssembly {
    /// Reads `dir/manifest.json` and every template it lists.
    pub fn load(dir: &Path) -> Result<CloudAssembly> {
        let file = dir.join(MANIFEST_FILE);
        let text = fs::read_to_string(&file).map_err(|e| {
            Error::new(format!("cannot read {}: {e}", file.display()))
                .hint("synthesize first: cargo agentcdk synth (or cargo run -- synth)")
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            Error::new(format!("{} is not an agentcdk manifest: {e}", file.display()))
                .hint("synthesize again with the agentcdk version this toolkit belongs to")
        })?;
        if manifest.version != MANIFEST_VERSION {
            return Err(Error::new(format!(
                "{}: manifest version {} (this toolkit reads {MANIFEST_VERSION})",
                file.display(),
                manifest.version
            ))
            .hint("install the toolkit that matches your agentcdk version: cargo install cargo-agentcdk --version <agentcdk's>"));
        }
        let mut stacks = Vec::new();
        for (name, stack) in &manifest.stacks {
            let path = dir.join(&stack.template_file);
            let template = fs::read_to_string(&path).map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
            let json = serde_json::from_str(&template).map_err(|e| Error::new(format!("{} is not JSON: {e}", path.display())))?;
            let nested = stack.nested.iter().map(|(id, n)| load_nested(dir, id, n)).collect::<Result<Vec<_>>>()?;
            stacks.push(StackArtifact { name: name.clone(), template, json, manifest: stack.clone(), nested });
        }
        Ok(CloudAssembly { dir: dir.to_owned(), manifest, stacks })
    }

    /// Paths of every template: each stack's, then its nested stacks' (for linters).
    pub fn template_files(&self) -> Vec<PathBuf> {
        self.manifest
            .stacks
            .values()
            .flat_map(|s| std::iter::once(&s.template_file).chain(s.nested.values().map(|n| &n.template_file)))
            .map(|f| self.dir.join(f))
            .collect()
    }

    /// The stack names, in order.
    pub fn stack_names(&self) -> Vec<String> {
        self.stacks.iter().map(|s| s.name.clone()).collect()
    }

    /// Keeps only the stacks named in `wanted` (all when empty); an unknown name is an error.
    fn select(mut self, wanted: &[String]) -> Result<CloudAssembly> {
        if wanted.is_empty() {
            return Ok(self);
        }
        let all = self.stack_names();
        if let Some(missing) = wanted.iter().find(|w| !all.contains(w)) {
            return Err(Error::new(format!("no stack named '{missing}' in {}", self.dir.display()))
                .hint(format!("the assembly has: {}", all.join(", "))));
        }
        self.stacks.retain(|s| wanted.contains(&s.name));
        self.manifest.stacks.retain(|name, _| wanted.contains(name));
        let used: Vec<String> = self.manifest.stacks.values().flat_map(|s| s.assets.clone()).collect();
        self.manifest.assets.retain(|hash, _| used.contains(hash));
        Ok(self)
    }
}

/// `cargo`, or the one that runs us (`$CARGO`, set by cargo for its subcommands).
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The command that makes the app write its assembly into `out`.
fn app_command(args: &AppArgs, stacks: &[String]) -> Command {
    let mut synth: Vec<OsString> = vec!["synth".into(), "--out".into(), args.out.clone().into_os_string()];
    synth.extend(stacks.iter().map(OsString::from));
    match &args.app {
        Some(app) => {
            // A shell command, as the AWS CDK's `--app`: quoting and variables work as typed.
            let mut command = Command::new("sh");
            command.arg("-c").arg(format!("{app} \"$@\"")).arg("sh").args(synth);
            command
        }
        None => {
            let mut command = Command::new(cargo());
            command.args(["run", "--quiet"]);
            if let Some(package) = &args.package {
                command.args(["-p", package]);
            }
            command.arg("--").args(synth);
            command
        }
    }
}

/// Runs the app's synth (or reads `--app DIR`) and returns the stacks in `stacks` (all when
/// empty). The app's own output (cargo's progress, synth's summary, warnings, errors) is
/// passed through.
pub fn synthesize(args: &AppArgs, stacks: &[String]) -> Result<CloudAssembly> {
    synthesize_with(args, stacks, std::process::Stdio::inherit())
}

/// [`synthesize`] with the app's output on stderr: for commands whose stdout is the result
/// (`invoke`'s answer, `logs`' records), so it can be piped.
pub fn synthesize_aside(args: &AppArgs, stacks: &[String]) -> Result<CloudAssembly> {
    synthesize_with(args, stacks, std::io::stderr().into())
}

fn synthesize_with(args: &AppArgs, stacks: &[String], stdout: std::process::Stdio) -> Result<CloudAssembly> {
    if let Some(dir) = args.app.as_deref().map(Path::new).filter(|d| d.join(MANIFEST_FILE).is_file()) {
        return CloudAssembly::load(dir)?.select(stacks);
    }
    let mut command = app_command(args, stacks);
    command.stdout(stdout);
    let status = command.status().map_err(|e| Error::new(format!("cannot run the app ({command:?}): {e}")))?;
    if !status.success() {
        return Err(Error::new(format!("the app's synth failed ({status}); nothing was packaged or deployed")).hint(
            "its messages are above; the app is `cargo run --quiet -- synth` in this crate (-p NAME for a workspace member, --app CMD otherwise)",
        ));
    }
    CloudAssembly::load(&args.out)?.select(stacks)
}

/// The folder of the app crate whose changes `dev` reloads: the `-p` member's folder (`cargo
/// metadata`), else the current folder; `None` for `--app DIR` (a fixed assembly: nothing to
/// synthesize again).
pub fn app_dir(args: &AppArgs) -> Option<PathBuf> {
    if args.app.as_deref().map(Path::new).is_some_and(|d| d.join(MANIFEST_FILE).is_file()) {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    let Some(package) = args.package.as_deref().filter(|_| args.app.is_none()) else { return Some(cwd) };
    let out = Command::new(cargo()).args(["metadata", "--format-version", "1", "--no-deps", "--offline"]).output().ok()?;
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let manifest = meta["packages"].as_array()?.iter().find(|p| p["name"] == package)?["manifest_path"].as_str()?.to_owned();
    Path::new(&manifest).parent().map(Path::to_path_buf)
}

/// Where handler builds go: the app crate's target dir (`cargo metadata`, so
/// `CARGO_TARGET_DIR` and `.cargo/config.toml` count), so they are cached like any build of
/// the project and `cargo clean` removes them. Outside a cargo project (`--app CMD` of another
/// kind), `<out>/../target`.
pub fn target_dir(args: &AppArgs, out: &Path) -> PathBuf {
    if args.app.is_some() && !Path::new("Cargo.toml").is_file() {
        return fallback_target(out);
    }
    let found = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .and_then(|v| v.get("target_directory").and_then(|t| t.as_str()).map(PathBuf::from));
    found.unwrap_or_else(|| fallback_target(out))
}

fn fallback_target(out: &Path) -> PathBuf {
    let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_owned());
    abs.parent().map_or_else(|| PathBuf::from("target"), |p| p.join("target"))
}

/// Reads one nested template the manifest lists.
fn load_nested(dir: &Path, logical_id: &str, manifest: &NestedStackManifest) -> Result<NestedArtifact> {
    let path = dir.join(&manifest.template_file);
    let template = fs::read_to_string(&path).map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
    let json = serde_json::from_str(&template).map_err(|e| Error::new(format!("{} is not JSON: {e}", path.display())))?;
    Ok(NestedArtifact { logical_id: logical_id.to_owned(), template, json, manifest: manifest.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcdk_synth::{cfn::sqs::Queue, App, StackProps};

    fn write_app(out: &Path) {
        let mut app = App::new();
        app.stack("One", StackProps::default()).add("Q", Queue::default());
        app.stack("Two", StackProps::default()).add("Q", Queue::default());
        app.synthesize(&[]).unwrap().write(out).unwrap();
    }

    #[test]
    fn an_assembly_folder_is_read_and_selected() {
        let d = tempfile::tempdir().unwrap();
        write_app(d.path());
        let assembly = CloudAssembly::load(d.path()).unwrap();
        assert_eq!(assembly.stack_names(), ["One", "Two"]);
        assert_eq!(assembly.stacks[0].json["Resources"]["Q"]["Type"], "AWS::SQS::Queue");
        let two = assembly.clone().select(&["Two".to_owned()]).unwrap();
        assert_eq!(two.stack_names(), ["Two"]);
        let e = assembly.select(&["Three".to_owned()]).unwrap_err();
        assert!(e.to_string().contains("no stack named 'Three'") && e.to_string().contains("One, Two"), "{e}");
    }

    #[test]
    fn a_missing_or_foreign_manifest_says_what_to_do() {
        let d = tempfile::tempdir().unwrap();
        let e = CloudAssembly::load(d.path()).unwrap_err();
        assert!(e.hint.as_deref().unwrap_or_default().contains("synth"), "{e}");
        fs::write(d.path().join(MANIFEST_FILE), r#"{"version":"99","stacks":{},"assets":{}}"#).unwrap();
        let e = CloudAssembly::load(d.path()).unwrap_err();
        assert!(e.message.contains("manifest version 99"), "{e}");
    }

    #[test]
    fn the_app_command_appends_synth() {
        let args = AppArgs { app: None, package: Some("quickstart".into()), out: "cdk.out".into() };
        let c = app_command(&args, &["S".into()]);
        let argv: Vec<_> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(argv, ["run", "--quiet", "-p", "quickstart", "--", "synth", "--out", "cdk.out", "S"]);
        let args = AppArgs { app: Some("target/debug/my-app --verbose".into()), package: None, out: "o".into() };
        let c = app_command(&args, &[]);
        let argv: Vec<_> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(argv, ["-c", "target/debug/my-app --verbose \"$@\"", "sh", "synth", "--out", "o"]);
    }

    #[test]
    fn dev_watches_the_p_members_folder_and_not_a_fixed_assembly() {
        let args = AppArgs { app: None, package: Some("quickstart".into()), out: "cdk.out".into() };
        let dir = app_dir(&args).expect("the member's folder");
        assert!(dir.ends_with("examples/quickstart") && dir.join("Cargo.toml").is_file(), "{}", dir.display());
        let d = tempfile::tempdir().unwrap();
        write_app(d.path());
        let fixed = AppArgs { app: Some(d.path().to_string_lossy().into_owned()), package: None, out: "o".into() };
        assert_eq!(app_dir(&fixed), None, "an assembly folder is served as it is: nothing to synthesize again");
    }
}
