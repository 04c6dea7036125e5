//! Monthly cost estimates per front door, read from a synthesized template.
//!
//! A front door is what a client calls: a REST API (API Gateway v1) or a Lambda Function URL.
//! For N requests a month at an average duration, each costs its own request fee plus the
//! Lambda invocations behind it: requests and GB-seconds at the function's memory and
//! architecture, and streamed bytes for response streaming (a streaming URL, or a REST method
//! with `responseTransferMode: STREAM`, which API Gateway also bills per started 10 MB). Free
//! tiers are ignored (they are per account, not per stack). WebSocket APIs are not priced yet.
//!
//! Getting the arithmetic right matters: a widely quoted comparison says 1M requests at 5 s and
//! 512 MB cost ~$4.12 behind API Gateway and ~$0.62 on a Function URL — figures that hold for
//! 50 ms. At 5 s the Lambda part alone is 1M × 5 s × 0.5 GB = 2.5M GB-s ≈ $41.67, plus $0.20
//! of requests: ~$41.87.

use std::fmt;
use std::time::Duration;

use serde_json::Value as Json;

/// Published prices, us-east-1, in US dollars. One table: change prices here only.
pub mod prices {
    /// Lambda, per request.
    pub const LAMBDA_REQUEST: f64 = 0.20 / 1_000_000.0;
    /// Lambda x86_64, per GB-second (first pricing tier).
    pub const LAMBDA_GB_SECOND_X86: f64 = 0.000_016_666_7;
    /// Lambda arm64, per GB-second (first pricing tier).
    pub const LAMBDA_GB_SECOND_ARM: f64 = 0.000_013_333_4;
    /// Lambda response streaming, per GB streamed beyond the first 6 MB of each response.
    pub const LAMBDA_STREAMED_GB: f64 = 0.008;
    /// Bytes of each streamed response that are free.
    pub const LAMBDA_STREAM_FREE_BYTES: f64 = 6.0 * 1024.0 * 1024.0;
    /// API Gateway REST API, per request (first 333M a month).
    pub const REST_API_REQUEST: f64 = 3.50 / 1_000_000.0;
    /// A streamed REST response is billed as one request per started 10 MB.
    pub const REST_STREAM_BYTES_PER_REQUEST: f64 = 10.0 * 1024.0 * 1024.0;
    /// Function URLs have no fee of their own.
    pub const FUNCTION_URL_REQUEST: f64 = 0.0;
}

/// What clients do in a month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usage {
    /// Requests a month.
    pub requests: u64,
    /// Average billed duration of one invocation.
    pub duration: Duration,
    /// Average response size in bytes (counts for streaming URLs beyond 6 MB).
    pub response_bytes: u64,
    /// Overrides the function's memory from the template. Default: the template's.
    pub memory_mb: Option<u32>,
    /// Overrides the function's architecture (`true` = arm64). Default: the template's.
    pub arm64: Option<bool>,
}

/// The kind of front door.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontDoor {
    /// API Gateway REST API.
    RestApi,
    /// API Gateway REST API whose method streams (`responseTransferMode: STREAM`).
    StreamingRestApi,
    /// Lambda Function URL, buffered.
    FunctionUrl,
    /// Lambda Function URL with `InvokeMode: RESPONSE_STREAM`.
    StreamingFunctionUrl,
}

impl fmt::Display for FrontDoor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrontDoor::RestApi => "API Gateway REST",
            FrontDoor::StreamingRestApi => "API Gateway REST (streaming)",
            FrontDoor::FunctionUrl => "Function URL",
            FrontDoor::StreamingFunctionUrl => "Function URL (streaming)",
        })
    }
}

/// The estimate for one front door.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Logical id of the API or URL.
    pub logical_id: String,
    /// Kind.
    pub front_door: FrontDoor,
    /// Logical id of the function behind it.
    pub function: String,
    /// Memory used in the arithmetic, MB.
    pub memory_mb: u32,
    /// Architecture used (`true` = arm64).
    pub arm64: bool,
    /// The front door's own request fees.
    pub front_door_requests: f64,
    /// Lambda request fees.
    pub lambda_requests: f64,
    /// Lambda GB-second fees.
    pub lambda_duration: f64,
    /// Streamed-bytes fees.
    pub streamed_bytes: f64,
}

impl Estimate {
    /// Everything.
    pub fn total(&self) -> f64 {
        self.front_door_requests + self.lambda_requests + self.lambda_duration + self.streamed_bytes
    }

    /// The Lambda part.
    pub fn lambda(&self) -> f64 {
        self.lambda_requests + self.lambda_duration + self.streamed_bytes
    }
}

