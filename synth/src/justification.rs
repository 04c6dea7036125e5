//! Accepted findings written into the template: a resource says, in its own `Metadata`, which
//! check of a template scanner it fails on purpose and why, in the form each scanner reads —
//! checkov (`checkov.skip`), cfn_nag (`cfn_nag.rules_to_suppress`) and cfn-guard
//! (`guard.SuppressedRules`). A user who runs those tools on their own synthesized templates
//! then sees only the findings nobody decided on, with no suppression file of their own.
//!
//! [`Check`] is the one list of check ids; constructs record a justification with
//! [`crate::ResourceOptionsMut::justify`].

use indexmap::IndexMap;
use serde_json::{json, Value as Json};

/// A scanner check a resource may fail on purpose. The ids of all three scanners live here
/// and nowhere else, so every accepted finding can be audited from this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Check {
    /// A Lambda function without reserved concurrency (checkov CKV_AWS_115, cfn_nag W92,
    /// guard LAMBDA_CONCURRENCY_CHECK).
    LambdaReservedConcurrency,
    /// A Lambda function without a dead-letter queue (checkov CKV_AWS_116, guard
    /// LAMBDA_DLQ_CHECK).
    LambdaDeadLetterQueue,
    /// A Lambda function outside a VPC (checkov CKV_AWS_117, cfn_nag W89, guard
    /// LAMBDA_INSIDE_VPC).
    LambdaInsideVpc,
    /// A Lambda function URL with `AuthType: NONE` (checkov CKV_AWS_258).
    LambdaUrlAuthNone,
    /// An API Gateway REST method with `AuthorizationType: NONE` (checkov CKV_AWS_59, cfn_nag
    /// W59).
    ApiGatewayMethodAuthNone,
    /// An API Gateway REST stage without a response cache (checkov CKV_AWS_120, guard
    /// API_GW_CACHE_ENABLED_AND_ENCRYPTED).
    ApiGatewayStageCache,
    /// An SQS queue without a customer-managed KMS key (checkov CKV_AWS_27, cfn_nag W48).
    SqsQueueKms,
    /// A CloudWatch log group without a KMS key (checkov CKV_AWS_158, cfn_nag W84).
    LogGroupKms,
    /// An S3 bucket without server access logging (checkov CKV_AWS_18, cfn_nag W35, guard
    /// S3_BUCKET_LOGGING_ENABLED).
    S3AccessLogging,
    /// An S3 bucket without versioning (checkov CKV_AWS_21, guard S3_BUCKET_VERSIONING_ENABLED).
    S3Versioning,
    /// A CloudFront distribution without standard access logs (checkov CKV_AWS_86, cfn_nag
    /// W10, guard CLOUDFRONT_ACCESSLOGS_ENABLED).
    CloudFrontAccessLogging,
    /// A CloudFront distribution whose viewers may negotiate below TLS 1.2 (checkov
    /// CKV_AWS_174, cfn_nag W70).
    CloudFrontTls12,
}

impl Check {
    /// Every check, in the order of this list.
    pub const ALL: &'static [Check] = &[
        Check::LambdaReservedConcurrency,
        Check::LambdaDeadLetterQueue,
        Check::LambdaInsideVpc,
        Check::LambdaUrlAuthNone,
        Check::ApiGatewayMethodAuthNone,
        Check::ApiGatewayStageCache,
        Check::SqsQueueKms,
        Check::LogGroupKms,
        Check::S3AccessLogging,
        Check::S3Versioning,
        Check::CloudFrontAccessLogging,
        Check::CloudFrontTls12,
    ];

    /// checkov's id (`CKV_AWS_…`).
    pub fn checkov(self) -> &'static str {
        match self {
            Check::LambdaReservedConcurrency => "CKV_AWS_115",
            Check::LambdaDeadLetterQueue => "CKV_AWS_116",
            Check::LambdaInsideVpc => "CKV_AWS_117",
            Check::LambdaUrlAuthNone => "CKV_AWS_258",
            Check::ApiGatewayMethodAuthNone => "CKV_AWS_59",
            Check::ApiGatewayStageCache => "CKV_AWS_120",
            Check::SqsQueueKms => "CKV_AWS_27",
            Check::LogGroupKms => "CKV_AWS_158",
            Check::S3AccessLogging => "CKV_AWS_18",
            Check::S3Versioning => "CKV_AWS_21",
            Check::CloudFrontAccessLogging => "CKV_AWS_86",
            Check::CloudFrontTls12 => "CKV_AWS_174",
        }
    }

    /// cfn_nag's rule id, where cfn_nag has a rule for it.
    pub fn cfn_nag(self) -> Option<&'static str> {
        match self {
            Check::LambdaReservedConcurrency => Some("W92"),
            Check::LambdaInsideVpc => Some("W89"),
            Check::ApiGatewayMethodAuthNone => Some("W59"),
            Check::SqsQueueKms => Some("W48"),
            Check::LogGroupKms => Some("W84"),
            Check::S3AccessLogging => Some("W35"),
            Check::CloudFrontAccessLogging => Some("W10"),
            Check::CloudFrontTls12 => Some("W70"),
            Check::LambdaDeadLetterQueue | Check::LambdaUrlAuthNone | Check::ApiGatewayStageCache | Check::S3Versioning => None,
        }
    }

    /// The cfn-guard rule (AWS Guard Rules Registry) name, where there is one.
    pub fn guard(self) -> Option<&'static str> {
        match self {
            Check::LambdaReservedConcurrency => Some("LAMBDA_CONCURRENCY_CHECK"),
            Check::LambdaDeadLetterQueue => Some("LAMBDA_DLQ_CHECK"),
            Check::LambdaInsideVpc => Some("LAMBDA_INSIDE_VPC"),
            Check::ApiGatewayStageCache => Some("API_GW_CACHE_ENABLED_AND_ENCRYPTED"),
            Check::S3AccessLogging => Some("S3_BUCKET_LOGGING_ENABLED"),
            Check::S3Versioning => Some("S3_BUCKET_VERSIONING_ENABLED"),
            Check::CloudFrontAccessLogging => Some("CLOUDFRONT_ACCESSLOGS_ENABLED"),
            Check::LambdaUrlAuthNone
            | Check::ApiGatewayMethodAuthNone
            | Check::SqsQueueKms
            | Check::LogGroupKms
            | Check::CloudFrontTls12 => None,
        }
    }

    /// The resource type the check looks at: a justification on another type is an error.
    pub fn resource_type(self) -> &'static str {
        match self {
            Check::LambdaReservedConcurrency | Check::LambdaDeadLetterQueue | Check::LambdaInsideVpc => "AWS::Lambda::Function",
            Check::LambdaUrlAuthNone => "AWS::Lambda::Url",
            Check::ApiGatewayMethodAuthNone => "AWS::ApiGateway::Method",
            Check::ApiGatewayStageCache => "AWS::ApiGateway::Stage",
            Check::SqsQueueKms => "AWS::SQS::Queue",
            Check::LogGroupKms => "AWS::Logs::LogGroup",
            Check::S3AccessLogging | Check::S3Versioning => "AWS::S3::Bucket",
            Check::CloudFrontAccessLogging | Check::CloudFrontTls12 => "AWS::CloudFront::Distribution",
        }
    }

    /// What the check wants, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            Check::LambdaReservedConcurrency => "function-level concurrent execution limit",
            Check::LambdaDeadLetterQueue => "dead-letter queue for asynchronous invocations",
            Check::LambdaInsideVpc => "function inside a VPC",
            Check::LambdaUrlAuthNone => "function URL with IAM auth",
            Check::ApiGatewayMethodAuthNone => "method with an authorizer",
            Check::ApiGatewayStageCache => "stage with a response cache",
            Check::SqsQueueKms => "queue encrypted with a KMS key",
            Check::LogGroupKms => "log group encrypted with a KMS key",
            Check::S3AccessLogging => "bucket with server access logging",
            Check::S3Versioning => "bucket with versioning",
            Check::CloudFrontAccessLogging => "distribution with access logging",
            Check::CloudFrontTls12 => "distribution with TLS 1.2 or later for viewers",
        }
    }
}

