//! AWS SDK configuration, built once per sandbox in `main` and shared by every client.
//!
//! Lambda always hands a function its region and credentials as environment variables
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), so this
//! reads exactly those instead of running aws-config's full provider chain (profiles, SSO, STS
//! web identity, ECS, IMDS): less work at init and less code in the zip (the chain's clients
//! are dropped by LTO). `AWS_ENDPOINT_URL` overrides every service's endpoint, as in the
//! standard chain; the tests use it to point the handlers at moto_server.

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
        .credentials_provider(SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()));
    if let Some(client) = crate::tls::sdk_http_client() {
        builder = builder.http_client(client);
    }
    if let Some(url) = crate::config::optional(agentcdk_contract::env::AWS_ENDPOINT_URL) {
        builder = builder.endpoint_url(url);
    }
    builder.build()
}
