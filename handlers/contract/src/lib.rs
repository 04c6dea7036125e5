//! The contract between agentcdk's constructs (synth time) and its Lambda handlers (run time).
//!
//! One source of truth: the constructs set environment variables, name DynamoDB key attributes
//! and build API Gateway request models from the items here, and the handlers read the same
//! items. A rename here is a compile error on both sides instead of a broken deployment.
//!
//! Dependency-light on purpose (serde, serde_json, schemars only): the root `constructs` crate
//! depends on it at synth time, where no AWS SDK or async runtime belongs.
//!
//! - [`a2a`]: agents over A2A: card and remote-agent formats, paths.
//! - [`backend`]: agent backends ([`env::AGENT_BACKEND`]) and the Function backend's JSON contract.
//! - [`events`]: event-driven runs (trigger envelopes, prompt templates) and completion events.
//! - [`env`]: environment variable names (and their defaults).
//! - [`artifacts`]: handler artifacts ([`artifacts::Artifact`]) and the zip name.
//! - [`keys`]: DynamoDB key and attribute names, index names.
//! - [`mcp`]: the format of [`env::MCP_SERVERS`] and the names of the stock MCP server.
//! - [`metrics`]: the agent metrics (CloudWatch embedded metric format): namespace, names, units,
//!   dimensions.
//! - [`tools`]: the format of [`env::LAMBDA_TOOLS`] (Lambda functions called directly as tools).
//! - [`routes`]: the request-handler's HTTP paths (API Gateway resources must match).
//! - [`wire`]: JSON wire types: chat request/response, queue envelopes, stored responses,
//!   connection records, WebSocket frames, error bodies.
//! - [`values`]: [`string_enum!`], how each enum above gets its one `as_str` and `FromStr`.
//! - [`schema`]: the draft-4 JSON Schema of the chat request for an API Gateway Model
//!   ([`chat_request_schema`]).

pub mod a2a;
pub mod artifacts;
pub mod backend;
pub mod env;
pub mod events;
pub mod keys;
pub mod mcp;
pub mod metrics;
pub mod routes;
pub mod schema;
pub mod tools;
pub mod values;
pub mod wire;

pub use schema::chat_request_schema;
