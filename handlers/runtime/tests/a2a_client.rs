//! Our A2A client against agents served by the official A2A Python SDK (`a2a-sdk` 0.3) on
//! 127.0.0.1: the card becomes one tool described by its skills, a Message answer and a polled
//! Task both come back as text, a failed task and an unreachable agent are tool errors, the
//! caller's identity (the service's bearer, or the end user's token of the turn) reaches the
//! remote agent, and a model turn uses the remote agent's answer.

#[allow(dead_code)] // only `scripted` is used here
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcdk_runtime::a2a::caller::{bearer, with_user_token};
use agentcdk_runtime::a2a::{A2aSource, Identity};
use agentcdk_runtime::agent::openai::OpenAi;
use agentcdk_runtime::agent::{Agent, Message, ToolProvider, Toolbox};
use agentcdk_runtime::mcp::McpAuth;
use agentcdk_runtime::secret::Secret;
use agentcdk_testkit::a2a::{AgentMode, SdkAgent};
use agentcdk_testkit::http::openai_completion;
use common::scripted;
use serde_json::json;

const T: Duration = Duration::from_secs(20);

fn service(card_url: &str) -> A2aSource {
    A2aSource::new("inventory", card_url, Identity::Service(McpAuth::Bearer(Secret::new("svc-token"))), T)
}

async fn ask(source: &A2aSource, text: &str) -> Result<String, String> {
    let tools = source.tools().await.map_err(|e| e.to_string())?;
    tools[0].call(json!({"message": text})).await.map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_card_becomes_a_tool_and_messages_come_back_as_text() {
    let agent = SdkAgent::start(AgentMode::Message);
    let source = service(&agent.card_url());
    let tools = source.tools().await.expect("tools");
    let spec = tools[0].spec();
    assert_eq!(spec.name, "inventory");
    assert_eq!(
        spec.description,
        "Ask the remote agent \"inventory\": Knows what is in stock.\nSkills:\n- Stock levels: Tells how many of an item are in stock. (e.g. How many blue mugs are left?)"
    );
    assert_eq!(spec.input_schema["required"], json!(["message"]));
    assert_eq!(ask(&source, "blue mugs?").await, Ok("message agent got 'blue mugs?' with auth 'Bearer svc-token'".into()));
    assert_eq!(ask(&source, "  ").await.expect_err("empty"), "give the agent a non-empty \"message\" string");
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_are_polled_until_they_end_and_failures_are_tool_errors() {
    let tasks = SdkAgent::start(AgentMode::Task);
    let started = Instant::now();
    let answer = ask(&service(&tasks.card_url()), "red mugs?").await;
    assert_eq!(answer, Ok("task agent got 'red mugs?' with auth 'Bearer svc-token'".into()));
    assert!(started.elapsed() >= Duration::from_millis(600), "the task was answered submitted and polled until completed");

    let impatient = A2aSource::new("inventory", tasks.card_url(), Identity::Service(McpAuth::None), Duration::from_millis(400));
    let late = ask(&impatient, "green mugs?").await.expect_err("times out");
    assert!(late.starts_with("the inventory agent: no answer within 400ms"), "{late}");

    let failing = SdkAgent::start(AgentMode::Fail);
    let failed = ask(&service(&failing.card_url()), "mugs?").await.expect_err("fails");
    assert_eq!(failed, "the inventory agent: the task ended Failed: the warehouse is closed");

    let down = service("http://127.0.0.1:9/.well-known/agent-card.json");
    let Err(e) = down.tools().await else { panic!("no card, no tool this turn") };
    let e = e.to_string();
    assert!(e.starts_with("agent card http://127.0.0.1:9/.well-known/agent-card.json: unreachable"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_end_users_token_is_passed_on_only_when_the_turn_has_one() {
    let agent = SdkAgent::start(AgentMode::Message);
    let as_user = A2aSource::new("inventory", agent.card_url(), Identity::User, T);
    let e = ask(&as_user, "mugs?").await.expect_err("no token outside a turn");
    assert!(e.contains("no end-user token to pass on"), "{e}");
    let answer = with_user_token(bearer("Bearer user-token"), ask(&as_user, "mugs?")).await;
    assert_eq!(answer, Ok("message agent got 'mugs?' with auth 'Bearer user-token'".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_turn_asks_a_remote_agent_and_uses_its_answer() {
    let remote = SdkAgent::start(AgentMode::Task);
    let model = scripted(vec![
        openai_completion(json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "inventory", "arguments": "{\"message\":\"How many blue mugs?\"}"}}]})),
        openai_completion(json!({"role": "assistant", "content": "There are some."})),
    ]);
    let agent =
        Agent::new(Arc::new(OpenAi::new(model.url(), None, "m")), "").with_tools(Toolbox::new().with_provider(service(&remote.card_url())));
    let mut history: Vec<Message> = Vec::new();
    assert_eq!(agent.respond(&mut history, "blue mugs in stock?").await.expect("reply"), "There are some.");
    let reqs = model.requests();
    let tool = &reqs[0].json()["tools"][0]["function"];
    assert_eq!(tool["name"], "inventory");
    assert!(tool["description"].as_str().expect("description").contains("Stock levels"), "{tool}");
    let last = reqs[1].json()["messages"].as_array().expect("messages").last().expect("last").clone();
    assert_eq!(
        last,
        json!({"role": "tool", "tool_call_id": "call_1",
        "content": "task agent got 'How many blue mugs?' with auth 'Bearer svc-token'"})
    );
}
