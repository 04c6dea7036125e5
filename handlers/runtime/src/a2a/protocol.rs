//! The A2A v0.3 objects we send and read (JSON-RPC binding): [`Message`], [`Task`] and the two
//! streaming events, and the Agent Card completed from the constructs' [`CardConfig`].
//! Field names are the specification's (`specification/json/a2a.json` of a2aproject/A2A at
//! v0.3.0); unknown fields from peers are ignored.

use agentcdk_contract::a2a::{CardConfig, CardSecurity, PROTOCOL_VERSION, RPC_PATH};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Media type of the only content we take and give (text parts).
pub const TEXT_MODE: &str = "text/plain";

/// A task's state (A2A `TaskState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskState {
    /// Accepted, not started.
    Submitted,
    /// Running.
    Working,
    /// The agent waits for the user.
    InputRequired,
    /// Done; terminal.
    Completed,
    /// Canceled; terminal.
    Canceled,
    /// Failed; terminal.
    Failed,
    /// Refused by the agent; terminal.
    Rejected,
    /// The agent needs other credentials.
    AuthRequired,
    /// Not known.
    Unknown,
}

impl TaskState {
    /// Completed, canceled, failed or rejected: the task will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Canceled | Self::Failed | Self::Rejected)
    }

    /// The task stopped and waits for something the caller has to give (it will not finish by
    /// waiting).
    pub fn is_interrupted(self) -> bool {
        matches!(self, Self::InputRequired | Self::AuthRequired)
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The client.
    User,
    /// The agent.
    Agent,
}

/// A piece of a message or artifact (A2A `Part`, discriminated by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Part {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A file (bytes or URI): not taken by our agents (`ContentTypeNotSupportedError`).
    File {
        /// `FileWithBytes` or `FileWithUri`.
        file: Value,
    },
    /// Structured data: given to the model as JSON text.
    Data {
        /// The data.
        data: Value,
    },
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text { text: text.into() }
    }
}

/// The constant `kind` of an object (`"message"`, `"task"`, …), present on the wire.
macro_rules! kind {
    ($name:ident, $value:literal) => {
        #[doc = concat!("The constant `kind: \"", $value, "\"`.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
        pub enum $name {
            #[doc = concat!("`\"", $value, "\"`")]
            #[default]
            #[serde(rename = $value)]
            Kind,
        }
    };
}
kind!(MessageKind, "message");
kind!(TaskKind, "task");
kind!(StatusUpdateKind, "status-update");
kind!(ArtifactUpdateKind, "artifact-update");

/// One message (A2A `Message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Always `"message"`.
    #[serde(default)]
    pub kind: MessageKind,
    /// Who wrote it.
    pub role: Role,
    /// Its content.
    pub parts: Vec<Part>,
    /// Its id (the sender's).
    pub message_id: String,
    /// The conversation (our session id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// The task it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

impl Message {
    /// A message from the agent with one text part and a new id.
    pub fn agent(text: impl Into<String>, context_id: Option<String>, task_id: Option<String>) -> Self {
        Self { kind: MessageKind::Kind, role: Role::Agent, parts: vec![Part::text(text)], message_id: new_id(), context_id, task_id }
    }
}

/// A task's status (A2A `TaskStatus`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    /// The state.
    pub state: TaskState,
    /// What the agent says about it (the reply, or why it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// When it entered this state (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// An output of a task (A2A `Artifact`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// Its id, unique within the task.
    pub artifact_id: String,
    /// Short name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its content.
    pub parts: Vec<Part>,
}

/// Id of the one artifact our tasks have: the agent's reply.
pub const REPLY_ARTIFACT_ID: &str = "reply";

impl Artifact {
    /// The agent's reply as the task's artifact.
    pub fn reply(text: impl Into<String>) -> Self {
        Self { artifact_id: REPLY_ARTIFACT_ID.into(), name: Some("reply".into()), parts: vec![Part::text(text)] }
    }
}

/// A task (A2A `Task`). Ours: id = the request id, context = the session id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Always `"task"`.
    #[serde(default)]
    pub kind: TaskKind,
    /// Task id.
    pub id: String,
    /// Conversation id.
    pub context_id: String,
    /// Current status.
    pub status: TaskStatus,
    /// Outputs (the reply once completed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
}

/// A status change while streaming (A2A `TaskStatusUpdateEvent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatusUpdateEvent {
    /// Always `"status-update"`.
    #[serde(default)]
    pub kind: StatusUpdateKind,
    /// Task id.
    pub task_id: String,
    /// Conversation id.
    pub context_id: String,
    /// The new status.
    pub status: TaskStatus,
    /// The last event of the stream.
    #[serde(rename = "final")]
    pub last: bool,
}

/// A piece of an artifact while streaming (A2A `TaskArtifactUpdateEvent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskArtifactUpdateEvent {
    /// Always `"artifact-update"`.
    #[serde(default)]
    pub kind: ArtifactUpdateKind,
    /// Task id.
    pub task_id: String,
    /// Conversation id.
    pub context_id: String,
    /// The artifact, or the next chunk of it.
    pub artifact: Artifact,
    /// This chunk extends the artifact sent before under the same id.
    pub append: bool,
    /// The artifact is complete.
    pub last_chunk: bool,
}

