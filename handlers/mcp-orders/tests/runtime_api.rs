//! mcp-orders driven through the Lambda Runtime API, its orders table in moto: the JSON-RPC
//! answers for every kind of message (Function URL and REST events), and the official MCP
//! Python SDK's client listing and calling its tools over HTTP (a thin HTTP → Runtime API
//! bridge turns each POST into a Function URL event, as Lambda's front door does).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use agentcdk_contract::mcp::{CREATED_AT, CUSTOMER_ID, ORDERS_BY_CUSTOMER, ORDERS_TABLE, ORDER_ID};
use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::moto::Moto;
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType,
};
use serde_json::{json, Value};

const T: Duration = Duration::from_secs(60);
const TABLE: &str = "orders";

async fn create_orders(sdk: &aws_config::SdkConfig) {
    let ddb = aws_sdk_dynamodb::Client::new(sdk);
    let attr = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().expect("attr");
    let key = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build().expect("key");
    let gsi = GlobalSecondaryIndex::builder()
        .index_name(ORDERS_BY_CUSTOMER)
        .key_schema(key(CUSTOMER_ID, KeyType::Hash))
        .key_schema(key(CREATED_AT, KeyType::Range))
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .expect("gsi");
    ddb.create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(ORDER_ID))
        .attribute_definitions(attr(CUSTOMER_ID))
        .attribute_definitions(attr(CREATED_AT))
        .key_schema(key(ORDER_ID, KeyType::Hash))
        .global_secondary_indexes(gsi)
        .send()
        .await
        .expect("create table");
    for (id, customer, status, cents, at) in [
        ("ORD-1001", "C-1", "shipped", "4599", "2026-03-02T10:00:00Z"),
        ("ORD-1002", "C-1", "pending", "1200", "2026-03-05T09:30:00Z"),
        ("ORD-1003", "C-1", "shipped", "800", "2026-03-07T18:15:00Z"),
        ("ORD-2001", "C-2", "delivered", "9900", "2026-02-11T08:00:00Z"),
    ] {
        let item = AttributeValue::M(
            [("sku".into(), AttributeValue::S("SKU-7".into())), ("quantity".into(), AttributeValue::N("2".into()))].into(),
        );
        ddb.put_item()
            .table_name(TABLE)
            .item(ORDER_ID, AttributeValue::S(id.into()))
            .item(CUSTOMER_ID, AttributeValue::S(customer.into()))
            .item("status", AttributeValue::S(status.into()))
            .item("total_cents", AttributeValue::N(cents.into()))
            .item("currency", AttributeValue::S("EUR".into()))
            .item(CREATED_AT, AttributeValue::S(at.into()))
            .item("items", AttributeValue::L(vec![item]))
            .send()
            .await
            .expect("put order");
    }
}

struct Setup {
    _moto: Moto,
    api: Arc<RuntimeApi>,
    _f: Function,
}

async fn start() -> Setup {
    let moto = Moto::start();
    create_orders(&moto.sdk_config().await).await;
    let api = Arc::new(RuntimeApi::start());
    let mut env = moto.env();
    env.push((ORDERS_TABLE.into(), TABLE.into()));
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_mcp-orders")), &api, &env);
    Setup { _moto: moto, api, _f: f }
}

/// A Function URL event (payload v2) with `headers` and `body`.
fn function_url(method: &str, headers: Value, body: &str) -> Value {
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/mcp", "rawQueryString": "", "headers": headers,
        "requestContext": {"accountId": "123456789012", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abc", "requestId": "r", "routeKey": "$default", "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0,
            "http": {"method": method, "path": "/mcp", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"}},
        "body": body, "isBase64Encoded": false
    })
}

/// An API Gateway REST proxy event (payload v1).
fn rest(body: &str) -> Value {
    json!({"resource": "/mcp", "httpMethod": "POST", "path": "/mcp", "headers": {"Content-Type": "application/json"},
           "requestContext": {"httpMethod": "POST", "stage": "prod", "requestId": "r"}, "body": body, "isBase64Encoded": false})
}

/// `(status, body as JSON or Null)` of the function's answer to `event`.
fn invoke(api: &RuntimeApi, event: Value) -> (u64, Value) {
    let Outcome::Response(r) = api.invoke(event, T) else { panic!("not a buffered response") };
    let body = r["body"].as_str().unwrap_or_default();
    (r["statusCode"].as_u64().expect("statusCode"), serde_json::from_str(body).unwrap_or(Value::Null))
}

fn post(api: &RuntimeApi, msg: Value) -> (u64, Value) {
    invoke(api, function_url("POST", json!({"content-type": "application/json"}), &msg.to_string()))
}

