//! The REST API front door (`AWS::ApiGateway::RestApi` and its resources, methods, stage,
//! authorizers and gateway responses), served at `http://127.0.0.1:<port>/<stage>/...`.
//! Rules, each from the API Gateway Developer Guide (docs.aws.amazon.com/apigateway/latest/developerguide/):
//! - "Set up Lambda proxy integrations": the event (`resource`, `path`, `httpMethod`, `headers`,
//!   `multiValueHeaders`, `queryStringParameters`, `pathParameters`, `requestContext`, `body`,
//!   `isBase64Encoded`) and the answer (`statusCode`, `headers`, `body`); an answer of any other
//!   shape, or a function error, is 502 `{"message": "Internal server error"}`.
//! - "Amazon API Gateway quotas": integration timeout 29 s (504 INTEGRATION_TIMEOUT) and a
//!   10 MB payload (413 REQUEST_TOO_LARGE).
//! - "Gateway response types": a path or method the API does not have answers 403
//!   MISSING_AUTHENTICATION_TOKEN; a response type the template customizes uses its template,
//!   falling back to DEFAULT_4XX/DEFAULT_5XX, else `{"message": ...}`.
//! - "Stream the integration response for your proxy integrations" (`ResponseTransferMode:
//!   STREAM`): the function's streamed answer goes to the client as it is produced.
//! - "Request validation for REST APIs in API Gateway" (api-gateway-method-request-validation.html):
//!   a method whose `RequestValidatorId` validates the body checks it against the JSON Schema of
//!   its `RequestModels` entry for the request's content type (or `$default`); no matching
//!   content type, no validation. A failure answers 400 `{"message": "Invalid request body"}`
//!   (BAD_REQUEST_BODY, `$context.error.validationErrorString` the list of schema errors),
//!   after the authorizer and before the integration runs.
//! - "Gateway response types" / "Set up gateway responses": `ResponseParameters`
//!   (`gatewayresponse.header.X: 'literal'`) add headers, e.g. CORS's Access-Control-Allow-Origin.
//! - "Enable CORS for a REST API resource": an `OPTIONS` method with a `MOCK` integration answers
//!   the preflight itself — the status its request template selects (`{"statusCode": 204}`), the
//!   matching integration response's `method.response.header.X: 'literal'` headers — with no
//!   function run ("Set up mock integrations", how-to-mock-integration.html).
//!
//! Not served: usage plans and API keys, request parameter validation, mapping templates of
//! non-proxy integrations other than MOCK.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Map, Value};

use crate::assembly::Assembly;
use crate::authorizer::{Authorizer, Kind, Verdict};
use crate::intrinsics::Locals;
use crate::lambda::Reply;
use crate::net::{self, Body};
use crate::proxy::{self, Functions};

/// API Gateway's integration timeout.
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);
/// API Gateway's payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// One method of the API.
#[derive(Debug)]
struct Method {
    http_method: String,
    /// `/api/v1/chat/responses/{request_id}`.
    resource_path: String,
    resource_id: String,
    function: Option<crate::lambda::Function>,
    authorizer: Option<Arc<Authorizer>>,
    stream: bool,
    /// Body schemas by content type (`application/json`, `$default`) when the method's
    /// request validator validates bodies.
    body_models: Vec<(String, Arc<jsonschema::Validator>)>,
    /// A MOCK integration's answer (CORS preflight).
    mock: Option<Mock>,
}

/// What a MOCK integration answers: the integration response its request template selects.
#[derive(Debug, Clone)]
struct Mock {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// A REST API served locally.
#[derive(Debug)]
pub struct RestApi {
    /// Logical id.
    pub logical_id: String,
    /// The local API id.
    pub api_id: String,
    /// Stage name.
    pub stage: String,
    methods: Vec<Method>,
    gateway_responses: HashMap<String, Value>,
    /// Authorizers by logical id (their call counters show the cache at work).
    pub authorizers: HashMap<String, Arc<Authorizer>>,
}

impl RestApi {
    /// Every REST API of the template.
    pub fn all(assembly: &Assembly, locals: &Locals, functions: &Functions) -> Vec<RestApi> {
        assembly.of_type("AWS::ApiGateway::RestApi").map(|(id, _)| Self::one(assembly, locals, functions, id)).collect()
    }

