//! Published prices, us-east-1, in US dollars. One table: change prices here only.
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
