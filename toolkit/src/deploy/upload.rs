//! Step 2, upload: the stack's packaged assets and nested templates (skipping those already
//! there, by content-hashed key) and, when it is too large to pass inline, its template.

use agentcdk_synth::StackArtifact;
use sha2::{Digest, Sha256};

use crate::aws::{sdk_error, Clients};
use crate::package::{size, Staged};
use crate::{Error, Result};

/// Uploads each asset of the stack that is not in the bucket yet.
pub async fn upload_assets(clients: &Clients, stack: &StackArtifact, staged: &[Staged], bucket: &str) -> Result<()> {
    let nested =
        stack.nested.iter().map(|n| n.manifest.object_key.trim_end_matches(agentcdk_synth::partition::TEMPLATE_KEY_SUFFIX).to_owned());
    let hashes: Vec<String> = stack.manifest.assets.iter().cloned().chain(nested).collect();
    for hash in &hashes {
        let asset = staged
            .iter()
            .find(|s| &s.hash == hash)
            .ok_or_else(|| Error::new(format!("{}: asset {hash} was not packaged", stack.name)).hint("run package"))?;
        let exists = match clients.s3.head_object().bucket(bucket).key(&asset.object_key).send().await {
            Ok(_) => true,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => false,
            Err(e) => return Err(sdk_error(format!("head-object s3://{bucket}/{}", asset.object_key), &e)),
        };
        if exists {
            println!("  asset s3://{bucket}/{}: already uploaded", asset.object_key);
            continue;
        }
        let body = std::fs::read(&asset.file).map_err(|e| Error::new(format!("cannot read {}: {e}", asset.file.display())))?;
        let len = body.len();
        clients
            .s3
            .put_object()
            .bucket(bucket)
            .key(&asset.object_key)
            .body(body.into())
            .send()
            .await
            .map_err(|e| sdk_error(format!("upload of s3://{bucket}/{}", asset.object_key), &e))?;
        println!("  asset s3://{bucket}/{}: uploaded ({})", asset.object_key, size(len));
    }
    Ok(())
}

/// The object key of a large template: named by stack and content, so a redeploy of the same
/// template reuses it.
pub fn template_key(stack: &StackArtifact) -> String {
    let digest: String = Sha256::digest(stack.template.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("templates/{}-{digest}.template.json", stack.name)
}

/// Uploads the template; returns the URL CloudFormation reads it from.
pub async fn upload_template(clients: &Clients, stack: &StackArtifact, bucket: &str) -> Result<String> {
    let key = template_key(stack);
    clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(&key)
        .body(stack.template.clone().into_bytes().into())
        .send()
        .await
        .map_err(|e| sdk_error(format!("upload of the template to s3://{bucket}/{key}"), &e))?;
    println!("  template ({}) uploaded to s3://{bucket}/{key}", size(stack.template.len()));
    Ok(clients.object_url(bucket, &key))
}
