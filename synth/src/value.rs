//! `Value<T>`: what every typed property holds — a literal `T`, or an intrinsic.

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use crate::expr::{Expr, Pseudo};

/// Raw JSON, for properties the schema leaves untyped (policy documents, free-form maps).
pub type Json = serde_json::Value;

/// A property value: a literal, or an intrinsic function evaluated by CloudFormation.
///
/// Conversions exist from literals (`"text".into()`, `30.into()`, `true.into()`, generated
/// structs and enums) and from [`Expr`] (`queue.attr_arn().into()`).
#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    /// A literal value, serialized as is.
    Lit(T),
    /// An intrinsic function or pseudo parameter.
    Expr(Expr),
}

impl<T> Value<T> {
    /// A literal.
    pub fn lit(value: impl Into<T>) -> Self {
        Value::Lit(value.into())
    }

    /// The literal, if this is one.
    pub fn as_lit(&self) -> Option<&T> {
        match self {
            Value::Lit(v) => Some(v),
            Value::Expr(_) => None,
        }
    }

    /// The intrinsic, if this is one.
    pub fn as_expr(&self) -> Option<&Expr> {
        match self {
            Value::Lit(_) => None,
            Value::Expr(e) => Some(e),
        }
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Lit(v) => v.serialize(serializer),
            Value::Expr(e) => e.serialize(serializer),
        }
    }
}

impl<T> From<Expr> for Value<T> {
    fn from(e: Expr) -> Self {
        Value::Expr(e)
    }
}

impl<T> From<Pseudo> for Value<T> {
    fn from(p: Pseudo) -> Self {
        Value::Expr(Expr::Pseudo(p))
    }
}

impl From<&str> for Value<String> {
    fn from(s: &str) -> Self {
        Value::Lit(s.to_owned())
    }
}

impl From<String> for Value<String> {
    fn from(s: String) -> Self {
        Value::Lit(s)
    }
}

impl From<&String> for Value<String> {
    fn from(s: &String) -> Self {
        Value::Lit(s.clone())
    }
}

impl From<i64> for Value<i64> {
    fn from(v: i64) -> Self {
        Value::Lit(v)
    }
}

impl From<f64> for Value<f64> {
    fn from(v: f64) -> Self {
        Value::Lit(v)
    }
}

impl From<bool> for Value<bool> {
    fn from(v: bool) -> Self {
        Value::Lit(v)
    }
}

impl From<Json> for Value<Json> {
    fn from(v: Json) -> Self {
        Value::Lit(v)
    }
}

impl<T> From<Vec<Value<T>>> for Value<Vec<Value<T>>> {
    fn from(v: Vec<Value<T>>) -> Self {
        Value::Lit(v)
    }
}

impl From<Vec<&str>> for Value<Vec<Value<String>>> {
    fn from(v: Vec<&str>) -> Self {
        Value::Lit(v.into_iter().map(Value::from).collect())
    }
}

impl From<Vec<String>> for Value<Vec<Value<String>>> {
    fn from(v: Vec<String>) -> Self {
        Value::Lit(v.into_iter().map(Value::from).collect())
    }
}

impl<T> From<IndexMap<String, Value<T>>> for Value<IndexMap<String, Value<T>>> {
    fn from(v: IndexMap<String, Value<T>>) -> Self {
        Value::Lit(v)
    }
}

/// Checks that required properties are present, recursively, on generated types.
///
/// Generated resource and property structs implement it; an intrinsic is never descended into
/// (CloudFormation evaluates it at deploy time), so only literals are checked.
pub trait Required {
    /// Pushes the dotted path (`prefix` + property name) of every missing required property.
    fn missing_required(&self, prefix: &str, out: &mut Vec<String>);
}

impl<T: Required> Required for Value<T> {
    fn missing_required(&self, prefix: &str, out: &mut Vec<String>) {
        if let Value::Lit(v) = self {
            v.missing_required(prefix, out);
        }
    }
}

impl<T: Required> Required for Option<T> {
    fn missing_required(&self, prefix: &str, out: &mut Vec<String>) {
        if let Some(v) = self {
            v.missing_required(prefix, out);
        }
    }
}

impl<T: Required> Required for Vec<T> {
    fn missing_required(&self, prefix: &str, out: &mut Vec<String>) {
        for (i, v) in self.iter().enumerate() {
            v.missing_required(&format!("{prefix}[{i}]"), out);
        }
    }
}

impl<T: Required> Required for IndexMap<String, T> {
    fn missing_required(&self, prefix: &str, out: &mut Vec<String>) {
        for (k, v) in self {
            v.missing_required(&format!("{prefix}.{k}"), out);
        }
    }
}

macro_rules! leaf_required {
    ($($t:ty),*) => {$(
        impl Required for $t {
            fn missing_required(&self, _prefix: &str, _out: &mut Vec<String>) {}
        }
    )*};
}
leaf_required!(String, i64, f64, bool, Json);

/// `prefix.name`, or `name` at the top level: the dotted property path used in messages.
/// Public for generated code.
#[doc(hidden)]
pub fn prop_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}
