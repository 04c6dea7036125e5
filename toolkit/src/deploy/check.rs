//! Step 1, check: what a deployment needs before it touches AWS (parameters the stacks declare,
//! a bucket when there are assets or a large template), then that the bucket exists.

use agentcdk_synth::StackArtifact;

use super::MAX_TEMPLATE_BODY;
use crate::aws::{sdk_error, Clients};
use crate::package::size;
use crate::{Error, Result};

/// Every `--parameter` key must be declared by at least one selected stack (a typo would
/// otherwise deploy without the value).
pub fn check_parameters(stacks: &[StackArtifact], given: &[(String, String)]) -> Result<()> {
    for (key, _) in given {
        if !stacks.iter().any(|s| s.manifest.parameters.contains_key(key)) {
            let declared: Vec<&str> = stacks.iter().flat_map(|s| s.manifest.parameters.keys()).map(String::as_str).collect();
            return Err(Error::new(format!("--parameter {key}: no selected stack declares a parameter '{key}'"))
                .hint(format!("declared parameters: {}", if declared.is_empty() { "none".to_owned() } else { declared.join(", ") })));
        }
    }
    Ok(())
}

/// Whether the template is too large to pass inline (CloudFormation then reads it from S3).
pub fn is_large(stack: &StackArtifact) -> bool {
    stack.template.len() > MAX_TEMPLATE_BODY
}

/// The bucket the stack deploys through: `--bucket`, or none when the stack has no assets and
/// a small template; an error naming why one is needed otherwise.
pub fn asset_bucket<'a>(stack: &StackArtifact, bucket: Option<&'a str>) -> Result<Option<&'a str>> {
    let large = is_large(stack);
    match (bucket, stack.manifest.assets.is_empty() && stack.nested.is_empty() && !large) {
        (Some(b), _) => Ok(Some(b)),
        (None, true) => Ok(None),
        (None, false) => {
            let why = if large {
                format!("its template is {} (over 51,200 bytes)", size(stack.template.len()))
            } else if stack.manifest.assets.is_empty() {
                format!("its {} nested stack templates are read from it", stack.nested.len())
            } else {
                "it has assets".to_owned()
            };
            Err(Error::new(format!("{}: --bucket is needed: {why}", stack.name))
                .hint("pass --bucket BUCKET (an S3 bucket in the stack's region; create one with `aws s3 mb s3://BUCKET`)"))
        }
    }
}

/// The bucket exists (a missing one gets the command that creates it).
pub async fn check_bucket(clients: &Clients, bucket: &str) -> Result<()> {
    match clients.s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
            Err(Error::new(format!("bucket {bucket} does not exist")).hint(format!("create it once: aws s3 mb s3://{bucket}")))
        }
        Err(e) => Err(sdk_error(format!("bucket {bucket}"), &e)),
    }
}
