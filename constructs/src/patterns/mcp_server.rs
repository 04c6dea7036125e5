//! `McpServer`: tools served as a stateless MCP server (Streamable HTTP) from a Lambda function
//! behind its Function URL (or API Gateway REST with a Lambda authorizer), for agents of this app ([`ToolSource::server`](super::ToolSource::server))
//! or any MCP client. The handler is built on `agentcdk_runtime::mcp::serve`; the stock one,
//! `mcp-orders`, answers order lookups over a DynamoDB table ([`McpServer::orders`]).

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::env;
use agentcdk_contract::mcp::{CREATED_AT, CUSTOMER_ID, ORDERS_BY_CUSTOMER, ORDERS_TABLE, ORDER_ID};
use agentcdk_synth::prelude::*;

use crate::apigw::rest::{HttpMethod, LambdaMethod, MethodAuth, RestApi, RestApiProps};
use crate::codes;
use crate::dynamodb::{Attribute, GlobalSecondaryIndex, Table, TableProps};
use crate::function_url::{FunctionUrl, FunctionUrlProps, UrlAuth};
use crate::iam::{self, actions, Statement};
use crate::kms::Encryption;
use crate::lambda::{Code, Function, FunctionProps};
use crate::logs::RetentionDays;
use crate::patterns::LambdaAuthorizer;

/// Path of the MCP endpoint on an [`McpFront::RestApi`] (`POST` only).
pub const MCP_REST_PATH: &str = "/mcp";

/// Props of an [`McpServer`].
#[derive(Clone, Debug, PartialEq)]
pub struct McpServerProps {
    /// The server's handler. Default: the stock `mcp-orders` (which needs its table: use
    /// [`McpServer::orders`]; checked).
    pub code: Code,
    /// Shown in the console. Default: "MCP tools".
    pub description: String,
    /// Who may call the URL. Default: IAM principals (SigV4); `UrlAuth::None` only for servers
    /// that authenticate each request themselves. Not used with an `authorizer`.
    pub auth: UrlAuth,
    /// Serve over API Gateway REST (`POST /mcp`) behind this Lambda authorizer instead of a
    /// Function URL: for MCP clients with a token rather than AWS credentials (an agent of
    /// this app then needs `.with_auth(..)` on its [`ToolSource::server`](super::ToolSource::server),
    /// checked). Default: none (the Function URL).
    pub authorizer: Option<LambdaAuthorizer>,
    /// Environment of the function. Default: none.
    pub environment: BTreeMap<String, Value<String>>,
    /// Memory, MB. Default: 256.
    pub memory_mb: u32,
    /// Timeout of one MCP request. Default: 30 s (the agents' default per-request timeout).
    pub timeout: Duration,
    /// Instruction set. Default: x86_64.
    pub architecture: Architecture,
    /// Log retention. Default: 3 months.
    pub log_retention: RetentionDays,
    /// Encryption of the environment, logs (and the orders table). Default: the stack key.
    pub encryption: Encryption,
    /// Browser origins (`https://app.example.com`, exact `scheme://host[:port]`) whose requests
    /// the server answers (`MCP_ALLOWED_ORIGINS`). Requests with any other `Origin` header get
    /// 403 (DNS rebinding, MCP Streamable HTTP "Security Warning"); requests without one
    /// (agents, SDK clients) are always answered. Default: none.
    pub allowed_origins: Vec<String>,
}

impl Default for McpServerProps {
    fn default() -> Self {
        McpServerProps {
            code: Code::handler(Artifact::McpOrders),
            description: "MCP tools".into(),
            auth: UrlAuth::AwsIam,
            authorizer: None,
            environment: BTreeMap::new(),
            memory_mb: 256,
            timeout: Duration::from_secs(30),
            architecture: Architecture::X86_64,
            log_retention: RetentionDays::default(),
            encryption: Encryption::StackKey,
            allowed_origins: Vec::new(),
        }
    }
}

/// An MCP server on Lambda: the function and its front door.
#[derive(Clone, Debug, PartialEq)]
pub struct McpServer {
    /// The function serving MCP.
    pub function: Function,
    /// How clients reach it.
    pub front: McpFront,
}

/// The front door of an [`McpServer`].
#[derive(Clone, Debug, PartialEq)]
pub enum McpFront {
    /// Its Function URL (the MCP endpoint), the default.
    FunctionUrl(FunctionUrl),
    /// A REST API whose `POST /mcp` ([`MCP_REST_PATH`]) takes the Lambda authorizer.
    RestApi(RestApi),
}

