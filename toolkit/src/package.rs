//! `package`: every asset the stacks refer to, built and zipped into `<out>/assets/<hash>.zip`.
//!
//! The name is the content hash synth computed from the sources, so an asset whose file is
//! already staged is up to date and skipped. Folder and file zips are deterministic (sorted
//! entries, fixed timestamps and permissions): the same sources give the same bytes.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use agentcdk_synth::assets::{asset_files, AssetFile};
use agentcdk_synth::manifest::{AssetSourceManifest, Manifest};
use indicatif::{ProgressBar, ProgressStyle};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::app::CloudAssembly;
use crate::handlers::{self, Request};
use crate::{Error, Result};
use agentcdk_dev::python::Platform;

/// The folder under the output folder that holds staged assets.
pub const ASSETS_DIR: &str = "assets";

/// One staged asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    /// Content hash.
    pub hash: String,
    /// S3 object key (`<hash>.zip`).
    pub object_key: String,
    /// The staged file.
    pub file: PathBuf,
    /// Whether it was built now (false: already staged).
    pub built: bool,
}

/// Stages every asset of `assembly` into `<assembly>/assets`, building stock handlers in
/// `target_dir`; returns them in manifest order.
pub fn package(assembly: &CloudAssembly, target_dir: &Path) -> Result<Vec<Staged>> {
    package_manifest(&assembly.manifest, &assembly.dir, target_dir)
}

/// Stages every asset of `manifest` (whose paths are relative to `out`).
pub fn package_manifest(manifest: &Manifest, out: &Path, target_dir: &Path) -> Result<Vec<Staged>> {
    let dir = out.join(ASSETS_DIR);
    fs::create_dir_all(&dir).map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    // Handlers first, all in one go (one cargo lambda build per source and architecture).
    let mut requests = BTreeMap::new();
    for (hash, asset) in &manifest.assets {
        if let AssetSourceManifest::Handler { name, architecture, version, workspace } = &asset.source {
            if !dir.join(&asset.object_key).is_file() {
                let workspace = workspace.as_ref().map(|w| fs::canonicalize(out.join(w)).unwrap_or_else(|_| out.join(w)));
                let request = Request { name: name.clone(), architecture: architecture.clone(), version: version.clone(), workspace };
                requests.insert(hash.clone(), request);
            }
        }
    }
    let unique: Vec<Request> = requests.values().cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let zips = handlers::build(&unique, target_dir)?;
    let mut staged = stage_nested_templates(manifest, out, &dir)?;
    for (hash, asset) in &manifest.assets {
        let file = dir.join(&asset.object_key);
        let label = match &asset.source {
            AssetSourceManifest::Handler { name, architecture, .. } => format!("{name} ({architecture}, cargo-lambda)"),
            AssetSourceManifest::Path { path } | AssetSourceManifest::Python { path, .. } => {
                format!("{} ({})", Path::new(path).file_name().map_or(path.clone(), |n| n.to_string_lossy().into_owned()), asset.packaging)
            }
        };
        if file.is_file() {
            println!("  {}  {label}: already staged", short(hash));
            staged.push(Staged { hash: hash.clone(), object_key: asset.object_key.clone(), file, built: false });
            continue;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
        bar.set_message(format!("{}  {label}", short(hash)));
        bar.enable_steady_tick(Duration::from_millis(120));
        let bytes = match &asset.source {
            AssetSourceManifest::Handler { .. } => {
                let zip = requests.get(hash).and_then(|r| zips.get(r)).ok_or_else(|| Error::new(format!("{label}: not built")))?;
                fs::read(zip).map_err(|e| Error::new(format!("cannot read {}: {e}", zip.display())))
            }
            AssetSourceManifest::Path { path } => {
                let source = out.join(path);
                match asset.packaging.as_str() {
                    "file" => fs::read(&source).map_err(|e| Error::new(format!("cannot read asset {}: {e}", source.display()))),
                    _ => zip_path(&source),
                }
            }
            AssetSourceManifest::Python { path, layout, architecture, python } => {
                let platform = Platform::Linux { architecture: architecture.clone(), python: python.clone() };
                crate::python::zip(&out.join(path), layout, &platform, target_dir)
            }
        };
        bar.finish_and_clear();
        let bytes = bytes?;
        write_atomic(&file, &bytes)?;
        println!("  {}  {label}: staged {} ({})", short(hash), file.display(), size(bytes.len()));
        staged.push(Staged { hash: hash.clone(), object_key: asset.object_key.clone(), file, built: true });
    }
    Ok(staged)
}

/// Copies every nested template to `assets/<object key>`, the key its root's `TemplateURL`
/// names, so one upload of the assets folder (`deploy`, or `aws s3 sync`) serves both.
fn stage_nested_templates(manifest: &Manifest, out: &Path, dir: &Path) -> Result<Vec<Staged>> {
    let mut staged = Vec::new();
    for nested in manifest.stacks.values().flat_map(|s| s.nested.values()) {
        let file = dir.join(&nested.object_key);
        if !file.is_file() {
            let source = out.join(&nested.template_file);
            let bytes = fs::read(&source).map_err(|e| Error::new(format!("cannot read {}: {e}", source.display())))?;
            write_atomic(&file, &bytes)?;
        }
        let hash = nested.object_key.trim_end_matches(agentcdk_synth::partition::TEMPLATE_KEY_SUFFIX).to_owned();
        staged.push(Staged { hash, object_key: nested.object_key.clone(), file, built: false });
    }
    if !staged.is_empty() {
        println!("  nested templates: {} staged in {}", staged.len(), dir.display());
    }
    Ok(staged)
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// A byte count for people: `512 B`, `3.2 KB`, `1.4 MB`.
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

fn write_atomic(file: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = file.with_extension("zip.tmp");
    fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, file)).map_err(|e| Error::new(format!("cannot write {}: {e}", file.display())))
}

