//! Lambda functions with their own role, log group, tracing and encrypted environment.

use crate::codes;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use agentcdk_synth::cfn::lambda as cfn;
use agentcdk_synth::cfn::logs::LogGroup;
use agentcdk_synth::prelude::*;

use crate::environment;
use crate::iam::{self, actions, GrantTarget, Grantable, Reason, Resource, Statement};
use crate::kms::{stack_key, Encryption};
use crate::logs::{log_group, RetentionDays};
use crate::patterns::PythonRuntime;

/// Lambda's limits, checked at synth.
pub mod limits {
    use std::ops::RangeInclusive;
    use std::time::Duration;

    /// Memory in MB.
    pub const MEMORY_MB: RangeInclusive<u32> = 128..=10_240;
    /// Timeout.
    pub const TIMEOUT: RangeInclusive<Duration> = Duration::from_secs(1)..=Duration::from_secs(900);
    /// Environment variables we allow per function (Lambda's own limit is 4 KB in total).
    pub const ENV_VARS: usize = 50;
    /// Total size of environment variable names and literal values, bytes.
    pub const ENV_BYTES: usize = 4 * 1024;
    /// Reserved concurrency.
    pub const RESERVED_CONCURRENCY: RangeInclusive<u32> = 0..=1000;
}

/// Environment variables Lambda sets itself and refuses to take from a function's config.
pub const RESERVED_ENV_VARS: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
];

/// What a function runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Code {
    /// A handler of the handlers workspace, by artifact name (`agentcdk_contract::artifacts`),
    /// built by cargo-lambda for the function's architecture; runtime `provided.al2023`.
    Handler(String),
    /// A local folder or zip with an interpreted runtime (`python3.13`, `nodejs22.x`, …).
    Asset {
        /// The folder or zip.
        path: PathBuf,
        /// Lambda runtime.
        runtime: cfn::function::Runtime,
        /// Handler entry point, e.g. `index.handler`.
        handler: String,
    },
    /// A container image in ECR.
    Image(Value<String>),
    /// A Python project: its code zipped as is, its dependencies installed as wheels for the
    /// function's architecture into a layer (or a published layer). See [`PythonCode`].
    Python(PythonCode),
}

impl Code {
    /// A handler of the handlers workspace.
    pub fn handler(name: impl Into<String>) -> Self {
        Code::Handler(name.into())
    }

    /// The Python project in `dir` (the handler's module beside `requirements.txt` or
    /// `pyproject.toml`), run as `handler` (`module.function`, e.g. `agent_handler.handler`)
    /// on Python 3.13, its dependencies in a layer built from the project.
    pub fn python(dir: impl Into<PathBuf>, handler: impl Into<String>) -> Self {
        Code::Python(PythonCode { dir: dir.into(), handler: handler.into(), ..PythonCode::default() })
    }
}

/// A Python function's code: the Strands-on-Lambda guide's split, the app code in the
/// function's zip and its dependencies in a layer, so a code edit uploads kilobytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PythonCode {
    /// The project folder. Required. Zipped as is (no `target`, `.git`, `__pycache__`).
    pub dir: PathBuf,
    /// `module.function`. Required.
    pub handler: String,
    /// Python version. Default: 3.13.
    pub python: PythonRuntime,
    /// Where the dependencies come from. Default: a layer built from the project.
    pub dependencies: PythonDependencies,
}

/// Where a Python function's dependencies come from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PythonDependencies {
    /// `package` installs `requirements.txt` (else `pyproject.toml`'s dependencies) as binary
    /// wheels for the function's architecture and Python version into a layer
    /// (`AWS::Lambda::LayerVersion`, content under `python/`). Default.
    #[default]
    Layer,
    /// A published layer version ARN instead, e.g. the Strands Agents layer
    /// (`arn:aws:lambda:<region>:<account>:layer:<name>:<version>`, as the Strands "Lambda
    /// Layers" page lists it for your region, Python version and architecture).
    Published(Value<String>),
    /// None: the code zip brings everything it imports.
    None,
}

