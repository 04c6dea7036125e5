//! The WebSocket connections table: which connections belong to which user.

use agentcdk_contract::keys::{CONNECTIONS_BY_USER_INDEX, CONNECTIONS_PK, TTL, USER_ID};
use agentcdk_contract::wire::ConnectionRecord;

use super::{dynamo_err, get_n, get_s, n, s, StoreError};
use crate::time::now_secs;

/// Access to the connections table; built once per sandbox.
#[derive(Debug, Clone)]
pub struct ConnectionStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    ttl_secs: u64,
}

impl ConnectionStore {
    /// The table `table`; records live `ttl_secs`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>, ttl_secs: u64) -> Self {
        Self { client, table: table.into(), ttl_secs }
    }

    /// Stores a verified connection of `user_id`. The record expires at `token_expires_at`
    /// (the token's `exp`, epoch seconds) or after the connection TTL, whichever comes first:
    /// a connection never outlives the token it was opened with.
    pub async fn put(&self, connection_id: &str, user_id: &str, token_expires_at: Option<u64>) -> Result<ConnectionRecord, StoreError> {
        let by_ttl = now_secs() + self.ttl_secs;
        let record = ConnectionRecord {
            connection_id: connection_id.into(),
            user_id: user_id.into(),
            expires_at: token_expires_at.map_or(by_ttl, |exp| exp.min(by_ttl)),
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .item(CONNECTIONS_PK, s(connection_id))
            .item(USER_ID, s(user_id))
            .item(TTL, n(record.expires_at))
            .send()
            .await
            .map_err(dynamo_err("PutItem"))?;
        Ok(record)
    }

    /// Deletes a connection (idempotent).
    pub async fn delete(&self, connection_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(CONNECTIONS_PK, s(connection_id))
            .send()
            .await
            .map_err(dynamo_err("DeleteItem"))?;
        Ok(())
    }

    /// The record of `connection_id`, unless missing or expired.
    pub async fn get(&self, connection_id: &str) -> Result<Option<ConnectionRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(CONNECTIONS_PK, s(connection_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err("GetItem"))?;
        Ok(out.item.and_then(|item| record(&item)).filter(|r| !r.is_expired(now_secs())))
    }

    /// Every connection record of `user_id` (through the by-user index), expired ones included:
    /// DynamoDB deletes expired items only eventually, and a pusher must close those
    /// connections rather than skip them (see [`ConnectionRecord::is_expired`]).
    pub async fn by_user(&self, user_id: &str) -> Result<Vec<ConnectionRecord>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(CONNECTIONS_BY_USER_INDEX)
                .key_condition_expression("#u = :u")
                .expression_attribute_names("#u", USER_ID)
                .expression_attribute_values(":u", s(user_id))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(dynamo_err("Query"))?;
            out.extend(page.items().iter().filter_map(record));
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(out);
            }
        }
    }
}

fn record(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> Option<ConnectionRecord> {
    Some(ConnectionRecord {
        connection_id: get_s(item, CONNECTIONS_PK)?.into(),
        user_id: get_s(item, USER_ID)?.into(),
        expires_at: get_n(item, TTL).unwrap_or(u64::MAX),
    })
}
