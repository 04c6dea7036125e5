//! AWS SDK configuration, built once per sandbox in `main` and shared by every client.
//!
//! Lambda always hands a function its region and credentials as environment variables
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), so this
//! reads exactly those instead of running aws-config's full provider chain (profiles, SSO, STS
//! web identity, ECS, IMDS): less work at init and less code in the zip (the chain's clients
//! are dropped by LTO). `AWS_ENDPOINT_URL` overrides every service's endpoint, as in the
//! standard chain; the tests use it to point the handlers at moto_server.
//!
//! The config carries the process's one HTTP client ([`crate::net::sdk_http_client`]): every
//! SDK client made from it (`aws_sdk_x::Client::new(&sdk)`) shares its connections and TLS
//! configuration, and building a client does no TLS work. The SDK crates are built without a
//! default HTTP client, so an `SdkConfig` made elsewhere has none: make it here.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::SharedCredentialsProvider;

/// The shared SDK configuration from Lambda's environment.
pub async fn load() -> SdkConfig {
    from_env()
}

/// Same as [`load`], synchronously (nothing here awaits).
pub fn from_env() -> SdkConfig {
    let region = std::env::var("AWS_REGION").or_else(|_| std::env::var("AWS_DEFAULT_REGION")).unwrap_or_else(|_| "us-east-1".into());
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()))
        .http_client(crate::net::sdk_http_client());
    if let Some(url) = crate::config::optional(agentcdk_contract::env::AWS_ENDPOINT_URL) {
        builder = builder.endpoint_url(url);
    }
    builder.build()
}
