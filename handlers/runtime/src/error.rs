//! Retryable vs permanent: the one question every failure must answer.
//!
//! SQS consumers report a retryable failure as a batch item failure (the message becomes
//! visible again and is retried); a permanent one is recorded with its reason and still reported
//! failed, so it ends in the dead-letter queue instead of being dropped.

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};

/// What to do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Transient (throttling, timeouts, 5xx): try again later.
    Retryable,
    /// Will fail the same way every time (bad input, access denied): record and dead-letter.
    Permanent,
}

/// Errors that know whether retrying can help.
pub trait Classify {
    /// Retryable or permanent.
    fn disposition(&self) -> Disposition;

    /// Shorthand for `disposition() == Retryable`.
    fn is_retryable(&self) -> bool {
        self.disposition() == Disposition::Retryable
    }
}

/// Error codes of AWS services that mean "later may work".
const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "TransactionConflictException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalServerError",
    "InternalServerException",
    "InternalFailure",
    "ModelTimeoutException",
    "ModelNotReadyException",
    "ModelStreamErrorException",
];

/// Classifies an AWS SDK error: timeouts, dispatch failures, throttling and 5xx are retryable,
/// everything else (validation, access denied, not found) permanent.
pub fn sdk_disposition<E: ProvideErrorMetadata>(err: &SdkError<E>) -> Disposition {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => Disposition::Retryable,
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or_default();
            if RETRYABLE_CODES.contains(&code) || se.raw().status().as_u16() >= 500 {
                Disposition::Retryable
            } else {
                Disposition::Permanent
            }
        }
        _ => Disposition::Permanent,
    }
}

/// One-line description of an SDK error: service code and message when there are any.
pub fn sdk_message<E: ProvideErrorMetadata + std::error::Error + 'static>(err: &SdkError<E>) -> String {
    match err {
        SdkError::ServiceError(se) => {
            format!("{}: {}", se.err().code().unwrap_or("ServiceError"), se.err().message().unwrap_or("(no message)"))
        }
        other => {
            // Walk the source chain: the top-level Display of a dispatch failure says little.
            let mut msg = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            msg
        }
    }
}
