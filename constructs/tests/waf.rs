//! WAF on the front doors read back from the templates: the web ACL's rules, its logging and
//! association on a REST stage; CloudFront + WAF + OAC in front of a Function URL with the URL
//! locked to the distribution; and every misuse reported with its code.

mod common;

use agentcdk::assertions::any_value;
use agentcdk::codes;
use agentcdk::object_like;
use agentcdk::prelude::*;
use agentcdk::Severity;
use common::{diagnostics, expect_error, jwt, runtime_props, synth};
use serde_json::{json, Value as Json};

fn model() -> Model {
    Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
}

fn rest_agent(s: &mut Stack, waf: WafProps) -> ServerlessAgent {
    let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
    ServerlessAgent::new(&mut s.scope("A"), AgentProps { waf: Some(waf), ..AgentProps::new(model(), Access::Authorizer(&auth)) })
}

fn url_agent(s: &mut Stack, access: Access<'_>, waf: WafProps) -> ServerlessAgent {
    url_agent_at(s, "A", access, waf)
}

fn url_agent_at(s: &mut Stack, id: &str, access: Access<'_>, waf: WafProps) -> ServerlessAgent {
    ServerlessAgent::new(
        &mut s.scope(id),
        AgentProps {
            mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
            waf: Some(waf),
            ..AgentProps::new(model(), access)
        },
    )
}

fn rule<'a>(acl: &'a Json, name: &str) -> &'a Json {
    acl["Rules"].as_array().unwrap().iter().find(|r| r["Name"] == name).unwrap_or_else(|| panic!("no rule {name}: {acl}"))
}

#[test]
fn rest_waf_has_managed_groups_rate_and_body_rules_logging_and_the_stage_association() {
    let (t, agent) = synth(|s| rest_agent(s, WafProps::default()));
    let Endpoint::Rest(rest) = agent.endpoint() else { panic!("Sync mode has a REST API") };
    let acl = t.resource("AWS::WAFv2::WebACL", json!({"Scope": "REGIONAL"}));
    let props = acl.properties();
    assert_eq!(props["DefaultAction"], json!({"Allow": {}}));
    // The three managed groups, not overridden to count; the common set's 8 KB body rule
    // counts only, since max_body is the one body limit.
    for group in ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"] {
        let r = rule(props, group);
        assert_eq!(r["OverrideAction"], json!({"None": {}}), "{group}");
        assert_eq!(r["Statement"]["ManagedRuleGroupStatement"]["VendorName"], "AWS");
    }
    assert_eq!(
        rule(props, "AWSManagedRulesCommonRuleSet")["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"],
        json!([{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}])
    );
    let rate = rule(props, "RateLimitPerIp");
    assert_eq!(rate["Action"], json!({"Block": {}}));
    assert_eq!(rate["Statement"]["RateBasedStatement"], json!({"AggregateKeyType": "IP", "Limit": 1000, "EvaluationWindowSec": 300}));
    let body = rule(props, "BodySizeLimit");
    assert_eq!(body["Action"], json!({"Block": {}}));
    let size = &body["Statement"]["SizeConstraintStatement"];
    assert_eq!((size["ComparisonOperator"].as_str(), size["Size"].as_f64()), (Some("GT"), Some(16384.0)));
    assert_eq!(size["FieldToMatch"], json!({"Body": {"OversizeHandling": "MATCH"}}));
    // 16 KB is WAF's default inspection size: no (billed) larger one is asked for.
    assert!(props.get("AssociationConfig").is_none());
    // Priorities are distinct (WAF refuses duplicates).
    let mut priorities: Vec<i64> = props["Rules"].as_array().unwrap().iter().map(|r| r["Priority"].as_i64().unwrap()).collect();
    priorities.dedup();
    assert_eq!(priorities, vec![0, 1, 2, 3, 4]);

    // Logs: an aws-waf-logs- group, KMS-encrypted, with retention, named without `:*`.
    let logs = t.resource("AWS::Logs::LogGroup", object_like! {"LogGroupName" => any_value()});
    let name = logs.properties()["LogGroupName"]["Fn::Sub"].as_str().unwrap();
    assert!(name.starts_with("aws-waf-logs-${AWS::StackName}-"), "{name}");
    assert_eq!(logs.properties()["RetentionInDays"], 90);
    assert!(logs.properties()["KmsKeyId"].is_object(), "encrypted with the stack key");
    let logging = t.resource("AWS::WAFv2::LoggingConfiguration", json!({"ResourceArn": {"Fn::GetAtt": [acl.logical_id, "Arn"]}}));
    let destination = &logging.properties()["LogDestinationConfigs"][0]["Fn::Sub"];
    assert_eq!(destination[0], "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Logs}");
    assert_eq!(destination[1]["Logs"], json!({"Ref": logs.logical_id}));

    // Associated with this API's stage, after the stage exists.
    let association = t.resource("AWS::WAFv2::WebACLAssociation", json!({"WebACLArn": {"Fn::GetAtt": [acl.logical_id, "Arn"]}}));
    let arn = &association.properties()["ResourceArn"]["Fn::Sub"];
    assert_eq!(arn[0], "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/agents");
    assert_eq!(arn[1]["Api"], json!({"Ref": rest.api.api.logical_id()}));
    assert_eq!(association.json["DependsOn"], json!([rest.api.stage.logical_id()]));
    t.resource_count_is("AWS::CloudFront::Distribution", 0);
}

