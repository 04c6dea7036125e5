//! The `MCP_SERVERS` contract read from the environment (one test: it sets process
//! variables): secrets come from Secrets Manager (moto) through the real SDK client, and a
//! malformed value fails the init naming the variable.

use agentcdk_contract::env::MCP_SERVERS;
use agentcdk_runtime::agent::ToolProvider;
use agentcdk_runtime::config::ConfigError;
use agentcdk_runtime::mcp::sources_from_env;
use agentcdk_testkit::http::{HttpRequest, HttpResponse, HttpServer};
use agentcdk_testkit::moto::Moto;
use serde_json::json;

/// A stateless JSON MCP peer with one tool, `echo`.
fn peer() -> HttpServer {
    HttpServer::start(|req: &HttpRequest| {
        let msg = req.json();
        let result = match msg["method"].as_str() {
            Some("initialize") => {
                json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": {"name": "p", "version": "1"}})
            }
            Some("tools/list") => json!({"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}),
            _ => return HttpResponse::json(202, &serde_json::Value::Null),
        };
        HttpResponse::json(200, &json!({"jsonrpc": "2.0", "id": msg["id"], "result": result}))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_come_from_the_environment_with_their_secrets() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let secret_arn = aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name("mcp-token")
        .secret_string("tok-from-secrets-manager")
        .send()
        .await
        .expect("create secret")
        .arn
        .expect("arn");
    let server = peer();
    std::env::set_var(MCP_SERVERS, json!([{"url": server.url(), "auth": {"type": "bearer", "secret_arn": secret_arn}}]).to_string());
    let sources = sources_from_env(&sdk).await.expect("sources");
    assert!(server.requests().is_empty(), "reading the environment connects to nothing");
    let tools = sources[0].tools().await.expect("tools");
    assert_eq!(tools[0].spec().name, "echo");
    assert!(server.requests().iter().all(|r| r.header("authorization") == Some("Bearer tok-from-secrets-manager")));

    std::env::set_var(MCP_SERVERS, json!([{"url": server.url(), "auth": {"type": "bearer", "secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent"}}]).to_string());
    assert!(
        matches!(sources_from_env(&sdk).await, Err(ConfigError::Invalid { name: MCP_SERVERS, .. })),
        "an unreadable secret fails the init"
    );
    std::env::set_var(MCP_SERVERS, r#"[{"url": "u", "auth": {"type": "basic"}}]"#);
    let err = sources_from_env(&sdk).await.expect_err("unknown auth type");
    assert!(err.to_string().contains("MCP_SERVERS"), "{err}");
    std::env::remove_var(MCP_SERVERS);
    assert!(sources_from_env(&sdk).await.expect("unset").is_empty());
}
