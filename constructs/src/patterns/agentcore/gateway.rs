//! `AgentCoreGateway`: an MCP gateway in front of Lambda functions, OpenAPI and Smithy APIs
//! and MCP servers, with a role scoped to exactly its targets.

use crate::codes;
use agentcdk_contract::env;
use agentcdk_synth::cfn::bedrockagentcore::{gateway as gw, gateway_target as target, Gateway, GatewayTarget};
use agentcdk_synth::cfn::iam::Role;
use agentcdk_synth::prelude::*;

use super::gateway_target::{target_configuration, target_statement, GatewayTargetProps, SchemaSource, TargetKind};
use super::{check_discovery_url, list, AgentCoreRuntime};
use crate::iam::{self, actions, Holder, Operator, Principal, Statement};
use crate::kms::{stack_key, Encryption};

/// Gateway instructions, characters.
pub const INSTRUCTIONS: usize = 2048;

/// Who may call a gateway.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum GatewayAuthorizer {
    /// Anyone (explicit opt-in).
    None,
    /// SigV4-signed calls allowed by IAM. Default.
    #[default]
    AwsIam,
    /// Bearer JWTs from an OIDC provider.
    CustomJwt {
        /// OIDC discovery URL. Required.
        discovery_url: String,
        /// Accepted audiences.
        allowed_audience: Vec<String>,
        /// Accepted client ids.
        allowed_clients: Vec<String>,
    },
}

/// Props of an [`AgentCoreGateway`].
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreGatewayProps {
    /// Name. Default: the construct id.
    pub name: Option<String>,
    /// Description. Default: none.
    pub description: Option<String>,
    /// Inbound authorization. Default: AWS_IAM.
    pub authorizer: GatewayAuthorizer,
    /// Instructions for agents using the gateway (at most 2,048 characters). Default: none.
    pub instructions: Option<String>,
    /// Targets. Default: none.
    pub targets: Vec<GatewayTargetProps>,
    /// Encryption. Default: the stack key.
    pub encryption: Encryption,
}

impl Default for AgentCoreGatewayProps {
    fn default() -> Self {
        AgentCoreGatewayProps {
            name: None,
            description: None,
            authorizer: GatewayAuthorizer::AwsIam,
            instructions: None,
            targets: Vec::new(),
            encryption: Encryption::StackKey,
        }
    }
}

/// An AgentCore Gateway (MCP) with its targets and a role that may invoke exactly the Lambda
/// targets and read exactly the S3 schemas.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreGateway {
    /// The gateway.
    pub gateway: ResourceRef<Gateway>,
    /// Targets by name.
    pub targets: Vec<ResourceRef<GatewayTarget>>,
    /// The gateway's role.
    pub role: ResourceRef<Role>,
    /// Who may call it (tool sources pick their auth from it).
    pub authorizer: GatewayAuthorizer,
}

impl AgentCoreGateway {
    /// Declares a gateway in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AgentCoreGatewayProps) -> AgentCoreGateway {
        let name = props.name.clone().unwrap_or_else(|| scope.id().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect());
        check_gateway(scope, &name, &props);
        let role = gateway_role(scope, &props.targets);
        let (authorizer_type, authorizer_configuration) = match &props.authorizer {
            GatewayAuthorizer::None => (gw::AuthorizerType::None, None),
            GatewayAuthorizer::AwsIam => (gw::AuthorizerType::AwsIam, None),
            GatewayAuthorizer::CustomJwt { discovery_url, allowed_audience, allowed_clients } => (
                gw::AuthorizerType::CustomJwt,
                Some(
                    gw::AuthorizerConfiguration {
                        custom_jwt_authorizer: Some(
                            gw::CustomJWTAuthorizerConfiguration {
                                discovery_url: Some(discovery_url.clone().into()),
                                allowed_audience: list(allowed_audience),
                                allowed_clients: list(allowed_clients),
                                ..Default::default()
                            }
                            .into(),
                        ),
                    }
                    .into(),
                ),
            ),
        };
        let kms_key_arn = (props.encryption == Encryption::StackKey).then(|| stack_key(scope.stack()).attr_arn().into());
        let gateway = scope.add(
            "Resource",
            Gateway {
                name: Some(name.into()),
                description: props.description.clone().map(Into::into),
                protocol_type: Some(gw::GatewayProtocolType::Mcp.into()),
                protocol_configuration: props.instructions.as_ref().map(|i| {
                    gw::GatewayProtocolConfiguration {
                        mcp: Some(gw::MCPGatewayConfiguration { instructions: Some(i.clone().into()), ..Default::default() }.into()),
                    }
                    .into()
                }),
                authorizer_type: Some(authorizer_type.into()),
                authorizer_configuration,
                role_arn: Some(role.attr_arn().into()),
                kms_key_arn,
                ..Default::default()
            },
        );
        let mut targets = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for t in &props.targets {
            if !seen.insert(t.name.as_str()) {
                continue; // reported by check_gateway()
            }
            let (mcp, inline_tools) = target_configuration(&t.kind);
            let r = scope.add(
                &format!("Target{}", t.name.replace('-', "")),
                GatewayTarget {
                    name: Some(t.name.clone().into()),
                    description: t.description.clone().map(Into::into),
                    gateway_identifier: Some(gateway.attr_gateway_identifier().into()),
                    target_configuration: Some(target::TargetConfiguration { mcp: Some(mcp.into()), ..Default::default() }.into()),
                    credential_provider_configurations: matches!(t.kind, TargetKind::Lambda { .. } | TargetKind::Smithy(_)).then(|| {
                        Value::Lit(vec![target::CredentialProviderConfiguration {
                            credential_provider_type: Some(target::CredentialProviderType::GatewayIamRole.into()),
                            ..Default::default()
                        }
                        .into()])
                    }),
                    ..Default::default()
                },
            );
            if let Some(tools) = inline_tools {
                // Tool input schemas are free-form JSON Schema; the typed layer models them as a
                // recursive struct, so the definitions go in as JSON.
                scope.stack().resource(&r).add_property_override("TargetConfiguration.Mcp.Lambda.ToolSchema.InlinePayload", tools);
            }
            targets.push(r);
        }
        AgentCoreGateway { gateway, targets, role, authorizer: props.authorizer }
    }

    /// The gateway ARN.
    pub fn arn(&self) -> Expr {
        self.gateway.attr_gateway_arn()
    }

    /// The gateway's MCP URL.
    pub fn url(&self) -> Expr {
        self.gateway.attr_gateway_url()
    }
}

