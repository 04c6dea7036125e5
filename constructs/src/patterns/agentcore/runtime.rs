//! `AgentCoreRuntime`: an agent hosted on Amazon Bedrock AgentCore Runtime, with the surface of
//! the Serverless Framework's `ai: agents:` block, every range checked at synth.

use crate::codes;
use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_synth::cfn::bedrockagentcore::{runtime as cfn, Runtime, RuntimeEndpoint};
use agentcdk_synth::cfn::iam::Role;
use agentcdk_synth::prelude::*;

use agentcdk_contract::wire::{agentcore_custom_header, AGENTCORE_CUSTOM_HEADER_PREFIX};

use super::runtime_role::generated_role;
use super::{check_discovery_url, check_vpc, list, valid_name};
use crate::environment;
use crate::iam::{self, Statement};
use crate::patterns::authorizer::ClaimRule;

/// AgentCore Runtime limits, checked at synth.
pub mod limits {
    use std::ops::RangeInclusive;
    use std::time::Duration;

    /// `idleRuntimeSessionTimeout` and `maxLifetime`.
    pub const LIFETIME: RangeInclusive<Duration> = Duration::from_secs(60)..=Duration::from_secs(28_800);
    /// Environment variables.
    pub const ENV_VARS: usize = 50;
    /// Request header allowlist entries.
    pub const REQUEST_HEADERS: usize = 20;
    /// Runtime description.
    pub const DESCRIPTION: usize = 1200;
    /// Endpoint description.
    pub const ENDPOINT_DESCRIPTION: usize = 256;
    /// Runtime and endpoint names: a letter, then letters, digits, `_`; at most 48.
    pub const NAME_LEN: usize = 48;
}

/// The managed Python runtimes a code artifact can use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PythonRuntime {
    /// Python 3.10.
    Python3_10,
    /// Python 3.11.
    Python3_11,
    /// Python 3.12.
    Python3_12,
    /// Python 3.13. Default.
    #[default]
    Python3_13,
}

impl PythonRuntime {
    /// The version, `3.13`: the wheels `package` installs are for it.
    pub const fn version(self) -> &'static str {
        match self {
            PythonRuntime::Python3_10 => "3.10",
            PythonRuntime::Python3_11 => "3.11",
            PythonRuntime::Python3_12 => "3.12",
            PythonRuntime::Python3_13 => "3.13",
        }
    }

    /// The Lambda runtime of this version.
    pub(crate) fn lambda(self) -> agentcdk_synth::cfn::lambda::function::Runtime {
        use agentcdk_synth::cfn::lambda::function::Runtime;
        match self {
            PythonRuntime::Python3_10 => Runtime::Python3_10,
            PythonRuntime::Python3_11 => Runtime::Python3_11,
            PythonRuntime::Python3_12 => Runtime::Python3_12,
            PythonRuntime::Python3_13 => Runtime::Python3_13,
        }
    }

    /// The layer's compatible runtime of this version.
    pub(crate) fn layer_runtime(self) -> agentcdk_synth::cfn::lambda::layer_version::CompatibleRuntimes {
        use agentcdk_synth::cfn::lambda::layer_version::CompatibleRuntimes;
        match self {
            PythonRuntime::Python3_10 => CompatibleRuntimes::Python3_10,
            PythonRuntime::Python3_11 => CompatibleRuntimes::Python3_11,
            PythonRuntime::Python3_12 => CompatibleRuntimes::Python3_12,
            PythonRuntime::Python3_13 => CompatibleRuntimes::Python3_13,
        }
    }

    fn cfn(self) -> cfn::AgentManagedRuntimeType {
        match self {
            PythonRuntime::Python3_10 => cfn::AgentManagedRuntimeType::Python3_10,
            PythonRuntime::Python3_11 => cfn::AgentManagedRuntimeType::Python3_11,
            PythonRuntime::Python3_12 => cfn::AgentManagedRuntimeType::Python3_12,
            PythonRuntime::Python3_13 => cfn::AgentManagedRuntimeType::Python3_13,
        }
    }
}

