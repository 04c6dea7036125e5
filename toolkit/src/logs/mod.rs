//! `logs [PATH...] [--tail] [--since 10m] [--filter TEXT]`: the stack's function logs, merged in
//! time order, one line per record (time, function, request id, level, message).
//!
//! History comes from FilterLogEvents on each function's log group (every page), merged by
//! timestamp; `--tail` then follows through a CloudWatch Logs Live Tail session (StartLiveTail,
//! up to 10 log groups per session, ended by Ctrl-C or after the service's 3-hour limit).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_cloudwatchlogs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cloudwatchlogs::error::BoxError;
use clap::Args;

use crate::aws::{sdk_error, Clients};
use crate::functions::Deployed;
use crate::{AwsArgs, Error, Result};

pub mod record;

/// `logs`' options.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Construct paths of functions, or of constructs holding functions (`Support` for all of
    /// an agent's functions). Default: every function of the selected stacks.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Follow new records as they arrive (CloudWatch Logs Live Tail) until Ctrl-C.
    #[arg(long)]
    pub tail: bool,
    /// How far back to read: a number and s, m, h or d.
    #[arg(long, default_value = "10m", value_parser = parse_since, value_name = "AGE")]
    pub since: Duration,
    /// Only records matching this CloudWatch Logs filter pattern (a word matches records that
    /// contain it; `"a phrase"` in quotes; `{ $.level = "ERROR" }` on the JSON fields).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Only these stacks (default: all).
    #[arg(long = "stack", value_name = "STACK")]
    pub stacks: Vec<String>,
    /// Profile, region and endpoint.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `10m`, `30s`, `2h`, `1d` as a duration.
pub fn parse_since(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("'{text}' is not an age like 10m, 30s, 2h or 1d"))?;
    let secs = match unit {
        "s" => n,
        "m" | "" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("'{text}': the unit is s, m, h or d")),
    };
    Ok(Duration::from_secs(secs))
}

/// One record from one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When the function wrote it (milliseconds since the epoch).
    pub timestamp: i64,
    /// The function's construct path.
    pub function: String,
    /// The record as written.
    pub message: String,
}

/// Events from several groups in time order; a stable sort, so records of one group with the
/// same millisecond keep the order the service gave.
pub fn merge(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by_key(|e| e.timestamp);
    events
}

/// The printed lines of `events`, the function column as wide as the longest path.
pub fn format_events(events: &[Event], width: usize) -> Vec<String> {
    events.iter().map(|e| record::format_line(e.timestamp, &e.function, width, &record::parse(&e.message))).collect()
}

/// Every record of `function`'s log group since `start_ms` matching `filter`, every page.
pub async fn history(clients: &Clients, function: &Deployed<'_>, start_ms: i64, filter: Option<&str>) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let answer = clients
            .logs
            .filter_log_events()
            .log_group_name(&function.log_group)
            .start_time(start_ms)
            .set_filter_pattern(filter.map(str::to_owned))
            .set_next_token(token.clone())
            .send()
            .await;
        let page = match answer {
            Ok(page) => page,
            // A function that never ran has no log group yet (Lambda makes it on first write).
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => return Ok(out),
            Err(e) => return Err(sdk_error(format!("filter-log-events {}", function.log_group), &e)),
        };
        out.extend(page.events().iter().map(|e| Event {
            timestamp: e.timestamp().unwrap_or_default(),
            function: function.function.path.clone(),
            message: e.message().unwrap_or_default().to_owned(),
        }));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Prints the history of every function, merged, then follows them when `tail`.
pub async fn logs(clients: &Clients, functions: &[Deployed<'_>], args: &LogsArgs) -> Result<()> {
    let width = functions.iter().map(|f| f.function.path.len()).max().unwrap_or(0);
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let start = now_ms - args.since.as_millis() as i64;
    let mut events = Vec::new();
    for f in functions {
        events.extend(history(clients, f, start, args.filter.as_deref()).await?);
    }
    for line in format_events(&merge(events), width) {
        println!("{line}");
    }
    if args.tail {
        live_tail(clients, functions, args.filter.as_deref(), width).await?;
    }
    Ok(())
}

/// The ARN of a log group by name (Live Tail takes ARNs).
async fn log_group_arn(clients: &Clients, name: &str) -> Result<Option<String>> {
    let answer = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| sdk_error(format!("describe-log-groups {name}"), &e))?;
    Ok(answer
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .and_then(|g| g.log_group_arn().map(str::to_owned).or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_owned()))))
}

