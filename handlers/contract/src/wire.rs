//! JSON wire types exchanged between clients, handlers, queues and tables.
//!
//! Sum types keep impossible states out: a stored response is pending, completed with a reply,
//! or failed with a reason — never "completed without a reply".

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Key of the user id in the authorizer's context (`requestContext.authorizer.userId`); the
/// request-handler trusts only this as the caller's identity, never the request body.
pub const AUTH_CONTEXT_USER_ID: &str = "userId";

/// Longest accepted chat message, in characters.
pub const MAX_MESSAGE_CHARS: u32 = 32_768;
/// Longest accepted session id, in characters.
pub const MAX_SESSION_ID_CHARS: u32 = 128;
/// Characters a session id may use: it becomes a DynamoDB key and appears in logs.
pub const SESSION_ID_PATTERN: &str = "^[A-Za-z0-9_.:-]+$";

/// One user turn of a conversation: the body of POST chat.
// Its schema is the API Gateway request model (`crate::chat_request_schema`), so the doc line
// above is what API Gateway shows; the handler applies the same rules again with `check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// The user's message to the agent.
    #[schemars(length(min = 1, max = 32768))]
    pub message: String,
    /// Conversation to continue; a new one is started when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 128), regex(pattern = r"^[A-Za-z0-9_.:-]+$"))]
    pub session_id: Option<String>,
}

impl ChatRequest {
    /// Applies the schema's rules (which serde alone does not), so a request that reaches the
    /// handler without API Gateway's validation (Function URL, WebSocket) is held to the same.
    pub fn check(&self) -> Result<(), String> {
        let chars = self.message.chars().count();
        if chars == 0 || self.message.trim().is_empty() {
            return Err("message must not be empty".into());
        }
        if chars > MAX_MESSAGE_CHARS as usize {
            return Err(format!("message is {chars} characters, the limit is {MAX_MESSAGE_CHARS}"));
        }
        if let Some(id) = &self.session_id {
            check_id("session_id", id)?;
        }
        Ok(())
    }
}

/// Whether `id` is a well-formed client-controlled id (session id, request id): 1 to
/// [`MAX_SESSION_ID_CHARS`] characters of [`SESSION_ID_PATTERN`]. Every id a client sends is
/// checked with this before it reaches DynamoDB or SQS, so a 2 KB id, a `#` (the separator of
/// the sessions table's `user#session` key) or non-ASCII text is a 4xx, never a 500 from a
/// refused key. Ids the handlers issue (UUIDs) always pass.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_SESSION_ID_CHARS as usize
        && id.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-'))
}

/// [`is_valid_id`] as a check with the message a client gets (which never echoes the id).
pub fn check_id(field: &str, id: &str) -> Result<(), String> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(format!("{field} must be 1-{MAX_SESSION_ID_CHARS} characters of A-Z a-z 0-9 _ . : -"))
    }
}

/// `200` answer of a chat in Sync mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChatReply {
    /// Id of this request.
    pub request_id: String,
    /// Conversation the turn belongs to (send it back to continue).
    pub session_id: String,
    /// The agent's answer.
    pub reply: String,
}

/// `202` answer of a chat in Queue/WebSocket mode: poll `GET .../responses/{request_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Accepted {
    /// Id to poll for the answer.
    pub request_id: String,
    /// Conversation the turn belongs to.
    pub session_id: String,
    /// Always `pending`.
    pub status: ResponseStatus,
}

/// Where the agent's result goes once it is ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyTarget {
    /// Stored in the responses table; the client polls GET responses/{request_id}.
    Poll,
    /// Stored, and pushed to every WebSocket connection of the user.
    WebSocket {
        /// Management API endpoint, `https://{domain}/{stage}`.
        endpoint: String,
    },
}

/// Message on the input queue: one chat turn to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QueueEnvelope {
    /// Idempotency key: a redelivered envelope never runs the model twice.
    pub request_id: String,
    /// Conversation (and FIFO message group) of the turn.
    pub session_id: String,
    /// Caller, from the authorizer context.
    pub user_id: String,
    /// The user's message.
    pub message: String,
    /// Where the result goes.
    pub reply_to: ReplyTarget,
    /// Epoch milliseconds at which the request-handler accepted the turn.
    pub submitted_at_ms: u64,
}

/// How an agent run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The agent answered.
    Completed {
        /// The agent's answer.
        reply: String,
    },
    /// The run failed for good (permanent error, or retries exhausted); the input message is
    /// in (or on its way to) the dead-letter queue.
    Failed {
        /// Why, for the client: a fixed message (see [`ErrorCode::public_message`]), never an
        /// error's own text, which can name role ARNs and account ids.
        reason: String,
    },
}

