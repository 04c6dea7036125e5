//! Alarms: a per-stack, encrypted SNS topic and "anything wrong" alarms on functions and
//! dead-letter queues.

use agentcdk_synth::cfn::cloudwatch::{alarm, Alarm};
use agentcdk_synth::cfn::sns::Topic;
use agentcdk_synth::prelude::*;

use crate::kms::{allow_service, stack_key, Encryption};

/// Construct id of the stack's alarm topic.
pub const ALARM_TOPIC_ID: &str = "AlarmTopic";

/// The stack's alarm topic (created on first use): subscribe your pager or e-mail to it.
/// Encrypted with the stack key unless `encryption` opts out; CloudWatch may then use the key
/// for this account's alarms only.
pub fn alarm_topic(stack: &mut Stack, encryption: Encryption) -> ResourceRef<Topic> {
    if let Some(topic) = stack.find::<Topic>(&[ALARM_TOPIC_ID, "Resource"]) {
        return topic;
    }
    stack.keep_in_root(ALARM_TOPIC_ID);
    let kms_master_key_id = match encryption {
        Encryption::StackKey => {
            allow_service(stack, "CloudWatchAlarmsOfThisAccount", "cloudwatch.amazonaws.com", crate::iam::actions::KMS_DECRYPT_GENERATE);
            Some(stack_key(stack).attr_arn().into())
        }
        Encryption::AwsManaged => Some(Expr::sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/sns").into()),
    };
    stack
        .scope(ALARM_TOPIC_ID)
        .add("Resource", Topic { display_name: Some("Agent alarms".into()), kms_master_key_id, ..Default::default() })
}

/// One metric alarm: fires when `statistic` of the metric over one minute is at least
/// `threshold`, notifying `topic`.
pub struct MetricAlarm<'a> {
    /// Namespace, e.g. `AWS/Lambda`.
    pub namespace: &'a str,
    /// Metric name, e.g. `Errors`.
    pub metric: &'a str,
    /// Dimension name and value.
    pub dimension: (&'a str, Expr),
    /// Statistic.
    pub statistic: alarm::Statistic,
    /// Threshold (greater than or equal).
    pub threshold: f64,
    /// What the alarm is about, for the notification.
    pub description: String,
}

impl std::fmt::Debug for MetricAlarm<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricAlarm").field("namespace", &self.namespace).field("metric", &self.metric).finish_non_exhaustive()
    }
}

/// Adds the alarm as child `id` of `scope`.
pub fn add_alarm(scope: &mut Scope, id: &str, a: MetricAlarm<'_>, topic: &ResourceRef<Topic>) -> ResourceRef<Alarm> {
    scope.add(
        id,
        Alarm {
            alarm_description: Some(a.description.into()),
            namespace: Some(a.namespace.into()),
            metric_name: Some(a.metric.into()),
            dimensions: Some(Value::Lit(vec![
                alarm::Dimension { name: Some(a.dimension.0.into()), value: Some(a.dimension.1.into()) }.into()
            ])),
            statistic: Some(a.statistic.into()),
            period: Some(60.into()),
            evaluation_periods: Some(1.into()),
            threshold: Some(a.threshold.into()),
            comparison_operator: Some(alarm::ComparisonOperator::GreaterThanOrEqualToThreshold.into()),
            treat_missing_data: Some(alarm::TreatMissingData::NotBreaching.into()),
            alarm_actions: Some(Value::Lit(vec![topic.reference().into()])),
            ok_actions: Some(Value::Lit(vec![topic.reference().into()])),
            ..Default::default()
        },
    )
}

/// Errors and throttles alarms on a function.
pub fn function_alarms(scope: &mut Scope, function: &crate::lambda::Function, topic: &ResourceRef<Topic>) {
    let mut s = scope.scope("Alarms");
    for (id, metric, what) in [("Errors", "Errors", "failed invocations"), ("Throttles", "Throttles", "throttled invocations")] {
        add_alarm(
            &mut s,
            id,
            MetricAlarm {
                namespace: "AWS/Lambda",
                metric,
                dimension: ("FunctionName", function.name()),
                statistic: alarm::Statistic::Sum,
                threshold: 1.0,
                description: format!("{}: {what}", function.path),
            },
            topic,
        );
    }
}

