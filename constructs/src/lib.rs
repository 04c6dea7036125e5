//! agentcdk: typed constructs for deploying AI agents on AWS serverless.
//!
//! Building blocks with secure defaults and least-privilege grants ([`lambda`], [`sqs`],
//! [`s3`], [`dynamodb`], [`apigw`], [`iam`], [`kms`], [`logs`], [`cloudwatch`]) and the agent patterns
//! built from them ([`patterns`]). The synthesis core is re-exported: apps depend on this
//! crate only. [`assertions`] tests what a stack synthesizes to; [`accepted`] lists every
//! scanner finding the constructs accept on purpose (written into the templates).

#![warn(missing_docs)]

pub use agentcdk_contract as contract;
pub use agentcdk_synth::*;
// Shadows the glob re-export: the app whose `run` has the full command line.
pub use app::App;

/// The program's allocator (feature `mimalloc`, on by default; see `Cargo.toml` for why).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod accepted;
pub mod apigw;
pub mod app;
pub mod assertions;
pub mod cli;
pub mod cloudfront;
pub mod cloudwatch;
pub mod codes;
pub mod cost;
pub mod dashboard;
pub mod dynamodb;
mod environment;
pub mod events;
pub mod function_url;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod patterns;
pub mod s3;
pub mod sqs;
pub mod waf;

/// Everything an app's `main` needs: the synth prelude plus the constructs.
pub mod prelude {
    pub use agentcdk_synth::prelude::*;

    pub use crate::apigw::{Cors, HttpMethod, Throttling};
    pub use crate::app::App;
    pub use crate::events::EventBus;
    pub use crate::function_url::{FunctionUrlProps, InvokeMode, UrlAuth, UrlCors};
    pub use crate::kms::Encryption;
    pub use crate::lambda::{Code, Function, FunctionProps, PythonCode, PythonDependencies};
    pub use crate::logs::RetentionDays;
    pub use crate::patterns::*;
    pub use crate::sqs::{DeadLetter, Queue, QueueProps};
    pub use crate::waf::{BodyLimit, RateWindow, WafProps};
}
