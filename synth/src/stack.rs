//! A stack: one CloudFormation template, and the construct tree below it.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use indexmap::IndexMap;

use crate::assets::{AssetRef, AssetSource};
use crate::codes;
use crate::condition::{Condition, ConditionRef};
use crate::diagnostic::{Acknowledgement, Diagnostic, DiagnosticCode};
use crate::ids::{self, LogicalId};
use crate::justification::{Check, Justifications};
use crate::parameter::{Output, Parameter, ParameterRef};
use crate::partition::{Partition, Placement};
use crate::resource::{AnyRef, AnyResource, CfnResource, RawResource, ResourceRef};
use crate::scope::Scope;
use crate::value::Json;

/// Stack-wide settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackProps {
    /// The template's `Description`. Default: none.
    pub description: Option<String>,
    /// Tags applied to every taggable resource (a resource's own tag of the same key wins) and
    /// to the stack itself at deploy. Default: none.
    pub tags: BTreeMap<String, String>,
    /// Splitting into nested stacks past CloudFormation's limits, and pinned placements.
    /// Default: [`Partition::default`] (split by top-level subtree at 90% of any limit).
    pub partition: Partition,
}

/// The stack tag (value `true`) that marks a development stack: `cargo agentcdk deploy
/// --hotswap` updates functions in place only in such a stack (another needs `--force`), since
/// a hotswap leaves the stack drifted from its template. Set it with
/// [`StackProps::development`].
pub const DEVELOPMENT_TAG: &str = "agentcdk:development";

impl StackProps {
    /// Marks the stack as a development stack (the [`DEVELOPMENT_TAG`] tag, `true`), so that
    /// `deploy --hotswap` may update its functions in place.
    pub fn development(mut self) -> Self {
        self.tags.insert(DEVELOPMENT_TAG.to_owned(), "true".to_owned());
        self
    }
}

/// What CloudFormation does with a resource's physical resource when it leaves the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Delete it (CloudFormation's default for most types).
    Delete,
    /// Keep it: the choice for data (tables, buckets, keys).
    Retain,
    /// Keep it when the stack is created but rolls back; keep it afterwards.
    RetainExceptOnCreate,
    /// Snapshot, then delete (types that support snapshots).
    Snapshot,
}

impl DeletionPolicy {
    pub(crate) fn name(self) -> &'static str {
        match self {
            DeletionPolicy::Delete => "Delete",
            DeletionPolicy::Retain => "Retain",
            DeletionPolicy::RetainExceptOnCreate => "RetainExceptOnCreate",
            DeletionPolicy::Snapshot => "Snapshot",
        }
    }
}

/// What CloudFormation does with the old physical resource when an update replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateReplacePolicy {
    /// Delete the old one.
    Delete,
    /// Keep the old one.
    Retain,
    /// Snapshot, then delete.
    Snapshot,
}

impl UpdateReplacePolicy {
    pub(crate) fn name(self) -> &'static str {
        match self {
            UpdateReplacePolicy::Delete => "Delete",
            UpdateReplacePolicy::Retain => "Retain",
            UpdateReplacePolicy::Snapshot => "Snapshot",
        }
    }
}

/// One override of the rendered resource, applied after the typed properties (CDK's
/// `addOverride`): a dotted path below the resource and the value, or `None` to delete.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Override {
    pub path: Vec<String>,
    pub value: Option<Json>,
}

/// The resource attributes besides `Type` and `Properties`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ResourceOptions {
    pub depends_on: Vec<LogicalId>,
    pub condition: Option<String>,
    pub deletion_policy: Option<DeletionPolicy>,
    pub update_replace_policy: Option<UpdateReplacePolicy>,
    pub metadata: IndexMap<String, Json>,
    pub justifications: Justifications,
    pub overrides: Vec<Override>,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub path: String,
    pub resource: Box<dyn AnyResource>,
    pub options: ResourceOptions,
}

