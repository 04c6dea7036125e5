//! Event-driven runs: `agent.on_event(scope, EventTrigger { .. })` routes the events matching
//! a pattern on a bus to a queued agent's input queue, each one run with a prompt made from
//! the event by a Handlebars template.
//!
//! Where the template runs: in the agent runner, with the same function
//! (`agentcdk_contract::events::render_prompt`) synth runs on the sample event. An
//! InputTransformer only substitutes `<var>` placeholders: it cannot run Handlebars
//! (`{{#if}}`, `{{#each}}`, helpers), so the rule's transformer writes an input-queue envelope
//! that carries the whole event and the trigger's id, and the runner renders the prompt from
//! `EVENT_TRIGGERS` (the template per trigger). One crate on both sides, one result.

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_contract::events::{
    self as contract, EventInput, TriggerConfig, TriggeredEnvelope, DEFAULT_EVENT_USER, EVENT_REQUEST_PREFIX, EVENT_TRIGGERS,
};
use agentcdk_contract::wire::{QueueEnvelope, ReplyTarget};
use agentcdk_synth::cfn::events::{rule, Rule};
use agentcdk_synth::prelude::*;
use agentcdk_synth::{AnyRef, List, Pseudo};

use super::handles::{Backend, Endpoint};
use super::ServerlessAgent;
use crate::codes;
use crate::events::EventBus;
use crate::sqs::{self, QueueProps};

/// EventBridge's default retry policy of a target: 185 attempts within 24 hours.
pub const DEFAULT_MAX_RETRIES: u32 = 185;
/// EventBridge's default maximum event age of a target: 24 hours.
pub const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(24 * 3600);

/// Where a run's session or user id comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventField {
    /// The event's id: each event its own session.
    EventId,
    /// A fixed value (a service user, one long session).
    Fixed(String),
    /// A JSONPath into the event naming a string, e.g. `$.detail.customer_id` (checked against
    /// the sample event when one is given). The value must be 1–128 characters of
    /// `A-Z a-z 0-9 _ . : -`, as every session and user id.
    Path(String),
}

/// Events that start runs of a queued agent: see [`ServerlessAgent::on_event`].
#[derive(Clone, Debug, PartialEq)]
pub struct EventTrigger {
    /// The bus the rule listens on. Default: the account's default bus.
    pub bus: EventBus,
    /// The EventBridge event pattern (a JSON object). Required.
    pub pattern: serde_json::Value,
    /// Handlebars template of the prompt, rendered against the whole event
    /// (`{{detail.case_id}}`, `{{#each detail.items}}…{{/each}}`), strict (a missing field fails
    /// the run) and without HTML escaping. Required.
    pub prompt: String,
    /// An example event: the template is rendered against it at synth and the paths of
    /// `session` and `user` must name strings in it. Default: none (syntax checked only).
    pub sample: Option<serde_json::Value>,
    /// The run's session. Default: [`EventField::EventId`] (each event its own conversation).
    pub session: EventField,
    /// The run's user (the history key; in WebSocket mode whose connections get the reply).
    /// Default: `Fixed("events")` ([`DEFAULT_EVENT_USER`]), a service user.
    pub user: EventField,
    /// Archive the matching events for replay, kept this long (whole days, 1–… ; `ZERO`:
    /// indefinitely). Default: none (no archive).
    pub archive: Option<Duration>,
    /// Delivery retries of the rule's target (0–185). Default: 185, EventBridge's.
    pub max_retries: u32,
    /// Oldest event the target still delivers (60 s – 24 h). Default: 24 h, EventBridge's.
    pub max_event_age: Duration,
}

impl EventTrigger {
    /// A trigger on the default bus with the documented defaults.
    pub fn new(pattern: serde_json::Value, prompt: impl Into<String>) -> EventTrigger {
        EventTrigger {
            bus: EventBus::default_bus(),
            pattern,
            prompt: prompt.into(),
            sample: None,
            session: EventField::EventId,
            user: EventField::Fixed(DEFAULT_EVENT_USER.into()),
            archive: None,
            max_retries: DEFAULT_MAX_RETRIES,
            max_event_age: DEFAULT_MAX_EVENT_AGE,
        }
    }
}

/// What a trigger built.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRule {
    /// The rule.
    pub rule: ResourceRef<Rule>,
    /// The target's dead-letter queue: events EventBridge could not deliver.
    pub dead_letter: sqs::Queue,
    /// The archive of the matching events, when asked for.
    pub archive: Option<AnyRef>,
}

