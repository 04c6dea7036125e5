//! `McpServer`: tools served as a stateless MCP server (Streamable HTTP) from a Lambda function
//! behind its Function URL, for agents of this app ([`ToolSource::server`](super::ToolSource::server))
//! or any MCP client. The handler is built on `agentcdk_runtime::mcp::serve`; the stock one,
//! `mcp-orders`, answers order lookups over a DynamoDB table ([`McpServer::orders`]).

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::artifacts::Artifact;
use agentcdk_contract::mcp::{CREATED_AT, CUSTOMER_ID, ORDERS_BY_CUSTOMER, ORDERS_TABLE, ORDER_ID};
use agentcdk_synth::prelude::*;

use crate::codes;
use crate::dynamodb::{Attribute, GlobalSecondaryIndex, Table, TableProps};
use crate::function_url::{FunctionUrl, FunctionUrlProps, UrlAuth};
use crate::iam::{self, actions, Statement};
use crate::kms::Encryption;
use crate::lambda::{Code, Function, FunctionProps};
use crate::logs::RetentionDays;

/// Props of an [`McpServer`].
#[derive(Clone, Debug, PartialEq)]
pub struct McpServerProps {
    /// The server's handler. Default: the stock `mcp-orders` (which needs its table: use
    /// [`McpServer::orders`]; checked).
    pub code: Code,
    /// Shown in the console. Default: "MCP tools".
    pub description: String,
    /// Who may call the URL. Default: IAM principals (SigV4); `UrlAuth::None` only for servers
    /// that authenticate each request themselves.
    pub auth: UrlAuth,
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
}

impl Default for McpServerProps {
    fn default() -> Self {
        McpServerProps {
            code: Code::handler(Artifact::McpOrders),
            description: "MCP tools".into(),
            auth: UrlAuth::AwsIam,
            environment: BTreeMap::new(),
            memory_mb: 256,
            timeout: Duration::from_secs(30),
            architecture: Architecture::X86_64,
            log_retention: RetentionDays::default(),
            encryption: Encryption::StackKey,
        }
    }
}

/// An MCP server on Lambda: the function and its Function URL.
#[derive(Clone, Debug, PartialEq)]
pub struct McpServer {
    /// The function serving MCP.
    pub function: Function,
    /// Its URL (the MCP endpoint).
    pub url: FunctionUrl,
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
        let function = Function::new(
            &mut scope.scope("Function"),
            FunctionProps {
                code: props.code,
                description: Some(props.description),
                memory_mb: props.memory_mb,
                timeout: props.timeout,
                architecture: props.architecture,
                environment: props.environment,
                log_retention: props.log_retention,
                encryption: props.encryption,
                ..Default::default()
            },
        );
        let url = function.add_url(scope, FunctionUrlProps { auth: props.auth, ..Default::default() });
        McpServer { function, url }
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
    /// every path).
    pub fn url(&self) -> Expr {
        self.url.url()
    }

    /// The function serving MCP.
    pub fn function(&self) -> &Function {
        &self.function
    }
}