type Finalizer = Box<dyn FnOnce(&mut Stack)>;

/// A stack: resources, parameters, conditions and outputs, plus the diagnostics recorded while
/// constructs were built. Made by [`crate::App::stack`].
pub struct Stack {
    pub(crate) name: String,
    pub(crate) props: StackProps,
    pub(crate) parameters: IndexMap<String, Parameter>,
    pub(crate) conditions: IndexMap<String, Condition>,
    pub(crate) resources: IndexMap<LogicalId, Entry>,
    pub(crate) outputs: IndexMap<String, Output>,
    pub(crate) assets: IndexMap<String, AssetSource>,
    asset_hashes: HashMap<AssetSource, String>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) acknowledgements: Vec<Acknowledgement>,
    nodes: HashSet<String>,
    finalizers: Vec<Finalizer>,
    state: HashMap<TypeId, Box<dyn Any>>,
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("name", &self.name)
            .field("resources", &self.resources.len())
            .field("parameters", &self.parameters.len())
            .field("outputs", &self.outputs.len())
            .field("diagnostics", &self.diagnostics)
            .finish_non_exhaustive()
    }
}

/// The parameter synth adds when a stack uses assets: the bucket holding the code zips.
pub const ASSET_BUCKET_PARAMETER: &str = "AssetBucket";

impl Stack {
    pub(crate) fn new(name: &str, props: StackProps) -> Self {
        Stack {
            name: name.to_owned(),
            props,
            parameters: IndexMap::new(),
            conditions: IndexMap::new(),
            resources: IndexMap::new(),
            outputs: IndexMap::new(),
            assets: IndexMap::new(),
            asset_hashes: HashMap::new(),
            diagnostics: Vec::new(),
            acknowledgements: Vec::new(),
            nodes: HashSet::new(),
            finalizers: Vec::new(),
            state: HashMap::new(),
        }
    }

    /// The stack name (also the template's file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stack's settings.
    pub fn props(&self) -> &StackProps {
        &self.props
    }

