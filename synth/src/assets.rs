//! Assets: code a template refers to but synth does not build.
//!
//! An asset's identity is the SHA-256 of its sources (file names and contents, in sorted
//! order), so it changes exactly when the code changes and the template can name the object
//! `<hash>.zip` before anything is built. `package` builds and zips, `deploy` uploads.
//!
//! One walk lists an asset's files: [`asset_files`] for a file or folder (the hash and
//! `package`'s zip both read that list, so the hash describes exactly the zipped entries:
//! names, contents and the executable bit), and [`handler_files`] for a stock handler (the
//! sources `cargo lambda build` reads, its path dependencies found with `cargo metadata`).

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::expr::Expr;
use crate::stack::ASSET_BUCKET_PARAMETER;

/// The environment variable that points synth at a handlers workspace of your own (a fork with
/// a patched handler, say). Default: none; see [`handler_source`].
pub const HANDLERS_DIR_ENV: &str = "AGENTCDK_HANDLERS_DIR";

/// The version of the stock handler crates that belong to this agentcdk: they are released
/// together, with one version (the handlers workspace's `version` equals the root one's; a
/// test in tests/ checks it).
pub const HANDLERS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the stock handlers' sources come from. Decided by how Cargo resolved agentcdk for
/// the app — never by a download at synth time (synth only hashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandlerSource {
    /// A handlers workspace on disk: the `handlers/` folder beside this crate when it was
    /// compiled from a checkout (a path or git dependency: Cargo checks out the whole
    /// repository), or `$AGENTCDK_HANDLERS_DIR`. Built from there with its `Cargo.lock`.
    Workspace(PathBuf),
    /// agentcdk came from a registry (only its own package is on disk): the handler is the
    /// registry package `<name>@<version>`, built with the `Cargo.lock` packaged in it. A
    /// registry version never changes, so name and version identify the bytes built.
    Registry {
        /// [`HANDLERS_VERSION`].
        version: String,
    },
}

/// The stock handlers' source: `$AGENTCDK_HANDLERS_DIR` if set; else the `handlers/` workspace
/// beside this crate's sources if there is one (a checkout: path or git dependency); else the
/// registry packages of [`HANDLERS_VERSION`].
pub fn handler_source() -> HandlerSource {
    if let Some(dir) = std::env::var_os(HANDLERS_DIR_ENV) {
        return HandlerSource::Workspace(PathBuf::from(dir));
    }
    // The crate's folder in a checkout is `<repo>/synth`; the handlers are `<repo>/handlers`.
    if let Some(beside) = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(|repo| repo.join("handlers")) {
        if beside.join("Cargo.toml").is_file() && beside.join("contract/Cargo.toml").is_file() {
            return HandlerSource::Workspace(beside);
        }
    }
    HandlerSource::Registry { version: HANDLERS_VERSION.to_owned() }
}

/// Instruction set of a Lambda function's code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Architecture {
    /// `x86_64`. Default: every Rust toolchain builds it.
    #[default]
    X86_64,
    /// `arm64` (Graviton): ~20% cheaper per GB-second; needs the aarch64 Rust target to build.
    Arm64,
}

impl Architecture {
    /// The name Lambda uses.
    pub const fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// Where an asset's sources are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AssetSource {
    /// A function crate of the handlers workspace, by name (`request-handler`, …), built with
    /// cargo-lambda for `architecture`.
    Handler {
        /// The crate folder name under `handlers/`.
        name: String,
        /// Target instruction set.
        architecture: Architecture,
    },
    /// A local file (a ready `.zip`, or a single file to zip) or folder (zipped as is).
    /// Relative paths are resolved against the working directory at synth.
    Path(PathBuf),
    /// A Python project folder whose dependencies (`requirements.txt`, else `pyproject.toml`)
    /// `package` installs as binary wheels for `architecture` and `python` (uv when present,
    /// pip otherwise), laid out per [`PythonLayout`].
    Python {
        /// The project folder. Relative paths are resolved against the working directory.
        dir: PathBuf,
        /// What the zip holds.
        layout: PythonLayout,
        /// Target instruction set (the wheels' platform tag).
        architecture: Architecture,
        /// Target Python version, `3.13`.
        python: String,
    },
}