/// Message on the output queue: the result of one envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AgentResult {
    /// Request id of the envelope.
    pub request_id: String,
    /// Conversation of the turn.
    pub session_id: String,
    /// Caller, copied from the envelope.
    pub user_id: String,
    /// Where the result goes, copied from the envelope.
    pub reply_to: ReplyTarget,
    /// The result.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Status of a stored response, as seen by a polling client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    /// Accepted, not finished yet.
    Pending,
    /// Finished with a reply.
    Completed,
    /// Finished with an error.
    Failed,
}

/// State of a request in the responses table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ResponseState {
    /// Accepted, not finished yet.
    Pending,
    /// Finished with a reply.
    Completed {
        /// The agent's answer.
        reply: String,
    },
    /// Finished with an error.
    Failed {
        /// Why.
        reason: String,
    },
}

impl From<Outcome> for ResponseState {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Completed { reply } => Self::Completed { reply },
            Outcome::Failed { reason } => Self::Failed { reason },
        }
    }
}

/// Body of `GET .../responses/{request_id}` (the user id stays in the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StoredResponse {
    /// Request id.
    pub request_id: String,
    /// Conversation of the turn.
    pub session_id: String,
    /// Where the request stands.
    #[serde(flatten)]
    pub state: ResponseState,
}

/// A WebSocket connection of a user, in the connections table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConnectionRecord {
    /// API Gateway connection id.
    pub connection_id: String,
    /// Verified user id.
    pub user_id: String,
    /// Epoch seconds after which the connection is over and DynamoDB may delete the record:
    /// the token's `exp` or the connection TTL, whichever comes first.
    pub expires_at: u64,
}

impl ConnectionRecord {
    /// Whether the connection is over at `now` (epoch seconds): its token (or TTL) ran out, so
    /// it may send nothing more and must be sent nothing more.
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at <= now
    }
}

/// Frame pushed to a WebSocket client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WsFrame {
    /// A message was accepted and queued.
    Accepted {
        /// Request id of the turn.
        request_id: String,
        /// Conversation of the turn.
        session_id: String,
    },
    /// (Part of) the agent's reply. Replies over the 128 KB frame limit arrive in `parts` frames
    /// numbered `part` = 1..=parts; concatenate the `reply` texts in order.
    Reply {
        /// Request id of the turn.
        request_id: String,
        /// Conversation of the turn.
        session_id: String,
        /// This frame's piece of the reply.
        reply: String,
        /// 1-based index of this piece.
        part: u32,
        /// Number of pieces.
        parts: u32,
    },
    /// The turn failed for good.
    Error {
        /// Request id of the turn.
        request_id: String,
        /// Why.
        reason: String,
    },
    /// The turn is accepted and still running: the answer to a `get` before its reply exists.
    Pending {
        /// Request id of the turn.
        request_id: String,
        /// Conversation of the turn.
        session_id: String,
    },
    /// The message (or `get`) was refused: nothing runs for it. The same `error` codes and
    /// messages as the HTTP answers; `request_id` is set when the turn already had one (e.g. it
    /// was recorded but could not be queued: `unavailable`, retry).
    Refused {
        /// Request id of the turn, when one was assigned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        /// Code and message.
        #[serde(flatten)]
        error: ErrorBody,
    },
}

/// `action` of a WebSocket message that asks for the state of an earlier turn:
/// `{"action": "get", "request_id": "…", "part": 2}` (`part` of a reply over the frame limit,
/// default 1). Any other action (or none) is a chat message. API Gateway routes on
/// `$request.body.action`; an action without a route of its own reaches `$default`.
pub const WS_ACTION_GET: &str = "get";

/// Body of a WebSocket `get` (see [`WS_ACTION_GET`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WsGet {
    /// Always [`WS_ACTION_GET`].
    pub action: String,
    /// The turn to look up (from its `accepted` frame).
    pub request_id: String,
    /// Which part of a reply split over several frames (1-based). Default: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
}