fn call(api: &RuntimeApi, name: &str, args: Value) -> Value {
    let (status, body) = post(api, json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": args}}));
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn every_message_gets_its_answer_and_bad_input_never_crashes() {
    let s = start().await;
    let api = &s.api;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let (status, body) = post(api, init);
    assert_eq!(status, 200);
    assert_eq!(body["result"]["protocolVersion"], "2025-06-18", "a version we support is echoed");
    assert_eq!(body["result"]["serverInfo"]["name"], "mcp-orders");
    assert!(body["result"]["capabilities"]["tools"].is_object());
    let (status, _) = post(api, json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    assert_eq!(status, 202);

    let (_, list) = invoke(api, rest(&json!({"jsonrpc": "2.0", "id": "l", "method": "tools/list"}).to_string()));
    assert_eq!(list["id"], "l");
    let names: Vec<&str> = list["result"]["tools"].as_array().expect("tools").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["get_order", "list_orders"]);

    let found = call(api, "get_order", json!({"order_id": "ORD-1001"}));
    assert_eq!(found["result"]["isError"], false);
    assert_eq!(found["result"]["structuredContent"]["total_cents"], 4599);
    assert_eq!(found["result"]["structuredContent"]["items"], json!([{"sku": "SKU-7", "quantity": 2}]));
    let missing = call(api, "get_order", json!({"order_id": "ORD-404"}));
    assert_eq!(missing["result"]["isError"], true);
    assert_eq!(missing["result"]["content"][0]["text"], "no order with id \"ORD-404\"");
    let newest = call(api, "list_orders", json!({"customer_id": "C-1", "limit": 1}));
    assert_eq!(newest["result"]["structuredContent"]["orders"][0][ORDER_ID], "ORD-1003", "{newest}");
    assert_eq!(newest["result"]["structuredContent"]["orders"].as_array().map(Vec::len), Some(1));
    for bad in [json!({}), json!({"order_id": 7}), json!({"order_id": "A", "extra": 1}), json!("ORD-1")] {
        let r = call(api, "get_order", bad.clone());
        assert_eq!(r["result"]["isError"], true, "{bad}: {r}");
        assert!(r["result"]["content"][0]["text"].as_str().expect("text").starts_with("invalid arguments for get_order"), "{r}");
    }

    let unknown_tool = call(api, "drop_table", json!({}));
    assert_eq!(unknown_tool["error"]["code"], -32602);
    let (status, unknown) = post(api, json!({"jsonrpc": "2.0", "id": 3, "method": "resources/list"}));
    assert_eq!((status, unknown["error"]["code"].clone(), unknown["id"].clone()), (200, json!(-32601), json!(3)));
    let (status, garbled) = invoke(api, function_url("POST", json!({}), "{not json"));
    assert_eq!((status, garbled["error"]["code"].clone(), garbled["id"].clone()), (400, json!(-32700), Value::Null));
    let (status, batch) = invoke(api, function_url("POST", json!({}), r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#));
    assert_eq!((status, batch["error"]["code"].clone()), (400, json!(-32600)));
    let (status, _) = invoke(api, function_url("GET", json!({"accept": "text/event-stream"}), ""));
    assert_eq!(status, 405);
    let (status, _) =
        invoke(api, function_url("POST", json!({"mcp-protocol-version": "1999-01-01"}), r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#));
    assert_eq!(status, 400);

    // Still the same healthy process after all of that.
    let (_, pong) = post(api, json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}));
    assert_eq!(pong["result"], json!({}));
}

/// An HTTP server that hands each request to the function as a Function URL event and sends
/// its proxy response back.
fn bridge(api: Arc<RuntimeApi>) -> HttpServer {
    HttpServer::start(move |req| {
        let headers: serde_json::Map<String, Value> = req.headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let event = function_url(&req.method, Value::Object(headers), &String::from_utf8_lossy(&req.body));
        let Outcome::Response(r) = api.invoke(event, T) else { return HttpResponse::json(502, &json!({"error": "not buffered"})) };
        let mut out = HttpResponse::json(r["statusCode"].as_u64().unwrap_or(502) as u16, &Value::Null);
        out.headers = r["headers"]
            .as_object()
            .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
            .unwrap_or_default();
        out.body = r["body"].as_str().unwrap_or_default().as_bytes().to_vec();
        out
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_python_sdk_client_lists_and_calls_our_tools() {
    let s = start().await;
    let http = bridge(s.api.clone());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sdk_client.py");
    let out = Command::new(agentcdk_testkit::venv_tool("python"))
        .args([script, &format!("{}/mcp", http.url())])
        .output()
        .expect("run the SDK client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "SDK client failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let seen: Value = serde_json::from_str(stdout.trim()).expect("one JSON line");

    assert_eq!(seen["tools"], json!(["get_order", "list_orders"]));
    assert_eq!(seen["schemas"]["list_orders"]["properties"]["status"]["enum"][2], "shipped");
    assert_eq!(seen["get_order"]["is_error"], false);
    assert_eq!(seen["get_order"]["structured"]["status"], "shipped");
    assert_eq!(seen["missing"]["is_error"], true);
    assert_eq!(seen["missing"]["text"], "no order with id \"ORD-404\"");
    let shipped: Vec<&str> =
        seen["list_orders"]["structured"]["orders"].as_array().expect("orders").iter().filter_map(|o| o[ORDER_ID].as_str()).collect();
    assert_eq!(shipped, ["ORD-1003", "ORD-1001"], "shipped orders of C-1, newest first");
    assert_eq!(seen["invalid"]["is_error"], true, "{}", seen["invalid"]);
    let invalid = seen["invalid"]["text"].as_str().expect("text");
    assert!(invalid.starts_with("invalid arguments for list_orders") && invalid.contains("limit"), "our server refused it: {invalid}");
}
