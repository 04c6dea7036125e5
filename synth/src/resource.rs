//! Resources: the `CfnResource` trait generated L1 types implement, typed handles, and the
//! untyped escape hatch.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use crate::expr::Expr;
use crate::ids::LogicalId;
use crate::value::{Json, Required};

/// How a resource type takes tags, from the registry schema's `tagging` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tagging {
    /// The type has no tags property.
    None,
    /// `Tags: [{"Key": .., "Value": ..}]` (most types).
    List,
    /// `Tags: {"key": "value"}` (API Gateway V2, some newer types).
    Map,
}

/// What validation needs to know about a resource type: generated from its registry schema.
#[derive(Clone, Copy, Debug)]
pub struct TypeInfo {
    /// `AWS::Service::Resource`.
    pub type_name: &'static str,
    /// Attributes `Fn::GetAtt` accepts (the schema's `readOnlyProperties`, dotted).
    pub attributes: &'static [&'static str],
    /// How the type takes tags.
    pub tagging: Tagging,
}

/// A CloudFormation resource type with typed properties. Implemented by the generated L1
/// structs in [`crate::cfn`]; the struct itself is the `Properties` object. `Send + Sync`:
/// a stack's resources are rendered on all cores.
pub trait CfnResource: Serialize + Required + Clone + fmt::Debug + Send + Sync + 'static {
    /// Schema facts about the type (name, attributes, tagging).
    const INFO: TypeInfo;
}

/// A typed handle to a resource declared in a stack: knows its logical id and its type, and
/// offers exactly the attributes the type has (generated `attr_*` methods).
///
/// Handles are plain data: clone them freely, keep them after the scope that made them is gone.
pub struct ResourceRef<R> {
    logical_id: LogicalId,
    stack: String,
    path: String,
    _type: PhantomData<fn() -> R>,
}

impl<R> ResourceRef<R> {
    pub(crate) fn new(stack: &str, path: &str, logical_id: &LogicalId) -> Self {
        ResourceRef { logical_id: logical_id.clone(), stack: stack.to_owned(), path: path.to_owned(), _type: PhantomData }
    }

    /// The logical id in the template, as a string (for messages and tests).
    pub fn logical_id(&self) -> &str {
        self.logical_id.as_str()
    }

    /// The logical id in the template.
    pub fn id(&self) -> &LogicalId {
        &self.logical_id
    }

    /// The name of the stack the resource lives in.
    pub fn stack_name(&self) -> &str {
        &self.stack
    }

    /// The construct path, e.g. `SupportAgent/Support/Queue/Resource`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `{"Ref": logical_id}`: what `Ref` returns depends on the type (name, URL, id…).
    pub fn reference(&self) -> Expr {
        Expr::Ref(self.logical_id.clone())
    }

    /// `Fn::GetAtt` of an attribute by name. Public for generated code; users call the typed
    /// `attr_*` methods, which only exist for attributes the type has.
    #[doc(hidden)]
    pub fn get_att_unchecked(&self, attribute: &str) -> Expr {
        Expr::get_att(self.logical_id.clone(), attribute)
    }

    /// Forgets the static type (for dependency lists mixing types).
    pub fn erase(&self) -> AnyRef {
        AnyRef { logical_id: self.logical_id.clone(), stack: self.stack.clone() }
    }
}

impl<R> Clone for ResourceRef<R> {
    fn clone(&self) -> Self {
        ResourceRef { logical_id: self.logical_id.clone(), stack: self.stack.clone(), path: self.path.clone(), _type: PhantomData }
    }
}

impl<R> fmt::Debug for ResourceRef<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceRef").field("logical_id", &self.logical_id).field("stack", &self.stack).field("path", &self.path).finish()
    }
}

impl<R> PartialEq for ResourceRef<R> {
    fn eq(&self, other: &Self) -> bool {
        self.logical_id == other.logical_id && self.stack == other.stack
    }
}

/// A handle whose type is not known statically: a [`RawResource`], or an erased typed handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnyRef {
    logical_id: LogicalId,
    stack: String,
}

impl AnyRef {
    /// The logical id in the template, as a string (for messages and tests).
    pub fn logical_id(&self) -> &str {
        self.logical_id.as_str()
    }

    /// The logical id in the template.
    pub fn id(&self) -> &LogicalId {
        &self.logical_id
    }

    /// `{"Ref": logical_id}`.
    pub fn reference(&self) -> Expr {
        Expr::Ref(self.logical_id.clone())
    }

    /// `Fn::GetAtt` by name; validation checks it when the type's schema is known.
    pub fn get_att(&self, attribute: &str) -> Expr {
        Expr::get_att(self.logical_id.clone(), attribute)
    }

    pub(crate) fn new(stack: &str, logical_id: &LogicalId) -> Self {
        AnyRef { logical_id: logical_id.clone(), stack: stack.to_owned() }
    }

    pub(crate) fn stack(&self) -> &str {
        &self.stack
    }
}

impl<R> From<&ResourceRef<R>> for AnyRef {
    fn from(r: &ResourceRef<R>) -> AnyRef {
        r.erase()
    }
}

impl From<&AnyRef> for AnyRef {
    fn from(r: &AnyRef) -> AnyRef {
        r.clone()
    }
}

/// The untyped escape hatch: any resource type, properties as JSON (like kube's
/// `DynamicObject`). References inside are still checked by validation, and a GetAtt on it is
/// checked against the schema when the type is one we generate.
#[derive(Clone, Debug, PartialEq)]
pub struct RawResource {
    /// `AWS::Service::Resource` or a third-party/module type.
    pub type_name: String,
    /// The `Properties` object.
    pub properties: serde_json::Map<String, Json>,
}

impl RawResource {
    /// A resource of `type_name` with no properties yet.
    pub fn new(type_name: impl Into<String>) -> Self {
        RawResource { type_name: type_name.into(), properties: serde_json::Map::new() }
    }

    /// Sets one property (builder style). Intrinsics: pass `Expr` (it converts to JSON).
    pub fn prop(mut self, name: impl Into<String>, value: impl Into<Json>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }
}

/// Object-safe view of any resource in a stack (typed or raw).
pub(crate) trait AnyResource: fmt::Debug + Send + Sync {
    fn type_name(&self) -> &str;
    fn tagging(&self) -> Tagging;
    fn properties(&self) -> Json;
    fn missing_required(&self) -> Vec<String>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<R: CfnResource> AnyResource for R {
    fn type_name(&self) -> &str {
        R::INFO.type_name
    }

    fn tagging(&self) -> Tagging {
        R::INFO.tagging
    }

    fn properties(&self) -> Json {
        crate::expr::to_json(self)
    }

    fn missing_required(&self) -> Vec<String> {
        let mut out = Vec::new();
        Required::missing_required(self, "", &mut out);
        out
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl AnyResource for RawResource {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn tagging(&self) -> Tagging {
        crate::cfn::registry::lookup(&self.type_name).map_or(Tagging::None, |info| info.tagging)
    }

    fn properties(&self) -> Json {
        Json::Object(self.properties.clone())
    }

    fn missing_required(&self) -> Vec<String> {
        Vec::new()
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
