//! The placement lock: which template (root or nested stack) each stateful resource was
//! synthesized into, so a change that would move one is refused before it is deployed.
//!
//! CloudFormation identifies a resource by stack and logical id: moving a table from the root
//! into a nested stack deletes the old one and creates an empty new one. Placement is a pure
//! function of the construct path and [`crate::partition::Partition`], so the only moves are
//! caused by the app itself (a stack crossing the partition threshold, a new or changed pin);
//! the lock is how synth knows where a resource was before.
//!
//! Why a committed file (`agentcdk.lock`, beside the app's `Cargo.toml`, like `Cargo.lock`)
//! and not the previous `cdk.out/manifest.json`: the output folder is build output — ignored by
//! git, absent on a fresh checkout and on the CI machine that deploys — so a check against it
//! would pass silently exactly where the deploy happens. A committed lock travels with the code,
//! and a placement change shows up in review.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::codes;
use crate::diagnostic::Diagnostic;

/// The lock file's name (beside the app's `Cargo.toml`, else in the working directory).
pub const LOCK_FILE: &str = "agentcdk.lock";
/// The lock format version.
pub const LOCK_VERSION: u32 = 1;

/// The lock: per stack, the template of every stateful resource by construct path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementLock {
    /// [`LOCK_VERSION`].
    pub version: u32,
    /// Stack name → construct path → template: the stack's name for its root, else
    /// `<stack>.<nested stack name>`.
    pub stacks: BTreeMap<String, BTreeMap<String, String>>,
}

impl Default for PlacementLock {
    fn default() -> Self {
        PlacementLock { version: LOCK_VERSION, stacks: BTreeMap::new() }
    }
}

/// Resource types that hold data (or identity others depend on, like a key): replacing one
/// loses it.
pub const STATEFUL_TYPES: &[&str] = &[
    "AWS::BedrockAgentCore::Memory",
    "AWS::Cognito::UserPool",
    "AWS::DynamoDB::GlobalTable",
    "AWS::DynamoDB::Table",
    "AWS::EFS::FileSystem",
    "AWS::Kinesis::Stream",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::S3::Bucket",
    "AWS::SecretsManager::Secret",
    "AWS::SQS::Queue",
];

/// Why the resource is stateful, if it is: its type, or a policy that keeps it.
pub fn stateful_reason(type_name: &str, resource: &Json) -> Option<String> {
    if STATEFUL_TYPES.contains(&type_name) {
        return Some(format!("{type_name} is a type that holds data"));
    }
    let keeps = |key: &str| resource.get(key).and_then(Json::as_str).filter(|p| *p != "Delete").map(|p| format!("{key} {p}"));
    keeps("DeletionPolicy").or_else(|| keeps("UpdateReplacePolicy")).map(|p| format!("its {p} marks it as data to keep"))
}

/// A stateful resource and the template it is now in.
#[derive(Debug)]
pub(crate) struct Placed {
    pub path: String,
    pub type_name: String,
    pub reason: String,
    pub location: String,
}

/// Errors for every stateful resource whose template differs from the one `previous` records.
pub(crate) fn moves(stack: &str, placed: &[Placed], previous: Option<&BTreeMap<String, String>>) -> Vec<Diagnostic> {
    let Some(previous) = previous else { return Vec::new() };
    placed
        .iter()
        .filter_map(|p| {
            let before = previous.get(&p.path)?;
            (before != &p.location).then(|| {
                let top = p.path.split('/').nth(1).unwrap_or_default();
                // A nested placement only holds while the stack is split: `always()` keeps it split.
                let partition = match before.split_once('.') {
                    Some((_, nested)) if nested == top => "Partition::always()".to_owned(),
                    Some((_, nested)) => format!("Partition::always().pin(\"{top}\", Placement::Nested(\"{nested}\".into()))"),
                    None => format!("Partition::default().pin(\"{top}\", Placement::Root)"),
                };
                Diagnostic::error(
                    codes::STATEFUL_RESOURCE_MOVED,
                    &p.path,
                    format!(
                        "{} would move from template {before} to {} ({}): CloudFormation would create a new one there and delete the old one — data lost",
                        p.type_name, p.location, p.reason
                    ),
                )
                .hint(format!(
                    "keep it where it is: StackProps {{ partition: {partition}, .. }} (or, if {stack} was never deployed with this resource, delete its entry from {LOCK_FILE})"
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stateful_by_type_or_retain_policy() {
        assert!(stateful_reason("AWS::DynamoDB::Table", &json!({})).is_some());
        assert!(stateful_reason("AWS::IAM::Role", &json!({})).is_none());
        assert!(stateful_reason("AWS::IAM::Role", &json!({"DeletionPolicy": "Delete"})).is_none());
        assert_eq!(
            stateful_reason("AWS::SNS::Topic", &json!({"DeletionPolicy": "Retain"})).as_deref(),
            Some("its DeletionPolicy Retain marks it as data to keep")
        );
    }
}