/// The justifications of one resource: reasons per check, in the order they were given.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Justifications(IndexMap<Check, Vec<String>>);

impl Justifications {
    /// Adds `reason` for `check` (a reason given twice is kept once).
    pub fn add(&mut self, check: Check, reason: &str) {
        let reasons = self.0.entry(check).or_default();
        if !reasons.iter().any(|r| r == reason) {
            reasons.push(reason.to_owned());
        }
    }

    /// The checks justified so far.
    pub fn checks(&self) -> impl Iterator<Item = Check> + '_ {
        self.0.keys().copied()
    }

    /// The `Metadata` entries (`checkov`, `cfn_nag`, `guard`), checks in the order of
    /// [`Check::ALL`] so the output does not depend on the order constructs ran in; several
    /// reasons for one check are joined with "; ".
    pub fn metadata(&self) -> Vec<(&'static str, Json)> {
        let mut checks: Vec<(&Check, &Vec<String>)> = self.0.iter().collect();
        checks.sort_by_key(|(c, _)| **c);
        if checks.is_empty() {
            return Vec::new();
        }
        let reason = |reasons: &Vec<String>| reasons.join("; ");
        let checkov: Vec<Json> = checks.iter().map(|(c, r)| json!({"id": c.checkov(), "comment": reason(r)})).collect();
        let cfn_nag: Vec<Json> = checks.iter().filter_map(|(c, r)| c.cfn_nag().map(|id| json!({"id": id, "reason": reason(r)}))).collect();
        let guard: Vec<Json> = checks.iter().filter_map(|(c, _)| c.guard().map(Json::from)).collect();
        let mut out = vec![("checkov", json!({ "skip": checkov }))];
        if !cfn_nag.is_empty() {
            out.push(("cfn_nag", json!({ "rules_to_suppress": cfn_nag })));
        }
        if !guard.is_empty() {
            out.push(("guard", json!({ "SuppressedRules": guard })));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_scanner_in_check_order_with_reasons_merged() {
        let mut j = Justifications::default();
        j.add(Check::LambdaInsideVpc, "no private resources");
        j.add(Check::LambdaDeadLetterQueue, "invoked synchronously");
        j.add(Check::LambdaDeadLetterQueue, "SQS redrive");
        j.add(Check::LambdaDeadLetterQueue, "invoked synchronously");
        let m: IndexMap<&str, Json> = j.metadata().into_iter().collect();
        assert_eq!(
            m["checkov"],
            json!({"skip": [
                {"id": "CKV_AWS_116", "comment": "invoked synchronously; SQS redrive"},
                {"id": "CKV_AWS_117", "comment": "no private resources"}
            ]})
        );
        assert_eq!(m["cfn_nag"], json!({"rules_to_suppress": [{"id": "W89", "reason": "no private resources"}]}));
        assert_eq!(m["guard"], json!({"SuppressedRules": ["LAMBDA_DLQ_CHECK", "LAMBDA_INSIDE_VPC"]}));
        assert!(Justifications::default().metadata().is_empty());
    }

    #[test]
    fn every_check_is_listed_once_with_a_checkov_id() {
        let mut ids: Vec<&str> = Check::ALL.iter().map(|c| c.checkov()).collect();
        assert!(ids.iter().all(|id| id.starts_with("CKV_AWS_")));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Check::ALL.len());
    }
}