/// `message/send` and `message/stream` parameters (A2A `MessageSendParams`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSendParams {
    /// The client's message.
    pub message: Message,
    /// Options.
    #[serde(default)]
    pub configuration: Option<SendConfiguration>,
}

/// What of `MessageSendConfiguration` we read.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendConfiguration {
    /// Media types the client accepts (empty: any).
    #[serde(default)]
    pub accepted_output_modes: Vec<String>,
}

/// `tasks/get` and `tasks/cancel` parameters (A2A `TaskQueryParams` / `TaskIdParams`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskIdParams {
    /// Task id.
    pub id: String,
}

/// A new random id (UUID v4).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The public Agent Card: what synth wrote, completed with the URL of the JSON-RPC endpoint
/// (`origin` is the API root the request came through), the protocol version, the transport,
/// the modes and the security scheme. It holds nothing the constructs did not put in
/// [`CardConfig`] (no ARNs, no account ids).
pub fn card(config: &CardConfig, origin: &str) -> Value {
    let skills: Vec<Value> = config
        .skills
        .iter()
        .map(|s| json!({"id": s.id, "name": s.name, "description": s.description, "tags": s.tags, "examples": s.examples}))
        .collect();
    let mut card = json!({
        "protocolVersion": PROTOCOL_VERSION,
        "name": config.name,
        "description": config.description,
        "version": config.version,
        "url": format!("{}{RPC_PATH}", origin.trim_end_matches('/')),
        "preferredTransport": "JSONRPC",
        "capabilities": {"streaming": config.streaming, "pushNotifications": false, "stateTransitionHistory": false},
        "defaultInputModes": [TEXT_MODE, "application/json"],
        "defaultOutputModes": [TEXT_MODE],
        "skills": skills,
    });
    let scheme = match config.security {
        CardSecurity::None => None,
        CardSecurity::Bearer => Some(("bearer", json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}))),
        // No OpenAPI scheme names SigV4; AWS's own `Authorization` scheme name says what to send.
        CardSecurity::Sigv4 => Some((
            "sigv4",
            json!({"type": "http", "scheme": "AWS4-HMAC-SHA256", "description": "AWS Signature Version 4 (IAM credentials)"}),
        )),
    };
    if let Some((name, scheme)) = scheme {
        card["securitySchemes"] = json!({ name: scheme });
        card["security"] = json!([{ name: [] }]);
    }
    card
}

/// The text of `parts`: text parts as they are, data parts as JSON, one per line. `None` when a
/// part is a file (we take no files).
pub fn text_of(parts: &[Part]) -> Option<String> {
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Part::Text { text } => out.push(text.clone()),
            Part::Data { data } => out.push(data.to_string()),
            Part::File { .. } => return None,
        }
    }
    Some(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcdk_contract::a2a::SkillConfig;

    #[test]
    fn the_card_is_complete_and_public() {
        let config = CardConfig {
            name: "orders".into(),
            description: "Knows orders.".into(),
            version: "1.0.0".into(),
            skills: vec![SkillConfig { id: "s".into(), name: "S".into(), description: "d".into(), tags: vec![], examples: vec![] }],
            streaming: false,
            security: CardSecurity::Bearer,
        };
        let c = card(&config, "https://abc.execute-api.us-east-1.amazonaws.com/prod/");
        assert_eq!(c["url"], "https://abc.execute-api.us-east-1.amazonaws.com/prod/a2a");
        assert_eq!(c["protocolVersion"], "0.3.0");
        assert_eq!(c["skills"][0]["tags"], json!([]), "tags is required by the schema even when empty");
        assert_eq!(c["securitySchemes"]["bearer"]["scheme"], "bearer");
        assert_eq!(c["security"], json!([{"bearer": []}]));
        let open = card(&CardConfig { security: CardSecurity::None, ..config }, "https://x");
        assert!(open.get("securitySchemes").is_none() && open.get("security").is_none());
    }

    #[test]
    fn objects_have_the_wire_shape() {
        let m = Message::agent("hi", Some("c".into()), None);
        let v = serde_json::to_value(&m).expect("json");
        assert_eq!(v["kind"], "message");
        assert_eq!(v["role"], "agent");
        assert_eq!(v["parts"], json!([{"kind": "text", "text": "hi"}]));
        assert_eq!(v["contextId"], "c");
        let e = TaskStatusUpdateEvent {
            kind: StatusUpdateKind::Kind,
            task_id: "t".into(),
            context_id: "c".into(),
            status: TaskStatus { state: TaskState::InputRequired, message: None, timestamp: None },
            last: true,
        };
        let v = serde_json::to_value(&e).expect("json");
        assert_eq!(
            (v["kind"].as_str(), v["final"].as_bool(), v["status"]["state"].as_str()),
            (Some("status-update"), Some(true), Some("input-required"))
        );
        let p: MessageSendParams = serde_json::from_value(json!({"message": {"role": "user", "messageId": "m",
            "parts": [{"kind": "text", "text": "a"}, {"kind": "data", "data": {"x": 1}}]}}))
        .expect("params");
        assert_eq!(text_of(&p.message.parts).as_deref(), Some("a\n{\"x\":1}"));
        assert_eq!(text_of(&[Part::File { file: json!({"uri": "s3://x"}) }]), None);
    }
}
