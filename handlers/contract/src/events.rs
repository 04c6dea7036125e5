//! Event-driven runs and completion events: what an EventBridge rule puts on an agent's input
//! queue, how the runner makes the prompt from the event, and the events a queued run emits.
//!
//! Where the prompt is rendered: in the runner, not in EventBridge. An InputTransformer only
//! substitutes `<var>` placeholders, so it cannot run a Handlebars template (`{{#if}}`,
//! `{{#each}}`, helpers, escaping). The rule's InputTransformer writes a [`TriggeredEnvelope`]:
//! a plain input-queue envelope (`message` empty) plus the whole event and the id of its
//! trigger; the runner renders the trigger's template ([`TriggerConfig::prompt`], from
//! [`EVENT_TRIGGERS`]) against the event with [`render_prompt`] (feature `template`), the same
//! function the constructs run at synth against the sample event. One crate, one function, one
//! result on both sides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire::{QueueEnvelope, Reply, ResponseStatus};

/// Environment variable of the runner: the triggers whose events it may receive, a JSON object
/// trigger id → [`TriggerConfig`]. Default: none (an envelope naming a trigger is poison).
pub const EVENT_TRIGGERS: &str = "EVENT_TRIGGERS";
/// Environment variable of the runner: the name or ARN of the bus that receives
/// [`DETAIL_TYPE_COMPLETED`] / [`DETAIL_TYPE_FAILED`]. Default: unset (no completion events).
pub const COMPLETION_EVENT_BUS: &str = "COMPLETION_EVENT_BUS";
/// Environment variable of the runner: the `source` of its completion events. Default:
/// [`DEFAULT_COMPLETION_SOURCE`].
pub const COMPLETION_EVENT_SOURCE: &str = "COMPLETION_EVENT_SOURCE";
/// Default of [`COMPLETION_EVENT_SOURCE`].
pub const DEFAULT_COMPLETION_SOURCE: &str = "agentcdk.agent";
/// `detail-type` of a run that produced a reply.
pub const DETAIL_TYPE_COMPLETED: &str = "Agent Run Completed";
/// `detail-type` of a run that was given up.
pub const DETAIL_TYPE_FAILED: &str = "Agent Run Failed";
/// A reply longer than this (bytes) travels in a completion event as its S3 reference, never
/// inline: an event entry is at most 256 KiB, detail and envelope included.
pub const COMPLETION_REPLY_INLINE_MAX_BYTES: usize = 200_000;
/// The user id of event-triggered runs when the trigger names no user path.
pub const DEFAULT_EVENT_USER: &str = "events";
/// Prefix of the request id of an event-triggered run (`event-<event id>`): a redelivered event
/// (same id) never runs the model twice.
pub const EVENT_REQUEST_PREFIX: &str = "event-";

/// One trigger as the runner knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerConfig {
    /// Handlebars template of the prompt, rendered against the whole event (`{{detail.x}}`,
    /// `{{source}}`, `{{id}}`…), strict: a missing field fails the run (dead-lettered).
    pub prompt: String,
}

/// Parses the value of [`EVENT_TRIGGERS`].
pub fn parse_triggers(value: &str) -> Result<BTreeMap<String, TriggerConfig>, serde_json::Error> {
    serde_json::from_str(value)
}

/// What an event rule's InputTransformer puts on the input queue: a [`QueueEnvelope`] whose
/// `message` is empty, plus the event. Readers that know only `QueueEnvelope` (the DLQ
/// consumer) read it as one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggeredEnvelope {
    /// The envelope (request id `event-<event id>`, session and user as the trigger says).
    #[serde(flatten)]
    pub envelope: QueueEnvelope,
    /// The event and its trigger.
    pub event: EventInput,
}

/// The event of a [`TriggeredEnvelope`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventInput {
    /// Key of the trigger in [`EVENT_TRIGGERS`].
    pub trigger: String,
    /// The whole EventBridge event (`<aws.events.event.json>`).
    pub detail: serde_json::Value,
}

/// `detail` of a completion event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEventDetail {
    /// The run's request id.
    pub request_id: String,
    /// Its session.
    pub session_id: String,
    /// Its user.
    pub user_id: String,
    /// `completed` or `failed`.
    pub status: ResponseStatus,
    /// The reply (inline up to [`COMPLETION_REPLY_INLINE_MAX_BYTES`], else its S3 reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    /// The stable failure reason (`wire::failure`) of a failed run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Why a prompt template does not compile or render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// What is wrong.
    pub message: String,
    /// 1-based line and column in the template, when known.
    pub position: Option<(usize, usize)>,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "line {line}, column {column}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

#[cfg(feature = "template")]
mod template {
    use super::TemplateError;

    fn registry() -> handlebars::Handlebars<'static> {
        let mut hb = handlebars::Handlebars::new();
        // A prompt is text for a model, not HTML: no entity escaping. Strict: a field the
        // event lacks is an error, not silently empty text.
        hb.register_escape_fn(handlebars::no_escape);
        hb.set_strict_mode(true);
        hb
    }

    /// Compiles `template` (syntax only).
    pub fn check_template(template: &str) -> Result<(), TemplateError> {
        handlebars::Template::compile(template)
            .map(|_| ())
            .map_err(|e| TemplateError { message: e.reason().to_string(), position: e.pos() })
    }

    /// Renders the prompt `template` against `event` (strict, no HTML escaping): the runner
    /// at run time and the constructs at synth (against the sample event) call this one
    /// function.
    pub fn render_prompt(template: &str, event: &serde_json::Value) -> Result<String, TemplateError> {
        check_template(template)?;
        registry()
            .render_template(template, event)
            .map_err(|e| TemplateError { message: e.reason().to_string(), position: e.line_no.zip(e.column_no) })
    }
}

#[cfg(feature = "template")]
pub use template::{check_template, render_prompt};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_triggered_envelope_is_also_a_queue_envelope() {
        let body = r#"{"request_id": "event-1", "session_id": "s", "user_id": "events", "message": "",
            "reply_to": {"kind": "poll"}, "submitted_at_ms": 0,
            "event": {"trigger": "T0", "detail": {"detail": {"case": 7}}}}"#;
        let triggered: TriggeredEnvelope = serde_json::from_str(body).expect("triggered");
        assert_eq!(triggered.event.trigger, "T0");
        let plain: QueueEnvelope = serde_json::from_str(body).expect("plain");
        assert_eq!(plain, triggered.envelope);
    }

    #[cfg(feature = "template")]
    #[test]
    fn templates_render_strictly_and_report_positions() {
        let event = serde_json::json!({"detail": {"case": "C-1", "items": ["a", "b"], "note": "<b>&"}});
        let out = render_prompt("Case {{detail.case}}: {{#each detail.items}}{{this}} {{/each}}{{detail.note}}", &event);
        assert_eq!(out.expect("renders"), "Case C-1: a b <b>&");
        let missing = render_prompt("{{detail.nope}}", &event).expect_err("strict");
        assert!(missing.message.contains("nope"), "{missing}");
        let bad = check_template("line one\nCase {{#if detail.case}} open").expect_err("unclosed");
        assert_eq!(bad.position.map(|p| p.0), Some(2), "{bad}");
    }
}