    fn one(assembly: &Assembly, locals: &Locals, functions: &Functions, api: &str) -> RestApi {
        let of_api = |ty: &'static str| {
            assembly.of_type(ty).filter(move |(_, p)| crate::stateful::refs_of(&p["RestApiId"]).first().map(String::as_str) == Some(api))
        };
        let stage =
            of_api("AWS::ApiGateway::Stage").find_map(|(_, p)| p["StageName"].as_str().map(str::to_owned)).unwrap_or_else(|| "prod".into());
        let mut authorizers = HashMap::new();
        for (id, p) in of_api("AWS::ApiGateway::Authorizer") {
            let Some(function) = proxy::target(&p["AuthorizerUri"], functions) else { continue };
            let kind = if p["Type"] == "REQUEST" { Kind::Request } else { Kind::Token };
            let ttl = Duration::from_secs(p["AuthorizerResultTtlInSeconds"].as_u64().unwrap_or(300));
            let sources = Authorizer::parse_sources(&p["IdentitySource"]);
            authorizers.insert(id.to_owned(), Arc::new(Authorizer::new(kind, function, sources, ttl)));
        }
        let paths: HashMap<String, (Option<String>, String)> = of_api("AWS::ApiGateway::Resource")
            .map(|(id, p)| {
                let parent = crate::stateful::refs_of(&p["ParentId"]).into_iter().next().filter(|pid| pid != api);
                (id.to_owned(), (parent, p["PathPart"].as_str().unwrap_or_default().to_owned()))
            })
            .collect();
        let full_path = |mut id: Option<String>| {
            let mut parts = Vec::new();
            while let Some(i) = id {
                let Some((parent, part)) = paths.get(&i) else { break };
                parts.push(part.clone());
                id = parent.clone();
            }
            parts.reverse();
            format!("/{}", parts.join("/"))
        };
        let models = body_models(assembly, api);
        let methods = of_api("AWS::ApiGateway::Method")
            .map(|(_, p)| {
                let resource = crate::stateful::refs_of(&p["ResourceId"]).into_iter().next().filter(|r| r != api);
                let integration = &p["Integration"];
                Method {
                    http_method: p["HttpMethod"].as_str().unwrap_or("ANY").to_owned(),
                    resource_path: full_path(resource.clone()),
                    resource_id: crate::stateful::local_id(resource.as_deref().unwrap_or("root")),
                    function: proxy::target(&integration["Uri"], functions),
                    authorizer: crate::stateful::refs_of(&p["AuthorizerId"]).first().and_then(|a| authorizers.get(a).cloned()),
                    stream: integration["ResponseTransferMode"] == "STREAM",
                    body_models: method_models(assembly, p, &models),
                    mock: (integration["Type"] == "MOCK").then(|| mock(integration)),
                }
            })
            .collect();
        let gateway_responses = of_api("AWS::ApiGateway::GatewayResponse")
            .filter_map(|(_, p)| Some((p["ResponseType"].as_str()?.to_owned(), p.clone())))
            .collect();
        RestApi {
            logical_id: api.to_owned(),
            api_id: locals.refs.get(api).cloned().unwrap_or_default(),
            stage,
            methods,
            gateway_responses,
            authorizers,
        }
    }

