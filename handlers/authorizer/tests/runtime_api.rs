//! The built authorizer binary, driven through the Lambda Runtime API.

use std::path::Path;
use std::time::Duration;

use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::keys::{jwks, now, TestKey};
use agentcdk_testkit::runtime_api::{Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

#[test]
fn authorizer_binary_over_the_runtime_api() {
    let key = TestKey::rsa("k1");
    let doc = jwks(&[&key]);
    let jwks_server = HttpServer::start(move |_| HttpResponse::json(200, &doc));
    let api = RuntimeApi::start();
    let env: Vec<(String, String)> = [
        ("JWKS_URL", format!("{}/jwks.json", jwks_server.url())),
        ("JWT_ISSUER", "https://issuer.test/".into()),
        ("JWT_AUDIENCE", "api".into()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_authorizer")), &api, &env);
    let token = key.sign(&json!({"sub": "u-1", "iss": "https://issuer.test/", "aud": "api",
                                 "exp": now() + 300}));
    let event = |t: &str| {
        json!({"type": "TOKEN", "authorizationToken": format!("Bearer {t}"),
               "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/chat"})
    };
    match api.invoke(event(&token), Duration::from_secs(30)) {
        Outcome::Response(v) => {
            assert_eq!(v["principalId"], "u-1");
            assert_eq!(v["policyDocument"]["Statement"][0]["Effect"], "Allow");
        }
        other => panic!("{other:?}"),
    }
    let forged = format!("{}x", &token[..token.len() - 1]);
    match api.invoke(event(&forged), Duration::from_secs(30)) {
        Outcome::Error(v) => assert_eq!(v["errorMessage"], "Unauthorized", "{v}"),
        other => panic!("{other:?}"),
    }
    let logs = f.stop();
    assert!(!logs.contains(&token[20..60]), "tokens never appear in logs:\n{logs}");
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let during: Vec<&Value> = lines.iter().filter(|l| l["message"] == "allowed" || l["message"] == "denied: unauthorized").collect();
    assert_eq!(during.len(), 2, "{logs}");
    assert_eq!(during[0]["requestId"], "req-0001");
    assert_eq!(during[1]["requestId"], "req-0002");
}
