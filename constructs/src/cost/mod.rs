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

pub mod models;
pub mod prices;
mod template;
#[cfg(test)]
mod tests;

pub use template::estimate;

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

/// A text table of the estimates.
pub fn report(estimates: &[Estimate], usage: &Usage) -> String {
    let mut s = format!(
        "{} requests/month at {:?} average ({} bytes per response); prices: constructs/src/cost/prices.rs\n",
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