/// Header carrying an AgentCore runtime session id, on requests to the front door and the runtime
/// and on the front door's answers (send it back to continue the session).
pub const AGENTCORE_SESSION_ID_HEADER: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";
/// Prefix AgentCore requires of custom request headers passed to an agent.
pub const AGENTCORE_CUSTOM_HEADER_PREFIX: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-";
/// The header a front door sends to AgentCore for the client header `name` listed in
/// `FORWARD_HEADERS`: `name` itself when it already carries [`AGENTCORE_CUSTOM_HEADER_PREFIX`],
/// else the prefix plus `name` without a leading `x-`, each word capitalized
/// (`x-tenant-id` → `X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant-Id`). The constructs check
/// the result against the runtime's request header allowlist with this same function.
pub fn agentcore_custom_header(name: &str) -> String {
    let name = name.trim();
    if name.len() >= AGENTCORE_CUSTOM_HEADER_PREFIX.len()
        && name[..AGENTCORE_CUSTOM_HEADER_PREFIX.len()].eq_ignore_ascii_case(AGENTCORE_CUSTOM_HEADER_PREFIX)
    {
        return format!("{AGENTCORE_CUSTOM_HEADER_PREFIX}{}", &name[AGENTCORE_CUSTOM_HEADER_PREFIX.len()..]);
    }
    let bare = match name.get(..2) {
        Some(x) if x.eq_ignore_ascii_case("x-") => &name[2..],
        _ => name,
    };
    let words: Vec<String> = bare
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase()).unwrap_or_default()
        })
        .collect();
    format!("{AGENTCORE_CUSTOM_HEADER_PREFIX}{}", words.join("-"))
}

/// The header a front door sends to AgentCore with the caller's verified user id (from the
/// authorizer), so the agent can tell its users apart. It is never taken from the client: the
/// front door sets it itself and refuses a `FORWARD_HEADERS` entry that maps onto it. A runtime
/// that wants it lists it in its request header allowlist (the constructs do).
pub const AGENTCORE_USER_ID_HEADER: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-User-Id";

/// Shortest session id AgentCore accepts.
pub const AGENTCORE_MIN_SESSION_ID_CHARS: usize = 33;
/// Longest session id AgentCore accepts.
pub const AGENTCORE_MAX_SESSION_ID_CHARS: usize = 256;

/// Content type of a streamed agent answer (Stream mode): server-sent events, one
/// [`StreamEvent`] as JSON per `data:` line.
pub const STREAM_CONTENT_TYPE: &str = "text/event-stream";

/// One server-sent event of a streamed answer (Stream mode), in order: `start`, any number of
/// `text` and `tool`, then exactly one of `done` or `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// The turn started.
    Start {
        /// Id of this request.
        request_id: String,
        /// Conversation the turn belongs to (send it back to continue).
        session_id: String,
    },
    /// The next piece of the answer's text, as the model produced it.
    Text {
        /// The piece.
        text: String,
    },
    /// The agent is calling a tool (its result feeds the next model call).
    Tool {
        /// Tool name.
        name: String,
    },
    /// The answer is complete.
    Done {
        /// The whole answer (the concatenated `text` pieces).
        reply: String,
    },
    /// The turn failed; no more events follow.
    Error {
        /// What went wrong.
        #[serde(flatten)]
        error: ErrorBody,
    },
}

/// Machine-readable error codes of [`ErrorBody`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON or not the expected shape (400).
    InvalidJson,
    /// The body parsed but breaks a rule (400).
    BadRequest,
    /// No caller identity in the authorizer context (401).
    Unauthorized,
    /// The resource belongs to someone else (403 is not used for that: see `NotFound`).
    Forbidden,
    /// Unknown route or unknown/foreign request id (404).
    NotFound,
    /// Known route, other method (405).
    MethodNotAllowed,
    /// Body larger than `MAX_BODY_BYTES` (413).
    PayloadTooLarge,
    /// Content-Type is not JSON (415).
    UnsupportedMediaType,
    /// The model refused the request for good (502).
    UpstreamFailed,
    /// A dependency failed; retry later (503).
    Unavailable,
    /// A bug on our side (500).
    Internal,
}

impl ErrorCode {
    /// HTTP status code of this error.
    pub const fn status(self) -> u16 {
        match self {
            Self::InvalidJson | Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::UpstreamFailed => 502,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }
}

impl ErrorCode {
    /// The fixed message a client gets for a failure on our side or upstream (the codes a
    /// client cannot cause): errors of models, providers and AWS carry role ARNs and account
    /// ids, so their text stays in the logs and the client gets this code and message.
    pub const fn public_message(self) -> &'static str {
        match self {
            Self::UpstreamFailed => "the model could not answer this request",
            Self::Unavailable => "the service is busy or failing, retry shortly",
            Self::Internal => "internal error",
            Self::InvalidJson | Self::BadRequest => "the request is invalid",
            Self::Unauthorized => "no valid caller identity",
            Self::Forbidden | Self::NotFound => "not found",
            Self::MethodNotAllowed => "method not allowed",
            Self::PayloadTooLarge => "the body is too large",
            Self::UnsupportedMediaType => "send the body as application/json",
        }
    }
}

