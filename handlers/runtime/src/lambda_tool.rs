//! Lambda functions called directly as tools ([`env::LAMBDA_TOOLS`]): each is a [`Tool`] whose
//! call is one `Invoke` (`RequestResponse`) with the model's input as the event, and whose
//! result is the function's JSON answer, cut at the cap like an MCP tool's.
//!
//! Failures are results for the model, never failed runs: a function error (`FunctionError`,
//! Lambda's `X-Amz-Function-Error`) is an error result carrying the function's error JSON; an
//! `Invoke` that fails (throttled, denied, not found) or takes longer than the timeout is an
//! error result with a fixed message (the AWS error text, which names ARNs, is logged only).
//!
//! The client has no SDK retries: an invocation is not idempotent, and a retried timeout would
//! run the function twice. `AWS_ENDPOINT_URL_LAMBDA` points it elsewhere (`cargo agentcdk dev`
//! serves the Invoke API for the app's functions).

use std::time::Duration;

use agentcdk_contract::env;
use agentcdk_contract::mcp::DEFAULT_MCP_MAX_RESULT_BYTES;
use agentcdk_contract::tools::{parse_lambda_tools, LambdaToolConfig, DEFAULT_LAMBDA_TOOL_TIMEOUT_SECONDS};
use aws_sdk_lambda::error::DisplayErrorContext;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use serde_json::Value;

use crate::agent::{BoxFuture, Tool, ToolError, ToolSpec, Toolbox};
use crate::config::{self, ConfigError};
use crate::mcp::cap;

/// One Lambda function the model may call as a tool.
#[derive(Debug, Clone)]
pub struct LambdaTool {
    client: aws_sdk_lambda::Client,
    spec: ToolSpec,
    function_name: String,
    timeout: Duration,
    max_result_bytes: usize,
}

impl LambdaTool {
    /// The tool `config` describes, invoking through `client`.
    pub fn new(client: aws_sdk_lambda::Client, config: &LambdaToolConfig) -> Self {
        Self {
            client,
            spec: ToolSpec {
                name: config.name.clone(),
                description: config.description.clone(),
                input_schema: config.input_schema.clone(),
            },
            function_name: config.function_name.clone(),
            timeout: Duration::from_secs(config.timeout_seconds.unwrap_or(DEFAULT_LAMBDA_TOOL_TIMEOUT_SECONDS)),
            max_result_bytes: config.max_result_bytes.unwrap_or(DEFAULT_MCP_MAX_RESULT_BYTES),
        }
    }
}

impl Tool for LambdaTool {
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    fn call(&self, input: Value) -> BoxFuture<'_, Result<String, ToolError>> {
        Box::pin(async move {
            let send = self
                .client
                .invoke()
                .function_name(&self.function_name)
                .invocation_type(InvocationType::RequestResponse)
                .payload(Blob::new(input.to_string()))
                .send();
            let out = match tokio::time::timeout(self.timeout, send).await {
                Err(_) => return Err(ToolError(format!("the tool's function did not answer within {} s", self.timeout.as_secs()))),
                Ok(Err(e)) => {
                    tracing::warn!(tool = %self.spec.name, error = %DisplayErrorContext(&e), "Lambda tool invoke failed");
                    return Err(ToolError("the tool's function could not be invoked".into()));
                }
                Ok(Ok(out)) => out,
            };
            let text = cap(answer_text(out.payload.as_ref().map(Blob::as_ref).unwrap_or_default()), self.max_result_bytes);
            match out.function_error {
                Some(kind) => {
                    tracing::info!(tool = %self.spec.name, function_error = %kind, "Lambda tool answered with a function error");
                    Err(ToolError(format!("the tool's function failed: {text}")))
                }
                None => Ok(text),
            }
        })
    }
}

/// The answer as text for the model: a JSON string as its text, any other payload as it is.
fn answer_text(payload: &[u8]) -> String {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::String(s)) => s,
        _ => String::from_utf8_lossy(payload).into_owned(),
    }
}

/// The Lambda client of the tools: the shared config, [`env::AWS_ENDPOINT_URL_LAMBDA`] when set
/// (the SDKs' standard per-service override, which [`crate::aws::load`] does not read by
/// itself), no retries.
pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_lambda::Client {
    let mut conf = aws_sdk_lambda::config::Builder::from(sdk).retry_config(aws_config::retry::RetryConfig::disabled());
    if let Some(url) = config::optional(env::AWS_ENDPOINT_URL_LAMBDA) {
        conf = conf.endpoint_url(url);
    }
    aws_sdk_lambda::Client::from_conf(conf.build())
}

/// The tools [`env::LAMBDA_TOOLS`] describes (none when unset); a malformed value fails the init.
pub fn tools_from_env(sdk: &aws_config::SdkConfig) -> Result<Vec<LambdaTool>, ConfigError> {
    let Some(value) = config::optional(env::LAMBDA_TOOLS) else {
        return Ok(Vec::new());
    };
    let configs = parse_lambda_tools(&value).map_err(|e| ConfigError::Invalid {
        name: env::LAMBDA_TOOLS,
        value: value.clone(),
        reason: e.to_string(),
    })?;
    let client = client(sdk);
    Ok(configs.iter().map(|c| LambdaTool::new(client.clone(), c)).collect())
}

/// `tools` with every Lambda tool of [`env::LAMBDA_TOOLS`] added.
pub fn toolbox_from_env(sdk: &aws_config::SdkConfig, tools: Toolbox) -> Result<Toolbox, ConfigError> {
    Ok(tools_from_env(sdk)?.into_iter().fold(tools, Toolbox::with))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_string_answer_is_its_text_and_anything_else_is_kept() {
        assert_eq!(answer_text(br#""sunny""#), "sunny");
        assert_eq!(answer_text(br#"{"t": 21}"#), r#"{"t": 21}"#);
        assert_eq!(answer_text(b"not json"), "not json");
        assert_eq!(answer_text(b""), "");
    }
}
