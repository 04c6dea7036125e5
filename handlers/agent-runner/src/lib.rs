//! agent-runner: consumes the input queue and runs the agent.
//!
//! For each [`QueueEnvelope`] of an SQS batch:
//! 1. claim the request in the responses table (conditional write): a redelivered message
//!    whose model run already finished re-sends the stored reply and never runs the model again;
//! 2. run the agent over the session's history (DynamoDB, bounded) with the tool-use loop;
//! 3. record the reply, save the history, send an [`AgentResult`] to the output queue.
//!
//! Failures are batch item failures (partial batch response, FIFO-aware): retryable ones
//! (throttling, timeouts) come back through SQS visibility; permanent ones are recorded with
//! their reason, reported to the client as failed, and keep failing until SQS moves the message
//! to the dead-letter queue. On the last allowed receive a retryable failure is also reported
//! to the client as failed. Nothing is dropped.

use agentcdk_contract::env;
use agentcdk_contract::wire::{AgentResult, ErrorCode, Outcome, QueueEnvelope};
use agentcdk_runtime::agent::{Agent, AgentError, Toolbox};
use agentcdk_runtime::batch;
use agentcdk_runtime::config::{self, ConfigError};
use agentcdk_runtime::error::{Classify, Disposition};
use agentcdk_runtime::queue::{Queue, QueueError};
use agentcdk_runtime::store::sessions::session_key;
use agentcdk_runtime::store::{Claim, ResponsesStore, SessionStore, StoreError};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;

/// Why one record failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The body is not an envelope: it can only end in the DLQ.
    #[error("poison message: {0}")]
    Poison(String),
    /// The agent failed.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// A table operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Sending the result failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// Another invocation holds the claim (lease not expired).
    #[error("request {0} is being run by another invocation")]
    InProgress(String),
    /// An earlier delivery failed permanently.
    #[error("request {request_id} failed permanently before: {reason}")]
    FailedBefore {
        /// Request id.
        request_id: String,
        /// Recorded reason.
        reason: String,
    },
}

impl Classify for RunError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Poison(_) | Self::FailedBefore { .. } => Disposition::Permanent,
            Self::Agent(e) => e.disposition(),
            Self::Store(e) => e.disposition(),
            Self::Queue(e) => e.disposition(),
            Self::InProgress(_) => Disposition::Retryable,
        }
    }
}

/// The runner, built once per sandbox.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The agent.
    pub agent: Agent,
    /// Responses table (claims and run results).
    pub responses: ResponsesStore,
    /// Sessions table (history).
    pub sessions: SessionStore,
    /// Output queue.
    pub output: Queue,
    /// The input queue's `maxReceiveCount`.
    pub max_receive_count: u32,
}

impl Runner {
    /// The runner the environment describes, with user `tools`.
    pub async fn from_env(sdk: &aws_config::SdkConfig, tools: Toolbox) -> Result<Self, ConfigError> {
        let ddb = aws_sdk_dynamodb::Client::new(sdk);
        Ok(Self {
            agent: Agent::from_env(sdk, tools).await?,
            responses: ResponsesStore::new(
                ddb.clone(),
                config::required(env::RESPONSES_TABLE)?,
                config::parse_or(env::RESPONSE_TTL_SECONDS, env::DEFAULT_RESPONSE_TTL_SECONDS)?,
            ),
            // The runner always keeps history: here the table is required.
            sessions: SessionStore::from_env(ddb)?.ok_or(ConfigError::Missing(env::SESSIONS_TABLE))?,
            output: Queue::new(aws_sdk_sqs::Client::new(sdk), config::required(env::OUTPUT_QUEUE_URL)?),
            max_receive_count: config::parse_or(env::MAX_RECEIVE_COUNT, env::DEFAULT_MAX_RECEIVE_COUNT)?,
        })
    }