/// What a [`AssetSource::Python`] zip holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PythonLayout {
    /// The dependencies only, under `python/` (a Lambda layer; the code is zipped apart, as the
    /// Strands-on-Lambda guide splits it): the hash covers the dependency files only, so an
    /// edit of the code leaves the layer alone.
    Layer,
    /// The sources with their dependencies beside them at the zip's root (an AgentCore code
    /// artifact, which has no layers).
    Bundle,
}

impl PythonLayout {
    /// The name in `manifest.json`.
    pub const fn name(self) -> &'static str {
        match self {
            PythonLayout::Layer => "layer",
            PythonLayout::Bundle => "bundle",
        }
    }
}

/// The files naming a Python project's dependencies, the first that exists of
/// `requirements.txt` and `pyproject.toml` (with `uv.lock` beside it, when there is one):
/// what `package` installs from, and what a dependency asset's hash covers.
pub fn python_dependency_files(dir: &Path) -> Vec<AssetFile> {
    let mut files = Vec::new();
    push_if_file(dir, &dir.join("requirements.txt"), &mut files);
    if files.is_empty() {
        for name in ["pyproject.toml", "uv.lock"] {
            push_if_file(dir, &dir.join(name), &mut files);
        }
    }
    files
}

impl AssetSource {
    /// A handler of the handlers workspace, for x86_64.
    pub fn handler(name: impl Into<String>) -> Self {
        AssetSource::Handler { name: name.into(), architecture: Architecture::X86_64 }
    }

    /// A local file or folder.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        AssetSource::Path(path.into())
    }

    /// How `package` turns the sources into the object it uploads.
    pub fn packaging(&self) -> Packaging {
        match self {
            AssetSource::Handler { .. } => Packaging::CargoLambda,
            AssetSource::Path(p) if p.is_dir() => Packaging::ZipDirectory,
            AssetSource::Path(p) if p.extension().is_some_and(|e| e == "zip") => Packaging::File,
            AssetSource::Path(_) => Packaging::ZipFile,
            AssetSource::Python { layout: PythonLayout::Layer, .. } => Packaging::PythonLayer,
            AssetSource::Python { layout: PythonLayout::Bundle, .. } => Packaging::PythonBundle,
        }
    }

    /// The content hash (64 hex digits).
    pub fn content_hash(&self) -> Result<String, AssetError> {
        let mut hasher = Sha256::new();
        match self {
            AssetSource::Handler { name, architecture } => {
                hasher.update(b"handler\0");
                hasher.update(architecture.name().as_bytes());
                hasher.update(b"\0");
                match handler_source() {
                    // No name: the construct that made it reports the missing code (once).
                    HandlerSource::Workspace(_) if name.is_empty() => {}
                    HandlerSource::Workspace(root) => hash_files(&mut hasher, &handler_files(&root, name)?, false)?,
                    HandlerSource::Registry { version } => hasher.update(format!("registry\0{name}@{version}").as_bytes()),
                }
            }
            AssetSource::Path(path) => {
                hasher.update(b"path\0");
                let files = asset_files(path).map_err(|e| AssetError::io(path, e))?;
                // A ready zip is uploaded as is: its mode bits are not part of the object.
                hash_files(&mut hasher, &files, self.packaging() != Packaging::File)?;
            }
            AssetSource::Python { dir, layout, architecture, python } => {
                // The platform and version pick the wheels, so they are part of the identity.
                hasher.update(format!("python\0{}\0{}\0{python}\0", layout.name(), architecture.name()).as_bytes());
                let files = match layout {
                    PythonLayout::Layer => {
                        fs::metadata(dir).map_err(|e| AssetError::io(dir, e))?;
                        python_dependency_files(dir)
                    }
                    PythonLayout::Bundle => asset_files(dir).map_err(|e| AssetError::io(dir, e))?,
                };
                hash_files(&mut hasher, &files, true)?;
            }
        }
        Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// How an asset becomes the uploaded object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packaging {
    /// `cargo lambda build --release --output-format zip`, then the `bootstrap.zip`.
    CargoLambda,
    /// The folder's contents zipped.
    ZipDirectory,
    /// The file zipped alone.
    ZipFile,
    /// The file uploaded as is (already a zip).
    File,
    /// A Python project's dependencies installed as wheels, zipped under `python/`.
    PythonLayer,
    /// A Python project's sources and installed dependencies, zipped together.
    PythonBundle,
}

