//! Agent metrics as CloudWatch embedded metric format (EMF) records: one JSON object per line
//! on stdout, next to the [`crate::logging`] lines. Lambda sends stdout to CloudWatch Logs,
//! which turns every line carrying an `_aws` member into metrics — no PutMetricData call, no
//! extra latency, no IAM permission.
//!
//! Format (the specification this writer follows):
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>:
//! `_aws.Timestamp` (epoch ms), `_aws.CloudWatchMetrics` (one directive per dimension-set
//! group: `Namespace`, `Dimensions`, `Metrics[{Name, Unit}]`), and every dimension and metric
//! value as a top-level member.
//!
//! Names, units and dimension sets come from [`agentcdk_contract::metrics`], which the
//! dashboard and alarms read too. Hand-written rather than a crate: the EMF crates on
//! crates.io are exporters for a metrics facade (`metrics_cloudwatch_embedded`: global
//! recorder, flush per invocation) or a wide-event framework (`metrique`), both more code in
//! every zip than the 60 lines here, which reuse `serde_json` (already linked).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::OnceLock;

use agentcdk_contract::env;
use agentcdk_contract::metrics::{Dimension, Metric, NAMESPACE};
use aws_lambda_events::event::sqs::SqsMessage;
use serde_json::{json, Map, Value};

/// SQS attribute: when the message was sent (epoch ms).
pub const SENT_TIMESTAMP: &str = "SentTimestamp";

/// The `Agent` dimension of this process: `AGENT_NAME`, else the function name, else
/// `unknown` (read once).
pub fn agent_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        crate::config::optional(env::AGENT_NAME)
            .or_else(|| std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok())
            .unwrap_or_else(|| "unknown".into())
    })
}

/// One EMF record: dimension values and metric values, written as one line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    dimensions: BTreeMap<Dimension, String>,
    values: BTreeMap<Metric, f64>,
}

impl Record {
    /// A record of this process's agent ([`agent_name`]).
    pub fn new() -> Self {
        Self::for_agent(agent_name())
    }

    /// A record of agent `agent`.
    pub fn for_agent(agent: &str) -> Self {
        Self::default().dimension(Dimension::Agent, agent)
    }

    /// Sets a dimension value.
    pub fn dimension(mut self, d: Dimension, value: impl Into<String>) -> Self {
        self.dimensions.insert(d, value.into());
        self
    }

    /// Adds `value` to metric `m` (a metric named twice holds the sum).
    pub fn metric(mut self, m: Metric, value: f64) -> Self {
        *self.values.entry(m).or_default() += value;
        self
    }

