//! The WebSocket front door (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`), at
//! `ws://127.0.0.1:<port>/<stage>`, and its `@connections` management API at
//! `http://127.0.0.1:<port>/<stage>/@connections/{id}` (the handlers' `WEBSOCKET_CALLBACK_URL`).
//! Rules, from the API Gateway Developer Guide (docs.aws.amazon.com/apigateway/latest/developerguide/):
//! - "Control access to WebSocket APIs with Lambda REQUEST authorizers": only `$connect` is
//!   authorized; its identity sources (e.g. `route.request.header.Sec-WebSocket-Protocol`) must be
//!   present, else 401; the context is passed to every later route of the connection.
//! - "Working with routes for WebSocket APIs": the route selection expression
//!   (`$request.body.action`) picks the route; no match goes to `$default`; no `$default`
//!   answers the client `{"message": "Forbidden", ...}`.
//! - "Set up a WebSocket API integration response"/"Set up route responses": an integration's
//!   answer reaches the client ONLY when the route has a route response (two-way route);
//!   otherwise it is dropped.
//! - `$connect` rejecting (non-2xx `statusCode`) refuses the handshake with that status; the
//!   `Sec-WebSocket-Protocol` header its answer carries is the subprotocol the handshake echoes.
//! - `$disconnect` runs, best effort, after the connection closed, from either side.
//! - "Use @connections commands in your backend service": POST sends data, GET describes, DELETE
//!   closes; a connection that is gone answers 410 GoneException.
//! - "Amazon API Gateway quotas for WebSocket APIs": 128 KB message, 32 KB frame, 10 minutes idle
//!   timeout, 2 hours connection duration.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;

use crate::assembly::Assembly;
use crate::authorizer::{Authorizer, Kind, Verdict};
use crate::intrinsics::Locals;
use crate::lambda::{Function, Reply};
use crate::net::{self, Body};
use crate::proxy::{self, Functions};

/// Largest message (128 KB).
pub const MAX_MESSAGE: usize = 128 * 1024;
/// Largest frame (32 KB).
pub const MAX_FRAME: usize = 32 * 1024;
/// Idle timeout.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest connection.
pub const MAX_DURATION: Duration = Duration::from_secs(7200);

#[derive(Debug)]
struct Route {
    function: Option<Function>,
    authorizer: Option<Arc<Authorizer>>,
    /// A route response is declared: the integration's answer goes back to the client.
    two_way: bool,
}

#[derive(Debug)]
struct Conn {
    tx: mpsc::UnboundedSender<Message>,
    connected_at: u64,
    last_active: u64,
    source_ip: String,
    user_agent: Option<String>,
}

/// A WebSocket API served locally.
#[derive(Debug)]
pub struct WsApi {
    /// Logical id.
    pub logical_id: String,
    /// Local API id.
    pub api_id: String,
    /// Stage name.
    pub stage: String,
    selection: String,
    routes: HashMap<String, Route>,
    conns: Mutex<HashMap<String, Conn>>,
    /// `127.0.0.1:<port>`, set when served.
    pub host: Mutex<String>,
}

impl WsApi {
    /// Every WebSocket API of the template.
    pub fn all(assembly: &Assembly, locals: &Locals, functions: &Functions) -> Vec<WsApi> {
        assembly
            .of_type("AWS::ApiGatewayV2::Api")
            .filter(|(_, p)| p["ProtocolType"] == "WEBSOCKET")
            .map(|(id, p)| Self::one(assembly, locals, functions, id, p))
            .collect()
    }

