//! The sessions table: conversation history per session id, bounded.
//!
//! History is one JSON attribute per session (DynamoDB items are at most 400 KB, so it is
//! trimmed by message count and size). Writes are optimistic: a `version` number must match
//! what was read, so two overlapping turns of one session cannot silently drop each other's
//! messages (the loser retries through SQS).

use agentcdk_contract::keys::{SESSIONS_PK, TTL};

use super::{dynamo_err, get_n, get_s, is_condition_failed, n, s, StoreError};
use crate::agent::{Block, Message, Role};
use crate::error::Disposition;
use crate::time::now_secs;

const HISTORY: &str = "history";
const VERSION: &str = "version";
/// Serialized history above this many bytes is trimmed further (item limit is 400 KB).
const MAX_HISTORY_BYTES: usize = 300 * 1024;

/// The sessions table key of `session_id` of `user_id`: sessions belong to a user, so another
/// user naming the same session id starts a separate conversation instead of reading this one.
pub fn session_key(user_id: &str, session_id: &str) -> String {
    format!("{user_id}#{session_id}")
}

/// A session's history as read, with the version to write back against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Messages, oldest first.
    pub messages: Vec<Message>,
    /// Version read (0 = new session).
    pub version: u64,
}

/// Access to the sessions table; built once per sandbox.
#[derive(Debug, Clone)]
pub struct SessionStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    max_messages: usize,
    ttl_secs: u64,
}

impl SessionStore {
    /// The table `table`, keeping at most `max_messages` messages per session.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>, max_messages: usize, ttl_secs: u64) -> Self {
        Self { client, table: table.into(), max_messages, ttl_secs }
    }

    /// The store `SESSIONS_TABLE` names, bounded by `HISTORY_MAX_MESSAGES` and
    /// `SESSION_TTL_SECONDS`; `None` when the variable is unset (stateless conversations).
    pub fn from_env(client: aws_sdk_dynamodb::Client) -> Result<Option<Self>, crate::config::ConfigError> {
        use crate::config;
        use agentcdk_contract::env;
        let Some(table) = config::optional(env::SESSIONS_TABLE) else { return Ok(None) };
        Ok(Some(Self::new(
            client,
            table,
            config::parse_or(env::HISTORY_MAX_MESSAGES, env::DEFAULT_HISTORY_MAX_MESSAGES)?,
            config::parse_or(env::SESSION_TTL_SECONDS, env::DEFAULT_SESSION_TTL_SECONDS)?,
        )))
    }

    /// Loads the history of `session_id` (empty for a new session).
    pub async fn load(&self, session_id: &str) -> Result<History, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(SESSIONS_PK, s(session_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err("GetItem"))?;
        let Some(item) = out.item else {
            return Ok(History::default());
        };
        let messages = match get_s(&item, HISTORY) {
            Some(json) => serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
                table: self.table.clone(),
                key: session_id.into(),
                reason: e.to_string(),
            })?,
            None => Vec::new(),
        };
        Ok(History { messages, version: get_n(&item, VERSION).unwrap_or(0) })
    }

    /// Writes `messages` (trimmed) as the history of `session_id`, if its version is still
    /// `read_version`; a conflict is a retryable error.
    pub async fn save(&self, session_id: &str, messages: &[Message], read_version: u64) -> Result<(), StoreError> {
        let kept = trim(messages, self.max_messages, MAX_HISTORY_BYTES);
        let json = serde_json::to_string(kept).map_err(|e| StoreError::Corrupt {
            table: self.table.clone(),
            key: session_id.into(),
            reason: e.to_string(),
        })?;
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(SESSIONS_PK, s(session_id))
            .item(HISTORY, s(json))
            .item(VERSION, n(read_version + 1))
            .item(TTL, n(now_secs() + self.ttl_secs))
            .expression_attribute_names("#v", VERSION);
        req = if read_version == 0 {
            req.condition_expression("attribute_not_exists(#v)")
        } else {
            req.condition_expression("#v = :v").expression_attribute_values(":v", n(read_version))
        };
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Err(StoreError::Dynamo {
                op: "PutItem",
                message: format!("session {session_id} was updated concurrently"),
                disposition: Disposition::Retryable,
            }),
            Err(e) => Err(dynamo_err("PutItem")(e)),
        }
    }
}

/// The newest messages within `max_messages` and `max_bytes`, starting at a user's text
/// message (never at a tool result, whose tool call would be cut off).
pub fn trim(messages: &[Message], max_messages: usize, max_bytes: usize) -> &[Message] {
    let starts_turn = |m: &Message| m.role == Role::User && m.content.iter().all(|b| matches!(b, Block::Text { .. }));
    let mut start = messages.len().saturating_sub(max_messages);
    loop {
        while start < messages.len() && !starts_turn(&messages[start]) {
            start += 1;
        }
        let rest = &messages[start..];
        let size = serde_json::to_string(rest).map(|s| s.len()).unwrap_or(0);
        if size <= max_bytes || rest.is_empty() {
            return rest;
        }
        start += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_keeps_newest_whole_turns() {
        let msgs = vec![
            Message::user_text("q1"),
            Message::assistant(vec![Block::ToolUse { id: "t".into(), name: "clock".into(), input: serde_json::json!({}) }]),
            Message::tool_results(vec![Block::ToolResult { id: "t".into(), content: "12:00".into(), is_error: false }]),
            Message::assistant_text("noon"),
            Message::user_text("q2"),
            Message::assistant_text("a2"),
        ];
        assert_eq!(trim(&msgs, 100, 1 << 20).len(), 6);
        // 4 newest would start at the tool result: skip to the next user text.
        let kept = trim(&msgs, 4, 1 << 20);
        assert_eq!(kept, &msgs[4..]);
        assert!(trim(&msgs, 6, 10).is_empty());
    }
}
