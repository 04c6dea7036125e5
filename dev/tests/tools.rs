//! Tools over MCP end to end through `dev`: a Sync agent whose one tool source is the stock
//! `mcp-orders` server (`ToolSource::server`) behind an AWS_IAM Function URL. The request
//! handler's MCP client reaches the server through dev's Function URL door (which verifies
//! SigV4), the server reads the order from the table in moto, and the scripted model's final
//! answer quotes what the tool gave.

mod support;

use std::time::Duration;

use agentcdk::prelude::{Access, AgentProps, App, McpServer, McpServerProps, Model, ServerlessAgent, StackProps, ToolSource};
use agentcdk_dev::chat::http;
use agentcdk_dev::FrontDoorKind;
use serde_json::{json, Value};
use support::{python, serve, ModelPeer, TOOL_REPLY_PREFIX};

/// A public Sync agent with the stock order tools (IAM Function URL, the default).
fn app() -> App {
    let mut app = App::new();
    let stack = app.stack("ToolsDev", StackProps::default());
    let (orders, _table) = McpServer::orders(&mut stack.scope("OrderTools"), McpServerProps::default());
    let agent = ServerlessAgent::new(
        &mut stack.scope("Support"),
        AgentProps {
            system_prompt: "You answer questions about orders.".into(),
            tools: vec![ToolSource::server(&orders).allow(["get_order", "list_orders"])],
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
        },
    );
    stack.output("ApiUrl", agent.endpoint().url());
    app
}

/// boto3 against moto: puts one order into the table keyed by `order_id` (the orders table;
/// its name is moto's) and prints that table's name.
const SEED: &str = r#"
import sys, boto3
ddb = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
tables = [t for t in ddb.list_tables()["TableNames"]
          if ddb.describe_table(TableName=t)["Table"]["KeySchema"][0]["AttributeName"] == "order_id"]
assert len(tables) == 1, tables
ddb.put_item(TableName=tables[0], Item={
    "order_id": {"S": "ORD-7731"}, "customer_id": {"S": "cust-42"}, "status": {"S": "shipped"},
    "total_cents": {"N": "12999"}, "currency": {"S": "EUR"}, "created_at": {"S": "2026-11-02T09:30:00Z"},
    "items": {"L": [{"M": {"sku": {"S": "LAMP-9"}, "name": {"S": "Brass desk lamp"}, "quantity": {"N": "1"}}}]}})
print(tables[0])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_agent_calls_the_orders_mcp_server_through_an_iam_function_url() {
    let peer = ModelPeer::tool_user("get_order", json!({"order_id": "ORD-7731"})).await;
    let (dev, _dir) = serve(app(), &peer).await;
    python(SEED, &[dev.moto_endpoint()]).await;

    // The MCP server's door is AWS_IAM: an unsigned request is refused before the function runs.
    let mcp =
        dev.urls().iter().find(|d| d.kind == FrontDoorKind::FunctionUrl && d.logical_id.contains("OrderTools")).expect("the MCP door");
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string().into_bytes();
    let (status, body) = http("POST", &mcp.url, &[("content-type", "application/json".into())], ping).await.expect("POST");
    assert_eq!(status, 403, "unsigned: {}", String::from_utf8_lossy(&body));

    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let headers = [("content-type", "application/json".to_owned())];
    let msg = json!({"message": "Where is my order ORD-7731?"}).to_string().into_bytes();
    let (status, body) =
        tokio::time::timeout(Duration::from_secs(60), http("POST", &chat, &headers, msg)).await.expect("in time").expect("POST");
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert_eq!(status, 200, "{v}");

    let calls = peer.calls.lock().expect("lock").clone();
    assert_eq!(calls.len(), 2, "one tool call, then the answer: {calls:?}");
    let offered: Vec<&str> = calls[0]["tools"].as_array().into_iter().flatten().filter_map(|t| t["function"]["name"].as_str()).collect();
    assert!(offered.contains(&"get_order") && offered.contains(&"list_orders"), "tools/list reached the model: {offered:?}");
    let reply = v["reply"].as_str().expect("a reply");
    assert!(reply.starts_with(TOOL_REPLY_PREFIX), "{reply}");
    let order: Value = serde_json::from_str(&reply[TOOL_REPLY_PREFIX.len()..]).unwrap_or_else(|e| panic!("the tool's JSON ({e}): {reply}"));
    assert_eq!(order["order_id"], "ORD-7731", "{order}");
    assert_eq!(order["status"], "shipped", "read from moto: {order}");
    assert_eq!(order["total_cents"], 12999, "{order}");
    assert_eq!(order["items"][0]["name"], "Brass desk lamp", "{order}");
    let server = dev.function_ids().into_iter().find(|id| id.contains("OrderTools")).expect("the MCP server function");
    assert!(dev.function(&server).and_then(|f| f.last_report()).is_some(), "mcp-orders ran under dev's Runtime API");
    dev.shutdown().await;
}
