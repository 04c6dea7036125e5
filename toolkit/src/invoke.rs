//! `invoke PATH [--data JSON|@FILE]`: runs a deployed function named by its construct path and
//! prints its answer (stdout) and the tail of its log (stderr, Lambda's last 4 KB, `LogType:
//! Tail`). A function whose answer streams (a `RESPONSE_STREAM` Function URL or a streaming
//! REST method targets it; or `--stream`) is run with InvokeWithResponseStream and each chunk is
//! printed as it arrives.

use std::io::Write;
use std::path::Path;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvokeWithResponseStreamResponseEvent, LogType};
use base64::Engine as _;
use clap::Args;

use crate::aws::{sdk_error, Clients};
use crate::functions::Deployed;
use crate::{AwsArgs, Error, Result};

/// `invoke`'s options.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The function's construct path (`Support/Runner`, with or without the stack in front).
    #[arg(value_name = "PATH")]
    pub path: String,
    /// The event: JSON, or `@FILE` to read it from a file. Default: `{}`.
    #[arg(long, value_name = "JSON|@FILE")]
    pub data: Option<String>,
    /// Use InvokeWithResponseStream even if the template shows no streaming front door.
    #[arg(long)]
    pub stream: bool,
    /// Only these stacks (default: all).
    #[arg(long = "stack", value_name = "STACK")]
    pub stacks: Vec<String>,
    /// Profile, region and endpoint.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// The event to send: `--data`'s JSON (read from the file after `@`), checked to be JSON so a
/// typo is reported here rather than as the function's parse error.
pub fn event_payload(data: Option<&str>) -> Result<Vec<u8>> {
    let Some(data) = data else { return Ok(b"{}".to_vec()) };
    let (text, from) = match data.strip_prefix('@') {
        Some(file) => {
            let text = std::fs::read_to_string(Path::new(file)).map_err(|e| Error::new(format!("--data @{file}: {e}")))?;
            (text, format!("@{file}"))
        }
        None => (data.to_owned(), "--data".to_owned()),
    };
    serde_json::from_str::<serde_json::Value>(&text).map_err(|e| {
        Error::new(format!("{from} is not JSON: {e}")).hint("give a JSON event, e.g. --data '{\"message\":\"hi\"}', or @event.json")
    })?;
    Ok(text.into_bytes())
}

/// A buffered answer as printed: pretty JSON when it is JSON, else the text as is.
pub fn render_answer(payload: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(payload) {
        Ok(json) => serde_json::to_string_pretty(&json).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(payload).into_owned(),
    }
}

/// The log tail Lambda returns (base64 of the last 4 KB), as text.
pub fn decode_log_tail(encoded: &str) -> String {
    match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => format!("(a log tail that is not base64: {encoded})"),
    }
}

/// The log tail as printed: a rule, then each record through `logs`' reader.
pub fn render_log_tail(encoded: &str) -> String {
    let text = decode_log_tail(encoded);
    let mut out = String::from("--- log tail ---\n");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parsed = crate::logs::record::parse(line);
        let request = parsed.request_id.as_deref().map_or_else(|| "-".to_owned(), |r| r.chars().take(8).collect());
        out.push_str(&format!("{request:<8} {:<8} {}\n", parsed.level.as_deref().unwrap_or("-"), parsed.message));
    }
    out
}

/// Invokes the function and prints what it answered; an error when the function failed.
pub async fn invoke(clients: &Clients, target: &Deployed<'_>, payload: Vec<u8>, stream: bool) -> Result<()> {
    eprintln!("{} ({}){}", target.function.path, target.name, if stream { ", streaming" } else { "" });
    if stream {
        return invoke_streaming(clients, target, payload).await;
    }
    let answer = clients
        .lambda
        .invoke()
        .function_name(&target.name)
        .payload(Blob::new(payload))
        .log_type(LogType::Tail)
        .send()
        .await
        .map_err(|e| sdk_error(format!("invoke {}", target.name), &e))?;
    println!("{}", render_answer(answer.payload().map(Blob::as_ref).unwrap_or_default()));
    if let Some(tail) = answer.log_result() {
        eprint!("{}", render_log_tail(tail));
    }
    match answer.function_error() {
        Some(kind) => Err(Error::new(format!("{} failed ({kind}): its answer above is the error", target.function.path))),
        None => Ok(()),
    }
}

/// How a streamed answer ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamEnd {
    /// The error code, when the function failed mid-stream.
    pub error_code: Option<String>,
    /// The error's details.
    pub error_details: Option<String>,
    /// The base64 log tail.
    pub log_result: Option<String>,
}

