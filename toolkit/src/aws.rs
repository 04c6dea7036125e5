//! AWS clients from the standard configuration, and readable SDK errors.

use std::fmt::Write as _;

use aws_config::{BehaviorVersion, Region};

use crate::{AwsArgs, Error};

/// The clients every command uses.
#[derive(Debug, Clone)]
pub struct Clients {
    /// CloudFormation.
    pub cfn: aws_sdk_cloudformation::Client,
    /// S3 (path-style when an endpoint override is set: `bucket.127.0.0.1` does not resolve).
    pub s3: aws_sdk_s3::Client,
    /// Lambda (`invoke`, `deploy --hotswap`).
    pub lambda: aws_sdk_lambda::Client,
    /// CloudWatch Logs (`logs`).
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// The region in use.
    pub region: String,
    /// `AWS_ENDPOINT_URL` (or the profile's `endpoint_url`), if set.
    pub endpoint: Option<String>,
}

impl Clients {
    /// Loads the standard configuration (environment, profile, credential chain), with
    /// `--profile` and `--region` taking precedence.
    pub async fn load(args: &AwsArgs) -> Result<Clients, Error> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &args.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &args.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| Error::new("no AWS region configured").hint("set AWS_REGION, give the profile a region, or pass --region"))?;
        let endpoint = config.endpoint_url().map(str::to_owned);
        let path_style = endpoint.is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let s3_config = aws_sdk_s3::config::Builder::from(&config).force_path_style(path_style).build();
        Ok(Clients {
            cfn: aws_sdk_cloudformation::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            lambda: aws_sdk_lambda::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            region,
            endpoint,
        })
    }

    /// The HTTPS URL CloudFormation reads a template object from: virtual-hosted style on AWS;
    /// with an endpoint override, the path-style AWS form, which emulators (moto) map to their
    /// own S3 (moto cannot parse a `http://127.0.0.1:PORT/bucket/key` URL).
    pub fn object_url(&self, bucket: &str, key: &str) -> String {
        match &self.endpoint {
            Some(_) => format!("https://s3.{}.amazonaws.com/{bucket}/{key}", self.region),
            None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region),
        }
    }
}

/// An SDK error as one line: the service's code and message when it answered, else the error
/// chain (no credentials, connection refused, …).
pub fn error_text<E, R>(error: &aws_sdk_cloudformation::error::SdkError<E, R>) -> String
where
    E: std::error::Error + aws_sdk_cloudformation::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    if let Some(service) = error.as_service_error() {
        if let Some(code) = service.code() {
            return format!("{code}: {}", service.message().unwrap_or("(no message)"));
        }
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// Turns an SDK error into an [`Error`] saying what was attempted.
pub fn sdk_error<E, R>(what: impl std::fmt::Display, error: &aws_sdk_cloudformation::error::SdkError<E, R>) -> Error
where
    E: std::error::Error + aws_sdk_cloudformation::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    let text = error_text(error);
    let e = Error::new(format!("{what}: {text}"));
    if text.contains("credentials") || text.contains("ExpiredToken") || text.contains("InvalidClientTokenId") {
        e.hint("configure AWS credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
    } else if text.contains("dispatch failure") || text.contains("Connection refused") {
        e.hint("check the network, and AWS_ENDPOINT_URL if you target a local emulator")
    } else {
        e
    }
}

/// Whether a CloudFormation error says the stack does not exist.
pub fn is_missing_stack<E, R>(error: &aws_sdk_cloudformation::error::SdkError<E, R>) -> bool
where
    E: std::error::Error + aws_sdk_cloudformation::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    error.as_service_error().and_then(|e| e.message()).is_some_and(|m| m.contains("does not exist"))
}
