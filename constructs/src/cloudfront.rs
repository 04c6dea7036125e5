//! CloudFront with WAF in front of a Function URL: the way to put a WAF on a public Function URL
//! (Lambda has none of its own), as the AgentCore "Lambda patterns" advise.
//!
//! The distribution reaches the URL through Origin Access Control (SigV4, always signed), the
//! URL's `AuthType` is `AWS_IAM`, and its resource policy lets only this distribution in
//! (`cloudfront.amazonaws.com` with the distribution's ARN as `SourceArn`): the raw
//! `*.lambda-url.*.on.aws` address answers 403 to anyone else, so WAF cannot be bypassed.
//!
//! Clients must send `x-amz-content-sha256` (the hex SHA-256 of the body) with every POST: OAC
//! signs the request for Lambda, and Lambda does not take unsigned payloads
//! (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html>).
//! CloudFront replaces the `Authorization` header with its signature, so callers cannot bring
//! their own SigV4 signature or bearer token through it.

use agentcdk_synth::cfn::cloudfront as cfn;
use agentcdk_synth::cfn::cloudfront::distribution as dist;
use agentcdk_synth::cfn::lambda::{permission, Permission};
use agentcdk_synth::prelude::*;
use agentcdk_synth::{List, Pseudo};

use agentcdk_contract::env;

use crate::function_url::{FunctionUrl, UrlAuth};
use crate::iam::actions;
use crate::kms::Encryption;
use crate::lambda::Function;
use crate::waf::{self, Protects, WafProps};

/// The managed cache policy `CachingDisabled`: every request reaches the agent.
pub const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// The managed origin request policy `AllViewerExceptHostHeader`: the client's headers, query
/// and cookies reach the URL, but not its `Host` (Lambda routes on the URL's own host name).
pub const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/// The managed response headers policy `SecurityHeadersPolicy` (HSTS, nosniff, frame options…).
pub const SECURITY_HEADERS: &str = "67f7725c-6f97-4210-82d7-5512b31e9d03";
/// Seconds CloudFront waits for the next bytes from the URL (its maximum without a quota
/// increase): a streamed reply only needs a token or a keep-alive within each minute.
pub const ORIGIN_READ_TIMEOUT_SECONDS: i64 = 60;

const ORIGIN_ID: &str = "FunctionUrl";

/// The distribution's `https://…cloudfront.net/` URL.
pub(crate) fn distribution_url(distribution: &ResourceRef<cfn::Distribution>) -> Expr {
    Expr::sub_with("https://${Domain}/", [("Domain", distribution.attr_domain_name())])
}

