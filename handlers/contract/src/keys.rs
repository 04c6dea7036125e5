//! DynamoDB key attribute names, attribute names and index names of the handlers' tables.
//! The constructs create the tables (key schema, TTL attribute, GSI) with these names.

/// Responses table partition key (S): the request id handed out by the request-handler.
pub const RESPONSES_PK: &str = "request_id";
/// Sessions table partition key (S): the session id (conversation history lives per session).
pub const SESSIONS_PK: &str = "session_id";
/// Connections table partition key (S): the API Gateway WebSocket connection id.
pub const CONNECTIONS_PK: &str = "connection_id";
/// Connections table global secondary index, partition key [`USER_ID`] (S), projection ALL:
/// the response-handler finds every connection of a user through it.
pub const CONNECTIONS_BY_USER_INDEX: &str = "by-user";
/// Attribute holding the user id (S) in the responses and connections tables.
pub const USER_ID: &str = "user_id";
/// Time-to-live attribute (N, epoch seconds) of every table; enable DynamoDB TTL on it.
pub const TTL: &str = "expires_at";