    /// Serves the API on `listener`.
    pub fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        net::serve(listener, move |req: Request<Incoming>, peer: SocketAddr| {
            let api = self.clone();
            async move { api.handle(req, peer).await }
        })
    }

    async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let path = req.uri().path().to_owned();
        let Some(rest) = path.strip_prefix(&format!("/{}", self.stage)).filter(|r| r.is_empty() || r.starts_with('/')) else {
            return self.gateway(403, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token");
        };
        let rest = if rest.is_empty() { "/" } else { rest };
        let method = req.method().as_str().to_owned();
        let Some((m, path_params)) = self.find(&method, rest) else {
            return self.gateway(403, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token");
        };
        let (headers, multi_headers) = proxy::forwarded(req.headers());
        let (query, multi_query) = proxy::query(req.uri().query());
        let body = match net::read_body(req.into_body(), MAX_PAYLOAD).await {
            Ok(b) => b,
            Err(_) => return self.gateway(413, "REQUEST_TOO_LARGE", "Request Too Long"),
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        let method_arn = format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{}{}",
            crate::moto::REGION,
            crate::moto::ACCOUNT_ID,
            self.api_id,
            self.stage,
            method,
            rest
        );
        let mut context = json!({
            "accountId": crate::moto::ACCOUNT_ID, "apiId": self.api_id, "domainName": headers.get("host"),
            "httpMethod": method, "identity": {"sourceIp": peer.ip().to_string(), "userAgent": headers.get("user-agent")},
            "path": path, "protocol": "HTTP/1.1", "requestId": request_id, "extendedRequestId": request_id,
            "requestTime": proxy::request_time(proxy::now_ms()), "requestTimeEpoch": proxy::now_ms(),
            "resourceId": m.resource_id, "resourcePath": m.resource_path, "stage": self.stage,
        });
        if let Some(auth) = &m.authorizer {
            let event = json!({
                "type": "REQUEST", "methodArn": method_arn, "resource": m.resource_path, "path": rest, "httpMethod": method,
                "headers": headers, "multiValueHeaders": multi_headers, "queryStringParameters": query,
                "multiValueQueryStringParameters": multi_query, "pathParameters": path_params, "stageVariables": {},
                "requestContext": context,
            });
            match auth.authorize(&headers, &query, event, &method_arn).await {
                Verdict::Allow(ctx) => context["authorizer"] = Value::Object(ctx),
                Verdict::Unauthorized => return self.gateway(401, "UNAUTHORIZED", "Unauthorized"),
                Verdict::Denied => {
                    return self.gateway(403, "ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny")
                }
                Verdict::Failed => return self.gateway(500, "AUTHORIZER_FAILURE", "Internal server error"),
            }
        }
        if let Some(errors) = m.invalid_body(headers.get("content-type").map(String::as_str), &body) {
            return self.gateway_response(400, "BAD_REQUEST_BODY", "Invalid request body", &errors);
        }
        let (body_field, b64) = proxy::body_field(&body);
        let nonempty = |m: &HashMap<String, String>| if m.is_empty() { Value::Null } else { json!(m) };
        let event = json!({
            "resource": m.resource_path, "path": rest, "httpMethod": method,
            "headers": headers, "multiValueHeaders": multi_headers,
            "queryStringParameters": nonempty(&query), "multiValueQueryStringParameters": if multi_query.is_empty() { Value::Null } else { json!(multi_query) },
            "pathParameters": if path_params.is_empty() { Value::Null } else { Value::Object(path_params) }, "stageVariables": Value::Null,
            "requestContext": context, "body": body_field, "isBase64Encoded": b64,
        });
        self.integrate(m, event).await
    }

    async fn integrate(&self, m: &Method, event: Value) -> Response<Body> {
        if let Some(mock) = &m.mock {
            let mut r = net::json(mock.status, &Value::Null);
            *r.body_mut() = net::full(mock.body.clone());
            set_headers(&mut r, &mock.headers);
            return r;
        }
        let Some(function) = &m.function else {
            return self.gateway(500, "API_CONFIGURATION_ERROR", "Internal server error");
        };
        // Past 29 s API Gateway answers 504 while the function runs on; a function error or
        // its own timeout (shorter than 29 s) is a 502.
        let reply = match tokio::time::timeout(INTEGRATION_TIMEOUT, function.invoke(event)).await {
            Err(_) => return self.gateway(504, "INTEGRATION_TIMEOUT", "Endpoint request timed out"),
            Ok(Err(_)) => return self.gateway(502, "DEFAULT_5XX", "Internal server error"),
            Ok(Ok(r)) => r,
        };
        match reply {
            Reply::Stream { prelude, body } if m.stream => proxy::stream_response(prelude, body),
            Reply::Stream { .. } | Reply::Error(_) => self.gateway(502, "DEFAULT_5XX", "Internal server error"),
            Reply::Buffered(b) => serde_json::from_slice::<Value>(&b)
                .ok()
                .and_then(|p| proxy::proxy_response(&p))
                .unwrap_or_else(|| self.gateway(502, "DEFAULT_5XX", "Internal server error")),
        }
    }

    /// The method for `method` and `path`, with the path parameters (`{name}` one segment,
    /// `{name+}` the rest); an `ANY` method matches every verb.
    fn find(&self, method: &str, path: &str) -> Option<(&Method, Map<String, Value>)> {
        let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        let mut best = None;
        for m in &self.methods {
            if m.http_method != method && m.http_method != "ANY" {
                continue;
            }
            if let Some(params) = match_path(&m.resource_path, &segs) {
                if best.as_ref().is_none_or(|(b, _): &(&Method, _)| b.http_method == "ANY") {
                    best = Some((m, params));
                }
            }
        }
        best
    }

    /// A gateway response: the template's own for `kind` (or DEFAULT_4XX/5XX), else AWS's default.
    fn gateway(&self, status: u16, kind: &str, message: &str) -> Response<Body> {
        self.gateway_response(status, kind, message, "")
    }

    /// A gateway response with `$context.error.validationErrorString` (BAD_REQUEST_BODY).
    fn gateway_response(&self, status: u16, kind: &str, message: &str, validation: &str) -> Response<Body> {
        let fallback = if status >= 500 { "DEFAULT_5XX" } else { "DEFAULT_4XX" };
        let custom = self.gateway_responses.get(kind).or_else(|| self.gateway_responses.get(fallback));
        let template = custom.and_then(|g| g["ResponseTemplates"]["application/json"].as_str());
        let status = custom.and_then(|g| g["StatusCode"].as_str()).and_then(|s| s.parse().ok()).unwrap_or(status);
        let body = match template {
            Some(t) => render(t, message, validation),
            None => json!({ "message": message }).to_string(),
        };
        let mut r = net::json(status, &Value::Null);
        *r.body_mut() = net::full(Bytes::from(body));
        let headers = custom.map(|g| literal_headers(&g["ResponseParameters"], "gatewayresponse.header.")).unwrap_or_default();
        set_headers(&mut r, &headers);
        r
    }
}