/// What the runtime runs.
#[derive(Clone, Debug, PartialEq)]
pub enum RuntimeArtifact {
    /// A container image in ECR (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`).
    Container {
        /// Image URI.
        uri: String,
    },
    /// A code zip in S3 run by a managed Python runtime.
    Code {
        /// Bucket.
        bucket: Value<String>,
        /// Object key (prefix) of the zip.
        key: Value<String>,
        /// Runtime. Default in [`RuntimeArtifact::python`]: Python 3.13.
        runtime: PythonRuntime,
        /// Command, e.g. `["main.py"]`.
        entry_point: Vec<String>,
    },
    /// A local Python project, zipped by `package` with its dependencies (`requirements.txt`,
    /// else `pyproject.toml`) installed beside the code as arm64 (AgentCore's architecture)
    /// binary wheels, and uploaded as an asset: AgentCore's direct code deployment, no Docker.
    Source {
        /// The project folder.
        dir: std::path::PathBuf,
        /// Runtime. Default in [`RuntimeArtifact::python`]: Python 3.13.
        runtime: PythonRuntime,
        /// Command, e.g. `["agent.py"]`.
        entry_point: Vec<String>,
    },
}

impl RuntimeArtifact {
    /// The Python project in `dir` on Python 3.13, started with `entry_point` (e.g.
    /// `agent.py`); `package` bundles its dependencies.
    pub fn python(dir: impl Into<std::path::PathBuf>, entry_point: &str) -> Self {
        RuntimeArtifact::Source { dir: dir.into(), runtime: PythonRuntime::default(), entry_point: vec![entry_point.to_owned()] }
    }

    /// Code already in S3 on Python 3.13.
    pub fn python_s3(bucket: impl Into<Value<String>>, key: impl Into<Value<String>>, entry_point: &str) -> Self {
        RuntimeArtifact::Code {
            bucket: bucket.into(),
            key: key.into(),
            runtime: PythonRuntime::default(),
            entry_point: vec![entry_point.to_owned()],
        }
    }
}

/// Network placement.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RuntimeNetwork {
    /// AgentCore's public network. Default.
    #[default]
    Public,
    /// Your VPC: subnets and security groups are required.
    Vpc {
        /// Subnet ids.
        subnets: Vec<Value<String>>,
        /// Security group ids.
        security_groups: Vec<Value<String>>,
    },
}

/// Who may invoke the runtime.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RuntimeAuthorizer {
    /// SigV4-signed calls allowed by IAM. Default.
    #[default]
    Iam,
    /// Bearer JWTs from an OIDC provider.
    CustomJwt {
        /// OIDC discovery URL (`…/.well-known/openid-configuration`). Required.
        discovery_url: String,
        /// Accepted audiences. Default: any.
        allowed_audience: Vec<String>,
        /// Accepted client ids. Default: any.
        allowed_clients: Vec<String>,
        /// Required scopes. Default: none.
        allowed_scopes: Vec<String>,
        /// Custom claim rules. Default: none.
        custom_claims: BTreeMap<String, ClaimRule>,
    },
}

/// The wire protocol of the agent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RuntimeProtocol {
    /// Plain HTTP (`/invocations`). Default.
    #[default]
    Http,
    /// Model Context Protocol server.
    Mcp,
    /// Agent-to-agent protocol.
    A2a,
}

/// A named endpoint of the runtime.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuntimeEndpointProps {
    /// Name (a letter, then letters, digits, `_`; at most 48). Required.
    pub name: String,
    /// Pins a runtime version. Default: the latest version.
    pub version: Option<String>,
    /// Description (at most 256 characters). Default: none.
    pub description: Option<String>,
}

/// The runtime's execution role.
#[derive(Clone, Debug, PartialEq)]
pub enum RuntimeRole {
    /// A role with the documented permissions (logs, X-Ray, CloudWatch metrics, workload
    /// identity, Bedrock model invoke; ECR pull or S3 read only for the artifact used), plus
    /// these statements. Default: no extra statements.
    Generated(Vec<Statement>),
    /// An existing role.
    Existing(Value<String>),
}

impl Default for RuntimeRole {
    fn default() -> Self {
        RuntimeRole::Generated(Vec::new())
    }
}

