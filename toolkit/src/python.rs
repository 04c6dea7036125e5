//! Python assets for `package`: a project's dependencies installed as wheels for the function's
//! platform ([`agentcdk_dev::python::install`]) and zipped deterministically, under `python/`
//! for a Lambda layer, or beside the sources for an AgentCore code bundle. Installs are kept
//! under `<target>/python/site/<asset hash>` with the download cache in `<target>/python/cache`,
//! so packaging the same asset again costs only the zip.

use std::path::Path;

use agentcdk_dev::python::{cache_dir, install, site_dir, Platform};
use agentcdk_synth::assets::{asset_files, AssetFile};
use agentcdk_synth::{Architecture, AssetSource, PythonLayout};

use crate::package::zip_files;
use crate::{Error, Result};

/// The zip of the Python asset `hash` of the project at `project`: `layout` is `layer` or
/// `bundle` (the manifest's names). Deflated, like every asset zip.
pub fn zip(project: &Path, layout: &str, platform: &Platform, target_dir: &Path) -> Result<Vec<u8>> {
    let site = site_dir(target_dir, &dependencies_key(project, platform)?);
    install(project, platform, &site, &cache_dir(target_dir)).map_err(|e| Error::new(format!("{}: {e}", project.display())))?;
    let list = |dir: &Path| asset_files(dir).map_err(|e| Error::new(format!("cannot list {}: {e}", dir.display())));
    // The installer's own bookkeeping is not part of the code.
    let deps = list(&site)?.into_iter().filter(|f| !f.name.starts_with(".agentcdk-"));
    let files: Vec<AssetFile> = match layout {
        "layer" => deps.map(|f| AssetFile { name: format!("python/{}", f.name), ..f }).collect(),
        "bundle" => {
            let mut files = list(project)?;
            let own: std::collections::BTreeSet<String> = files.iter().map(|f| f.name.clone()).collect();
            // The project's own files win over a dependency of the same name.
            files.extend(deps.filter(|f| !own.contains(&f.name)));
            files.sort_by(|a, b| a.name.split('/').cmp(b.name.split('/')));
            files
        }
        other => {
            return Err(Error::new(format!("unknown Python asset layout '{other}'"))
                .hint("synth and package come from different agentcdk versions"))
        }
    };
    zip_files(&files)
}

/// The install's key: the hash of what decides the installed files (the dependency files, the
/// architecture and the Python version), not of the code.
fn dependencies_key(project: &Path, platform: &Platform) -> Result<String> {
    let Platform::Linux { architecture, python } = platform else {
        return Err(Error::new("package installs for Lambda's Linux only"));
    };
    let architecture = if architecture == "arm64" { Architecture::Arm64 } else { Architecture::X86_64 };
    let source = AssetSource::Python { dir: project.to_owned(), layout: PythonLayout::Layer, architecture, python: python.clone() };
    source.content_hash().map_err(|e| Error::new(format!("cannot hash {}: {e:?}", project.display())))
}
