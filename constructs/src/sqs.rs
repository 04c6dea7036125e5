//! SQS queues: encrypted, TLS-only, with a dead-letter queue and a checked retry window.

use crate::codes;
use std::time::Duration;

use agentcdk_synth::cfn::sqs as cfn;
use agentcdk_synth::prelude::*;

use crate::iam::{self, actions, Grantable, Operator, PolicyDocument, Principal, Statement};
use crate::kms::{stack_key, Encryption};

/// SQS limits, checked at synth.
pub mod limits {
    use std::ops::RangeInclusive;
    use std::time::Duration;

    /// Visibility timeout.
    pub const VISIBILITY_TIMEOUT: RangeInclusive<Duration> = Duration::ZERO..=Duration::from_secs(12 * 3600);
    /// Message retention.
    pub const RETENTION: RangeInclusive<Duration> = Duration::from_secs(60)..=Duration::from_secs(14 * 24 * 3600);
    /// `maxReceiveCount` of a redrive policy.
    pub const MAX_RECEIVE_COUNT: RangeInclusive<u32> = 1..=1000;
}

/// Props of a [`Queue`].
#[derive(Clone, Debug, PartialEq)]
pub struct QueueProps {
    /// FIFO: ordered within a message group, deduplicated for 5 minutes. Default: false.
    pub fifo: bool,
    /// FIFO only: deduplicate on a hash of the body instead of a sender-given id. Default:
    /// false (senders give a deduplication id).
    pub content_based_deduplication: bool,
    /// How long a received message stays invisible to other consumers. Default: 30 s; a
    /// queue consumed by a function needs at least 6 × its timeout (checked by the consumer).
    pub visibility_timeout: Duration,
    /// How long an unconsumed message is kept (60 s – 14 days). Default: 4 days.
    pub retention: Duration,
    /// Dead-letter queue settings; `None` means none (messages that keep failing are then
    /// retried until retention drops them — refused unless you opt out explicitly).
    /// Default: a dead-letter queue after 3 receives.
    pub dead_letter: Option<DeadLetter>,
    /// Encryption at rest. Default: the stack key.
    pub encryption: Encryption,
}

impl Default for QueueProps {
    fn default() -> Self {
        QueueProps {
            fifo: false,
            content_based_deduplication: false,
            visibility_timeout: Duration::from_secs(30),
            retention: Duration::from_secs(4 * 24 * 3600),
            dead_letter: Some(DeadLetter::default()),
            encryption: Encryption::StackKey,
        }
    }
}

/// Dead-letter queue of a [`Queue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// Receives before a message moves to the dead-letter queue (1–1000). Default: 3.
    pub max_receive_count: u32,
    /// Retention of the dead-letter queue. Default: 14 days, the maximum: a message's age
    /// counts from its first enqueue, so the dead-letter queue must keep it longer than the
    /// source queue did.
    pub retention: Duration,
}

impl Default for DeadLetter {
    fn default() -> Self {
        DeadLetter { max_receive_count: 3, retention: Duration::from_secs(14 * 24 * 3600) }
    }
}

/// A queue and its dead-letter queue, each with a policy that refuses non-TLS requests.
#[derive(Clone, Debug, PartialEq)]
pub struct Queue {
    /// The queue.
    pub queue: ResourceRef<cfn::Queue>,
    /// The dead-letter queue, if any.
    pub dead_letter_queue: Option<ResourceRef<cfn::Queue>>,
    /// FIFO or standard.
    pub fifo: bool,
    /// The visibility timeout it was given.
    pub visibility_timeout: Duration,
    /// `maxReceiveCount`, if it has a dead-letter queue.
    pub max_receive_count: Option<u32>,
    /// Encryption used.
    pub encryption: Encryption,
    /// The construct path.
    pub path: String,
}

