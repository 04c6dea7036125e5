//! One terminal for every function: each line a handler writes (Lambda's JSON log format:
//! `level`, `message`, `requestId`, fields) printed with the function's name, coloured on a
//! terminal (plain text when piped), or as one JSON object per line with `--json`
//! (`{"function", ...the line's fields}`). Each invocation ends with Lambda's `REPORT` line.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

static JSON: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

/// Colours only on a terminal (and not when `NO_COLOR` is set, no-color.org): a log piped to a
/// file or another program stays plain text.
fn colours() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none())
}

/// Machine-readable lines (`--json`) instead of coloured text.
pub fn set_json(on: bool) {
    JSON.store(on, Ordering::Relaxed);
}

/// No function log lines at all (tests keep their output short).
pub fn set_quiet(on: bool) {
    QUIET.store(on, Ordering::Relaxed);
}

/// Copies `stream` (a function's stdout or stderr) to the terminal line by line.
pub fn forward(function: String, stream: impl AsyncRead + Unpin + Send + 'static) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            print_line(&function, &line);
        }
    });
}

/// Prints one of dev's own lines (`dev` as the function name).
pub fn dev(message: &str) {
    print_line("dev", &serde_json::json!({"level": "INFO", "message": message}).to_string());
}

/// Lambda's `REPORT` line of one invocation, a warning when the sandbox's peak memory is over
/// the function's `MemorySize`.
pub fn report(function: &str, r: &crate::lambda::Report) {
    let used = r.max_memory_used_mb.map(|m| format!("{m} MB")).unwrap_or_else(|| "unknown".into());
    let mut message = format!(
        "REPORT RequestId: {} Duration: {:.2} ms Memory Size: {} MB Max Memory Used: {used}",
        r.request_id,
        r.duration.as_secs_f64() * 1000.0,
        r.memory_size_mb
    );
    if r.exceeded() {
        message.push_str(" — over MemorySize: Lambda would stop this sandbox (Runtime.OutOfMemory); raise the function's memory");
    }
    let mut line = serde_json::json!({"level": if r.exceeded() { "WARN" } else { "INFO" }, "message": message, "requestId": r.request_id});
    if JSON.load(Ordering::Relaxed) {
        line["durationMs"] = serde_json::json!((r.duration.as_secs_f64() * 100_000.0).round() / 100.0);
        line["memorySizeMB"] = serde_json::json!(r.memory_size_mb);
        line["maxMemoryUsedMB"] = serde_json::json!(r.max_memory_used_mb);
    }
    print_line(function, &line.to_string());
}

fn print_line(function: &str, line: &str) {
    if QUIET.load(Ordering::Relaxed) {
        return;
    }
    let parsed: Option<Value> = serde_json::from_str(line).ok().filter(Value::is_object);
    if JSON.load(Ordering::Relaxed) {
        let mut v = parsed.unwrap_or_else(|| serde_json::json!({"message": line}));
        v["function"] = Value::String(function.to_owned());
        println!("{v}");
        return;
    }
    let (level, request, message) = match &parsed {
        Some(v) => (
            v["level"].as_str().unwrap_or("INFO").to_owned(),
            v["requestId"].as_str().map(|r| format!(" {}", &r[..r.len().min(8)])).unwrap_or_default(),
            describe(v),
        ),
        None => ("INFO".to_owned(), String::new(), line.to_owned()),
    };
    let colour = match level.as_str() {
        "ERROR" => "31",
        "WARN" => "33",
        "DEBUG" | "TRACE" => "90",
        _ => "32",
    };
    if !colours() {
        println!("{function:>22}{request} {level:<5} {message}");
        return;
    }
    let hue = 31 + function.bytes().fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b))) % 6;
    println!("\x1b[{hue}m{function:>22}\x1b[0m\x1b[90m{request}\x1b[0m \x1b[{colour}m{level:<5}\x1b[0m {message}");
}

/// `message` followed by the other fields as `key=value`.
fn describe(v: &Value) -> String {
    let mut out = v["message"].as_str().unwrap_or_default().to_owned();
    if let Some(m) = v.as_object() {
        for (k, val) in m {
            if matches!(k.as_str(), "message" | "level" | "requestId" | "timestamp" | "target") {
                continue;
            }
            let text = val.as_str().map(str::to_owned).unwrap_or_else(|| val.to_string());
            out.push_str(&format!(" {k}={text}"));
        }
    }
    out
}
