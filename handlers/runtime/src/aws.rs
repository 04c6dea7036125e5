//! AWS SDK configuration, loaded once per sandbox in `main` and shared by every client.
//!
//! The standard chain applies (region and credentials from Lambda's environment); the
//! `AWS_ENDPOINT_URL[_<SERVICE>]` variables override endpoints, which the tests use for moto.

/// Loads the shared SDK configuration from the environment.
pub async fn load() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}