/// A folder's files (or one file) as a deterministic zip: the entries synth hashed
/// ([`agentcdk_synth::assets::asset_files`]: same list, same order, so the hash in the object
/// key describes exactly these bytes), deflated, timestamps 1980-01-01, mode 0755 for
/// executables and 0644 otherwise.
pub fn zip_path(source: &Path) -> Result<Vec<u8>> {
    if !source.exists() {
        return Err(Error::new(format!("asset {} does not exist", source.display())).hint("run synth again from the project folder"));
    }
    let files = asset_files(source).map_err(|e| Error::new(format!("cannot list {}: {e}", source.display())))?;
    zip_files(&files)
}

/// These files as a deterministic zip, in list order, deflated at the default level (the same
/// zlib-rs version gives the same bytes): timestamps 1980-01-01, mode 0755 for executables and
/// 0644 otherwise.
pub fn zip_files(files: &[AssetFile]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for file in files {
        let content = fs::read(&file.path).map_err(|e| Error::new(format!("cannot read {}: {e}", file.path.display())))?;
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(if file.executable { 0o755 } else { 0o644 });
        let name = &file.name;
        zip.start_file(name.as_str(), options).map_err(|e| Error::new(format!("zip {name}: {e}")))?;
        zip.write_all(&content).map_err(|e| Error::new(format!("zip {name}: {e}")))?;
    }
    let cursor = zip.finish().map_err(|e| Error::new(format!("zip: {e}")))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) {
        fs::create_dir_all(dir.join("lib/sub")).unwrap();
        fs::write(dir.join("index.py"), "def handler(e, c):\n    return e\n").unwrap();
        fs::write(dir.join("lib/sub/data.txt"), "data").unwrap();
        fs::write(dir.join("lib/a.py"), "").unwrap();
        fs::create_dir_all(dir.join("target")).unwrap();
        fs::write(dir.join("target/junk"), "ignored").unwrap();
    }

    #[test]
    fn zip_is_deterministic_across_runs_and_folders() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        tree(a.path());
        let first = zip_path(a.path()).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        tree(b.path());
        assert_eq!(first, zip_path(a.path()).unwrap(), "same folder zipped twice");
        assert_eq!(first, zip_path(b.path()).unwrap(), "same files, another folder, later mtimes");

        let archive = zip::ZipArchive::new(Cursor::new(first)).unwrap();
        let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(sorted, ["index.py", "lib/a.py", "lib/sub/data.txt"], "build output left out");
    }

    #[test]
    fn a_single_file_is_zipped_alone() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("index.py"), "x").unwrap();
        let bytes = zip_path(&d.path().join("index.py")).unwrap();
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.file_names().map(|n| n.unwrap().into_owned()).collect::<Vec<_>>(), ["index.py"]);
    }

    #[test]
    fn missing_source_is_an_error() {
        let e = zip_path(Path::new("/no/such/folder")).unwrap_err();
        assert!(e.message.contains("does not exist"), "{e}");
    }

    #[test]
    fn staged_assets_are_skipped() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        tree(&src);
        let out = d.path().join("out");
        let mut app = agentcdk_synth::App::new();
        let stack = app.stack("S", agentcdk_synth::StackProps::default());
        let asset = stack.scope("Fn").asset(agentcdk_synth::AssetSource::path(&src));
        stack.add("Queue", agentcdk_synth::cfn::sqs::Queue::default());
        stack.output("Key", asset.key());
        app.synthesize(&[]).unwrap().write(&out).unwrap();
        let assembly = CloudAssembly::load(&out).unwrap();
        let target = d.path().join("target");
        let first = package(&assembly, &target).unwrap();
        assert_eq!(first.len(), 1);
        assert!(first[0].built);
        assert_eq!(first[0].file, out.join("assets").join(format!("{}.zip", first[0].hash)));
        let second = package(&assembly, &target).unwrap();
        assert!(!second[0].built, "already staged");
        assert_eq!(fs::read(&first[0].file).unwrap(), zip_path(&src).unwrap());
    }

    #[test]
    fn the_hash_changes_exactly_when_the_zipped_bytes_do() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path();
        tree(src);
        let state = || (agentcdk_synth::AssetSource::path(src).content_hash().unwrap(), zip_path(src).unwrap());
        let mut last = state();
        type Edit<'a> = (&'a str, &'a dyn Fn(&Path), bool);
        let edits: [Edit; 5] = [
            ("a file in build output", &|p| fs::write(p.join("target/more"), "x").unwrap(), false),
            ("a file in .git", &|p| fs::create_dir_all(p.join(".git")).and_then(|()| fs::write(p.join(".git/HEAD"), "x")).unwrap(), false),
            ("a new source file", &|p| fs::write(p.join("lib/b.py"), "").unwrap(), true),
            ("a changed source file", &|p| fs::write(p.join("index.py"), "changed").unwrap(), true),
            ("a renamed file", &|p| fs::rename(p.join("lib/a.py"), p.join("lib/c.py")).unwrap(), true),
        ];
        for (what, edit, zipped) in edits {
            edit(src);
            let now = state();
            assert_eq!(now.1 != last.1, zipped, "{what}: zip bytes changed?");
            assert_eq!(now.0 != last.0, zipped, "{what}: the hash changes iff the zip does");
            last = now;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(src.join("index.py"), fs::Permissions::from_mode(0o755)).unwrap();
            let now = state();
            assert!(now.1 != last.1 && now.0 != last.0, "an executable bit is zipped, so it is hashed");
        }
    }
}
