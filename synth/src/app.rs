//! The app: the root of the construct tree, and synthesis of all its stacks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indexmap::IndexMap;

use crate::assets::{handler_source, AssetSource, HandlerSource};
use crate::codes;
use crate::diagnostic::{apply_acknowledgements, Acknowledged, Diagnostic, Diagnostics};
use crate::manifest::{self, AssetManifest, AssetSourceManifest, Manifest, NestedStackManifest, ParameterManifest, StackManifest};
use crate::partition::{self, PartitionMode};
use crate::placement::{self, Placed, PlacementLock};
use crate::render;
use crate::stack::{Stack, StackProps};
use crate::validate;

/// The app: a list of stacks. Declare stacks and constructs, then call [`App::run`].
#[derive(Debug, Default)]
pub struct App {
    stacks: Vec<Stack>,
    diagnostics: Vec<Diagnostic>,
    previous_placement: Option<PlacementLock>,
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
    /// Its nested stacks (when it was split), in the order of their resources in the root.
    pub nested: Vec<NestedArtifact>,
}

/// One nested stack of a split stack.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedArtifact {
    /// Logical id of its `AWS::CloudFormation::Stack` resource in the root template.
    pub logical_id: String,
    /// The template text as written.
    pub template: String,
    /// The template as JSON.
    pub json: serde_json::Value,
    /// What the manifest says about it.
    pub manifest: NestedStackManifest,
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
    /// Where each stateful resource now is: the placement lock to commit (see
    /// [`crate::placement`]).
    pub placement: PlacementLock,
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

    /// The placement lock of the previous synth: [`App::synthesize`] then refuses to move a
    /// stateful resource to another template (AC1408). The command line reads it from
    /// [`crate::placement::LOCK_FILE`].
    pub fn previous_placement(&mut self, lock: PlacementLock) -> &mut Self {
        self.previous_placement = Some(lock);
        self
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
        let mut placement = PlacementLock::default();
        let previous = self.previous_placement.take();
        for stack in self.stacks.iter_mut().filter(|s| only.is_empty() || only.iter().any(|o| o == s.name())) {
            stack.run_finalizers();
            let previous_stack = previous.as_ref().and_then(|p| p.stacks.get(stack.name()));
            let (artifact, found, placed) = synth_stack(stack, previous_stack);
            let (live, silenced) = apply_acknowledgements(found, &stack.acknowledgements);
            diagnostics.extend(live);
            acknowledged.extend(silenced);
            for (hash, source) in &stack.assets {
                assets.entry(hash.clone()).or_insert_with(|| source.clone());
            }
            if !placed.is_empty() {
                placement.stacks.insert(stack.name().to_owned(), placed.into_iter().map(|p| (p.path, p.location)).collect());
            }
            stacks.push(artifact);
        }
        // Stacks not synthesized this time keep their entries.
        if let Some(previous) = previous {
            for (name, entries) in previous.stacks {
                if !self.stacks.iter().any(|s| s.name() == name && (only.is_empty() || only.contains(&name))) {
                    placement.stacks.entry(name).or_insert(entries);
                }
            }
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Diagnostics(diagnostics));
        }
        Ok(Assembly { stacks, assets, warnings: diagnostics, acknowledged, placement })
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
                    AssetSource::Python { dir, layout, architecture, python } => AssetSourceManifest::Python {
                        path: manifest::relative_to(&manifest::absolute(dir), &out_abs),
                        layout: layout.name().to_owned(),
                        architecture: architecture.name().to_owned(),
                        python: python.clone(),
                    },
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
        let mut files: Vec<(PathBuf, &[u8])> = Vec::new();
        for s in &self.stacks {
            files.push((out.join(s.file_name()), s.template.as_bytes()));
            for n in &s.nested {
                files.push((out.join(&n.manifest.template_file), n.template.as_bytes()));
            }
        }
        // On all cores (a 50-agent app writes 51 templates); the paths come back in this order.
        let mut written =
            crate::parallel::map(&files, |(path, bytes)| write_atomic(path, bytes)).into_iter().collect::<io::Result<Vec<_>>>()?;
        // Last, so that a reader of the manifest finds every template it lists.
        let mut manifest = serde_json::to_string_pretty(&self.manifest(out)).map_err(io::Error::other)?;
        manifest.push('\n');
        written.push(write_atomic(&out.join(manifest::MANIFEST_FILE), manifest.as_bytes())?);
        Ok(written)
    }
}

