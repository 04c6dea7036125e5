//! The agent metrics: namespace, metric names, units and dimension names shared by the
//! handlers (which write them as CloudWatch embedded metric format records, runtime
//! `metrics.rs`) and the constructs (which graph them on the agent's dashboard and alarm on
//! them).
//!
//! Format: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
//! Dimensions stay low-cardinality on purpose (every distinct value set is a billed custom
//! metric): the agent (its construct path, [`crate::env::AGENT_NAME`]), the model id, a failure
//! reason from a fixed list — never a user, session or request id.

/// The CloudWatch namespace of every agent metric.
pub const NAMESPACE: &str = "agentcdk";

crate::string_enum! {
    /// Dimension names.
    pub enum Dimension {
        /// The agent: its construct path (`Stack/Agent`), from [`crate::env::AGENT_NAME`].
        Agent => "Agent",
        /// The model id the call went to ([`crate::env::MODEL_ID`]).
        Model => "Model",
        /// Why a run failed: a [`FailureReason`].
        Reason => "Reason",
    }
}

crate::string_enum! {
    /// EMF units used here (a subset of CloudWatch's `StandardUnit`).
    pub enum Unit {
        /// A count.
        Count => "Count",
        /// A duration in milliseconds.
        Milliseconds => "Milliseconds",
    }
}

crate::string_enum! {
    /// The metrics the handlers emit.
    pub enum Metric {
        /// Duration of one model call (request sent to whole answer received), per agent and model.
        ModelLatency => "ModelLatency",
        /// Input (prompt) tokens of one model call, as the provider reported them.
        InputTokens => "InputTokens",
        /// Output (completion) tokens of one model call, as the provider reported them.
        OutputTokens => "OutputTokens",
        /// Tool calls made during one run.
        ToolCalls => "ToolCalls",
        /// Tool calls of one run that returned an error result (unknown tool included).
        ToolErrors => "ToolErrors",
        /// Model calls (turns of the tool-use loop) of one run.
        Turns => "Turns",
        /// 1 for each run that produced an answer.
        RunsCompleted => "RunsCompleted",
        /// 1 for each run that failed, also per [`FailureReason`]. A queued run the runner
        /// retries counts once per attempt.
        RunsFailed => "RunsFailed",
        /// Time a queued message waited: SQS `SentTimestamp` to the runner starting on it.
        QueueWait => "QueueWait",
    }
}

/// Dimension sets of the per-agent metrics.
const AGENT: &[&[Dimension]] = &[&[Dimension::Agent]];
/// Dimension sets of the per-model metrics.
const AGENT_MODEL: &[&[Dimension]] = &[&[Dimension::Agent, Dimension::Model]];
/// Dimension sets of failures: per agent, and per agent and reason.
const AGENT_REASON: &[&[Dimension]] = &[&[Dimension::Agent], &[Dimension::Agent, Dimension::Reason]];

impl Metric {
    /// Its unit.
    pub const fn unit(self) -> Unit {
        match self {
            Metric::ModelLatency | Metric::QueueWait => Unit::Milliseconds,
            _ => Unit::Count,
        }
    }

    /// The dimension sets it is published under (each set is one CloudWatch metric; the
    /// dashboard and alarms query the same sets).
    pub const fn dimensions(self) -> &'static [&'static [Dimension]] {
        match self {
            Metric::ModelLatency | Metric::InputTokens | Metric::OutputTokens => AGENT_MODEL,
            Metric::RunsFailed => AGENT_REASON,
            _ => AGENT,
        }
    }
}

crate::string_enum! {
    /// Why a run failed (the [`Dimension::Reason`] values).
    pub enum FailureReason {
        /// The model was throttled, overloaded or unreachable (retryable).
        ModelUnavailable => "model_unavailable",
        /// The model rejected the request (access denied, bad request, unknown model).
        ModelRejected => "model_rejected",
        /// The model kept calling tools past the turn bound (`MAX_TURNS`).
        MaxTurns => "max_turns",
        /// The agent backend (`AGENT_BACKEND`) was throttled, timed out or said `retryable`.
        BackendUnavailable => "backend_unavailable",
        /// The agent backend refused or failed the turn for good.
        BackendFailed => "backend_failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_published_per_agent_and_dimension_names_are_distinct() {
        for m in Metric::ALL {
            assert!(m.dimensions().iter().all(|set| set.first() == Some(&Dimension::Agent)), "{m}");
        }
        assert_eq!(Metric::InputTokens.dimensions(), &[&[Dimension::Agent, Dimension::Model][..]]);
        assert_eq!(Metric::QueueWait.unit(), Unit::Milliseconds);
        assert_eq!(Metric::Turns.unit(), Unit::Count);
        let names: std::collections::BTreeSet<&str> =
            Metric::ALL.iter().map(|m| m.as_str()).chain(Dimension::ALL.iter().map(|d| d.as_str())).collect();
        assert_eq!(names.len(), Metric::ALL.len() + Dimension::ALL.len(), "a metric and a dimension share a name");
    }
}
