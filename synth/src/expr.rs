//! CloudFormation intrinsic functions and pseudo parameters as Rust values.
//!
//! Nothing here is a string with a special syntax: a `Ref` is [`Expr::Ref`], a `Fn::GetAtt` is
//! [`Expr::GetAtt`], and the JSON form is produced only when the template is rendered. Typed
//! resource handles ([`crate::ResourceRef`]) build these for you; the constructors here are for
//! parameters, pseudo parameters and the untyped escape hatch.

use indexmap::IndexMap;
use serde::{Serialize, Serializer};
use serde_json::Value as Json;

use crate::ids::LogicalId;
use crate::value::Value;

/// A list-valued property or argument: a literal list whose items may be intrinsics, or an
/// intrinsic that yields a list (`Fn::Split`, `Fn::GetAZs`, a `CommaDelimitedList` parameter).
pub type List = Value<Vec<Value<String>>>;

/// A CloudFormation pseudo parameter (`{"Ref": "AWS::Region"}` and friends).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pseudo {
    /// `AWS::AccountId`
    AccountId,
    /// `AWS::NotificationARNs`
    NotificationArns,
    /// `AWS::NoValue`: removes the property it is assigned to (useful as an `Fn::If` branch).
    NoValue,
    /// `AWS::Partition` (`aws`, `aws-cn`, `aws-us-gov`): use it instead of hard-coding `arn:aws:`.
    Partition,
    /// `AWS::Region`
    Region,
    /// `AWS::StackId`
    StackId,
    /// `AWS::StackName`
    StackName,
    /// `AWS::URLSuffix` (`amazonaws.com`, or `amazonaws.com.cn` in China).
    UrlSuffix,
}

impl Pseudo {
    /// Every pseudo parameter, for validation (a `Ref` to one of these needs no resource).
    pub const ALL: [Pseudo; 8] = [
        Pseudo::AccountId,
        Pseudo::NotificationArns,
        Pseudo::NoValue,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackId,
        Pseudo::StackName,
        Pseudo::UrlSuffix,
    ];

    /// The name CloudFormation uses, e.g. `AWS::Region`.
    pub const fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    /// The pseudo parameter called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A CloudFormation intrinsic function or pseudo parameter.
///
/// `Expr` is deliberately untyped in its result: CloudFormation itself does not type intrinsics,
/// and a property declares what it accepts through [`Value<T>`]. What *is* typed is how you get
/// one: attribute names come from generated, per-type methods on [`crate::ResourceRef`].
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `{"Ref": id}` to a resource or parameter in the same stack.
    Ref(LogicalId),
    /// `{"Ref": "AWS::..."}`
    Pseudo(Pseudo),
    /// `{"Fn::GetAtt": [id, attribute]}`
    GetAtt {
        /// Logical id of the resource.
        logical_id: LogicalId,
        /// Attribute name, dotted for nested attributes (`Endpoint.Address`).
        attribute: String,
    },
    /// `{"Fn::Sub": template}` or `{"Fn::Sub": [template, vars]}`.
    Sub {
        /// The template string, with `${Name}`, `${Resource.Attr}` and `${!Literal}` markers.
        template: String,
        /// Variables local to this `Fn::Sub`; they shadow resources and parameters.
        vars: IndexMap<String, Value<String>>,
    },
    /// `{"Fn::Join": [delimiter, list]}`
    Join {
        /// Separator put between the items.
        delimiter: String,
        /// The items.
        list: Box<List>,
    },
    /// `{"Fn::Select": [index, list]}`
    Select {
        /// Zero-based index.
        index: u32,
        /// The list to pick from.
        list: Box<List>,
    },
    /// `{"Fn::Split": [delimiter, source]}`: yields a list.
    Split {
        /// Separator to split on.
        delimiter: String,
        /// The string to split.
        source: Box<Value<String>>,
    },
    /// `{"Fn::If": [condition, then, else]}`. Branches are rendered JSON so that any property
    /// type can be chosen between (use [`Expr::no_value`] to drop the property).
    If {
        /// Name of a condition declared on the stack.
        condition: String,
        /// Value when the condition holds.
        then: Box<Json>,
        /// Value otherwise.
        otherwise: Box<Json>,
    },
    /// `{"Fn::ImportValue": name}`: an output exported by another stack.
    ImportValue(Box<Value<String>>),
    /// `{"Fn::GetAZs": region}`: yields a list; an empty region means the stack's region.
    GetAzs(Box<Value<String>>),
    /// `{"Fn::Base64": value}`
    Base64(Box<Value<String>>),
}

impl Expr {
    /// `{"Ref": logical_id}`. Prefer the typed handles' `reference()`; this is the escape hatch,
    /// checked at validation like every other reference.
    pub fn reference(logical_id: impl Into<LogicalId>) -> Expr {
        Expr::Ref(logical_id.into())
    }

    /// `{"Fn::GetAtt": [logical_id, attribute]}`, untyped. Validation checks the attribute
    /// against the resource type's schema when the type is known.
    pub fn get_att(logical_id: impl Into<LogicalId>, attribute: impl Into<String>) -> Expr {
        Expr::GetAtt { logical_id: logical_id.into(), attribute: attribute.into() }
    }

    /// `{"Fn::Sub": template}` with no local variables.
    pub fn sub(template: impl Into<String>) -> Expr {
        Expr::Sub { template: template.into(), vars: IndexMap::new() }
    }

