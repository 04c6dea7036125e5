//! The estimates as a text table (one row per front door, a total per stack) or as JSON.

use serde_json::{json, Value};

use super::{models, Estimate, Usage};

fn dollars(x: f64) -> String {
    format!("${x:.2}")
}

/// The assumptions, then one row per front door and the stack's total.
pub fn report(estimates: &[Estimate], usage: &Usage) -> String {
    let mut s = format!(
        "{} requests/month: {:?} per run ({:?} for a queued agent's handlers), {} bytes per answer; \
         {} model calls per request of {} input + {} output tokens; {} KB sessions, {} polls, {} WebSocket minutes, {} log bytes per invocation\n\
         prices: {} (constructs/src/cost/prices.rs; Bedrock on demand: {}, constructs/src/cost/models.rs), no free tier\n",
        usage.requests,
        usage.duration,
        usage.handler_duration,
        usage.response_bytes,
        usage.turns,
        usage.input_tokens,
        usage.output_tokens,
        usage.session_kb,
        usage.polls,
        usage.connection_minutes,
        usage.log_bytes,
        models::PRICE_REGION,
        models::PRICE_SOURCE,
    );
    s.push_str(&format!(
        "{:<40} {:<28} {:>11} {:>10} {:>12} {:>12} {:>10} {:>10} {:>12}\n",
        "front door", "kind", "front door", "lambda", "model", "sqs+dynamodb", "logs", "waf+cdn", "total"
    ));
    for e in estimates {
        let model = match (&e.model, &e.model_id) {
            (Some(cost), _) => dollars(*cost),
            (None, Some(_)) => "not priced".to_owned(),
            (None, None) => "-".to_owned(),
        };
        s.push_str(&format!(
            "{:<40} {:<28} {:>11} {:>10} {:>12} {:>12} {:>10} {:>10} {:>12}\n",
            e.logical_id,
            e.front_door.to_string(),
            dollars(e.front_door_requests),
            dollars(e.lambda() + e.backend_lambda),
            model,
            dollars(e.sqs + e.dynamodb),
            dollars(e.logs),
            dollars(e.waf),
            dollars(e.total())
        ));
        if let (None, Some(id)) = (&e.model, &e.model_id) {
            s.push_str(&format!("  model {id} is not in the Bedrock price table: its tokens are not counted\n"));
        }
    }
    let total: f64 = estimates.iter().map(Estimate::total).sum();
    s.push_str(&format!(
        "{:<40} {:<28} {:>11} {:>10} {:>12} {:>12} {:>10} {:>10} {:>12}\n",
        "total",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        dollars(total)
    ));
    s
}

/// One estimate as JSON (US dollars a month, unrounded).
fn estimate_json(e: &Estimate) -> Value {
    json!({
        "frontDoor": e.logical_id,
        "kind": e.front_door.to_string(),
        "function": e.function,
        "memoryMb": e.memory_mb,
        "arm64": e.arm64,
        "modelId": e.model_id,
        "costs": {
            "frontDoor": e.front_door_requests,
            "lambda": e.lambda(),
            "backendLambda": e.backend_lambda,
            "model": e.model,
            "sqs": e.sqs,
            "dynamodb": e.dynamodb,
            "logs": e.logs,
            "waf": e.waf,
            "total": e.total(),
        }
    })
}

/// Every stack's estimates and totals, with the usage and the price sources.
pub fn report_json(stacks: &[(String, Vec<Estimate>)], usage: &Usage) -> Value {
    let stacks: Vec<Value> = stacks
        .iter()
        .map(|(name, estimates)| {
            json!({
                "stack": name,
                "frontDoors": estimates.iter().map(estimate_json).collect::<Vec<_>>(),
                "total": estimates.iter().map(Estimate::total).sum::<f64>(),
            })
        })
        .collect();
    json!({
        "currency": "USD",
        "period": "month",
        "region": models::PRICE_REGION,
        "modelPrices": models::PRICE_SOURCE,
        "usage": {
            "requests": usage.requests,
            "durationMs": usage.duration.as_millis() as u64,
            "handlerDurationMs": usage.handler_duration.as_millis() as u64,
            "responseBytes": usage.response_bytes,
            "turns": usage.turns,
            "inputTokens": usage.input_tokens,
            "outputTokens": usage.output_tokens,
            "polls": usage.polls,
            "connectionMinutes": usage.connection_minutes,
            "logBytes": usage.log_bytes,
            "sessionKb": usage.session_kb,
        },
        "stacks": stacks,
        "total": stacks_total(&stacks),
    })
}

fn stacks_total(stacks: &[Value]) -> f64 {
    stacks.iter().filter_map(|s| s["total"].as_f64()).sum()
}
