//! agent-runner: consumes the input queue and runs the agent.
//!
//! For each [`QueueEnvelope`] of an SQS batch:
//! 1. claim the request in the responses table (conditional write): a redelivered message
//!    whose model run already finished re-sends the stored reply and never runs the model again;
//! 2. run the agent over the session's history (DynamoDB, bounded) with the tool-use loop;
//! 3. record the reply, save the history, send an [`AgentResult`] to the output queue. A reply
//!    too large for the queue message or the responses item ([`replies::fits_inline`], checked
//!    on the serialized forms) is put in the reply bucket (`REPLY_BUCKET`) and sent as a
//!    reference: a big reply never fails the request.
//!
//! Failures ([`Runner::settle`]), whatever step failed (claim, history, model, recording,
//! sending):
//! - retryable (throttling, timeouts) before the last receive: the record is reported failed
//!   and made visible again after a short, growing [`Backoff`] (ChangeMessageVisibility), not
//!   after the full visibility timeout;
//! - permanent, or retryable on the last receive: the run is given up at once — its client is
//!   told `failed` (a stable reason from [`failure`]), the original body is sent to the
//!   dead-letter queue (`DEAD_LETTER_QUEUE_URL`) and the record reported done, so the later
//!   turns of its FIFO session are not held behind it;
//! - records skipped behind a failed record of their FIFO group become visible again at once
//!   (right behind it), or, on their last receive, are given up the same way.
//!
//! Event-driven runs: an envelope with an `event` ([`TriggeredEnvelope`], written by an
//! EventBridge rule's InputTransformer) gets its message rendered from the event with its
//! trigger's Handlebars template (`EVENT_TRIGGERS`, [`events::render_prompt`]); an unknown
//! trigger or a template the event does not fit is a permanent failure (dead-lettered).
//!
//! Completion events ([`completion`]): with `COMPLETION_EVENT_BUS` set, every result sent also
//! goes to that bus as `Agent Run Completed` / `Agent Run Failed`.
//!
//! Nothing is dropped: a record that cannot be moved to the dead-letter queue fails back to SQS,
//! whose redrive policy moves it, and the DLQ consumer (response-handler) tells its client.

pub mod completion;

use std::collections::BTreeMap;

use agentcdk_contract::env;
use agentcdk_contract::events::{self, TriggerConfig, TriggeredEnvelope};
use agentcdk_contract::wire::{failure, AgentResult, Outcome, QueueEnvelope, Reply};
use agentcdk_runtime::agent::{Agent, AgentError, Toolbox};
use agentcdk_runtime::backend::Turn;
use agentcdk_runtime::batch::{self, Backoff};
use agentcdk_runtime::config::{self, ConfigError};
use agentcdk_runtime::error::{Classify, Disposition};
use agentcdk_runtime::queue::{message_group, url_from_arn, Queue, QueueError};
use agentcdk_runtime::store::replies;
use agentcdk_runtime::store::sessions::session_key;
use agentcdk_runtime::store::{Claim, ReplyStore, ResponsesStore, SessionStore, StoreError};
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
    /// The completion event was not put (retried: the redelivery re-sends it).
    #[error(transparent)]
    Completion(#[from] completion::CompletionError),
    /// Another invocation holds the claim (lease not expired).
    #[error("request {0} is being run by another invocation")]
    InProgress(String),
    /// The reply is too large to travel inline and no reply bucket is configured.
    #[error("the reply ({0} bytes) is too large to send inline and REPLY_BUCKET is not set")]
    ReplyTooLarge(usize),
    /// A record was given up, but no dead-letter queue is configured to move it to.
    #[error("no DEAD_LETTER_QUEUE_URL: the record stays with SQS's redrive policy")]
    NoDeadLetterQueue,
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
            Self::Poison(_) | Self::FailedBefore { .. } | Self::NoDeadLetterQueue | Self::ReplyTooLarge(_) => Disposition::Permanent,
            Self::Agent(e) => e.disposition(),
            Self::Store(e) => e.disposition(),
            Self::Queue(e) => e.disposition(),
            Self::InProgress(_) | Self::Completion(_) => Disposition::Retryable,
        }
    }
}

