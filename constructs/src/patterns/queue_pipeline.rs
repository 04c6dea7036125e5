//! `QueuePipeline`: producer → input queue → runner → output queue → responder → responses
//! table. Usable on its own with any three functions.
//!
//! Failures: the runner moves a record it gives up on to the input dead-letter queue itself
//! (`DEAD_LETTER_QUEUE_URL`) and backs retryable ones off with ChangeMessageVisibility, so a
//! FIFO session is never held for `maxReceiveCount` × visibility timeout; the responder also
//! consumes both dead-letter queues and marks whatever lands there `failed` for its client.

use crate::codes;
use std::time::Duration;

use agentcdk_contract::{env, keys};
use agentcdk_synth::cfn::lambda::{event_source_mapping as esm, EventSourceMapping};
use agentcdk_synth::prelude::*;

use super::secs;
use crate::dynamodb::{Attribute, Table, TableProps};
use crate::kms::Encryption;
use crate::lambda::Function;
use crate::s3::{Bucket, BucketProps};
use crate::sqs::{self, DeadLetter, QueueProps};

/// SQS event source limits, checked at synth.
pub mod limits {
    /// Batch size of a FIFO queue event source.
    pub const FIFO_BATCH: std::ops::RangeInclusive<u32> = 1..=10;
    /// Batch size of a standard queue event source.
    pub const STANDARD_BATCH: std::ops::RangeInclusive<u32> = 1..=10_000;
    /// Batching window, seconds (standard queues only).
    pub const BATCHING_WINDOW_SECONDS: std::ops::RangeInclusive<u64> = 0..=300;
    /// `ScalingConfig.MaximumConcurrency`.
    pub const MAX_CONCURRENCY: std::ops::RangeInclusive<u32> = 2..=1000;
    /// A standard queue batch above 10 needs a batching window of at least 1 s.
    pub const STANDARD_BATCH_WITHOUT_WINDOW: u32 = 10;
}

/// Props of a [`QueuePipeline`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueuePipelineProps<'a> {
    /// Sends envelopes to the input queue and reads the responses table (the request handler).
    pub producer: &'a Function,
    /// Consumes the input queue, sends results to the output queue (the agent runner).
    pub runner: &'a Function,
    /// Consumes the output queue, writes the responses table (the response handler).
    pub responder: &'a Function,
    /// FIFO queues with a hash of (user id, session id) as message group (one conversation's
    /// turns run in order; other users' sessions never wait on it) and the request id as
    /// deduplication id. Default: true.
    pub fifo: bool,
    /// Receives before a failing message moves to its dead-letter queue. Default: 3.
    pub max_receive_count: u32,
    /// Records per runner invocation (FIFO: 1–10; standard: 1–10,000). Default: 1 (an agent
    /// run is long; one failing run then never delays another).
    pub batch_size: u32,
    /// Standard queues only: how long to gather a batch. Default: none.
    pub batching_window: Duration,
    /// At most this many concurrent runner invocations (2–1000), protecting the model's
    /// quota. Default: 10.
    pub max_concurrency: Option<u32>,
    /// How long an unconsumed message is kept. Default: 4 days.
    pub retention: Duration,
    /// Visibility timeout of the input queue. Default: 6 × the runner's timeout (AWS guidance
    /// for Lambda event sources); a smaller value is refused.
    pub visibility_timeout: Option<Duration>,
    /// How long stored responses live (and replies too large to travel inline, in the reply
    /// bucket). Default: 1 day.
    pub response_ttl: Duration,
    /// Encryption of queues and table. Default: the stack key.
    pub encryption: Encryption,
}

impl<'a> QueuePipelineProps<'a> {
    /// Defaults around the three functions.
    pub fn new(producer: &'a Function, runner: &'a Function, responder: &'a Function) -> Self {
        QueuePipelineProps {
            producer,
            runner,
            responder,
            fifo: true,
            max_receive_count: 3,
            batch_size: 1,
            batching_window: Duration::ZERO,
            max_concurrency: Some(10),
            retention: Duration::from_secs(4 * 24 * 3600),
            visibility_timeout: None,
            response_ttl: Duration::from_secs(env::DEFAULT_RESPONSE_TTL_SECONDS),
            encryption: Encryption::StackKey,
        }
    }
}

