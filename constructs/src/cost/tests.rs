//! The arithmetic against published figures, and front doors read from a template.

use super::*;
use serde_json::json;

fn usage(duration: Duration) -> Usage {
    Usage { requests: 1_000_000, duration, response_bytes: 4096, ..Usage::default() }
}

fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

#[test]
fn the_quoted_comparison_holds_for_50_ms() {
    let u = usage(Duration::from_millis(50));
    let rest = price(FrontDoor::RestApi, &u, 512, false);
    let url = price(FrontDoor::FunctionUrl, &u, 512, false);
    assert_eq!(cents(rest.0 + rest.1 + rest.2 + rest.3), 412, "~$4.12 behind API Gateway");
    assert_eq!(cents(url.0 + url.1 + url.2 + url.3), 62, "~$0.62 on a Function URL");
}

#[test]
fn at_5_seconds_the_lambda_part_alone_is_41_87() {
    let u = usage(Duration::from_secs(5));
    let (front, requests, duration, streamed) = price(FrontDoor::FunctionUrl, &u, 512, false);
    assert_eq!(cents(requests + duration + streamed), 4187);
    assert_eq!(front, 0.0);
    let rest = price(FrontDoor::RestApi, &u, 512, false);
    assert_eq!(cents(rest.0 + rest.1 + rest.2), 4537, "$3.50 of API Gateway on top");
}

#[test]
fn arm64_is_cheaper_and_streaming_bills_beyond_6_mb() {
    let u = usage(Duration::from_secs(1));
    assert!(price(FrontDoor::FunctionUrl, &u, 1024, true).2 < price(FrontDoor::FunctionUrl, &u, 1024, false).2);
    let big = Usage { response_bytes: 6 * 1024 * 1024 + 1024 * 1024 * 1024, ..u };
    let (_, _, _, streamed) = price(FrontDoor::StreamingFunctionUrl, &big, 128, false);
    assert_eq!(cents(streamed), 800_000, "1 GB beyond the free 6 MB, a million times, at $0.008/GB");
    assert_eq!(price(FrontDoor::StreamingFunctionUrl, &u, 128, false).3, 0.0);
}

#[test]
fn a_streamed_rest_response_is_a_request_per_started_10_mb_plus_lambda_streaming() {
    let small = usage(Duration::from_millis(50));
    assert_eq!(price(FrontDoor::StreamingRestApi, &small, 512, false).0, price(FrontDoor::RestApi, &small, 512, false).0);
    let big = Usage { response_bytes: 25 * 1024 * 1024, ..small };
    let (front, _, _, streamed) = price(FrontDoor::StreamingRestApi, &big, 512, false);
    assert_eq!(cents(front), 1050, "25 MB = 3 billed requests of $3.50 per million");
    assert_eq!(cents(streamed), cents(1_000_000.0 * 19.0 / 1024.0 * prices::LAMBDA_STREAMED_GB), "19 MB beyond Lambda's free 6 MB");
}

#[test]
fn front_doors_are_read_from_the_template() {
    let t = json!({"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Post": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"},
            "Integration": {"Uri": {"Fn::Sub": ["arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations", {"Arn": {"Fn::GetAtt": ["Handler", "Arn"]}}]}}}},
        "Handler": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 512}},
        "Streamer": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1024, "Architectures": ["arm64"]}},
        "Url": {"Type": "AWS::Lambda::Url", "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["Streamer", "Arn"]}, "InvokeMode": "RESPONSE_STREAM", "AuthType": "AWS_IAM"}}
    }});
    let e = estimate(&t, &usage(Duration::from_millis(50)));
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].front_door, e[0].function.as_str(), e[0].memory_mb, e[0].arm64), (FrontDoor::RestApi, "Handler", 512, false));
    assert_eq!(cents(e[0].front_door_requests + e[0].lambda()), 412);
    assert_eq!((e[0].model, e[0].model_id.as_deref(), e[0].dynamodb, e[0].sqs), (None, None, 0.0, 0.0), "no model, no tables");
    assert_eq!(
        (e[1].front_door, e[1].function.as_str(), e[1].memory_mb, e[1].arm64),
        (FrontDoor::StreamingFunctionUrl, "Streamer", 1024, true)
    );
    let text = report(&e, &usage(Duration::from_millis(50)));
    assert!(text.contains("API Gateway REST") && text.contains("$5.07"), "$4.12 + $0.95 of logs: {text}");
    assert!(text.lines().last().unwrap().starts_with("total") && text.ends_with(" $6.89\n"), "{text}");
    assert!(text.contains("prices: us-east-1") && text.contains("https://aws.amazon.com/bedrock/pricing/"), "{text}");
}

