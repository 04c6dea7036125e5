//! Event-driven runs on the construct side: the rule's InputTransformer writes exactly the
//! contract's `TriggeredEnvelope`, the runner's `EVENT_TRIGGERS` holds the template, the input
//! queue lets exactly that rule send, completion events are granted on exactly one bus, and
//! every mistake (a template that does not compile or render against the sample) has its code.

use agentcdk::assertions::Template;
use agentcdk::codes;
use agentcdk::contract::events::{parse_triggers, render_prompt, TriggeredEnvelope, EVENT_TRIGGERS};
use agentcdk::contract::wire::ReplyTarget;
use agentcdk::events::EventBus;
use agentcdk::prelude::*;
use serde_json::{json, Value as Json};

mod common;
use common::{diagnostics, jwt};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const PROMPT: &str = "Case {{detail.case_id}} opened by {{detail.customer_id}}:\n{{detail.summary}}";

fn sample() -> Json {
    json!({"id": "e-1", "source": "support.desk", "detail-type": "SupportCaseOpened",
        "detail": {"case_id": "C-7", "customer_id": "cust-1", "summary": "charged twice"}})
}

fn trigger(bus: EventBus) -> EventTrigger {
    EventTrigger {
        bus,
        sample: Some(sample()),
        session: EventField::Path("$.detail.case_id".into()),
        user: EventField::Path("$.detail.customer_id".into()),
        archive: Some(std::time::Duration::from_secs(30 * 86_400)),
        ..EventTrigger::new(json!({"detail-type": ["SupportCaseOpened"]}), PROMPT)
    }
}

/// A WebSocket agent on a custom bus with one trigger; its template, the agent and the rule.
fn build(stack: &mut Stack) -> (ServerlessAgent, EventRule, EventBus) {
    let bus = EventBus::new(&mut stack.scope("Bus"), "support");
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt());
    let agent = ServerlessAgent::new(
        &mut stack.scope("Agent"),
        AgentProps {
            mode: Mode::WebSocket(QueueOptions::default()),
            completion_events: Some(bus.clone()),
            ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth))
        },
    );
    let rule = agent.on_event(&mut stack.scope("CaseOpened"), trigger(bus.clone())).expect("valid trigger");
    (agent, rule, bus)
}

fn synth() -> (Template, ServerlessAgent, EventRule, EventBus) {
    let mut app = App::new();
    let (agent, rule, bus) = build(app.stack("S", StackProps::default()));
    (Template::from_stack(&mut app, "S"), agent, rule, bus)
}

fn queued(agent: &ServerlessAgent) -> &Queued {
    match agent.backend() {
        Backend::Queued(q) => q,
        Backend::Inline => panic!("a queued agent"),
    }
}

/// What EventBridge would write for `event`: `<var>`s from the paths map, the whole event.
fn transform(transformer: &Json, event: &Json) -> String {
    let template = &transformer["InputTemplate"];
    let (mut text, endpoint) = match template.get("Fn::Sub") {
        Some(sub) => (sub[0].as_str().expect("text").to_owned(), Some(sub[1]["Endpoint"].clone())),
        None => (template.as_str().expect("text").to_owned(), None),
    };
    assert!(endpoint.is_some(), "a WebSocket agent's runs push to its Management API endpoint");
    text = text.replace("${Endpoint}", "https://api.example/agents");
    for (var, path) in transformer["InputPathsMap"].as_object().expect("paths") {
        let pointer = format!("/{}", path.as_str().unwrap().trim_start_matches("$.").replace('.', "/"));
        text = text.replace(&format!("<{var}>"), event.pointer(&pointer).and_then(Json::as_str).expect("path in event"));
    }
    text.replace("<aws.events.event.json>", &event.to_string())
}

