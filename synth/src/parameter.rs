//! Template parameters and outputs.

use serde::Serialize;

use crate::condition::ConditionRef;
use crate::expr::Expr;
use crate::ids::LogicalId;
use crate::value::Value;

/// The type of a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterType {
    /// `String`
    String,
    /// `Number`
    Number,
    /// `List<Number>`
    NumberList,
    /// `CommaDelimitedList`: `Ref` yields a list.
    CommaDelimitedList,
    /// An AWS-specific type, e.g. `AWS::EC2::VPC::Id`, `List<AWS::EC2::Subnet::Id>`, or an SSM
    /// type `AWS::SSM::Parameter::Value<String>`. CloudFormation validates these at deploy time.
    AwsSpecific(String),
}

impl ParameterType {
    /// The name in the template.
    pub fn name(&self) -> &str {
        match self {
            ParameterType::String => "String",
            ParameterType::Number => "Number",
            ParameterType::NumberList => "List<Number>",
            ParameterType::CommaDelimitedList => "CommaDelimitedList",
            ParameterType::AwsSpecific(t) => t,
        }
    }

    pub(crate) fn is_stringish(&self) -> bool {
        match self {
            ParameterType::String => true,
            ParameterType::AwsSpecific(t) => t.starts_with("AWS::SSM::Parameter::Value<String>"),
            _ => false,
        }
    }

    pub(crate) fn is_numeric(&self) -> bool {
        matches!(self, ParameterType::Number | ParameterType::NumberList)
    }
}

impl Serialize for ParameterType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A template parameter. Build with [`Parameter::string`], [`Parameter::number`], … and the
/// chained setters; every constraint is optional.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// The parameter type.
    #[serde(rename = "Type")]
    pub kind: ParameterType,
    /// Shown in the console and `describe-stacks`. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Used when the deployer gives no value. Default: none (a value is then required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The only accepted values. Default: any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    /// Regular expression values must match (String only). Default: any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// Shown when a constraint fails. Default: CloudFormation's generic message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
    /// Minimum length (String only). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// Maximum length (String only). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Minimum value (Number only). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<f64>,
    /// Maximum value (Number only). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<f64>,
    /// Masks the value in the console and API answers (secrets). Default: false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_echo: bool,
}

impl Parameter {
    fn of(kind: ParameterType) -> Self {
        Parameter {
            kind,
            description: None,
            default: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            constraint_description: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            no_echo: false,
        }
    }

    /// A `String` parameter.
    pub fn string() -> Self {
        Self::of(ParameterType::String)
    }

    /// A `Number` parameter.
    pub fn number() -> Self {
        Self::of(ParameterType::Number)
    }

    /// A `CommaDelimitedList` parameter.
    pub fn comma_delimited_list() -> Self {
        Self::of(ParameterType::CommaDelimitedList)
    }

    /// A `List<Number>` parameter.
    pub fn number_list() -> Self {
        Self::of(ParameterType::NumberList)
    }

    /// An AWS-specific or SSM parameter type, e.g. `AWS::EC2::VPC::Id`.
    pub fn aws_specific(type_name: impl Into<String>) -> Self {
        Self::of(ParameterType::AwsSpecific(type_name.into()))
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Sets the default.
    pub fn default_value(mut self, d: impl ToString) -> Self {
        self.default = Some(d.to_string());
        self
    }

    /// Restricts the accepted values.
    pub fn allowed_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.allowed_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the pattern values must match.
    pub fn allowed_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.allowed_pattern = Some(pattern.into());
        self
    }

    /// Sets the message shown when a constraint fails.
    pub fn constraint_description(mut self, d: impl Into<String>) -> Self {
        self.constraint_description = Some(d.into());
        self
    }

    /// Sets the length bounds.
    pub fn length(mut self, min: u32, max: u32) -> Self {
        self.min_length = Some(min);
        self.max_length = Some(max);
        self
    }

    /// Sets the value bounds.
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.min_value = Some(min);
        self.max_value = Some(max);
        self
    }

    /// Masks the value.
    pub fn no_echo(mut self) -> Self {
        self.no_echo = true;
        self
    }
}

/// A handle to a declared parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterRef {
    name: LogicalId,
}

impl ParameterRef {
    pub(crate) fn new(name: &str) -> Self {
        ParameterRef { name: LogicalId::from(name) }
    }

    /// The parameter's name (its logical id in the template).
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// `{"Ref": name}`: the value given at deploy time.
    pub fn value(&self) -> Expr {
        Expr::Ref(self.name.clone())
    }
}

/// A stack output.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// The value (outputs are strings; join lists with `Expr::join_list`).
    pub value: Value<String>,
    /// Shown by `describe-stacks`. Default: none.
    pub description: Option<String>,
    /// Exports the value under this name for `Fn::ImportValue` in other stacks. Default: not
    /// exported.
    pub export_name: Option<Value<String>>,
    /// Only output when the condition holds. Default: always.
    pub condition: Option<ConditionRef>,
}

impl Output {
    /// An output of `value`.
    pub fn new(value: impl Into<Value<String>>) -> Self {
        Output { value: value.into(), description: None, export_name: None, condition: None }
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Exports the value.
    pub fn export(mut self, name: impl Into<Value<String>>) -> Self {
        self.export_name = Some(name.into());
        self
    }

    /// Makes the output conditional.
    pub fn condition(mut self, c: &ConditionRef) -> Self {
        self.condition = Some(c.clone());
        self
    }
}
