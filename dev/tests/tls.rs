//! `cargo agentcdk chat` over TLS, as against a deployed stack: a local HTTPS chat route and a
//! `wss://` stage on 127.0.0.1 with a certificate from a test CA (`tests/fixtures/tls`), trusted
//! through `--ca-cert`. Real TLS on both sides (rustls client and server, real handshakes and
//! certificate verification); without the CA the client must refuse the server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request as WsRequest, Response as WsResponse};
use tokio_tungstenite::tungstenite::Message;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

fn acceptor() -> tokio_rustls::TlsAcceptor {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixture("server.pem")).expect("server.pem").collect::<Result<_, _>>().expect("certs");
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("server.key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// What the server saw: the `Authorization` header (REST) or subprotocol (WebSocket), and the body.
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// An HTTPS chat route answering like the REST Sync route: `{"reply": "over TLS: <message>"}`.
async fn https_route(seen: Seen) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tls = acceptor();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (tls, seen) = (tls.clone(), seen.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to serve.
                let Ok(stream) = tls.accept(tcp).await else { return };
                let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let seen = seen.clone();
                    async move {
                        let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                        let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                        let reply = json!({"reply": format!("over TLS: {}", v["message"].as_str().unwrap_or_default())});
                        seen.lock().expect("lock").push((auth, v));
                        let resp =
                            Response::builder().header("content-type", "application/json").body(Full::new(Bytes::from(reply.to_string())));
                        Ok::<_, std::convert::Infallible>(resp.expect("response"))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    addr
}

/// A `wss://` stage: the token comes in `Sec-WebSocket-Protocol` (echoed, as API Gateway's
/// `$connect` does), the message gets one reply frame like the WebSocket agent's.
async fn wss_stage(seen: Seen) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tls = acceptor();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (tls, seen) = (tls.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(stream) = tls.accept(tcp).await else { return };
                let protocol = Arc::new(Mutex::new(String::new()));
                let p = protocol.clone();
                // The signature is tungstenite's `Callback` (its error type is an HTTP response).
                #[allow(clippy::result_large_err)]
                let echo = move |req: &WsRequest, mut resp: WsResponse| -> Result<WsResponse, ErrorResponse> {
                    if let Some(v) = req.headers().get("sec-websocket-protocol") {
                        *p.lock().expect("lock") = v.to_str().unwrap_or_default().to_owned();
                        resp.headers_mut().insert("sec-websocket-protocol", v.clone());
                    }
                    Ok(resp)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, echo).await else { return };
                while let Some(Ok(Message::Text(t))) = ws.next().await {
                    let v: Value = serde_json::from_str(&t).unwrap_or_default();
                    let reply = json!({"type": "reply", "reply": format!("over wss: {}", v["message"].as_str().unwrap_or_default()), "part": 1, "parts": 1});
                    seen.lock().expect("lock").push((protocol.lock().expect("lock").clone(), v));
                    let _ = ws.send(Message::Text(reply.to_string().into())).await;
                }
            });
        }
    });
    addr
}

fn args(url: &str, extra: &[&str]) -> agentcdk_dev::chat::ChatArgs {
    let mut argv = vec!["chat", "Is my invoice paid?", "--url", url, "--token", "t0k"];
    argv.extend_from_slice(extra);
    let mut a = <agentcdk_dev::chat::ChatArgs as clap::Parser>::try_parse_from(argv).expect("args");
    a.out = PathBuf::from("/nonexistent/no-running-dev");
    a
}

#[tokio::test]
async fn a_rest_sync_turn_over_https_trusts_the_given_ca_and_nothing_else() {
    let seen = Seen::default();
    let addr = https_route(seen.clone()).await;
    let url = format!("https://{addr}/prod/api/v1/chat");
    let ca = fixture("ca.pem");

    let refused = agentcdk_dev::chat::chat(args(&url, &[])).await.expect_err("an unknown CA is refused");
    assert!(refused.to_string().contains("certificate"), "the error names the certificate problem: {refused}");
    assert!(seen.lock().expect("lock").is_empty(), "nothing was sent to an untrusted server");

    let reply = agentcdk_dev::chat::chat(args(&url, &["--ca-cert", ca.to_str().expect("utf-8")])).await.expect("chat over https");
    assert_eq!(reply, "over TLS: Is my invoice paid?");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "Bearer t0k", "the token went in the Authorization header");
    assert_eq!(seen[0].1["message"], "Is my invoice paid?");
}

#[tokio::test]
async fn a_websocket_turn_over_wss_carries_the_token_in_the_subprotocol() {
    let seen = Seen::default();
    let addr = wss_stage(seen.clone()).await;
    // `localhost` (a DNS name in the certificate) rather than the IP: name verification too.
    let url = format!("wss://localhost:{}/prod", addr.port());
    let ca = fixture("ca.pem");
    let reply = agentcdk_dev::chat::chat(args(&url, &["--ca-cert", ca.to_str().expect("utf-8")])).await.expect("chat over wss");
    assert_eq!(reply, "over wss: Is my invoice paid?");
    assert_eq!(seen.lock().expect("lock")[0].0, "t0k");

    let refused = agentcdk_dev::chat::chat(args(&url, &[])).await.expect_err("an unknown CA is refused");
    assert!(refused.to_string().contains("TLS"), "{refused}");
}

#[test]
fn a_ca_file_without_certificates_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").expect("write");
    let err = agentcdk_dev::chat::tls_config(Some(&empty)).expect_err("no certificate");
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
    let missing = agentcdk_dev::chat::tls_config(Some(&dir.path().join("missing.pem"))).expect_err("missing file");
    assert!(missing.to_string().contains("missing.pem"), "{missing}");
}
