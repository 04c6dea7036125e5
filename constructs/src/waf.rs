//! AWS WAF on a front door: a web ACL with AWS managed rule groups (common, known bad inputs,
//! IP reputation), a per-IP rate rule and a body-size rule, logging to an encrypted log group,
//! associated with a REST API stage (scope `REGIONAL`) or attached to a CloudFront distribution
//! in front of a Function URL (scope `CLOUDFRONT`, see [`crate::cloudfront`]).
//!
//! Opt-in (`waf: None` by default): a web ACL costs about $5/month, plus $1/month per rule or
//! rule group (5 here) and $0.60 per million requests (us-east-1 prices, 2026), about $10/month
//! before traffic, and its logs are billed as CloudWatch Logs ingestion.

use crate::codes;
use agentcdk_synth::cfn::logs::LogGroup;
use agentcdk_synth::cfn::wafv2 as cfn;
use agentcdk_synth::cfn::wafv2::web_acl as acl;
use agentcdk_synth::prelude::*;
use indexmap::IndexMap;
use serde_json::json;

use crate::kms::{stack_key, Encryption};
use crate::logs::RetentionDays;

/// The lowest rate limit AWS WAF takes (requests per evaluation window), see
/// <https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html>.
pub const MIN_RATE_LIMIT: u32 = 10;
/// The highest rate limit AWS WAF takes.
pub const MAX_RATE_LIMIT: u32 = 2_000_000_000;
/// Prefix WAF requires of a CloudWatch Logs destination's name.
pub const LOG_GROUP_PREFIX: &str = "aws-waf-logs-";

/// How far back the rate rule counts a client's requests (the windows WAF takes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RateWindow {
    /// 1 minute.
    OneMinute,
    /// 2 minutes.
    TwoMinutes,
    /// 5 minutes. Default (WAF's).
    #[default]
    FiveMinutes,
    /// 10 minutes.
    TenMinutes,
}

impl RateWindow {
    /// The window in seconds (`EvaluationWindowSec`).
    pub const fn seconds(self) -> i64 {
        match self {
            RateWindow::OneMinute => 60,
            RateWindow::TwoMinutes => 120,
            RateWindow::FiveMinutes => 300,
            RateWindow::TenMinutes => 600,
        }
    }
}

/// The largest request body let through, which is also how much of the body WAF inspects.
///
/// API Gateway and CloudFront forward at most the first 16 KB of a body to WAF by default; the
/// limit can be raised in 16 KB steps to 64 KB, at an extra WAF charge per request above 16 KB
/// (<https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-setting-body-inspection-limit.html>).
/// The body-size rule blocks bodies larger than the limit, so no body reaches the agent with a
/// part that WAF's rules never saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BodyLimit {
    /// 16 KB. Default (WAF's default inspection size, no extra charge).
    #[default]
    Kb16,
    /// 32 KB (extra WAF charge).
    Kb32,
    /// 48 KB (extra WAF charge).
    Kb48,
    /// 64 KB (extra WAF charge).
    Kb64,
}

impl BodyLimit {
    /// The limit in bytes.
    pub const fn bytes(self) -> u32 {
        match self {
            BodyLimit::Kb16 => 16 * 1024,
            BodyLimit::Kb32 => 32 * 1024,
            BodyLimit::Kb48 => 48 * 1024,
            BodyLimit::Kb64 => 64 * 1024,
        }
    }

    /// The `DefaultSizeInspectionLimit` that makes WAF see the whole of such a body.
    const fn inspection_limit(self) -> acl::SizeInspectionLimit {
        match self {
            BodyLimit::Kb16 => acl::SizeInspectionLimit::Kb16,
            BodyLimit::Kb32 => acl::SizeInspectionLimit::Kb32,
            BodyLimit::Kb48 => acl::SizeInspectionLimit::Kb48,
            BodyLimit::Kb64 => acl::SizeInspectionLimit::Kb64,
        }
    }
}

/// AWS WAF on a front door (`waf: Some(WafProps::default())`). Opt-in: see the module docs
/// for its cost (about $10/month per web ACL before traffic).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WafProps {
    /// Requests one client IP may send per `rate_window` before WAF blocks it (until its rate
    /// falls below the limit again). At least 10 (WAF's minimum). Default: 1000 per 5 minutes
    /// (about 3 requests/s sustained: far above a person chatting, far below a script).
    pub rate_limit: u32,
    /// The window `rate_limit` counts over. Default: 5 minutes.
    pub rate_window: RateWindow,
    /// Largest request body let through (and inspected). Default: 16 KB.
    pub max_body: BodyLimit,
    /// Retention of the WAF log group (`aws-waf-logs-…`, encrypted like the front door's other
    /// logs). Default: 3 months.
    pub log_retention: RetentionDays,
    /// CloudFront front doors only: the ARN of an existing web ACL of scope `CLOUDFRONT` (such
    /// ACLs exist in us-east-1 only) to attach instead of creating one. Default: none, the web
    /// ACL is created in this stack, which then deploys in us-east-1 only (warning AC2209).
    pub cloudfront_web_acl_arn: Option<String>,
}