/// Puts CloudFront with the WAF `waf` describes (in `scope`: `WebAcl`, `Oac`, `Distribution`
/// and the URL's two permissions) in front of `url`, which must take IAM callers.
pub(crate) fn front(scope: &mut Scope, function: &Function, url: FunctionUrl, waf: &WafProps, encryption: Encryption) -> FunctionUrl {
    debug_assert_eq!(url.auth, UrlAuth::AwsIam, "OAC signs with SigV4: the URL takes IAM callers");
    // The URL's IAM identity is now CloudFront's, shared by every client: not a caller.
    function.add_environment(scope.stack(), env::URL_SIGNED_BY_CLOUDFRONT, "true");
    waf::check(scope, waf, Protects::Distribution);
    let web_acl_arn = waf::web_acl(scope, waf, Protects::Distribution, encryption);
    let uuid = Expr::select(2, List::from(Expr::split("/", Expr::Pseudo(Pseudo::StackId))));
    let short: String = scope.path().chars().filter(|c| c.is_ascii_alphanumeric()).take(27).collect();
    let oac = scope.add(
        "Oac",
        cfn::OriginAccessControl {
            origin_access_control_config: Some(
                cfn::origin_access_control::OriginAccessControlConfig {
                    name: Some(Expr::join("-", [Value::from(short), Value::from(uuid)]).into()),
                    description: Some("Signs CloudFront's requests to the agent's Function URL".into()),
                    origin_access_control_origin_type: Some("lambda".into()),
                    signing_behavior: Some("always".into()),
                    signing_protocol: Some("sigv4".into()),
                }
                .into(),
            ),
        },
    );
    let domain = Expr::select(2, List::from(Expr::split("/", url.url.attr_function_url())));
    let origin = dist::Origin {
        id: Some(ORIGIN_ID.into()),
        domain_name: Some(domain.into()),
        origin_access_control_id: Some(oac.attr_id().into()),
        custom_origin_config: Some(
            dist::CustomOriginConfig {
                origin_protocol_policy: Some("https-only".into()),
                https_port: Some(443.into()),
                origin_ssl_protocols: Some(Value::Lit(vec!["TLSv1.2".into()])),
                origin_read_timeout: Some(ORIGIN_READ_TIMEOUT_SECONDS.into()),
                ..Default::default()
            }
            .into(),
        ),
        ..Default::default()
    };
    let methods = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"];
    let behavior = dist::DefaultCacheBehavior {
        target_origin_id: Some(ORIGIN_ID.into()),
        viewer_protocol_policy: Some(dist::ViewerProtocolPolicy::HttpsOnly.into()),
        allowed_methods: Some(Value::Lit(methods.iter().map(|m| Value::from(*m)).collect())),
        cached_methods: Some(Value::Lit(vec!["GET".into(), "HEAD".into()])),
        cache_policy_id: Some(CACHING_DISABLED.into()),
        origin_request_policy_id: Some(ALL_VIEWER_EXCEPT_HOST_HEADER.into()),
        response_headers_policy_id: Some(SECURITY_HEADERS.into()),
        // Compression would buffer server-sent events.
        compress: Some(false.into()),
        ..Default::default()
    };
    let distribution = scope.add(
        "Distribution",
        cfn::Distribution {
            distribution_config: Some(
                dist::DistributionConfig {
                    comment: Some("Agent front door: WAF in front of a Function URL".into()),
                    enabled: Some(true.into()),
                    http_version: Some(dist::HttpVersion::Http2and3.into()),
                    ipv6_enabled: Some(true.into()),
                    origins: Some(Value::Lit(vec![origin.into()])),
                    default_cache_behavior: Some(behavior.into()),
                    web_acl_id: Some(web_acl_arn),
                    viewer_certificate: Some(
                        dist::ViewerCertificate { cloud_front_default_certificate: Some(true.into()), ..Default::default() }.into(),
                    ),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
    );
    crate::accepted::DEFAULT_CERTIFICATE.apply(scope.stack(), &distribution);
    crate::accepted::CLOUDFRONT_NO_ACCESS_LOGS.apply(scope.stack(), &distribution);
    permit(scope, &url, &distribution);
    FunctionUrl { distribution: Some(distribution), ..url }
}

/// The URL's resource policy: `InvokeFunctionUrl` and `InvokeFunction` (Lambda asks for both
/// since October 2025, the latter only through the URL) for CloudFront, on behalf of this
/// distribution only.
fn permit(scope: &mut Scope, url: &FunctionUrl, distribution: &ResourceRef<cfn::Distribution>) {
    let source = Expr::sub_with(
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}",
        [("Distribution", distribution.reference())],
    );
    scope.add(
        "CloudFrontUrlPermission",
        Permission {
            action: Some(actions::INVOKE_FUNCTION_URL.into()),
            function_name: Some(url.function_arn.clone().into()),
            principal: Some("cloudfront.amazonaws.com".into()),
            source_arn: Some(source.clone().into()),
            function_url_auth_type: Some(permission::FunctionUrlAuthType::AwsIam.into()),
            ..Default::default()
        },
    );
    scope.add(
        "CloudFrontInvokePermission",
        Permission {
            action: Some(actions::INVOKE_FUNCTION.into()),
            function_name: Some(url.function_arn.clone().into()),
            principal: Some("cloudfront.amazonaws.com".into()),
            source_arn: Some(source.into()),
            invoked_via_function_url: Some(true.into()),
            ..Default::default()
        },
    );
}
