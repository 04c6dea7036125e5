//! One log record, read from what a function wrote: the JSON lines of Lambda's `JSON` log
//! format (our handlers' `timestamp`/`level`/`message`/`requestId`, and the platform's
//! `type`/`record` lines), or Lambda's plain text (`START RequestId: …`, `REPORT …`).

use console::{style, StyledObject};
use serde_json::Value;

/// What a record says, in the parts a line shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The invocation's request id, when the record carries one.
    pub request_id: Option<String>,
    /// `INFO`, `WARN`, `ERROR`, …; platform records are `PLATFORM`; plain text has none.
    pub level: Option<String>,
    /// The message, one line (a multi-line message has its line breaks shown as `⏎`).
    pub message: String,
}

/// Reads a record's message.
pub fn parse(raw: &str) -> Parsed {
    let raw = raw.trim_end();
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => parse_json(&map, raw),
        _ => parse_text(raw),
    }
}

fn parse_json(map: &serde_json::Map<String, Value>, raw: &str) -> Parsed {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    if let Some(kind) = text(map.get("type")).filter(|t| t.starts_with("platform.")) {
        // {"time":…,"type":"platform.report","record":{"requestId":…,"metrics":{…}}}
        let record = map.get("record");
        let request_id = text(record.and_then(|r| r.get("requestId")));
        let detail = record.and_then(|r| r.get("metrics")).map(|m| format!(" {m}")).unwrap_or_default();
        return Parsed { request_id, level: Some("PLATFORM".to_owned()), message: one_line(&format!("{kind}{detail}")) };
    }
    let message = match map.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => raw.to_owned(),
    };
    // Our handlers' own fields (tracing's) follow the message, so a line keeps what it said.
    let extra: Vec<String> = map
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "timestamp" | "time" | "level" | "message" | "requestId" | "target"))
        .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    let message = if extra.is_empty() || map.get("message").is_none() { message } else { format!("{message} {}", extra.join(" ")) };
    Parsed { request_id: text(map.get("requestId")), level: text(map.get("level")).map(|l| l.to_uppercase()), message: one_line(&message) }
}

fn parse_text(raw: &str) -> Parsed {
    let request_id = raw.split_once("RequestId: ").map(|(_, rest)| rest.split_whitespace().next().unwrap_or_default().to_owned());
    Parsed { request_id, level: None, message: one_line(raw) }
}

fn one_line(s: &str) -> String {
    s.trim_end().replace("\r\n", "⏎").replace('\n', "⏎")
}

/// One printed line: time (UTC, milliseconds), function, request id (its first 8 characters,
/// enough to tell invocations apart), level and message. Colours come from `console`, which
/// turns them off when stdout is not a terminal (and with `NO_COLOR`).
pub fn format_line(timestamp_ms: i64, function: &str, width: usize, parsed: &Parsed) -> String {
    let time = format_time(timestamp_ms);
    let request = parsed.request_id.as_deref().map_or_else(|| "-".to_owned(), |r| r.chars().take(8).collect());
    let level = parsed.level.as_deref().unwrap_or("-");
    format!(
        "{} {} {} {} {}",
        style(time).dim(),
        style(format!("{function:<width$}")).cyan(),
        style(format!("{request:<8}")).dim(),
        level_style(level),
        parsed.message
    )
}

fn level_style(level: &str) -> StyledObject<String> {
    let padded = format!("{level:<8}");
    match level {
        "ERROR" | "FATAL" => style(padded).red().bold(),
        "WARN" | "WARNING" => style(padded).yellow(),
        "DEBUG" | "TRACE" | "PLATFORM" => style(padded).dim(),
        _ => style(padded).green(),
    }
}

/// `2026-11-30T06:40:01.123Z`: RFC 3339 in UTC with milliseconds always shown, so lines align.
pub fn format_time(ms: i64) -> String {
    use aws_sdk_cloudwatchlogs::primitives::{DateTime, DateTimeFormat};
    let whole = DateTime::from_secs(ms.div_euclid(1000)).fmt(DateTimeFormat::DateTime).unwrap_or_default();
    format!("{}.{:03}Z", whole.trim_end_matches('Z'), ms.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_handlers_json_lines() {
        let p = parse(
            r#"{"timestamp":"2026-11-30T06:40:01.123Z","level":"WARN","message":"enqueued","requestId":"8f2c1d9e-aaaa","request_id":"r-9"}"#,
        );
        assert_eq!(
            p,
            Parsed { request_id: Some("8f2c1d9e-aaaa".into()), level: Some("WARN".into()), message: "enqueued request_id=r-9".into() }
        );
    }

    #[test]
    fn platform_json_and_plain_text_records() {
        let p = parse(r#"{"time":"t","type":"platform.report","record":{"requestId":"abc","metrics":{"durationMs":12.5}}}"#);
        assert_eq!(p.request_id.as_deref(), Some("abc"));
        assert_eq!(p.level.as_deref(), Some("PLATFORM"));
        assert_eq!(p.message, r#"platform.report {"durationMs":12.5}"#);
        let p = parse("REPORT RequestId: 1234-5678\tDuration: 2.31 ms\n");
        assert_eq!(p.request_id.as_deref(), Some("1234-5678"));
        assert_eq!(p.level, None);
        assert_eq!(p.message, "REPORT RequestId: 1234-5678\tDuration: 2.31 ms");
        assert_eq!(parse("line one\nline two").message, "line one⏎line two");
        assert_eq!(parse("[1,2]").message, "[1,2]", "JSON that is not an object is text");
    }

    #[test]
    fn times_are_utc_with_milliseconds() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_time(1_796_028_001_123), "2026-11-30T08:40:01.123Z");
    }

    #[test]
    fn a_line_without_colours() {
        console::set_colors_enabled(false);
        let p = Parsed { request_id: Some("8f2c1d9e-aaaa".into()), level: Some("INFO".into()), message: "hello".into() };
        assert_eq!(format_line(0, "Support/Runner", 16, &p), "1970-01-01T00:00:00.000Z Support/Runner   8f2c1d9e INFO     hello");
        let p = Parsed { request_id: None, level: None, message: "x".into() };
        assert_eq!(format_line(0, "F", 1, &p), "1970-01-01T00:00:00.000Z F -        -        x");
    }
}
