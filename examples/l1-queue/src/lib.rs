//! A queue worker declared with L1 resources only — what the constructs of `agentcdk` build
//! for you, written out by hand: an encrypted SQS queue with a dead-letter queue, a Lambda
//! function consuming it with partial batch failures, a least-privilege role, a log group
//! with retention, a stage parameter and a condition. What it accepts on purpose (no KMS key,
//! no VPC) it says in the resources' own metadata, where checkov, cfn_nag and cfn-guard read it.

#![warn(missing_docs)]

use agentcdk::cfn::iam::Role;
use agentcdk::cfn::lambda::{self, EventSourceMapping, Function};
use agentcdk::cfn::logs::LogGroup;
use agentcdk::cfn::sqs::{self, Queue};
use agentcdk::prelude::*;
use serde_json::json;

/// Seconds the worker may run per batch; the queue's visibility timeout is 6× this.
const TIMEOUT: i64 = 30;

/// The app: one stack, `L1Queue`.
pub fn app() -> App {
    let mut app = App::new();
    let stack = app.stack(
        "L1Queue",
        StackProps {
            description: Some("Queue worker built from L1 resources".into()),
            tags: [("project".into(), "agentcdk-example".into())].into(),
            ..Default::default()
        },
    );
    let stage =
        stack.parameter("Stage", Parameter::string().allowed_values(["dev", "prod"]).default_value("dev").description("Deployment stage"));
    let prod = stack.condition("IsProd", Condition::equals(stage.value(), "prod"));

    let mut worker = stack.scope("Worker");
    let dlq = worker.scope("DeadLetters").add(
        "Resource",
        Queue { message_retention_period: Some(1_209_600.into()), sqs_managed_sse_enabled: Some(true.into()), ..Default::default() },
    );
    let queue = worker.scope("Queue").add(
        "Resource",
        Queue {
            visibility_timeout: Some((6 * TIMEOUT).into()),
            sqs_managed_sse_enabled: Some(true.into()),
            redrive_policy: Some(
                sqs::queue::RedrivePolicy { dead_letter_target_arn: Some(dlq.attr_arn().into()), max_receive_count: Some(3.into()) }.into(),
            ),
            ..Default::default()
        },
    );
    let logs = worker
        .scope("Logs")
        .add("Resource", LogGroup { retention_in_days: Some(Value::Expr(Expr::if_(&prod, 365, 14))), ..Default::default() });
    let role = role(&mut worker, &queue, &logs);
    let function = function(&mut worker, &role, &logs);
    worker.add(
        "Trigger",
        EventSourceMapping {
            function_name: Some(function.reference().into()),
            event_source_arn: Some(queue.attr_arn().into()),
            batch_size: Some(10.into()),
            function_response_types: Some(Value::Lit(vec![Value::Lit(
                lambda::event_source_mapping::FunctionResponseTypes::ReportBatchItemFailures,
            )])),
            ..Default::default()
        },
    );
    stack.resource(&dlq).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain);
    justify(stack, &queue, &dlq, &logs, &function);
    stack.output("QueueUrl", Output::new(queue.reference()).description("Send work here").export(Expr::sub("${AWS::StackName}-QueueUrl")));
    stack.output("DeadLetterQueueArn", dlq.attr_arn());
    app
}

/// The findings this example accepts, each on its resource with the reason.
fn justify(
    stack: &mut Stack,
    queue: &ResourceRef<Queue>,
    dlq: &ResourceRef<Queue>,
    logs: &ResourceRef<LogGroup>,
    function: &ResourceRef<Function>,
) {
    const SQS_KEYS: &str = "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled: true), which the check does not \
                            recognize; this L1 example has no KMS key on purpose (the constructs use the stack key).";
    stack.resource(queue).justify(Check::SqsQueueKms, SQS_KEYS);
    stack.resource(dlq).justify(Check::SqsQueueKms, SQS_KEYS);
    stack.resource(logs).justify(
        Check::LogGroupKms,
        "CloudWatch Logs' default encryption at rest; this L1 example has no KMS key on purpose (the constructs use the stack key).",
    );
    stack
        .resource(function)
        .justify(
            Check::LambdaDeadLetterQueue,
            "Invoked by an SQS event source mapping only: failed messages go to the queue's redrive dead-letter queue.",
        )
        .justify(Check::LambdaInsideVpc, "Reaches only SQS and CloudWatch Logs, AWS APIs over TLS with IAM-signed requests.");
}

/// The worker's role: receive from its queue and write its logs, nothing else.
fn role(worker: &mut Scope, queue: &ResourceRef<Queue>, logs: &ResourceRef<LogGroup>) -> ResourceRef<Role> {
    worker.scope("Role").add(
        "Resource",
        Role {
            assume_role_policy_document: Some(
                json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
                })
                .into(),
            ),
            policies: Some(Value::Lit(vec![agentcdk::cfn::iam::role::Policy {
                policy_name: Some("worker".into()),
                policy_document: Some(
                    json!({
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], "Resource": queue.attr_arn()},
                            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": logs.attr_arn()}
                        ]
                    })
                    .into(),
                ),
            }
            .into()])),
            ..Default::default()
        },
    )
}

/// The Python worker, from the `function/` folder next to this crate.
fn function(worker: &mut Scope, role: &ResourceRef<Role>, logs: &ResourceRef<LogGroup>) -> ResourceRef<Function> {
    let mut function_scope = worker.scope("Function");
    let code = function_scope.asset(AssetSource::path(concat!(env!("CARGO_MANIFEST_DIR"), "/function")));
    function_scope.add(
        "Resource",
        Function {
            runtime: Some(lambda::function::Runtime::Python3_13.into()),
            handler: Some("index.handler".into()),
            code: Some(
                lambda::function::Code { s3_bucket: Some(code.bucket().into()), s3_key: Some(code.key().into()), ..Default::default() }
                    .into(),
            ),
            role: Some(role.attr_arn().into()),
            timeout: Some(TIMEOUT.into()),
            memory_size: Some(256.into()),
            reserved_concurrent_executions: Some(10.into()),
            logging_config: Some(lambda::function::LoggingConfig { log_group: Some(logs.reference().into()), ..Default::default() }.into()),
            ..Default::default()
        },
    )
}