impl ServerlessAgent {
    /// Runs the agent on the events matching `trigger.pattern` on `trigger.bus` (Queue and
    /// WebSocket modes: the rule's target is the input queue). The trigger's node is `scope`;
    /// its id (the path below the stack) keys its template in the runner's `EVENT_TRIGGERS`.
    /// Builds the rule (target with its own dead-letter queue and retry policy), lets exactly
    /// that rule send to the input queue, and the archive when asked. Mistakes are reported
    /// (`AC268x`), with `None` returned.
    pub fn on_event(&self, scope: &mut Scope, trigger: EventTrigger) -> Option<EventRule> {
        let Backend::Queued(queued) = &self.backend else {
            scope.error(
                codes::EVENTS_MODE,
                "an event trigger on an agent without an input queue",
                "event-driven runs need Mode::Queue or Mode::WebSocket (the rule's target is the input queue)",
            );
            return None;
        };
        if !check(scope, &trigger) {
            return None;
        }
        let id = scope.components().join("/");
        let input = &queued.pipeline.input;
        let dead_letter = sqs::Queue::new(
            &mut scope.scope("DeadLetterQueue"),
            QueueProps { retention: Duration::from_secs(14 * 24 * 3600), dead_letter: None, ..Default::default() },
        );
        scope.stack().acknowledge(
            &dead_letter.path,
            codes::SQS_NO_DEAD_LETTER,
            "it is the dead-letter queue of an EventBridge target: nothing consumes it to fail",
        );
        let reply_to = match &self.endpoint {
            Endpoint::WebSocket(ws) => Some(ws.api.callback_url()),
            Endpoint::Rest(_) | Endpoint::FunctionUrl(_) => None,
        };
        let target = rule::Target {
            id: Some("AgentInput".into()),
            arn: Some(input.arn().into()),
            input_transformer: Some(transformer(&id, &trigger, reply_to).into()),
            sqs_parameters: input.fifo.then(|| rule::SqsParameters { message_group_id: Some(id.clone().into()) }.into()),
            dead_letter_config: Some(rule::DeadLetterConfig { arn: Some(dead_letter.arn().into()) }.into()),
            retry_policy: Some(
                rule::RetryPolicy {
                    maximum_retry_attempts: Some(i64::from(trigger.max_retries).into()),
                    maximum_event_age_in_seconds: Some((trigger.max_event_age.as_secs() as i64).into()),
                }
                .into(),
            ),
            ..Default::default()
        };
        let rule = scope.add(
            "Rule",
            Rule {
                description: Some(format!("Runs agent {} on matching events", self.request_handler.path).into()),
                event_bus_name: Some(trigger.bus.name()),
                event_pattern: Some(trigger.pattern.clone().into()),
                targets: Some(Value::Lit(vec![target.into()])),
                ..Default::default()
            },
        );
        let stack = scope.stack();
        input.allow_send_from_rule(stack, &sid(&id), rule.attr_arn());
        dead_letter.allow_send_from_rule(stack, &sid(&id), rule.attr_arn());
        if input.fifo {
            // EventBridge gives FIFO targets no deduplication id: the queue must make one.
            if let Some(q) = stack.props_mut(&input.queue) {
                q.content_based_deduplication = Some(true.into());
            }
        }
        register(stack, &queued.runner, &id, &trigger.prompt);
        let archive = trigger.archive.map(|retention| archive(scope, &trigger, retention));
        Some(EventRule { rule, dead_letter, archive })
    }
}

/// A policy statement id from a trigger id (letters and digits only).
fn sid(id: &str) -> String {
    let clean: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("EventRule{clean}")
}

/// Adds the trigger's template to the runner's `EVENT_TRIGGERS` (one JSON object for all of
/// the agent's triggers).
fn register(stack: &mut Stack, runner: &crate::lambda::Function, id: &str, prompt: &str) {
    crate::environment::update(stack, runner.function.logical_id(), &runner.path, EVENT_TRIGGERS, |old| {
        let mut triggers: BTreeMap<String, TriggerConfig> = match old {
            Some(Value::Lit(json)) => contract::parse_triggers(json).unwrap_or_default(),
            _ => BTreeMap::new(),
        };
        triggers.insert(id.to_owned(), TriggerConfig { prompt: prompt.to_owned() });
        Value::Lit(serde_json::to_string(&triggers).expect("triggers serialize"))
    });
}

/// Placeholder the serialized envelope holds where the event goes.
const EVENT_SLOT: &str = "__agentcdk_event__";

/// The InputTransformer writing a [`TriggeredEnvelope`] (the contract type, serialized by
/// serde): `<id>` and the session/user paths substituted by EventBridge, the whole event as
/// `<aws.events.event.json>` (with `detail`; `<aws.events.event>` would leave it out).
fn transformer(id: &str, trigger: &EventTrigger, websocket: Option<Expr>) -> rule::InputTransformer {
    let mut paths = BTreeMap::from([("id".to_owned(), "$.id".to_owned())]);
    let mut field = |f: &EventField, var: &str| match f {
        EventField::EventId => "<id>".to_owned(),
        EventField::Fixed(v) => v.clone(),
        EventField::Path(p) => {
            paths.insert(var.to_owned(), p.clone());
            format!("<{var}>")
        }
    };
    let envelope = TriggeredEnvelope {
        envelope: QueueEnvelope {
            request_id: format!("{EVENT_REQUEST_PREFIX}<id>"),
            session_id: field(&trigger.session, "session"),
            user_id: field(&trigger.user, "user"),
            message: String::new(),
            reply_to: match websocket {
                Some(_) => ReplyTarget::WebSocket { endpoint: "${Endpoint}".into() },
                None => ReplyTarget::Poll,
            },
            submitted_at_ms: 0,
        },
        event: EventInput { trigger: id.to_owned(), detail: serde_json::Value::String(EVENT_SLOT.into()) },
    };
    let text =
        serde_json::to_string(&envelope).expect("envelope serializes").replace(&format!("\"{EVENT_SLOT}\""), "<aws.events.event.json>");
    let template: Value<String> = match websocket {
        Some(endpoint) => Expr::sub_with(text, [("Endpoint", endpoint)]).into(),
        None => text.into(),
    };
    rule::InputTransformer {
        input_paths_map: Some(Value::Lit(paths.into_iter().map(|(k, v)| (k, v.into())).collect())),
        input_template: Some(template),
    }
}

