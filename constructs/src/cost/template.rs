//! Finding the front doors of a rendered template and the functions behind them.

use serde_json::Value as Json;

use super::{price, Estimate, FrontDoor, Usage};

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