/// Props of a [`Function`].
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionProps {
    /// What runs. Required.
    pub code: Code,
    /// Shown in the console. Default: none.
    pub description: Option<String>,
    /// Memory in MB (128–10,240); CPU scales with it. Default: 256 (Rust handlers need little
    /// memory, but TLS handshakes to model APIs like the CPU that comes with it).
    pub memory_mb: u32,
    /// Timeout (1 s – 15 min). Default: 30 s.
    pub timeout: Duration,
    /// Instruction set. Default: x86_64 (arm64 is ~20% cheaper; needs the aarch64 Rust target
    /// to build).
    pub architecture: Architecture,
    /// Environment variables (at most 50, 4 KB in total; Lambda's reserved names refused).
    /// Default: none.
    pub environment: BTreeMap<String, Value<String>>,
    /// Log retention. Default: 3 months.
    pub log_retention: RetentionDays,
    /// X-Ray active tracing. Default: on.
    pub tracing: bool,
    /// Reserved concurrency (0–1000): caps and guarantees concurrent executions. Default: none
    /// (the account's unreserved pool).
    pub reserved_concurrency: Option<u32>,
    /// Encryption of the environment and the log group. Default: the stack key.
    pub encryption: Encryption,
    /// Lambda layers (ARNs). Default: none.
    pub layers: Vec<Value<String>>,
    /// Subnets and security groups to run in a VPC. Default: none (Lambda's own network).
    pub vpc: Option<VpcConfig>,
    /// Code signing config ARN: only signed code deploys. Default: none.
    pub code_signing_config_arn: Option<Value<String>>,
}

impl Default for FunctionProps {
    fn default() -> Self {
        FunctionProps {
            code: Code::Handler(String::new()),
            description: None,
            memory_mb: 256,
            timeout: Duration::from_secs(30),
            architecture: Architecture::X86_64,
            environment: BTreeMap::new(),
            log_retention: RetentionDays::default(),
            tracing: true,
            reserved_concurrency: None,
            encryption: Encryption::StackKey,
            layers: Vec::new(),
            vpc: None,
            code_signing_config_arn: None,
        }
    }
}

/// Where a function runs in a VPC.
#[derive(Clone, Debug, PartialEq)]
pub struct VpcConfig {
    /// Subnet ids (private subnets with a NAT or VPC endpoints for the AWS APIs used).
    pub subnet_ids: Vec<Value<String>>,
    /// Security group ids.
    pub security_group_ids: Vec<Value<String>>,
}

/// A Lambda function with its own role (least privilege: its own logs, traces, and what is
/// granted to it), log group (JSON log format, retention, encrypted) and encrypted environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// The function.
    pub function: ResourceRef<cfn::Function>,
    /// Its log group.
    pub log_group: ResourceRef<LogGroup>,
    /// Its role and default policy.
    pub role: GrantTarget,
    /// Its timeout (event sources size their visibility timeouts from it).
    pub timeout: Duration,
    /// The construct path.
    pub path: String,
}

