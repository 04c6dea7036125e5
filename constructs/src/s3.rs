//! S3 buckets for short-lived data: encrypted, private, TLS-only, expired by lifecycle.

use std::time::Duration;

use agentcdk_synth::cfn::s3 as cfn;
use agentcdk_synth::prelude::*;

use crate::iam::{self, actions, Grantable, PolicyDocument, Statement};
use crate::kms::{stack_key, Encryption};

/// Props of a [`Bucket`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketProps {
    /// Objects are deleted this long after they are written (lifecycle expiration, whole days,
    /// rounded up; at least 1). Required: the buckets here hold data with a lifetime.
    pub expiration: Duration,
    /// Encryption at rest (SSE-KMS with an S3 Bucket Key, or SSE-S3). Default: the stack key.
    pub encryption: Encryption,
}

impl BucketProps {
    /// Objects that live `expiration`, encrypted with the stack key.
    pub fn expiring(expiration: Duration) -> Self {
        BucketProps { expiration, encryption: Encryption::StackKey }
    }
}

/// A private bucket: public access blocked, ACLs off (bucket owner enforced), a policy that
/// refuses non-TLS requests, objects expired by lifecycle. Versioning stays off: objects are
/// written once under unique keys and expire; noncurrent versions would only outlive the
/// expiration. Retained on stack deletion (a bucket with objects cannot be deleted; lifecycle
/// empties it).
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    /// The bucket.
    pub bucket: ResourceRef<cfn::Bucket>,
    /// Encryption used.
    pub encryption: Encryption,
}

impl Bucket {
    /// Declares a bucket in `scope` (the bucket construct's own node).
    pub fn new(scope: &mut Scope, props: BucketProps) -> Bucket {
        let days = props.expiration.as_secs().div_ceil(86_400).max(1);
        let by_default = match props.encryption {
            Encryption::StackKey => cfn::bucket::ServerSideEncryptionByDefault {
                sse_algorithm: Some(cfn::bucket::SSEAlgorithm::AwsKms.into()),
                kms_master_key_id: Some(stack_key(scope.stack()).attr_arn().into()),
            },
            Encryption::AwsManaged => cfn::bucket::ServerSideEncryptionByDefault {
                sse_algorithm: Some(cfn::bucket::SSEAlgorithm::Aes256.into()),
                ..Default::default()
            },
        };
        let rule = cfn::bucket::ServerSideEncryptionRule {
            server_side_encryption_by_default: Some(by_default.into()),
            // One data key per bucket instead of per object: fewer KMS calls and less cost.
            bucket_key_enabled: (props.encryption == Encryption::StackKey).then(|| true.into()),
            ..Default::default()
        };
        let bucket = scope.add(
            "Resource",
            cfn::Bucket {
                bucket_encryption: Some(
                    cfn::bucket::BucketEncryption { server_side_encryption_configuration: Some(Value::Lit(vec![rule.into()])) }.into(),
                ),
                public_access_block_configuration: Some(
                    cfn::bucket::PublicAccessBlockConfiguration {
                        block_public_acls: Some(true.into()),
                        block_public_policy: Some(true.into()),
                        ignore_public_acls: Some(true.into()),
                        restrict_public_buckets: Some(true.into()),
                    }
                    .into(),
                ),
                ownership_controls: Some(
                    cfn::bucket::OwnershipControls {
                        rules: Some(Value::Lit(vec![cfn::bucket::OwnershipControlsRule {
                            object_ownership: Some(cfn::bucket::ObjectOwnership::BucketOwnerEnforced.into()),
                        }
                        .into()])),
                    }
                    .into(),
                ),
                lifecycle_configuration: Some(
                    cfn::bucket::LifecycleConfiguration {
                        rules: Some(Value::Lit(vec![cfn::bucket::Rule {
                            id: Some("Expire".into()),
                            status: Some(cfn::bucket::RuleStatus::Enabled.into()),
                            expiration_in_days: Some((days as i64).into()),
                            abort_incomplete_multipart_upload: Some(
                                cfn::bucket::AbortIncompleteMultipartUpload { days_after_initiation: Some(1.into()) }.into(),
                            ),
                            ..Default::default()
                        }
                        .into()])),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            },
        );
        scope.stack().resource(&bucket).deletion_policy(DeletionPolicy::Retain).update_replace_policy(UpdateReplacePolicy::Retain);
        tls_only(scope, &bucket);
        Bucket { bucket, encryption: props.encryption }
    }

    /// The bucket name (`Ref`).
    pub fn name(&self) -> Expr {
        self.bucket.reference()
    }

    /// The bucket ARN.
    pub fn arn(&self) -> Expr {
        self.bucket.attr_arn()
    }

    fn objects(&self) -> Expr {
        Expr::sub_with("${Arn}/*", [("Arn", self.arn())])
    }

    /// Grants s3:PutObject on this bucket's objects only (and encrypting with the stack key).
    pub fn grant_put(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::S3_PUT, [self.objects()]));
        self.encryption.grant_key_use(stack, to, actions::KMS_ENCRYPT_DECRYPT);
    }

    /// Grants s3:GetObject on this bucket's objects only (and decrypting with the stack key).
    pub fn grant_read(&self, stack: &mut Stack, to: &impl Grantable) {
        iam::grant(stack, to, Statement::allow(actions::S3_GET, [self.objects()]));
        self.encryption.grant_key_use(stack, to, actions::KMS_DECRYPT);
    }
}

/// A bucket policy that denies every request not made over TLS.
fn tls_only(scope: &mut Scope, bucket: &ResourceRef<cfn::Bucket>) {
    let deny = Statement::deny(actions::S3_ALL, [bucket.attr_arn(), Expr::sub_with("${Arn}/*", [("Arn", bucket.attr_arn())])]);
    let doc = PolicyDocument::new(vec![iam::deny_insecure_transport(deny)]).to_json();
    scope.add("Policy", cfn::BucketPolicy { bucket: Some(bucket.reference().into()), policy_document: Some(doc.into()) });
}
