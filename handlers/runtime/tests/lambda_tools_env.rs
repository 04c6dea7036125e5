//! `LAMBDA_TOOLS` read at init: each entry becomes a tool with its spec, unset means none, and
//! a malformed value fails the init naming the variable (nothing is invoked at init).

use agentcdk_contract::env::LAMBDA_TOOLS;
use agentcdk_runtime::agent::Tool;
use agentcdk_runtime::config::ConfigError;
use agentcdk_runtime::lambda_tool::tools_from_env;
use serde_json::json;

#[test]
fn lambda_tools_come_from_the_environment() {
    let sdk = agentcdk_runtime::aws::from_env();
    std::env::set_var(
        LAMBDA_TOOLS,
        r#"[{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"},
             "function_name": "arn:aws:lambda:us-east-1:123456789012:function:weather"}]"#,
    );
    let tools = tools_from_env(&sdk).expect("valid");
    assert_eq!(tools.len(), 1);
    assert_eq!((tools[0].spec().name.as_str(), tools[0].spec().input_schema), ("get_weather", json!({"type": "object"})));
    std::env::set_var(LAMBDA_TOOLS, r#"[{"name": "x"}]"#);
    assert!(matches!(tools_from_env(&sdk), Err(ConfigError::Invalid { name: LAMBDA_TOOLS, .. })));
    std::env::remove_var(LAMBDA_TOOLS);
    assert!(tools_from_env(&sdk).expect("unset").is_empty());
}
