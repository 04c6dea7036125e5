//! The Lambda `Invoke` API for the stack's functions, so that a function calling another with
//! the AWS SDK (an agent's Lambda tools, `AWS_ENDPOINT_URL_LAMBDA`) reaches it here: moto cannot
//! run functions. Rules, from the Lambda API Reference, "Invoke"
//! (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
//!
//! - `POST /2015-03-31/functions/{FunctionName}/invocations`; `FunctionName` is a name, a
//!   partial ARN (`123456789012:function:name`) or a full ARN, with an optional `:qualifier`
//!   (the `Qualifier` query parameter too; locally every qualifier is `$LATEST`);
//! - `X-Amz-Invocation-Type`: `RequestResponse` (default) answers 200 with the function's
//!   payload; `Event` queues it and answers 202 at once; `DryRun` only checks, 204; any other
//!   value is 400 `InvalidParameterValueException`;
//! - a function error is still 200, with `X-Amz-Function-Error: Unhandled` and the error JSON
//!   (`errorType`, `errorMessage`) as the payload; a timeout is such an error
//!   (`Task timed out after N seconds`), as is a runtime that exits (`Runtime.ExitError`);
//! - an unknown function is 404 `ResourceNotFoundException`; a payload that is not JSON is 400
//!   `InvalidRequestContentException`; over 6 MB is 413 `RequestTooLargeException`. Errors are
//!   JSON with the type in `x-amzn-ErrorType` (how the SDKs read them, restJson1).
//!
//! Requests must be SigV4-signed (service `lambda`), verified as for IAM Function URLs
//! ([`crate::sigv4`]); there is no IAM locally, so a valid signature may invoke any function of
//! the stack.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::lambda::{Function, InvokeError, Reply};
use crate::moto::{ACCOUNT_ID, REGION};
use crate::net::{self, Body};

/// Synchronous invocation payload limit (request and response): 6 MB.
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;
const PATH_PREFIX: &str = "/2015-03-31/functions/";
const PATH_SUFFIX: &str = "/invocations";

/// The Invoke API of the served functions, by function name.
#[derive(Debug)]
pub struct LambdaApi {
    /// Where it serves (`http://127.0.0.1:P`), the functions' `AWS_ENDPOINT_URL_LAMBDA`.
    pub url: String,
    functions: RwLock<HashMap<String, Function>>,
}

impl LambdaApi {
    /// The API at `url`, serving no function yet.
    pub fn new(url: String) -> Self {
        Self { url, functions: RwLock::new(HashMap::new()) }
    }

    /// Serves these functions (by logical id) from now on (start, and after a reload).
    pub fn set(&self, functions: &HashMap<String, Function>) {
        let by_name = functions.values().map(|f| (f.spec().name.clone(), f.clone())).collect();
        if let Ok(mut f) = self.functions.write() {
            *f = by_name;
        }
    }

    /// Serves the API on `listener`.
    pub fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        net::serve(listener, move |req: Request<Incoming>, _peer: SocketAddr| {
            let api = self.clone();
            async move { api.handle(req).await }
        })
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let raw_path = req.uri().path().to_owned();
        let raw_query = req.uri().query().map(str::to_owned);
        let Some(encoded) = raw_path.strip_prefix(PATH_PREFIX).and_then(|p| p.strip_suffix(PATH_SUFFIX)).filter(|_| req.method() == "POST")
        else {
            return error(404, "UnknownOperationException", "Unknown operation");
        };
        let name = crate::proxy::decode(encoded);
        let (headers, _) = crate::proxy::headers(req.headers());
        let method = req.method().as_str().to_owned();
        let Ok(body) = net::read_body(req.into_body(), MAX_PAYLOAD).await else {
            return error(413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
        };
        let host = headers.get("host").map(String::as_str).unwrap_or("127.0.0.1");
        let uri = format!("http://{host}{raw_path}{}", raw_query.map(|q| format!("?{q}")).unwrap_or_default());
        let pairs: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if let Err(refusal) = crate::sigv4::verify(&method, &uri, &pairs, &body) {
            return error(403, "AccessDeniedException", refusal.message());
        }
        let kind = headers.get("x-amz-invocation-type").map(String::as_str).unwrap_or("RequestResponse");
        if !matches!(kind, "RequestResponse" | "Event" | "DryRun") {
            return error(400, "InvalidParameterValueException", &format!("Unsupported invocation type {kind}"));
        }
        let Some(function) = self.function(&name) else {
            return error(404, "ResourceNotFoundException", &format!("Function not found: {}", arn(&local_name(&name))));
        };
        let event: Value = match body.is_empty() {
            true => json!({}),
            false => match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(e) => return error(400, "InvalidRequestContentException", &format!("Could not parse request body into json: {e}")),
            },
        };
        match kind {
            "DryRun" => status(204, Bytes::new()),
            "Event" => {
                tokio::spawn(async move {
                    let _ = function.invoke(event).await;
                });
                status(202, Bytes::new())
            }
            _ => answer(function.invoke(event).await).await,
        }
    }

    fn function(&self, name: &str) -> Option<Function> {
        self.functions.read().ok()?.get(&local_name(name)).cloned()
    }
}

/// The function name in a name, partial ARN or ARN, without its qualifier.
fn local_name(name: &str) -> String {
    let unqualified = name.split_once(":function:").map(|(_, rest)| rest).unwrap_or(name);
    unqualified.split(':').next().unwrap_or_default().to_owned()
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
}

/// A `RequestResponse` answer: the payload, or the function error with its header.
async fn answer(reply: Result<Reply, InvokeError>) -> Response<Body> {
    let failed = |v: Value| {
        let mut r = status(200, Bytes::from(v.to_string()));
        r.headers_mut().insert("x-amz-function-error", HeaderValue::from_static("Unhandled"));
        r
    };
    match reply {
        Ok(Reply::Buffered(b)) => status(200, b),
        Ok(Reply::Error(v)) => failed(v),
        Ok(Reply::Stream { mut body, .. }) => {
            // Invoke (not InvokeWithResponseStream) of a streaming function: the whole payload.
            let mut all = Vec::new();
            while let Some(chunk) = body.recv().await {
                match chunk {
                    Ok(c) => all.extend_from_slice(&c),
                    Err(e) => return failed(json!({"errorType": "Runtime.StreamError", "errorMessage": e.to_string()})),
                }
            }
            status(200, Bytes::from(all))
        }
        Err(e @ InvokeError::Timeout(_)) => failed(json!({"errorType": "Sandbox.Timedout", "errorMessage": e.to_string()})),
        Err(e @ InvokeError::Crashed(_)) => failed(json!({"errorType": "Runtime.ExitError", "errorMessage": e.to_string()})),
    }
}

fn status(code: u16, body: Bytes) -> Response<Body> {
    let mut r = Response::new(net::full(body));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    r.headers_mut().insert("x-amz-executed-version", HeaderValue::from_static("$LATEST"));
    r
}

/// An API error as the SDKs parse it: type in `x-amzn-ErrorType` and the body.
fn error(code: u16, kind: &'static str, message: &str) -> Response<Body> {
    let mut r = net::json(code, &json!({"Type": "User", "message": message}));
    r.headers_mut().insert("x-amzn-errortype", HeaderValue::from_static(kind));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_partial_arns_and_arns_name_one_function() {
        for n in ["fn-a", "fn-a:$LATEST", "123456789012:function:fn-a", "arn:aws:lambda:us-east-1:123456789012:function:fn-a:prod"] {
            assert_eq!(local_name(n), "fn-a", "{n}");
        }
    }
}