/// Emits the `QueueWait` metric of a record on its first receive: `SentTimestamp` to now, the
/// time a request waited for the runner (retries' backoff is not queue wait).
fn queue_wait(record: &SqsMessage, receive: u32) {
    if receive > 1 {
        return;
    }
    if let Some(ms) = agentcdk_runtime::metrics::queue_wait_ms(record, agentcdk_runtime::time::now_millis()) {
        agentcdk_runtime::metrics::Record::new().metric(agentcdk_contract::metrics::Metric::QueueWait, ms as f64).emit();
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
    /// The input queue's dead-letter queue, where given-up records go at once; `None`: they
    /// fail back to SQS until its redrive policy moves them.
    pub dead_letter: Option<Queue>,
    /// Delay before a retryable failure is retried.
    pub backoff: Backoff,
    /// Where replies too large to travel inline go; `None`: such a reply fails its request.
    pub replies: Option<ReplyStore>,
    /// Event triggers by id (`EVENT_TRIGGERS`): the prompt templates of event-driven runs.
    pub triggers: BTreeMap<String, TriggerConfig>,
    /// Where completion events go (`COMPLETION_EVENT_BUS`); `None`: none are put.
    pub completions: Option<completion::Completions>,
}

impl Runner {
    /// The runner the environment describes, with user `tools`.
    pub async fn from_env(sdk: &aws_config::SdkConfig, tools: Toolbox) -> Result<Self, ConfigError> {
        // One client per service, shared by its users: each client built adds to the init.
        let ddb = aws_sdk_dynamodb::Client::new(sdk);
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let replies = ReplyStore::from_env(sdk);
        Ok(Self {
            agent: Agent::from_env(sdk, tools).await?,
            responses: ResponsesStore::new(
                ddb.clone(),
                config::required(env::RESPONSES_TABLE)?,
                config::parse_or(env::RESPONSE_TTL_SECONDS, env::DEFAULT_RESPONSE_TTL_SECONDS)?,
            )
            .with_replies(replies.clone()),
            // The runner always keeps history: here the table is required.
            sessions: SessionStore::from_env(ddb)?.ok_or(ConfigError::Missing(env::SESSIONS_TABLE))?,
            output: Queue::new(sqs.clone(), config::required(env::OUTPUT_QUEUE_URL)?),
            max_receive_count: config::parse_or(env::MAX_RECEIVE_COUNT, env::DEFAULT_MAX_RECEIVE_COUNT)?,
            dead_letter: config::optional(env::DEAD_LETTER_QUEUE_URL).map(|url| Queue::new(sqs, url)),
            backoff: Backoff {
                base_secs: config::parse_or(env::RETRY_BASE_SECONDS, env::DEFAULT_RETRY_BASE_SECONDS)?,
                max_secs: config::parse_or(env::RETRY_MAX_SECONDS, env::DEFAULT_RETRY_MAX_SECONDS)?,
            },
            triggers: match config::optional(events::EVENT_TRIGGERS) {
                None => BTreeMap::new(),
                Some(value) => events::parse_triggers(&value).map_err(|e| ConfigError::Invalid {
                    name: events::EVENT_TRIGGERS,
                    value,
                    reason: e.to_string(),
                })?,
            },
            completions: completion::Completions::from_env(sdk),
            replies,
        })
    }

    /// Processes one record and settles its failure (see the crate docs): `Ok` when the record
    /// is done (answered, or given up and dead-lettered), `Err` when it returns to the queue.
    pub async fn settle(&self, record: SqsMessage, lease_until: u64) -> Result<(), RunError> {
        let receive = batch::receive_count(&record);
        queue_wait(&record, receive);
        let err = match self.process(&record, lease_until).await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if matches!(err, RunError::InProgress(_)) && receive >= self.max_receive_count {
            // Another invocation is running it right now: its result will come; telling the
            // client `failed` here would be wrong. SQS's redrive and the DLQ consumer (which
            // only fails a request still pending) cover a run that never finishes.
            return Err(err);
        }
        if err.is_retryable() && receive < self.max_receive_count {
            let delay = self.backoff.delay(receive);
            tracing::warn!(error = %err, receive, delay, "retryable failure: retrying after the backoff");
            self.retry_after(&record, delay).await;
            return Err(err);
        }
        tracing::error!(error = %err, receive, "giving the record up");
        let reason = if err.is_retryable() { failure::RETRIES_EXHAUSTED } else { failure::AGENT_FAILED };
        self.give_up(&record, reason).await.map_err(|e| {
            tracing::error!(error = %e, "could not dead-letter the record: SQS's redrive will");
            err
        })
    }

    /// A record skipped behind a failed record of its FIFO group: visible again at once (SQS
    /// hands the group's records out in order, so it comes right after the failed one), or,
    /// on its last receive, given up like a failure. Returns whether the record is settled.
    pub async fn skipped(&self, record: SqsMessage) -> bool {
        if batch::receive_count(&record) < self.max_receive_count {
            self.retry_after(&record, 0).await;
            return false;
        }
        match self.give_up(&record, failure::DEAD_LETTERED).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "could not dead-letter a skipped record: SQS's redrive will");
                false
            }
        }
    }

    /// Tells the record's client that it failed with `reason`, then moves the original body to
    /// the dead-letter queue. `Err` leaves the record to SQS (and its redrive policy).
    async fn give_up(&self, record: &SqsMessage, reason: &str) -> Result<(), RunError> {
        let body = record.body.clone().unwrap_or_default();
        if let Ok(envelope) = serde_json::from_str::<QueueEnvelope>(&body) {
            self.send(&envelope, Outcome::Failed { reason: reason.into() }).await?;
        }
        let Some(dlq) = &self.dead_letter else {
            return Err(RunError::NoDeadLetterQueue);
        };
        let id = record.message_id.clone().unwrap_or_default();
        let group = batch::message_group(record).unwrap_or(&id);
        dlq.send_raw(body, group, &id).await?;
        tracing::info!(message_id = %id, "moved to the dead-letter queue");
        Ok(())
    }

    /// Makes `record` visible again after `seconds` (its source queue comes from the record's
    /// `eventSourceARN`). On failure the queue's visibility timeout applies, as before.
    async fn retry_after(&self, record: &SqsMessage, seconds: u32) {
        let (Some(url), Some(receipt)) = (record.event_source_arn.as_deref().and_then(url_from_arn), record.receipt_handle.as_deref())
        else {
            return;
        };
        let queue = Queue::new(self.output.client().clone(), url);
        if let Err(e) = queue.change_visibility(receipt, seconds).await {
            tracing::warn!(error = %e, "ChangeMessageVisibility failed: the visibility timeout applies");
        }
    }

    /// Processes one record; `lease_until` (epoch seconds) bounds the claim. A failure is only
    /// returned: [`Runner::settle`] decides what becomes of the record.
    pub async fn process(&self, record: &SqsMessage, lease_until: u64) -> Result<(), RunError> {
        let body = record.body.as_deref().unwrap_or_default();
        let envelope = self.envelope(body)?;
        let id = envelope.request_id.clone();
        match self.responses.claim(&id, lease_until).await? {
            Claim::AlreadyDone { reply } => {
                tracing::info!(request_id = %id, "already ran: re-sending the stored reply");
                self.send(&envelope, Outcome::Completed { reply }).await
            }
            Claim::FailedPermanently { reason } => Err(RunError::FailedBefore { request_id: id, reason }),
            Claim::InProgress => Err(RunError::InProgress(id)),
            Claim::Acquired => self.run(&envelope).await,
        }
    }

    /// The envelope of `body`; a triggered envelope gets its message rendered from its event.
    fn envelope(&self, body: &str) -> Result<QueueEnvelope, RunError> {
        let value: serde_json::Value = serde_json::from_str(body).map_err(|e| RunError::Poison(e.to_string()))?;
        if value.get("event").is_none() {
            return serde_json::from_value(value).map_err(|e| RunError::Poison(e.to_string()));
        }
        let TriggeredEnvelope { mut envelope, event } = serde_json::from_value(value).map_err(|e| RunError::Poison(e.to_string()))?;
        let trigger =
            self.triggers.get(&event.trigger).ok_or_else(|| RunError::Poison(format!("unknown event trigger '{}'", event.trigger)))?;
        envelope.message = events::render_prompt(&trigger.prompt, &event.detail)
            .map_err(|e| RunError::Poison(format!("prompt of trigger '{}': {e}", event.trigger)))?;
        Ok(envelope)
    }

    async fn run(&self, envelope: &QueueEnvelope) -> Result<(), RunError> {
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
        let turn = Turn { request_id: id, session_id: &envelope.session_id, user_id: &envelope.user_id };
        match self.agent.answer(&turn, &mut messages, &envelope.message, None).await {
            Ok(text) => {
                let reply = self.place(envelope, text).await?;
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
                tracing::warn!(request_id = %id, error = %e, "retryable agent failure");
                self.responses.run_release(id).await?;
                Err(e.into())
            }
            Err(e) => {
                tracing::error!(request_id = %id, error = %e, "permanent agent failure");
                // The detailed reason stays here (and in the logs); the client gets a stable one.
                self.responses.run_failed(id, &e.to_string()).await?;
                Err(e.into())
            }
        }
    }

    /// The reply as it will travel: inline when it fits the output queue and the responses item,
    /// else put in the reply bucket and referenced.
    async fn place(&self, envelope: &QueueEnvelope, text: String) -> Result<Reply, RunError> {
        let bytes = text.len();
        // Checked on the exact result that would be sent (the copy is cheap beside a model run).
        if replies::fits_inline(&result_of(envelope, Outcome::Completed { reply: Reply::Inline(text.clone()) })) {
            return Ok(Reply::Inline(text));
        }
        let Some(replies) = &self.replies else {
            return Err(RunError::ReplyTooLarge(bytes));
        };
        tracing::info!(request_id = %envelope.request_id, bytes, "reply too large to travel inline: stored in S3");
        Ok(Reply::Stored(replies.put(&envelope.request_id, &text).await?))
    }

    async fn send(&self, envelope: &QueueEnvelope, outcome: Outcome) -> Result<(), RunError> {
        let dedup = match &outcome {
            Outcome::Completed { .. } => format!("{}-completed", envelope.request_id),
            Outcome::Failed { .. } => format!("{}-failed", envelope.request_id),
        };
        let result = result_of(envelope, outcome);
        self.output.send(&result, &message_group(&envelope.user_id, &envelope.session_id), &dedup).await?;
        if let Some(completions) = &self.completions {
            completions.put(&result, self.replies.as_ref()).await?;
        }
        Ok(())
    }
}

/// The result of `envelope` with `outcome`.
fn result_of(envelope: &QueueEnvelope, outcome: Outcome) -> AgentResult {
    AgentResult {
        request_id: envelope.request_id.clone(),
        session_id: envelope.session_id.clone(),
        user_id: envelope.user_id.clone(),
        reply_to: envelope.reply_to.clone(),
        outcome,
    }
}

/// The Lambda entry point: a batch in, its failed records out.
pub async fn handle(runner: &Runner, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let lease_until = event.context.deadline / 1000 + 1;
    Ok(batch::process_with_skip(event.payload, |record| runner.settle(record, lease_until), |record| runner.skipped(record)).await)
}