    fn one(assembly: &Assembly, locals: &Locals, functions: &Functions, api: &str, props: &Value) -> WsApi {
        let of_api = |ty: &'static str| {
            assembly.of_type(ty).filter(move |(_, p)| crate::stateful::refs_of(&p["ApiId"]).first().map(String::as_str) == Some(api))
        };
        let stage = of_api("AWS::ApiGatewayV2::Stage")
            .find_map(|(_, p)| p["StageName"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "$default".into());
        let integrations: HashMap<&str, Option<Function>> =
            of_api("AWS::ApiGatewayV2::Integration").map(|(id, p)| (id, proxy::target(&p["IntegrationUri"], functions))).collect();
        let authorizers: HashMap<&str, Arc<Authorizer>> = of_api("AWS::ApiGatewayV2::Authorizer")
            .filter_map(|(id, p)| {
                let f = proxy::target(&p["AuthorizerUri"], functions)?;
                // WebSocket authorizers are REQUEST authorizers and are not cached by API Gateway
                // across connections ("AuthorizerResultTtlInSeconds" is for HTTP APIs only).
                Some((id, Arc::new(Authorizer::new(Kind::Request, f, Authorizer::parse_sources(&p["IdentitySource"]), Duration::ZERO))))
            })
            .collect();
        let two_way: Vec<String> =
            assembly.of_type("AWS::ApiGatewayV2::RouteResponse").flat_map(|(_, p)| crate::stateful::refs_of(&p["RouteId"])).collect();
        let routes = of_api("AWS::ApiGatewayV2::Route")
            .map(|(id, p)| {
                let integration =
                    crate::stateful::refs_of(&p["Target"]).into_iter().find_map(|i| integrations.get(i.as_str()).cloned()).flatten();
                let authorizer = crate::stateful::refs_of(&p["AuthorizerId"]).first().and_then(|a| authorizers.get(a.as_str()).cloned());
                let route = Route { function: integration, authorizer, two_way: two_way.iter().any(|r| r == id) };
                (p["RouteKey"].as_str().unwrap_or_default().to_owned(), route)
            })
            .collect();
        WsApi {
            logical_id: api.to_owned(),
            api_id: locals.refs.get(api).cloned().unwrap_or_default(),
            stage,
            selection: props["RouteSelectionExpression"].as_str().unwrap_or("$request.body.action").to_owned(),
            routes,
            conns: Mutex::new(HashMap::new()),
            host: Mutex::new(String::new()),
        }
    }

