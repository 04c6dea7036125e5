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

    /// Stores a verified connection of `user_id`.
    pub async fn put(&self, connection_id: &str, user_id: &str) -> Result<ConnectionRecord, StoreError> {
        let record =
            ConnectionRecord { connection_id: connection_id.into(), user_id: user_id.into(), expires_at: now_secs() + self.ttl_secs };
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
        Ok(out.item.and_then(|item| record(&item)).filter(|r| r.expires_at > now_secs()))
    }

    /// Every unexpired connection of `user_id` (through the by-user index).
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
            let now = now_secs();
            out.extend(page.items().iter().filter_map(record).filter(|r| r.expires_at > now));
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
