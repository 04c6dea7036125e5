//! Monthly cost estimates per front door, read from a synthesized template.
//!
//! A front door is what a client calls: a REST API (API Gateway v1), a Lambda Function URL or a
//! WebSocket API. For N requests a month, each costs its own fees (REST/URL requests; WebSocket
//! messages in 32 KB increments and connection minutes) plus what runs behind it:
//!
//! - the entry function: requests and GB-seconds at its memory and architecture, and streamed
//!   bytes for response streaming (a streaming URL, or a REST method with
//!   `responseTransferMode: STREAM`, which API Gateway also bills per started 10 MB);
//! - for a queued agent (Queue and WebSocket modes: the entry function's `INPUT_QUEUE_URL` leads
//!   to the runner's event source mapping): the entry function at the short handler duration,
//!   the agent runner at the run's duration, the response handler, the SQS requests (send,
//!   receive and delete on the input and output queues; FIFO priced as FIFO), and the responses
//!   table (two writes, the client's polls as reads);
//! - the model: calls per request × tokens per call at the Bedrock on-demand price of the
//!   agent's `MODEL_ID` ([`models`]; a model outside the table, e.g. an OpenAI-compatible one,
//!   is shown as not priced);
//! - the session history (`SESSIONS_TABLE`): one read and one write per request;
//! - CloudWatch Logs ingestion: log bytes per invocation of each function above.
//!
//! Free tiers are ignored (they are per account, not per stack). Not priced: the authorizer's
//! invocations (cached per token), KMS requests, the WebSocket `$connect` handler, data
//! transfer, AgentCore runtimes.
//!
//! Getting the arithmetic right matters: a widely quoted comparison says 1M requests at 5 s and
//! 512 MB cost ~$4.12 behind API Gateway and ~$0.62 on a Function URL — figures that hold for
//! 50 ms. At 5 s the Lambda part alone is 1M × 5 s × 0.5 GB = 2.5M GB-s ≈ $41.67, plus $0.20
//! of requests: ~$41.87.

use std::fmt;
use std::time::Duration;

pub mod models;
pub mod prices;
mod report;
mod template;
#[cfg(test)]
mod tests;

pub use report::{report, report_json};
pub use template::estimate;

/// Default model calls per request (a turn that calls one tool, then answers).
pub const DEFAULT_TURNS: u32 = 2;
/// Default input tokens per model call (system prompt, history, tool results).
pub const DEFAULT_INPUT_TOKENS: u64 = 2_000;
/// Default output tokens per model call.
pub const DEFAULT_OUTPUT_TOKENS: u64 = 400;
/// Default duration of a queued agent's short functions (request handler, response handler), ms.
pub const DEFAULT_HANDLER_MS: u64 = 100;
/// Default polls of `GET …/responses/{id}` per request to a queued REST agent.
pub const DEFAULT_POLLS: u64 = 2;
/// Default minutes a WebSocket client stays connected per request.
pub const DEFAULT_CONNECTION_MINUTES: f64 = 2.0;
/// Default log bytes each invocation writes.
pub const DEFAULT_LOG_BYTES: u64 = 2_048;
/// Default size of a session's history, KB.
pub const DEFAULT_SESSION_KB: u64 = 4;

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
    /// Model calls per request. Default: [`DEFAULT_TURNS`].
    pub turns: u32,
    /// Input tokens per model call. Default: [`DEFAULT_INPUT_TOKENS`].
    pub input_tokens: u64,
    /// Output tokens per model call. Default: [`DEFAULT_OUTPUT_TOKENS`].
    pub output_tokens: u64,
    /// Duration of a queued agent's request handler and response handler. Default:
    /// [`DEFAULT_HANDLER_MS`]; `duration` is then the runner's.
    pub handler_duration: Duration,
    /// Polls per request to a queued REST agent. Default: [`DEFAULT_POLLS`].
    pub polls: u64,
    /// WebSocket connection minutes per request. Default: [`DEFAULT_CONNECTION_MINUTES`].
    pub connection_minutes: f64,
    /// Log bytes per invocation. Default: [`DEFAULT_LOG_BYTES`].
    pub log_bytes: u64,
    /// Session history size, KB. Default: [`DEFAULT_SESSION_KB`].
    pub session_kb: u64,
}