#[test]
fn the_rule_writes_the_contracts_envelope_and_the_runner_holds_the_template() {
    let (t, agent, rule, _) = synth();
    let q = queued(&agent);
    let rule_props = t.resource_by_id(&rule.rule).properties().clone();
    assert_eq!(rule_props["EventPattern"], json!({"detail-type": ["SupportCaseOpened"]}));
    let target = &rule_props["Targets"][0];
    assert_eq!(target["Arn"], json!({"Fn::GetAtt": [q.pipeline.input.queue.logical_id(), "Arn"]}));
    assert_eq!(target["DeadLetterConfig"]["Arn"], json!({"Fn::GetAtt": [rule.dead_letter.queue.logical_id(), "Arn"]}));
    assert_eq!(target["RetryPolicy"], json!({"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}));
    assert_eq!(target["SqsParameters"], json!({"MessageGroupId": "CaseOpened"}), "FIFO input: one group per trigger");
    let body = transform(&target["InputTransformer"], &sample());
    let triggered: TriggeredEnvelope = serde_json::from_str(&body).expect("the body is a TriggeredEnvelope");
    assert_eq!(triggered.envelope.request_id, "event-e-1");
    assert_eq!(triggered.envelope.session_id, "C-7");
    assert_eq!(triggered.envelope.user_id, "cust-1");
    assert_eq!(triggered.envelope.reply_to, ReplyTarget::WebSocket { endpoint: "https://api.example/agents".into() });
    assert_eq!(triggered.event.trigger, "CaseOpened");
    assert_eq!(triggered.event.detail, sample());
    // The runner renders this trigger's template: the prompt the model will get.
    let runner_env = t.resource_by_id(&q.runner).property(&format!("/Environment/Variables/{EVENT_TRIGGERS}")).cloned();
    let triggers = parse_triggers(runner_env.as_ref().and_then(Json::as_str).expect("literal")).expect("EVENT_TRIGGERS parses");
    let prompt = render_prompt(&triggers[&triggered.event.trigger].prompt, &triggered.event.detail).expect("renders");
    assert_eq!(prompt, "Case C-7 opened by cust-1:\ncharged twice");
    // FIFO targets of EventBridge need content-based deduplication on the queue.
    assert_eq!(t.resource_by_id(&q.pipeline.input.queue).properties()["ContentBasedDeduplication"], json!(true));
}

#[test]
fn exactly_that_rule_may_send_and_the_runner_puts_events_on_exactly_its_bus() {
    let (t, agent, rule, bus) = synth();
    let q = queued(&agent);
    let rule_arn = json!({"Fn::GetAtt": [rule.rule.logical_id(), "Arn"]});
    for queue in [&q.pipeline.input, &rule.dead_letter] {
        let policies: Vec<Json> = t
            .resources_of("AWS::SQS::QueuePolicy")
            .map(|p| p.properties().clone())
            .filter(|p| p["Queues"] == json!([{"Ref": queue.queue.logical_id()}]))
            .collect();
        assert_eq!(policies.len(), 1, "one policy per queue");
        let allows: Vec<&Json> =
            policies[0]["PolicyDocument"]["Statement"].as_array().unwrap().iter().filter(|s| s["Effect"] == "Allow").collect();
        assert_eq!(allows.len(), 1, "{allows:?}");
        assert_eq!(allows[0]["Principal"], json!({"Service": "events.amazonaws.com"}));
        assert_eq!(allows[0]["Action"], json!("sqs:SendMessage"));
        assert_eq!(allows[0]["Condition"], json!({"ArnEquals": {"aws:SourceArn": rule_arn}}));
    }
    t.assert_can_exactly(&q.runner, "events:PutEvents", [serde_json::to_value(bus.arn()).unwrap()]);
    t.assert_cannot(&q.response_handler, "events:PutEvents");
    t.assert_cannot(&agent.request_handler, "events:PutEvents");
    let archive = t.resources_of("AWS::Events::Archive").next().expect("archive").properties().clone();
    assert_eq!(archive["RetentionDays"], json!(30));
    assert_eq!(archive["SourceArn"], serde_json::to_value(bus.arn()).unwrap());
}

#[test]
fn a_queue_agent_puts_completion_events_on_the_default_bus_unless_told_not_to() {
    let mut app = App::new();
    let stack = app.stack("S", StackProps::default());
    let on = ServerlessAgent::new(
        &mut stack.scope("On"),
        AgentProps { mode: Mode::Queue(QueueOptions::default()), ..AgentProps::new(Model::bedrock(MODEL), Access::Public) },
    );
    let off = ServerlessAgent::new(
        &mut stack.scope("Off"),
        AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            completion_events: None,
            ..AgentProps::new(Model::bedrock(MODEL), Access::Public)
        },
    );
    let t = Template::from_stack(&mut app, "S");
    let default_bus = json!({"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"});
    t.assert_can_exactly(&queued(&on).runner, "events:PutEvents", [default_bus]);
    assert_eq!(t.resource_by_id(&queued(&on).runner).property("/Environment/Variables/COMPLETION_EVENT_BUS"), Some(&json!("default")));
    t.assert_cannot(&queued(&off).runner, "events:PutEvents");
    assert_eq!(t.resource_by_id(&queued(&off).runner).property("/Environment/Variables/COMPLETION_EVENT_BUS"), None);
}

#[test]
fn every_trigger_mistake_is_reported_at_once_with_its_position() {
    let found = diagnostics(|stack| {
        let queued = ServerlessAgent::new(
            &mut stack.scope("Q"),
            AgentProps { mode: Mode::Queue(QueueOptions::default()), ..AgentProps::new(Model::bedrock(MODEL), Access::Public) },
        );
        let sync = ServerlessAgent::new(&mut stack.scope("Sync"), AgentProps::new(Model::bedrock(MODEL), Access::Public));
        assert!(sync.on_event(&mut stack.scope("OnSync"), EventTrigger::new(json!({"source": ["x"]}), "hi")).is_none());
        let bad_syntax = EventTrigger::new(json!({"source": ["x"]}), "Case\n{{#if detail.case_id}} open");
        assert!(queued.on_event(&mut stack.scope("BadSyntax"), bad_syntax).is_none());
        let missing = EventTrigger { sample: Some(sample()), ..EventTrigger::new(json!({"source": ["x"]}), "{{detail.order_id}}") };
        assert!(queued.on_event(&mut stack.scope("Missing"), missing).is_none());
        let bad_fields = EventTrigger {
            pattern: json!({}),
            sample: Some(sample()),
            session: EventField::Path("detail.case_id".into()),
            user: EventField::Path("$.detail.nope".into()),
            max_retries: 200,
            ..EventTrigger::new(json!({}), "{{id}}")
        };
        assert!(queued.on_event(&mut stack.scope("BadFields"), bad_fields).is_none());
    });
    let at = |path: &str, code: agentcdk::DiagnosticCode| found.iter().filter(|d| d.path == path && d.code == code).collect::<Vec<_>>();
    assert_eq!(at("S/OnSync", codes::EVENTS_MODE).len(), 1, "{found:#?}");
    let syntax = at("S/BadSyntax", codes::EVENTS_TEMPLATE);
    assert!(syntax[0].message.contains("line 2"), "the position of the unclosed block: {}", syntax[0].message);
    let missing = at("S/Missing", codes::EVENTS_TEMPLATE);
    assert!(missing[0].message.contains("against the sample event") && missing[0].message.contains("order_id"), "{}", missing[0].message);
    assert_eq!(at("S/BadFields", codes::EVENTS_PATTERN).len(), 1);
    assert_eq!(at("S/BadFields", codes::EVENTS_FIELD).len(), 2, "{found:#?}");
    assert_eq!(at("S/BadFields", codes::EVENTS_BOUNDS).len(), 1);
    assert!(found.iter().all(|d| d.hint.is_some()));
}
