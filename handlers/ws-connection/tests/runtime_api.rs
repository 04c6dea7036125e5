//! The built ws-connection binary, driven through the Lambda Runtime API, against moto.

use std::path::Path;
use std::time::Duration;

use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::keys::{jwks, now, TestKey};
use agentcdk_testkit::moto::{self, Moto};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_connection_binary_over_the_runtime_api() {
    let moto = Moto::start();
    let ddb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    moto::create_connections_table(&ddb, "connections").await;
    let key = TestKey::ec("k1");
    let doc = jwks(&[&key]);
    let jwks_server = HttpServer::start(move |_| HttpResponse::json(200, &doc));
    let api = RuntimeApi::start();
    let mut env = moto.env();
    for (k, v) in [
        ("JWKS_URL", jwks_server.url()),
        ("JWT_ISSUER", "https://issuer.test/".into()),
        ("JWT_AUDIENCE", "api".into()),
        ("JWT_USER_ID_CLAIM", "userId".into()),
        ("CONNECTIONS_TABLE", "connections".into()),
    ] {
        env.push((k.into(), v));
    }
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_ws-connection")), &api, &env);
    let token = key.sign(&json!({"sub": "s", "userId": "user-7", "iss": "https://issuer.test/",
                                 "aud": "api", "exp": now() + 300}));
    let mut connect = agentcdk_testkit::events::Fixture::WebSocket.json();
    connect["requestContext"]["routeKey"] = json!("$connect");
    connect["headers"]["Sec-WebSocket-Protocol"] = json!(format!("agent-v1, {token}"));
    let out = api.invoke(connect.clone(), Duration::from_secs(30));
    assert_eq!(out, Outcome::Response(json!({"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "agent-v1"}})));
    let conn_id = connect["requestContext"]["connectionId"].as_str().expect("id");
    let item = ddb
        .get_item()
        .table_name("connections")
        .key("connection_id", aws_sdk_dynamodb::types::AttributeValue::S(conn_id.into()))
        .send()
        .await
        .expect("GetItem")
        .item
        .expect("stored");
    assert_eq!(item["user_id"].as_s().ok().map(String::as_str), Some("user-7"));
    drop(f);
}
