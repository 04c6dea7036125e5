//! A gateway target: what it exposes as tools and the configuration AgentCore reads.

use agentcdk_synth::cfn::bedrockagentcore::gateway_target as target;
use agentcdk_synth::prelude::*;
use serde_json::json;

use crate::iam::{actions, Statement};

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

pub(super) fn target_configuration(kind: &TargetKind) -> (target::McpTargetConfiguration, Option<Json>) {
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

/// What the gateway's role needs for a target: invoke its function or read its S3 schema.
pub(super) fn target_statement(kind: &TargetKind) -> Option<Statement> {
    match kind {
        TargetKind::Lambda { function_arn, .. } => Some(Statement::allow(actions::LAMBDA_INVOKE, [function_arn.clone()])),
        TargetKind::OpenApi(SchemaSource::S3(uri)) | TargetKind::Smithy(SchemaSource::S3(uri)) => {
            let object = uri.trim_start_matches("s3://");
            Some(Statement::allow(actions::S3_GET, [Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{object}"))]))
        }
        _ => None,
    }
}