/// The pipeline's queues and table.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuePipeline {
    /// Requests for the runner.
    pub input: sqs::Queue,
    /// Results for the responder.
    pub output: sqs::Queue,
    /// Stored responses, keyed by request id, with TTL.
    pub responses: Table,
    /// Replies too large for a queue message or the responses item (`REPLY_BUCKET`), expired
    /// with the responses.
    pub replies: Bucket,
}

impl QueuePipeline {
    /// Declares the pipeline in `scope` (its own node) and wires the three functions: event
    /// sources, least-privilege grants and the environment variables of the contract.
    pub fn new(scope: &mut Scope, props: QueuePipelineProps<'_>) -> QueuePipeline {
        check(scope, &props);
        let runner_visibility = props.visibility_timeout.unwrap_or(props.runner.timeout * 6);
        if runner_visibility < props.runner.timeout * 6 {
            scope.error(
                codes::PIPELINE_VISIBILITY, format!("input queue visibility timeout {runner_visibility:?} is below 6 × the runner's timeout {:?}", props.runner.timeout),
                "a message would become visible again while its run is still going and run twice; leave visibility_timeout unset (6 × timeout)",
            );
        }
        let queue = |visibility: Duration| QueueProps {
            fifo: props.fifo,
            visibility_timeout: visibility,
            retention: props.retention,
            dead_letter: Some(DeadLetter { max_receive_count: props.max_receive_count, ..Default::default() }),
            encryption: props.encryption,
            ..Default::default()
        };
        let input = sqs::Queue::new(&mut scope.scope("Input"), queue(runner_visibility));
        let output = sqs::Queue::new(&mut scope.scope("Output"), queue(props.responder.timeout * 6));
        let responses = Table::new(
            &mut scope.scope("Responses"),
            TableProps {
                partition_key: Attribute::string(keys::RESPONSES_PK),
                time_to_live_attribute: Some(keys::TTL.to_owned()),
                encryption: props.encryption,
                ..Default::default()
            },
        );
        let replies =
            Bucket::new(&mut scope.scope("Replies"), BucketProps { expiration: props.response_ttl, encryption: props.encryption });

        let stack = scope.stack();
        crate::accepted::REPLY_BUCKET_NO_ACCESS_LOGS.apply(stack, &replies.bucket);
        crate::accepted::REPLY_BUCKET_NO_VERSIONING.apply(stack, &replies.bucket);
        let ttl = props.response_ttl.as_secs().to_string();
        // Big replies: the runner writes them, the producer (GET) and responder (push) read them.
        replies.grant_put(stack, props.runner);
        props.runner.add_environment(stack, env::REPLY_BUCKET, replies.name());
        for reader in [props.producer, props.responder] {
            replies.grant_read(stack, reader);
            reader.add_environment(stack, env::REPLY_BUCKET, replies.name());
        }
        // The producer records each request as pending before enqueueing it, and answers polls.
        input.grant_send_messages(stack, props.producer);
        responses.grant_read_write_data(stack, props.producer);
        props.producer.add_environment(stack, env::INPUT_QUEUE_URL, input.url());
        props.producer.add_environment(stack, env::RESPONSES_TABLE, responses.name());
        props.producer.add_environment(stack, env::RESPONSE_TTL_SECONDS, ttl.clone());

        // The runner claims each request with a conditional write (a redelivered message never
        // runs the model twice) and records failures.
        input.grant_consume_messages(stack, props.runner);
        output.grant_send_messages(stack, props.runner);
        responses.grant_read_write_data(stack, props.runner);
        props.runner.add_environment(stack, env::OUTPUT_QUEUE_URL, output.url());
        props.runner.add_environment(stack, env::RESPONSES_TABLE, responses.name());
        props.runner.add_environment(stack, env::RESPONSE_TTL_SECONDS, ttl.clone());
        props.runner.add_environment(stack, env::MAX_RECEIVE_COUNT, props.max_receive_count.to_string());

        output.grant_consume_messages(stack, props.responder);
        responses.grant_read_write_data(stack, props.responder);
        props.responder.add_environment(stack, env::RESPONSES_TABLE, responses.name());
        props.responder.add_environment(stack, env::RESPONSE_TTL_SECONDS, ttl);

        event_source(scope, "RunnerTrigger", &input, props.runner, &props);
        event_source(scope, "ResponderTrigger", &output, props.responder, &props);
        dead_letters(scope, &input, &output, &props);
        QueuePipeline { input, output, responses, replies }
    }
}