/// Props of an [`AgentCoreRuntime`].
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreRuntimeProps {
    /// Runtime name. Default: the construct id with non-alphanumerics dropped.
    pub name: Option<String>,
    /// What runs. Required.
    pub artifact: RuntimeArtifact,
    /// Network. Default: public.
    pub network: RuntimeNetwork,
    /// Inbound authorization. Default: IAM.
    pub authorizer: RuntimeAuthorizer,
    /// Idle session timeout (60–28,800 s). Default: 900 s.
    pub idle_session_timeout: Duration,
    /// Maximum session lifetime (60–28,800 s). Default: 28,800 s.
    pub max_lifetime: Duration,
    /// Protocol. Default: HTTP.
    pub protocol: RuntimeProtocol,
    /// Named endpoints. Default: none (AgentCore's DEFAULT endpoint only).
    pub endpoints: Vec<RuntimeEndpointProps>,
    /// Environment variables (at most 50). Default: none.
    pub environment: BTreeMap<String, Value<String>>,
    /// Request headers passed through to the agent (at most 20). Default: none.
    pub request_headers: Vec<String>,
    /// Description (at most 1,200 characters). Default: none.
    pub description: Option<String>,
    /// Tags of the runtime (stack tags apply too). Default: none.
    pub tags: BTreeMap<String, String>,
    /// Execution role. Default: generated.
    pub role: RuntimeRole,
}

impl Default for AgentCoreRuntimeProps {
    fn default() -> Self {
        AgentCoreRuntimeProps {
            name: None,
            artifact: RuntimeArtifact::Container { uri: String::new() },
            network: RuntimeNetwork::Public,
            authorizer: RuntimeAuthorizer::Iam,
            idle_session_timeout: Duration::from_secs(900),
            max_lifetime: Duration::from_secs(28_800),
            protocol: RuntimeProtocol::Http,
            endpoints: Vec::new(),
            environment: BTreeMap::new(),
            request_headers: Vec::new(),
            description: None,
            tags: BTreeMap::new(),
            role: RuntimeRole::default(),
        }
    }
}

/// An AgentCore Runtime and its endpoints.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreRuntime {
    /// The runtime.
    pub runtime: ResourceRef<Runtime>,
    /// Endpoints by name.
    pub endpoints: BTreeMap<String, ResourceRef<RuntimeEndpoint>>,
    /// The generated role, if any.
    pub role: Option<ResourceRef<Role>>,
    /// Whether callers present a JWT (CUSTOM_JWT) instead of signing with IAM.
    pub(crate) jwt: bool,
    /// The request header allowlist.
    pub(crate) request_headers: Vec<String>,
}

