//! Scopes: where constructs add their children. A scope is a path in a stack's construct tree.

use crate::assets::{AssetRef, AssetSource};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::resource::{AnyRef, CfnResource, RawResource, ResourceRef};
use crate::stack::Stack;

/// A node of the construct tree, borrowed from its stack. Constructs take `&mut Scope`, make a
/// child scope for themselves and add resources and further children to it.
#[derive(Debug)]
pub struct Scope<'s> {
    stack: &'s mut Stack,
    components: Vec<String>,
}

impl<'s> Scope<'s> {
    pub(crate) fn new(stack: &'s mut Stack, components: Vec<String>) -> Self {
        Scope { stack, components }
    }

    /// A child scope. Ids are unique within a scope; a duplicate is recorded as an error
    /// naming the path (synthesis then stops with every error listed).
    pub fn scope(&mut self, id: &str) -> Scope<'_> {
        self.stack.register_node(&self.components, id);
        let mut components = self.components.clone();
        components.push(id.to_owned());
        Scope { stack: &mut *self.stack, components }
    }

    /// Adds a typed resource as child `id` (call the construct's main resource `Resource`: it
    /// is hidden from the readable part of the logical id).
    pub fn add<R: CfnResource>(&mut self, id: &str, props: R) -> ResourceRef<R> {
        let (components, registered) = self.child(id);
        let logical_id = self.stack.insert_resource(&components, Box::new(props), registered);
        ResourceRef::new(self.stack.name(), &self.stack.display_path(&components), &logical_id)
    }

    /// Adds an untyped resource as child `id` (the escape hatch for types we do not generate).
    pub fn add_raw(&mut self, id: &str, raw: RawResource) -> AnyRef {
        let (components, registered) = self.child(id);
        let logical_id = self.stack.insert_resource(&components, Box::new(raw), registered);
        AnyRef::new(self.stack.name(), &logical_id)
    }

    /// Registers code to upload (a local path, or a handler of the handlers workspace) and
    /// returns where the template finds it. Synth hashes the sources; it never builds them.
    pub fn asset(&mut self, source: AssetSource) -> AssetRef {
        let path = self.path();
        self.stack.asset(&path, source)
    }

    /// This scope's path, `Stack/A/B`.
    pub fn path(&self) -> String {
        self.stack.display_path(&self.components)
    }

    /// The path components below the stack (to re-enter this scope later with
    /// [`Stack::scope_at`]).
    pub fn components(&self) -> &[String] {
        &self.components
    }

    /// This scope's id (the stack name for the root).
    pub fn id(&self) -> &str {
        self.components.last().map_or(self.stack.name(), String::as_str)
    }

    /// Records an error about this construct's props, with a hint. All errors are reported
    /// together at synth; nothing panics.
    pub fn error(&mut self, code: DiagnosticCode, message: impl Into<String>, hint: impl Into<String>) {
        let path = self.path();
        self.stack.diagnostics.push(Diagnostic::error(code, path, message).hint(hint));
    }

    /// Records a warning about this construct's props.
    pub fn warn(&mut self, code: DiagnosticCode, message: impl Into<String>, hint: impl Into<String>) {
        let path = self.path();
        self.stack.diagnostics.push(Diagnostic::warning(code, path, message).hint(hint));
    }

    /// Acknowledges the warning `code` on this construct and everything below it, with the
    /// reason synth lists (see [`Stack::acknowledge`]).
    pub fn acknowledge(&mut self, code: DiagnosticCode, reason: &str) -> &mut Self {
        let path = self.path();
        self.stack.acknowledge(&path, code, reason);
        self
    }

    /// The stack this scope belongs to (for parameters, outputs, resource options).
    pub fn stack(&mut self) -> &mut Stack {
        self.stack
    }

    fn child(&mut self, id: &str) -> (Vec<String>, bool) {
        let registered = self.stack.register_node(&self.components, id);
        let mut components = self.components.clone();
        components.push(id.to_owned());
        (components, registered)
    }
}