    /// A child scope with id `id`, for a construct. Ids are unique within their scope.
    pub fn scope(&mut self, id: &str) -> Scope<'_> {
        self.register_node(&[], id);
        Scope::new(self, vec![id.to_owned()])
    }

    /// Re-enters a scope created earlier (from a finalizer, which outlives the construct's
    /// borrowed scope). `components` is what [`Scope::components`] returned.
    pub fn scope_at(&mut self, components: &[String]) -> Scope<'_> {
        Scope::new(self, components.to_vec())
    }

    /// A resource's properties as they will be rendered (before tags and overrides): for
    /// constructs that derive ids from content, like an API deployment.
    pub fn properties_json(&self, r: impl Into<AnyRef>) -> Option<Json> {
        let r = r.into();
        (r.stack() == self.name).then(|| self.resources.get(r.logical_id()).map(|e| e.resource.properties())).flatten()
    }

    /// The scope of the stack itself (resources added here keep their id as logical id).
    pub fn root(&mut self) -> Scope<'_> {
        Scope::new(self, Vec::new())
    }

    /// Adds a typed resource directly under the stack; its id is its logical id.
    pub fn add<R: CfnResource>(&mut self, id: &str, props: R) -> ResourceRef<R> {
        self.root().add(id, props)
    }

    /// Adds an untyped resource directly under the stack.
    pub fn add_raw(&mut self, id: &str, raw: RawResource) -> AnyRef {
        self.root().add_raw(id, raw)
    }

    /// Declares a parameter. Names are alphanumeric and unique among parameters and resources.
    pub fn parameter(&mut self, name: &str, parameter: Parameter) -> ParameterRef {
        if !ids::is_alphanumeric_name(name) {
            self.error_at(
                &self.name.clone(),
                codes::INVALID_PARAMETER_NAME,
                format!("parameter name '{name}' is not alphanumeric"),
                "CloudFormation names are letters and digits only, at most 255 of them",
            );
        } else if self.parameters.contains_key(name) {
            self.error_at(
                &self.name.clone(),
                codes::DUPLICATE_PARAMETER,
                format!("parameter '{name}' is declared twice"),
                "declare it once and share the ParameterRef",
            );
        } else {
            self.parameters.insert(name.to_owned(), parameter);
        }
        ParameterRef::new(name)
    }

    /// Declares a condition for `Fn::If`, resource conditions and conditional outputs.
    pub fn condition(&mut self, name: &str, condition: Condition) -> ConditionRef {
        if !ids::is_alphanumeric_name(name) {
            self.error_at(
                &self.name.clone(),
                codes::INVALID_CONDITION_NAME,
                format!("condition name '{name}' is not alphanumeric"),
                "CloudFormation names are letters and digits only",
            );
        } else if self.conditions.contains_key(name) {
            self.error_at(
                &self.name.clone(),
                codes::DUPLICATE_CONDITION,
                format!("condition '{name}' is declared twice"),
                "declare it once",
            );
        } else {
            self.conditions.insert(name.to_owned(), condition);
        }
        ConditionRef::new(name)
    }

    /// Adds an output. `value` converts from an [`crate::Expr`] or a string; pass an
    /// [`Output`] for a description, an export or a condition.
    pub fn output(&mut self, name: &str, value: impl Into<Output>) {
        let output = value.into();
        if !ids::is_alphanumeric_name(name) {
            self.error_at(
                &self.name.clone(),
                codes::INVALID_OUTPUT_NAME,
                format!("output name '{name}' is not alphanumeric"),
                "CloudFormation names are letters and digits only",
            );
        } else if self.outputs.contains_key(name) {
            self.error_at(
                &self.name.clone(),
                codes::DUPLICATE_OUTPUT,
                format!("output '{name}' is declared twice"),
                "output names are unique",
            );
        } else {
            self.outputs.insert(name.to_owned(), output);
        }
    }

    /// Registers an asset (code to upload) and adds the `AssetBucket` parameter templates
    /// use to find it. Errors (missing path, unknown handler) are recorded against `path`.
    pub(crate) fn asset(&mut self, path: &str, source: AssetSource) -> AssetRef {
        // Every agent's functions share a few handlers: hash each source once per stack (a
        // handler's hash reads its crate and path dependencies).
        let hash = match self.asset_hashes.get(&source) {
            Some(hash) => hash.clone(),
            None => match source.content_hash() {
                Ok(hash) => {
                    self.asset_hashes.insert(source.clone(), hash.clone());
                    hash
                }
                Err(err) => {
                    self.diagnostics.push(err.at(path));
                    String::from("0").repeat(64)
                }
            },
        };
        if !self.parameters.contains_key(ASSET_BUCKET_PARAMETER) {
            self.parameters.insert(
                ASSET_BUCKET_PARAMETER.to_owned(),
                Parameter::string()
                    .description("S3 bucket holding this stack's code assets (uploaded by `package`/`deploy`)")
                    .allowed_pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
                    .constraint_description("an S3 bucket name"),
            );
        }
        self.assets.entry(hash.clone()).or_insert(source);
        AssetRef::new(hash)
    }

    /// Mutable access to a resource's typed properties (e.g. to add a statement to a policy
    /// after the fact). `None` when the handle is not of this stack.
    pub fn props_mut<R: CfnResource>(&mut self, r: &ResourceRef<R>) -> Option<&mut R> {
        if r.stack_name() != self.name {
            return None;
        }
        self.resources.get_mut(r.logical_id())?.resource.as_any_mut().downcast_mut::<R>()
    }

    /// The resource of type `R` at `path` (components below the stack), if one was added: how
    /// a construct finds a per-stack singleton (like the stack's encryption key) it may have
    /// created before.
    pub fn find<R: CfnResource>(&self, path: &[&str]) -> Option<ResourceRef<R>> {
        let logical_id = ids::logical_id(path);
        let entry = self.resources.get(logical_id.as_str())?;
        let components: Vec<String> = path.iter().map(|c| (*c).to_owned()).collect();
        (entry.resource.type_name() == R::INFO.type_name && entry.path == self.display_path(&components))
            .then(|| ResourceRef::new(&self.name, &entry.path, &logical_id))
    }

    /// Resource attributes and overrides for a resource of this stack. A handle of another
    /// stack is recorded as an error (and the returned setters do nothing).
    pub fn resource(&mut self, r: impl Into<AnyRef>) -> ResourceOptionsMut<'_> {
        let r = r.into();
        if r.stack() != self.name || !self.resources.contains_key(r.logical_id()) {
            let name = self.name.clone();
            self.error_at(
                &name,
                codes::CROSS_STACK_RESOURCE,
                format!("resource '{}' of stack '{}' is not in this stack", r.logical_id(), r.stack()),
                "resources of another stack are shared through outputs with an export and Expr::import_value",
            );
            return ResourceOptionsMut { stack: self.name.clone(), entry: None, diagnostics: None };
        }
        let stack = self.name.clone();
        let entry = self.resources.get_mut(r.logical_id());
        ResourceOptionsMut { stack, entry, diagnostics: Some(&mut self.diagnostics) }
    }

    /// Runs `f` in the finalize phase, after every construct is built and before validation
    /// (for constructs that need the whole stack, like a lazily-filled policy).
    pub fn on_finalize(&mut self, f: impl FnOnce(&mut Stack) + 'static) {
        self.finalizers.push(Box::new(f));
    }

    /// Per-stack state of a construct library, one value per type, made on first use: what
    /// constructs collect while they are built and render in the finalize phase (like the
    /// statements of every policy), so nobody edits a rendered resource after the fact.
    pub fn state_mut<T: Default + 'static>(&mut self) -> &mut T {
        let slot = self.state.entry(TypeId::of::<T>()).or_insert_with(|| Box::new(T::default()));
        slot.downcast_mut::<T>().expect("state slots are keyed by their type")
    }

    /// Records an error found while building constructs (prop checks). Shown with every other
    /// error at synth.
    pub fn error_at(&mut self, path: &str, code: DiagnosticCode, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(code, path, message).hint(hint));
    }

    /// Records a warning found while building constructs.
    pub fn warn_at(&mut self, path: &str, code: DiagnosticCode, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(code, path, message).hint(hint));
    }

    /// Acknowledges the warning `code` on the construct at `path` and every construct below it
    /// (cdk-nag's suppressions, by stable code): synth lists it with `reason` instead of warning.
    /// Errors cannot be acknowledged; an acknowledgement without a reason is an error and one
    /// that matches no warning is itself a warning.
    pub fn acknowledge(&mut self, path: &str, code: DiagnosticCode, reason: &str) -> &mut Self {
        self.acknowledgements.push(Acknowledgement { path: path.to_owned(), code, reason: reason.trim().to_owned() });
        self
    }

    /// Keeps the subtree of the top-level construct `id` in the root template when the stack is
    /// split into nested stacks, unless the app pinned it otherwise: for stack-wide singletons
    /// every subtree refers to (an encryption key, an alarm topic).
    pub fn keep_in_root(&mut self, id: &str) {
        self.props.partition.pins.entry(id.to_owned()).or_insert(Placement::Root);
    }

    /// Number of resources declared so far.
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    pub(crate) fn run_finalizers(&mut self) {
        // Finalizers may register more finalizers; run until none are left.
        while !self.finalizers.is_empty() {
            let batch = std::mem::take(&mut self.finalizers);
            for f in batch {
                f(self);
            }
        }
    }

    /// Registers a construct path; false (and an error) when the id is taken or malformed.
    pub(crate) fn register_node(&mut self, parent: &[String], id: &str) -> bool {
        if id.is_empty() || id.contains('/') {
            let parent_path = self.display_path(parent);
            self.error_at(
                &parent_path,
                codes::INVALID_CONSTRUCT_ID,
                format!("invalid construct id '{id}'"),
                "ids are non-empty and have no '/' (it separates path components)",
            );
            return false;
        }
        let mut key = parent.join("/");
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str(id);
        if !self.nodes.insert(key) {
            let parent_path = self.display_path(parent);
            self.error_at(
                &format!("{parent_path}/{id}"),
                codes::DUPLICATE_CONSTRUCT_ID,
                format!("duplicate id '{id}' in scope '{parent_path}'"),
                "ids are unique among the children of one scope; rename one of them",
            );
            return false;
        }
        true
    }

    pub(crate) fn display_path(&self, components: &[String]) -> String {
        let mut path = self.name.clone();
        for c in components {
            path.push('/');
            path.push_str(c);
        }
        path
    }

    pub(crate) fn insert_resource(&mut self, components: &[String], resource: Box<dyn AnyResource>, register: bool) -> LogicalId {
        let refs: Vec<&str> = components.iter().map(String::as_str).collect();
        let logical_id = ids::logical_id(&refs);
        let path = self.display_path(components);
        if !register {
            return logical_id;
        }
        if let Some(existing) = self.resources.get(logical_id.as_str()) {
            let other = existing.path.clone();
            self.error_at(
                &path,
                codes::DUPLICATE_LOGICAL_ID,
                format!("logical id '{logical_id}' is already used by '{other}'"),
                "two construct paths reduced to the same id; rename one of the constructs",
            );
            return logical_id;
        }
        self.resources.insert(logical_id.clone(), Entry { path, resource, options: ResourceOptions::default() });
        logical_id
    }
}

