//! Published prices, us-east-1, in US dollars, no free tier (<https://aws.amazon.com/lambda/pricing/>,
//! <https://aws.amazon.com/api-gateway/pricing/>, <https://aws.amazon.com/sqs/pricing/>,
//! <https://aws.amazon.com/dynamodb/pricing/on-demand/>, <https://aws.amazon.com/cloudwatch/pricing/>).
//! One table: change prices here only; model prices are in [`super::models`].
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
/// API Gateway WebSocket, per message (first billion a month), counted in 32 KB increments.
pub const WEBSOCKET_MESSAGE: f64 = 1.00 / 1_000_000.0;
/// API Gateway WebSocket, per connection minute.
pub const WEBSOCKET_CONNECTION_MINUTE: f64 = 0.25 / 1_000_000.0;
/// SQS standard queue, per request (64 KB chunk), beyond the free tier.
pub const SQS_STANDARD_REQUEST: f64 = 0.40 / 1_000_000.0;
/// SQS FIFO queue, per request (64 KB chunk).
pub const SQS_FIFO_REQUEST: f64 = 0.50 / 1_000_000.0;
/// DynamoDB on-demand, per write request unit (1 KB).
pub const DYNAMODB_WRITE_UNIT: f64 = 0.625 / 1_000_000.0;
/// DynamoDB on-demand, per read request unit (4 KB strongly consistent).
pub const DYNAMODB_READ_UNIT: f64 = 0.125 / 1_000_000.0;
/// CloudWatch Logs (standard class), per GB ingested.
pub const LOGS_INGESTED_GB: f64 = 0.50;
/// AWS WAF, per web ACL a month (<https://aws.amazon.com/waf/pricing/>).
pub const WAF_WEB_ACL_MONTH: f64 = 5.00;
/// AWS WAF, per rule or rule group in a web ACL a month (the AWS managed groups agentcdk uses
/// have no subscription fee of their own).
pub const WAF_RULE_MONTH: f64 = 1.00;
/// AWS WAF, per request inspected (up to 1,500 WCUs and the default body inspection size).
pub const WAF_REQUEST: f64 = 0.60 / 1_000_000.0;
/// CloudFront, per HTTPS request (United States, Mexico and Canada; <https://aws.amazon.com/cloudfront/pricing/>).
pub const CLOUDFRONT_HTTPS_REQUEST: f64 = 0.0100 / 10_000.0;
/// CloudFront, per GB transferred out to the internet (first 10 TB, United States).
pub const CLOUDFRONT_OUT_GB: f64 = 0.085;