/// "A message was dead-lettered" alarm. The pipeline's DLQs are consumed (the DLQ consumer
/// fails the request for its client and keeps the body), so a DLQ is empty again within
/// seconds and its depth says little: the alarm counts what the consumer received instead
/// (every dead letter is received at least once; one it cannot settle is received again).
pub fn dead_letter_alarm(scope: &mut Scope, queue: &crate::sqs::Queue, topic: &ResourceRef<Topic>) {
    let Some(dlq) = &queue.dead_letter_queue else { return };
    add_alarm(
        scope,
        "DeadLetterAlarm",
        MetricAlarm {
            namespace: "AWS/SQS",
            metric: "NumberOfMessagesReceived",
            dimension: ("QueueName", dlq.attr_queue_name()),
            statistic: alarm::Statistic::Sum,
            threshold: 1.0,
            description: format!("{}: messages reached the dead-letter queue", queue.path),
        },
        topic,
    );
}

/// The agent metric `metric` of `agent` and `model` (the handlers' EMF metrics, names from
/// [`agentcdk_contract::metrics`]), summed over one hour, as a metric math input.
fn hourly_agent_metric(id: &str, metric: agentcdk_contract::metrics::Metric, agent: &str, model: &str) -> alarm::MetricDataQuery {
    use agentcdk_contract::metrics::{Dimension, NAMESPACE};
    let dimension = |d: Dimension, v: &str| alarm::Dimension { name: Some(d.as_str().into()), value: Some(v.into()) }.into();
    alarm::MetricDataQuery {
        id: Some(id.into()),
        metric_stat: Some(
            alarm::MetricStat {
                metric: Some(
                    alarm::Metric {
                        namespace: Some(NAMESPACE.into()),
                        metric_name: Some(metric.as_str().into()),
                        dimensions: Some(Value::Lit(vec![dimension(Dimension::Agent, agent), dimension(Dimension::Model, model)])),
                    }
                    .into(),
                ),
                period: Some(3600.into()),
                stat: Some("Sum".into()),
                ..Default::default()
            }
            .into(),
        ),
        return_data: Some(false.into()),
        ..Default::default()
    }
}

/// Token budget alarm: fires when the agent's input + output tokens on `model` (metric math
/// over the handlers' `InputTokens` and `OutputTokens`) exceed `per_hour` within one hour.
/// Notifies `topic` when given (the stack's alarm topic when the agent's alarms are on).
pub fn token_alarm(
    scope: &mut Scope,
    id: &str,
    (agent, model): (&str, &str),
    per_hour: u64,
    topic: Option<&ResourceRef<Topic>>,
) -> ResourceRef<Alarm> {
    use agentcdk_contract::metrics::Metric;
    let actions = topic.map(|t| Value::Lit(vec![t.reference().into()]));
    let sum = alarm::MetricDataQuery {
        id: Some("tokens".into()),
        expression: Some("input + output".into()),
        label: Some("Tokens per hour".into()),
        return_data: Some(true.into()),
        ..Default::default()
    };
    scope.add(
        id,
        Alarm {
            alarm_description: Some(format!("{agent}: more than {per_hour} tokens (input + output) on {model} in one hour").into()),
            metrics: Some(Value::Lit(vec![
                hourly_agent_metric("input", Metric::InputTokens, agent, model).into(),
                hourly_agent_metric("output", Metric::OutputTokens, agent, model).into(),
                sum.into(),
            ])),
            evaluation_periods: Some(1.into()),
            threshold: Some((per_hour as f64).into()),
            comparison_operator: Some(alarm::ComparisonOperator::GreaterThanThreshold.into()),
            treat_missing_data: Some(alarm::TreatMissingData::NotBreaching.into()),
            alarm_actions: actions.clone(),
            ok_actions: actions,
            ..Default::default()
        },
    )
}
