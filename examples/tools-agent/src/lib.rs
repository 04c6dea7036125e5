//! A support agent with tools, run through a queue: the stock order-lookup MCP server on Lambda
//! (its own table, behind an IAM Function URL), an AgentCore Gateway that turns a Lambda
//! function into a tool, and the same function called directly as a tool (`ToolSource::
//! lambda_arn`, no gateway in between). The agent's runner signs its MCP calls with its role
//! (SigV4) and may invoke exactly that Function URL, that gateway and that function.

#![warn(missing_docs)]

use agentcdk::prelude::*;

/// The app: one stack, `ToolsAgent`.
pub fn app() -> App {
    let mut app = App::new();
    let stack =
        app.stack("ToolsAgent", StackProps { description: Some("Support agent with MCP tools (queue mode)".into()), ..Default::default() });
    let weather_arn = stack.parameter(
        "WeatherToolArn",
        Parameter::string()
            .description("ARN of the Lambda function behind the get_weather tool")
            .allowed_pattern("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$"),
    );
    let auth = LambdaAuthorizer::jwt(
        &mut stack.scope("Auth"),
        JwtConfig { issuer: "https://example.auth0.com/".into(), audience: vec!["support-api".into()], ..Default::default() },
    );
    let (orders, _table) = McpServer::orders(&mut stack.scope("OrderTools"), McpServerProps::default());
    let gateway = weather_gateway(stack, weather_arn.value().into());
    let forecast = ToolSpec {
        name: "weather_now".into(),
        description: "Current weather for a city, straight from the weather function".into(),
        input_schema: serde_json::json!({
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"]
        }),
    };
    let agent = ServerlessAgent::new(
        &mut stack.scope("Support"),
        AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            system_prompt: "You answer questions about customers' orders and the weather at their sites.".into(),
            tools: vec![
                ToolSource::server(&orders).allow(["get_order", "list_orders"]),
                ToolSource::gateway(&gateway),
                ToolSource::lambda_arn(weather_arn.value(), forecast),
            ],
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Authorizer(&auth))
        },
    );
    stack.output("ApiUrl", agent.endpoint().url());
    stack.output("OrderToolsUrl", Output::new(orders.url()).description("MCP endpoint of the order tools (SigV4, service lambda)"));
    app
}

/// An IAM gateway whose one target is the weather Lambda (`function_arn`), described as one tool.
fn weather_gateway(stack: &mut Stack, function_arn: Value<String>) -> AgentCoreGateway {
    AgentCoreGateway::new(
        &mut stack.scope("WeatherTools"),
        AgentCoreGatewayProps {
            instructions: Some("Call get_weather for the weather at a customer's site.".into()),
            targets: vec![GatewayTargetProps {
                name: "weather".into(),
                description: Some("Current weather by city".into()),
                kind: TargetKind::Lambda {
                    function_arn,
                    tools: vec![ToolSpec {
                        name: "get_weather".into(),
                        description: "Current weather for a city".into(),
                        input_schema: serde_json::json!({
                            "type": "object",
                            "properties": {"city": {"type": "string", "description": "City name"}},
                            "required": ["city"]
                        }),
                    }],
                },
            }],
            ..Default::default()
        },
    )
}