impl Queue {
    /// Declares a queue in `scope` (the queue construct's own node).
    pub fn new(scope: &mut Scope, props: QueueProps) -> Queue {
        check(scope, &props);
        let dead_letter_queue = props.dead_letter.map(|dl| {
            let mut dlq_scope = scope.scope("DeadLetterQueue");
            let dlq_props = queue_props(&mut dlq_scope, &props, dl.retention, None);
            let dlq = dlq_scope.add("Resource", dlq_props);
            tls_only(&mut dlq_scope, &dlq);
            scope.stack().resource(&dlq).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain);
            dlq
        });
        let redrive = props.dead_letter.zip(dead_letter_queue.as_ref()).map(|(dl, dlq)| cfn::queue::RedrivePolicy {
            dead_letter_target_arn: Some(dlq.attr_arn().into()),
            max_receive_count: Some(i64::from(dl.max_receive_count).into()),
        });
        let queue_props = queue_props(scope, &props, props.retention, redrive);
        let queue = scope.add("Resource", queue_props);
        tls_only(scope, &queue);
        Queue {
            queue,
            dead_letter_queue,
            fifo: props.fifo,
            visibility_timeout: props.visibility_timeout,
            max_receive_count: props.dead_letter.map(|d| d.max_receive_count),
            encryption: props.encryption,
            path: scope.path(),
        }
    }

    /// The dead-letter queue as a queue of its own (for grants, URL and event sources).
    pub fn dead_letter(&self) -> Option<Queue> {
        self.dead_letter_queue.as_ref().map(|dlq| Queue {
            queue: dlq.clone(),
            dead_letter_queue: None,
            fifo: self.fifo,
            visibility_timeout: self.visibility_timeout,
            max_receive_count: None,
            encryption: self.encryption,
            path: format!("{}/DeadLetterQueue", self.path),
        })
    }

    /// The queue ARN.
    pub fn arn(&self) -> Expr {
        self.queue.attr_arn()
    }

    /// The queue URL (`Ref`).
    pub fn url(&self) -> Expr {
        self.queue.reference()
    }

    /// The queue name.
    pub fn name(&self) -> Expr {
        self.queue.attr_queue_name()
    }

    /// Grants sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl on this queue only
    /// (and use of the stack key to encrypt, when the queue uses it).
    pub fn grant_send_messages(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::SQS_SEND, [self.arn()]));
        self.encryption.grant_key_use(stack, to, actions::KMS_ENCRYPT_DECRYPT);
    }

    /// Lets exactly the EventBridge rule `rule_arn` send to this queue (`sqs:SendMessage` for
    /// `events.amazonaws.com` on condition `aws:SourceArn`), in the queue's own policy, and
    /// EventBridge use the stack key to encrypt for it when the queue uses that key.
    pub fn allow_send_from_rule(&self, stack: &mut Stack, sid: &str, rule_arn: Expr) {
        let statement = Statement::allow(actions::SQS_SEND_ONLY, [self.arn()])
            .with_sid(sid)
            .with_principal(Principal::service("events.amazonaws.com"))
            .with_condition(Operator::ArnEquals, "aws:SourceArn", [rule_arn]);
        let components: Vec<&str> = self.path.split('/').skip(1).chain(["Policy"]).collect();
        let held = stack.find::<cfn::QueuePolicy>(&components).is_some_and(|p| iam::add_statement(stack, p.logical_id(), statement));
        if !held {
            stack.error_at(
                &self.path,
                codes::NOT_HELD,
                "the queue's policy is not held by agentcdk",
                "make the queue with sqs::Queue::new",
            );
        }
        if self.encryption == Encryption::StackKey {
            crate::kms::allow_service(stack, "EventBridgeSendsToQueues", "events.amazonaws.com", actions::KMS_FOR_EVENTS);
        }
    }

    /// Grants receive, delete, change visibility and read attributes on this queue only (what
    /// a Lambda event source mapping needs), and decrypt with the stack key when used.
    pub fn grant_consume_messages(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::SQS_CONSUME, [self.arn()]));
        self.encryption.grant_key_use(stack, to, actions::KMS_DECRYPT);
    }
}

