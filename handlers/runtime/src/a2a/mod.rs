//! The Agent2Agent protocol (A2A v0.3.0, JSON-RPC binding), both sides.
//!
//! **Server.** [`protocol::card`] completes the constructs' card ([`agentcdk_contract::a2a::A2A_CARD`])
//! for the request's origin; [`rpc::parse`] reads one JSON-RPC request into a [`rpc::Call`] or
//! the error with the specification's code; the handlers dispatch the call in their mode
//! (request-handler: Sync and Queue; stream-handler: Stream) and answer with [`rpc::success`] /
//! [`rpc::failure`].
//!
//! **Client.** Each agent of [`agentcdk_contract::a2a::A2A_AGENTS`] becomes an [`A2aSource`]: a
//! [`ToolProvider`](crate::agent::ToolProvider) with one tool per remote agent
//! ([`toolbox_from_env`]). The end user's token reaches it through [`caller`].
//!
//! **Why not a crate.** The Rust A2A crates on crates.io are young, pull in an HTTP server
//! stack (axum) and track protocol 1.0; what we need is a handful of JSON shapes.

pub mod caller;
mod client;
pub mod protocol;
pub mod rpc;

pub use client::{A2aSource, Identity};

use agentcdk_contract::a2a::{parse_agents, parse_card, CardConfig, A2A_AGENTS, A2A_CARD};

use crate::config::{self, ConfigError};

/// The remote agents [`A2A_AGENTS`] describes (none when unset); a malformed value fails the
/// init. Reads their auth secrets now; fetches no card until a turn needs the tools.
pub async fn sources_from_env(sdk: &aws_config::SdkConfig) -> Result<Vec<A2aSource>, ConfigError> {
    let Some(value) = config::optional(A2A_AGENTS) else {
        return Ok(Vec::new());
    };
    let configs =
        parse_agents(&value).map_err(|e| ConfigError::Invalid { name: A2A_AGENTS, value: value.clone(), reason: e.to_string() })?;
    let mut sources = Vec::with_capacity(configs.len());
    for c in &configs {
        sources.push(A2aSource::from_config(c, sdk).await?);
    }
    Ok(sources)
}

/// `tools` with every remote agent of [`A2A_AGENTS`] added (see [`sources_from_env`]).
pub async fn toolbox_from_env(sdk: &aws_config::SdkConfig, tools: crate::agent::Toolbox) -> Result<crate::agent::Toolbox, ConfigError> {
    Ok(sources_from_env(sdk).await?.into_iter().fold(tools, |t, s| t.with_provider(s)))
}

/// The agent's own card ([`A2A_CARD`]), if set: the handlers serve A2A then. A malformed value
/// fails the init.
pub fn card_from_env() -> Result<Option<CardConfig>, ConfigError> {
    config::optional(A2A_CARD)
        .map(|v| parse_card(&v).map_err(|e| ConfigError::Invalid { name: A2A_CARD, value: v.clone(), reason: e.to_string() }))
        .transpose()
}
