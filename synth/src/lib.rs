//! agentcdk-synth: the CloudFormation model behind agentcdk.
//!
//! Typed L1 resources (generated into [`cfn`]), intrinsics as Rust values ([`Expr`],
//! [`Value`]), a construct tree whose paths give logical ids, validation that reports every
//! mistake at once, and the `synth` command line every app gets from [`App::run`].
//!
//! Synthesis runs a fixed list of phases: construct (your code) → finalize
//! ([`Stack::on_finalize`]) → render → validate → write. Nothing is written unless
//! validation found no error.
//!
//! ```
//! use agentcdk_synth::prelude::*;
//! use agentcdk_synth::cfn::sqs::Queue;
//!
//! let mut app = App::new();
//! let stack = app.stack("Demo", StackProps::default());
//! let queue = stack.add("Jobs", Queue { message_retention_period: Some(1209600.into()), ..Default::default() });
//! stack.output("JobsArn", queue.attr_arn());
//! let assembly = app.synthesize(&[]).expect("valid");
//! assert!(assembly.stacks[0].template.contains("\"Fn::GetAtt\""));
//! ```

#![warn(missing_docs)]

pub mod app;
pub mod assets;
// Generated from the registry schemas (see codegen/): a property the schema leaves undocumented
// stays undocumented here rather than getting an invented doc comment.
#[allow(missing_docs)]
pub mod cfn;
pub mod cli;
pub mod codes;
pub mod condition;
pub mod diagnostic;
pub mod expr;
pub mod ids;
pub mod justification;
pub mod manifest;
mod parallel;
pub mod parameter;
pub mod partition;
pub mod placement;
pub mod policy;
mod render;
pub mod resource;
pub mod scope;
pub mod stack;
pub mod validate;
pub mod value;

pub use app::{App, Assembly, NestedArtifact, StackArtifact};
pub use assets::{Architecture, AssetRef, AssetSource, PythonLayout};
pub use condition::{Condition, ConditionRef};
pub use diagnostic::{Acknowledged, Acknowledgement, Diagnostic, DiagnosticCode, Diagnostics, Severity};
pub use expr::{Expr, List, Pseudo};
pub use ids::LogicalId;
pub use justification::Check;
pub use parameter::{Output, Parameter, ParameterRef, ParameterType};
pub use partition::{Partition, PartitionMode, Placement};
pub use placement::PlacementLock;
pub use render::FORMAT_VERSION;
pub use resource::{AnyRef, CfnResource, RawResource, ResourceRef, Tagging, TypeInfo};
pub use scope::Scope;
pub use stack::{DeletionPolicy, ResourceOptionsMut, Stack, StackProps, UpdateReplacePolicy, ASSET_BUCKET_PARAMETER, DEVELOPMENT_TAG};
pub use value::{Json, Required, Value};

/// Everything an app's `main` needs.
pub mod prelude {
    pub use crate::{
        App, Architecture, AssetRef, AssetSource, Check, Condition, ConditionRef, DeletionPolicy, Expr, Json, Output, Parameter,
        ParameterRef, Partition, Placement, Pseudo, RawResource, ResourceRef, Scope, Stack, StackProps, UpdateReplacePolicy, Value,
    };
}
