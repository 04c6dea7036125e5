//! The app: the root of the construct tree, and synthesis of all its stacks.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indexmap::IndexMap;

use crate::assets::{handler_source, AssetSource, HandlerSource};
use crate::codes;
use crate::diagnostic::{apply_acknowledgements, Acknowledged, Diagnostic, Diagnostics};
use crate::manifest::{self, AssetManifest, AssetSourceManifest, Manifest, ParameterManifest, StackManifest};
use crate::render;
use crate::stack::{Stack, StackProps};
use crate::validate;

/// The app: a list of stacks. Declare stacks and constructs, then call [`App::run`].
#[derive(Debug, Default)]
pub struct App {
    stacks: Vec<Stack>,
    diagnostics: Vec<Diagnostic>,
}

/// One synthesized stack.
#[derive(Clone, Debug, PartialEq)]
pub struct StackArtifact {
    /// Stack name.
    pub name: String,
    /// The template text as written (pretty JSON, final newline).
    pub template: String,
    /// The template as JSON.
    pub json: serde_json::Value,
    /// What the manifest says about this stack.
    pub manifest: StackManifest,
}

impl StackArtifact {
    /// The template file name, `<Stack>.template.json`.
    pub fn file_name(&self) -> &str {
        &self.manifest.template_file
    }
}

/// The result of synthesis: rendered templates, asset sources and warnings. Nothing is on disk
/// until [`Assembly::write`].
#[derive(Clone, Debug, PartialEq)]
pub struct Assembly {
    /// The selected stacks, in declaration order.
    pub stacks: Vec<StackArtifact>,
    /// Asset sources by hash.
    pub assets: IndexMap<String, AssetSource>,
    /// Warnings (synthesis succeeded; these are worth reading).
    pub warnings: Vec<Diagnostic>,
    /// Warnings the app acknowledged, with its reasons (listed, not warned).
    pub acknowledged: Vec<Acknowledged>,
}

impl App {
    /// An empty app.
    pub fn new() -> Self {
        App::default()
    }

    /// Adds a stack. Names start with a letter and have letters, digits and hyphens (at most
    /// 128); they are unique in the app.
    pub fn stack(&mut self, name: &str, props: StackProps) -> &mut Stack {
        let valid = name.len() <= 128
            && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            self.diagnostics.push(
                Diagnostic::error(codes::INVALID_STACK_NAME, name, format!("invalid stack name '{name}'"))
                    .hint("stack names start with a letter and have letters, digits and hyphens, at most 128"),
            );
        }
        if self.stacks.iter().any(|s| s.name() == name) {
            self.diagnostics.push(
                Diagnostic::error(codes::DUPLICATE_STACK_NAME, name, format!("duplicate stack name '{name}'"))
                    .hint("stack names are unique in an app"),
            );
        }
        self.stacks.push(Stack::new(name, props));
        let last = self.stacks.len() - 1;
        &mut self.stacks[last]
    }

    /// The stacks declared so far.
    pub fn stacks(&self) -> &[Stack] {
        &self.stacks
    }

    /// Runs the phases finalize → validate → render for the stacks named in `only` (all when
    /// empty). Every error of every selected stack is returned at once.
    pub fn synthesize(&mut self, only: &[String]) -> Result<Assembly, Diagnostics> {
        let mut diagnostics = self.diagnostics.clone();
        let known: HashSet<&str> = self.stacks.iter().map(Stack::name).collect();
        for wanted in only {
            if !known.contains(wanted.as_str()) {
                let mut names: Vec<&str> = known.iter().copied().collect();
                names.sort_unstable();
                diagnostics.push(
                    Diagnostic::error(codes::UNKNOWN_STACK, wanted, format!("no stack named '{wanted}'"))
                        .hint(format!("the app has: {}", names.join(", "))),
                );
            }
        }
        let mut stacks = Vec::new();
        let mut assets = IndexMap::new();
        let mut acknowledged = Vec::new();
        for stack in self.stacks.iter_mut().filter(|s| only.is_empty() || only.iter().any(|o| o == s.name())) {
            stack.run_finalizers();
            let resources = render::resources(stack);
            let mut found = validate::validate(stack, &resources);
            let resource_count = resources.len();
            let json = render::template(stack, resources);
            let template = render::to_text(&json);
            found.extend(validate::template_size(stack.name(), template.len()));
            let (live, silenced) = apply_acknowledgements(found, &stack.acknowledgements);
            diagnostics.extend(live);
            acknowledged.extend(silenced);
            for (hash, source) in &stack.assets {
                assets.entry(hash.clone()).or_insert_with(|| source.clone());
            }
            let manifest = StackManifest {
                template_file: format!("{}.template.json", stack.name()),
                description: stack.props().description.clone(),
                tags: stack.props().tags.clone(),
                parameters: stack
                    .parameters
                    .iter()
                    .map(|(n, p)| {
                        let pm = ParameterManifest {
                            kind: p.kind.name().to_owned(),
                            default: p.default.clone(),
                            description: p.description.clone(),
                        };
                        (n.clone(), pm)
                    })
                    .collect(),
                outputs: stack.outputs.keys().cloned().collect(),
                assets: stack.assets.keys().cloned().collect(),
                resources: resource_count,
                template_bytes: template.len(),
                construct_paths: stack.resources.iter().map(|(id, entry)| (id.to_string(), entry.path.clone())).collect(),
            };
            stacks.push(StackArtifact { name: stack.name().to_owned(), template, json, manifest });
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Diagnostics(diagnostics));
        }
        Ok(Assembly { stacks, assets, warnings: diagnostics, acknowledged })
    }

    /// Parses the command line (`synth`, `list`, …) and runs it. Call it last in `main`.
    pub fn run(self) -> ExitCode {
        crate::cli::run(self, std::env::args_os())
    }

    /// Like [`App::run`] with explicit arguments (the first is the program name).
    pub fn run_with<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        crate::cli::run(self, args)
    }
}