/// `AWS::Events::Archive` of the trigger's events (an L1 the generated set lacks: raw).
fn archive(scope: &mut Scope, trigger: &EventTrigger, retention: Duration) -> AnyRef {
    let raw = RawResource::new("AWS::Events::Archive")
        .prop("SourceArn", serde_json::to_value(Value::<String>::from(trigger.bus.arn())).expect("arn"))
        .prop("EventPattern", trigger.pattern.clone())
        .prop("Description", format!("Events of trigger {}", scope.path()))
        .prop("RetentionDays", retention.as_secs() / 86_400);
    let archive = scope.add_raw("Archive", raw);
    // Archive names are at most 48 characters and unique per account and region, and
    // CloudFormation's generated ones can be longer: the logical id's hash (unique in the
    // stack) and the stack id's UUID (unique per deployed stack), 45 characters.
    let hash = &archive.logical_id()[archive.logical_id().len().saturating_sub(8)..];
    let uuid = Expr::select(2, List::from(Expr::split("/", Expr::Pseudo(Pseudo::StackId))));
    let name: Value<String> = Expr::join("-", [Value::from(hash.to_owned()), Value::from(uuid)]).into();
    scope.stack().resource(&archive).add_property_override("ArchiveName", serde_json::to_value(name).expect("name"));
    archive
}

/// Pattern, template (against the sample), paths, bounds: every mistake reported; `false` when
/// any was found.
fn check(scope: &mut Scope, t: &EventTrigger) -> bool {
    let mut ok = true;
    let mut error = |scope: &mut Scope, code, message: String, hint: &str| {
        ok = false;
        scope.error(code, message, hint);
    };
    if t.pattern.as_object().is_none_or(|o| o.is_empty()) {
        error(
            scope,
            codes::EVENTS_PATTERN,
            "the event pattern is not a non-empty JSON object".into(),
            "e.g. json!({\"detail-type\": [\"SupportCaseOpened\"]})",
        );
    }
    let rendered = match &t.sample {
        Some(sample) => contract::render_prompt(&t.prompt, sample).map(|_| ()),
        None => contract::check_template(&t.prompt),
    };
    if let Err(e) = rendered {
        let against = if t.sample.is_some() { " against the sample event" } else { "" };
        error(
            scope,
            codes::EVENTS_TEMPLATE,
            format!("the prompt template does not render{against}: {e}"),
            "Handlebars: {{detail.field}}, {{#if ..}}..{{/if}}, {{#each ..}}..{{/each}}; every field used must be in the event",
        );
    }
    for (name, f) in [("session", &t.session), ("user", &t.user)] {
        if let Some(message) = field_problem(f, t.sample.as_ref()) {
            error(
                scope,
                codes::EVENTS_FIELD,
                format!("{name}: {message}"),
                "a JSONPath like $.detail.customer_id naming a string of 1-128 characters of A-Z a-z 0-9 _ . : -",
            );
        }
    }
    let age = t.max_event_age.as_secs();
    if t.max_retries > 185 || !(60..=86_400).contains(&age) || t.archive.is_some_and(|d| d.as_secs() % 86_400 != 0) {
        error(
            scope,
            codes::EVENTS_BOUNDS,
            "retries above 185, an event age outside 60 s - 24 h, or an archive retention that is not whole days".into(),
            "EventBridge's limits; archive retention is in days (Duration::ZERO keeps events indefinitely)",
        );
    }
    ok
}

/// What is wrong with a session or user field, if anything.
fn field_problem(f: &EventField, sample: Option<&serde_json::Value>) -> Option<String> {
    let valid_id = |v: &str| agentcdk_contract::wire::is_valid_id(v);
    match f {
        EventField::EventId => None,
        EventField::Fixed(v) => (!valid_id(v)).then(|| format!("'{v}' is not a valid id")),
        EventField::Path(p) => {
            let Some(rest) = p.strip_prefix("$.") else { return Some(format!("'{p}' does not start with '$.'")) };
            let keys: Vec<&str> = rest.split('.').collect();
            if keys.iter().any(|k| k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')) {
                return Some(format!("'{p}' is not a plain JSONPath of field names"));
            }
            let sample = sample?;
            match keys.iter().try_fold(sample, |v, k| v.get(k)).and_then(|v| v.as_str()) {
                Some(v) if valid_id(v) => None,
                Some(v) => Some(format!("'{p}' names '{v}' in the sample event, not a valid id")),
                None => Some(format!("'{p}' names no string in the sample event")),
            }
        }
    }
}