#[test]
fn waf_props_reach_the_rules_and_a_larger_body_asks_for_that_inspection_size() {
    let waf = WafProps { rate_limit: 10, rate_window: RateWindow::OneMinute, max_body: BodyLimit::Kb64, ..WafProps::default() };
    let (t, _) = synth(|s| rest_agent(s, waf));
    let acl = t.resource("AWS::WAFv2::WebACL", json!({"Scope": "REGIONAL"}));
    let props = acl.properties();
    assert_eq!(rule(props, "RateLimitPerIp")["Statement"]["RateBasedStatement"]["Limit"], 10);
    assert_eq!(rule(props, "RateLimitPerIp")["Statement"]["RateBasedStatement"]["EvaluationWindowSec"], 60);
    assert_eq!(rule(props, "BodySizeLimit")["Statement"]["SizeConstraintStatement"]["Size"].as_f64(), Some(65536.0));
    assert_eq!(props["AssociationConfig"], json!({"RequestBody": {"API_GATEWAY": {"DefaultSizeInspectionLimit": "KB_64"}}}));
}

#[test]
fn no_waf_by_default() {
    let (t, _) = synth(|s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        ServerlessAgent::new(&mut s.scope("A"), AgentProps::new(model(), Access::Authorizer(&auth)))
    });
    t.resource_count_is("AWS::WAFv2::WebACL", 0);
    t.resource_count_is("AWS::WAFv2::WebACLAssociation", 0);
}

