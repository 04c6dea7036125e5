//! `cargo agentcdk dev`: a synthesized stack served on 127.0.0.1, from its cloud assembly
//! (`manifest.json` + `<Stack>.template.json`), not from the Rust constructs — so any template
//! the library writes runs.
//!
//! - SQS queues, DynamoDB tables and S3 buckets come from moto_server, created by deploying the
//!   template's own definitions into moto's CloudFormation ([`stateful`]).
//! - Every function is a real process of its handler binary (native build of the handlers
//!   workspace) under a Lambda Runtime API served here, with Lambda's concurrency model,
//!   timeout and memory setting ([`lambda`]); its environment is the template's, every
//!   intrinsic resolved to the local resources ([`intrinsics`]), `AWS_ENDPOINT_URL` at moto.
//! - Front doors: REST APIs ([`rest`]), WebSocket APIs and their `@connections` API ([`ws`]),
//!   Function URLs ([`function_url`]), SQS event source mappings ([`sqs`]), EventBridge rules
//!   and archives (moto routes the events: [`events`]), and the Lambda
//!   `Invoke` API for functions that call others with the SDK ([`lambda_api`]).
//! - A local OIDC issuer the stack's JWT checks are pointed at ([`identity`]), unless
//!   `real_auth`.
//! - Reload: handler crates rebuilt and their functions restarted ([`watch`]); a changed app
//!   applied as a diff of its new template ([`reload`], [`DevServer::reload`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), agentcdk_dev::DevError> {
//! let dev = agentcdk_dev::DevServer::start(agentcdk_dev::DevOptions::new("cdk.out")).await?;
//! for door in dev.urls() { println!("{door}"); }
//! dev.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod assembly;
pub mod authorizer;
pub mod chat;
pub mod cli;
pub mod events;
pub mod function_url;
pub mod handlers;
pub mod identity;
pub mod intrinsics;
pub mod lambda;
pub mod lambda_api;
pub mod logs;
pub mod moto;
pub mod net;
pub mod proxy;
pub mod python;
pub mod reload;
pub mod rest;
pub mod secrets;
pub mod sigv4;
pub mod sqs;
pub mod stateful;
pub mod watch;
pub mod ws;

mod server;

pub use cli::{run, token, DevArgs, TokenArgs};
pub use reload::Reloaded;
pub use server::{DevOptions, DevServer, FrontDoor, FrontDoorKind};

/// Why `dev` could not start or run.
#[derive(Debug)]
pub enum DevError {
    /// The cloud assembly is missing or malformed.
    Assembly(String),
    /// A tool `dev` needs is not installed (with the install line).
    Missing(String),
    /// The handler crates did not build.
    Build(String),
    /// The template uses something `dev` cannot serve (every problem, one per line).
    Template(Vec<String>),
    /// A local service did not start.
    Start(String),
}

impl std::fmt::Display for DevError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Assembly(m) => write!(f, "cloud assembly: {m}\n  hint: run the app's synth first (`cargo run -p <app> -- synth`)"),
            Self::Missing(m) | Self::Build(m) | Self::Start(m) => f.write_str(m),
            Self::Template(problems) => {
                write!(f, "the template cannot be served locally:")?;
                for p in problems {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DevError {}
