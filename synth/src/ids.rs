//! Logical ids as a pure function of the construct path (the AWS CDK scheme).
//!
//! A path of one component keeps its id as is (so hand-written templates migrate unchanged);
//! longer paths get a readable part (components concatenated, `Default`/`Resource` hidden,
//! repeated suffixes collapsed, non-alphanumerics dropped) plus the first 8 hex digits of the
//! MD5 of the full path. The hash keeps ids unique when readable parts collide, and the same
//! path always gives the same id — so a resource keeps its identity across refactors that do
//! not move it, and CDK users recognise the ids.

use std::borrow::Borrow;
use std::fmt;

use md5::{Digest, Md5};
use serde::Serialize;

/// The logical id of a resource, parameter or condition in a template: what `Ref`,
/// `Fn::GetAtt` and `DependsOn` name. A type of its own so an id cannot be mixed up with an
/// attribute name, a construct path or any other string in the synth core; it serializes as
/// the plain string (templates are unchanged). Construct ids come from [`logical_id`]; `From`
/// a string is the escape hatch for hand-written references, checked at validation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LogicalId(String);

impl LogicalId {
    /// The id as written in the template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for LogicalId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for LogicalId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for LogicalId {
    fn from(s: &str) -> Self {
        LogicalId(s.to_owned())
    }
}

impl From<String> for LogicalId {
    fn from(s: String) -> Self {
        LogicalId(s)
    }
}

impl From<&LogicalId> for LogicalId {
    fn from(id: &LogicalId) -> Self {
        id.clone()
    }
}

impl PartialEq<str> for LogicalId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for LogicalId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A child with this id is hidden entirely from the path (CDK's `Default`).
pub const HIDDEN_ID: &str = "Default";
/// A child with this id is hidden from the readable part only (CDK's `Resource`): the main
/// resource of a construct reads like the construct itself.
pub const HIDDEN_FIRST_ID: &str = "Resource";

const HASH_LEN: usize = 8;
const MAX_HUMAN_LEN: usize = 240;
/// CloudFormation's limit on logical ids.
pub const MAX_ID_LEN: usize = 255;

/// The logical id for a construct path (components below the stack).
pub fn logical_id(components: &[&str]) -> LogicalId {
    LogicalId(id_string(components))
}

fn id_string(components: &[&str]) -> String {
    let components: Vec<&str> = components.iter().copied().filter(|c| *c != HIDDEN_ID).collect();
    if let [only] = components.as_slice() {
        let candidate = alphanumeric(only);
        if !candidate.is_empty() && candidate.len() <= MAX_ID_LEN {
            return candidate;
        }
    }
    let hash = path_hash(&components);
    let mut human: String = remove_dupes(&components).into_iter().filter(|c| *c != HIDDEN_FIRST_ID).map(alphanumeric).collect();
    human.truncate(MAX_HUMAN_LEN);
    human + &hash
}

fn path_hash(components: &[&str]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut hasher = Md5::new();
    for (i, c) in components.iter().enumerate() {
        if i > 0 {
            hasher.update(b"/");
        }
        hasher.update(c.as_bytes());
    }
    // Every logical id is hashed: hex by table, not by `format!` per byte.
    hasher.finalize()[..HASH_LEN / 2].iter().flat_map(|b| [HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 0xF)] as char]).collect()
}

fn alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Drops a component when the previous kept one ends with it (`Queue/Queue` → `Queue`).
fn remove_dupes<'a>(components: &[&'a str]) -> Vec<&'a str> {
    let mut kept: Vec<&str> = Vec::with_capacity(components.len());
    for c in components {
        if kept.last().is_none_or(|last| !last.ends_with(c)) {
            kept.push(c);
        }
    }
    kept
}

/// Whether `s` is a valid template-level name (parameters, outputs, conditions): alphanumeric.
pub fn is_alphanumeric_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID_LEN && s.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id as a string (shadows the glob import: these tests check the text).
    fn logical_id(components: &[&str]) -> String {
        super::logical_id(components).to_string()
    }

    #[test]
    fn single_component_is_kept() {
        assert_eq!(logical_id(&["MyQueue"]), "MyQueue");
        assert_eq!(logical_id(&["My-Queue_1"]), "MyQueue1");
    }

    #[test]
    fn matches_aws_cdk_for_a_resource_child() {
        // `new sqs.Queue(stack, 'MyQueue')` in AWS CDK gets this id.
        assert_eq!(logical_id(&["MyQueue", "Resource"]), "MyQueueE6CA6235");
    }

    #[test]
    fn default_is_hidden_and_resource_only_from_readable_part() {
        assert_eq!(logical_id(&["Default", "Bucket"]), "Bucket");
        let id = logical_id(&["Api", "Resource"]);
        assert!(id.starts_with("Api") && id.len() == 3 + 8, "{id}");
        assert_ne!(logical_id(&["A", "Resource"]), logical_id(&["A"]));
    }

    #[test]
    fn repeated_suffixes_collapse_but_hash_differs() {
        let a = logical_id(&["Queue", "Queue"]);
        assert!(a.starts_with("Queue") && a.len() == 5 + 8, "{a}");
        assert_ne!(a, logical_id(&["Queue", "Queue", "Queue"]));
    }

    #[test]
    fn non_alphanumerics_removed_and_length_bounded() {
        let long = "x".repeat(300);
        let id = logical_id(&[&long, "a-b"]);
        assert!(id.len() <= MAX_ID_LEN);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        let single = logical_id(&[&long]);
        assert!(single.len() <= MAX_ID_LEN, "{}", single.len());
    }

    #[test]
    fn stable_and_path_sensitive() {
        assert_eq!(logical_id(&["A", "B"]), logical_id(&["A", "B"]));
        assert_ne!(logical_id(&["AB", "C"]), logical_id(&["A", "BC"]));
    }
}
