//! Lambda Function URLs: a function's own HTTPS endpoint, buffered or response-streaming.
//!
//! A URL is the cheapest front door (no per-request fee) and the only Lambda front door besides
//! API Gateway REST that streams. It has no Lambda authorizers, throttling or WAF: callers are
//! either IAM principals (SigV4, the default) or anyone (an explicit opt-in).

use crate::codes;
use agentcdk_synth::cfn::lambda as cfn;
use agentcdk_synth::prelude::*;

use crate::iam::{self, actions, Grantable, Operator, Principal, Reason, Statement};
use crate::lambda::Function;

/// Who may call a Function URL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UrlAuth {
    /// SigV4-signed requests of IAM principals granted `lambda:InvokeFunctionUrl` (see
    /// [`FunctionUrl::grant_invoke`]). Default.
    #[default]
    AwsIam,
    /// Anyone on the internet. Only by explicit opt-in, for functions that authenticate each
    /// request themselves (or put something that does in front, like AgentCore's JWT check).
    None,
}

/// How a Function URL returns the function's answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InvokeMode {
    /// The whole response at once (at most 6 MB). Default.
    #[default]
    Buffered,
    /// Chunks reach the client as the function writes them (up to 20 MB, 15 minutes).
    ResponseStream,
}

/// Cross-origin access to a Function URL from browsers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlCors {
    /// Allowed origins, e.g. `https://app.example.com`. Required.
    pub allow_origins: Vec<String>,
    /// Allowed request headers. Default: none beyond the CORS-safelisted ones.
    pub allow_headers: Vec<String>,
    /// Response headers browsers may read. Default: none.
    pub expose_headers: Vec<String>,
    /// Seconds browsers may cache a preflight answer. Default: none (no caching).
    pub max_age_seconds: Option<u32>,
}

/// Props of [`Function::add_url`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionUrlProps {
    /// Who may call it. Default: IAM principals.
    pub auth: UrlAuth,
    /// Buffered or streaming. Default: buffered.
    pub invoke_mode: InvokeMode,
    /// Browser access. Default: none.
    pub cors: Option<UrlCors>,
}

/// A Function URL.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionUrl {
    /// The URL resource.
    pub url: ResourceRef<cfn::Url>,
    /// Who may call it.
    pub auth: UrlAuth,
    /// The function behind it.
    pub(crate) function_arn: Expr,
    /// CloudFront with WAF in front of it (`waf` on a Function URL front door): then the only
    /// way in, and what [`FunctionUrl::url`] returns.
    pub distribution: Option<ResourceRef<agentcdk_synth::cfn::cloudfront::Distribution>>,
}

impl FunctionUrl {
    /// What clients call: `https://<id>.lambda-url.<region>.on.aws/`, or with CloudFront in
    /// front the distribution's `https://<id>.cloudfront.net/`.
    pub fn url(&self) -> Expr {
        match &self.distribution {
            Some(d) => crate::cloudfront::distribution_url(d),
            None => self.origin_url(),
        }
    }

    /// The Function URL itself, `https://<id>.lambda-url.<region>.on.aws/` (behind CloudFront
    /// it answers 403 to anyone but the distribution).
    pub fn origin_url(&self) -> Expr {
        self.url.attr_function_url()
    }

    /// Lets `to` call the URL: `lambda:InvokeFunctionUrl` plus `lambda:InvokeFunction`
    /// (Lambda asks for both since October 2025), the latter only via a Function URL.
    pub fn grant_invoke(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::LAMBDA_INVOKE_URL, [self.function_arn.clone()]));
        iam::grant(
            stack,
            to,
            Statement::allow(actions::LAMBDA_INVOKE, [self.function_arn.clone()]).with_condition(
                Operator::Bool,
                "lambda:InvokedViaFunctionUrl",
                ["true"],
            ),
        );
    }
}

impl Function {
    /// Gives the function a URL (`Url` in `scope`). A public URL (`UrlAuth::None`) also gets
    /// the two resource-based permissions Lambda requires for it, the `InvokeFunction` one
    /// limited to calls through the URL.
    pub fn add_url(&self, scope: &mut Scope, props: FunctionUrlProps) -> FunctionUrl {
        if let Some(cors) = &props.cors {
            if cors.allow_origins.is_empty() {
                scope.error(
                    codes::URL_CORS_NO_ORIGINS,
                    "Function URL CORS without allowed origins",
                    "list the origins of your web app, e.g. https://app.example.com",
                );
            }
        }
        let url = scope.add(
            "Url",
            cfn::Url {
                auth_type: Some(
                    match props.auth {
                        UrlAuth::AwsIam => cfn::url::AuthType::AwsIam,
                        UrlAuth::None => cfn::url::AuthType::None,
                    }
                    .into(),
                ),
                invoke_mode: Some(
                    match props.invoke_mode {
                        InvokeMode::Buffered => cfn::url::InvokeMode::Buffered,
                        InvokeMode::ResponseStream => cfn::url::InvokeMode::ResponseStream,
                    }
                    .into(),
                ),
                cors: props.cors.as_ref().map(|c| {
                    let list = |v: &[String]| (!v.is_empty()).then(|| Value::Lit(v.iter().map(|s| s.clone().into()).collect()));
                    cfn::url::Cors {
                        allow_origins: list(&c.allow_origins),
                        allow_headers: list(&c.allow_headers),
                        expose_headers: list(&c.expose_headers),
                        allow_methods: Some(Value::Lit(vec![cfn::url::AllowMethods::Post.into()])),
                        max_age: c.max_age_seconds.map(|s| i64::from(s).into()),
                        ..Default::default()
                    }
                    .into()
                }),
                target_function_arn: Some(self.arn().into()),
                ..Default::default()
            },
        );
        crate::accepted::INVOKED_SYNCHRONOUSLY.apply(scope.stack(), &self.function);
        if props.auth == UrlAuth::None {
            crate::accepted::PUBLIC_URL.apply(scope.stack(), &url);
            scope.add(
                "PublicUrlPermission",
                cfn::Permission {
                    action: Some(actions::INVOKE_FUNCTION_URL.into()),
                    function_name: Some(self.arn().into()),
                    principal: Some(Principal::any_because(Reason::PublicFunctionUrl).permission_value()),
                    function_url_auth_type: Some(cfn::permission::FunctionUrlAuthType::None.into()),
                    ..Default::default()
                },
            );
            scope.add(
                "PublicInvokePermission",
                cfn::Permission {
                    action: Some(actions::INVOKE_FUNCTION.into()),
                    function_name: Some(self.arn().into()),
                    principal: Some(Principal::any_because(Reason::PublicFunctionUrl).permission_value()),
                    invoked_via_function_url: Some(true.into()),
                    ..Default::default()
                },
            );
        }
        FunctionUrl { url, auth: props.auth, function_arn: self.arn(), distribution: None }
    }

    /// The URI API Gateway invokes for a streamed (`responseTransferMode: STREAM`) integration:
    /// Lambda's InvokeWithResponseStream.
    pub fn streaming_invoke_uri(&self) -> Expr {
        Expr::sub_with(
            "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2021-11-15/functions/${Arn}/response-streaming-invocations",
            [("Arn", self.arn())],
        )
    }
}
