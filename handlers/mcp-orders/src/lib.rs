//! mcp-orders: the stock MCP server on Lambda, order lookup over a DynamoDB table.
//!
//! Two tools, served statelessly by [`agentcdk_runtime::mcp::serve`]:
//! - `get_order {order_id}`: one order, or an error result when there is none;
//! - `list_orders {customer_id, status?, limit?}`: a customer's orders through the
//!   [`ORDERS_BY_CUSTOMER`] index (sort key [`CREATED_AT`](agentcdk_contract::mcp::CREATED_AT)), newest first, at most `limit`
//!   (default 10, at most 50); with `status`, pages are read until `limit` orders match or
//!   [`MAX_PAGES`] pages were read.
//!
//! The table ([`ORDERS_TABLE`]) has partition key [`ORDER_ID`] (S); an order item carries
//! `customer_id` (S), `status` (S: pending, paid, shipped, delivered, cancelled),
//! `total_cents` (N), `currency` (S), `created_at` (S, RFC 3339) and `items` (L of M:
//! `sku` S, `name` S, `quantity` N). Tools return the item as a JSON object of those
//! attributes. A DynamoDB failure is an error result with a fixed message (the details,
//! which may name the table's ARN, are logged only).

use std::collections::HashMap;
use std::sync::Arc;

use agentcdk_contract::mcp::{CUSTOMER_ID, ORDERS_BY_CUSTOMER, ORDERS_TABLE, ORDER_ID};
use agentcdk_runtime::agent::{BoxFuture, Tool, ToolError, ToolSpec, Toolbox};
use agentcdk_runtime::config::{self, ConfigError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Map, Number, Value};

/// Order statuses `list_orders` filters on.
pub const STATUSES: [&str; 5] = ["pending", "paid", "shipped", "delivered", "cancelled"];

/// The orders table; cheap to clone.
#[derive(Debug, Clone)]
pub struct Orders {
    ddb: aws_sdk_dynamodb::Client,
    table: Arc<str>,
}

impl Orders {
    /// The table of [`ORDERS_TABLE`].
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(aws_sdk_dynamodb::Client::new(sdk), &config::required(ORDERS_TABLE)?))
    }

    /// Table `table` through `ddb`.
    pub fn new(ddb: aws_sdk_dynamodb::Client, table: &str) -> Self {
        Self { ddb, table: table.into() }
    }

    /// `get_order` and `list_orders` over this table.
    pub fn toolbox(&self) -> Toolbox {
        Toolbox::new().with(GetOrder(self.clone())).with(ListOrders(self.clone()))
    }
}

/// The `get_order` tool.
#[derive(Debug)]
pub struct GetOrder(Orders);

impl Tool for GetOrder {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "get_order".into(),
            description: "Looks up one order by its id: status, total, items and when it was placed.".into(),
            input_schema: json!({"type": "object", "additionalProperties": false, "required": ["order_id"],
                "properties": {"order_id": {"type": "string", "minLength": 1, "maxLength": 64, "description": "The order id, e.g. ORD-1001."}}}),
        }
    }

    fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
        Box::pin(async move {
            let id = input[ORDER_ID].as_str().unwrap_or_default();
            let out =
                self.0.ddb.get_item().table_name(&*self.0.table).key(ORDER_ID, AttributeValue::S(id.into())).send().await.map_err(|e| {
                    tracing::error!(error = %agentcdk_runtime::error::sdk_message(&e), "GetItem failed");
                    ToolError("the orders table could not be read; try again later".into())
                })?;
            match out.item {
                Some(item) => Ok(item_json(&item).to_string()),
                None => Err(ToolError(format!("no order with id {id:?}"))),
            }
        })
    }
}

/// The `list_orders` tool.
#[derive(Debug)]
pub struct ListOrders(Orders);

impl Tool for ListOrders {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "list_orders".into(),
            description: "Lists a customer's orders, newest first, optionally only those with one status.".into(),
            input_schema: json!({"type": "object", "additionalProperties": false, "required": ["customer_id"],
                "properties": {
                    "customer_id": {"type": "string", "minLength": 1, "maxLength": 64},
                    "status": {"type": "string", "enum": STATUSES},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}}}),
        }
    }

    fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
        Box::pin(async move {
            let customer = input[CUSTOMER_ID].as_str().unwrap_or_default();
            let limit = input["limit"].as_u64().unwrap_or(10).clamp(1, 50) as usize;
            let orders = self.0.newest(customer, input["status"].as_str(), limit).await?;
            Ok(json!({"customer_id": customer, "orders": orders}).to_string())
        })
    }
}

/// Query pages `list_orders` reads at most (1 MB each).
pub const MAX_PAGES: usize = 10;

impl Orders {
    /// Up to `limit` orders of `customer`, newest first, only those with `status` if given.
    async fn newest(&self, customer: &str, status: Option<&str>, limit: usize) -> Result<Vec<Value>, ToolError> {
        let mut orders = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        for _ in 0..MAX_PAGES {
            let mut q = self
                .ddb
                .query()
                .table_name(&*self.table)
                .index_name(ORDERS_BY_CUSTOMER)
                .key_condition_expression("#c = :c")
                .expression_attribute_names("#c", CUSTOMER_ID)
                .expression_attribute_values(":c", AttributeValue::S(customer.into()))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take());
            if let Some(status) = status {
                q = q
                    .filter_expression("#s = :s")
                    .expression_attribute_names("#s", "status")
                    .expression_attribute_values(":s", AttributeValue::S(status.into()));
            }
            let out = q.send().await.map_err(|e| {
                tracing::error!(error = %agentcdk_runtime::error::sdk_message(&e), "Query failed");
                ToolError("the orders table could not be read; try again later".into())
            })?;
            orders.extend(out.items().iter().map(item_json));
            start = out.last_evaluated_key;
            if orders.len() >= limit || start.is_none() {
                break;
            }
        }
        orders.truncate(limit);
        Ok(orders)
    }
}

/// A DynamoDB item as plain JSON (numbers as JSON numbers, sets as arrays, binary left out).
pub fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().filter_map(|(k, v)| Some((k.clone(), value_json(v)?))).collect::<Map<_, _>>())
}

fn value_json(v: &AttributeValue) -> Option<Value> {
    Some(match v {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number(n),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::L(l) => Value::Array(l.iter().filter_map(value_json).collect()),
        AttributeValue::M(m) => item_json(m),
        AttributeValue::Ss(s) => json!(s),
        AttributeValue::Ns(ns) => Value::Array(ns.iter().map(|n| number(n)).collect()),
        _ => return None,
    })
}

fn number(n: &str) -> Value {
    n.parse::<i64>()
        .map(Value::from)
        .ok()
        .or_else(|| n.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number))
        .unwrap_or_else(|| Value::String(n.into()))
}

#[cfg(test)]
mod tests {
    use agentcdk_runtime::mcp::{McpServer, ServerInfo};

    /// The server compiles input schemas on a tool's first call, not at init: this is where a
    /// broken schema of ours is caught instead.
    #[test]
    fn every_tools_input_schema_compiles() {
        let orders = super::Orders::new(aws_sdk_dynamodb::Client::new(&agentcdk_runtime::aws::from_env()), "orders");
        let server = McpServer::new(orders.toolbox(), ServerInfo { name: "mcp-orders".into(), version: "0".into() });
        server.check_schemas().expect("get_order's and list_orders' input schemas compile");
    }
}
