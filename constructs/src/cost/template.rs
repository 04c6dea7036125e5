//! Finding the front doors of a rendered template and what runs behind them: the entry
//! function, a queued agent's runner and response handler (through the queues' event source
//! mappings), the model, the tables.

use agentcdk_contract::env;
use serde_json::{Map, Value as Json};

use super::{lambda_fees, model_cost, price, prices, Estimate, FrontDoor, Usage};

type Resources = Map<String, Json>;

/// Every front door of `template` and what `usage` costs on it a month.
pub fn estimate(template: &Json, usage: &Usage) -> Vec<Estimate> {
    let Some(resources) = template.get("Resources").and_then(Json::as_object) else { return Vec::new() };
    resources
        .iter()
        .filter_map(|(id, r)| {
            let (front_door, function) = front_door(resources, id, r)?;
            Some(price_front_door(resources, id, front_door, function, usage))
        })
        .collect()
}

/// A front door's kind and the function its requests go to (the agent's entry point).
fn front_door(resources: &Resources, id: &str, r: &Json) -> Option<(FrontDoor, String)> {
    let props = &r["Properties"];
    match r["Type"].as_str()? {
        "AWS::ApiGateway::RestApi" => {
            // The functions behind the API: its methods' proxy integrations; the first is the entry.
            let (function, streams) = resources
                .values()
                .filter(|m| m["Type"] == "AWS::ApiGateway::Method" && refers_to(&m["Properties"]["RestApiId"], id))
                .find_map(|m| {
                    let integration = &m["Properties"]["Integration"];
                    integration_function(&integration["Uri"]).map(|f| (f, integration["ResponseTransferMode"] == "STREAM"))
                })?;
            Some((if streams { FrontDoor::StreamingRestApi } else { FrontDoor::RestApi }, function))
        }
        "AWS::Lambda::Url" => {
            let kind = if props["InvokeMode"] == "RESPONSE_STREAM" { FrontDoor::StreamingFunctionUrl } else { FrontDoor::FunctionUrl };
            Some((kind, target_function(&props["TargetFunctionArn"])?))
        }
        "AWS::ApiGatewayV2::Api" if props["ProtocolType"] == "WEBSOCKET" => {
            // Messages go to the integration whose function runs or enqueues the agent.
            let functions: Vec<String> = resources
                .values()
                .filter(|i| i["Type"] == "AWS::ApiGatewayV2::Integration" && refers_to(&i["Properties"]["ApiId"], id))
                .filter_map(|i| integration_function(&i["Properties"]["IntegrationUri"]))
                .collect();
            let entry = functions.iter().find(|f| env_var(resources, f, env::AGENT_MODE).is_some()).or(functions.first())?;
            Some((FrontDoor::WebSocket, entry.clone()))
        }
        _ => None,
    }
}

/// Memory and architecture of a function, `usage`'s overrides first.
fn sizing(resources: &Resources, function: &str, usage: &Usage) -> (u32, bool) {
    let props = resources.get(function).map(|f| &f["Properties"]).unwrap_or(&Json::Null);
    let memory_mb = usage.memory_mb.unwrap_or_else(|| props["MemorySize"].as_u64().map_or(128, |m| m as u32));
    let arm64 = usage.arm64.unwrap_or_else(|| props["Architectures"].as_array().is_some_and(|a| a.iter().any(|x| x == "arm64")));
    (memory_mb, arm64)
}

/// A queued agent behind an entry function: its runner, response handler and whether each
/// queue is FIFO.
struct Queued {
    runner: String,
    responder: Option<String>,
    fifo: [bool; 2],
}

fn queued(resources: &Resources, entry: &str) -> Option<Queued> {
    let (input, runner) = consumer(resources, entry, env::INPUT_QUEUE_URL)?;
    let output = consumer(resources, &runner, env::OUTPUT_QUEUE_URL);
    let fifo = |q: &str| resources.get(q).is_some_and(|q| q["Properties"]["FifoQueue"] == true);
    Some(Queued { fifo: [fifo(&input), output.as_ref().is_some_and(|(q, _)| fifo(q))], responder: output.map(|(_, f)| f), runner })
}

/// The queue `function`'s environment variable `var` refers to, and the function its event
/// source mapping feeds.
fn consumer(resources: &Resources, function: &str, var: &str) -> Option<(String, String)> {
    let queue = env_var(resources, function, var)?.get("Ref")?.as_str()?.to_owned();
    let consumer = resources.values().find_map(|m| {
        let props = &m["Properties"];
        (m["Type"] == "AWS::Lambda::EventSourceMapping" && target_function(&props["EventSourceArn"]).as_deref() == Some(queue.as_str()))
            .then(|| target_function(&props["FunctionName"]))
            .flatten()
    })?;
    Some((queue, consumer))
}

fn env_var<'a>(resources: &'a Resources, function: &str, var: &str) -> Option<&'a Json> {
    resources.get(function)?.pointer(&format!("/Properties/Environment/Variables/{var}"))
}

