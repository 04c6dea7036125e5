//! Remote agents as tools: an [`A2aSource`] fetches its agent's card on first use (once per
//! sandbox), offers the agent to the model as one tool whose description is the card's
//! description and skills, and calls `message/send` (`blocking: false`); a Task answer is polled with `tasks/get`
//! (backoff 250 ms doubling to 5 s) until it ends or the source's timeout passes. Every
//! failure is a tool error for the model, never a failed run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcdk_contract::a2a::{A2aAgentConfig, CallerIdentity, DEFAULT_A2A_TIMEOUT_SECONDS};
use serde_json::{json, Value};

use super::protocol::{new_id, TaskState, TEXT_MODE};
use crate::agent::{BoxFuture, Tool, ToolError, ToolProvider, ToolSpec};
use crate::config::ConfigError;
use crate::mcp::McpAuth;

/// First and longest pause between two `tasks/get` polls.
const POLL_FIRST: Duration = Duration::from_millis(250);
const POLL_MAX: Duration = Duration::from_secs(5);
/// Longest tool description given to the model (a card's skills can be long).
const MAX_DESCRIPTION_CHARS: usize = 4000;

/// Whose credentials a call carries.
#[derive(Debug)]
pub enum Identity {
    /// The end user's bearer token of the current turn ([`super::caller::user_token`]).
    User,
    /// The service's own (the MCP auth schemes: none, bearer secret, SigV4, OAuth client credentials).
    Service(McpAuth),
}

/// The part of a remote card a call needs.
#[derive(Debug, Clone)]
struct RemoteCard {
    /// JSON-RPC endpoint.
    url: String,
    /// What the model is told.
    description: String,
}

#[derive(Debug)]
struct RemoteAgent {
    name: String,
    card_url: String,
    identity: Identity,
    timeout: Duration,
    http: reqwest::Client,
    card: tokio::sync::Mutex<Option<RemoteCard>>,
}

/// One remote A2A agent offered to the model as a tool.
#[derive(Debug, Clone)]
pub struct A2aSource {
    agent: Arc<RemoteAgent>,
}

impl A2aSource {
    /// The agent at `card_url`, called as tool `name` with `identity`; `timeout` bounds each
    /// HTTP exchange and the whole wait for a task.
    pub fn new(name: impl Into<String>, card_url: impl Into<String>, identity: Identity, timeout: Duration) -> Self {
        let http =
            crate::tls::reqwest_roots(reqwest::Client::builder()).connect_timeout(Duration::from_secs(5)).build().unwrap_or_default();
        let agent = RemoteAgent { name: name.into(), card_url: card_url.into(), identity, timeout, http, card: Default::default() };
        Self { agent: Arc::new(agent) }
    }

    /// The source `config` describes. Reads the auth secrets now; fetches nothing.
    pub async fn from_config(config: &A2aAgentConfig, sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        let invalid =
            |reason: String| ConfigError::Invalid { name: agentcdk_contract::a2a::A2A_AGENTS, value: config.name.clone(), reason };
        if !crate::mcp::valid_name(&config.name) {
            return Err(invalid("a tool name must be 1-64 characters of a-z A-Z 0-9 _ -".into()));
        }
        url::Url::parse(&config.card_url).map_err(|e| invalid(format!("card_url: {e}")))?;
        let identity = match &config.identity {
            CallerIdentity::User => Identity::User,
            CallerIdentity::Service { auth } => Identity::Service(McpAuth::from_config(auth, sdk).await?),
        };
        let timeout = Duration::from_secs(config.timeout_seconds.unwrap_or(DEFAULT_A2A_TIMEOUT_SECONDS));
        Ok(Self::new(&config.name, &config.card_url, identity, timeout))
    }
}

impl ToolProvider for A2aSource {
    fn describe(&self) -> String {
        format!("a2a:{}", self.agent.card_url)
    }

    /// The one tool, once the card is read (a card that cannot be read leaves the agent out of
    /// this turn; it is tried again next turn).
    fn tools(&self) -> BoxFuture<'_, Result<Vec<Arc<dyn Tool>>, ToolError>> {
        Box::pin(async move {
            let card = self.agent.card().await.map_err(ToolError)?;
            let spec = ToolSpec {
                name: self.agent.name.clone(),
                description: card.description,
                input_schema: json!({"type": "object", "properties": {"message": {"type": "string",
                    "description": "What to ask or tell this agent, in plain words. It sees nothing else of this conversation."}},
                    "required": ["message"]}),
            };
            Ok(vec![Arc::new(A2aTool { agent: self.agent.clone(), spec }) as Arc<dyn Tool>])
        })
    }
}

