//! Lambda functions called directly as tools: what the constructs write into
//! [`LAMBDA_TOOLS`](crate::env::LAMBDA_TOOLS) for an agent's handlers.
//!
//! The variable holds a JSON array of [`LambdaToolConfig`]. The handler invokes the function
//! (`Invoke`, `RequestResponse`) with the model's tool input as the event and gives the
//! function's JSON answer back to the model. Example:
//!
//! ```json
//! [{"name": "get_weather", "description": "Current weather for a city",
//!   "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
//!   "function_name": "arn:aws:lambda:us-east-1:123456789012:function:weather",
//!   "timeout_seconds": 10, "max_result_bytes": 20000}]
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Default of [`LambdaToolConfig::timeout_seconds`]: one invocation, seconds.
pub const DEFAULT_LAMBDA_TOOL_TIMEOUT_SECONDS: u64 = 30;

/// One Lambda function the model may call as a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaToolConfig {
    /// The tool's name as the model sees it (`[a-zA-Z0-9_-]{1,64}`).
    pub name: String,
    /// What it does and when to use it.
    pub description: String,
    /// JSON Schema of its input (an object schema); the input is the function's event.
    pub input_schema: Value,
    /// The function's ARN (or name), as `Invoke`'s `FunctionName` takes it.
    pub function_name: String,
    /// How long to wait for the answer, seconds. Default: [`DEFAULT_LAMBDA_TOOL_TIMEOUT_SECONDS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Cap on the answer given to the model, bytes. Default:
    /// [`DEFAULT_MCP_MAX_RESULT_BYTES`](crate::mcp::DEFAULT_MCP_MAX_RESULT_BYTES), as for MCP tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_result_bytes: Option<usize>,
}

/// Parses the value of [`LAMBDA_TOOLS`](crate::env::LAMBDA_TOOLS).
pub fn parse_lambda_tools(value: &str) -> Result<Vec<LambdaToolConfig>, serde_json::Error> {
    serde_json::from_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_format_round_trips() {
        let v = r#"[{"name": "get_weather", "description": "Current weather for a city",
                     "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                     "function_name": "arn:aws:lambda:us-east-1:123456789012:function:weather",
                     "timeout_seconds": 10, "max_result_bytes": 20000},
                    {"name": "ping", "description": "d", "input_schema": {"type": "object"}, "function_name": "ping-fn"}]"#;
        let tools = parse_lambda_tools(v).expect("parses");
        assert_eq!(tools[0].input_schema["required"], json!(["city"]));
        assert_eq!((tools[0].timeout_seconds, tools[1].timeout_seconds), (Some(10), None));
        let again = parse_lambda_tools(&serde_json::to_string(&tools).expect("json")).expect("parses");
        assert_eq!(again, tools);
        assert!(parse_lambda_tools(r#"[{"name": "x", "description": "d", "input_schema": {}}]"#).is_err(), "the function is required");
        assert!(
            parse_lambda_tools(r#"[{"name": "x", "description": "d", "input_schema": {}, "function_name": "f", "timeout": 3}]"#).is_err(),
            "typos are errors"
        );
    }
}
