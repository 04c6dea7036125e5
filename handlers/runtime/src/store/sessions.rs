//! The sessions table: conversation history per session id, bounded.
//!
//! History is one JSON attribute per session (DynamoDB items are at most 400 KB, so it is
//! trimmed by message count and size). Writes are optimistic: a `version` number must match
//! what was read. The one way to write is [`SessionStore::append_turn`]: when two turns of one
//! session overlap (two tabs, a retried request, Queue mode's standard queue), the one that
//! writes second finds the version moved, reads the history again and appends its own
//! messages after the other turn's, so neither turn is lost and no model runs again.

use agentcdk_contract::keys::{SESSIONS_PK, TTL};

use super::{dynamo_err, get_n, get_s, is_condition_failed, n, s, StoreError};
use crate::agent::{Block, Message, Role};
use crate::error::Disposition;
use crate::time::now_secs;

const HISTORY: &str = "history";
const VERSION: &str = "version";
/// Ids of the turns most recently appended (JSON list): makes [`SessionStore::append_turn`]
/// idempotent when a write succeeded but its answer was lost.
const RECENT_TURNS: &str = "recent_turns";
/// How many turn ids [`RECENT_TURNS`] remembers.
const MAX_RECENT_TURNS: usize = 32;
/// Writes [`SessionStore::append_turn`] tries before it gives up (a retryable error). Each
/// conflict means another turn was written, so up to this many turns overlapping one write
/// all get in.
pub const MAX_APPEND_ATTEMPTS: u32 = 8;
/// Cap of the jittered pause between attempts, in milliseconds (full jitter up to
/// `min(cap, 20 ms × 2^attempt)`).
const MAX_BACKOFF_MS: u64 = 400;
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
    /// Ids of the turns most recently appended, oldest first.
    pub recent_turns: Vec<String>,
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
        let corrupt =
            |e: serde_json::Error| StoreError::Corrupt { table: self.table.clone(), key: session_id.into(), reason: e.to_string() };
        let messages = match get_s(&item, HISTORY) {
            Some(json) => serde_json::from_str(json).map_err(corrupt)?,
            None => Vec::new(),
        };
        let recent_turns = match get_s(&item, RECENT_TURNS) {
            Some(json) => serde_json::from_str(json).map_err(corrupt)?,
            None => Vec::new(),
        };
        Ok(History { messages, version: get_n(&item, VERSION).unwrap_or(0), recent_turns })
    }

    /// Appends one finished turn to the history of `session_id`: `turn` holds the messages the
    /// turn added (its user message first), `base` the history it ran on, `turn_id` its request
    /// id.
    ///
    /// If another turn was saved since `base` was read, the history is read again and `turn`
    /// goes after the messages found there, then written again, at most
    /// [`MAX_APPEND_ATTEMPTS`] times with a jittered pause in between (a retryable error after
    /// that). A turn whose id is already in the history (a write that landed but whose answer
    /// was lost) is not added twice. The model never runs again for a conflict: only the
    /// messages move.
    pub async fn append_turn(&self, session_id: &str, base: History, turn: &[Message], turn_id: &str) -> Result<(), StoreError> {
        let mut current = base;
        for attempt in 1..=MAX_APPEND_ATTEMPTS {
            if current.recent_turns.iter().any(|t| t == turn_id) {
                return Ok(());
            }
            let mut messages = current.messages;
            messages.extend_from_slice(turn);
            let mut turns = current.recent_turns;
            turns.push(turn_id.to_owned());
            let excess = turns.len().saturating_sub(MAX_RECENT_TURNS);
            turns.drain(..excess);
            if self.put(session_id, &messages, &turns, current.version).await? {
                return Ok(());
            }
            tracing::info!(attempt, "history changed by a concurrent turn: merging");
            tokio::time::sleep(backoff(attempt)).await;
            current = self.load(session_id).await?;
        }
        Err(StoreError::Dynamo {
            op: "PutItem",
            message: format!("session {session_id} kept changing over {MAX_APPEND_ATTEMPTS} attempts"),
            disposition: Disposition::Retryable,
        })
    }

    /// Writes `messages` (trimmed) if the version is still `read_version`: `Ok(false)` when
    /// it moved.
    async fn put(&self, session_id: &str, messages: &[Message], turns: &[String], read_version: u64) -> Result<bool, StoreError> {
        let kept = trim(messages, self.max_messages, MAX_HISTORY_BYTES);
        let corrupt =
            |e: serde_json::Error| StoreError::Corrupt { table: self.table.clone(), key: session_id.into(), reason: e.to_string() };
        let json = serde_json::to_string(kept).map_err(corrupt)?;
        let turns = serde_json::to_string(turns).map_err(corrupt)?;
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(SESSIONS_PK, s(session_id))
            .item(HISTORY, s(json))
            .item(RECENT_TURNS, s(turns))
            .item(VERSION, n(read_version + 1))
            .item(TTL, n(now_secs() + self.ttl_secs))
            .expression_attribute_names("#v", VERSION);
        req = if read_version == 0 {
            req.condition_expression("attribute_not_exists(#v)")
        } else {
            req.condition_expression("#v = :v").expression_attribute_values(":v", n(read_version))
        };
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(dynamo_err("PutItem")(e)),
        }
    }
}

/// Full jitter: a random pause up to `min(MAX_BACKOFF_MS, 20 ms × 2^attempt)`, so turns that
/// collided do not collide again in lockstep.
fn backoff(attempt: u32) -> std::time::Duration {
    let cap = (20u64 << attempt.min(10)).min(MAX_BACKOFF_MS);
    let random = (uuid::Uuid::new_v4().as_u128() % u128::from(cap + 1)) as u64;
    std::time::Duration::from_millis(random)
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
