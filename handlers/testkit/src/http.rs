//! A small threaded HTTP/1.1 server for test peers (one thread per connection,
//! `Connection: close`), recording every request it serves.
//!
//! Streaming both ways, for the streaming tests: a chunked request body is recorded chunk by
//! chunk with each chunk's arrival time ([`HttpRequest::chunks`]), and a
//! [`HttpResponse::streamed`] answer is written chunk by chunk with a pause before each, the
//! time each chunk left being recorded ([`HttpServer::sent_chunks`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A request as received.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: String,
    /// Path with query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body (for a chunked body: the chunks concatenated).
    pub body: Vec<u8>,
    /// A chunked body's chunks, each with the time it arrived (empty for a `content-length` body).
    pub chunks: Vec<(Instant, Vec<u8>)>,
    /// Trailer fields after a chunked body, names lower-cased.
    pub trailers: Vec<(String, String)>,
}

impl HttpRequest {
    /// Header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A response to send.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// When set, the body is sent with `transfer-encoding: chunked` instead: for each entry the
    /// server sleeps the delay, then writes and flushes the chunk.
    pub chunks: Option<Vec<(Duration, Vec<u8>)>>,
}

impl HttpResponse {
    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            chunks: None,
        }
    }

    /// A streamed response: each chunk is written after its delay (chunked transfer encoding).
    pub fn streamed(status: u16, content_type: &str, chunks: Vec<(Duration, Vec<u8>)>) -> Self {
        Self { status, headers: vec![("content-type".into(), content_type.into())], body: Vec::new(), chunks: Some(chunks) }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync;

/// A running server; stops on drop.
pub struct HttpServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Log>,
}

/// What the server saw and did.
#[derive(Default)]
struct Log {
    requests: Mutex<Vec<HttpRequest>>,
    sent_chunks: Mutex<Vec<Instant>>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer").field("addr", &self.addr).finish()
    }
}