impl Packaging {
    /// The name in `manifest.json`.
    pub const fn name(self) -> &'static str {
        match self {
            Packaging::CargoLambda => "cargo-lambda",
            Packaging::ZipDirectory => "zip-directory",
            Packaging::ZipFile => "zip-file",
            Packaging::File => "file",
            Packaging::PythonLayer => "python-layer",
            Packaging::PythonBundle => "python-bundle",
        }
    }
}

/// Why an asset could not be hashed.
#[derive(Debug)]
pub enum AssetError {
    /// The handlers workspace has no such crate.
    UnknownHandler {
        /// Requested handler.
        name: String,
        /// Where we looked.
        root: PathBuf,
    },
    /// Reading the sources failed.
    Io(PathBuf, io::Error),
    /// `cargo metadata` of the handlers workspace failed.
    Metadata {
        /// The handlers workspace.
        root: PathBuf,
        /// What cargo said.
        message: String,
    },
}

impl AssetError {
    fn io(path: &Path, e: io::Error) -> Self {
        AssetError::Io(path.to_owned(), e)
    }

    /// The diagnostic for the construct at `path`.
    pub fn at(&self, path: &str) -> Diagnostic {
        match self {
            AssetError::UnknownHandler { name, root } => {
                Diagnostic::error(codes::UNKNOWN_HANDLER, path, format!("handler '{name}' not found in {}", root.display())).hint(format!(
                    "expected {}/Cargo.toml; handler names are crate folders of the handlers workspace{}",
                    root.join(name).display(),
                    if std::env::var_os(HANDLERS_DIR_ENV).is_some() { format!(" (from {HANDLERS_DIR_ENV})") } else { String::new() }
                ))
            }
            AssetError::Io(p, e) => Diagnostic::error(codes::ASSET_UNREADABLE, path, format!("cannot read asset {}: {e}", p.display()))
                .hint("asset paths are resolved against the working directory; check the path exists"),
            AssetError::Metadata { root, message } => Diagnostic::error(
                codes::HANDLER_METADATA,
                path,
                format!("cannot list the handlers workspace {}: {message}", root.display()),
            )
            .hint(
                "synth runs `cargo metadata --no-deps --offline` there to find a handler's path dependencies; check its Cargo.toml parses",
            ),
        }
    }
}

/// Where a stack's template finds an asset: `S3Bucket: {Ref: AssetBucket}`, `S3Key: <hash>.zip`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetRef {
    hash: String,
}

impl AssetRef {
    pub(crate) fn new(hash: String) -> Self {
        AssetRef { hash }
    }

    /// The content hash.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// `{"Ref": "AssetBucket"}`.
    pub fn bucket(&self) -> Expr {
        Expr::reference(ASSET_BUCKET_PARAMETER)
    }

    /// The object key, `<hash>.zip`.
    pub fn key(&self) -> String {
        object_key(&self.hash)
    }
}

/// The S3 object key of an asset with this hash.
pub fn object_key(hash: &str) -> String {
    format!("{hash}.zip")
}

/// One file of an asset: its name in the uploaded zip (relative, `/`-separated), where it
/// is, and whether it is executable (the zip entry's mode is 0755 then, 0644 otherwise).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AssetFile {
    /// Entry name: relative to the asset folder (or the file's own name), `/` separators.
    pub name: String,
    /// The file on disk.
    pub path: PathBuf,
    /// Any execute bit set (Unix); always `false` elsewhere.
    pub executable: bool,
}