#[test]
fn a_public_function_url_gets_cloudfront_with_waf_and_oac_and_only_the_distribution_may_call_it() {
    let mut app = App::new();
    let agent = url_agent(app.stack("S", StackProps::default()), Access::Public, WafProps::default());
    let assembly = app.synthesize(&[]).expect("synthesizes");
    assert!(
        assembly.warnings.iter().any(|w| w.code == codes::WAF_CLOUDFRONT_REGION && w.severity == Severity::Warning),
        "the us-east-1 constraint is told"
    );
    let t = agentcdk::assertions::Template::from_assembly(&assembly, "S");
    let Endpoint::FunctionUrl(url) = agent.endpoint() else { panic!("Stream over a URL") };
    let distribution = url.distribution.as_ref().expect("CloudFront in front");
    // The URL takes signed calls only, and no public permission exists.
    t.resource_has_properties(&url.url, json!({"AuthType": "AWS_IAM", "InvokeMode": "RESPONSE_STREAM"}));
    t.resource_count_is("AWS::Lambda::Permission", 2);
    let source = json!({"Fn::Sub": ["arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}",
        {"Distribution": {"Ref": distribution.logical_id()}}]});
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({"Action": "lambda:InvokeFunctionUrl", "Principal": "cloudfront.amazonaws.com", "SourceArn": source.clone(),
            "FunctionUrlAuthType": "AWS_IAM", "FunctionName": agent.request_handler.arn()}),
    );
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({"Action": "lambda:InvokeFunction", "Principal": "cloudfront.amazonaws.com", "SourceArn": source,
            "InvokedViaFunctionUrl": true}),
    );
    let oac = t.resource("AWS::CloudFront::OriginAccessControl", any_value());
    let config = &oac.properties()["OriginAccessControlConfig"];
    assert_eq!(
        (&config["OriginAccessControlOriginType"], &config["SigningBehavior"], &config["SigningProtocol"]),
        (&json!("lambda"), &json!("always"), &json!("sigv4"))
    );
    let acl = t.resource("AWS::WAFv2::WebACL", json!({"Scope": "CLOUDFRONT"}));
    let dc = &t.resource_by_id(distribution.logical_id()).properties()["DistributionConfig"];
    assert_eq!(dc["WebACLId"], json!({"Fn::GetAtt": [acl.logical_id, "Arn"]}));
    let origin = &dc["Origins"][0];
    assert_eq!(origin["OriginAccessControlId"], json!({"Fn::GetAtt": [oac.logical_id, "Id"]}));
    assert_eq!(origin["DomainName"]["Fn::Select"][0], 2, "the URL's host name");
    assert_eq!(origin["CustomOriginConfig"]["OriginProtocolPolicy"], "https-only");
    let behavior = &dc["DefaultCacheBehavior"];
    assert_eq!(behavior["ViewerProtocolPolicy"], "https-only");
    assert!(behavior["AllowedMethods"].as_array().unwrap().contains(&json!("POST")));
    assert_eq!(behavior["CachePolicyId"], agentcdk::cloudfront::CACHING_DISABLED);
    assert_eq!(behavior["OriginRequestPolicyId"], agentcdk::cloudfront::ALL_VIEWER_EXCEPT_HOST_HEADER);
    assert_eq!(behavior["ResponseHeadersPolicyId"], agentcdk::cloudfront::SECURITY_HEADERS);
    // Clients call the distribution; anonymous callers are still the handler's to accept.
    assert_eq!(
        serde_json::to_value(agent.endpoint().url()).unwrap(),
        json!({"Fn::Sub": ["https://${Domain}/", {"Domain": {"Fn::GetAtt": [distribution.logical_id(), "DomainName"]}}]})
    );
    t.resource_has_properties(
        &agent.request_handler,
        object_like! {"Environment" => object_like! {"Variables" => object_like! {
            agentcdk::contract::env::ALLOW_ANONYMOUS => "true",
            // CloudFront's signature is no caller identity (the handler drops it).
            agentcdk::contract::env::URL_SIGNED_BY_CLOUDFRONT => "true"
        }}},
    );
    t.resource_count_is("AWS::WAFv2::WebACLAssociation", 0);
}

#[test]
fn an_existing_cloudfront_web_acl_is_attached_and_none_is_created() {
    let arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/agents/0123abcd";
    let waf = WafProps { cloudfront_web_acl_arn: Some(arn.into()), ..WafProps::default() };
    let found = diagnostics(|s| {
        url_agent(s, Access::Public, waf.clone());
    });
    assert!(found.is_empty(), "no us-east-1 warning with an existing ACL: {found:?}");
    let (t, _) = synth(|s| url_agent(s, Access::Public, waf));
    t.resource_count_is("AWS::WAFv2::WebACL", 0);
    t.resource_count_is("AWS::WAFv2::LoggingConfiguration", 0);
    t.has_resource_properties("AWS::CloudFront::Distribution", object_like! {"DistributionConfig" => object_like! {"WebACLId" => arn}});
}

#[test]
fn agentcore_doors_take_waf_on_the_stage_or_behind_cloudfront() {
    let (t, _) = synth(|s| {
        let runtime = AgentCoreRuntime::new(&mut s.scope("Runtime"), runtime_props(false, &[]));
        AgentCoreFrontDoor::new(
            &mut s.scope("Door"),
            &runtime,
            FrontDoorProps {
                kind: FrontDoorKind::FunctionUrl(UrlAuth::None),
                public: true,
                waf: Some(WafProps::default()),
                ..Default::default()
            },
        )
    });
    t.resource_count_is("AWS::CloudFront::Distribution", 1);
    t.has_resource_properties("AWS::Lambda::Url", json!({"AuthType": "AWS_IAM"}));
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        object_like! {"FunctionUrlAuthType" => "AWS_IAM", "Principal" => "cloudfront.amazonaws.com"},
    );
    t.resource_count_is("AWS::Lambda::Permission", 2);
    let (t, _) = synth(|s| {
        let runtime = AgentCoreRuntime::new(&mut s.scope("Runtime"), runtime_props(false, &[]));
        AgentCoreFrontDoor::new(
            &mut s.scope("Door"),
            &runtime,
            FrontDoorProps { kind: FrontDoorKind::RestStream, public: true, waf: Some(WafProps::default()), ..Default::default() },
        )
    });
    t.resource_count_is("AWS::WAFv2::WebACLAssociation", 1);
    t.resource_count_is("AWS::CloudFront::Distribution", 0);
    t.resource_count_is("AWS::Lambda::Url", 0);
}