impl<T: Into<crate::value::Value<String>>> From<T> for Output {
    fn from(v: T) -> Output {
        Output::new(v)
    }
}

/// Setters for a resource's attributes and overrides; from [`Stack::resource`].
#[derive(Debug)]
pub struct ResourceOptionsMut<'a> {
    stack: String,
    entry: Option<&'a mut Entry>,
    diagnostics: Option<&'a mut Vec<Diagnostic>>,
}

impl ResourceOptionsMut<'_> {
    fn options(&mut self) -> Option<&mut ResourceOptions> {
        self.entry.as_deref_mut().map(|e| &mut e.options)
    }

    /// Adds an explicit `DependsOn` (references already imply one).
    pub fn depends_on(&mut self, other: impl Into<AnyRef>) -> &mut Self {
        let other = other.into();
        if other.stack() != self.stack {
            if let (Some(diags), Some(entry)) = (self.diagnostics.as_deref_mut(), self.entry.as_deref()) {
                diags.push(
                    Diagnostic::error(
                        codes::CROSS_STACK_RESOURCE,
                        &entry.path,
                        format!("DependsOn '{}' of another stack '{}'", other.logical_id(), other.stack()),
                    )
                    .hint("cross-stack ordering comes from deploying the exporting stack first"),
                );
            }
            return self;
        }
        if let Some(o) = self.options() {
            if !o.depends_on.iter().any(|d| d == other.id()) {
                o.depends_on.push(other.id().clone());
            }
        }
        self
    }

    /// Creates the resource only when the condition holds.
    pub fn condition(&mut self, c: &ConditionRef) -> &mut Self {
        if let Some(o) = self.options() {
            o.condition = Some(c.name().to_owned());
        }
        self
    }

    /// Sets `DeletionPolicy`.
    pub fn deletion_policy(&mut self, p: DeletionPolicy) -> &mut Self {
        if let Some(o) = self.options() {
            o.deletion_policy = Some(p);
        }
        self
    }

    /// Sets `UpdateReplacePolicy`.
    pub fn update_replace_policy(&mut self, p: UpdateReplacePolicy) -> &mut Self {
        if let Some(o) = self.options() {
            o.update_replace_policy = Some(p);
        }
        self
    }

    /// Adds a `Metadata` entry.
    pub fn metadata(&mut self, key: &str, value: impl Into<Json>) -> &mut Self {
        if let Some(o) = self.options() {
            o.metadata.insert(key.to_owned(), value.into());
        }
        self
    }

    /// Records that this resource fails `check` on purpose, and why: rendered into the
    /// resource's `Metadata` for checkov, cfn_nag and cfn-guard (see [`Check`]), so scanners run
    /// on the synthesized template skip it and show the reason. The construct that made the
    /// decision calls this; a justification needs a reason and must fit the resource's type
    /// (otherwise an error is recorded). An explicit `metadata("checkov", ..)` replaces it.
    pub fn justify(&mut self, check: Check, reason: &str) -> &mut Self {
        let problem = match self.entry.as_deref() {
            Some(entry) if entry.resource.type_name() != check.resource_type() => Some((
                entry.path.clone(),
                format!("justification of {} ({}) on a {}", check.checkov(), check.title(), entry.resource.type_name()),
                format!("{} is a check of {} resources", check.checkov(), check.resource_type()),
            )),
            Some(entry) if reason.trim().is_empty() => Some((
                entry.path.clone(),
                format!("justification of {} without a reason", check.checkov()),
                "say why the finding is right by design: the reason is what a reviewer of the template reads".to_owned(),
            )),
            _ => None,
        };
        if let Some((path, message, hint)) = problem {
            if let Some(diags) = self.diagnostics.as_deref_mut() {
                diags.push(Diagnostic::error(codes::BAD_JUSTIFICATION, path, message).hint(hint));
            }
            return self;
        }
        if let Some(o) = self.options() {
            o.justifications.add(check, reason.trim());
        }
        self
    }

    /// The checks justified on this resource so far.
    pub fn justified(&self) -> Vec<Check> {
        self.entry.as_deref().map(|e| e.options.justifications.checks().collect()).unwrap_or_default()
    }

    /// Overrides anything in the rendered resource by dotted path (`Properties.X.Y`,
    /// `UpdatePolicy`), creating objects on the way. CDK's `addOverride`.
    pub fn add_override(&mut self, path: &str, value: impl Into<Json>) -> &mut Self {
        self.push_override(path, Some(value.into()))
    }

    /// Removes something from the rendered resource by dotted path.
    pub fn add_deletion_override(&mut self, path: &str) -> &mut Self {
        self.push_override(path, None)
    }

    /// Overrides a property by dotted path below `Properties`. CDK's `addPropertyOverride`:
    /// for what the typed layer lacks.
    pub fn add_property_override(&mut self, path: &str, value: impl Into<Json>) -> &mut Self {
        self.push_override(&format!("Properties.{path}"), Some(value.into()))
    }

    /// Removes a property by dotted path below `Properties`.
    pub fn add_property_deletion_override(&mut self, path: &str) -> &mut Self {
        self.push_override(&format!("Properties.{path}"), None)
    }

    fn push_override(&mut self, path: &str, value: Option<Json>) -> &mut Self {
        if let Some(o) = self.options() {
            o.overrides.push(Override { path: split_override_path(path), value });
        }
        self
    }
}

/// Splits a dotted override path; `\.` escapes a dot inside a key (as in CDK).
fn split_override_path(path: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                if let Some(p) = parts.last_mut() {
                    p.push('.');
                }
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(p) = parts.last_mut() {
                    p.push(c);
                }
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::split_override_path;

    #[test]
    fn override_paths_split_on_unescaped_dots() {
        assert_eq!(split_override_path("Properties.A.B"), ["Properties", "A", "B"]);
        assert_eq!(split_override_path(r"Properties.a\.b.C"), ["Properties", "a.b", "C"]);
    }
}
