//! response-handler: consumes the output queue.
//!
//! Each [`AgentResult`] is stored in the responses table (with TTL) for polling clients. For
//! WebSocket replies it is also pushed to every connection of the user through the API Gateway
//! Management API: connections that are gone (410) are removed from the connections table,
//! connections whose token expired are closed (DeleteConnection) and removed instead of pushed
//! to, and replies over the 128 KB frame limit are split into numbered parts.
//!
//! Failures are partial batch failures; storing and pushing are idempotent enough to repeat
//! (a repeated push shows the client a duplicate frame, never a lost one).

pub mod frames;

use std::collections::HashMap;
use std::sync::Mutex;

use agentcdk_contract::env;
use agentcdk_contract::wire::{AgentResult, ReplyTarget};
use agentcdk_runtime::batch;
use agentcdk_runtime::config::{self, ConfigError};
use agentcdk_runtime::error::{sdk_disposition, sdk_message, Classify, Disposition};
use agentcdk_runtime::store::{ConnectionStore, ResponsesStore, StoreError};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use lambda_runtime::LambdaEvent;

/// Why one record failed.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// The body is not an agent result.
    #[error("poison message: {0}")]
    Poison(String),
    /// A table operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Pushing to a connection failed (and retrying may help).
    #[error("PostToConnection failed: {0}")]
    Push(String),
    /// WebSocket reply but no connections table configured.
    #[error("WebSocket reply, but CONNECTIONS_TABLE is not set")]
    NoConnectionsTable,
}

impl Classify for ResponseError {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Store(e) => e.disposition(),
            Self::Push(_) => Disposition::Retryable,
            Self::Poison(_) | Self::NoConnectionsTable => Disposition::Permanent,
        }
    }
}

/// The response-handler, built once per sandbox.
#[derive(Debug)]
pub struct Responder {
    responses: ResponsesStore,
    connections: Option<ConnectionStore>,
    sdk: aws_config::SdkConfig,
    /// Management API clients per endpoint (one per WebSocket API stage).
    clients: Mutex<HashMap<String, aws_sdk_apigatewaymanagement::Client>>,
}

impl Responder {
    /// A responder over these stores; `sdk` configures the Management API clients.
    pub fn new(sdk: aws_config::SdkConfig, responses: ResponsesStore, connections: Option<ConnectionStore>) -> Self {
        Self { responses, connections, sdk, clients: Mutex::new(HashMap::new()) }
    }

    /// The responder the environment describes.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        let ddb = aws_sdk_dynamodb::Client::new(sdk);
        let connections =
            config::optional(env::CONNECTIONS_TABLE).map(|t| ConnectionStore::new(ddb.clone(), t, env::DEFAULT_CONNECTION_TTL_SECONDS));
        Ok(Self::new(
            sdk.clone(),
            ResponsesStore::new(
                ddb,
                config::required(env::RESPONSES_TABLE)?,
                config::parse_or(env::RESPONSE_TTL_SECONDS, env::DEFAULT_RESPONSE_TTL_SECONDS)?,
            ),
            connections,
        ))
    }

    fn client(&self, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .entry(endpoint.to_owned())
            .or_insert_with(|| {
                let conf = aws_sdk_apigatewaymanagement::config::Builder::from(&self.sdk).endpoint_url(endpoint).build();
                aws_sdk_apigatewaymanagement::Client::from_conf(conf)
            })
            .clone()
    }

    /// Stores one result and pushes it when it is a WebSocket reply.
    pub async fn process(&self, record: SqsMessage) -> Result<(), ResponseError> {
        let result: AgentResult =
            serde_json::from_str(record.body.as_deref().unwrap_or_default()).map_err(|e| ResponseError::Poison(e.to_string()))?;
        self.responses.finish(&result).await?;
        tracing::info!(request_id = %result.request_id, "response stored");
        if let ReplyTarget::WebSocket { endpoint } = &result.reply_to {
            self.push(&result, endpoint).await?;
        }
        Ok(())
    }

    async fn push(&self, result: &AgentResult, endpoint: &str) -> Result<(), ResponseError> {
        let connections = self.connections.as_ref().ok_or(ResponseError::NoConnectionsTable)?;
        let frames = frames::frames(result, frames::FRAME_LIMIT);
        let client = self.client(endpoint);
        let mut retry = None;
        let now = agentcdk_runtime::time::now_secs();
        for conn in connections.by_user(&result.user_id).await? {
            if conn.is_expired(now) {
                self.close_expired(&client, connections, &conn.connection_id).await?;
                continue;
            }
            for frame in &frames {
                let sent = client.post_to_connection().connection_id(&conn.connection_id).data(Blob::new(frame.as_bytes())).send().await;
                match sent {
                    Ok(_) => {}
                    Err(e) if is_gone(&e) => {
                        tracing::info!(connection_id = %conn.connection_id, "connection gone: removed");
                        connections.delete(&conn.connection_id).await?;
                        break;
                    }
                    Err(e) if sdk_disposition(&e) == Disposition::Retryable => {
                        tracing::warn!(connection_id = %conn.connection_id, error = %sdk_message(&e), "push failed, will retry");
                        retry = Some(sdk_message(&e));
                        break;
                    }
                    Err(e) => {
                        tracing::error!(connection_id = %conn.connection_id, error = %sdk_message(&e), "push refused");
                        break;
                    }
                }
            }
        }
        match retry {
            Some(msg) => Err(ResponseError::Push(msg)),
            None => Ok(()),
        }
    }

    /// Closes a connection whose token (or TTL) ran out — API Gateway would otherwise keep it
    /// open for up to 2 hours — and drops its record. A connection already gone counts as closed;
    /// a failed close is logged and the record kept, so the next push tries again.
    async fn close_expired(
        &self,
        client: &aws_sdk_apigatewaymanagement::Client,
        connections: &ConnectionStore,
        connection_id: &str,
    ) -> Result<(), ResponseError> {
        match client.delete_connection().connection_id(connection_id).send().await {
            Ok(_) => {}
            Err(SdkError::ServiceError(se)) if se.raw().status().as_u16() == 410 => {}
            Err(e) => {
                tracing::warn!(connection_id = %connection_id, error = %sdk_message(&e), "closing an expired connection failed");
                return Ok(());
            }
        }
        connections.delete(connection_id).await?;
        tracing::info!(connection_id = %connection_id, "token expired: connection closed");
        Ok(())
    }
}

/// Whether PostToConnection said the connection is gone (410 GoneException).
pub fn is_gone(e: &SdkError<PostToConnectionError>) -> bool {
    match e {
        SdkError::ServiceError(se) => matches!(se.err(), PostToConnectionError::GoneException(_)) || se.raw().status().as_u16() == 410,
        _ => false,
    }
}

/// The Lambda entry point: a batch in, its failed records out.
pub async fn handle(responder: &Responder, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(batch::process(event.payload, |record| responder.process(record)).await)
}
