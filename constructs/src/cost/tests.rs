//! The arithmetic against published figures, and front doors read from a template.

use super::*;
use serde_json::json;

fn usage(duration: Duration) -> Usage {
    Usage { requests: 1_000_000, duration, response_bytes: 4096, memory_mb: None, arm64: None }
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
    assert_eq!(cents(e[0].total()), 412);
    assert_eq!(
        (e[1].front_door, e[1].function.as_str(), e[1].memory_mb, e[1].arm64),
        (FrontDoor::StreamingFunctionUrl, "Streamer", 1024, true)
    );
    let text = report(&e, &usage(Duration::from_millis(50)));
    assert!(text.contains("API Gateway REST") && text.contains("$4.12"), "{text}");
}