    /// Serves the API on `listener`.
    pub fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        if let (Ok(addr), Ok(mut h)) = (listener.local_addr(), self.host.lock()) {
            *h = addr.to_string();
        }
        net::serve(listener, move |req: Request<Incoming>, peer: SocketAddr| {
            let api = self.clone();
            async move { api.handle(req, peer).await }
        })
    }

    /// Number of open connections.
    pub fn connections(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let path = req.uri().path().to_owned();
        let Some(rest) = path.strip_prefix(&format!("/{}", self.stage)) else {
            return net::json(403, &json!({"message": "Forbidden"}));
        };
        if let Some(id) = rest.strip_prefix("/@connections/") {
            return self.manage(req, &proxy::decode(id)).await;
        }
        if !rest.is_empty() && rest != "/" {
            return net::json(403, &json!({"message": "Forbidden"}));
        }
        self.connect(req, peer).await
    }

    fn context(&self, id: &str, route: &str, event_type: &str, connected_at: u64, peer: &str, ua: Option<&String>) -> Value {
        let host = self.host.lock().map(|h| h.clone()).unwrap_or_default();
        let rid = uuid::Uuid::new_v4().to_string();
        json!({
            "routeKey": route, "eventType": event_type, "extendedRequestId": rid, "requestId": rid,
            "requestTime": proxy::request_time(proxy::now_ms()), "requestTimeEpoch": proxy::now_ms(),
            "messageDirection": "IN", "stage": self.stage, "connectedAt": connected_at,
            "identity": {"sourceIp": peer, "userAgent": ua}, "domainName": host, "connectionId": id, "apiId": self.api_id,
        })
    }

    async fn connect(self: Arc<Self>, mut req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
            return net::json(400, &json!({"message": "expected a WebSocket upgrade"}));
        };
        let (headers, multi) = proxy::forwarded(req.headers());
        let (query, _) = proxy::query(req.uri().query());
        let id = connection_id();
        let connected_at = proxy::now_ms();
        let ua = headers.get("user-agent").cloned();
        let mut ctx = self.context(&id, "$connect", "CONNECT", connected_at, &peer.ip().to_string(), ua.as_ref());
        let route = self.routes.get("$connect");
        if let Some(auth) = route.and_then(|r| r.authorizer.as_ref()) {
            let arn =
                format!("arn:aws:execute-api:{}:{}:{}/{}/$connect", crate::moto::REGION, crate::moto::ACCOUNT_ID, self.api_id, self.stage);
            let event = json!({"type": "REQUEST", "methodArn": arn, "headers": headers, "multiValueHeaders": multi,
                "queryStringParameters": query, "stageVariables": {}, "requestContext": ctx});
            match auth.authorize(&headers, &query, event, &arn).await {
                Verdict::Allow(a) => ctx["authorizer"] = Value::Object(a),
                Verdict::Unauthorized => return net::json(401, &json!({"message": "Unauthorized"})),
                Verdict::Denied => return net::json(403, &json!({"message": "Forbidden"})),
                Verdict::Failed => return net::json(500, &json!({"message": "Internal server error"})),
            }
        }
        let mut protocol = None;
        if let Some(f) = route.and_then(|r| r.function.as_ref()) {
            let event = json!({"headers": headers, "multiValueHeaders": multi, "queryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
                "requestContext": ctx, "isBase64Encoded": false});
            let answer = match f.invoke(event).await {
                Ok(r) => proxy::payload(&r),
                Err(_) => Value::Null,
            };
            let status = answer["statusCode"].as_u64().unwrap_or(500);
            if !(200..300).contains(&status) {
                let status = u16::try_from(status).unwrap_or(500);
                return net::json(status, &json!({"message": if status == 500 { "Internal server error" } else { "Forbidden" }}));
            }
            protocol = answer["headers"]
                .as_object()
                .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case("sec-websocket-protocol")))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_owned);
        }
        let authorizer = ctx.get("authorizer").cloned().unwrap_or(Value::Null);
        let upgrade = hyper::upgrade::on(&mut req);
        let (tx, rx) = mpsc::unbounded_channel();
        let conn = Conn { tx, connected_at, last_active: connected_at, source_ip: peer.ip().to_string(), user_agent: ua };
        if let Ok(mut c) = self.conns.lock() {
            c.insert(id.clone(), conn);
        }
        let api = self.clone();
        tokio::spawn(async move {
            if let Ok(upgraded) = upgrade.await {
                let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE)).max_frame_size(Some(MAX_FRAME));
                let socket = tokio_tungstenite::WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                api.clone().session(socket, id.clone(), rx, authorizer).await;
            }
            api.disconnect(&id).await;
        });
        let mut r = Response::new(net::full(""));
        *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = r.headers_mut();
        h.insert("upgrade", hyper::header::HeaderValue::from_static("websocket"));
        h.insert("connection", hyper::header::HeaderValue::from_static("Upgrade"));
        let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
        if let Ok(v) = hyper::header::HeaderValue::from_str(&accept) {
            h.insert("sec-websocket-accept", v);
        }
        if let Some(p) = protocol.and_then(|p| hyper::header::HeaderValue::from_str(&p).ok()) {
            h.insert("sec-websocket-protocol", p);
        }
        r
    }

    async fn session(
        self: Arc<Self>,
        socket: tokio_tungstenite::WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
        id: String,
        mut rx: mpsc::UnboundedReceiver<Message>,
        authorizer: Value,
    ) {
        let (mut sink, mut stream) = socket.split();
        let started = Instant::now();
        loop {
            let idle = tokio::time::sleep(IDLE_TIMEOUT);
            tokio::select! {
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(t))) => self.clone().message(&id, t.to_string(), authorizer.clone()),
                    Some(Ok(Message::Binary(b))) => self.clone().message(&id, String::from_utf8_lossy(&b).into_owned(), authorizer.clone()),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(e)) => {
                        // Too large a message or frame: close with 1009 (message too big).
                        let frame = CloseFrame { code: 1009u16.into(), reason: e.to_string().chars().take(100).collect::<String>().into() };
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        break;
                    }
                },
                outgoing = rx.recv() => match outgoing {
                    Some(m @ Message::Close(_)) => { let _ = sink.send(m).await; break; }
                    Some(m) => if sink.send(m).await.is_err() { break },
                    None => break,
                },
                () = idle => break,
            }
            if started.elapsed() > MAX_DURATION {
                break;
            }
            if let Ok(mut c) = self.conns.lock() {
                if let Some(conn) = c.get_mut(&id) {
                    conn.last_active = proxy::now_ms();
                }
            }
        }
        let _ = sink.close().await;
    }

    /// One client message: route selection, the integration, and its answer back only on a
    /// two-way route. Messages of one connection run concurrently, as in API Gateway.
    fn message(self: Arc<Self>, id: &str, body: String, authorizer: Value) {
        let id = id.to_owned();
        tokio::spawn(async move {
            let key = select_route(&self.selection, &body);
            let (route_key, route) =
                match key.as_deref().and_then(|k| self.routes.get_key_value(k)).or_else(|| self.routes.get_key_value("$default")) {
                    Some((k, r)) => (k.clone(), r),
                    None => return self.send_error(&id, "Forbidden"),
                };
            let Some(f) = &route.function else { return };
            let (ip, ua, at) = match self
                .conns
                .lock()
                .ok()
                .and_then(|c| c.get(&id).map(|c| (c.source_ip.clone(), c.user_agent.clone(), c.connected_at)))
            {
                Some(x) => x,
                None => return,
            };
            let mut ctx = self.context(&id, &route_key, "MESSAGE", at, &ip, ua.as_ref());
            ctx["messageId"] = json!(uuid::Uuid::new_v4().to_string());
            ctx["authorizer"] = authorizer;
            let event = json!({"requestContext": ctx, "body": body, "isBase64Encoded": false});
            match f.invoke(event).await {
                Ok(Reply::Buffered(b)) if route.two_way => {
                    let payload: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
                    let text = match &payload["body"] {
                        Value::String(s) => s.clone(),
                        Value::Null => return,
                        other => other.to_string(),
                    };
                    self.send(&id, Message::Text(text.into()));
                }
                Ok(Reply::Buffered(_) | Reply::Stream { .. }) => {}
                Ok(Reply::Error(_)) | Err(_) => self.send_error(&id, "Internal server error"),
            }
        });
    }

    fn send_error(&self, id: &str, message: &str) {
        let body = json!({"message": message, "connectionId": id, "requestId": uuid::Uuid::new_v4().to_string()});
        self.send(id, Message::Text(body.to_string().into()));
    }

    fn send(&self, id: &str, m: Message) -> bool {
        self.conns.lock().ok().and_then(|c| c.get(id).map(|c| c.tx.send(m).is_ok())).unwrap_or(false)
    }

    async fn disconnect(&self, id: &str) {
        let Some(conn) = self.conns.lock().ok().and_then(|mut c| c.remove(id)) else { return };
        if let Some(f) = self.routes.get("$disconnect").and_then(|r| r.function.as_ref()) {
            let ctx = self.context(id, "$disconnect", "DISCONNECT", conn.connected_at, &conn.source_ip, conn.user_agent.as_ref());
            let mut event = json!({"requestContext": ctx, "isBase64Encoded": false});
            event["requestContext"]["disconnectStatusCode"] = json!(1000);
            let _ = f.invoke(event).await;
        }
    }

    /// The `@connections` API.
    async fn manage(&self, req: Request<Incoming>, id: &str) -> Response<Body> {
        let gone = || {
            let mut r = net::json(410, &json!({"message": null}));
            r.headers_mut().insert("x-amzn-errortype", hyper::header::HeaderValue::from_static("GoneException"));
            r
        };
        let method = req.method().clone();
        match method.as_str() {
            "POST" => {
                let Ok(data) = net::read_body(req.into_body(), MAX_MESSAGE).await else {
                    let mut r = net::json(413, &json!({"message": "Message too long"}));
                    r.headers_mut().insert("x-amzn-errortype", hyper::header::HeaderValue::from_static("PayloadTooLargeException"));
                    return r;
                };
                let m = match std::str::from_utf8(&data) {
                    Ok(t) => Message::Text(t.to_owned().into()),
                    Err(_) => Message::Binary(data),
                };
                if self.send(id, m) {
                    net::json(200, &Value::Object(Map::new()))
                } else {
                    gone()
                }
            }
            "GET" => match self
                .conns
                .lock()
                .ok()
                .and_then(|c| c.get(id).map(|c| (c.connected_at, c.last_active, c.source_ip.clone(), c.user_agent.clone())))
            {
                Some((at, last, ip, ua)) => net::json(
                    200,
                    &json!({"ConnectedAt": iso(at), "LastActiveAt": iso(last), "Identity": {"SourceIp": ip, "UserAgent": ua}}),
                ),
                None => gone(),
            },
            "DELETE" => {
                if self.send(id, Message::Close(None)) {
                    let mut r = net::json(204, &Value::Null);
                    *r.body_mut() = net::full("");
                    r
                } else {
                    gone()
                }
            }
            _ => net::json(405, &json!({"message": "method not allowed"})),
        }
    }
}

