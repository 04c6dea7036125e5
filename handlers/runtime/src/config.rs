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