impl Function {
    /// Declares a function in `scope` (the function construct's own node).
    pub fn new(scope: &mut Scope, props: FunctionProps) -> Function {
        check(scope, &props);
        let logs = log_group(scope, "LogGroup", props.log_retention, props.encryption);
        let (role, kms_key_arn) = execution_role(scope, &props, &logs);
        let mut layers = props.layers.clone();
        let (code, runtime, handler, package_type) = packaged(scope, &props, &mut layers);
        let environment = (!props.environment.is_empty())
            .then(|| cfn::function::Environment { variables: Some(Value::Lit(props.environment.clone().into_iter().collect())) }.into());
        let function = scope.add(
            "Resource",
            cfn::Function {
                code: Some(code.into()),
                runtime,
                handler,
                package_type,
                description: props.description.clone().map(Into::into),
                memory_size: Some(i64::from(props.memory_mb).into()),
                timeout: Some((props.timeout.as_secs() as i64).into()),
                architectures: Some(Value::Lit(vec![architecture(props.architecture)])),
                environment,
                kms_key_arn,
                role: Some(role.role.attr_arn().into()),
                tracing_config: props
                    .tracing
                    .then(|| cfn::function::TracingConfig { mode: Some(cfn::function::Mode::Active.into()) }.into()),
                reserved_concurrent_executions: props.reserved_concurrency.map(|c| i64::from(c).into()),
                logging_config: Some(
                    cfn::function::LoggingConfig {
                        log_group: Some(logs.reference().into()),
                        log_format: Some(cfn::function::LogFormat::Json.into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                layers: (!layers.is_empty()).then(|| Value::Lit(layers)),
                vpc_config: props.vpc.as_ref().map(|v| {
                    cfn::function::VpcConfig {
                        subnet_ids: Some(Value::Lit(v.subnet_ids.clone())),
                        security_group_ids: Some(Value::Lit(v.security_group_ids.clone())),
                        ..Default::default()
                    }
                    .into()
                }),
                code_signing_config_arn: props.code_signing_config_arn.clone(),
                ..Default::default()
            },
        );
        // The function may only start once its permissions exist (event source mappings check
        // them at creation).
        scope.stack().resource(&function).depends_on(&role.policy);
        let initial = props.environment.iter().map(|(k, v)| (k.clone(), v.clone()));
        environment::hold(scope.stack(), &function, initial, |f, vars| {
            f.environment = vars.map(|v| cfn::function::Environment { variables: Some(Value::Lit(v)) }.into());
        });
        if props.reserved_concurrency.is_none() {
            crate::accepted::NO_RESERVED_CONCURRENCY.apply(scope.stack(), &function);
        }
        if props.vpc.is_none() {
            crate::accepted::NO_VPC.apply(scope.stack(), &function);
        }
        Function { function, log_group: logs, role, timeout: props.timeout, path: scope.path() }
    }

    /// `Fn::GetAtt [Function, Arn]`.
    pub fn arn(&self) -> Expr {
        self.function.attr_arn()
    }

    /// The function name (`Ref`).
    pub fn name(&self) -> Expr {
        self.function.reference()
    }

    /// The URI API Gateway integrations invoke.
    pub fn invoke_uri(&self) -> Expr {
        Expr::sub_with(
            "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations",
            [("Arn", self.arn())],
        )
    }

    /// Sets an environment variable after creation (for values known only later, like a queue
    /// made by another construct), rendered at finalize after the props' own. Checked like the
    /// props; the same name set again to another value is an error.
    pub fn add_environment(&self, stack: &mut Stack, name: &str, value: impl Into<Value<String>>) {
        environment::set(stack, self.function.logical_id(), &self.path, name, value.into());
        check_env_names(stack, &self.path, std::iter::once(name));
    }

    /// Grants `lambda:InvokeFunction` on this function only.
    pub fn grant_invoke(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::LAMBDA_INVOKE, [self.arn()]));
    }
}

/// What a function runs, as its `Code`, `Runtime`, `Handler` and `PackageType` properties; a
/// Python function's dependencies layer is added to `layers`.
type Packaged =
    (cfn::function::Code, Option<Value<cfn::function::Runtime>>, Option<Value<String>>, Option<Value<cfn::function::PackageType>>);

fn packaged(scope: &mut Scope, props: &FunctionProps, layers: &mut Vec<Value<String>>) -> Packaged {
    match &props.code {
        Code::Python(python) => {
            layers.extend(python_layer(scope, python, props.architecture));
            let asset = scope.asset(AssetSource::path(python.dir.clone()));
            (s3_code(&asset), Some(python.python.lambda().into()), Some(python.handler.clone().into()), None)
        }
        Code::Handler(name) => {
            let asset = scope.asset(AssetSource::Handler { name: name.clone(), architecture: props.architecture });
            (s3_code(&asset), Some(cfn::function::Runtime::ProvidedAl2023.into()), Some("bootstrap".into()), None)
        }
        Code::Asset { path, runtime, handler } => {
            let asset = scope.asset(AssetSource::path(path.clone()));
            (s3_code(&asset), Some((*runtime).into()), Some(handler.clone().into()), None)
        }
        Code::Image(uri) => (
            cfn::function::Code { image_uri: Some(uri.clone()), ..Default::default() },
            None,
            None,
            Some(cfn::function::PackageType::Image.into()),
        ),
    }
}

impl Grantable for Function {
    fn grant_target(&self) -> GrantTarget {
        self.role.clone()
    }
}

/// The execution role: its own logs, plus X-Ray when traced, the stack key when encrypted with
/// it, and network interfaces in a VPC. Also returns the key ARN of the environment.
fn execution_role(scope: &mut Scope, props: &FunctionProps, logs: &ResourceRef<LogGroup>) -> (GrantTarget, Option<Value<String>>) {
    let role = iam::service_role(scope, "lambda.amazonaws.com", Statement::allow(actions::LOGS_WRITE, [logs.attr_arn()]), "Execution role");
    if props.tracing {
        iam::grant(
            scope.stack(),
            &role,
            Statement::allow(actions::XRAY_WRITE, [Resource::any_because(Reason::NoResourceLevelPermissions)]),
        );
    }
    let kms_key_arn = match props.encryption {
        Encryption::StackKey => {
            let key = stack_key(scope.stack());
            iam::grant(scope.stack(), &role, Statement::allow(actions::KMS_DECRYPT, [key.attr_arn()]));
            Some(key.attr_arn().into())
        }
        Encryption::AwsManaged => None,
    };
    if props.vpc.is_some() {
        let any = Resource::any_because(Reason::NoResourceLevelPermissions);
        iam::grant(scope.stack(), &role, Statement::allow(actions::EC2_VPC_NETWORK_INTERFACES, [any]));
    }
    (role, kms_key_arn)
}

/// The dependencies layer of a Python function, if it has one: a `Dependencies` layer version
/// built from the project for `architecture`, or the published ARN.
fn python_layer(scope: &mut Scope, python: &PythonCode, architecture: Architecture) -> Option<Value<String>> {
    match &python.dependencies {
        PythonDependencies::None => None,
        PythonDependencies::Published(arn) => Some(arn.clone()),
        PythonDependencies::Layer => {
            let asset = scope.asset(AssetSource::Python {
                dir: python.dir.clone(),
                layout: agentcdk_synth::PythonLayout::Layer,
                architecture,
                python: python.python.version().to_owned(),
            });
            let path = scope.path();
            let arch = match architecture {
                Architecture::X86_64 => cfn::layer_version::CompatibleArchitectures::X86_64,
                Architecture::Arm64 => cfn::layer_version::CompatibleArchitectures::Arm64,
            };
            let layer = scope.add(
                "Dependencies",
                cfn::LayerVersion {
                    content: Some(
                        cfn::layer_version::Content {
                            s3_bucket: Some(asset.bucket().into()),
                            s3_key: Some(asset.key().into()),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    compatible_architectures: Some(Value::Lit(vec![Value::Lit(arch)])),
                    compatible_runtimes: Some(Value::Lit(vec![Value::Lit(python.python.layer_runtime())])),
                    // The construct path, not the folder: templates must not depend on the checkout.
                    description: Some(format!("Python dependencies of {path}").into()),
                    ..Default::default()
                },
            );
            Some(layer.reference().into())
        }
    }
}

fn s3_code(asset: &AssetRef) -> cfn::function::Code {
    cfn::function::Code { s3_bucket: Some(asset.bucket().into()), s3_key: Some(asset.key().into()), ..Default::default() }
}

fn architecture(a: Architecture) -> Value<cfn::function::Architectures> {
    Value::Lit(match a {
        Architecture::X86_64 => cfn::function::Architectures::X86_64,
        Architecture::Arm64 => cfn::function::Architectures::Arm64,
    })
}

fn check(scope: &mut Scope, props: &FunctionProps) {
    if !limits::MEMORY_MB.contains(&props.memory_mb) {
        scope.error(
            codes::LAMBDA_MEMORY,
            format!("memory {} MB is outside Lambda's 128–10,240 MB", props.memory_mb),
            "pick a size in range; CPU scales with memory (1,769 MB = one vCPU)",
        );
    }
    if !limits::TIMEOUT.contains(&props.timeout) || props.timeout.subsec_nanos() != 0 {
        let hint = if props.timeout > Duration::from_secs(900) {
            "long agent runs belong in Mode::Queue; the runner's timeout bounds one model turn loop"
        } else {
            "Lambda timeouts are whole seconds from 1 to 900"
        };
        scope.error(codes::LAMBDA_TIMEOUT, format!("timeout {:?} is outside Lambda's 1–900 s", props.timeout), hint);
    }
    if let Some(c) = props.reserved_concurrency {
        if !limits::RESERVED_CONCURRENCY.contains(&c) {
            scope.error(
                codes::LAMBDA_RESERVED_CONCURRENCY,
                format!("reserved concurrency {c} is above 1000"),
                "Lambda's default account limit is 1000 concurrent executions",
            );
        }
    }
    if let Code::Handler(name) = &props.code {
        if name.is_empty() {
            scope.error(
                codes::LAMBDA_NO_CODE,
                "no code given",
                "set FunctionProps::code, e.g. Code::handler(agentcdk_contract::artifacts::Artifact::AgentRunner)",
            );
        }
    }
    if props.environment.len() > limits::ENV_VARS {
        scope.error(
            codes::LAMBDA_ENVIRONMENT_SIZE,
            format!("{} environment variables, over the limit of {}", props.environment.len(), limits::ENV_VARS),
            "pass structured configuration in one variable, or read it from SSM Parameter Store / Secrets Manager",
        );
    }
    let bytes: usize = props.environment.iter().map(|(k, v)| k.len() + v.as_lit().map_or(0, String::len)).sum();
    if bytes > limits::ENV_BYTES {
        scope.error(
            codes::LAMBDA_ENVIRONMENT_SIZE,
            format!("environment variables take {bytes} bytes, over Lambda's 4 KB"),
            "move large values to SSM Parameter Store or S3",
        );
    }
    let path = scope.path();
    check_env_names(scope.stack(), &path, props.environment.keys().map(String::as_str));
}

fn check_env_names<'a>(stack: &mut Stack, path: &str, names: impl Iterator<Item = &'a str>) {
    for name in names {
        if RESERVED_ENV_VARS.contains(&name) {
            stack.error_at(
                path,
                codes::LAMBDA_ENVIRONMENT_NAME,
                format!("environment variable {name} is reserved by Lambda"),
                "Lambda sets it itself; choose another name",
            );
        } else if !valid_env_name(name) {
            stack.error_at(
                path,
                codes::LAMBDA_ENVIRONMENT_NAME,
                format!("environment variable name '{name}' is invalid"),
                "names start with a letter and have letters, digits and '_'",
            );
        }
    }
}

fn valid_env_name(name: &str) -> bool {
    name.len() >= 2 && name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