/// Renders, splits (when the partition asks for it) and validates one finalized stack. Returns
/// its artifact, every finding, and where its stateful resources are.
fn synth_stack(stack: &Stack, previous: Option<&BTreeMap<String, String>>) -> (StackArtifact, Vec<Diagnostic>, Vec<Placed>) {
    let resources = render::resources(stack);
    let mut found = validate::validate(stack, &resources);
    let assignment = partition::assign(&stack.props.partition, stack.name(), &resources);
    let resource_count = resources.len();
    let stateful: Vec<(usize, String, String, String)> = resources
        .iter()
        .enumerate()
        .filter_map(|(i, r)| placement::stateful_reason(&r.type_name, &r.json).map(|why| (i, r.path.clone(), r.type_name.clone(), why)))
        .collect();
    // Construct paths by logical id: for messages about a split root, and for the nested
    // stacks' manifests.
    let paths: HashMap<String, String> = resources.iter().map(|r| (r.logical_id.to_string(), r.path.clone())).collect();
    let json = render::template(stack, resources);
    let counted_over = partition::over_margin(resource_count, stack.parameters.len(), stack.outputs.len(), 0);
    let mut text = None;
    let wanted = match stack.props.partition.mode {
        PartitionMode::Off => false,
        PartitionMode::Always => true,
        PartitionMode::Auto if counted_over => true,
        PartitionMode::Auto => {
            let t = render::to_text(&json);
            let over = partition::over_margin(resource_count, stack.parameters.len(), stack.outputs.len(), t.len());
            text = Some(t);
            over
        }
    };
    // Err: the single template, unsplit.
    let split = if wanted { partition::split(stack.name(), json, &assignment) } else { Err(json) };
    let location = |i: usize| match (split.is_ok(), &assignment[i]) {
        (true, Some(name)) => format!("{}.{name}", stack.name()),
        _ => stack.name().to_owned(),
    };
    let placed: Vec<Placed> =
        stateful.into_iter().map(|(i, path, type_name, reason)| Placed { location: location(i), path, type_name, reason }).collect();
    found.extend(placement::moves(stack.name(), &placed, previous));
    let artifact = match split {
        Err(json) => {
            let template = text.unwrap_or_else(|| render::to_text(&json));
            found.extend(validate::template_limits(stack.name(), &json, template.len(), false));
            let manifest = stack_manifest(stack, &json, &template, IndexMap::new());
            StackArtifact { name: stack.name().to_owned(), template, json, manifest, nested: Vec::new() }
        }
        Ok(split) => {
            let mut paths = paths;
            let mut nested = Vec::new();
            for (child, child_text, hash) in split.children {
                let display = format!("{}/{}", stack.name(), child.name);
                found.extend(validate::template_limits(&display, &child.json, child_text.len(), true));
                let artifact = nested_artifact(stack.name(), child, child_text, &hash, &paths);
                paths.insert(artifact.logical_id.clone(), display);
                nested.push(artifact);
            }
            found.extend(validate::nested_cycles(&split.root, &paths));
            let template = render::to_text(&split.root);
            found.extend(validate::template_limits(stack.name(), &split.root, template.len(), false));
            let manifest =
                stack_manifest(stack, &split.root, &template, nested.iter().map(|n| (n.logical_id.clone(), n.manifest.clone())).collect());
            StackArtifact { name: stack.name().to_owned(), template, json: split.root, manifest, nested }
        }
    };
    (artifact, found, placed)
}

/// `paths`: every resource's construct path, by logical id.
fn nested_artifact(stack: &str, child: partition::Child, template: String, hash: &str, paths: &HashMap<String, String>) -> NestedArtifact {
    let names = |section: &str| {
        child.json.get(section).and_then(serde_json::Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
    };
    let resources = child.json.get("Resources").and_then(serde_json::Value::as_object);
    let construct_paths = resources.into_iter().flatten().filter_map(|(id, _)| Some((id.clone(), paths.get(id)?.clone()))).collect();
    let manifest = NestedStackManifest {
        template_file: format!("{stack}.{}.template.json", child.logical_id),
        object_key: partition::template_object_key(hash),
        subtree: child.name.clone(),
        parameters: names("Parameters"),
        outputs: names("Outputs"),
        resources: child.resources,
        template_bytes: template.len(),
        construct_paths,
    };
    NestedArtifact { logical_id: child.logical_id, template, json: child.json, manifest }
}

/// The manifest entry of a stack whose (root) template is `json`.
fn stack_manifest(stack: &Stack, json: &serde_json::Value, template: &str, nested: IndexMap<String, NestedStackManifest>) -> StackManifest {
    let section = |name: &str| json.get(name).and_then(serde_json::Value::as_object);
    let parameters = section("Parameters")
        .map(|ps| {
            ps.iter()
                .map(|(n, p)| {
                    let declared = stack.parameters.get(n);
                    let pm = ParameterManifest {
                        kind: declared.map_or_else(
                            || p.get("Type").and_then(serde_json::Value::as_str).unwrap_or("String").to_owned(),
                            |d| d.kind.name().to_owned(),
                        ),
                        default: declared.and_then(|d| d.default.clone()),
                        description: declared.map_or_else(
                            || p.get("Description").and_then(serde_json::Value::as_str).map(str::to_owned),
                            |d| d.description.clone(),
                        ),
                    };
                    (n.clone(), pm)
                })
                .collect()
        })
        .unwrap_or_default();
    StackManifest {
        template_file: format!("{}.template.json", stack.name()),
        description: stack.props().description.clone(),
        tags: stack.props().tags.clone(),
        parameters,
        outputs: stack.outputs.keys().cloned().collect(),
        assets: stack.assets.keys().cloned().collect(),
        resources: section("Resources").map_or(0, serde_json::Map::len),
        template_bytes: template.len(),
        // Resources of this (root) template only: a nested stack's are found through its own.
        construct_paths: stack
            .resources
            .iter()
            .filter(|(id, _)| section("Resources").is_some_and(|r| r.contains_key(id.as_str())))
            .map(|(id, entry)| (id.to_string(), entry.path.clone()))
            .collect(),
        nested,
    }
}

/// Writes through a temporary file and a rename, so a reader never sees half a file. A file
/// that already holds exactly `bytes` is left alone: a re-synth of an unchanged app touches
/// nothing (mtimes stay, watchers stay quiet), and ext4 flushes a file that replaces another by
/// rename at once (`auto_da_alloc`), which was a tenth of a 50-agent re-synth. Templates, the
/// manifest and the placement lock are all written through here.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let same_length = fs::metadata(path).is_ok_and(|m| m.len() == bytes.len() as u64);
    if same_length && fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(path.to_owned());
    }
    // `<file>.tmp` beside it: the same file system, so the rename is atomic.
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)?;
    Ok(path.to_owned())
}
