//! The rest of the AgentCore family the Serverless Framework's `ai:` block emits: memory,
//! gateways with targets, browsers and code interpreters — each with its own role and checked
//! ranges — and the grants a runtime needs to use a memory or a gateway.

use agentcdk_synth::cfn::bedrockagentcore::{
    browser_custom as browser, code_interpreter_custom as interpreter, gateway as gw, gateway_target as target, memory as mem,
    BrowserCustom, CodeInterpreterCustom, Gateway, GatewayTarget, Memory,
};
use agentcdk_synth::cfn::iam::Role;
use agentcdk_synth::prelude::*;
use serde_json::json;

use super::agentcore::{check_discovery_url, check_vpc, list, valid_name, AgentCoreRuntime};
use crate::kms::{stack_key, Encryption};

/// AgentCore family limits, checked at synth.
pub mod limits {
    use std::ops::RangeInclusive;

    /// Memory event expiry, days.
    pub const EVENT_EXPIRY_DAYS: RangeInclusive<u32> = 3..=365;
    /// Gateway instructions, characters.
    pub const INSTRUCTIONS: usize = 2048;
}

/// A long-term memory strategy: what AgentCore extracts from conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemoryStrategyKind {
    /// Facts and knowledge.
    Semantic,
    /// Conversation summaries.
    Summary,
    /// User preferences.
    UserPreference,
}

/// One strategy with its name and namespaces (e.g. `/users/{actorId}/facts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryStrategy {
    /// Kind.
    pub kind: MemoryStrategyKind,
    /// Name (a letter, then letters, digits, `_`).
    pub name: String,
    /// Namespaces records are stored under. Default: none (AgentCore's default).
    pub namespaces: Vec<String>,
}

/// Props of an [`AgentCoreMemory`].
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreMemoryProps {
    /// Name. Default: the construct id with non-alphanumerics dropped.
    pub name: Option<String>,
    /// Description. Default: none.
    pub description: Option<String>,
    /// Days short-term events are kept (3–365). Default: 30.
    pub event_expiry_days: u32,
    /// Long-term strategies. Default: none (short-term memory only).
    pub strategies: Vec<MemoryStrategy>,
    /// Encryption. Default: the stack key.
    pub encryption: Encryption,
}

impl Default for AgentCoreMemoryProps {
    fn default() -> Self {
        AgentCoreMemoryProps {
            name: None,
            description: None,
            event_expiry_days: 30,
            strategies: Vec::new(),
            encryption: Encryption::StackKey,
        }
    }
}

/// An AgentCore Memory.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCoreMemory {
    /// The memory.
    pub memory: ResourceRef<Memory>,
    /// Encryption used.
    pub encryption: Encryption,
}

impl AgentCoreMemory {
    /// Declares a memory in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AgentCoreMemoryProps) -> AgentCoreMemory {
        let name = props.name.clone().unwrap_or_else(|| scope.id().chars().filter(char::is_ascii_alphanumeric).collect());
        if !valid_name(&name) {
            scope.error(format!("memory name '{name}' is invalid"), "a letter, then letters, digits and '_', at most 48");
        }
        if !limits::EVENT_EXPIRY_DAYS.contains(&props.event_expiry_days) {
            scope.error(
                format!("event expiry {} days is outside 3–365", props.event_expiry_days),
                "AgentCore keeps events 3 to 365 days; 30 is the default",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &props.strategies {
            if !valid_name(&s.name) {
                scope.error(format!("strategy name '{}' is invalid", s.name), "a letter, then letters, digits and '_', at most 48");
            }
            if !seen.insert(s.name.as_str()) {
                scope.error(format!("strategy '{}' is declared twice", s.name), "strategy names are unique per memory");
            }
        }
        let strategies: Vec<Value<mem::MemoryStrategy>> = props.strategies.iter().map(strategy).collect();
        let encryption_key_arn = (props.encryption == Encryption::StackKey).then(|| stack_key(scope.stack()).attr_arn().into());
        let memory = scope.add(
            "Resource",
            Memory {
                name: Some(name.into()),
                description: props.description.clone().map(Into::into),
                event_expiry_duration: Some(i64::from(props.event_expiry_days).into()),
                memory_strategies: (!strategies.is_empty()).then(|| Value::Lit(strategies)),
                encryption_key_arn,
                ..Default::default()
            },
        );
        AgentCoreMemory { memory, encryption: props.encryption }
    }

    /// The memory ARN.
    pub fn arn(&self) -> Expr {
        self.memory.attr_memory_arn()
    }
}

fn strategy(s: &MemoryStrategy) -> Value<mem::MemoryStrategy> {
    let name = Some(s.name.clone().into());
    let namespaces = (!s.namespaces.is_empty()).then(|| Value::Lit(s.namespaces.iter().map(|n| n.clone().into()).collect()));
    match s.kind {
        MemoryStrategyKind::Semantic => mem::MemoryStrategy {
            semantic_memory_strategy: Some(mem::SemanticMemoryStrategy { name, namespaces, ..Default::default() }.into()),
            ..Default::default()
        },
        MemoryStrategyKind::Summary => mem::MemoryStrategy {
            summary_memory_strategy: Some(mem::SummaryMemoryStrategy { name, namespaces, ..Default::default() }.into()),
            ..Default::default()
        },
        MemoryStrategyKind::UserPreference => mem::MemoryStrategy {
            user_preference_memory_strategy: Some(mem::UserPreferenceMemoryStrategy { name, namespaces, ..Default::default() }.into()),
            ..Default::default()
        },
    }
    .into()
}

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

/// Where an API schema comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaSource {
    /// The schema text.
    Inline(String),
    /// An `s3://bucket/key` URI.
    S3(String),
}