/// The files of a file or folder asset, in tree order: what the hash covers and what
/// `package` zips. A folder's files are listed recursively without build output and VCS
/// folders (`target`, `.git`, `cdk.out`); a file is listed alone under its own name.
pub fn asset_files(source: &Path) -> io::Result<Vec<AssetFile>> {
    let meta = fs::metadata(source)?;
    let mut files = Vec::new();
    if meta.is_dir() {
        walk(source, source, &mut files)?;
    } else {
        let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        files.push(AssetFile { name, path: source.to_owned(), executable: is_executable(&meta) });
    }
    sort(&mut files);
    Ok(files)
}

/// Tree order: by path components (a folder's files together), the order of the zip entries.
fn sort(files: &mut Vec<AssetFile>) {
    files.sort_by(|a, b| a.name.split('/').cmp(b.name.split('/')));
    files.dedup();
}

/// Build output, VCS folders and Python's bytecode caches (written beside the sources when the
/// code runs locally) never count as sources.
fn is_ignored(name: &std::ffi::OsStr) -> bool {
    name == "target" || name == ".git" || name == "cdk.out" || name == "__pycache__"
}

/// Every file under `dir`, named relative to `base`.
fn walk(dir: &Path, base: &Path, out: &mut Vec<AssetFile>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if is_ignored(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        let meta = fs::metadata(&path)?;
        if meta.is_dir() {
            walk(&path, base, out)?;
        } else if meta.is_file() {
            let rel = path.strip_prefix(base).unwrap_or(&path);
            // Forward slashes, so names (and the hash) are the same on every OS.
            let name: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            out.push(AssetFile { name: name.join("/"), path, executable: is_executable(&meta) });
        }
    }
    Ok(())
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

/// The sources `cargo lambda build -p <name>` reads in the handlers workspace at `root`: the
/// workspace's `Cargo.toml` (profile, shared dependency versions) and `Cargo.lock` (the build
/// is `--locked`), and the manifest, `build.rs` and `src/` of the handler's package and of
/// every package it reaches through path dependencies (normal and build, not dev: those are
/// not built into the binary), as `cargo metadata` reports them. Tests, benches and READMEs
/// are not built, so editing them does not change the asset. Names are relative to `root`.
pub fn handler_files(root: &Path, name: &str) -> Result<Vec<AssetFile>, AssetError> {
    let packages = workspace_packages(root)?;
    if !packages.iter().any(|p| p.name == name) {
        return Err(AssetError::UnknownHandler { name: name.to_owned(), root: root.to_owned() });
    }
    let mut files = Vec::new();
    for file in ["Cargo.toml", "Cargo.lock"] {
        push_if_file(root, &root.join(file), &mut files);
    }
    for dir in path_closure(root, &packages, name)? {
        for file in ["Cargo.toml", "build.rs"] {
            push_if_file(root, &dir.join(file), &mut files);
        }
        let src = dir.join("src");
        if src.is_dir() {
            let base = if src.starts_with(root) { root } else { dir.parent().unwrap_or(&dir) };
            walk(&src, base, &mut files).map_err(|e| AssetError::io(&src, e))?;
        }
    }
    sort(&mut files);
    Ok(files)
}

fn push_if_file(base: &Path, file: &Path, out: &mut Vec<AssetFile>) {
    if let Ok(meta) = fs::metadata(file) {
        if meta.is_file() {
            let rel = file.strip_prefix(base).unwrap_or(file);
            let name: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            out.push(AssetFile { name: name.join("/"), path: file.to_owned(), executable: is_executable(&meta) });
        }
    }
}

/// A package of a workspace as `cargo metadata --no-deps` lists it.
#[derive(Debug)]
struct PathPackage {
    name: String,
    dir: PathBuf,
    /// Folders of its normal and build dependencies that are path dependencies.
    path_deps: Vec<PathBuf>,
}

/// The folders of `name`'s package and of every package reachable from it through path
/// dependencies. A path dependency outside the workspace is listed with its own
/// `cargo metadata`.
fn path_closure(root: &Path, packages: &[PathPackage], name: &str) -> Result<BTreeSet<PathBuf>, AssetError> {
    let mut deps: HashMap<PathBuf, Vec<PathBuf>> = packages.iter().map(|p| (p.dir.clone(), p.path_deps.clone())).collect();
    let start = packages.iter().find(|p| p.name == name).map(|p| p.dir.clone()).unwrap_or_default();
    let (mut seen, mut todo) = (BTreeSet::new(), vec![start]);
    while let Some(dir) = todo.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        if !deps.contains_key(&dir) {
            deps.extend(workspace_packages(&dir)?.iter().map(|p| (p.dir.clone(), p.path_deps.clone())));
        }
        let Some(next) = deps.get(&dir) else {
            return Err(AssetError::Metadata { root: root.to_owned(), message: format!("no package in {}", dir.display()) });
        };
        todo.extend(next.iter().cloned());
    }
    Ok(seen)
}

