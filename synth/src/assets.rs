//! Assets: code a template refers to but synth does not build.
//!
//! An asset's identity is the SHA-256 of its sources (file names and contents, in sorted
//! order), so it changes exactly when the code changes and the template can name the object
//! `<hash>.zip` before anything is built. `package` builds and zips, `deploy` uploads.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::expr::Expr;
use crate::stack::ASSET_BUCKET_PARAMETER;

/// The environment variable that points synth at a handlers workspace of your own (a fork with
/// a patched handler, say). Default: none; see [`handler_source`].
pub const HANDLERS_DIR_ENV: &str = "AGENTCDK_HANDLERS_DIR";

/// The crates of the handlers workspace every stock handler is built from besides its own
/// (each stock handler depends on both by path).
pub const SHARED_HANDLER_CRATES: [&str; 2] = ["contract", "runtime"];

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
#[derive(Clone, Debug, PartialEq, Eq)]
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
                    HandlerSource::Workspace(root) => hash_handler_workspace(&mut hasher, &root, name)?,
                    HandlerSource::Registry { version } => hasher.update(format!("registry\0{name}@{version}").as_bytes()),
                }
            }
            AssetSource::Path(path) => {
                let meta = fs::metadata(path).map_err(|e| AssetError::io(path, e))?;
                hasher.update(b"path\0");
                if meta.is_dir() {
                    let mut files = Vec::new();
                    collect_files(path, &mut files).map_err(|e| AssetError::io(path, e))?;
                    hash_files(&mut hasher, path, files)?;
                } else {
                    let parent = path.parent().unwrap_or(Path::new(""));
                    hash_files(&mut hasher, parent, vec![path.clone()])?;
                }
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
}

impl Packaging {
    /// The name in `manifest.json`.
    pub const fn name(self) -> &'static str {
        match self {
            Packaging::CargoLambda => "cargo-lambda",
            Packaging::ZipDirectory => "zip-directory",
            Packaging::ZipFile => "zip-file",
            Packaging::File => "file",
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
}

impl AssetError {
    fn io(path: &Path, e: io::Error) -> Self {
        AssetError::Io(path.to_owned(), e)
    }

    /// The diagnostic for the construct at `path`.
    pub fn at(&self, path: &str) -> Diagnostic {
        match self {
            AssetError::UnknownHandler { name, root } => {
                Diagnostic::error(path, format!("handler '{name}' not found in {}", root.display())).hint(format!(
                    "expected {}/Cargo.toml; handler names are crate folders of the handlers workspace{}",
                    root.join(name).display(),
                    if std::env::var_os(HANDLERS_DIR_ENV).is_some() { format!(" (from {HANDLERS_DIR_ENV})") } else { String::new() }
                ))
            }
            AssetError::Io(p, e) => Diagnostic::error(path, format!("cannot read asset {}: {e}", p.display()))
                .hint("asset paths are resolved against the working directory; check the path exists"),
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

/// Hashes exactly what `cargo lambda build -p <name>` reads in a handlers workspace: its
/// `Cargo.toml` (profile, shared dependency versions) and `Cargo.lock` (the build is
/// `--locked`), and the manifest, `build.rs` and `src/` of the handler's crate and of the
/// crates it depends on by path ([`SHARED_HANDLER_CRATES`]). Tests, benches and READMEs are
/// not built, so editing them does not change the asset.
fn hash_handler_workspace(hasher: &mut Sha256, root: &Path, name: &str) -> Result<(), AssetError> {
    if !root.join(name).join("Cargo.toml").is_file() {
        return Err(AssetError::UnknownHandler { name: name.to_owned(), root: root.to_owned() });
    }
    let mut files = Vec::new();
    for file in ["Cargo.toml", "Cargo.lock"] {
        if root.join(file).is_file() {
            files.push(root.join(file));
        }
    }
    for krate in std::iter::once(name).chain(SHARED_HANDLER_CRATES) {
        let dir = root.join(krate);
        for file in ["Cargo.toml", "build.rs"] {
            if dir.join(file).is_file() {
                files.push(dir.join(file));
            }
        }
        let src = dir.join("src");
        if src.is_dir() {
            collect_files(&src, &mut files).map_err(|e| AssetError::io(&src, e))?;
        }
    }
    hash_files(hasher, root, files)
}

/// Build output and VCS folders never count as sources.
fn is_ignored(name: &std::ffi::OsStr) -> bool {
    name == "target" || name == ".git" || name == "cdk.out"
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if is_ignored(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn hash_files(hasher: &mut Sha256, base: &Path, mut files: Vec<PathBuf>) -> Result<(), AssetError> {
    files.sort();
    for file in files {
        let rel = file.strip_prefix(base).unwrap_or(&file);
        // Forward slashes, so the hash is the same on every OS.
        let name: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let contents = fs::read(&file).map_err(|e| AssetError::io(&file, e))?;
        hasher.update(name.join("/").as_bytes());
        hasher.update(b"\0");
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(&contents);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler_hash(root: &Path) -> String {
        let mut hasher = Sha256::new();
        hash_handler_workspace(&mut hasher, root, "my-handler").unwrap();
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_handler_hash_covers_exactly_what_cargo_builds() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for krate in ["my-handler", "contract", "runtime", "testkit"] {
            fs::create_dir_all(root.join(krate).join("src")).unwrap();
            fs::create_dir_all(root.join(krate).join("tests")).unwrap();
            fs::write(root.join(krate).join("Cargo.toml"), format!("[package]\nname = \"{krate}\"")).unwrap();
            fs::write(root.join(krate).join("src/lib.rs"), "pub fn f() {}").unwrap();
            fs::write(root.join(krate).join("tests/t.rs"), "#[test] fn t() {}").unwrap();
        }
        fs::write(root.join("Cargo.toml"), "[workspace]").unwrap();
        fs::write(root.join("Cargo.lock"), "version = 4").unwrap();
        let base = handler_hash(root);
        // Not built into the binary: tests, READMEs, other crates, build output.
        fs::write(root.join("my-handler/tests/t.rs"), "#[test] fn t2() {}").unwrap();
        fs::write(root.join("runtime/README.md"), "docs").unwrap();
        fs::write(root.join("testkit/src/lib.rs"), "pub fn g() {}").unwrap();
        fs::create_dir_all(root.join("my-handler/target")).unwrap();
        assert_eq!(handler_hash(root), base, "files the build does not read");
        // Built: every one of these changes the asset.
        for (file, text) in [
            ("my-handler/src/lib.rs", "pub fn f() { }"),
            ("my-handler/build.rs", "fn main() {}"),
            ("contract/src/lib.rs", "pub fn f() { }"),
            ("runtime/Cargo.toml", "[package]\nname = \"runtime\"\nversion = \"0.2.0\""),
            ("Cargo.lock", "version = 4\n# changed"),
            ("Cargo.toml", "[workspace]\n[profile.release]"),
        ] {
            let before = handler_hash(root);
            fs::write(root.join(file), text).unwrap();
            assert_ne!(handler_hash(root), before, "{file} is built");
        }
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