impl AgentCoreRuntime {
    /// Declares the runtime in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AgentCoreRuntimeProps) -> AgentCoreRuntime {
        let name = props.name.clone().unwrap_or_else(|| scope.id().chars().filter(char::is_ascii_alphanumeric).collect());
        check(scope, &name, &props);
        let mut props = props;
        props.artifact = staged(scope, props.artifact);
        let (role_arn, role) = match &props.role {
            RuntimeRole::Existing(arn) => (arn.clone(), None),
            RuntimeRole::Generated(extra) => {
                let role = generated_role(scope, &name, &props.artifact, extra);
                (role.attr_arn().into(), Some(role))
            }
        };
        let artifact = artifact(&props.artifact);
        let network_configuration = network(&props.network);
        let authorizer_configuration = authorizer(&props.authorizer);
        let protocol = match props.protocol {
            RuntimeProtocol::Http => cfn::ProtocolConfiguration::Http,
            RuntimeProtocol::Mcp => cfn::ProtocolConfiguration::Mcp,
            RuntimeProtocol::A2a => cfn::ProtocolConfiguration::A2A,
        };
        let runtime = scope.add(
            "Resource",
            Runtime {
                agent_runtime_name: Some(name.clone().into()),
                agent_runtime_artifact: Some(artifact.into()),
                network_configuration: Some(network_configuration.into()),
                authorizer_configuration,
                role_arn: Some(role_arn),
                protocol_configuration: Some(protocol.into()),
                lifecycle_configuration: Some(
                    cfn::LifecycleConfiguration {
                        idle_runtime_session_timeout: Some((props.idle_session_timeout.as_secs() as i64).into()),
                        max_lifetime: Some((props.max_lifetime.as_secs() as i64).into()),
                    }
                    .into(),
                ),
                environment_variables: (!props.environment.is_empty()).then(|| Value::Lit(props.environment.clone().into_iter().collect())),
                request_header_configuration: (!props.request_headers.is_empty())
                    .then(|| cfn::RequestHeaderConfiguration { request_header_allowlist: list(&props.request_headers) }.into()),
                description: props.description.clone().map(Into::into),
                tags: (!props.tags.is_empty()).then(|| Value::Lit(props.tags.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect())),
                ..Default::default()
            },
        );
        let mut endpoints = BTreeMap::new();
        for e in &props.endpoints {
            if endpoints.contains_key(&e.name) {
                continue; // reported by check()
            }
            let endpoint = scope.add(
                &format!("Endpoint{}", e.name),
                RuntimeEndpoint {
                    name: Some(e.name.clone().into()),
                    agent_runtime_id: Some(runtime.attr_agent_runtime_id().into()),
                    agent_runtime_version: e.version.clone().map(Into::into),
                    description: e.description.clone().map(Into::into),
                    ..Default::default()
                },
            );
            endpoints.insert(e.name.clone(), endpoint);
        }
        let initial = props.environment.iter().map(|(k, v)| (k.clone(), v.clone()));
        environment::hold(scope.stack(), &runtime, initial, |rt, vars| rt.environment_variables = vars.map(Value::Lit));
        AgentCoreRuntime {
            runtime,
            endpoints,
            role,
            jwt: matches!(props.authorizer, RuntimeAuthorizer::CustomJwt { .. }),
            request_headers: props.request_headers.clone(),
        }
    }

    /// The runtime ARN.
    pub fn arn(&self) -> Expr {
        self.runtime.attr_agent_runtime_arn()
    }

    /// Adds `statement` to the generated role's policy (rendered at finalize). With an
    /// existing role there is nothing of ours to add to: a warning says what to grant.
    pub(super) fn grant_role(&self, stack: &mut Stack, statement: Statement) {
        let Some(role) = &self.role else {
            let path = self.runtime.path().to_owned();
            stack.warn_at(
                &path,
                codes::AGENTCORE_EXISTING_ROLE,
                "the runtime uses an existing role",
                "grant the memory/gateway permissions to that role yourself",
            );
            return;
        };
        if !iam::add_statement(stack, role.logical_id(), statement) {
            let path = role.path().to_owned();
            stack.error_at(
                &path,
                codes::NOT_HELD,
                "the runtime's role policy is not held by agentcdk",
                "make the runtime with AgentCoreRuntime::new",
            );
        }
    }

    /// Sets an environment variable of the runtime (rendered at finalize, after the props'
    /// own). A variable the props set to another value is an error.
    pub(super) fn add_environment(&self, stack: &mut Stack, name: &str, value: Value<String>) {
        let path = self.runtime.path().to_owned();
        environment::set(stack, self.runtime.logical_id(), &path, name, value);
    }
}

/// A local source as the code object `package` uploads (an asset: bucket and `<hash>.zip`).
fn staged(scope: &mut Scope, artifact: RuntimeArtifact) -> RuntimeArtifact {
    match artifact {
        RuntimeArtifact::Source { dir, runtime, entry_point } => {
            let asset = scope.asset(agentcdk_synth::AssetSource::Python {
                dir,
                layout: agentcdk_synth::PythonLayout::Bundle,
                architecture: agentcdk_synth::Architecture::Arm64,
                python: runtime.version().to_owned(),
            });
            RuntimeArtifact::Code { bucket: asset.bucket().into(), key: asset.key().into(), runtime, entry_point }
        }
        other => other,
    }
}

fn artifact(artifact: &RuntimeArtifact) -> cfn::AgentRuntimeArtifact {
    match artifact {
        RuntimeArtifact::Container { uri } => cfn::AgentRuntimeArtifact {
            container_configuration: Some(cfn::ContainerConfiguration { container_uri: Some(uri.clone().into()) }.into()),
            ..Default::default()
        },
        // Staged as `Code` in `new` before anything renders it.
        RuntimeArtifact::Source { .. } => cfn::AgentRuntimeArtifact::default(),
        RuntimeArtifact::Code { bucket, key, runtime, entry_point } => cfn::AgentRuntimeArtifact {
            code_configuration: Some(
                cfn::CodeConfiguration {
                    code: Some(
                        cfn::Code {
                            s3: Some(
                                cfn::S3Location { bucket: Some(bucket.clone()), prefix: Some(key.clone()), ..Default::default() }.into(),
                            ),
                        }
                        .into(),
                    ),
                    entry_point: Some(Value::Lit(entry_point.iter().map(|e| e.clone().into()).collect())),
                    runtime: Some(runtime.cfn().into()),
                }
                .into(),
            ),
            ..Default::default()
        },
    }
}