#[test]
fn a_rate_limit_below_wafs_minimum_is_an_error_with_its_path() {
    expect_error(|s| drop(rest_agent(s, WafProps { rate_limit: 9, ..WafProps::default() })), "S/A/Api", codes::WAF_RATE_LIMIT);
}

#[test]
fn waf_on_a_websocket_agent_is_an_error() {
    expect_error(
        |s| {
            let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
            ServerlessAgent::new(
                &mut s.scope("A"),
                AgentProps {
                    mode: Mode::WebSocket(QueueOptions::default()),
                    waf: Some(WafProps::default()),
                    ..AgentProps::new(model(), Access::Authorizer(&auth))
                },
            );
        },
        "S/A",
        codes::WAF_FRONT_DOOR,
    );
}

#[test]
fn waf_on_an_iam_function_url_is_an_error() {
    expect_error(|s| drop(url_agent(s, Access::Iam, WafProps::default())), "S/A", codes::WAF_FRONT_DOOR);
}

#[test]
fn a_cloudfront_acl_on_a_rest_door_or_a_malformed_one_is_an_error() {
    let regional =
        WafProps { cloudfront_web_acl_arn: Some("arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/b".into()), ..WafProps::default() };
    expect_error(|s| drop(rest_agent(s, regional)), "S/A/Api", codes::WAF_FRONT_DOOR);
    let wrong =
        WafProps { cloudfront_web_acl_arn: Some("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/a/b".into()), ..WafProps::default() };
    expect_error(|s| drop(url_agent(s, Access::Public, wrong)), "S/A/Cdn", codes::WAF_WEB_ACL_ARN);
}

#[test]
fn every_waf_mistake_is_reported_at_once() {
    let found = diagnostics(|s| {
        let waf = WafProps { rate_limit: 0, cloudfront_web_acl_arn: Some("not-an-arn".into()), ..WafProps::default() };
        url_agent_at(s, "One", Access::Public, waf);
        url_agent_at(s, "Two", Access::Iam, WafProps::default());
    });
    let codes_found: Vec<_> = found.iter().filter(|d| d.severity == Severity::Error).map(|d| (d.code, d.path.clone())).collect();
    assert!(codes_found.contains(&(codes::WAF_RATE_LIMIT, "S/One/Cdn".into())), "{found:?}");
    assert!(codes_found.contains(&(codes::WAF_WEB_ACL_ARN, "S/One/Cdn".into())), "{found:?}");
    assert!(codes_found.contains(&(codes::WAF_FRONT_DOOR, "S/Two".into())), "{found:?}");
    assert!(found.iter().all(|d| d.hint.as_deref().is_some_and(|h| !h.is_empty())));
}

fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// `cost` prices what WAF adds, hand-computed for 1M requests of 4 KB answers: a web ACL
/// ($5) with 5 rules ($1 each) and $0.60 per million requests; CloudFront's $0.01 per 10,000
/// HTTPS requests and 3.81 GB out at $0.085.
#[test]
fn cost_prices_the_web_acl_and_cloudfront() {
    let usage = agentcdk::cost::Usage::default();
    let waf_of = |t: &agentcdk::assertions::Template| -> Vec<i64> {
        agentcdk::cost::estimate(t.json(), &usage).iter().map(|e| cents(e.waf)).collect()
    };
    let (t, _) = synth(|s| rest_agent(s, WafProps::default()));
    assert_eq!(waf_of(&t), vec![1060], "$5 + 5 × $1 + $0.60");
    let (t, _) = synth(|s| url_agent(s, Access::Public, WafProps::default()));
    let cdn = 1.00 + 1_000_000.0 * 4096.0 / 1_073_741_824.0 * 0.085;
    assert_eq!(waf_of(&t), vec![cents(10.60 + cdn)]);
    assert_eq!(cents(10.60 + cdn), 1192);
    let existing =
        WafProps { cloudfront_web_acl_arn: Some("arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/b".into()), ..WafProps::default() };
    let (t, _) = synth(|s| url_agent(s, Access::Public, existing));
    assert_eq!(waf_of(&t), vec![cents(0.60 + cdn)], "an existing ACL's monthly fees are paid where it lives");
    let (t, _) = synth(|s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        ServerlessAgent::new(&mut s.scope("A"), AgentProps::new(model(), Access::Authorizer(&auth)))
    });
    assert_eq!(waf_of(&t), vec![0]);
}