/// What a gateway target exposes as tools: exactly one kind per target (an enum cannot hold
/// two).
#[derive(Clone, Debug, PartialEq)]
pub enum TargetKind {
    /// A Lambda function and the tools it implements.
    Lambda {
        /// Function ARN.
        function_arn: Value<String>,
        /// Tool definitions.
        tools: Vec<ToolSpec>,
    },
    /// An OpenAPI document.
    OpenApi(SchemaSource),
    /// A Smithy model.
    Smithy(SchemaSource),
    /// An MCP server over https.
    McpServer {
        /// Endpoint URL.
        endpoint: String,
    },
}

/// A tool a Lambda target implements.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSpec {
    /// Tool name.
    pub name: String,
    /// What it does (the model reads this).
    pub description: String,
    /// Its input as standard JSON Schema (`type`, `properties`, `required`, `items`,
    /// `description`); converted to AgentCore's schema shape.
    pub input_schema: Json,
}

impl ToolSpec {
    /// AgentCore's `ToolDefinition` JSON.
    fn to_json(&self) -> Json {
        json!({"Name": self.name, "Description": self.description, "InputSchema": schema_definition(&self.input_schema)})
    }
}

/// Standard JSON Schema → AgentCore's `SchemaDefinition` (PascalCase keys; property names
/// kept as they are).
fn schema_definition(schema: &Json) -> Json {
    let Some(obj) = schema.as_object() else { return schema.clone() };
    let mut out = serde_json::Map::new();
    for (k, v) in obj {
        let converted = match k.as_str() {
            "type" => ("Type", v.clone()),
            "description" => ("Description", v.clone()),
            "required" => ("Required", v.clone()),
            "items" => ("Items", schema_definition(v)),
            "properties" => {
                let props =
                    v.as_object().map(|p| p.iter().map(|(name, s)| (name.clone(), schema_definition(s))).collect()).unwrap_or_default();
                ("Properties", Json::Object(props))
            }
            _ => continue,
        };
        out.insert(converted.0.to_owned(), converted.1);
    }
    Json::Object(out)
}

/// One gateway target.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayTargetProps {
    /// Name (letters, digits, `-`).
    pub name: String,
    /// Description. Default: none.
    pub description: Option<String>,
    /// The tools.
    pub kind: TargetKind,
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
}

impl AgentCoreGateway {
    /// Declares a gateway in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: AgentCoreGatewayProps) -> AgentCoreGateway {
        let name = props.name.clone().unwrap_or_else(|| scope.id().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect());
        check_gateway(scope, &name, &props);
        let mut statements = Vec::new();
        for t in &props.targets {
            match &t.kind {
                TargetKind::Lambda { function_arn, .. } => {
                    statements.push(json!({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function_arn}));
                }
                TargetKind::OpenApi(SchemaSource::S3(uri)) | TargetKind::Smithy(SchemaSource::S3(uri)) => {
                    let object = uri.trim_start_matches("s3://");
                    statements.push(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{object}"))}));
                }
                _ => {}
            }
        }
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": Expr::account_id()}}
            }]
        });
        let role = scope.add(
            "Role",
            Role {
                assume_role_policy_document: Some(trust.into()),
                description: Some("AgentCore Gateway role".into()),
                policies: (!statements.is_empty()).then(|| {
                    Value::Lit(vec![agentcdk_synth::cfn::iam::role::Policy {
                        policy_name: Some("Targets".into()),
                        policy_document: Some(json!({"Version": "2012-10-17", "Statement": statements}).into()),
                    }
                    .into()])
                }),
                ..Default::default()
            },
        );
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
        AgentCoreGateway { gateway, targets, role }
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