fn network(network: &RuntimeNetwork) -> cfn::NetworkConfiguration {
    match network {
        RuntimeNetwork::Public => cfn::NetworkConfiguration { network_mode: Some(cfn::NetworkMode::Public.into()), ..Default::default() },
        RuntimeNetwork::Vpc { subnets, security_groups } => cfn::NetworkConfiguration {
            network_mode: Some(cfn::NetworkMode::Vpc.into()),
            network_mode_config: Some(
                cfn::VpcConfig { subnets: Some(Value::Lit(subnets.clone())), security_groups: Some(Value::Lit(security_groups.clone())) }
                    .into(),
            ),
        },
    }
}

fn authorizer(authorizer: &RuntimeAuthorizer) -> Option<Value<cfn::AuthorizerConfiguration>> {
    match authorizer {
        RuntimeAuthorizer::Iam => None,
        RuntimeAuthorizer::CustomJwt { discovery_url, allowed_audience, allowed_clients, allowed_scopes, custom_claims } => Some(
            cfn::AuthorizerConfiguration {
                custom_jwt_authorizer: Some(
                    cfn::CustomJWTAuthorizerConfiguration {
                        discovery_url: Some(discovery_url.clone().into()),
                        allowed_audience: list(allowed_audience),
                        allowed_clients: list(allowed_clients),
                        allowed_scopes: list(allowed_scopes),
                        custom_claims: (!custom_claims.is_empty())
                            .then(|| Value::Lit(custom_claims.iter().map(|(c, r)| claim(c, r)).collect())),
                        ..Default::default()
                    }
                    .into(),
                ),
            }
            .into(),
        ),
    }
}

fn claim(name: &str, rule: &ClaimRule) -> Value<cfn::CustomClaimValidationType> {
    let (value_type, operator, value) = match rule {
        ClaimRule::Equals(v) => (
            cfn::InboundTokenClaimValueType::String,
            cfn::ClaimMatchOperator::Equals,
            cfn::ClaimMatchValueType { match_value_string: Some(v.clone().into()), ..Default::default() },
        ),
        ClaimRule::OneOf(vs) => (
            cfn::InboundTokenClaimValueType::StringArray,
            cfn::ClaimMatchOperator::ContainsAny,
            cfn::ClaimMatchValueType { match_value_string_list: list(vs), ..Default::default() },
        ),
    };
    cfn::CustomClaimValidationType {
        inbound_token_claim_name: Some(name.into()),
        inbound_token_claim_value_type: Some(value_type.into()),
        authorizing_claim_match_value: Some(
            cfn::AuthorizingClaimMatchValueType { claim_match_operator: Some(operator.into()), claim_match_value: Some(value.into()) }
                .into(),
        ),
    }
    .into()
}

/// Headers AgentCore refuses to pass on to an agent, as documented ("Pass custom headers to
/// Amazon Bedrock AgentCore Runtime", restricted headers).
pub const RESTRICTED_HEADERS: [&str; 12] = [
    "Proxy-Authorization",
    "WWW-Authenticate",
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Content-Language",
    "Content-Location",
    "Content-Range",
];

/// Why AgentCore would refuse `name` in a request header allowlist, if it would.
fn header_rejection(name: &str, jwt: bool) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Some("a header name is a letter, then letters, digits, '-' and '_'");
    }
    if RESTRICTED_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Some("AgentCore restricts it");
    }
    if lower.starts_with("x-amz-") {
        return Some("x-amz-* headers are reserved for SigV4");
    }
    if lower.starts_with("x-amzn-") && !lower.starts_with(&AGENTCORE_CUSTOM_HEADER_PREFIX.to_ascii_lowercase()) {
        return Some("x-amzn-* headers are reserved, except the custom prefix");
    }
    if lower == "authorization" && !jwt {
        return Some("Authorization reaches the agent only with a CUSTOM_JWT authorizer");
    }
    None
}

