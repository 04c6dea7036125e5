//! Peers and tools shared by the provider tests.

use std::sync::atomic::{AtomicUsize, Ordering};

use agentcdk_runtime::agent::bedrock::Bedrock;
use agentcdk_runtime::agent::{BoxFuture, Tool, ToolError, ToolSpec};
use agentcdk_testkit::http::{HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// A tool adding two integers.
pub struct Add;
impl Tool for Add {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "add".into(),
            description: "Adds two integers.".into(),
            input_schema: json!({"type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"]}),
        }
    }
    fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
        Box::pin(async move {
            match (input["a"].as_i64(), input["b"].as_i64()) {
                (Some(a), Some(b)) => Ok((a + b).to_string()),
                _ => Err(ToolError("a and b must be integers".into())),
            }
        })
    }
}

/// A server answering the n-th request with `answers[n]` (the last one repeats).
pub fn scripted(answers: Vec<HttpResponse>) -> HttpServer {
    let n = AtomicUsize::new(0);
    HttpServer::start(move |_req: &HttpRequest| {
        let i = n.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
        answers[i].clone()
    })
}

/// A Bedrock provider calling `server`, retries off (each test scripts every answer).
pub async fn bedrock(server: &HttpServer) -> Bedrock {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "test"))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    Bedrock::new(aws_sdk_bedrockruntime::Client::new(&sdk), "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
}