fn target_configuration(kind: &TargetKind) -> (target::McpTargetConfiguration, Option<Json>) {
    let schema = |s: &SchemaSource| -> Value<target::ApiSchemaConfiguration> {
        match s {
            SchemaSource::Inline(text) => {
                target::ApiSchemaConfiguration { inline_payload: Some(text.clone().into()), ..Default::default() }
            }
            SchemaSource::S3(uri) => target::ApiSchemaConfiguration {
                s3: Some(target::S3Configuration { uri: Some(uri.clone().into()), ..Default::default() }.into()),
                ..Default::default()
            },
        }
        .into()
    };
    match kind {
        TargetKind::Lambda { function_arn, tools } => (
            target::McpTargetConfiguration {
                lambda: Some(target::McpLambdaTargetConfiguration { lambda_arn: Some(function_arn.clone()), tool_schema: None }.into()),
                ..Default::default()
            },
            Some(Json::Array(tools.iter().map(ToolSpec::to_json).collect())),
        ),
        TargetKind::OpenApi(s) => (target::McpTargetConfiguration { open_api_schema: Some(schema(s)), ..Default::default() }, None),
        TargetKind::Smithy(s) => (target::McpTargetConfiguration { smithy_model: Some(schema(s)), ..Default::default() }, None),
        TargetKind::McpServer { endpoint } => (
            target::McpTargetConfiguration {
                mcp_server: Some(
                    target::McpServerTargetConfiguration { endpoint: Some(endpoint.clone().into()), ..Default::default() }.into(),
                ),
                ..Default::default()
            },
            None,
        ),
    }
}

fn check_gateway(scope: &mut Scope, name: &str, props: &AgentCoreGatewayProps) {
    if name.is_empty() || name.len() > 100 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        scope.error(format!("gateway name '{name}' is invalid"), "letters, digits and '-', at most 100");
    }
    if props.instructions.as_ref().is_some_and(|i| i.chars().count() > limits::INSTRUCTIONS) {
        scope.error("gateway instructions are over 2,048 characters", "shorten them");
    }
    if let GatewayAuthorizer::CustomJwt { discovery_url, .. } = &props.authorizer {
        check_discovery_url(scope, discovery_url);
    }
    let mut seen = std::collections::BTreeSet::new();
    for t in &props.targets {
        if t.name.is_empty() || !t.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            scope.error(format!("target name '{}' is invalid", t.name), "letters, digits and '-'");
        }
        if !seen.insert(t.name.as_str()) {
            scope.error(format!("target '{}' is declared twice", t.name), "target names are unique per gateway");
        }
        match &t.kind {
            TargetKind::McpServer { endpoint } if !endpoint.starts_with("https://") => {
                scope.error(format!("MCP server endpoint '{endpoint}' is not https"), "AgentCore Gateway reaches MCP servers over TLS only")
            }
            TargetKind::OpenApi(SchemaSource::S3(uri)) | TargetKind::Smithy(SchemaSource::S3(uri)) if !uri.starts_with("s3://") => {
                scope.error(format!("schema location '{uri}' is not an s3:// URI"), "e.g. s3://my-bucket/openapi.json")
            }
            TargetKind::Lambda { tools, .. } if tools.is_empty() => scope
                .error(format!("Lambda target '{}' has no tool definitions", t.name), "list the tools the function implements (ToolSpec)"),
            _ => {}
        }
    }
}

/// Network placement of a browser or code interpreter.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ToolNetwork {
    /// Isolated: no network (code interpreter only). Default for code interpreters.
    Sandbox,
    /// The internet. Default for browsers.
    #[default]
    Public,
    /// Your VPC.
    Vpc {
        /// Subnet ids.
        subnets: Vec<Value<String>>,
        /// Security group ids.
        security_groups: Vec<Value<String>>,
    },
}

/// A custom AgentCore browser.
pub fn browser(scope: &mut Scope, name: &str, network: ToolNetwork) -> ResourceRef<BrowserCustom> {
    let mode = match &network {
        ToolNetwork::Sandbox => {
            scope.error("browser in sandbox network mode", "browsers run PUBLIC or in a VPC; sandbox is for code interpreters");
            browser::BrowserNetworkMode::Public
        }
        ToolNetwork::Public => browser::BrowserNetworkMode::Public,
        ToolNetwork::Vpc { .. } => browser::BrowserNetworkMode::Vpc,
    };
    check_tool(scope, name, &network);
    let vpc_config = vpc(&network).map(|(subnets, security_groups)| browser::VpcConfig { subnets, security_groups }.into());
    scope.add(
        "Resource",
        BrowserCustom {
            name: Some(name.into()),
            network_configuration: Some(browser::BrowserNetworkConfiguration { network_mode: Some(mode.into()), vpc_config }.into()),
            ..Default::default()
        },
    )
}