impl Default for WafProps {
    fn default() -> Self {
        WafProps {
            rate_limit: 1000,
            rate_window: RateWindow::default(),
            max_body: BodyLimit::default(),
            log_retention: RetentionDays::default(),
            cloudfront_web_acl_arn: None,
        }
    }
}

/// What a web ACL protects: it decides the ACL's scope and the body-inspection key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protects {
    /// A REST API stage (scope `REGIONAL`).
    RestStage,
    /// A CloudFront distribution (scope `CLOUDFRONT`).
    Distribution,
}

/// Reports every misuse of `props` on `scope` (all at once).
pub(crate) fn check(scope: &mut Scope, props: &WafProps, protects: Protects) {
    if !(MIN_RATE_LIMIT..=MAX_RATE_LIMIT).contains(&props.rate_limit) {
        scope.error(
            codes::WAF_RATE_LIMIT,
            format!("WAF rate limit {} is outside the 10–2,000,000,000 requests per window WAF takes", props.rate_limit),
            "set rate_limit to at least 10 requests per rate_window (the default is 1000 per 5 minutes)",
        );
    }
    match (&props.cloudfront_web_acl_arn, protects) {
        (Some(_), Protects::RestStage) => scope.error(
            codes::WAF_FRONT_DOOR,
            "cloudfront_web_acl_arn on a REST API front door",
            "a REST stage gets a REGIONAL web ACL of its own; cloudfront_web_acl_arn is for CloudFront in front of a Function URL",
        ),
        (Some(arn), Protects::Distribution) if !is_cloudfront_acl_arn(arn) => scope.error(
            codes::WAF_WEB_ACL_ARN,
            format!("'{arn}' is not the ARN of a CLOUDFRONT web ACL"),
            "CloudFront web ACLs live in us-east-1: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>",
        ),
        (None, Protects::Distribution) => scope.warn(
            codes::WAF_CLOUDFRONT_REGION,
            "this stack creates a web ACL of scope CLOUDFRONT: it deploys in us-east-1 only",
            "deploy the stack to us-east-1, or create the web ACL there and pass its ARN as cloudfront_web_acl_arn \
             (acknowledge this warning once the stack's region is us-east-1)",
        ),
        _ => {}
    }
}

fn is_cloudfront_acl_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "wafv2", "us-east-1", account, rest]
        if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && rest.starts_with("global/webacl/"))
}

/// The web ACL protecting `protects` (`WebAcl` in `scope`), with its log group and logging
/// configuration; or the existing ACL of `cloudfront_web_acl_arn`. Returns the ACL's ARN.
pub(crate) fn web_acl(scope: &mut Scope, props: &WafProps, protects: Protects, encryption: Encryption) -> Value<String> {
    if let (Protects::Distribution, Some(arn)) = (protects, &props.cloudfront_web_acl_arn) {
        return arn.clone().into();
    }
    let (acl_scope, key) = match protects {
        Protects::RestStage => (acl::Scope::Regional, "API_GATEWAY"),
        Protects::Distribution => (acl::Scope::Cloudfront, "CLOUDFRONT"),
    };
    let metric = metric_prefix(scope);
    let association_config = (props.max_body != BodyLimit::Kb16).then(|| {
        let limit =
            acl::RequestBodyAssociatedResourceTypeConfig { default_size_inspection_limit: Some(props.max_body.inspection_limit().into()) };
        acl::AssociationConfig { request_body: Some(Value::Lit(IndexMap::from([(key.to_owned(), Value::Lit(limit))]))) }.into()
    });
    let web_acl = scope.add(
        "WebAcl",
        cfn::WebACL {
            scope: Some(acl_scope.into()),
            description: Some("Front door: AWS managed rules, per-IP rate limit, body size limit".into()),
            default_action: Some(acl::DefaultAction { allow: Some(acl::AllowAction::default().into()), ..Default::default() }.into()),
            rules: Some(Value::Lit(rules(props, &metric))),
            association_config,
            visibility_config: Some(visibility(&metric).into()),
            ..Default::default()
        },
    );
    let kms_key_id = match encryption {
        Encryption::StackKey => Some(stack_key(scope.stack()).attr_arn().into()),
        Encryption::AwsManaged => None,
    };
    let logs = scope.add(
        "WafLogs",
        LogGroup {
            log_group_name: Some(Expr::sub(format!("{LOG_GROUP_PREFIX}${{AWS::StackName}}-{}", web_acl.logical_id())).into()),
            retention_in_days: Some(props.log_retention.days().into()),
            kms_key_id,
            ..Default::default()
        },
    );
    // WAF takes the log group's ARN without the `:*` that `Fn::GetAtt Arn` ends with.
    let destination =
        Expr::sub_with("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Logs}", [("Logs", logs.reference())]);
    scope.add(
        "WafLogging",
        cfn::LoggingConfiguration {
            resource_arn: Some(web_acl.attr_arn().into()),
            log_destination_configs: Some(Value::Lit(vec![destination.into()])),
            ..Default::default()
        },
    );
    web_acl.attr_arn().into()
}