/// Body of every error answer: `{ "error": code, "message": text }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// Machine-readable code.
    pub error: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
}

impl ErrorBody {
    /// An error body with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { error: code, message: message.into() }
    }

    /// An error body with `code` and its fixed [`ErrorCode::public_message`]: the answer to
    /// every failure whose own text must not reach the client.
    pub fn public(code: ErrorCode) -> Self {
        Self::new(code, code.public_message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_headers_map_into_agentcore_custom_headers() {
        assert_eq!(agentcore_custom_header("x-tenant-id"), "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant-Id");
        assert_eq!(agentcore_custom_header("Tenant"), "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant");
        assert_eq!(
            agentcore_custom_header("x-amzn-bedrock-agentcore-runtime-custom-Region"),
            "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Region",
            "an already prefixed name keeps its own suffix"
        );
    }

    #[test]
    fn the_user_id_header_is_an_agentcore_custom_header() {
        assert_eq!(agentcore_custom_header("x-user-id"), AGENTCORE_USER_ID_HEADER);
        assert_eq!(agentcore_custom_header(AGENTCORE_USER_ID_HEADER), AGENTCORE_USER_ID_HEADER);
    }

    #[test]
    fn client_ids_are_checked_for_length_and_charset() {
        assert!(is_valid_id("0b9e6f3c-6c47-4f6e-9a55-1f2d3c4b5a69"));
        assert!(is_valid_id(&"a".repeat(MAX_SESSION_ID_CHARS as usize)));
        for bad in [String::new(), "a".repeat(2048), "a#b".into(), "caf\u{e9}".into(), "a b".into(), "a/b".into()] {
            assert!(!is_valid_id(&bad), "{bad:?}");
            let msg = check_id("request_id", &bad).expect_err("refused");
            assert!(!msg.contains(&bad) || bad.is_empty(), "the message never echoes the id: {msg}");
        }
    }

    #[test]
    fn agent_result_round_trips_with_its_flattened_outcome() {
        for outcome in [Outcome::Completed { reply: "hi".into() }, Outcome::Failed { reason: "no".into() }] {
            let r = AgentResult {
                request_id: "r".into(),
                session_id: "s".into(),
                user_id: "u".into(),
                reply_to: ReplyTarget::WebSocket { endpoint: "https://x/prod".into() },
                outcome,
            };
            let json = serde_json::to_string(&r).expect("ser");
            assert_eq!(serde_json::from_str::<AgentResult>(&json).expect(&json), r);
        }
        let stored =
            StoredResponse { request_id: "r".into(), session_id: "s".into(), state: ResponseState::Completed { reply: "hi".into() } };
        assert_eq!(
            serde_json::to_value(&stored).expect("ser"),
            serde_json::json!({"request_id": "r", "session_id": "s", "status": "completed", "reply": "hi"})
        );
    }

    #[test]
    fn refused_frames_carry_the_error_body_and_the_request_id_once_known() {
        let early = WsFrame::Refused { request_id: None, error: ErrorBody::new(ErrorCode::PayloadTooLarge, "too big") };
        assert_eq!(
            serde_json::to_value(&early).expect("ser"),
            serde_json::json!({"type": "refused", "error": "payload_too_large", "message": "too big"})
        );
        let late = WsFrame::Refused { request_id: Some("r".into()), error: ErrorBody::new(ErrorCode::Unavailable, "retry") };
        for frame in [early, late, WsFrame::Pending { request_id: "r".into(), session_id: "s".into() }] {
            let json = serde_json::to_string(&frame).expect("ser");
            assert_eq!(serde_json::from_str::<WsFrame>(&json).expect(&json), frame);
        }
    }

    #[test]
    fn chat_request_rules() {
        let ok = ChatRequest { message: "hi".into(), session_id: Some("s-1:a.b_c".into()) };
        assert!(ok.check().is_ok());
        for bad in [
            ChatRequest { message: " ".into(), session_id: None },
            ChatRequest { message: "x".repeat(MAX_MESSAGE_CHARS as usize + 1), session_id: None },
            ChatRequest { message: "hi".into(), session_id: Some("a/b".into()) },
            ChatRequest { message: "hi".into(), session_id: Some(String::new()) },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        assert!(
            serde_json::from_str::<ChatRequest>(r#"{"message":"hi","user_id":"admin"}"#).is_err(),
            "unknown fields (like a user id) are refused"
        );
    }
}