fn queue_props(scope: &mut Scope, props: &QueueProps, retention: Duration, redrive: Option<cfn::queue::RedrivePolicy>) -> cfn::Queue {
    let (kms_master_key_id, sqs_managed_sse_enabled) = match props.encryption {
        Encryption::StackKey => (Some(stack_key(scope.stack()).attr_arn().into()), None),
        Encryption::AwsManaged => (None, Some(true.into())),
    };
    cfn::Queue {
        fifo_queue: props.fifo.then(|| true.into()),
        content_based_deduplication: (props.fifo && props.content_based_deduplication).then(|| true.into()),
        visibility_timeout: Some((props.visibility_timeout.as_secs() as i64).into()),
        message_retention_period: Some((retention.as_secs() as i64).into()),
        kms_master_key_id,
        kms_data_key_reuse_period_seconds: props.encryption.eq(&Encryption::StackKey).then(|| 300.into()),
        sqs_managed_sse_enabled,
        redrive_policy: redrive.map(Into::into),
        ..Default::default()
    }
}

/// A queue policy that denies every request not made over TLS; held, so services allowed to
/// send later ([`Queue::allow_send_from_rule`]) join the same document.
fn tls_only(scope: &mut Scope, queue: &ResourceRef<cfn::Queue>) {
    let deny = iam::deny_insecure_transport(Statement::deny(actions::SQS_ALL, [queue.attr_arn()]));
    let doc = PolicyDocument::new(vec![deny.clone()]).to_json();
    let policy = scope
        .add("Policy", cfn::QueuePolicy { policy_document: Some(doc.into()), queues: Some(Value::Lit(vec![queue.reference().into()])) });
    iam::hold(scope.stack(), iam::Holder::QueuePolicy(policy), vec![deny]);
}

fn check(scope: &mut Scope, props: &QueueProps) {
    if !limits::VISIBILITY_TIMEOUT.contains(&props.visibility_timeout) {
        scope.error(
            codes::SQS_BOUNDS,
            format!("visibility timeout {:?} is above SQS's 12 hours", props.visibility_timeout),
            "shorten the consumer's timeout",
        );
    }
    if !limits::RETENTION.contains(&props.retention) {
        scope.error(
            codes::SQS_BOUNDS,
            format!("retention {:?} is outside SQS's 60 s – 14 days", props.retention),
            "pick a retention in range",
        );
    }
    if props.content_based_deduplication && !props.fifo {
        scope.error(
            codes::SQS_DEDUP_STANDARD,
            "content-based deduplication on a standard queue",
            "it applies to FIFO queues only: set fifo: true or drop it",
        );
    }
    match props.dead_letter {
        None => scope.warn(
            codes::SQS_NO_DEAD_LETTER,
            "queue without a dead-letter queue",
            "a message that keeps failing is retried until retention drops it; keep the default DeadLetter",
        ),
        Some(dl) => {
            if !limits::MAX_RECEIVE_COUNT.contains(&dl.max_receive_count) {
                scope.error(
                    codes::SQS_DEAD_LETTER,
                    format!("maxReceiveCount {} is outside 1–1000", dl.max_receive_count),
                    "3 to 5 suits agent runs",
                );
            }
            if !limits::RETENTION.contains(&dl.retention) {
                scope.error(
                    codes::SQS_DEAD_LETTER,
                    format!("dead-letter retention {:?} is outside SQS's 60 s – 14 days", dl.retention),
                    "keep the default 14 days",
                );
            }
            let window = props.visibility_timeout * dl.max_receive_count;
            if window >= props.retention {
                scope.error(
                    codes::SQS_DEAD_LETTER,
                    format!(
                        "retry window ({} receives × {:?} visibility = {window:?}) is not shorter than retention {:?}",
                        dl.max_receive_count, props.visibility_timeout, props.retention
                    ),
                    "messages would expire before reaching the dead-letter queue: raise retention or lower maxReceiveCount",
                );
            }
            if dl.retention < props.retention {
                scope.error(
                    codes::SQS_DEAD_LETTER,
                    format!("dead-letter retention {:?} is shorter than the queue's {:?}", dl.retention, props.retention),
                    "a message's age counts from its first enqueue; give the dead-letter queue the longer retention",
                );
            }
        }
    }
}
