//! `mcp::serve` refuses requests from browser origins it was not told about (DNS rebinding,
//! MCP 2025-11-25 Streamable HTTP "Security Warning"): 403 with a JSON-RPC error and no id;
//! requests without `Origin` (servers, SDK clients) and from allowed origins are answered.
#![cfg(feature = "mcp-server")]

use agentcdk_runtime::agent::Toolbox;
use agentcdk_runtime::mcp::{allowed_origins_from_env, McpServer, ServerInfo};
use agentcdk_testkit::events::function_url;
use serde_json::{json, Value};

fn server() -> McpServer {
    McpServer::new(Toolbox::new(), ServerInfo { name: "t".into(), version: "0".into() })
}

const LIST: &str = r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}"#;

async fn ask(server: &McpServer, origin: Option<&str>) -> (u64, Value) {
    let mut headers = json!({"content-type": "application/json"});
    if let Some(o) = origin {
        headers["origin"] = json!(o);
    }
    let answer = server.handle(function_url("POST", headers, LIST)).await;
    let body = serde_json::from_str(answer["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
    (answer["statusCode"].as_u64().unwrap_or(0), body)
}

#[tokio::test]
async fn origins_not_allowed_are_refused_with_403() {
    let default = server();
    let (status, body) = ask(&default, Some("http://evil.example")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], -32600, "{body}");
    assert_eq!(body["id"], Value::Null, "a JSON-RPC error without id: {body}");
    assert!(body.get("result").is_none());
    assert_eq!(ask(&default, None).await.0, 200, "no Origin: a server or SDK client");

    let allowing = server().with_allowed_origins(["https://app.example.com"]);
    assert_eq!(ask(&allowing, Some("https://app.example.com")).await.0, 200);
    assert_eq!(ask(&allowing, Some("HTTPS://App.Example.com/")).await.0, 200, "origins compare case-insensitively");
    for other in ["https://app.example.com.evil.example", "http://app.example.com", "null", "https://app.example.com:8443"] {
        assert_eq!(ask(&allowing, Some(other)).await.0, 403, "{other}");
    }
}

#[test]
fn the_allowed_origins_come_from_the_environment() {
    std::env::set_var("MCP_ALLOWED_ORIGINS", "https://app.example.com, http://localhost:3000");
    assert_eq!(allowed_origins_from_env().expect("valid"), ["https://app.example.com", "http://localhost:3000"]);
    for bad in ["https://app.example.com/mcp", "app.example.com", "ftp://x.example", "https://a.example/"] {
        std::env::set_var("MCP_ALLOWED_ORIGINS", bad);
        assert!(allowed_origins_from_env().is_err(), "{bad}");
    }
    std::env::remove_var("MCP_ALLOWED_ORIGINS");
    assert!(allowed_origins_from_env().expect("unset").is_empty());
}