impl Assembly {
    /// The manifest for this assembly written to `out`.
    pub fn manifest(&self, out: &Path) -> Manifest {
        let out_abs = manifest::absolute(out);
        let assets = self
            .assets
            .iter()
            .map(|(hash, source)| {
                let source_manifest = match source {
                    AssetSource::Handler { name, architecture } => {
                        let (version, workspace) = match handler_source() {
                            HandlerSource::Workspace(root) => (
                                crate::assets::HANDLERS_VERSION.to_owned(),
                                Some(manifest::relative_to(&manifest::absolute(&root), &out_abs)),
                            ),
                            HandlerSource::Registry { version } => (version, None),
                        };
                        AssetSourceManifest::Handler {
                            name: name.clone(),
                            architecture: architecture.name().to_owned(),
                            version,
                            workspace,
                        }
                    }
                    AssetSource::Path(p) => AssetSourceManifest::Path { path: manifest::relative_to(&manifest::absolute(p), &out_abs) },
                };
                let am = AssetManifest {
                    source: source_manifest,
                    packaging: source.packaging().name().to_owned(),
                    object_key: crate::assets::object_key(hash),
                };
                (hash.clone(), am)
            })
            .collect();
        Manifest {
            version: manifest::MANIFEST_VERSION.to_owned(),
            stacks: self.stacks.iter().map(|s| (s.name.clone(), s.manifest.clone())).collect(),
            assets,
        }
    }

    /// Writes `<Stack>.template.json` for every stack and `manifest.json` into `out` (created
    /// if missing). Each file is written to a temporary name and renamed, so a reader never
    /// sees half a template. Returns the paths written.
    pub fn write(&self, out: &Path) -> io::Result<Vec<PathBuf>> {
        fs::create_dir_all(out)?;
        let mut written = Vec::new();
        for s in &self.stacks {
            written.push(write_atomic(&out.join(s.file_name()), s.template.as_bytes())?);
        }
        let mut manifest = serde_json::to_string_pretty(&self.manifest(out)).map_err(io::Error::other)?;
        manifest.push('\n');
        written.push(write_atomic(&out.join(manifest::MANIFEST_FILE), manifest.as_bytes())?);
        Ok(written)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)?;
    Ok(path.to_owned())
}
