//! The diagnostic codes of the CloudFormation model: `AC1xxx`. Stable: a code keeps its meaning
//! forever; a retired code is not reused. The construct library's codes are `AC2xxx`.
//!
//! Groups: `AC10xx` app and stack names, `AC11xx` construct tree and ids, `AC12xx` parameters,
//! conditions and outputs, `AC13xx` references and dependencies, `AC14xx` CloudFormation limits,
//! `AC15xx` assets, `AC16xx` justifications and acknowledgements.

crate::diagnostic_codes! {
    /// A stack name that CloudFormation refuses.
    INVALID_STACK_NAME = "AC1001";
    /// Two stacks of one app with the same name.
    DUPLICATE_STACK_NAME = "AC1002";
    /// `synth STACK` names a stack the app does not have.
    UNKNOWN_STACK = "AC1003";
    /// A stack with no resources.
    EMPTY_STACK = "AC1004";
    /// A stack description over CloudFormation's size limit.
    DESCRIPTION_TOO_LONG = "AC1005";
    /// A stack tag key with the reserved `aws:` prefix.
    RESERVED_TAG_KEY = "AC1006";
    /// A stack tag key or value out of bounds.
    TAG_OUT_OF_BOUNDS = "AC1007";
    /// A construct id that is empty or has a `/`.
    INVALID_CONSTRUCT_ID = "AC1101";
    /// Two children of one scope with the same id.
    DUPLICATE_CONSTRUCT_ID = "AC1102";
    /// Two construct paths that reduce to the same logical id.
    DUPLICATE_LOGICAL_ID = "AC1103";
    /// A resource is missing a property its type requires.
    MISSING_REQUIRED_PROPERTY = "AC1104";
    /// A parameter name that is not alphanumeric.
    INVALID_PARAMETER_NAME = "AC1201";
    /// A parameter declared twice.
    DUPLICATE_PARAMETER = "AC1202";
    /// A condition name that is not alphanumeric.
    INVALID_CONDITION_NAME = "AC1203";
    /// A condition declared twice.
    DUPLICATE_CONDITION = "AC1204";
    /// An output name that is not alphanumeric.
    INVALID_OUTPUT_NAME = "AC1205";
    /// An output declared twice.
    DUPLICATE_OUTPUT = "AC1206";
    /// An output description over 1024 bytes.
    OUTPUT_DESCRIPTION_TOO_LONG = "AC1207";
    /// String constraints on a parameter that is not a String.
    PARAMETER_STRING_CONSTRAINTS = "AC1208";
    /// Number bounds on a parameter that is not a Number.
    PARAMETER_NUMBER_BOUNDS = "AC1209";
    /// MinLength above MaxLength, or MinValue above MaxValue.
    PARAMETER_BOUNDS_INVERTED = "AC1210";
    /// A parameter default outside its allowed values, or not a number for a Number parameter.
    PARAMETER_BAD_DEFAULT = "AC1211";
    /// A condition that is used but not declared.
    UNDECLARED_CONDITION = "AC1212";
    /// A condition that refers to something other than a parameter.
    CONDITION_BAD_REFERENCE = "AC1213";
    /// `Fn::And`/`Fn::Or` with fewer than 2 or more than 10 operands.
    CONDITION_OPERANDS = "AC1214";
    /// A resource of another stack used directly.
    CROSS_STACK_RESOURCE = "AC1301";
    /// `DependsOn` on a resource that is not in this stack.
    DEPENDS_ON_UNKNOWN = "AC1302";
    /// `Ref` to something that is not a resource or parameter of this stack.
    REF_UNKNOWN = "AC1303";
    /// `Fn::GetAtt` on a parameter or on something that is not a resource of this stack.
    GET_ATT_UNKNOWN = "AC1304";
    /// `Fn::GetAtt` on an attribute the resource type does not have.
    GET_ATT_NO_ATTRIBUTE = "AC1305";
    /// Resources that depend on each other in a cycle.
    DEPENDENCY_CYCLE = "AC1306";
    /// More resources than CloudFormation takes in one stack.
    TOO_MANY_RESOURCES = "AC1401";
    /// More parameters than CloudFormation takes.
    TOO_MANY_PARAMETERS = "AC1402";
    /// More outputs than CloudFormation takes.
    TOO_MANY_OUTPUTS = "AC1403";
    /// A template over CloudFormation's size limit.
    TEMPLATE_TOO_LARGE = "AC1405";
    /// A template too large to pass inline: deploying needs an S3 bucket.
    TEMPLATE_NEEDS_BUCKET = "AC1406";
    /// Nested stacks that refer to each other (through parameters and outputs) in a cycle.
    NESTED_STACK_CYCLE = "AC1407";
    /// A stateful resource (data, or a Retain policy) that would move to another template
    /// than the placement lock records: CloudFormation would replace it.
    STATEFUL_RESOURCE_MOVED = "AC1408";
    /// The placement lock file cannot be read or written.
    PLACEMENT_LOCK = "AC1409";
    /// A handler asset whose crate is not in the handlers workspace.
    UNKNOWN_HANDLER = "AC1501";
    /// An asset path that cannot be read.
    ASSET_UNREADABLE = "AC1502";
    /// The handlers workspace that `cargo metadata` cannot list.
    HANDLER_METADATA = "AC1503";
    /// A check justification on a resource of another type, or without a reason.
    BAD_JUSTIFICATION = "AC1601";
    /// An acknowledgement of a warning without a reason.
    ACK_WITHOUT_REASON = "AC1602";
    /// An acknowledgement that matches no warning.
    ACK_UNUSED = "AC1603";
}