/// A call to a remote agent.
#[derive(Debug)]
struct A2aTool {
    agent: Arc<RemoteAgent>,
    spec: ToolSpec,
}

impl Tool for A2aTool {
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
        Box::pin(async move {
            let Some(text) = input["message"].as_str().filter(|t| !t.trim().is_empty()) else {
                return Err(ToolError("give the agent a non-empty \"message\" string".into()));
            };
            self.agent.ask(text).await.map_err(|e| ToolError(format!("the {} agent: {e}", self.agent.name)))
        })
    }
}

impl RemoteAgent {
    /// The cached card, or the card fetched now.
    async fn card(&self) -> Result<RemoteCard, String> {
        let mut cached = self.card.lock().await;
        if let Some(card) = cached.as_ref() {
            return Ok(card.clone());
        }
        let card: Value = self.exchange("GET", &self.card_url, None).await.map_err(|e| format!("agent card {}: {e}", self.card_url))?;
        let url = card["url"].as_str().ok_or_else(|| format!("agent card {} has no url", self.card_url))?.to_owned();
        if !same_origin(&url, &self.card_url) {
            // Our credentials go only where the configuration points.
            return Err(format!("agent card {} names an endpoint on another origin ({url})", self.card_url));
        }
        let card = RemoteCard { url, description: describe(&card) };
        *cached = Some(card.clone());
        Ok(card)
    }