/// Follows the functions' log groups until Ctrl-C (or the session ends).
async fn live_tail(clients: &Clients, functions: &[Deployed<'_>], filter: Option<&str>, width: usize) -> Result<()> {
    let mut by_arn: HashMap<String, String> = HashMap::new();
    for f in functions {
        match log_group_arn(clients, &f.log_group).await? {
            Some(arn) => {
                by_arn.insert(arn, f.function.path.clone());
            }
            None => eprintln!("{}: no log group {} yet (it appears on the first invocation); not followed", f.function.path, f.log_group),
        }
    }
    if by_arn.is_empty() {
        return Err(Error::new("no log group to follow").hint("invoke a function first: Lambda creates its log group on first write"));
    }
    if by_arn.len() > 10 {
        return Err(Error::new(format!("{} log groups: Live Tail follows at most 10 at a time", by_arn.len()))
            .hint("name the functions to follow: cargo agentcdk logs --tail PATH..."));
    }
    let mut arns: Vec<String> = by_arn.keys().cloned().collect();
    arns.sort();
    let start =
        clients.logs.start_live_tail().set_log_group_identifiers(Some(arns)).set_log_event_filter_pattern(filter.map(str::to_owned));
    let session = match clients.endpoint {
        Some(_) => start.customize().interceptor(NoHostPrefix).send().await,
        None => start.send().await,
    }
    .map_err(|e| sdk_error("start-live-tail", &e))?;
    eprintln!("following {} log group(s); Ctrl-C ends", by_arn.len());
    let mut stream = session.response_stream;
    loop {
        let next = tokio::select! {
            next = stream.recv() => next,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match next {
            Ok(Some(update)) => {
                for line in format_events(&live_events(&update, &by_arn), width) {
                    println!("{line}");
                }
            }
            Ok(None) => {
                eprintln!("the live tail session ended");
                return Ok(());
            }
            Err(e) => return Err(sdk_error("live tail", &e)),
        }
    }
}

/// Live Tail's endpoint is the service's with a `stream-` host prefix, which the SDK puts in
/// front of an endpoint override too (`stream-127.0.0.1` does not resolve): with
/// `AWS_ENDPOINT_URL` (an emulator), this takes the prefix off again before the request is
/// signed.
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().replacen("://stream-", "://", 1);
        request.set_uri(uri)?;
        Ok(())
    }
}

/// The records of one Live Tail message (a session start has none), by function.
pub fn live_events(update: &aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream, by_arn: &HashMap<String, String>) -> Vec<Event> {
    let Ok(update) = update.as_session_update() else { return Vec::new() };
    merge(
        update
            .session_results()
            .iter()
            .map(|e| {
                let group = e.log_group_identifier().unwrap_or_default();
                let function = by_arn.get(group.trim_end_matches(":*")).cloned().unwrap_or_else(|| group.to_owned());
                Event { timestamp: e.timestamp().unwrap_or_default(), function, message: e.message().unwrap_or_default().to_owned() }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatchlogs::types::{LiveTailSessionLogEvent, LiveTailSessionUpdate, StartLiveTailResponseStream};

    #[test]
    fn ages() {
        assert_eq!(parse_since("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_since("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_since("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_since("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_since("5"), Ok(Duration::from_secs(300)), "minutes when no unit");
        assert!(parse_since("10y").unwrap_err().contains("the unit is s, m, h or d"));
        assert!(parse_since("m").is_err());
    }

    #[test]
    fn merged_in_time_order_stably() {
        let e = |t: i64, f: &str, m: &str| Event { timestamp: t, function: f.into(), message: m.into() };
        let merged = merge(vec![e(3, "A", "a3"), e(1, "A", "a1"), e(2, "B", "b2"), e(3, "B", "b3"), e(1, "B", "b1")]);
        let order: Vec<&str> = merged.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(order, ["a1", "b1", "b2", "a3", "b3"]);
    }

    #[test]
    fn live_tail_updates_name_the_function_by_group_arn() {
        let arn = "arn:aws:logs:us-east-1:123456789012:log-group:runner-logs";
        let by_arn: HashMap<String, String> = [(arn.to_owned(), "Support/Runner".to_owned())].into();
        let event =
            |t: i64, group: &str, m: &str| LiveTailSessionLogEvent::builder().timestamp(t).log_group_identifier(group).message(m).build();
        let update = StartLiveTailResponseStream::SessionUpdate(
            LiveTailSessionUpdate::builder()
                .session_results(event(2, arn, "second"))
                .session_results(event(1, &format!("{arn}:*"), "first"))
                .session_results(event(3, "other", "third"))
                .build(),
        );
        let events = live_events(&update, &by_arn);
        let got: Vec<(&str, &str)> = events.iter().map(|e| (e.function.as_str(), e.message.as_str())).collect();
        assert_eq!(got, [("Support/Runner", "first"), ("Support/Runner", "second"), ("other", "third")]);
        let start = StartLiveTailResponseStream::SessionStart(aws_sdk_cloudwatchlogs::types::LiveTailSessionStart::builder().build());
        assert!(live_events(&start, &by_arn).is_empty());
    }
}