    /// The EMF object. Metrics are grouped by their dimension sets (one directive each); a
    /// dimension set naming a dimension this record has no value for is left out, so every
    /// name a directive lists is a top-level member, as the specification requires.
    pub fn to_json(&self, timestamp_ms: u64) -> Value {
        let mut groups: Vec<(Vec<Vec<&str>>, Vec<Value>)> = Vec::new();
        for (&m, _) in self.values.iter() {
            let sets: Vec<Vec<&str>> = m
                .dimensions()
                .iter()
                .filter(|set| set.iter().all(|d| self.dimensions.contains_key(d)))
                .map(|set| set.iter().map(|d| d.as_str()).collect())
                .collect();
            let def = json!({"Name": m.as_str(), "Unit": m.unit().as_str()});
            match groups.iter_mut().find(|(s, _)| *s == sets) {
                Some((_, defs)) => defs.push(def),
                None => groups.push((sets, vec![def])),
            }
        }
        let directives: Vec<Value> =
            groups.into_iter().map(|(sets, metrics)| json!({"Namespace": NAMESPACE, "Dimensions": sets, "Metrics": metrics})).collect();
        let mut root = Map::new();
        root.insert("_aws".into(), json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": directives}));
        for (d, v) in &self.dimensions {
            root.insert(d.as_str().into(), Value::String(v.clone()));
        }
        for (m, v) in &self.values {
            root.insert(m.as_str().into(), json!(v));
        }
        Value::Object(root)
    }

    /// Writes the record as one line on stdout (whole, under the stdout lock the log lines
    /// take too, so the two never interleave within a line).
    pub fn emit(self) {
        let line = format!("{}\n", self.to_json(crate::time::now_millis()));
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
}

/// Milliseconds a queued message waited: its `SentTimestamp` to `now_ms` (processing start).
/// `None` without the attribute.
pub fn queue_wait_ms(record: &SqsMessage, now_ms: u64) -> Option<u64> {
    let sent: u64 = record.attributes.get(SENT_TIMESTAMP)?.parse().ok()?;
    Some(now_ms.saturating_sub(sent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcdk_contract::metrics::FailureReason;

    /// Checks `v` against the specification's required structure and returns the names of
    /// the metrics it declares.
    pub(crate) fn check_emf(v: &Value) -> Vec<String> {
        let aws = v["_aws"].as_object().expect("_aws object");
        assert!(aws["Timestamp"].as_u64().is_some_and(|t| t > 1_600_000_000_000), "Timestamp is epoch ms: {v}");
        let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics array");
        assert!(!directives.is_empty());
        let mut names = Vec::new();
        for d in directives {
            assert_eq!(d["Namespace"], NAMESPACE);
            let sets = d["Dimensions"].as_array().expect("Dimensions array");
            for set in sets {
                let set = set.as_array().expect("dimension set array");
                assert!(!set.is_empty() && set.len() <= 30);
                for name in set {
                    assert!(v[name.as_str().expect("dimension name")].is_string(), "dimension {name} is a top-level string: {v}");
                }
            }
            for m in d["Metrics"].as_array().expect("Metrics array") {
                let name = m["Name"].as_str().expect("Name");
                assert!(m["Unit"].is_string());
                assert!(v[name].is_number(), "value of {name} is a top-level number: {v}");
                names.push(name.to_owned());
            }
        }
        names
    }

    #[test]
    fn a_record_is_spec_shaped_emf() {
        let line = Record::for_agent("Stack/Support")
            .dimension(Dimension::Model, "m-1")
            .metric(Metric::InputTokens, 12.0)
            .metric(Metric::OutputTokens, 5.0)
            .metric(Metric::InputTokens, 3.0)
            .to_json(1_764_500_000_000)
            .to_string();
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(check_emf(&v), ["InputTokens", "OutputTokens"]);
        assert_eq!(v["InputTokens"], 15.0);
        assert_eq!(v["Agent"], "Stack/Support");
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Agent", "Model"]]));
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Metrics"][0], json!({"Name": "InputTokens", "Unit": "Count"}));
    }

    #[test]
    fn metrics_with_other_dimension_sets_get_their_own_directive() {
        let v = Record::for_agent("a")
            .dimension(Dimension::Reason, FailureReason::MaxTurns.as_str())
            .metric(Metric::Turns, 8.0)
            .metric(Metric::RunsFailed, 1.0)
            .to_json(1_764_500_000_000);
        check_emf(&v);
        let directives = v["_aws"]["CloudWatchMetrics"].as_array().expect("directives");
        assert_eq!(directives.len(), 2, "{v}");
        assert_eq!(directives[0]["Dimensions"], json!([["Agent"]]));
        assert_eq!(directives[1]["Dimensions"], json!([["Agent"], ["Agent", "Reason"]]));
        assert_eq!(v["Reason"], "max_turns");
        // Without a Reason value, the per-reason set is left out rather than naming a missing member.
        let v = Record::for_agent("a").metric(Metric::RunsFailed, 1.0).to_json(1_764_500_000_000);
        check_emf(&v);
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Agent"]]));
    }

    #[test]
    fn queue_wait_is_measured_from_the_sent_timestamp() {
        let mut record = SqsMessage::default();
        assert_eq!(queue_wait_ms(&record, 5_000), None);
        record.attributes.insert(SENT_TIMESTAMP.into(), "1500".into());
        assert_eq!(queue_wait_ms(&record, 5_000), Some(3_500));
        assert_eq!(queue_wait_ms(&record, 1_000), Some(0), "clock skew never goes negative");
    }
}