impl Default for Usage {
    /// 1M requests a month of 1 s each, 4 KB answers, the template's memory and architecture,
    /// and the `DEFAULT_*` constants.
    fn default() -> Self {
        Usage {
            requests: 1_000_000,
            duration: Duration::from_secs(1),
            response_bytes: 4096,
            memory_mb: None,
            arm64: None,
            turns: DEFAULT_TURNS,
            input_tokens: DEFAULT_INPUT_TOKENS,
            output_tokens: DEFAULT_OUTPUT_TOKENS,
            handler_duration: Duration::from_millis(DEFAULT_HANDLER_MS),
            polls: DEFAULT_POLLS,
            connection_minutes: DEFAULT_CONNECTION_MINUTES,
            log_bytes: DEFAULT_LOG_BYTES,
            session_kb: DEFAULT_SESSION_KB,
        }
    }
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
    /// API Gateway WebSocket API.
    WebSocket,
}

impl fmt::Display for FrontDoor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrontDoor::RestApi => "API Gateway REST",
            FrontDoor::StreamingRestApi => "API Gateway REST (streaming)",
            FrontDoor::FunctionUrl => "Function URL",
            FrontDoor::StreamingFunctionUrl => "Function URL (streaming)",
            FrontDoor::WebSocket => "API Gateway WebSocket",
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
    /// A queued agent's runner and response handler: Lambda requests and GB-seconds (0 inline).
    pub backend_lambda: f64,
    /// The model the agent calls (its `MODEL_ID`), if the template names one.
    pub model_id: Option<String>,
    /// Model tokens; `None` when the model is not in the Bedrock table ([`models`]).
    pub model: Option<f64>,
    /// SQS requests of a queued agent.
    pub sqs: f64,
    /// DynamoDB request units: sessions, responses.
    pub dynamodb: f64,
    /// CloudWatch Logs ingestion.
    pub logs: f64,
    /// AWS WAF on the front door (web ACL, rules, requests) and the CloudFront distribution a
    /// WAF-protected Function URL sits behind (requests, data out); 0 without.
    pub waf: f64,
}

impl Estimate {
    /// Everything (a model outside the table counts 0).
    pub fn total(&self) -> f64 {
        self.front_door_requests
            + self.lambda()
            + self.backend_lambda
            + self.model.unwrap_or(0.0)
            + self.sqs
            + self.dynamodb
            + self.logs
            + self.waf
    }

    /// The entry function's Lambda part.
    pub fn lambda(&self) -> f64 {
        self.lambda_requests + self.lambda_duration + self.streamed_bytes
    }
}

/// Lambda fees for `invocations` of `duration` at `memory_mb`: (requests, GB-seconds).
pub fn lambda_fees(invocations: f64, duration: Duration, memory_mb: u32, arm64: bool) -> (f64, f64) {
    let gb_second = if arm64 { prices::LAMBDA_GB_SECOND_ARM } else { prices::LAMBDA_GB_SECOND_X86 };
    (invocations * prices::LAMBDA_REQUEST, invocations * duration.as_secs_f64() * f64::from(memory_mb) / 1024.0 * gb_second)
}

/// The model's cost for `usage`, if `model_id` is in the Bedrock table.
pub fn model_cost(model_id: &str, usage: &Usage) -> Option<f64> {
    let (input, output) = models::token_prices(model_id)?;
    let calls = usage.requests as f64 * f64::from(usage.turns);
    Some(calls * (usage.input_tokens as f64 * input + usage.output_tokens as f64 * output) / 1_000_000.0)
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
        FrontDoor::WebSocket => {
            // The client's message in, the reply out, each billed per started 32 KB.
            let reply = (usage.response_bytes as f64 / 32_768.0).ceil().max(1.0);
            requests * (1.0 + reply) * prices::WEBSOCKET_MESSAGE + requests * usage.connection_minutes * prices::WEBSOCKET_CONNECTION_MINUTE
        }
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