impl McpServer {
    /// Declares the function (`Function`) and its URL (`Url`) in `scope` (its own node).
    pub fn new(scope: &mut Scope, props: McpServerProps) -> McpServer {
        if props.code == Code::handler(Artifact::McpOrders) && !props.environment.contains_key(ORDERS_TABLE) {
            scope.error(
                codes::MCP_SERVER_NO_TABLE,
                "the stock mcp-orders server without ORDERS_TABLE",
                "use McpServer::orders(scope, props), which declares the table, or give your own handler in `code`",
            );
        }
        let mut environment = props.environment;
        if !props.allowed_origins.is_empty() {
            check_origins(scope, &props.allowed_origins);
            environment.insert(env::MCP_ALLOWED_ORIGINS.into(), props.allowed_origins.join(",").into());
        }
        let authorizer = props.authorizer.clone();
        let function = Function::new(
            &mut scope.scope("Function"),
            FunctionProps {
                code: props.code,
                description: Some(props.description),
                memory_mb: props.memory_mb,
                timeout: props.timeout,
                architecture: props.architecture,
                environment,
                log_retention: props.log_retention,
                encryption: props.encryption,
                ..Default::default()
            },
        );
        let front = match authorizer {
            None => McpFront::FunctionUrl(function.add_url(scope, FunctionUrlProps { auth: props.auth, ..Default::default() })),
            Some(authorizer) => {
                let api = RestApi::new(
                    &mut scope.scope("Api"),
                    RestApiProps {
                        log_retention: props.log_retention,
                        encryption: props.encryption,
                        description: Some("MCP server".into()),
                        ..Default::default()
                    },
                );
                crate::accepted::NO_STAGE_CACHE.apply(scope.stack(), &api.stage);
                let auth = MethodAuth::Custom(authorizer.attach_rest(scope, &api));
                api.add_lambda_method(scope, LambdaMethod::new(HttpMethod::Post, MCP_REST_PATH, &function, &auth));
                McpFront::RestApi(api)
            }
        };
        McpServer { function, front }
    }

    /// The stock `mcp-orders` server and its orders table (`Orders` in `scope`; key `order_id`,
    /// GSI `by-customer` on `customer_id` sorted by `created_at`). The function may
    /// `GetItem` on the table and `Query` the index, nothing else.
    pub fn orders(scope: &mut Scope, props: McpServerProps) -> (McpServer, Table) {
        let table = Table::new(
            &mut scope.scope("Orders"),
            TableProps {
                partition_key: Attribute::string(ORDER_ID),
                global_secondary_indexes: vec![GlobalSecondaryIndex {
                    name: ORDERS_BY_CUSTOMER.into(),
                    partition_key: Attribute::string(CUSTOMER_ID),
                    sort_key: Some(Attribute::string(CREATED_AT)),
                }],
                encryption: props.encryption,
                ..Default::default()
            },
        );
        let mut environment = props.environment.clone();
        environment.insert(ORDERS_TABLE.into(), table.name().into());
        let server = McpServer::new(scope, McpServerProps { code: Code::handler(Artifact::McpOrders), environment, ..props });
        let stack = scope.stack();
        let f = &server.function;
        iam::grant(stack, f, Statement::allow(actions::DYNAMODB_GET_ITEM, [table.arn()]));
        let index = Expr::sub_with(format!("${{Arn}}/index/{ORDERS_BY_CUSTOMER}"), [("Arn", table.arn())]);
        iam::grant(stack, f, Statement::allow(actions::DYNAMODB_QUERY, [index]));
        table.encryption.grant_key_use(stack, f, actions::KMS_DECRYPT);
        (server, table)
    }

    /// The MCP endpoint: `https://<id>.lambda-url.<region>.on.aws/` (the server answers MCP on
    /// every path), or `https://<api>.execute-api.<region>.amazonaws.com/<stage>/mcp`.
    pub fn url(&self) -> Expr {
        match &self.front {
            McpFront::FunctionUrl(url) => url.url(),
            McpFront::RestApi(api) => api.url_for(MCP_REST_PATH),
        }
    }

    /// The function serving MCP.
    pub fn function(&self) -> &Function {
        &self.function
    }
}

/// Each allowed origin is `scheme://host[:port]` over http(s), without path or trailing slash
/// (what browsers send in `Origin`; the handler fails its init on anything else).
fn check_origins(scope: &mut Scope, origins: &[String]) {
    for o in origins {
        let rest = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
        let valid = rest.is_some_and(|r| !r.is_empty() && !r.contains(['/', ',', ' ', '?', '#']));
        if !valid {
            scope.error(
                codes::MCP_SERVER_ORIGIN,
                format!("allowed origin '{o}' is not an origin"),
                "an origin is scheme://host[:port] with no path, e.g. https://app.example.com",
            );
        }
    }
}