impl Method {
    /// The schema errors of `body` (API Gateway's `validationErrorString`, `[e1, e2]`), or
    /// `None` when it is valid or not validated.
    fn invalid_body(&self, content_type: Option<&str>, body: &[u8]) -> Option<String> {
        let media = content_type.unwrap_or("application/json").split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let schema =
            self.body_models.iter().find(|(ct, _)| *ct == media).or_else(|| self.body_models.iter().find(|(ct, _)| ct == "$default"))?;
        let instance: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return Some(format!("[Invalid JSON: {e}]")),
        };
        let errors: Vec<String> = schema.1.iter_errors(&instance).map(|e| e.to_string()).collect();
        (!errors.is_empty()).then(|| format!("[{}]", errors.join(", ")))
    }
}

/// Every `AWS::ApiGateway::Model` of the API, its schema compiled (draft 4, as API Gateway
/// models are). A schema that does not compile is reported and not enforced.
fn body_models(assembly: &Assembly, api: &str) -> HashMap<String, Arc<jsonschema::Validator>> {
    let mut out = HashMap::new();
    for (id, p) in assembly.of_type("AWS::ApiGateway::Model") {
        if crate::stateful::refs_of(&p["RestApiId"]).first().map(String::as_str) != Some(api) {
            continue;
        }
        // `Schema` is a JSON object, or its text.
        let schema = match &p["Schema"] {
            Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            other => other.clone(),
        };
        match jsonschema::options().with_draft(jsonschema::Draft::Draft4).build(&schema) {
            Ok(v) => {
                out.insert(id.to_owned(), Arc::new(v));
            }
            Err(e) => crate::logs::dev(&format!("{id}: the model's schema does not compile, bodies are not validated: {e}")),
        }
    }
    out
}

/// A method's body schemas by content type, when its `RequestValidatorId` names a validator
/// with `ValidateRequestBody: true`.
fn method_models(
    assembly: &Assembly,
    method: &Value,
    models: &HashMap<String, Arc<jsonschema::Validator>>,
) -> Vec<(String, Arc<jsonschema::Validator>)> {
    let validates = crate::stateful::refs_of(&method["RequestValidatorId"])
        .first()
        .and_then(|v| assembly.resources().get(v))
        .is_some_and(|v| v["Properties"]["ValidateRequestBody"] == json!(true));
    if !validates {
        return Vec::new();
    }
    method["RequestModels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(ct, model)| {
            let id = crate::stateful::refs_of(model).into_iter().next()?;
            Some((ct.to_ascii_lowercase(), models.get(&id)?.clone()))
        })
        .collect()
}