/// The cost of `usage` on one front door in front of a function with `memory_mb` and
/// architecture, the arithmetic shared by every estimate.
pub fn price(front_door: FrontDoor, usage: &Usage, memory_mb: u32, arm64: bool) -> (f64, f64, f64, f64) {
    let requests = usage.requests as f64;
    let gb_seconds = requests * usage.duration.as_secs_f64() * f64::from(memory_mb) / 1024.0;
    let gb_second = if arm64 { prices::LAMBDA_GB_SECOND_ARM } else { prices::LAMBDA_GB_SECOND_X86 };
    let front = match front_door {
        FrontDoor::RestApi => prices::REST_API_REQUEST * requests,
        FrontDoor::StreamingRestApi => {
            let per_request = (usage.response_bytes as f64 / prices::REST_STREAM_BYTES_PER_REQUEST).ceil().max(1.0);
            prices::REST_API_REQUEST * requests * per_request
        }
        FrontDoor::FunctionUrl | FrontDoor::StreamingFunctionUrl => prices::FUNCTION_URL_REQUEST * requests,
    };
    let streamed = match front_door {
        FrontDoor::StreamingFunctionUrl | FrontDoor::StreamingRestApi => {
            let billable = (usage.response_bytes as f64 - prices::LAMBDA_STREAM_FREE_BYTES).max(0.0);
            requests * billable / (1024.0 * 1024.0 * 1024.0) * prices::LAMBDA_STREAMED_GB
        }
        _ => 0.0,
    };
    (front, requests * prices::LAMBDA_REQUEST, gb_seconds * gb_second, streamed)
}

/// Every front door of `template` and what `usage` costs on it a month.
pub fn estimate(template: &Json, usage: &Usage) -> Vec<Estimate> {
    let Some(resources) = template.get("Resources").and_then(Json::as_object) else { return Vec::new() };
    let mut out = Vec::new();
    for (id, r) in resources {
        let props = &r["Properties"];
        let (front_door, functions) = match r["Type"].as_str() {
            Some("AWS::ApiGateway::RestApi") => {
                // The functions behind the API: its methods' proxy integrations.
                let behind: Vec<(String, bool)> = resources
                    .values()
                    .filter(|m| m["Type"] == "AWS::ApiGateway::Method" && refers_to(&m["Properties"]["RestApiId"], id))
                    .filter_map(|m| {
                        let integration = &m["Properties"]["Integration"];
                        integration_function(&integration["Uri"]).map(|f| (f, integration["ResponseTransferMode"] == "STREAM"))
                    })
                    .collect();
                let streams = behind.first().is_some_and(|(_, stream)| *stream);
                (
                    if streams { FrontDoor::StreamingRestApi } else { FrontDoor::RestApi },
                    behind.into_iter().map(|(f, _)| f).collect::<Vec<_>>(),
                )
            }
            Some("AWS::Lambda::Url") => {
                let kind = if props["InvokeMode"] == "RESPONSE_STREAM" { FrontDoor::StreamingFunctionUrl } else { FrontDoor::FunctionUrl };
                (kind, target_function(&props["TargetFunctionArn"]).into_iter().collect())
            }
            _ => continue,
        };
        // A front door's requests go to its first function (the agent's entry point).
        let Some(function) = functions.into_iter().next() else { continue };
        let fprops = &resources.get(&function).map(|f| &f["Properties"]).cloned().unwrap_or(Json::Null);
        let memory_mb = usage.memory_mb.unwrap_or_else(|| fprops["MemorySize"].as_u64().map_or(128, |m| m as u32));
        let arm64 = usage.arm64.unwrap_or_else(|| fprops["Architectures"].as_array().is_some_and(|a| a.iter().any(|x| x == "arm64")));
        let (front_door_requests, lambda_requests, lambda_duration, streamed_bytes) = price(front_door, usage, memory_mb, arm64);
        out.push(Estimate {
            logical_id: id.clone(),
            front_door,
            function,
            memory_mb,
            arm64,
            front_door_requests,
            lambda_requests,
            lambda_duration,
            streamed_bytes,
        });
    }
    out
}

/// A text table of the estimates.
pub fn report(estimates: &[Estimate], usage: &Usage) -> String {
    let mut s = format!(
        "{} requests/month at {:?} average ({} bytes per response); prices: synth/src/cost.rs\n",
        usage.requests, usage.duration, usage.response_bytes
    );
    s.push_str(&format!(
        "{:<40} {:<28} {:>7} {:>6} {:>12} {:>12} {:>12}\n",
        "front door", "kind", "memory", "arch", "front door", "lambda", "total"
    ));
    for e in estimates {
        s.push_str(&format!(
            "{:<40} {:<28} {:>5}MB {:>6} {:>12} {:>12} {:>12}\n",
            e.logical_id,
            e.front_door.to_string(),
            e.memory_mb,
            if e.arm64 { "arm64" } else { "x86_64" },
            format!("${:.2}", e.front_door_requests),
            format!("${:.2}", e.lambda()),
            format!("${:.2}", e.total())
        ));
    }
    s
}

fn refers_to(value: &Json, id: &str) -> bool {
    value.get("Ref").and_then(Json::as_str) == Some(id)
}

/// The function a proxy integration URI invokes: `Fn::Sub [.., {"Arn": GetAtt [F, Arn]}]`.
fn integration_function(uri: &Json) -> Option<String> {
    let vars = uri.get("Fn::Sub")?.get(1)?.as_object()?;
    vars.values().find_map(target_function)
}

fn target_function(value: &Json) -> Option<String> {
    if let Some(att) = value.get("Fn::GetAtt").and_then(Json::as_array) {
        return att.first().and_then(Json::as_str).map(str::to_owned);
    }
    value.get("Ref").and_then(Json::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
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
}