/// Metric names: the scope's path without separators (WAF takes `[\w#:.\-/]`).
fn metric_prefix(scope: &Scope) -> String {
    scope.path().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn visibility(name: &str) -> acl::VisibilityConfig {
    acl::VisibilityConfig {
        cloud_watch_metrics_enabled: Some(true.into()),
        metric_name: Some(name.to_owned().into()),
        sampled_requests_enabled: Some(true.into()),
    }
}

/// Rate and body rules first (cheap, and they block), then the managed groups. The common rule
/// set's own body rule (`SizeRestrictions_BODY`, 8 KB) only counts: `max_body` is the one limit.
fn rules(props: &WafProps, metric: &str) -> Vec<Value<acl::Rule>> {
    let block = || acl::RuleAction { block: Some(acl::BlockAction::default().into()), ..Default::default() };
    let rate = acl::Statement {
        rate_based_statement: Some(Value::Lit(Box::new(acl::RateBasedStatement {
            aggregate_key_type: Some(acl::AggregateKeyType::Ip.into()),
            limit: Some(i64::from(props.rate_limit).into()),
            evaluation_window_sec: Some(props.rate_window.seconds().into()),
            ..Default::default()
        }))),
        ..Default::default()
    };
    let body = acl::Statement {
        size_constraint_statement: Some(
            acl::SizeConstraintStatement {
                comparison_operator: Some(acl::ComparisonOperator::Gt.into()),
                field_to_match: Some(
                    acl::FieldToMatch {
                        body: Some(acl::Body { oversize_handling: Some(acl::OversizeHandling::Match.into()) }.into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                size: Some(f64::from(props.max_body.bytes()).into()),
                text_transformations: Some(Value::Lit(vec![acl::TextTransformation {
                    priority: Some(0.into()),
                    type_: Some(acl::TextTransformationType::None.into()),
                }
                .into()])),
                ..Default::default()
            }
            .into(),
        ),
        ..Default::default()
    };
    let mut rules = vec![own_rule(0, "RateLimitPerIp", rate, block(), metric), own_rule(1, "BodySizeLimit", body, block(), metric)];
    let groups = [
        ("AWSManagedRulesAmazonIpReputationList", None),
        ("AWSManagedRulesCommonRuleSet", Some("SizeRestrictions_BODY")),
        ("AWSManagedRulesKnownBadInputsRuleSet", None),
    ];
    for (i, (name, counted)) in groups.into_iter().enumerate() {
        rules.push(managed_rule(2 + i as i64, name, counted, metric));
    }
    rules
}

fn own_rule(priority: i64, name: &str, statement: acl::Statement, action: acl::RuleAction, metric: &str) -> Value<acl::Rule> {
    acl::Rule {
        name: Some(name.into()),
        priority: Some(priority.into()),
        statement: Some(statement.into()),
        action: Some(action.into()),
        visibility_config: Some(visibility(&format!("{metric}{name}")).into()),
        ..Default::default()
    }
    .into()
}

fn managed_rule(priority: i64, name: &str, counted: Option<&str>, metric: &str) -> Value<acl::Rule> {
    let overrides = counted.map(|rule| {
        Value::Lit(vec![acl::RuleActionOverride {
            name: Some(rule.into()),
            action_to_use: Some(acl::RuleAction { count: Some(acl::CountAction::default().into()), ..Default::default() }.into()),
        }
        .into()])
    });
    let statement = acl::Statement {
        managed_rule_group_statement: Some(Value::Lit(Box::new(acl::ManagedRuleGroupStatement {
            vendor_name: Some("AWS".into()),
            name: Some(name.into()),
            rule_action_overrides: overrides,
            ..Default::default()
        }))),
        ..Default::default()
    };
    acl::Rule {
        name: Some(name.into()),
        priority: Some(priority.into()),
        statement: Some(statement.into()),
        override_action: Some(acl::OverrideAction { none: Some(Value::Lit(json!({}))), ..Default::default() }.into()),
        visibility_config: Some(visibility(&format!("{metric}{name}")).into()),
        ..Default::default()
    }
    .into()
}