/// The packages of the workspace (or package) at `dir`, from `cargo metadata --no-deps
/// --offline` (~0.2 s, no network, no dependency resolution), cached for the process: every
/// handler of a stack shares one call.
fn workspace_packages(dir: &Path) -> Result<Arc<Vec<PathPackage>>, AssetError> {
    type Cache = Mutex<HashMap<PathBuf, Arc<Vec<PathPackage>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(dir) {
        return Ok(hit.clone());
    }
    let failed = |message: String| AssetError::Metadata { root: dir.to_owned(), message };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .output()
        .map_err(|e| failed(format!("cannot run cargo metadata: {e}")))?;
    if !output.status.success() {
        return Err(failed(String::from_utf8_lossy(&output.stderr).trim().to_owned()));
    }
    let packages = Arc::new(parse_metadata(&output.stdout).map_err(failed)?);
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(dir.to_owned(), packages.clone());
    Ok(packages)
}

fn parse_metadata(json: &[u8]) -> Result<Vec<PathPackage>, String> {
    let json: serde_json::Value = serde_json::from_slice(json).map_err(|e| format!("unreadable cargo metadata: {e}"))?;
    let packages = json["packages"].as_array().ok_or("cargo metadata lists no packages")?;
    let mut out = Vec::new();
    for p in packages {
        let (Some(name), Some(manifest)) = (p["name"].as_str(), p["manifest_path"].as_str()) else { continue };
        let dir = Path::new(manifest).parent().map(Path::to_owned).unwrap_or_default();
        let deps = p["dependencies"].as_array().map(Vec::as_slice).unwrap_or_default();
        let path_deps =
            deps.iter().filter(|d| d["kind"].as_str() != Some("dev")).filter_map(|d| d["path"].as_str().map(PathBuf::from)).collect();
        out.push(PathPackage { name: name.to_owned(), dir, path_deps });
    }
    Ok(out)
}