/// `$request.body.a.b` against a JSON body; `None` when the body is not JSON or lacks it.
fn select_route(expr: &str, body: &str) -> Option<String> {
    let path = expr.strip_prefix("$request.body.")?;
    let v: Value = serde_json::from_str(body).ok()?;
    let mut cur = &v;
    for p in path.split('.') {
        cur = cur.get(p)?;
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A connection id like API Gateway's (`L0SM9cOFvHcCIhw=`: 10 random bytes, base64).
fn connection_id() -> String {
    use base64::Engine;
    let u = uuid::Uuid::new_v4();
    base64::engine::general_purpose::STANDARD.encode(&u.as_bytes()[..10])
}

/// ISO 8601 with milliseconds, UTC.
fn iso(ms: u64) -> String {
    let t = proxy::request_time(ms); // dd/Mon/yyyy:HH:MM:SS +0000
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (d, rest) = t.split_once('/').unwrap_or_default();
    let (mon, rest) = rest.split_once('/').unwrap_or_default();
    let (y, rest) = rest.split_once(':').unwrap_or_default();
    let hms = rest.split(' ').next().unwrap_or_default();
    let m = months.iter().position(|x| *x == mon).unwrap_or(0) + 1;
    format!("{y}-{m:02}-{d}T{hms}.{:03}Z", ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_selection_reads_the_body_and_falls_back() {
        assert_eq!(select_route("$request.body.action", r#"{"action":"get"}"#).as_deref(), Some("get"));
        assert_eq!(select_route("$request.body.action", r#"{"message":"hi"}"#), None);
        assert_eq!(select_route("$request.body.action", "not json"), None);
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
    }
}
