//! Template conditions (`Conditions` section) and the condition functions that build them.

use serde::{Serialize, Serializer};
use serde_json::{json, Value as Json};

use crate::expr::to_json;
use crate::value::Value;

/// A condition expression: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, or another condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `{"Fn::Equals": [a, b]}`
    Equals(Value<String>, Value<String>),
    /// `{"Fn::And": [..]}` — CloudFormation takes 2 to 10 operands (checked at validation).
    And(Vec<Condition>),
    /// `{"Fn::Or": [..]}` — 2 to 10 operands (checked at validation).
    Or(Vec<Condition>),
    /// `{"Fn::Not": [c]}`
    Not(Box<Condition>),
    /// `{"Condition": name}`: another condition of the same stack.
    Named(String),
}

impl Condition {
    /// `Fn::Equals`.
    pub fn equals(a: impl Into<Value<String>>, b: impl Into<Value<String>>) -> Condition {
        Condition::Equals(a.into(), b.into())
    }

    /// `Fn::Not`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(c: Condition) -> Condition {
        Condition::Not(Box::new(c))
    }

    /// Refers to a declared condition.
    pub fn named(c: &ConditionRef) -> Condition {
        Condition::Named(c.name().to_owned())
    }

    /// The CloudFormation JSON form.
    pub fn to_json(&self) -> Json {
        match self {
            Condition::Equals(a, b) => json!({ "Fn::Equals": [to_json(a), to_json(b)] }),
            Condition::And(cs) => json!({ "Fn::And": cs.iter().map(Condition::to_json).collect::<Vec<_>>() }),
            Condition::Or(cs) => json!({ "Fn::Or": cs.iter().map(Condition::to_json).collect::<Vec<_>>() }),
            Condition::Not(c) => json!({ "Fn::Not": [c.to_json()] }),
            Condition::Named(n) => json!({ "Condition": n }),
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// A handle to a condition declared on a stack (`stack.condition(..)`), for `Fn::If` and a
/// resource's `Condition`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionRef {
    name: String,
}

impl ConditionRef {
    pub(crate) fn new(name: &str) -> Self {
        ConditionRef { name: name.to_owned() }
    }

    /// The condition's name in the template.
    pub fn name(&self) -> &str {
        &self.name
    }
}