fn price_front_door(resources: &Resources, id: &str, front_door: FrontDoor, function: String, usage: &Usage) -> Estimate {
    let requests = usage.requests as f64;
    let (memory_mb, arm64) = sizing(resources, &function, usage);
    let queued = queued(resources, &function);
    // A queued agent's entry function only enqueues (and answers each poll of a REST client);
    // the runner runs the agent.
    let polls = match (&queued, front_door) {
        (Some(_), FrontDoor::RestApi | FrontDoor::StreamingRestApi) => usage.polls,
        _ => 0,
    };
    let entry_usage = Usage {
        requests: usage.requests * (1 + polls),
        duration: if queued.is_some() { usage.handler_duration } else { usage.duration },
        ..*usage
    };
    let (front_door_requests, lambda_requests, lambda_duration, streamed_bytes) = price(front_door, &entry_usage, memory_mb, arm64);
    let agent = queued.as_ref().map_or(function.as_str(), |q| q.runner.as_str());
    let mut invocations = (1 + polls) as f64;
    let (mut backend_lambda, mut sqs, mut dynamodb) = (0.0, 0.0, 0.0);
    if let Some(q) = &queued {
        let runner = sizing(resources, &q.runner, usage);
        let (r, d) = lambda_fees(requests, usage.duration, runner.0, runner.1);
        backend_lambda += r + d;
        invocations += 1.0;
        if let Some(responder) = &q.responder {
            let sized = sizing(resources, responder, usage);
            let (r, d) = lambda_fees(requests, usage.handler_duration, sized.0, sized.1);
            backend_lambda += r + d;
            invocations += 1.0;
        }
        // Send, receive and delete on each queue the message passes.
        for (used, fifo) in [(true, q.fifo[0]), (q.responder.is_some(), q.fifo[1])] {
            if used {
                sqs += 3.0 * requests * if fifo { prices::SQS_FIFO_REQUEST } else { prices::SQS_STANDARD_REQUEST };
            }
        }
        // The responses table: written pending, then done; read by each poll.
        dynamodb += requests * (2.0 * prices::DYNAMODB_WRITE_UNIT + polls as f64 * prices::DYNAMODB_READ_UNIT);
    }
    if env_var(resources, agent, env::SESSIONS_TABLE).is_some() {
        let kb = usage.session_kb.max(1) as f64;
        dynamodb += requests * ((kb / 4.0).ceil() * prices::DYNAMODB_READ_UNIT + kb * prices::DYNAMODB_WRITE_UNIT);
    }
    let model_id = env_var(resources, agent, env::MODEL_ID).and_then(Json::as_str).map(str::to_owned);
    let bedrock = env_var(resources, agent, env::MODEL_PROVIDER).and_then(Json::as_str) == Some(env::Provider::Bedrock.as_str());
    let model = model_id.as_deref().filter(|_| bedrock).and_then(|m| model_cost(m, usage));
    let logs = requests * invocations * usage.log_bytes as f64 / 1_073_741_824.0 * prices::LOGS_INGESTED_GB;
    Estimate {
        logical_id: id.to_owned(),
        front_door,
        function,
        memory_mb,
        arm64,
        front_door_requests,
        lambda_requests,
        lambda_duration,
        streamed_bytes,
        backend_lambda,
        model_id,
        model,
        sqs,
        dynamodb,
        logs,
        waf: waf(resources, id, front_door, usage),
    }
}

/// WAF on the front door `id` (the web ACL associated with a REST API, or attached to the
/// CloudFront distribution whose origin is a Function URL) and that distribution's fees.
fn waf(resources: &Resources, id: &str, front_door: FrontDoor, usage: &Usage) -> f64 {
    let requests = usage.requests as f64;
    let (acl, cdn) = match front_door {
        FrontDoor::RestApi | FrontDoor::StreamingRestApi => {
            let acl = resources.values().find_map(|a| {
                let props = &a["Properties"];
                let vars = props["ResourceArn"].get("Fn::Sub")?.get(1)?;
                (a["Type"] == "AWS::WAFv2::WebACLAssociation" && vars.as_object()?.values().any(|v| refers_to(v, id)))
                    .then(|| props["WebACLArn"].clone())
            });
            (acl, 0.0)
        }
        FrontDoor::FunctionUrl | FrontDoor::StreamingFunctionUrl => {
            let Some(config) = resources.values().find_map(|d| {
                let config = &d["Properties"]["DistributionConfig"];
                let origins = config["Origins"].as_array()?;
                (d["Type"] == "AWS::CloudFront::Distribution"
                    && origins.iter().any(|o| serde_json::to_string(&o["DomainName"]).is_ok_and(|t| t.contains(&format!("\"{id}\"")))))
                .then_some(config)
            }) else {
                return 0.0;
            };
            let out_gb = requests * usage.response_bytes as f64 / 1_073_741_824.0;
            (Some(config["WebACLId"].clone()), requests * prices::CLOUDFRONT_HTTPS_REQUEST + out_gb * prices::CLOUDFRONT_OUT_GB)
        }
        FrontDoor::WebSocket => (None, 0.0),
    };
    let Some(acl) = acl.filter(|a| !a.is_null()) else { return cdn };
    // A web ACL of this template: its monthly fees count here; an existing one's are paid once elsewhere.
    let monthly = target_function(&acl)
        .and_then(|acl| resources.get(&acl))
        .and_then(|acl| acl["Properties"]["Rules"].as_array())
        .map_or(0.0, |rules| prices::WAF_WEB_ACL_MONTH + rules.len() as f64 * prices::WAF_RULE_MONTH);
    cdn + monthly + requests * prices::WAF_REQUEST
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