/// Names, sizes, contents and (when the asset is zipped) executable bits, in list order.
fn hash_files(hasher: &mut Sha256, files: &[AssetFile], with_mode: bool) -> Result<(), AssetError> {
    for file in files {
        let contents = fs::read(&file.path).map_err(|e| AssetError::io(&file.path, e))?;
        hasher.update(file.name.as_bytes());
        hasher.update(b"\0");
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(&contents);
        // Only executables add a byte: assets without one hash as they always did.
        if with_mode && file.executable {
            hasher.update(b"\0x");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler_hash(root: &Path) -> String {
        let mut hasher = Sha256::new();
        hash_files(&mut hasher, &handler_files(root, "my-handler").unwrap(), false).unwrap();
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A handlers workspace: `my-handler` depends by path on `contract` and `runtime` (and on
    /// `testkit` for tests only), `runtime` on `deep`; `other` is a member nobody depends on.
    /// `extra_dep`: `my-handler` also depends on `other`.
    fn workspace(root: &Path, extra_dep: bool) {
        let deps = |krate: &str| {
            match krate {
            "my-handler" if extra_dep => "contract = { path = \"../contract\" }\nruntime = { path = \"../runtime\" }\nother = { path = \"../other\" }\n[dev-dependencies]\ntestkit = { path = \"../testkit\" }\n",
            "my-handler" => "contract = { path = \"../contract\" }\nruntime = { path = \"../runtime\" }\n[dev-dependencies]\ntestkit = { path = \"../testkit\" }\n",
            "runtime" => "deep = { path = \"../deep\" }\n",
            _ => "",
        }
        };
        let members = ["my-handler", "contract", "runtime", "deep", "testkit", "other"];
        for krate in members {
            fs::create_dir_all(root.join(krate).join("src")).unwrap();
            fs::create_dir_all(root.join(krate).join("tests")).unwrap();
            let manifest =
                format!("[package]\nname = \"{krate}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\n{}", deps(krate));
            fs::write(root.join(krate).join("Cargo.toml"), manifest).unwrap();
            fs::write(root.join(krate).join("src/lib.rs"), "pub fn f() {}").unwrap();
            fs::write(root.join(krate).join("tests/t.rs"), "#[test] fn t() {}").unwrap();
        }
        let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
        fs::write(root.join("Cargo.toml"), format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", list.join(", "))).unwrap();
        fs::write(root.join("Cargo.lock"), "version = 4\n").unwrap();
    }

    #[test]
    fn a_handler_hash_covers_exactly_what_cargo_builds() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        workspace(root, false);
        let base = handler_hash(root);
        // Not built into the binary: tests, READMEs, dev-dependencies, unrelated members, build output.
        fs::write(root.join("my-handler/tests/t.rs"), "#[test] fn t2() {}").unwrap();
        fs::write(root.join("runtime/README.md"), "docs").unwrap();
        fs::write(root.join("testkit/src/lib.rs"), "pub fn g() {}").unwrap();
        fs::write(root.join("other/src/lib.rs"), "pub fn g() {}").unwrap();
        fs::create_dir_all(root.join("my-handler/target")).unwrap();
        assert_eq!(handler_hash(root), base, "files the build does not read");
        // Built: every one of these changes the asset.
        for (file, text) in [
            ("my-handler/src/lib.rs", "pub fn f() { }"),
            ("my-handler/build.rs", "fn main() {}"),
            ("contract/src/lib.rs", "pub fn f() { }"),
            ("deep/src/lib.rs", "pub fn f() { }"),
            (
                "runtime/Cargo.toml",
                "[package]\nname = \"runtime\"\nversion = \"0.2.0\"\nedition = \"2021\"\n[dependencies]\ndeep = { path = \"../deep\" }\n",
            ),
            ("Cargo.lock", "version = 4\n# changed\n"),
        ] {
            let before = handler_hash(root);
            fs::write(root.join(file), text).unwrap();
            assert_ne!(handler_hash(root), before, "{file} is built");
        }
    }

    #[test]
    fn a_handler_hash_follows_its_path_dependencies_from_cargo_metadata() {
        let d = tempfile::tempdir().unwrap();
        workspace(d.path(), true);
        let names: Vec<String> = handler_files(d.path(), "my-handler").unwrap().into_iter().map(|f| f.name).collect();
        assert!(names.contains(&"other/src/lib.rs".to_owned()), "a path dependency added to the manifest counts: {names:?}");
        assert!(names.contains(&"deep/src/lib.rs".to_owned()), "so does one reached through another: {names:?}");
        assert!(!names.iter().any(|n| n.starts_with("testkit/")), "a dev-dependency is not built: {names:?}");
        let before = handler_hash(d.path());
        fs::write(d.path().join("other/src/lib.rs"), "pub fn g() {}").unwrap();
        assert_ne!(handler_hash(d.path()), before);
        let err = handler_files(d.path(), "no-such-handler").unwrap_err();
        assert!(matches!(err, AssetError::UnknownHandler { .. }), "{err:?}");
    }

    #[test]
    fn asset_files_lists_what_is_zipped_in_tree_order() {
        let d = tempfile::tempdir().unwrap();
        for (file, text) in [("a/x.rs", "1"), ("a-b.rs", "2"), ("z", "3"), ("target/junk", "4"), (".git/HEAD", "5"), ("cdk.out/t", "6")] {
            fs::create_dir_all(d.path().join(file).parent().unwrap()).unwrap();
            fs::write(d.path().join(file), text).unwrap();
        }
        let names: Vec<String> = asset_files(d.path()).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["a/x.rs", "a-b.rs", "z"], "build output and VCS folders left out; a folder's files together");
        let one = asset_files(&d.path().join("a/x.rs")).unwrap();
        assert_eq!(one.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["x.rs"], "a file alone, under its own name");
    }

    #[cfg(unix)]
    #[test]
    fn the_executable_bit_is_hashed_because_it_is_zipped() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("bootstrap"), "#!/bin/sh").unwrap();
        let before = AssetSource::path(d.path()).content_hash().unwrap();
        fs::set_permissions(d.path().join("bootstrap"), fs::Permissions::from_mode(0o755)).unwrap();
        assert!(asset_files(d.path()).unwrap()[0].executable);
        assert_ne!(AssetSource::path(d.path()).content_hash().unwrap(), before, "the zip entry's mode changed");
    }

    #[test]
    fn in_a_checkout_the_handlers_are_the_workspace_beside_it() {
        if std::env::var_os(HANDLERS_DIR_ENV).is_some() {
            return;
        }
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert_eq!(handler_source(), HandlerSource::Workspace(repo.join("handlers")));
    }

    #[test]
    fn hash_follows_content_not_location_or_time() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for d in [&a, &b] {
            fs::create_dir_all(d.path().join("src")).unwrap();
            fs::write(d.path().join("src/main.rs"), "fn main() {}").unwrap();
            fs::write(d.path().join("Cargo.toml"), "[package]").unwrap();
            fs::create_dir_all(d.path().join("target")).unwrap();
        }
        fs::write(b.path().join("target/junk"), "ignored").unwrap();
        let ha = AssetSource::path(a.path()).content_hash().unwrap();
        let hb = AssetSource::path(b.path()).content_hash().unwrap();
        assert_eq!(ha, hb, "same sources in another folder, build output ignored");
        assert_eq!(ha.len(), 64);
        fs::write(b.path().join("src/main.rs"), "fn main() { }").unwrap();
        assert_ne!(ha, AssetSource::path(b.path()).content_hash().unwrap());
    }

    #[test]
    fn renaming_a_file_changes_the_hash() {
        let a = tempfile::tempdir().unwrap();
        fs::write(a.path().join("x"), "same").unwrap();
        let before = AssetSource::path(a.path()).content_hash().unwrap();
        fs::rename(a.path().join("x"), a.path().join("y")).unwrap();
        assert_ne!(before, AssetSource::path(a.path()).content_hash().unwrap());
    }

    #[test]
    fn missing_path_is_an_error_with_a_hint() {
        let err = AssetSource::path("/no/such/asset").content_hash().unwrap_err();
        let d = err.at("S/Fn");
        assert!(d.to_string().contains("cannot read asset /no/such/asset"), "{d}");
        assert!(d.hint.is_some());
    }

    #[test]
    fn packaging_follows_the_source() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("code.zip"), "PK").unwrap();
        fs::write(d.path().join("index.py"), "").unwrap();
        assert_eq!(AssetSource::path(d.path()).packaging(), Packaging::ZipDirectory);
        assert_eq!(AssetSource::path(d.path().join("code.zip")).packaging(), Packaging::File);
        assert_eq!(AssetSource::path(d.path().join("index.py")).packaging(), Packaging::ZipFile);
        assert_eq!(AssetSource::handler("agent-runner").packaging(), Packaging::CargoLambda);
    }
}
