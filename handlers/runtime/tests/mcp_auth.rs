//! The MCP client's transport details against a scripted JSON peer (answers as
//! `application/json`, as a stateless server may): the headers each auth kind sends (bearer,
//! OAuth 2.0 client credentials with a cached token, SigV4 verified with `aws-sigv4`), the
//! session id and protocol version headers, and re-initialization after a 404.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agentcdk_runtime::mcp::{McpAuth, McpClient, McpError, OAuthClient};
use agentcdk_runtime::secret::Secret;
use agentcdk_testkit::http::{HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// A JSON-answering MCP peer: session `s-<n>` per initialize; a request whose session is not
/// the current one gets 404 (the server forgot it).
fn json_peer() -> (HttpServer, Arc<AtomicUsize>) {
    let sessions = Arc::new(AtomicUsize::new(0));
    let s = sessions.clone();
    let server = HttpServer::start(move |req: &HttpRequest| {
        let msg = req.json();
        let current = format!("s-{}", s.load(Ordering::SeqCst));
        match msg["method"].as_str() {
            Some("initialize") => {
                let n = s.fetch_add(1, Ordering::SeqCst) + 1;
                HttpResponse::json(
                    200,
                    &json!({"jsonrpc": "2.0", "id": msg["id"], "result": {"protocolVersion": "2025-06-18",
                    "capabilities": {"tools": {}}, "serverInfo": {"name": "peer", "version": "1"}}}),
                )
                .with_header("mcp-session-id", &format!("s-{n}"))
            }
            _ if req.header("mcp-session-id") != Some(current.as_str()) => HttpResponse::json(404, &json!({})),
            Some("notifications/initialized") => HttpResponse::json(202, &Value::Null),
            Some("tools/list") => HttpResponse::json(
                200,
                &json!({"jsonrpc": "2.0", "id": msg["id"], "result": {"tools": [
                {"name": "echo", "inputSchema": {"type": "object"}}]}}),
            ),
            _ => HttpResponse::json(
                200,
                &json!({"jsonrpc": "2.0", "id": msg["id"], "result": {"content": [{"type": "text", "text": "ok"}]}}),
            ),
        }
    });
    (server, sessions)
}

#[tokio::test]
async fn bearer_tokens_session_ids_and_versions_go_on_every_request() {
    let (peer, _) = json_peer();
    let client = McpClient::new(peer.url(), McpAuth::Bearer(Secret::new("tok-1")), Duration::from_secs(5));
    client.call_tool("echo", json!({})).await.expect("call");
    let reqs = peer.requests();
    let methods: Vec<Value> = reqs.iter().map(|r| r.json()["method"].clone()).collect();
    assert_eq!(methods, [json!("initialize"), json!("notifications/initialized"), json!("tools/call")]);
    assert!(reqs.iter().all(|r| r.header("authorization") == Some("Bearer tok-1")));
    assert!(reqs.iter().all(|r| r.header("accept") == Some("application/json, text/event-stream")));
    assert_eq!(reqs[0].header("mcp-session-id"), None);
    assert_eq!(reqs[0].json()["params"]["protocolVersion"], "2025-11-25");
    for r in &reqs[1..] {
        assert_eq!(r.header("mcp-session-id"), Some("s-1"));
        assert_eq!(r.header("mcp-protocol-version"), Some("2025-06-18"), "the negotiated version");
    }
    assert!(!format!("{client:?}").contains("tok-1"), "Debug never shows the token");
}

#[tokio::test]
async fn an_expired_session_is_renewed_once() {
    let (peer, sessions) = json_peer();
    let client = McpClient::new(peer.url(), McpAuth::None, Duration::from_secs(5));
    client.call_tool("echo", json!({})).await.expect("first");
    sessions.fetch_add(1, Ordering::SeqCst); // the server forgets s-1: it answers 404 to it
    client.call_tool("echo", json!({})).await.expect("renewed and repeated");
    let methods: Vec<String> = peer.requests().iter().map(|r| r.json()["method"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(
        methods,
        ["initialize", "notifications/initialized", "tools/call", "tools/call", "initialize", "notifications/initialized", "tools/call"]
    );
}

#[tokio::test]
async fn oauth_tokens_are_fetched_once_and_sent_as_bearer() {
    let token_hits = Arc::new(AtomicUsize::new(0));
    let hits = token_hits.clone();
    let idp = HttpServer::start(move |req: &HttpRequest| {
        hits.fetch_add(1, Ordering::SeqCst);
        // client_secret_basic: base64("app:s3cret")
        if req.header("authorization") != Some("Basic YXBwOnMzY3JldA==") {
            return HttpResponse::json(401, &json!({"error": "invalid_client"}));
        }
        assert_eq!(String::from_utf8_lossy(&req.body), "grant_type=client_credentials&scope=tools%2Fread");
        HttpResponse::json(200, &json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}))
    });
    let (peer, _) = json_peer();
    let oauth = OAuthClient::new(idp.url(), "app", Secret::new("s3cret"), Some("tools/read".into()));
    let client = McpClient::new(peer.url(), McpAuth::OAuth(oauth), Duration::from_secs(5));
    client.call_tool("echo", json!({})).await.expect("call");
    client.call_tool("echo", json!({})).await.expect("call");
    assert_eq!(token_hits.load(Ordering::SeqCst), 1, "the token is cached until it expires");
    assert!(peer.requests().iter().all(|r| r.header("authorization") == Some("Bearer at-1")));

    let refused =
        McpClient::new(peer.url(), McpAuth::OAuth(OAuthClient::new(idp.url(), "app", Secret::new("wrong"), None)), Duration::from_secs(5));
    assert!(matches!(refused.list_tools().await, Err(McpError::Auth(m)) if m.contains("401")));
}

#[tokio::test]
async fn sigv4_signs_for_agentcore_gateway() {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    let (peer, _) = json_peer();
    let creds = aws_credential_types::Credentials::new("AKIDTEST", "secret", None, None, "test");
    let auth = McpAuth::SigV4 {
        service: "bedrock-agentcore".into(),
        region: "eu-west-1".into(),
        credentials: aws_credential_types::provider::SharedCredentialsProvider::new(creds.clone()),
    };
    McpClient::new(peer.url(), auth, Duration::from_secs(5)).list_tools().await.expect("list");
    for r in peer.requests() {
        let header = r.header("authorization").expect("signed");
        assert!(header.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"), "{header}");
        assert!(header.contains("/eu-west-1/bedrock-agentcore/aws4_request"), "{header}");
        // Re-sign what arrived at the signing time it carries: the signatures match.
        let signed: Vec<&str> =
            header.split("SignedHeaders=").nth(1).expect("signed headers").split(',').next().expect("list").split(';').collect();
        let headers: Vec<(&str, &str)> =
            r.headers.iter().filter(|(k, _)| signed.contains(&k.as_str())).map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let amz = r.header("x-amz-date").expect("x-amz-date");
        let time = time_of(amz);
        let identity = creds.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("eu-west-1")
            .name("bedrock-agentcore")
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .expect("params")
            .into();
        let url = format!("{}{}", peer.url(), r.path);
        let signable = SignableRequest::new("POST", &url, headers.into_iter(), SignableBody::Bytes(&r.body)).expect("signable");
        let (_, expected) = sign(signable, &params).expect("sign").into_parts();
        assert!(header.ends_with(&format!("Signature={expected}")), "{header} vs {expected}");
    }
}

/// `20260102T030405Z` as a time.
fn time_of(s: &str) -> std::time::SystemTime {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0, 4), n(4, 6), n(6, 8));
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let secs = days * 86_400 + n(9, 11) * 3600 + n(11, 13) * 60 + n(13, 15);
    std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).expect("after 1970"))
}
