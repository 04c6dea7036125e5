//! The Function backend: one Lambda `Invoke` (`RequestResponse`) per turn, the
//! [`TurnRequest`] as the event, a [`TurnAnswer`](agentcdk_contract::backend::TurnAnswer) back.
//!
//! Throttling, timeouts and 5xx of the Invoke API are retryable; a refused invoke (access
//! denied, no such function) and a function error (`X-Amz-Function-Error`: an unhandled
//! exception, a timeout of the function) are permanent. The client is
//! [`lambda_tool::client`](crate::lambda_tool::client): no SDK retries, and
//! `AWS_ENDPOINT_URL_LAMBDA` when set.

use agentcdk_contract::backend::TurnRequest;
use aws_sdk_lambda::error::DisplayErrorContext;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;

use super::BackendError;
use crate::error::{sdk_disposition, Disposition};

/// A Lambda function running the turn.
#[derive(Debug, Clone)]
pub struct FunctionBackend {
    client: aws_sdk_lambda::Client,
    arn: String,
}

impl FunctionBackend {
    /// The function `arn`, invoked through `client`.
    pub fn new(client: aws_sdk_lambda::Client, arn: String) -> Self {
        Self { client, arn }
    }

    /// Invokes the function with `request`; its reply, or the failure classified.
    pub async fn run(&self, request: &TurnRequest) -> Result<String, BackendError> {
        let payload = serde_json::to_vec(request).map_err(|e| BackendError::Permanent(e.to_string()))?;
        let sent = self
            .client
            .invoke()
            .function_name(&self.arn)
            .invocation_type(InvocationType::RequestResponse)
            .payload(Blob::new(payload))
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) => {
                let message = format!("invoke failed: {}", DisplayErrorContext(&e));
                return Err(match sdk_disposition(&e) {
                    Disposition::Retryable => BackendError::Retryable(message),
                    Disposition::Permanent => BackendError::Permanent(message),
                });
            }
        };
        let payload = out.payload.as_ref().map(Blob::as_ref).unwrap_or_default();
        if let Some(kind) = out.function_error {
            return Err(BackendError::Permanent(format!("function error ({kind}): {}", String::from_utf8_lossy(payload))));
        }
        super::answer(payload)
    }
}
