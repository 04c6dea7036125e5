//! Step 6, watch: the stack's events as they come, with a progress bar, until the operation ends.

use std::time::Duration;

use aws_sdk_cloudformation::types::StackEvent;
use console::style;
use indicatif::{ProgressBar, ProgressStyle};

use super::POLL;
use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::{Error, Result};

/// How a watched stack operation ended.
#[derive(Debug, Clone)]
pub struct End {
    /// The stack's final status.
    pub status: String,
    /// The stack's status reason.
    pub reason: Option<String>,
    /// `LogicalId (Type): reason` of each resource that failed.
    pub failures: Vec<String>,
}

/// The error for a stack operation that ended in `end`, naming each failed resource.
pub fn failure(name: &str, end: &End, what: &str) -> Error {
    let mut message = format!("{name}: {what}: {}", end.status);
    if let Some(reason) = &end.reason {
        message.push_str(&format!(" ({reason})"));
    }
    if !end.failures.is_empty() {
        message.push_str("\nfailed resources:");
        for f in &end.failures {
            message.push_str(&format!("\n  {f}"));
        }
    }
    Error::new(message)
}

/// The id of the stack's newest event (events after it belong to what we start now).
pub async fn newest_event(clients: &Clients, stack_id: &str) -> Result<Option<String>> {
    match clients.cfn.describe_stack_events().stack_name(stack_id).send().await {
        Ok(answer) => Ok(answer.stack_events().first().and_then(|e| e.event_id()).map(str::to_owned)),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(sdk_error("describe-stack-events", &e)),
    }
}

/// Watches the stack from now on (see [`watch_stack_from`]).
pub async fn watch_stack(clients: &Clients, stack_id: &str, name: &str, resources: usize) -> Result<End> {
    let marker = newest_event(clients, stack_id).await?;
    watch_stack_from(clients, stack_id, name, resources, marker).await
}

/// Prints the stack's events after `marker` as they come, with a progress bar, until the
/// stack leaves `*_IN_PROGRESS`.
pub async fn watch_stack_from(clients: &Clients, stack_id: &str, name: &str, resources: usize, mut marker: Option<String>) -> Result<End> {
    let bar = ProgressBar::new(resources as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} resources  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut failures = Vec::new();
    let result = loop {
        let events = new_events(clients, stack_id, &mut marker).await?;
        for event in &events {
            let status = event.resource_status().map(|s| s.as_str()).unwrap_or("?");
            let logical = event.logical_resource_id().unwrap_or("?");
            let reason = event.resource_status_reason().unwrap_or_default();
            let line = format_event(event);
            bar.suspend(|| println!("{line}"));
            let is_stack = logical == name;
            if !is_stack && status.ends_with("_COMPLETE") && !status.contains("ROLLBACK") {
                bar.inc(1);
            }
            if status.ends_with("_FAILED") && !reason.is_empty() && !reason.contains("Resource creation cancelled") {
                failures.push(format!("{logical} ({}): {reason}", event.resource_type().unwrap_or("?")));
            }
            bar.set_message(status.to_owned());
        }
        let described = clients.cfn.describe_stacks().stack_name(stack_id).send().await;
        let stack = match described {
            Ok(answer) => answer.stacks().first().cloned(),
            Err(e) if is_missing_stack(&e) => None,
            Err(e) => {
                bar.finish_and_clear();
                return Err(sdk_error(format!("describe-stacks {name}"), &e));
            }
        };
        let Some(stack) = stack else {
            break End { status: "DELETE_COMPLETE".to_owned(), reason: None, failures };
        };
        let status = stack.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        if !status.ends_with("_IN_PROGRESS") {
            // Events written together with the final status.
            for event in new_events(clients, stack_id, &mut marker).await? {
                let line = format_event(&event);
                bar.suspend(|| println!("{line}"));
            }
            break End { status, reason: stack.stack_status_reason().map(str::to_owned), failures };
        }
        tokio::time::sleep(POLL).await;
    };
    bar.finish_and_clear();
    Ok(result)
}

/// Events newer than `marker`, oldest first; moves `marker` to the newest.
async fn new_events(clients: &Clients, stack_id: &str, marker: &mut Option<String>) -> Result<Vec<StackEvent>> {
    let mut fresh = Vec::new();
    let mut token: Option<String> = None;
    'pages: for _ in 0..20 {
        let answer = match clients.cfn.describe_stack_events().stack_name(stack_id).set_next_token(token.clone()).send().await {
            Ok(a) => a,
            Err(e) if is_missing_stack(&e) => break,
            Err(e) => return Err(sdk_error("describe-stack-events", &e)),
        };
        for event in answer.stack_events() {
            if event.event_id().is_some() && event.event_id() == marker.as_deref() {
                break 'pages;
            }
            fresh.push(event.clone());
        }
        token = answer.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if let Some(newest) = fresh.first().and_then(|e| e.event_id()) {
        *marker = Some(newest.to_owned());
    }
    fresh.reverse();
    Ok(fresh)
}

/// `HH:MM:SS  STATUS  LogicalId  Type  reason`, coloured by status.
pub fn format_event(event: &StackEvent) -> String {
    let time = event
        .timestamp()
        .map(|t| t.secs().rem_euclid(86_400))
        .map_or_else(|| "--:--:--".to_owned(), |s| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60));
    let status = event.resource_status().map(|s| s.as_str()).unwrap_or("?");
    let styled = if status.ends_with("FAILED") || status.contains("ROLLBACK") {
        style(format!("{status:<20}")).red()
    } else if status.ends_with("_COMPLETE") {
        style(format!("{status:<20}")).green()
    } else {
        style(format!("{status:<20}")).dim()
    };
    let mut line = format!(
        "  {time}  {styled}  {}  {}",
        event.logical_resource_id().unwrap_or("?"),
        style(event.resource_type().unwrap_or("?")).dim()
    );
    if let Some(reason) = event.resource_status_reason().filter(|r| !r.is_empty()) {
        line.push_str(&format!("  {reason}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_resources_and_reasons() {
        let end = End {
            status: "ROLLBACK_COMPLETE".into(),
            reason: Some("The following resource(s) failed to create: [Fn]".into()),
            failures: vec!["Fn (AWS::Lambda::Function): Resource handler returned message: \"Error occurred while GetObject\"".into()],
        };
        assert_eq!(
            failure("S", &end, "deployment failed").to_string(),
            "error: S: deployment failed: ROLLBACK_COMPLETE (The following resource(s) failed to create: [Fn])\n\
             failed resources:\n  Fn (AWS::Lambda::Function): Resource handler returned message: \"Error occurred while GetObject\""
        );
    }

    #[test]
    fn events_read_as_one_line() {
        use aws_sdk_cloudformation::primitives::DateTime;
        use aws_sdk_cloudformation::types::ResourceStatus;
        console::set_colors_enabled(false);
        let event = StackEvent::builder()
            .stack_id("id")
            .event_id("e1")
            .stack_name("S")
            .timestamp(DateTime::from_secs(3 * 3600 + 25 * 60 + 7))
            .logical_resource_id("Queue")
            .resource_type("AWS::SQS::Queue")
            .resource_status(ResourceStatus::CreateFailed)
            .resource_status_reason("Access denied")
            .build();
        assert_eq!(format_event(&event), "  03:25:07  CREATE_FAILED         Queue  AWS::SQS::Queue  Access denied");
    }
}
