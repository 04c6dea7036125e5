//! The cloud assembly `synth` wrote (`manifest.json` + `<Stack>.template.json`): the only input
//! of `dev`, so any template the library writes runs, whatever constructs produced it.

use std::path::{Path, PathBuf};

use agentcdk_synth::manifest::{AssetSourceManifest, Manifest, MANIFEST_FILE};
use serde_json::{Map, Value};

use crate::DevError;

/// One stack of an assembly: its template and where its handler code comes from.
#[derive(Debug, Clone)]
pub struct Assembly {
    /// The assembly folder.
    pub dir: PathBuf,
    /// The stack's name (also the moto stack's name).
    pub stack: String,
    /// The whole manifest.
    pub manifest: Manifest,
    /// The stack's template.
    pub template: Value,
}

impl Assembly {
    /// Reads `dir/manifest.json` and the template of `stack` (the only stack when `None`).
    pub fn load(dir: &Path, stack: Option<&str>) -> Result<Self, DevError> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| DevError::Assembly(format!("cannot read {}: {e}", p.display())));
        let manifest_path = dir.join(MANIFEST_FILE);
        let manifest: Manifest = serde_json::from_str(&read(&manifest_path)?)
            .map_err(|e| DevError::Assembly(format!("{} is not a cloud assembly manifest: {e}", manifest_path.display())))?;
        let names: Vec<&String> = manifest.stacks.keys().collect();
        let name = match stack {
            Some(s) if manifest.stacks.contains_key(s) => s.to_owned(),
            Some(s) => return Err(DevError::Assembly(format!("no stack {s:?} in {}; stacks: {names:?}", dir.display()))),
            None if names.len() == 1 => names[0].clone(),
            None => return Err(DevError::Assembly(format!("the assembly has {} stacks {names:?}: name one", names.len()))),
        };
        let template_path = dir.join(&manifest.stacks[&name].template_file);
        let template: Value = serde_json::from_str(&read(&template_path)?)
            .map_err(|e| DevError::Assembly(format!("{} is not JSON: {e}", template_path.display())))?;
        Ok(Self { dir: dir.to_owned(), stack: name, manifest, template })
    }

    /// The template's resources.
    pub fn resources(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        self.template.get("Resources").and_then(Value::as_object).unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    /// `(logical id, properties)` of every resource of type `ty`, in template order.
    pub fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        self.resources().iter().filter(move |(_, r)| r["Type"] == ty).map(|(id, r)| (id.as_str(), &r["Properties"]))
    }

    /// How a Python function (`Runtime: python3.x`) runs here, `None` for any other: its code
    /// folder (the `Code.S3Key` asset) and its dependencies, the project of its
    /// `AWS::Lambda::LayerVersion` asset installed for this machine under `target_dir`.
    pub fn python_function(&self, function: &Value, target_dir: &Path) -> Option<Result<crate::python::PythonRun, String>> {
        let runtime = function["Runtime"].as_str().filter(|r| r.starts_with("python"))?;
        let source = |key: Option<&str>| self.manifest.assets.values().find(|a| Some(a.object_key.as_str()) == key).map(|a| &a.source);
        let run = || -> Result<crate::python::PythonRun, String> {
            let Some(AssetSourceManifest::Path { path }) = source(function["Code"]["S3Key"].as_str()) else {
                return Err("its Python code is not a local folder asset".into());
            };
            let code = self.dir.join(path);
            let layers = function["Layers"].as_array().into_iter().flatten().filter_map(|l| l["Ref"].as_str());
            let project = layers
                .filter_map(|id| self.resources().get(id))
                .find_map(|layer| match source(layer["Properties"]["Content"]["S3Key"].as_str()) {
                    Some(AssetSourceManifest::Python { path, .. }) => Some(self.dir.join(path)),
                    _ => None,
                })
                // No layer of ours (a published one, or none): the project's own requirements.
                .unwrap_or_else(|| code.clone());
            let site = if crate::python::has_dependencies(&project) {
                crate::python::host_site(&project, target_dir).map_err(|e| e.to_string())?
            } else {
                code.clone()
            };
            let handler = function["Handler"].as_str().unwrap_or_default().to_owned();
            Ok(crate::python::PythonRun { handler, code, site, runtime: runtime.to_owned() })
        };
        Some(run())
    }

    /// The handlers-workspace crate and workspace folder of a function's code: the template's
    /// `Code.S3Key` is `<hash>.zip`, and the manifest's asset of that key names its source.
    pub fn handler_crate(&self, function: &Value) -> Result<(String, PathBuf), String> {
        let key = function["Code"]["S3Key"].as_str().ok_or("its Code has no literal S3Key (inline or image code is not served by dev)")?;
        let asset = self
            .manifest
            .assets
            .values()
            .find(|a| a.object_key == key)
            .ok_or_else(|| format!("no asset in the manifest has the object key {key:?}"))?;
        match &asset.source {
            AssetSourceManifest::Handler { name, workspace: Some(workspace), .. } => Ok((name.clone(), self.dir.join(workspace))),
            // The toolkit's registry build (cargo lambda, for Lambda) has no native binaries here yet.
            AssetSourceManifest::Handler { name, version, workspace: None, .. } => Err(format!(
                "its handler {name}@{version} comes from the registry: dev builds handlers from a checkout of agentcdk \
                 (depend on agentcdk by path or git to use dev)"
            )),
            AssetSourceManifest::Path { path } => Err(format!("its code is a prebuilt asset ({path}); dev runs handler crates only")),
            AssetSourceManifest::Python { path, .. } => Err(format!("its code is a Python project ({path}); dev runs handler crates only")),
        }
    }
}
