//! Secrets in memory: a value whose `Debug` never shows it.
//!
//! API keys and bearer tokens live in structs that derive `Debug` (configs, providers, the
//! handlers' apps), and a `{:?}` in a log line or a panic message prints every field. Holding
//! them as [`Secret`] makes the redaction part of the type, so no hand-written `Debug` impl
//! can forget a field.

/// A secret string; `Debug` prints `Secret(..)`. Read it with [`Secret::expose`] only where it
/// is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// The SecretString of secret `arn` (read at init); errors name the variable `var` that gave
/// the ARN.
pub async fn read(sdk: &aws_config::SdkConfig, var: &'static str, arn: &str) -> Result<String, crate::config::ConfigError> {
    use crate::config::ConfigError;
    let out = aws_sdk_secretsmanager::Client::new(sdk)
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| ConfigError::Invalid { name: var, value: arn.into(), reason: crate::error::sdk_message(&e) })?;
    out.secret_string.ok_or_else(|| ConfigError::Invalid { name: var, value: arn.into(), reason: "the secret has no SecretString".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("sk-live-123");
        assert_eq!(format!("{s:?}"), "Secret(..)");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(Secret(..))");
        assert_eq!(s.expose(), "sk-live-123");
    }
}
