//! agent-runner record handling that needs no AWS: poison bodies on the SQS fixture and the
//! error classification.

use agent_runner::RunError;
use agentcdk_runtime::error::{Classify, Disposition};
use aws_lambda_events::event::sqs::SqsEvent;

#[test]
fn poison_is_permanent_and_retry_states_are_not() {
    assert_eq!(RunError::Poison("x".into()).disposition(), Disposition::Permanent);
    assert_eq!(RunError::InProgress("r".into()).disposition(), Disposition::Retryable);
    assert_eq!(RunError::FailedBefore { request_id: "r".into(), reason: "x".into() }.disposition(), Disposition::Permanent);
    assert_eq!(RunError::ReplyTooLarge(1).disposition(), Disposition::Permanent);
}

#[tokio::test]
async fn poison_body_on_the_sqs_fixture_fails_before_any_call() {
    // Clients pointing nowhere: a poison record must fail without touching them.
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url("http://127.0.0.1:9")
        .region(aws_config::Region::new("us-east-1"))
        .load()
        .await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let runner = agent_runner::Runner {
        agent: agentcdk_runtime::agent::Agent::new(
            std::sync::Arc::new(agentcdk_runtime::agent::openai::OpenAi::new("http://127.0.0.1:9", None, "m")),
            "",
        ),
        responses: agentcdk_runtime::store::ResponsesStore::new(ddb.clone(), "t", 1),
        sessions: agentcdk_runtime::store::SessionStore::new(ddb, "t", 1, 1),
        output: agentcdk_runtime::queue::Queue::new(aws_sdk_sqs::Client::new(&sdk), "http://q"),
        max_receive_count: 3,
        dead_letter: None,
        backoff: agentcdk_runtime::batch::Backoff { base_secs: 1, max_secs: 2 },
        replies: None,
        triggers: Default::default(),
        completions: None,
    };
    let event: SqsEvent = serde_json::from_str(agentcdk_testkit::events::Fixture::Sqs.text()).expect("fixture");
    let record = event.records[0].clone(); // body "Message Body": not an envelope
    let err = runner.process(&record, 0).await.expect_err("must fail");
    assert!(matches!(err, RunError::Poison(_)), "{err:?}");
}
