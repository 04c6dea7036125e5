//! Reading the environment the constructs set (names in [`agentcdk_contract::env`]).
//!
//! Configuration is read once at init; a missing or malformed variable fails the init with a
//! message naming the variable, instead of failing every invocation later.

use std::str::FromStr;

/// A required variable is missing or a value does not parse.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The variable is required and unset (or empty).
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// The variable is set but not valid.
    #[error("environment variable {name} has an invalid value {value:?}: {reason}")]
    Invalid {
        /// Variable name.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The variable's value, `None` when unset or empty.
pub fn optional(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The variable's value, or [`ConfigError::Missing`].
pub fn required(name: &'static str) -> Result<String, ConfigError> {
    optional(name).ok_or(ConfigError::Missing(name))
}

/// The variable parsed as `T`, or `default` when unset.
pub fn parse_or<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match optional(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid { name, value: v.clone(), reason: e.to_string() }),
    }
}

/// The variable parsed as `T`, or `None` when unset. An enum of the contract parses with its
/// `FromStr`, whose error lists the accepted values; the error names the variable.
pub fn parse_optional<T>(name: &'static str) -> Result<Option<T>, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match optional(name) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|e: T::Err| ConfigError::Invalid { name, value: v.clone(), reason: e.to_string() }),
    }
}

/// A list variable split on commas and whitespace, empty items dropped.
pub fn list(name: &'static str) -> Vec<String> {
    optional(name)
        .map(|v| v.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use agentcdk_contract::env::{AgentMode, ResponseMode};

    use super::*;

    // Variables of their own: tests run in parallel and share the process environment.
    const MODE_VAR: &str = "AGENTCDK_CONFIG_TEST_MODE";
    const RESPONSE_VAR: &str = "AGENTCDK_CONFIG_TEST_RESPONSE";

    #[test]
    fn a_contract_enum_parses_with_its_from_str_and_a_bad_value_names_the_variable() {
        std::env::remove_var(MODE_VAR);
        assert_eq!(parse_or(MODE_VAR, AgentMode::default()).expect("a good value"), AgentMode::Sync, "unset: the default");
        std::env::set_var(MODE_VAR, " Queue ");
        assert_eq!(parse_or(MODE_VAR, AgentMode::default()).expect("a good value"), AgentMode::Queue);
        std::env::set_var(MODE_VAR, "batch");
        let err = parse_or(MODE_VAR, AgentMode::default()).expect_err("a bad value").to_string();
        assert_eq!(
            err,
            r#"environment variable AGENTCDK_CONFIG_TEST_MODE has an invalid value "batch": unknown value "batch"; expected one of "sync", "queue", "websocket""#
        );
    }

    #[test]
    fn an_optional_enum_is_none_when_unset() {
        std::env::remove_var(RESPONSE_VAR);
        assert_eq!(parse_optional::<ResponseMode>(RESPONSE_VAR).expect("a good value"), None);
        std::env::set_var(RESPONSE_VAR, "stream");
        assert_eq!(parse_optional::<ResponseMode>(RESPONSE_VAR).expect("a good value"), Some(ResponseMode::Stream));
        std::env::set_var(RESPONSE_VAR, "chunked");
        assert!(parse_optional::<ResponseMode>(RESPONSE_VAR).expect_err("a bad value").to_string().contains(RESPONSE_VAR));
    }
}
