//! Logs as JSON lines in Lambda's own format (`timestamp`, `level`, `message`, `requestId`),
//! so CloudWatch Logs Insights and Lambda's log-level filtering understand them, with the
//! request id on every line written during an invocation.
//!
//! lambda_runtime wraps each invocation in a span named "Lambda runtime invoke" carrying a
//! `requestId` field; [`RequestIdLayer`] remembers it, and [`LambdaJson`] writes it on each
//! line. Tokens never reach the logs: handlers log routes and ids, never headers or bodies.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{span, Event, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the JSON logger on stdout. Level: `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO.
pub fn init() {
    let _ = subscriber(std::io::stdout).try_init();
}

/// The logging subscriber writing to `writer` (tests capture the lines with it).
pub fn subscriber<W>(writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "info".into());
    let filter = filter(&level);
    tracing_subscriber::registry()
        .with(filter)
        .with(RequestIdLayer)
        .with(tracing_subscriber::fmt::layer().event_format(LambdaJson).with_writer(writer))
}

/// The level filter of `spec`: a level (`AWS_LAMBDA_LOG_LEVEL`, any case; Lambda's FATAL is
/// ERROR) or `RUST_LOG`'s `target=level,level` form; INFO when it does not parse.
///
/// `Targets`, not `EnvFilter`: EnvFilter's span-field matching links a regex engine into every
/// zip (about 0.2 MB) that Lambda's level setting never uses.
pub fn filter(spec: &str) -> Targets {
    let spec = spec.trim().to_ascii_lowercase();
    let spec = if spec == "fatal" { "error" } else { spec.as_str() };
    let level = |l: &str| !l.is_empty() && l.parse::<LevelFilter>().is_ok();
    let valid = spec.split(',').all(|d| match d.split_once('=') {
        Some((target, l)) => !target.is_empty() && level(l),
        None => level(d),
    });
    match spec.parse::<Targets>() {
        Ok(t) if valid => t,
        _ => Targets::new().with_default(LevelFilter::INFO),
    }
}

/// The invocation's request id, stored in the extensions of the span that declared it.
#[derive(Debug)]
struct RequestId(String);

/// Stores the `requestId` field of new spans (the runtime's per-invocation span).
#[derive(Debug)]
pub struct RequestIdLayer;

impl<S> Layer<S> for RequestIdLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        if let Some(Value::String(rid)) = fields.remove("requestId") {
            if let Some(span) = ctx.span(id) {
                span.extensions_mut().insert(RequestId(rid));
            }
        }
    }
}

/// Formats one event as one JSON line.
#[derive(Debug)]
pub struct LambdaJson;

impl<S, N> FormatEvent<S, N> for LambdaJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mut line = Map::new();
        event.record(&mut JsonVisitor(&mut line));
        line.insert("timestamp".into(), Value::String(rfc3339_now()));
        line.insert("level".into(), Value::String(event.metadata().level().as_str().into()));
        line.insert("target".into(), Value::String(event.metadata().target().into()));
        if let Some(scope) = ctx.event_scope() {
            for span in scope {
                if let Some(rid) = span.extensions().get::<RequestId>() {
                    line.insert("requestId".into(), Value::String(rid.0.clone()));
                    break;
                }
            }
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Collects event/span fields into a JSON object.
struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::String(value.into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), Value::String(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

/// Current UTC time as RFC 3339 with milliseconds (no date crate needed for one format).
fn rfc3339_now() -> String {
    let ms = crate::time::now_millis();
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn log_levels_from_lambda_and_rust_log() {
        use tracing::Level;
        let on = |spec: &str, target: &str, level: Level| filter(spec).would_enable(target, &level);
        assert!(on("DEBUG", "x", Level::DEBUG) && !on("DEBUG", "x", Level::TRACE));
        assert!(on("FATAL", "x", Level::ERROR) && !on("FATAL", "x", Level::WARN), "Lambda's FATAL is ERROR");
        assert!(on("warn", "x", Level::WARN) && !on("warn", "x", Level::INFO));
        assert!(on("agentcdk_runtime=debug,warn", "agentcdk_runtime::mcp", Level::DEBUG));
        assert!(!on("agentcdk_runtime=debug,warn", "hyper", Level::INFO));
        for bad in ["verbose", "", "=", "info==", "info,", "x=loud"] {
            assert!(on(bad, "x", Level::INFO) && !on(bad, "x", Level::DEBUG), "{bad:?} falls back to INFO");
        }
    }

    #[test]
    fn every_line_is_lambda_json_with_the_request_id() {
        let buf = Buf::default();
        tracing::subscriber::with_default(subscriber(buf.clone()), || {
            tracing::info!("before any invocation");
            let span = tracing::info_span!("Lambda runtime invoke", requestId = "req-123");
            let _g = span.enter();
            let inner = tracing::info_span!("handler", route = "chat");
            let _g2 = inner.enter();
            tracing::warn!(request_id = "r-9", "enqueued");
        });
        let text = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf8");
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["message"], "before any invocation");
        assert!(lines[0].get("requestId").is_none());
        assert_eq!(lines[1]["requestId"], "req-123");
        assert_eq!(lines[1]["level"], "WARN");
        assert_eq!(lines[1]["message"], "enqueued");
        assert_eq!(lines[1]["request_id"], "r-9");
        let ts = lines[1]["timestamp"].as_str().expect("ts");
        assert!(ts.len() == 24 && ts.ends_with('Z') && ts.starts_with("20"), "{ts}");
    }
}
