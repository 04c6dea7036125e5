//! `manifest.json`: what synth wrote, for `package`, `deploy` and other tools.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The manifest format version.
pub const MANIFEST_VERSION: &str = "1";
/// The manifest's file name in the output folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The whole output folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// [`MANIFEST_VERSION`].
    pub version: String,
    /// Stacks by name, in declaration order.
    pub stacks: IndexMap<String, StackManifest>,
    /// Assets by content hash.
    pub assets: IndexMap<String, AssetManifest>,
}

/// One stack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackManifest {
    /// Template file name, relative to the output folder.
    pub template_file: String,
    /// The template's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Stack tags (also applied to every taggable resource).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Parameters a deploy must (or may) give.
    #[serde(default)]
    pub parameters: IndexMap<String, ParameterManifest>,
    /// Output names.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Hashes of the assets the template refers to.
    #[serde(default)]
    pub assets: Vec<String>,
    /// Number of resources.
    pub resources: usize,
    /// Template size in bytes (over 51,200 needs an S3 bucket to deploy).
    pub template_bytes: usize,
    /// Each resource's construct path (`Stack/Support/Runner/Function`), by logical id: how the
    /// toolkit finds what a user names by path (`invoke Support/Runner`, `logs Support`)
    /// without a path in every resource's metadata (templates stay as they were). Absent in
    /// manifests written before it existed.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub construct_paths: IndexMap<String, String>,
    /// Nested stacks by the logical id of their `AWS::CloudFormation::Stack` resource (a stack
    /// split past CloudFormation's limits; see README "Nested stacks").
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub nested: IndexMap<String, NestedStackManifest>,
}

/// One nested stack: its template, and where `package`/`deploy` upload it. The root's
/// `TemplateURL` is `https://<AssetBucket>.s3.<region>.<url suffix>/<objectKey>`, so any upload
/// of the file to that key in the asset bucket (`aws s3 sync cdk.out/assets ...` after
/// `package`) makes the root deployable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NestedStackManifest {
    /// Template file name, relative to the output folder.
    pub template_file: String,
    /// The S3 key the root's `TemplateURL` names: `<sha256 of the template>.template.json`.
    pub object_key: String,
    /// The nested stack's name: the top-level construct id of its subtree (or the pin's name).
    pub subtree: String,
    /// Parameters the root passes it.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// Outputs the root (or another nested stack through the root) reads.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Number of resources.
    pub resources: usize,
    /// Template size in bytes.
    pub template_bytes: usize,
    /// Each of its resources' construct paths, by logical id (as [`StackManifest::construct_paths`]
    /// for the root): how `invoke` and `logs` find a function that moved into a nested stack.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub construct_paths: IndexMap<String, String>,
}

/// One parameter, as a deployer needs to know it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterManifest {
    /// Parameter type name.
    #[serde(rename = "type")]
    pub kind: String,
    /// Default, if any (no default: the deployer must give a value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Description, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One asset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetManifest {
    /// Where the sources are.
    pub source: AssetSourceManifest,
    /// How it is packaged (`cargo-lambda`, `zip-directory`, `zip-file`, `file`).
    pub packaging: String,
    /// The S3 key templates use.
    pub object_key: String,
}

/// Where an asset's sources are. Paths are relative to the output folder, so the manifest
/// is the same wherever the project is checked out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum AssetSourceManifest {
    /// A stock handler crate, built with cargo-lambda.
    #[serde(rename_all = "camelCase")]
    Handler {
        /// Crate (package and binary) name.
        name: String,
        /// `x86_64` or `arm64`.
        architecture: String,
        /// The crate's version: the registry package `name@version` when there is no
        /// `workspace`.
        version: String,
        /// The handlers workspace to build it in (relative to the output folder): the one of
        /// the agentcdk checkout the app was compiled from. Absent: agentcdk came from a
        /// registry, and so does the handler.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        workspace: Option<String>,
    },
    /// A local file or folder.
    Path {
        /// The file or folder.
        path: String,
    },
    /// A Python project whose dependencies `package` installs as wheels.
    #[serde(rename_all = "camelCase")]
    Python {
        /// The project folder.
        path: String,
        /// `layer` (dependencies under `python/`) or `bundle` (sources and dependencies).
        layout: String,
        /// `x86_64` or `arm64`.
        architecture: String,
        /// Python version, `3.13`.
        python: String,
    },
}

/// `path` relative to `base` (both absolute), with `/` separators.
pub(crate) fn relative_to(path: &Path, base: &Path) -> String {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); b.len() - common];
    parts.extend(p[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// Makes `path` absolute against the working directory (without touching the file system
/// beyond reading the working directory).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    std::env::current_dir().map(|cwd| cwd.join(path)).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative_to(Path::new("/a/b/c"), Path::new("/a/x")), "../b/c");
        assert_eq!(relative_to(Path::new("/a/b"), Path::new("/a/b")), ".");
        assert_eq!(relative_to(Path::new("/a/b/c"), Path::new("/a/b")), "c");
    }

    #[test]
    fn asset_source_round_trips() {
        let m = AssetSourceManifest::Handler {
            name: "agent-runner".into(),
            architecture: "x86_64".into(),
            version: "0.1.0".into(),
            workspace: Some("../handlers".into()),
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"kind":"handler","name":"agent-runner","architecture":"x86_64","version":"0.1.0","workspace":"../handlers"}"#);
        assert_eq!(serde_json::from_str::<AssetSourceManifest>(&json).unwrap(), m);
        let registry = AssetSourceManifest::Handler {
            name: "agent-runner".into(),
            architecture: "x86_64".into(),
            version: "0.1.0".into(),
            workspace: None,
        };
        let json = serde_json::to_string(&registry).unwrap();
        assert_eq!(json, r#"{"kind":"handler","name":"agent-runner","architecture":"x86_64","version":"0.1.0"}"#);
    }
}