/// A function resource with memory and environment.
fn function(memory: u64, env: serde_json::Value) -> serde_json::Value {
    json!({"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": memory, "Environment": {"Variables": env}}})
}

fn sub_arn(function: &str) -> serde_json::Value {
    json!({"Fn::Sub": ["arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations", {"Arn": {"Fn::GetAtt": [function, "Arn"]}}]})
}

fn mapping(queue: &str, function: &str) -> serde_json::Value {
    json!({"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"EventSourceArn": {"Fn::GetAtt": [queue, "Arn"]}, "FunctionName": {"Fn::GetAtt": [function, "Arn"]}}})
}

/// A queued agent's resources behind `entry` (what ServerlessAgent renders in Queue and
/// WebSocket modes), its model a global Sonnet 4.5 profile.
fn queued_agent(entry_mode: &str) -> serde_json::Map<String, serde_json::Value> {
    let fifo = json!({"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": true}});
    json!({
        "Handler": function(256, json!({"AGENT_MODE": entry_mode, "INPUT_QUEUE_URL": {"Ref": "In"}})),
        "Runner": function(512, json!({"MODEL_ID": "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "MODEL_PROVIDER": "bedrock",
            "SESSIONS_TABLE": {"Ref": "Sessions"}, "OUTPUT_QUEUE_URL": {"Ref": "Out"}})),
        "Responder": function(256, json!({})),
        "In": fifo, "Out": fifo,
        "RunnerTrigger": mapping("In", "Runner"), "ResponderTrigger": mapping("Out", "Responder"),
    })
    .as_object()
    .unwrap()
    .clone()
}

#[test]
fn a_sync_agent_with_the_model_sessions_and_logs_hand_computed() {
    // 1M requests × 2 s at 512 MB: REST $3.50; Lambda $0.20 + 1M GB-s × $0.0000166667 = $16.87;
    // model (us. Sonnet 4.5, +10%: $3.30 / $16.50 per M): 2 calls × (2,000 × 3.30 + 400 × 16.50)
    // / 1M = $0.0264 a request → $26,400; sessions 4 KB: 1 RRU $0.125 + 4 WRU $2.50 = $2.625;
    // logs 1M × 2,048 B = 1.9073 GB × $0.50 = $0.95.
    let t = json!({"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi"},
        "Post": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "Integration": {"Uri": sub_arn("Handler")}}},
        "Handler": function(512, json!({"AGENT_MODE": "sync", "MODEL_ID": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "MODEL_PROVIDER": "bedrock", "SESSIONS_TABLE": {"Ref": "Sessions"}}))
    }});
    let e = &estimate(&t, &usage(Duration::from_secs(2)))[0];
    assert_eq!(e.model_id.as_deref(), Some("us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
    let parts = [e.front_door_requests, e.lambda(), e.backend_lambda, e.model.unwrap(), e.sqs, e.dynamodb, e.logs].map(cents);
    assert_eq!(parts, [350, 1687, 0, 2_640_000, 0, 263, 95]);
    assert_eq!(cents(e.total()), 2_642_395);
}

#[test]
fn a_queued_rest_agent_prices_the_runner_queues_polls_and_tables_hand_computed() {
    // Entry (256 MB, 100 ms) answers the POST and 2 polls: 3M REST requests $10.50, 3M Lambda
    // requests $0.60 + 75,000 GB-s $1.25. Runner (512 MB, 2 s): $0.20 + $16.67. Response handler
    // (256 MB, 100 ms): $0.20 + 25,000 GB-s $0.42. SQS FIFO: 3 requests on each of 2 queues
    // × $0.50/M = $3.00. DynamoDB: responses 2 WRU $1.25 + 2 polls × RRU $0.25, sessions 8 KB:
    // 2 RRU $0.25 + 8 WRU $5.00 → $6.75. Model (global Sonnet 4.5, $3 / $15): 2 × (2,000 × 3 +
    // 400 × 15) / 1M = $0.024 → $24,000. Logs: 5 invocations × 2,048 B × 1M = 9.54 GB → $4.77.
    let mut resources = queued_agent("queue");
    resources.insert("Api".into(), json!({"Type": "AWS::ApiGateway::RestApi"}));
    resources.insert(
        "Post".into(),
        json!({"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "Integration": {"Uri": sub_arn("Handler")}}}),
    );
    let u = Usage { session_kb: 8, ..usage(Duration::from_secs(2)) };
    let e = &estimate(&json!({ "Resources": resources }), &u)[0];
    assert_eq!((e.function.as_str(), e.memory_mb), ("Handler", 256));
    let parts = [e.front_door_requests, e.lambda(), e.backend_lambda, e.model.unwrap(), e.sqs, e.dynamodb, e.logs].map(cents);
    assert_eq!(parts, [1050, 185, 1748, 2_400_000, 300, 675, 477]);
}

#[test]
fn a_websocket_agent_prices_messages_and_connection_minutes() {
    // 1M requests: the message in and the 4 KB reply out ($1/M each) = $2.00, plus 2 connection
    // minutes a request × $0.25/M = $0.50; no polls (the reply is pushed).
    let mut resources = queued_agent("websocket");
    resources.insert("Ws".into(), json!({"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}}));
    resources.insert("Connect".into(), function(256, json!({"CONNECTIONS_TABLE": {"Ref": "Connections"}})));
    for (id, f) in [("ConnectIntegration", "Connect"), ("DefaultIntegration", "Handler")] {
        resources.insert(
            id.into(),
            json!({"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Ws"}, "IntegrationUri": sub_arn(f)}}),
        );
    }
    let e = &estimate(&json!({ "Resources": resources }), &usage(Duration::from_secs(2)))[0];
    assert_eq!((e.front_door, e.function.as_str()), (FrontDoor::WebSocket, "Handler"), "the integration that runs the agent");
    assert_eq!(cents(e.front_door_requests), 250);
    assert_eq!(cents(e.lambda()), cents(0.20 + 100_000.0 * 0.25 * prices::LAMBDA_GB_SECOND_X86 * 1.0), "one entry call, no polls");
    assert_eq!(cents(e.dynamodb), cents(1.25 + 2.625), "responses written twice, never polled; sessions");
}

#[test]
fn a_model_outside_the_table_is_shown_not_priced_and_json_carries_every_part() {
    let t = json!({"Resources": {
        "Url": {"Type": "AWS::Lambda::Url", "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["F", "Arn"]}}},
        "F": function(512, json!({"MODEL_ID": "gpt-4.1", "MODEL_PROVIDER": "openai"}))
    }});
    let u = usage(Duration::from_millis(50));
    let e = estimate(&t, &u);
    assert_eq!((e[0].model_id.as_deref(), e[0].model), (Some("gpt-4.1"), None));
    let text = report(&e, &u);
    assert!(text.contains("not priced") && text.contains("model gpt-4.1 is not in the Bedrock price table"), "{text}");
    let json = report_json(&[("S".to_owned(), e.clone())], &u);
    assert_eq!(json["region"], "us-east-1");
    assert_eq!(json["usage"]["inputTokens"], 2000);
    let door = &json["stacks"][0]["frontDoors"][0];
    assert_eq!((door["kind"].as_str(), door["costs"]["model"].is_null()), (Some("Function URL"), true));
    assert_eq!(cents(json["total"].as_f64().unwrap()), cents(e[0].total()));
}