/// Writes each chunk of a streamed answer as it arrives (flushed, so a terminal shows tokens
/// as the function sends them); returns how the stream ended.
pub fn write_event(out: &mut impl Write, event: InvokeWithResponseStreamResponseEvent) -> std::io::Result<Option<StreamEnd>> {
    match event {
        InvokeWithResponseStreamResponseEvent::PayloadChunk(chunk) => {
            if let Some(bytes) = chunk.payload() {
                out.write_all(bytes.as_ref())?;
                out.flush()?;
            }
            Ok(None)
        }
        InvokeWithResponseStreamResponseEvent::InvokeComplete(done) => Ok(Some(StreamEnd {
            error_code: done.error_code().map(str::to_owned),
            error_details: done.error_details().map(str::to_owned),
            log_result: done.log_result().map(str::to_owned),
        })),
        _ => Ok(None),
    }
}

async fn invoke_streaming(clients: &Clients, target: &Deployed<'_>, payload: Vec<u8>) -> Result<()> {
    let answer = clients
        .lambda
        .invoke_with_response_stream()
        .function_name(&target.name)
        .payload(Blob::new(payload))
        .log_type(LogType::Tail)
        .send()
        .await
        .map_err(|e| sdk_error(format!("invoke-with-response-stream {}", target.name), &e))?;
    let mut stream = answer.event_stream;
    let mut stdout = std::io::stdout();
    let mut end = StreamEnd::default();
    while let Some(event) = stream.recv().await.map_err(|e| sdk_error(format!("the stream from {}", target.name), &e))? {
        if let Some(done) = write_event(&mut stdout, event).map_err(|e| Error::new(format!("stdout: {e}")))? {
            end = done;
        }
    }
    println!();
    if let Some(tail) = &end.log_result {
        eprint!("{}", render_log_tail(tail));
    }
    match end.error_code {
        Some(code) => {
            Err(Error::new(format!("{} failed mid-stream: {code}: {}", target.function.path, end.error_details.unwrap_or_default())))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::types::{InvokeResponseStreamUpdate, InvokeWithResponseStreamCompleteEvent};

    #[test]
    fn data_is_json_inline_or_from_a_file() {
        assert_eq!(event_payload(None).unwrap(), b"{}");
        assert_eq!(event_payload(Some(r#"{"a":1}"#)).unwrap(), br#"{"a":1}"#);
        let e = event_payload(Some("{a:1}")).unwrap_err();
        assert!(e.message.starts_with("--data is not JSON: key must be a string"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("event.json");
        std::fs::write(&file, "[1, 2]").unwrap();
        assert_eq!(event_payload(Some(&format!("@{}", file.display()))).unwrap(), b"[1, 2]");
        std::fs::write(&file, "nope").unwrap();
        let e = event_payload(Some(&format!("@{}", file.display()))).unwrap_err();
        assert!(e.message.contains("event.json is not JSON"), "{e}");
        assert!(event_payload(Some("@/no/such/file.json")).unwrap_err().message.starts_with("--data @/no/such/file.json: "));
    }

    #[test]
    fn answers_and_log_tails_are_readable() {
        assert_eq!(render_answer(br#"{"statusCode":200,"body":"hi"}"#), "{\n  \"statusCode\": 200,\n  \"body\": \"hi\"\n}");
        assert_eq!(render_answer(b"plain"), "plain");
        let log = "START RequestId: 11111111-2222 Version: $LATEST\n{\"level\":\"INFO\",\"message\":\"turn done\",\"requestId\":\"11111111-2222\"}\nEND RequestId: 11111111-2222\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(log);
        assert_eq!(decode_log_tail(&encoded), log);
        assert_eq!(
            render_log_tail(&encoded),
            "--- log tail ---\n11111111 -        START RequestId: 11111111-2222 Version: $LATEST\n11111111 INFO     turn done\n11111111 -        END RequestId: 11111111-2222\n"
        );
        assert!(decode_log_tail("%%").starts_with("(a log tail that is not base64"));
    }

    #[test]
    fn streamed_chunks_are_written_as_they_come_then_the_end() {
        let mut out = Vec::new();
        let chunk = |s: &str| {
            InvokeWithResponseStreamResponseEvent::PayloadChunk(InvokeResponseStreamUpdate::builder().payload(Blob::new(s)).build())
        };
        assert_eq!(write_event(&mut out, chunk("data: {\"token\":\"Hel\"}\n\n")).unwrap(), None);
        assert_eq!(out, b"data: {\"token\":\"Hel\"}\n\n", "the first chunk is out before the second arrives");
        write_event(&mut out, chunk("data: {\"token\":\"lo\"}\n\n")).unwrap();
        let done = InvokeWithResponseStreamResponseEvent::InvokeComplete(
            InvokeWithResponseStreamCompleteEvent::builder().error_code("Unhandled").error_details("boom").log_result("bG9n").build(),
        );
        let end = write_event(&mut out, done).unwrap().unwrap();
        assert_eq!(end.error_code.as_deref(), Some("Unhandled"));
        assert_eq!(end.error_details.as_deref(), Some("boom"));
        assert_eq!(decode_log_tail(end.log_result.as_deref().unwrap()), "log");
        assert_eq!(String::from_utf8(out).unwrap(), "data: {\"token\":\"Hel\"}\n\ndata: {\"token\":\"lo\"}\n\n");
    }
}
