//! Rebuild and reload on change: the handler crates' sources are watched (a poll of their
//! modification times once a second — no new dependency, and a few hundred files cost
//! microseconds); a change runs the same incremental `cargo build` of the stack's handler
//! crates, and only the functions whose binary changed are reloaded: their sandboxes are stopped
//! and a fresh one started from the new binary (an invocation in flight on a stopped sandbox
//! fails, as a deployment mid-request would). A build that fails is reported and the running
//! functions are kept. With prebuilt binaries (`--handlers-bin-dir`), the binaries themselves
//! are watched.
//!
//! A change to the app (its constructs, hence the template) is found the same way
//! ([`app_fingerprint`]) by `cargo agentcdk dev`, which runs the app's synth and
//! [`crate::DevServer::reload`]s what changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::lambda::Function;
use crate::logs;

/// How often the sources are looked at.
pub const POLL: Duration = Duration::from_secs(1);

/// What to watch and rebuild.
#[derive(Debug, Clone)]
pub enum Source {
    /// Handler crates of a workspace, built with cargo.
    Workspace {
        /// The workspace folder.
        dir: PathBuf,
        /// Crates the stack uses.
        crates: BTreeSet<String>,
    },
    /// Prebuilt binaries (their files are watched).
    Binaries(Vec<PathBuf>),
}

/// Starts the watcher; `functions` by logical id.
pub fn spawn(sources: Vec<Source>, functions: HashMap<String, Function>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen: Vec<Option<SystemTime>> = sources.iter().map(fingerprint).collect();
        // The binaries as the running sandboxes started them.
        let mut running = binary_times(&functions);
        loop {
            tokio::time::sleep(POLL).await;
            for (i, source) in sources.iter().enumerate() {
                let now = fingerprint(source);
                if now == seen[i] {
                    continue;
                }
                seen[i] = now;
                reload(source, &functions, &mut running).await;
                // Files the build itself wrote (lock file) are not a change of the sources.
                seen[i] = fingerprint(source);
            }
        }
    })
}

/// Rebuilds `source` and restarts the functions whose binary differs from the one `running`.
async fn reload(source: &Source, functions: &HashMap<String, Function>, running: &mut BTreeMap<String, Option<SystemTime>>) {
    if let Source::Workspace { dir, crates } = source {
        logs::dev(&format!("{}: changed, rebuilding {}", dir.display(), crates.iter().cloned().collect::<Vec<_>>().join(", ")));
        if let Err(e) = crate::handlers::build(dir, crates).await {
            logs::dev(&format!("rebuild failed, the running functions are kept: {e}"));
            return;
        }
    }
    let after = binary_times(functions);
    let mut reloaded = Vec::new();
    for (id, f) in functions {
        if running.get(id) != after.get(id) {
            f.shutdown();
            if let Err(e) = f.prewarm().await {
                logs::dev(&format!("{id}: could not start the new binary: {e}"));
            }
            reloaded.push(id.clone());
        }
    }
    *running = after;
    reloaded.sort();
    match reloaded.is_empty() {
        true => logs::dev("rebuilt: no function's binary changed"),
        false => logs::dev(&format!("reloaded {}", reloaded.join(", "))),
    }
}

/// Each function's binary modification time (the link's own time too: a replaced symlink
/// counts as a new binary).
fn binary_times(functions: &HashMap<String, Function>) -> BTreeMap<String, Option<SystemTime>> {
    functions.iter().map(|(id, f)| (id.clone(), file_time(&f.spec().binary))).collect()
}

fn file_time(p: &Path) -> Option<SystemTime> {
    let target = std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let link = std::fs::symlink_metadata(p).and_then(|m| m.modified()).ok();
    target.max(link)
}

/// The newest modification time of what `source` watches.
fn fingerprint(source: &Source) -> Option<SystemTime> {
    match source {
        Source::Binaries(files) => files.iter().filter_map(|f| file_time(f)).max(),
        Source::Workspace { dir, .. } => newest(dir, 0),
    }
}

/// The newest `.rs`/`.toml` file (or folder) of the app crate in `dir`; cloud assembly folders
/// (those holding a `manifest.json`, which synth and dev write) are not the app's sources.
pub fn app_fingerprint(dir: &Path) -> Option<SystemTime> {
    newest(dir, 0)
}

/// The newest `.rs`/`.toml` file (or folder, for deletions) under `dir`, skipping build
/// output, cloud assemblies and hidden folders.
fn newest(dir: &Path, depth: usize) -> Option<SystemTime> {
    if depth > 8 {
        return None;
    }
    let mut best = std::fs::metadata(dir).and_then(|m| m.modified()).ok();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        if name.starts_with('.') || name == "target" || path.join(agentcdk_synth::manifest::MANIFEST_FILE).is_file() {
            continue;
        }
        let t = match entry.file_type() {
            Ok(t) if t.is_dir() => newest(&path, depth + 1),
            Ok(_) if name.ends_with(".rs") || name.ends_with(".toml") => entry.metadata().and_then(|m| m.modified()).ok(),
            _ => None,
        };
        best = best.max(t);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_edit_moves_the_fingerprint_and_build_output_does_not() {
        let dir = tempfile::tempdir().expect("temp");
        std::fs::create_dir_all(dir.path().join("crate/src")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("target")).expect("mkdir");
        std::fs::write(dir.path().join("crate/src/main.rs"), "fn main() {}").expect("write");
        let source = Source::Workspace { dir: dir.path().to_owned(), crates: BTreeSet::new() };
        let first = fingerprint(&source);
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(dir.path().join("target/out.rs"), "x").expect("write");
        let same = fingerprint(&source);
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(dir.path().join("crate/src/main.rs"), "fn main() { }").expect("write");
        let edited = fingerprint(&source);
        assert!(first.is_some());
        assert_eq!(same, first, "build output under target/ is not a change");
        assert!(edited > first, "an edit of a source file is a change");
    }
}