/// The runner sends a run it gives up (permanent error, retries exhausted) to the input DLQ at
/// once (`DEAD_LETTER_QUEUE_URL`); the responder consumes both DLQs, so nothing that lands in
/// one stays pending for its client.
fn dead_letters(scope: &mut Scope, input: &sqs::Queue, output: &sqs::Queue, props: &QueuePipelineProps<'_>) {
    let (input_dlq, output_dlq) = (input.dead_letter(), output.dead_letter());
    let stack = scope.stack();
    if let Some(dlq) = &input_dlq {
        dlq.grant_send_messages(stack, props.runner);
        props.runner.add_environment(stack, env::DEAD_LETTER_QUEUE_URL, dlq.url());
    }
    for dlq in input_dlq.iter().chain(&output_dlq) {
        dlq.grant_consume_messages(stack, props.responder);
    }
    if let Some(dlq) = &input_dlq {
        event_source(scope, "InputDeadLetterTrigger", dlq, props.responder, props);
    }
    if let Some(dlq) = &output_dlq {
        event_source(scope, "OutputDeadLetterTrigger", dlq, props.responder, props);
    }
}

/// An SQS event source that reports partial batch failures (`ReportBatchItemFailures`): the
/// handlers return `SqsBatchResponse`, so one failing record is retried alone.
fn event_source(scope: &mut Scope, id: &str, queue: &sqs::Queue, function: &Function, props: &QueuePipelineProps<'_>) {
    let mapping = scope.add(
        id,
        EventSourceMapping {
            event_source_arn: Some(queue.arn().into()),
            function_name: Some(function.arn().into()),
            batch_size: Some(i64::from(props.batch_size).into()),
            maximum_batching_window_in_seconds: (!props.fifo && !props.batching_window.is_zero())
                .then(|| secs(props.batching_window).into()),
            function_response_types: Some(Value::Lit(vec![esm::FunctionResponseTypes::ReportBatchItemFailures.into()])),
            scaling_config: props.max_concurrency.map(|c| esm::ScalingConfig { maximum_concurrency: Some(i64::from(c).into()) }.into()),
            ..Default::default()
        },
    );
    // The mapping checks the function's permissions on the queue when it is created.
    scope.stack().resource(&mapping).depends_on(&function.role.policy);
    crate::accepted::INVOKED_BY_SQS.apply(scope.stack(), &function.function);
}

fn check(scope: &mut Scope, props: &QueuePipelineProps<'_>) {
    let range = if props.fifo { limits::FIFO_BATCH } else { limits::STANDARD_BATCH };
    if !range.contains(&props.batch_size) {
        scope.error(
            codes::PIPELINE_BATCHING,
            format!(
                "batch size {} is outside {}–{} for a {} queue",
                props.batch_size,
                range.start(),
                range.end(),
                if props.fifo { "FIFO" } else { "standard" }
            ),
            "agent runs are long: a batch size of 1 keeps one failure from delaying others",
        );
    }
    if props.fifo && !props.batching_window.is_zero() {
        scope.error(
            codes::PIPELINE_BATCHING,
            "batching window on a FIFO queue",
            "Lambda does not support MaximumBatchingWindowInSeconds for FIFO queues; remove it",
        );
    }
    if !limits::BATCHING_WINDOW_SECONDS.contains(&props.batching_window.as_secs()) {
        scope.error(
            codes::PIPELINE_BATCHING,
            format!("batching window {:?} is above 300 s", props.batching_window),
            "use at most 5 minutes",
        );
    }
    if !props.fifo && props.batch_size > limits::STANDARD_BATCH_WITHOUT_WINDOW && props.batching_window.is_zero() {
        scope.error(
            codes::PIPELINE_BATCHING,
            format!("batch size {} above 10 without a batching window", props.batch_size),
            "Lambda requires a batching window of at least 1 s for batches above 10",
        );
    }
    if let Some(c) = props.max_concurrency {
        if !limits::MAX_CONCURRENCY.contains(&c) {
            scope.error(
                codes::PIPELINE_BATCHING,
                format!("maximum concurrency {c} is outside 2–1000"),
                "Lambda's SQS scaling config accepts 2 to 1000",
            );
        }
    }
}
