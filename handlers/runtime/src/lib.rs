//! Shared run time of agentcdk's Lambda handlers.
//!
//! Everything the five functions have in common lives here so each binary's `main.rs` stays a
//! few lines: [`logging`] (Lambda JSON log lines with the request id), [`error`] (retryable vs
//! permanent), [`config`] (typed environment), [`http`] (requests from every front
//! door, buffered and streamed answers), [`aws`] (SDK config built once per sandbox),
//! [`agent`] (tool-use loop, model providers), [`backend`] (the turn delegated to a Lambda function or an AgentCore runtime), [`store`] (DynamoDB tables), [`queue`] (SQS),
//! [`batch`] (FIFO-aware partial batch failures), [`auth`] (JWT verification via JWKS),
//! [`mcp`] (tools over MCP: client and server), [`lambda_tool`] (Lambda functions as tools), [`metrics`] (agent metrics as CloudWatch EMF lines), [`a2a`] (agents over A2A: server pieces and remote agents as tools), [`secret`] (values `Debug` never prints), [`tls`] (one trust store per process) and [`ws`]
//! (WebSocket frames within the size limit).

pub mod a2a;
pub mod agent;
pub mod auth;
pub mod aws;
pub mod backend;
pub mod batch;
pub mod config;
pub mod error;
pub mod http;
pub mod lambda_tool;
pub mod logging;
pub mod mcp;
pub mod metrics;
pub mod net;
pub mod queue;
pub mod secret;
pub mod store;
pub mod time;
pub mod tls;
pub mod ws;

pub use agentcdk_contract as contract;
