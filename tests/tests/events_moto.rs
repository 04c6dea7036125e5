//! Event-driven runs against moto, through the real AWS SDK: the support desk deployed by
//! CloudFormation, a `SupportCaseOpened` event put on its bus (aws-sdk-eventbridge) lands in
//! the orchestrator's input queue as the contract's `TriggeredEnvelope` (the rule's
//! InputTransformer, as synthesized), whose prompt renders from the runner's `EVENT_TRIGGERS`.
//!
//! moto applies the InputTransformer, the rule's pattern and the FIFO message group; it does
//! not enforce the queue policy (it ignores `AWS::SQS::QueuePolicy`) nor KMS: those are
//! asserted on the template (`constructs/tests/events.rs`).

use agentcdk::contract::events::{parse_triggers, render_prompt, TriggeredEnvelope, EVENT_TRIGGERS};
use agentcdk::contract::wire::ReplyTarget;
use agentcdk_tests::moto::{MotoServer, ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY};
use agentcdk_tests::synth_into;
use serde_json::Value;

const BUCKET: &str = "agentcdk-assets";

fn sdk_config(moto: &MotoServer) -> (aws_sdk_eventbridge::Client, aws_sdk_sqs::Client) {
    let creds = aws_sdk_sqs::config::Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "events-moto");
    let eb = aws_sdk_eventbridge::Config::builder()
        .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
        .region(aws_sdk_eventbridge::config::Region::new(REGION))
        .credentials_provider(creds.clone())
        .endpoint_url(moto.endpoint())
        .build();
    let sqs = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .credentials_provider(creds)
        .endpoint_url(moto.endpoint())
        .build();
    (aws_sdk_eventbridge::Client::from_conf(eb), aws_sdk_sqs::Client::from_conf(sqs))
}

/// The logical id behind `{"Fn::GetAtt": [id, "Arn"]}`.
fn get_att_id(v: &Value) -> String {
    v["Fn::GetAtt"][0].as_str().unwrap_or_else(|| panic!("a GetAtt: {v}")).to_owned()
}

#[tokio::test]
async fn a_case_event_on_the_bus_lands_in_the_input_queue_as_a_triggered_envelope() {
    let moto = MotoServer::start();
    let out = tempfile::tempdir().unwrap();
    let assembly = synth_into(support_desk::app(), out.path());
    moto.upload_assets(out.path(), BUCKET).await;
    let deployment = moto.deploy_with(out.path(), "SupportDesk", BUCKET, &[]).await;
    let template = &assembly.stacks[0].json;
    let resources = template["Resources"].as_object().unwrap();
    let (_, rule) = resources.iter().find(|(_, r)| r["Type"] == "AWS::Events::Rule").expect("the trigger's rule");
    let input_id = get_att_id(&rule["Properties"]["Targets"][0]["Arn"]);
    let physical = |id: &str| deployment.resources.iter().find(|(l, _, _)| l == id).map(|(_, _, p)| p.clone()).expect("deployed");
    let input_url = physical(&input_id);
    assert!(input_url.ends_with(".fifo"), "{input_url}");

    let (eb, sqs) = sdk_config(&moto);
    let case = support_desk::sample_case();
    let put = |detail_type: &str| {
        aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
            .event_bus_name("support-desk")
            .source("support.desk")
            .detail_type(detail_type)
            .detail(case["detail"].to_string())
            .build()
    };
    // One matching event and one the pattern leaves out.
    let sent = eb.put_events().entries(put("SupportCaseOpened")).entries(put("SupportCaseClosed")).send().await.expect("PutEvents");
    assert_eq!(sent.failed_entry_count(), 0);
    let event_id = sent.entries()[0].event_id().expect("event id").to_owned();

    let got = sqs.receive_message().queue_url(&input_url).max_number_of_messages(10).send().await.expect("receive");
    let bodies: Vec<String> = got.messages().iter().filter_map(|m| m.body().map(str::to_owned)).collect();
    assert_eq!(bodies.len(), 1, "only the matching event is enqueued: {bodies:?}");
    let triggered: TriggeredEnvelope = serde_json::from_str(&bodies[0]).expect("the body is the contract's TriggeredEnvelope");
    assert_eq!(triggered.envelope.request_id, format!("event-{event_id}"));
    assert_eq!(triggered.envelope.session_id, "CASE-1001");
    assert_eq!(triggered.envelope.user_id, "cust-42", "the customer, whose WebSocket connections get the reply");
    assert!(matches!(&triggered.envelope.reply_to, ReplyTarget::WebSocket { endpoint } if endpoint.starts_with("https://")));
    assert_eq!(triggered.event.trigger, "CaseOpened");
    assert_eq!(triggered.event.detail["detail"], case["detail"], "the whole event travels, detail included");

    // The prompt the runner will render, from the runner's EVENT_TRIGGERS as synthesized.
    let runner = resources
        .values()
        .find(|r| r["Properties"]["Environment"]["Variables"].get(EVENT_TRIGGERS).is_some())
        .expect("the orchestrator's runner");
    let triggers = parse_triggers(runner["Properties"]["Environment"]["Variables"][EVENT_TRIGGERS].as_str().unwrap()).unwrap();
    let prompt = render_prompt(&triggers[&triggered.event.trigger].prompt, &triggered.event.detail).expect("renders");
    assert!(prompt.starts_with("Support case CASE-1001 from customer cust-42:\nI was charged twice"), "{prompt}");
    assert!(prompt.contains("Order: ord-7"), "{prompt}");
}