/// A custom AgentCore code interpreter.
pub fn code_interpreter(scope: &mut Scope, name: &str, network: ToolNetwork) -> ResourceRef<CodeInterpreterCustom> {
    let mode = match &network {
        ToolNetwork::Sandbox => interpreter::CodeInterpreterNetworkMode::Sandbox,
        ToolNetwork::Public => interpreter::CodeInterpreterNetworkMode::Public,
        ToolNetwork::Vpc { .. } => interpreter::CodeInterpreterNetworkMode::Vpc,
    };
    check_tool(scope, name, &network);
    let vpc_config = vpc(&network).map(|(subnets, security_groups)| interpreter::VpcConfig { subnets, security_groups }.into());
    scope.add(
        "Resource",
        CodeInterpreterCustom {
            name: Some(name.into()),
            network_configuration: Some(
                interpreter::CodeInterpreterNetworkConfiguration { network_mode: Some(mode.into()), vpc_config }.into(),
            ),
            ..Default::default()
        },
    )
}

type VpcLists = (Option<Value<Vec<Value<String>>>>, Option<Value<Vec<Value<String>>>>);

fn vpc(network: &ToolNetwork) -> Option<VpcLists> {
    match network {
        ToolNetwork::Vpc { subnets, security_groups } => {
            Some((Some(Value::Lit(subnets.clone())), Some(Value::Lit(security_groups.clone()))))
        }
        _ => None,
    }
}

fn check_tool(scope: &mut Scope, name: &str, network: &ToolNetwork) {
    if !valid_name(name) {
        scope.error(format!("name '{name}' is invalid"), "a letter, then letters, digits and '_', at most 48");
    }
    if let ToolNetwork::Vpc { subnets, security_groups } = network {
        check_vpc(scope, "tool", subnets, security_groups);
    }
}

impl AgentCoreRuntime {
    /// Lets this runtime use `memory` (create and read events, retrieve records — on this
    /// memory only) and tells it the memory id (`AGENTCORE_MEMORY_ID`).
    pub fn use_memory(&self, stack: &mut Stack, memory: &AgentCoreMemory) {
        let actions = [
            "bedrock-agentcore:CreateEvent",
            "bedrock-agentcore:GetEvent",
            "bedrock-agentcore:ListEvents",
            "bedrock-agentcore:ListSessions",
            "bedrock-agentcore:RetrieveMemoryRecords",
            "bedrock-agentcore:ListMemoryRecords",
            "bedrock-agentcore:GetMemoryRecord",
        ];
        self.add_statement(stack, json!({"Effect": "Allow", "Action": actions, "Resource": memory.arn()}));
        if memory.encryption == Encryption::StackKey {
            let key = stack_key(stack);
            self.add_statement(
                stack,
                json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": key.attr_arn()}),
            );
        }
        self.set_env(stack, agentcdk_contract::env::AGENTCORE_MEMORY_ID, memory.memory.attr_memory_id());
    }

    /// Lets this runtime call `gateway` (InvokeGateway on this gateway only) and tells it the
    /// gateway URL (`AGENTCORE_GATEWAY_URL`).
    pub fn use_gateway(&self, stack: &mut Stack, gateway: &AgentCoreGateway) {
        self.add_statement(stack, json!({"Effect": "Allow", "Action": "bedrock-agentcore:InvokeGateway", "Resource": gateway.arn()}));
        self.set_env(stack, agentcdk_contract::env::AGENTCORE_GATEWAY_URL, gateway.url());
    }

    fn add_statement(&self, stack: &mut Stack, statement: Json) {
        let Some(role) = &self.role else {
            let path = self.runtime.path().to_owned();
            stack.warn_at(&path, "the runtime uses an existing role", "grant the memory/gateway permissions to that role yourself");
            return;
        };
        let Some(Value::Lit(policies)) = stack.props_mut(role).and_then(|r| r.policies.as_mut()) else { return };
        if let Some(Value::Lit(policy)) = policies.first_mut() {
            if let Some(Value::Lit(doc)) = policy.policy_document.as_mut() {
                if let Some(statements) = doc.get_mut("Statement").and_then(Json::as_array_mut) {
                    statements.push(statement);
                }
            }
        }
    }

    fn set_env(&self, stack: &mut Stack, name: &str, value: Expr) {
        if let Some(rt) = stack.props_mut(&self.runtime) {
            let vars = rt.environment_variables.get_or_insert_with(|| Value::Lit(Default::default()));
            if let Value::Lit(vars) = vars {
                vars.insert(name.to_owned(), value.into());
            }
        }
    }
}
