//! CloudWatch Logs: log groups with retention and encryption.

use agentcdk_synth::cfn::logs::LogGroup;
use agentcdk_synth::prelude::*;

use crate::kms::{stack_key, Encryption};

/// How long log events are kept (the values CloudWatch Logs accepts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetentionDays {
    /// 1 day.
    OneDay,
    /// 1 week.
    OneWeek,
    /// 2 weeks.
    TwoWeeks,
    /// 1 month.
    OneMonth,
    /// 3 months. Default (Agent Kernel's default).
    #[default]
    ThreeMonths,
    /// 6 months.
    SixMonths,
    /// 1 year.
    OneYear,
    /// 2 years.
    TwoYears,
    /// 5 years.
    FiveYears,
    /// 10 years.
    TenYears,
}

impl RetentionDays {
    /// The number of days.
    pub const fn days(self) -> i64 {
        match self {
            RetentionDays::OneDay => 1,
            RetentionDays::OneWeek => 7,
            RetentionDays::TwoWeeks => 14,
            RetentionDays::OneMonth => 30,
            RetentionDays::ThreeMonths => 90,
            RetentionDays::SixMonths => 180,
            RetentionDays::OneYear => 365,
            RetentionDays::TwoYears => 731,
            RetentionDays::FiveYears => 1827,
            RetentionDays::TenYears => 3653,
        }
    }
}

/// A log group with retention, encrypted with the stack key unless opted out. Logs are
/// operational data: deleted with the stack.
pub fn log_group(scope: &mut Scope, id: &str, retention: RetentionDays, encryption: Encryption) -> ResourceRef<LogGroup> {
    let kms_key_id = match encryption {
        Encryption::StackKey => Some(stack_key(scope.stack()).attr_arn().into()),
        Encryption::AwsManaged => None,
    };
    scope.add(id, LogGroup { retention_in_days: Some(retention.days().into()), kms_key_id, ..Default::default() })
}
