//! Function URLs (`AWS::Lambda::Url`), at `http://127.0.0.1:<port>/`. Rules, from the Lambda
//! Developer Guide ("Invoking Lambda function URLs", docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html):
//! - the event is payload format 2.0 (`version`, `rawPath`, `rawQueryString`, `cookies`,
//!   `headers`, `queryStringParameters`, `requestContext.http`, `body`, `isBase64Encoded`);
//! - `InvokeMode: BUFFERED` answers with the function's response (a bare JSON value or a
//!   `statusCode` object); `RESPONSE_STREAM` streams it as produced;
//! - `AuthType: AWS_IAM` needs a SigV4-signed request ("Control access to Lambda function
//!   URLs"): an unsigned request, a signature that does not match, or one more than 15 minutes
//!   old is 403. The signature is recomputed with dev's local credential set ([`crate::sigv4`]:
//!   any access key id with the secret `testing`); there is no IAM policy evaluation locally, so
//!   a valid signature is allowed, and `requestContext.authorizer.iam` carries its access key.
//! - the payload limit is 6 MB buffered (413 otherwise).

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};

use crate::assembly::Assembly;
use crate::lambda::{Function, Reply};
use crate::net::{self, Body};
use crate::proxy::{self, Functions};

const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

/// A Function URL served locally.
#[derive(Debug)]
pub struct FunctionUrl {
    /// Logical id of the URL resource.
    pub logical_id: String,
    function: Option<Function>,
    iam: bool,
    stream: bool,
}

impl FunctionUrl {
    /// Every Function URL of the template.
    pub fn all(assembly: &Assembly, functions: &Functions) -> Vec<FunctionUrl> {
        assembly
            .of_type("AWS::Lambda::Url")
            .map(|(id, p)| FunctionUrl {
                logical_id: id.to_owned(),
                function: proxy::target(&p["TargetFunctionArn"], functions),
                iam: p["AuthType"] == "AWS_IAM",
                stream: p["InvokeMode"] == "RESPONSE_STREAM",
            })
            .collect()
    }

    /// Serves the URL on `listener`.
    pub fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        net::serve(listener, move |req: Request<Incoming>, peer: SocketAddr| {
            let url = self.clone();
            async move { url.handle(req, peer).await }
        })
    }

    async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let (headers, _) = proxy::forwarded(req.headers());
        let Some(function) = &self.function else { return net::json(502, &json!({"Message": "Internal Server Error"})) };
        let method = req.method().as_str().to_owned();
        let raw_path = req.uri().path().to_owned();
        let raw_query = req.uri().query().unwrap_or_default().to_owned();
        let (query, _) = proxy::query(Some(&raw_query));
        let Ok(body) = net::read_body(req.into_body(), MAX_PAYLOAD).await else {
            return net::json(413, &json!({"Message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"}));
        };
        let access_key = if self.iam {
            let uri = format!(
                "http://{}{raw_path}{}",
                headers.get("host").map(String::as_str).unwrap_or("127.0.0.1"),
                if raw_query.is_empty() { String::new() } else { format!("?{raw_query}") }
            );
            let pairs: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            match crate::sigv4::verify(&method, &uri, &pairs, &body) {
                Ok(key) => Some(key),
                Err(refusal) => return net::json(403, &json!({"Message": refusal.message()})),
            }
        } else {
            None
        };
        let (body, b64) = proxy::body_field(&body);
        let now = proxy::now_ms();
        let rid = uuid::Uuid::new_v4().to_string();
        let authorizer = access_key.map(|k| json!({"iam": {"accessKey": k, "accountId": crate::moto::ACCOUNT_ID, "callerId": k, "userArn": format!("arn:aws:iam::{}:user/dev", crate::moto::ACCOUNT_ID), "userId": k}}));
        let cookies: Vec<String> = headers.get("cookie").map(|c| c.split(';').map(|s| s.trim().to_owned()).collect()).unwrap_or_default();
        let event = json!({
            "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": raw_query,
            "cookies": if cookies.is_empty() { Value::Null } else { json!(cookies) }, "headers": headers,
            "queryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
            "requestContext": {"accountId": crate::moto::ACCOUNT_ID, "apiId": self.logical_id.to_ascii_lowercase(), "authorizer": authorizer,
                "domainName": headers.get("host"), "domainPrefix": "local",
                "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": peer.ip().to_string(), "userAgent": headers.get("user-agent")},
                "requestId": rid, "routeKey": "$default", "stage": "$default", "time": proxy::request_time(now), "timeEpoch": now},
            "body": body, "isBase64Encoded": b64,
        });
        match function.invoke(event).await {
            Ok(Reply::Stream { prelude, body }) => proxy::stream_response(prelude, body),
            Ok(Reply::Buffered(b)) => buffered(&b, self.stream),
            Ok(Reply::Error(_)) | Err(_) => net::json(502, &json!({"Message": "Internal Server Error"})),
        }
    }
}

/// A buffered answer: a `statusCode` object is an HTTP response; any other JSON is the body
/// of a 200 (the Function URL response format's inference).
fn buffered(b: &[u8], _stream: bool) -> Response<Body> {
    let v: Value = serde_json::from_slice(b).unwrap_or(Value::Null);
    if v.get("statusCode").is_some() {
        return proxy::proxy_response(&v).unwrap_or_else(|| net::json(502, &json!({"Message": "Internal Server Error"})));
    }
    let mut r = Response::new(net::full(b.to_vec()));
    r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    r
}