    /// `{"Fn::Sub": [template, vars]}`.
    pub fn sub_with<K, V>(template: impl Into<String>, vars: impl IntoIterator<Item = (K, V)>) -> Expr
    where
        K: Into<String>,
        V: Into<Value<String>>,
    {
        Expr::Sub { template: template.into(), vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// `{"Fn::Join": [delimiter, items]}`.
    pub fn join<V: Into<Value<String>>>(delimiter: impl Into<String>, items: impl IntoIterator<Item = V>) -> Expr {
        Expr::Join { delimiter: delimiter.into(), list: Box::new(Value::Lit(items.into_iter().map(Into::into).collect())) }
    }

    /// `{"Fn::Join": [delimiter, list]}` over a list-valued intrinsic.
    pub fn join_list(delimiter: impl Into<String>, list: impl Into<List>) -> Expr {
        Expr::Join { delimiter: delimiter.into(), list: Box::new(list.into()) }
    }

    /// `{"Fn::Select": [index, list]}`.
    pub fn select(index: u32, list: impl Into<List>) -> Expr {
        Expr::Select { index, list: Box::new(list.into()) }
    }

    /// `{"Fn::Split": [delimiter, source]}`.
    pub fn split(delimiter: impl Into<String>, source: impl Into<Value<String>>) -> Expr {
        Expr::Split { delimiter: delimiter.into(), source: Box::new(source.into()) }
    }

    /// `{"Fn::If": [condition, then, otherwise]}`.
    pub fn if_(condition: &crate::ConditionRef, then: impl Serialize, otherwise: impl Serialize) -> Expr {
        Expr::If { condition: condition.name().to_owned(), then: Box::new(to_json(&then)), otherwise: Box::new(to_json(&otherwise)) }
    }

    /// `{"Fn::ImportValue": name}`.
    pub fn import_value(name: impl Into<Value<String>>) -> Expr {
        Expr::ImportValue(Box::new(name.into()))
    }

    /// `{"Fn::GetAZs": ""}`: the availability zones of the stack's region.
    pub fn get_azs() -> Expr {
        Expr::GetAzs(Box::new(Value::Lit(String::new())))
    }

    /// `{"Fn::Base64": value}`.
    pub fn base64(value: impl Into<Value<String>>) -> Expr {
        Expr::Base64(Box::new(value.into()))
    }

    /// `{"Ref": "AWS::NoValue"}`.
    pub fn no_value() -> Expr {
        Expr::Pseudo(Pseudo::NoValue)
    }

    /// `{"Ref": "AWS::Region"}`.
    pub fn region() -> Expr {
        Expr::Pseudo(Pseudo::Region)
    }

    /// `{"Ref": "AWS::AccountId"}`.
    pub fn account_id() -> Expr {
        Expr::Pseudo(Pseudo::AccountId)
    }

    /// `{"Ref": "AWS::Partition"}`.
    pub fn partition() -> Expr {
        Expr::Pseudo(Pseudo::Partition)
    }

    /// `{"Ref": "AWS::StackName"}`.
    pub fn stack_name() -> Expr {
        Expr::Pseudo(Pseudo::StackName)
    }

    /// `{"Ref": "AWS::URLSuffix"}`.
    pub fn url_suffix() -> Expr {
        Expr::Pseudo(Pseudo::UrlSuffix)
    }

    /// The CloudFormation JSON form.
    pub fn to_json(&self) -> Json {
        to_json(self)
    }
}

impl Serialize for Expr {
    /// Serializes straight into the target (no intermediate JSON tree): rendering a template
    /// serializes every intrinsic, so this is on the hot path of synthesis.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Expr::Ref(id) => map.serialize_entry("Ref", id)?,
            Expr::Pseudo(p) => map.serialize_entry("Ref", p.name())?,
            Expr::GetAtt { logical_id, attribute } => map.serialize_entry("Fn::GetAtt", &[logical_id.as_str(), attribute])?,
            Expr::Sub { template, vars } if vars.is_empty() => map.serialize_entry("Fn::Sub", template)?,
            Expr::Sub { template, vars } => map.serialize_entry("Fn::Sub", &(template, vars))?,
            Expr::Join { delimiter, list } => map.serialize_entry("Fn::Join", &(delimiter, list))?,
            Expr::Select { index, list } => map.serialize_entry("Fn::Select", &(index, list))?,
            Expr::Split { delimiter, source } => map.serialize_entry("Fn::Split", &(delimiter, source))?,
            Expr::If { condition, then, otherwise } => map.serialize_entry("Fn::If", &(condition, then, otherwise))?,
            Expr::ImportValue(name) => map.serialize_entry("Fn::ImportValue", name)?,
            Expr::GetAzs(region) => map.serialize_entry("Fn::GetAZs", region)?,
            Expr::Base64(value) => map.serialize_entry("Fn::Base64", value)?,
        }
        map.end()
    }
}

impl From<Expr> for Json {
    fn from(expr: Expr) -> Json {
        expr.to_json()
    }
}

impl From<Pseudo> for Expr {
    fn from(p: Pseudo) -> Expr {
        Expr::Pseudo(p)
    }
}

/// Serializes a value that cannot fail to serialize (our own model types) into JSON.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Json {
    // Every type this crate serializes has string keys and no fallible Serialize impl; a failure
    // here is a bug in this crate, reported as a JSON null rather than a panic in a user's synth.
    serde_json::to_value(value).unwrap_or(Json::Null)
}
