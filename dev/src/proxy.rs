//! What the HTTP front doors share: the functions by logical id, request bits as API Gateway
//! hands them over, and turning a Lambda proxy answer into an HTTP response.

use std::collections::HashMap;

use base64::Engine;
use bytes::Bytes;
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use crate::lambda::{Function, Reply};
use crate::net::{self, Body};

/// Functions by logical id.
pub type Functions = HashMap<String, Function>;

/// The function an integration URI or target ARN points at (its `Fn::GetAtt [F, Arn]` or `Ref`).
pub fn target(v: &Value, functions: &Functions) -> Option<Function> {
    crate::stateful::refs_of(v).into_iter().find_map(|id| functions.get(&id).cloned())
}

/// Header names lower-cased, values joined by `,` (what API Gateway does for repeated headers
/// in `headers`; `multiValueHeaders` keeps them apart).
pub fn headers(h: &hyper::HeaderMap) -> (HashMap<String, String>, HashMap<String, Vec<String>>) {
    let mut multi: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in h {
        multi.entry(k.as_str().to_owned()).or_default().push(v.to_str().unwrap_or_default().to_owned());
    }
    let single = multi.iter().map(|(k, v)| (k.clone(), v.join(","))).collect();
    (single, multi)
}

/// [`headers`] as a front door passes them on: with `X-Forwarded-Proto` set to the scheme the
/// client used, `http` here (API Gateway and Function URLs set it, to `https`, replacing any
/// the client sent), so a function that builds its public URL from the request (an A2A agent
/// card's `url`) names the local door.
pub fn forwarded(h: &hyper::HeaderMap) -> (HashMap<String, String>, HashMap<String, Vec<String>>) {
    let (mut single, mut multi) = headers(h);
    single.insert("x-forwarded-proto".into(), "http".into());
    multi.insert("x-forwarded-proto".into(), vec!["http".into()]);
    (single, multi)
}

/// The query string as single and multi-valued maps (percent-decoded).
pub fn query(q: Option<&str>) -> (HashMap<String, String>, HashMap<String, Vec<String>>) {
    let mut multi: HashMap<String, Vec<String>> = HashMap::new();
    for pair in q.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        multi.entry(decode(k)).or_default().push(decode(v));
    }
    let single = multi.iter().map(|(k, v)| (k.clone(), v.last().cloned().unwrap_or_default())).collect();
    (single, multi)
}

/// Percent-decoding (`+` as space, as in forms).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A body as the proxy event carries it: text as is, anything else base64
/// (`isBase64Encoded: true`).
pub fn body_field(body: &Bytes) -> (Value, bool) {
    if body.is_empty() {
        return (Value::Null, false);
    }
    match std::str::from_utf8(body) {
        Ok(s) => (Value::String(s.to_owned()), false),
        Err(_) => (Value::String(base64::engine::general_purpose::STANDARD.encode(body)), true),
    }
}

/// A Lambda proxy answer (`statusCode`, `headers`, `multiValueHeaders`, `cookies`, `body`,
/// `isBase64Encoded`) as an HTTP response; `None` when it is not one (API Gateway answers 502).
pub fn proxy_response(payload: &Value) -> Option<Response<Body>> {
    let status = payload["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok())?;
    let body = match payload["body"].as_str() {
        Some(b) if payload["isBase64Encoded"] == json!(true) => base64::engine::general_purpose::STANDARD.decode(b).ok()?,
        Some(b) => b.as_bytes().to_vec(),
        None => Vec::new(),
    };
    let mut r = Response::new(net::full(body));
    *r.status_mut() = StatusCode::from_u16(status).ok()?;
    apply_headers(&mut r, payload);
    Some(r)
}

/// Copies `headers`, `multiValueHeaders` and `cookies` of a proxy answer or stream prelude.
pub fn apply_headers(r: &mut Response<Body>, payload: &Value) {
    let h = r.headers_mut();
    let mut add = |k: &str, v: &str| {
        if let (Ok(k), Ok(v)) = (hyper::header::HeaderName::from_bytes(k.as_bytes()), hyper::header::HeaderValue::from_str(v)) {
            h.append(k, v);
        }
    };
    if let Some(m) = payload["headers"].as_object() {
        for (k, v) in m {
            add(k, v.as_str().unwrap_or_default());
        }
    }
    if let Some(m) = payload["multiValueHeaders"].as_object() {
        for (k, vs) in m {
            for v in vs.as_array().into_iter().flatten() {
                add(k, v.as_str().unwrap_or_default());
            }
        }
    }
    for c in payload["cookies"].as_array().into_iter().flatten() {
        add("set-cookie", c.as_str().unwrap_or_default());
    }
}

/// A streamed answer as an HTTP response: the prelude's status and headers, the payload as it
/// comes (a plain stream without prelude: 200, `application/octet-stream`).
pub fn stream_response(prelude: Option<Value>, body: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>) -> Response<Body> {
    let mut r = Response::new(net::channel_body(body));
    match prelude {
        Some(p) => {
            let status = p["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(200);
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            apply_headers(&mut r, &p);
        }
        None => {
            r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/octet-stream"));
        }
    }
    r
}

/// A buffered reply's payload as JSON (`Null` when it is not JSON).
pub fn payload(reply: &Reply) -> Value {
    match reply {
        Reply::Buffered(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// `YYYY-MM-DD'T'HH:MM:SS` pieces from a Unix time, for `requestTime`-style fields.
pub fn request_time(epoch_ms: u64) -> String {
    let secs = epoch_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil(days as i64);
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{d:02}/{}/{y}:{:02}:{:02}:{:02} +0000", MONTHS[(m - 1) as usize], rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