fn check_gateway(scope: &mut Scope, name: &str, props: &AgentCoreGatewayProps) {
    if name.is_empty() || name.len() > 100 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        scope.error(codes::AGENTCORE_NAME, format!("gateway name '{name}' is invalid"), "letters, digits and '-', at most 100");
    }
    if props.instructions.as_ref().is_some_and(|i| i.chars().count() > INSTRUCTIONS) {
        scope.error(codes::AGENTCORE_BOUNDS, "gateway instructions are over 2,048 characters", "shorten them");
    }
    if let GatewayAuthorizer::CustomJwt { discovery_url, .. } = &props.authorizer {
        check_discovery_url(scope, discovery_url);
    }
    let mut seen = std::collections::BTreeSet::new();
    for t in &props.targets {
        if t.name.is_empty() || !t.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            scope.error(codes::AGENTCORE_NAME, format!("target name '{}' is invalid", t.name), "letters, digits and '-'");
        }
        if !seen.insert(t.name.as_str()) {
            scope.error(
                codes::AGENTCORE_DUPLICATE,
                format!("target '{}' is declared twice", t.name),
                "target names are unique per gateway",
            );
        }
        match &t.kind {
            TargetKind::McpServer { endpoint } if !endpoint.starts_with("https://") => scope.error(
                codes::AGENTCORE_LOCATION,
                format!("MCP server endpoint '{endpoint}' is not https"),
                "AgentCore Gateway reaches MCP servers over TLS only",
            ),
            TargetKind::OpenApi(SchemaSource::S3(uri)) | TargetKind::Smithy(SchemaSource::S3(uri)) if !uri.starts_with("s3://") => scope
                .error(
                    codes::AGENTCORE_LOCATION,
                    format!("schema location '{uri}' is not an s3:// URI"),
                    "e.g. s3://my-bucket/openapi.json",
                ),
            TargetKind::Lambda { tools, .. } if tools.is_empty() => scope.error(
                codes::AGENTCORE_INCOMPLETE,
                format!("Lambda target '{}' has no tool definitions", t.name),
                "list the tools the function implements (ToolSpec)",
            ),
            _ => {}
        }
    }
}

/// The gateway's role: it may invoke exactly the Lambda targets and read exactly the S3
/// schemas (no inline policy when there is neither).
fn gateway_role(scope: &mut Scope, targets: &[GatewayTargetProps]) -> ResourceRef<Role> {
    let statements: Vec<Statement> = targets.iter().filter_map(|t| target_statement(&t.kind)).collect();
    let trust = Statement::assume_role(Principal::service("bedrock-agentcore.amazonaws.com")).with_condition(
        Operator::StringEquals,
        "aws:SourceAccount",
        [Expr::account_id()],
    );
    let role = scope.add(
        "Role",
        Role {
            assume_role_policy_document: Some(iam::trust_with(trust).into()),
            description: Some("AgentCore Gateway role".into()),
            ..Default::default()
        },
    );
    iam::hold(scope.stack(), Holder::RoleInline(role.clone(), "Targets"), statements);
    role
}

impl AgentCoreRuntime {
    /// Lets this runtime call `gateway` (InvokeGateway on this gateway only) and tells it the
    /// gateway URL (`AGENTCORE_GATEWAY_URL`).
    pub fn use_gateway(&self, stack: &mut Stack, gateway: &AgentCoreGateway) {
        self.grant_role(stack, Statement::allow(actions::AGENTCORE_INVOKE_GATEWAY, [gateway.arn()]));
        self.add_environment(stack, env::AGENTCORE_GATEWAY_URL, gateway.url().into());
    }
}