impl HttpServer {
    /// Starts serving `handler` on a free port of 127.0.0.1.
    pub fn start(handler: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Log::default());
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let (stop, log) = (stop.clone(), log.clone());
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (handler, log) = (handler.clone(), log.clone());
                    thread::spawn(move || serve(conn, &*handler, &log));
                }
            });
        }
        Self { addr, stop, log }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:{port}`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests served so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.log.requests.lock().expect("lock").clone()
    }

    /// When each chunk of every [`HttpResponse::streamed`] answer was written, in order.
    pub fn sent_chunks(&self) -> Vec<Instant> {
        self.log.sent_chunks.lock().expect("lock").clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

fn serve(conn: TcpStream, handler: &Handler, log: &Log) {
    let Ok(read_half) = conn.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let Some(headers) = read_fields(&mut reader) else { return };
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let (body, chunks, trailers) = if chunked {
        let Some((chunks, trailers)) = read_chunked(&mut reader) else { return };
        (chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect(), chunks, trailers)
    } else {
        let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        (body, Vec::new(), Vec::new())
    };
    let req = HttpRequest { method, path, headers, body, chunks, trailers };
    log.requests.lock().expect("lock").push(req.clone());
    let resp = handler(&req);
    let mut conn = conn;
    let framing = match &resp.chunks {
        Some(_) => "transfer-encoding: chunked".to_owned(),
        None => format!("content-length: {}", resp.body.len()),
    };
    let mut out = format!("HTTP/1.1 {} X\r\n{framing}\r\nconnection: close\r\n", resp.status);
    for (k, v) in &resp.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    if conn.write_all(out.as_bytes()).and_then(|()| conn.flush()).is_err() {
        return;
    }
    match &resp.chunks {
        None => {
            let _ = conn.write_all(&resp.body);
        }
        Some(chunks) => {
            for (delay, chunk) in chunks {
                thread::sleep(*delay);
                if chunk.is_empty() {
                    continue; // an empty chunk would end the body
                }
                let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
                if conn.write_all(&frame).and_then(|()| conn.flush()).is_err() {
                    return;
                }
                log.sent_chunks.lock().expect("lock").push(Instant::now());
            }
            let _ = conn.write_all(b"0\r\n\r\n");
        }
    }
    let _ = conn.flush();
}

/// Header (or trailer) fields up to the empty line, names lower-cased; `None` on EOF.
fn read_fields(reader: &mut impl BufRead) -> Option<Vec<(String, String)>> {
    let mut fields = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            return Some(fields);
        }
        if let Some((k, v)) = h.split_once(':') {
            fields.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
}

type Chunks = Vec<(Instant, Vec<u8>)>;

/// A chunked body: its chunks with arrival times, and the trailer fields.
fn read_chunked(reader: &mut impl BufRead) -> Option<(Chunks, Vec<(String, String)>)> {
    let mut chunks = Vec::new();
    loop {
        let mut size = String::new();
        if reader.read_line(&mut size).unwrap_or(0) == 0 {
            return None;
        }
        let arrived = Instant::now();
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or_default(), 16).ok()?;
        if size == 0 {
            return Some((chunks, read_fields(reader)?));
        }
        let mut chunk = vec![0; size + 2]; // data + CRLF
        reader.read_exact(&mut chunk).ok()?;
        chunk.truncate(size);
        chunks.push((arrived, chunk));
    }
}

/// An OpenAI chat-completions answer (HTTP 200) carrying the assistant `message`:
/// `finish_reason` is `tool_calls` when the message calls tools, else `stop` — what a scripted
/// model peer answers.
pub fn openai_completion(message: serde_json::Value) -> HttpResponse {
    let finish = if message["tool_calls"].is_null() { "stop" } else { "tool_calls" };
    HttpResponse::json(
        200,
        &serde_json::json!({"id": "c", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}]}),
    )
}

/// An OpenAI-format (chat completions) model peer for concurrency tests: it answers
/// `echo: <last user text>`, releasing requests in groups of `parties` (request k waits until
/// the rest of its group arrived, at most 10 s), so turns started together are all at the model
/// at once — each has read the same history before any of them saves. `parties = 1`: no gate.
pub fn gated_openai_peer(parties: usize) -> HttpServer {
    let arrived = std::sync::atomic::AtomicUsize::new(0);
    let parties = parties.max(1);
    HttpServer::start(move |req| {
        let k = arrived.fetch_add(1, Ordering::SeqCst);
        let group_full = (k / parties + 1) * parties;
        let started = Instant::now();
        while arrived.load(Ordering::SeqCst) < group_full && started.elapsed() < Duration::from_secs(10) {
            thread::sleep(Duration::from_millis(5));
        }
        let body = req.json();
        let last = body["messages"]
            .as_array()
            .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned();
        openai_completion(serde_json::json!({"role": "assistant", "content": format!("echo: {last}")}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_recorded_per_chunk_and_streamed_answers_leave_chunk_by_chunk() {
        let server = HttpServer::start(|_| {
            HttpResponse::streamed(
                200,
                "text/plain",
                vec![(Duration::ZERO, b"one ".to_vec()), (Duration::from_millis(150), b"two".to_vec())],
            )
        });
        let mut conn = TcpStream::connect(server.addr()).expect("connect");
        conn.write_all(b"POST /x HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n").expect("write");
        conn.flush().expect("flush");
        thread::sleep(Duration::from_millis(100));
        conn.write_all(b"2\r\nde\r\n0\r\nx-trailer: yes\r\n\r\n").expect("write");
        let started = Instant::now();
        let mut reader = BufReader::new(conn);
        let mut head = String::new();
        while reader.read_line(&mut head).expect("read") > 2 {}
        let mut first = String::new();
        reader.read_line(&mut first).expect("size line");
        let first_at = started.elapsed();
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).expect("rest");
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
        assert_eq!(first.trim(), "4");
        assert!(first_at < Duration::from_millis(100), "the first chunk left before the pause: {first_at:?}");
        assert!(String::from_utf8_lossy(&rest).ends_with("two\r\n0\r\n\r\n"));

        let req = &server.requests()[0];
        assert_eq!(req.body, b"abcde");
        assert_eq!(req.chunks.len(), 2);
        assert!(req.chunks[1].0 - req.chunks[0].0 >= Duration::from_millis(90), "arrival times are recorded");
        assert_eq!(req.trailers, vec![("x-trailer".to_owned(), "yes".to_owned())]);
        let sent = server.sent_chunks();
        assert_eq!(sent.len(), 2);
        assert!(sent[1] - sent[0] >= Duration::from_millis(140));
    }
}