    /// Processes one record; `lease_until` (epoch seconds) bounds the claim.
    pub async fn process(&self, record: SqsMessage, lease_until: u64) -> Result<(), RunError> {
        let body = record.body.as_deref().unwrap_or_default();
        let envelope: QueueEnvelope = serde_json::from_str(body).map_err(|e| RunError::Poison(e.to_string()))?;
        let last_attempt = batch::receive_count(&record) >= self.max_receive_count;
        let id = envelope.request_id.clone();
        match self.responses.claim(&id, lease_until).await? {
            Claim::AlreadyDone { reply } => {
                tracing::info!(request_id = %id, "already ran: re-sending the stored reply");
                self.send(&envelope, Outcome::Completed { reply }).await
            }
            Claim::FailedPermanently { reason } => Err(RunError::FailedBefore { request_id: id, reason }),
            Claim::InProgress => Err(RunError::InProgress(id)),
            Claim::Acquired => self.run(&envelope, last_attempt).await,
        }
    }

    async fn run(&self, envelope: &QueueEnvelope, last_attempt: bool) -> Result<(), RunError> {
        let id = &envelope.request_id;
        let key = session_key(&envelope.user_id, &envelope.session_id);
        let history = match self.sessions.load(&key).await {
            Ok(h) => h,
            Err(e) => {
                self.responses.run_release(id).await?;
                return Err(e.into());
            }
        };
        let mut messages = history.messages.clone();
        match self.agent.respond(&mut messages, &envelope.message).await {
            Ok(reply) => {
                // Recorded before anything else: from here on the model never runs again.
                self.responses.run_done(id, &reply).await?;
                // A concurrent turn of the session is merged, not lost (append_turn retries).
                let turn = &messages[history.messages.len()..];
                if let Err(e) = self.sessions.append_turn(&key, history, turn, id).await {
                    tracing::error!(request_id = %id, error = %e, "history not saved: this turn is missing from the session");
                }
                tracing::info!(request_id = %id, "agent replied");
                self.send(envelope, Outcome::Completed { reply }).await
            }
            Err(e) if e.is_retryable() => {
                tracing::warn!(request_id = %id, error = %e, last_attempt, "retryable agent failure");
                self.responses.run_release(id).await?;
                if last_attempt {
                    // The client gets the code's fixed message; the error text stays in the log.
                    let reason = ErrorCode::Unavailable.public_message().to_owned();
                    self.send(envelope, Outcome::Failed { reason }).await?;
                }
                Err(e.into())
            }
            Err(e) => {
                tracing::error!(request_id = %id, error = %e, "permanent agent failure");
                // What the client reads (responses table, WebSocket frame): never the model's
                // text, which can name role ARNs and account ids.
                let reason = ErrorCode::UpstreamFailed.public_message().to_owned();
                self.responses.run_failed(id, &reason).await?;
                self.send(envelope, Outcome::Failed { reason }).await?;
                Err(e.into())
            }
        }
    }

    async fn send(&self, envelope: &QueueEnvelope, outcome: Outcome) -> Result<(), RunError> {
        let outcome = fit_queue_message(outcome);
        let dedup = match &outcome {
            Outcome::Completed { .. } => format!("{}-completed", envelope.request_id),
            Outcome::Failed { .. } => format!("{}-failed", envelope.request_id),
        };
        let result = AgentResult {
            request_id: envelope.request_id.clone(),
            session_id: envelope.session_id.clone(),
            user_id: envelope.user_id.clone(),
            reply_to: envelope.reply_to.clone(),
            outcome,
        };
        self.output.send(&result, &envelope.session_id, &dedup).await?;
        Ok(())
    }
}

/// Largest serialized result sent to the output queue: SQS takes 256 KiB per message; the
/// rest is room for the envelope fields.
pub const MAX_REPLY_BYTES: usize = 250 * 1024;

/// A reply too large for one queue message becomes a failure that says so, instead of a
/// send that fails on every retry.
pub fn fit_queue_message(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Completed { reply } if reply.len() > MAX_REPLY_BYTES => {
            Outcome::Failed { reason: format!("the reply is {} bytes, over the {MAX_REPLY_BYTES}-byte queue message limit", reply.len()) }
        }
        other => other,
    }
}

/// The Lambda entry point: a batch in, its failed records out.
pub async fn handle(runner: &Runner, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let lease_until = event.context.deadline / 1000 + 1;
    Ok(batch::process(event.payload, |record| runner.process(record, lease_until)).await)
}