fn check(scope: &mut Scope, name: &str, props: &AgentCoreRuntimeProps) {
    if !valid_name(name) {
        scope.error(
            codes::AGENTCORE_NAME,
            format!("runtime name '{name}' is invalid"),
            "a letter, then letters, digits and '_', at most 48",
        );
    }
    check_lifetimes(scope, props);
    check_artifact(scope, &props.artifact);
    if let RuntimeNetwork::Vpc { subnets, security_groups } = &props.network {
        check_vpc(scope, "runtime", subnets, security_groups);
    }
    if let RuntimeAuthorizer::CustomJwt { discovery_url, .. } = &props.authorizer {
        check_discovery_url(scope, discovery_url);
    }
    if props.environment.len() > limits::ENV_VARS {
        scope.error(
            codes::AGENTCORE_BOUNDS,
            format!("{} environment variables, over AgentCore's 50", props.environment.len()),
            "pass structured configuration in one variable",
        );
    }
    check_request_headers(scope, props);
    if props.description.as_ref().is_some_and(|d| d.chars().count() > limits::DESCRIPTION) {
        scope.error(codes::AGENTCORE_BOUNDS, "description is over 1,200 characters", "shorten it");
    }
    check_endpoints(scope, &props.endpoints);
}

fn check_lifetimes(scope: &mut Scope, props: &AgentCoreRuntimeProps) {
    for (what, d) in [("idle session timeout", props.idle_session_timeout), ("max lifetime", props.max_lifetime)] {
        if !limits::LIFETIME.contains(&d) {
            scope.error(
                codes::AGENTCORE_BOUNDS,
                format!("{what} {d:?} is outside 60–28,800 s"),
                "AgentCore sessions live from one minute to eight hours",
            );
        }
    }
    if props.idle_session_timeout > props.max_lifetime {
        scope.error(
            codes::AGENTCORE_BOUNDS,
            "idle session timeout is longer than the max lifetime",
            "the idle timeout must fit in the session's lifetime",
        );
    }
}

fn check_artifact(scope: &mut Scope, artifact: &RuntimeArtifact) {
    match artifact {
        RuntimeArtifact::Container { uri } if !uri.contains(".dkr.ecr.") => scope.error(
            codes::AGENTCORE_LOCATION,
            format!("container image '{uri}' is not an ECR image URI"),
            "AgentCore pulls from ECR: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>",
        ),
        RuntimeArtifact::Code { entry_point, .. } | RuntimeArtifact::Source { entry_point, .. } if entry_point.is_empty() => {
            scope.error(codes::AGENTCORE_INCOMPLETE, "code artifact without an entry point", "e.g. entry_point: vec![\"main.py\".into()]")
        }
        _ => {}
    }
}

fn check_request_headers(scope: &mut Scope, props: &AgentCoreRuntimeProps) {
    if props.request_headers.len() > limits::REQUEST_HEADERS {
        scope.error(
            codes::AGENTCORE_BOUNDS,
            format!("{} request headers in the allowlist, over AgentCore's 20", props.request_headers.len()),
            "pass fewer headers",
        );
    }
    let mut seen_headers = std::collections::BTreeSet::new();
    for h in &props.request_headers {
        if let Some(why) = header_rejection(h, matches!(props.authorizer, RuntimeAuthorizer::CustomJwt { .. })) {
            scope.error(
                codes::AGENTCORE_HEADER,
                format!("request header '{h}' cannot be allowlisted: {why}"),
                format!("pass it as '{}'", agentcore_custom_header(h)),
            );
        }
        if !seen_headers.insert(h.to_ascii_lowercase()) {
            scope.error(
                codes::AGENTCORE_DUPLICATE,
                format!("request header '{h}' is listed twice"),
                "header names compare case-insensitively",
            );
        }
    }
}

fn check_endpoints(scope: &mut Scope, endpoints: &[RuntimeEndpointProps]) {
    let mut seen = std::collections::BTreeSet::new();
    for e in endpoints {
        if !valid_name(&e.name) {
            scope.error(
                codes::AGENTCORE_NAME,
                format!("endpoint name '{}' is invalid", e.name),
                "a letter, then letters, digits and '_', at most 48",
            );
        }
        if !seen.insert(e.name.as_str()) {
            scope.error(
                codes::AGENTCORE_DUPLICATE,
                format!("endpoint '{}' is declared twice", e.name),
                "endpoint names are unique per runtime",
            );
        }
        if e.description.as_ref().is_some_and(|d| d.chars().count() > limits::ENDPOINT_DESCRIPTION) {
            scope.error(codes::AGENTCORE_BOUNDS, format!("endpoint '{}' description is over 256 characters", e.name), "shorten it");
        }
    }
}