    /// Sends `text` and waits for the answer (bounded by the timeout).
    async fn ask(&self, text: &str) -> Result<String, String> {
        let card = self.card().await?;
        let deadline = Instant::now() + self.timeout;
        let message = json!({"kind": "message", "role": "user", "messageId": new_id(), "parts": [{"kind": "text", "text": text}]});
        // Not blocking: the remote answers at once and we poll, so no connection is held open
        // for a long run (a Lambda-fronted agent could not hold it past its API's timeout).
        let params = json!({"message": message, "configuration": {"acceptedOutputModes": [TEXT_MODE], "blocking": false}});
        let mut result = self.rpc(&card.url, "message/send", params).await?;
        let mut pause = POLL_FIRST;
        loop {
            match result["kind"].as_str() {
                Some("message") => return Ok(parts_text(&result["parts"])),
                Some("task") => {}
                _ => return Err("the answer is neither a message nor a task".into()),
            }
            let state: TaskState = serde_json::from_value(result["status"]["state"].clone()).unwrap_or(TaskState::Unknown);
            if state.is_terminal() || state.is_interrupted() {
                return task_outcome(state, &result);
            }
            if Instant::now() + pause > deadline {
                return Err(format!("no answer within {:?} (the task is still {state:?})", self.timeout));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(POLL_MAX);
            result = self.rpc(&card.url, "tasks/get", json!({"id": result["id"]})).await?;
        }
    }

    /// One JSON-RPC request; its `result`, or the error as text.
    async fn rpc(&self, url: &str, method: &str, params: Value) -> Result<Value, String> {
        let request = json!({"jsonrpc": "2.0", "id": new_id(), "method": method, "params": params});
        let answer = self.exchange("POST", url, Some(&request)).await?;
        if let Some(e) = answer.get("error") {
            return Err(format!("{method} failed: {} (code {})", e["message"].as_str().unwrap_or("no message"), e["code"]));
        }
        answer.get("result").cloned().ok_or_else(|| format!("{method}: the answer has no result"))
    }

    /// One HTTP exchange with the caller's credentials, bounded by the timeout; the JSON body.
    async fn exchange(&self, method: &str, url: &str, body: Option<&Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if method == "POST" {
            headers.push(("content-type".into(), "application/json".into()));
        }
        match &self.identity {
            Identity::User => {
                let token =
                    super::caller::user_token().ok_or("no end-user token to pass on in this mode (the agent calls it as the user)")?;
                headers.push(("authorization".into(), format!("Bearer {}", token.expose())));
            }
            Identity::Service(auth) => {
                let mut more = auth.headers_for(method, &self.http, url, &headers, &body).await.map_err(|e| e.to_string())?;
                headers.append(&mut more);
            }
        }
        let mut req = self.http.request(method.parse().map_err(|_| "bad method")?, url).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let send = async {
            let resp = req.send().await.map_err(|e| format!("unreachable: {e}"))?;
            let status = resp.status();
            if status.as_u16() == 401 {
                if let Identity::Service(McpAuth::OAuth(client)) = &self.identity {
                    client.forget().await; // the next call fetches a new token
                }
            }
            if !status.is_success() {
                return Err(format!("HTTP {}", status.as_u16()));
            }
            resp.json::<Value>().await.map_err(|e| format!("the answer is not JSON: {e}"))
        };
        tokio::time::timeout(self.timeout, send).await.map_err(|_| format!("no answer within {:?}", self.timeout))?
    }
}

fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The tool description: the card's name, description and skills (with examples).
fn describe(card: &Value) -> String {
    let mut out =
        format!("Ask the remote agent \"{}\": {}", card["name"].as_str().unwrap_or("agent"), card["description"].as_str().unwrap_or(""));
    let skills = card["skills"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !skills.is_empty() {
        out.push_str("\nSkills:");
    }
    for s in skills {
        out.push_str(&format!("\n- {}: {}", s["name"].as_str().unwrap_or(""), s["description"].as_str().unwrap_or("")));
        let examples: Vec<&str> = s["examples"].as_array().map(|e| e.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if !examples.is_empty() {
            out.push_str(&format!(" (e.g. {})", examples.join("; ")));
        }
    }
    out.chars().take(MAX_DESCRIPTION_CHARS).collect()
}

/// The text parts of `parts`, one per line (data parts as JSON; files noted).
fn parts_text(parts: &Value) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in parts.as_array().map(Vec::as_slice).unwrap_or_default() {
        match p["kind"].as_str() {
            Some("text") => out.push(p["text"].as_str().unwrap_or_default().to_owned()),
            Some("data") => out.push(p["data"].to_string()),
            Some("file") => out.push(format!("[file omitted: {}]", p["file"]["name"].as_str().unwrap_or("unnamed"))),
            _ => {}
        }
    }
    out.join("\n")
}

/// What a finished (or interrupted) task means for the model: its artifacts' text (else its
/// status message) when completed; an error naming the state otherwise.
fn task_outcome(state: TaskState, task: &Value) -> Result<String, String> {
    let status_text = parts_text(&task["status"]["message"]["parts"]);
    match state {
        TaskState::Completed => {
            let artifacts: Vec<String> =
                task["artifacts"].as_array().map(|a| a.iter().map(|x| parts_text(&x["parts"])).collect()).unwrap_or_default();
            let text = artifacts.join("\n");
            Ok(if text.is_empty() { status_text } else { text })
        }
        TaskState::InputRequired | TaskState::AuthRequired => {
            Ok(format!("[the agent stopped and needs more from you ({state:?})] {status_text}"))
        }
        other => Err(format!("the task ended {other:?}: {status_text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_become_text_or_errors() {
        let done = json!({"kind": "task", "id": "t", "status": {"state": "completed"},
            "artifacts": [{"artifactId": "a", "parts": [{"kind": "text", "text": "42"}, {"kind": "data", "data": {"x": 1}}]}]});
        assert_eq!(task_outcome(TaskState::Completed, &done), Ok("42\n{\"x\":1}".into()));
        let failed = json!({"status": {"state": "failed", "message": {"parts": [{"kind": "text", "text": "no stock"}]}}});
        assert_eq!(task_outcome(TaskState::Failed, &failed), Err("the task ended Failed: no stock".into()));
        let only_status = json!({"status": {"state": "completed", "message": {"parts": [{"kind": "text", "text": "ok"}]}}});
        assert_eq!(task_outcome(TaskState::Completed, &only_status), Ok("ok".into()));
    }

    #[test]
    fn the_card_is_described_with_its_skills_and_credentials_stay_on_its_origin() {
        let card = json!({"name": "orders", "description": "Knows orders.", "skills": [
            {"id": "s", "name": "Order status", "description": "Looks up an order.", "examples": ["Where is ORD-1?"]}]});
        assert_eq!(
            describe(&card),
            "Ask the remote agent \"orders\": Knows orders.\nSkills:\n- Order status: Looks up an order. (e.g. Where is ORD-1?)"
        );
        assert!(same_origin("https://a.example/prod/a2a", "https://a.example/prod/.well-known/agent-card.json"));
        assert!(!same_origin("https://evil.example/a2a", "https://a.example/.well-known/agent-card.json"));
        assert!(!same_origin("http://a.example/a2a", "https://a.example/x"));
    }
}