/// A MOCK integration's answer: the status its `application/json` request template names
/// (`{"statusCode": 204}`; default 200), the integration response for that status (else the
/// one without `SelectionPattern`), its literal headers and `application/json` template.
fn mock(integration: &Value) -> Mock {
    let status = integration["RequestTemplates"]["application/json"]
        .as_str()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| v["statusCode"].as_u64())
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    let responses = integration["IntegrationResponses"].as_array().cloned().unwrap_or_default();
    let chosen = responses
        .iter()
        .find(|r| r["StatusCode"].as_str() == Some(&status.to_string()))
        .or_else(|| responses.iter().find(|r| r.get("SelectionPattern").is_none()));
    Mock {
        status: chosen.and_then(|r| r["StatusCode"].as_str()?.parse().ok()).unwrap_or(status),
        headers: chosen.map(|r| literal_headers(&r["ResponseParameters"], "method.response.header.")).unwrap_or_default(),
        body: chosen.and_then(|r| r["ResponseTemplates"]["application/json"].as_str()).unwrap_or_default().to_owned(),
    }
}

/// `prefix + Name: 'value'` response parameters as headers (static values only: quoted literals).
fn literal_headers(params: &Value, prefix: &str) -> Vec<(String, String)> {
    params
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(prefix)?;
            let value = v.as_str()?.strip_prefix('\'')?.strip_suffix('\'')?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect()
}

fn set_headers(r: &mut Response<Body>, headers: &[(String, String)]) {
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (hyper::header::HeaderName::from_bytes(k.as_bytes()), hyper::header::HeaderValue::from_str(v)) {
            r.headers_mut().insert(k, v);
        }
    }
}

/// The few VTL expressions gateway response templates use: `$context.error.messageString` (the
/// message as a quoted JSON string), `$context.error.message`, and
/// `$context.error.validationErrorString`, also inside `$util.escapeJavaScript(...)` optionally
/// followed by `.replaceAll("\\'","'")` (which undoes escapeJavaScript's `\'`).
fn render(template: &str, message: &str, validation: &str) -> String {
    let escaped = escape_javascript(validation);
    template
        .replace("$util.escapeJavaScript($context.error.validationErrorString).replaceAll(\"\\\\'\",\"'\")", &escaped.replace("\\'", "'"))
        .replace("$util.escapeJavaScript($context.error.validationErrorString)", &escaped)
        .replace("$context.error.validationErrorString", validation)
        .replace("$context.error.messageString", &Value::String(message.into()).to_string())
        .replace("$context.error.message", message)
}

/// `$util.escapeJavaScript`: JavaScript string escapes (quotes, backslash, control characters).
fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn match_path(pattern: &str, segs: &[&str]) -> Option<Map<String, Value>> {
    let parts: Vec<&str> = pattern.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let mut params = Map::new();
    for (i, p) in parts.iter().enumerate() {
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            if i >= segs.len() {
                return None;
            }
            params.insert(name.into(), Value::String(segs[i..].join("/")));
            return Some(params);
        }
        let seg = segs.get(i)?;
        match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => {
                params.insert(name.into(), Value::String(proxy::decode(seg)));
            }
            None if p == seg => {}
            None => return None,
        }
    }
    (parts.len() == segs.len()).then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_with_parameters_and_greedy_proxies() {
        assert_eq!(match_path("/api/v1/chat", &["api", "v1", "chat"]), Some(Map::new()));
        assert_eq!(match_path("/api/v1/chat", &["api", "v1"]), None);
        let p = match_path("/chat/responses/{request_id}", &["chat", "responses", "r%2D1"]).unwrap();
        assert_eq!(p["request_id"], "r-1");
        let p = match_path("/{proxy+}", &["a", "b"]).unwrap();
        assert_eq!(p["proxy"], "a/b");
    }

    #[test]
    fn gateway_templates_render_the_error_and_the_validation_detail_as_valid_json() {
        // The template the library writes for BAD_REQUEST_BODY (see the snapshots).
        let t = r#"{"error":"invalid_body","message":$context.error.messageString,"detail":"$util.escapeJavaScript($context.error.validationErrorString).replaceAll("\\'","'")"}"#;
        let out = render(t, "Invalid request body", r#"["message" is a required property, it's "long"]"#);
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
        assert_eq!(v["message"], "Invalid request body");
        assert_eq!(v["detail"], r#"["message" is a required property, it's "long"]"#);
    }
}
