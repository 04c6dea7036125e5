//! Environment variable names the constructs set and the handlers read, with their defaults.
//!
//! The AWS SDK clients additionally honour the standard `AWS_ENDPOINT_URL` /
//! `AWS_ENDPOINT_URL_<SERVICE>` variables; the tests use them to point at moto_server.

// ---- routing (request-handler) ----

/// Path prefix in front of the versioned routes, e.g. `/api`. Default: empty.
pub const API_BASE_PATH: &str = "API_BASE_PATH";
/// Version segment of the routes, e.g. `v1`. Default: [`DEFAULT_API_VERSION`]; empty disables it.
pub const API_VERSION: &str = "API_VERSION";
/// Default of [`API_VERSION`].
pub const DEFAULT_API_VERSION: &str = "v1";
/// Path segment of the chat endpoint: `POST {base}/{version}/{endpoint}`, and
/// `GET {base}/{version}/{endpoint}/responses/{request_id}`. Default: [`DEFAULT_AGENT_ENDPOINT`].
pub const AGENT_ENDPOINT: &str = "AGENT_ENDPOINT";
/// Default of [`AGENT_ENDPOINT`].
pub const DEFAULT_AGENT_ENDPOINT: &str = "chat";
/// How the request-handler answers a chat: an [`AgentMode`]. Default: [`AgentMode::Sync`].
pub const AGENT_MODE: &str = "AGENT_MODE";
crate::string_enum! {
    /// The values of [`AGENT_MODE`].
    #[derive(Default)]
    pub enum AgentMode {
        /// Run the agent inside the request and return the reply.
        #[default]
        Sync => "sync",
        /// Enqueue, answer 202 with the request id, client polls GET responses.
        Queue => "queue",
        /// Messages arrive over a WebSocket API; replies are pushed back.
        WebSocket => "websocket",
    }
}
/// `true`: requests without an authorizer context run as user [`ANONYMOUS_USER_ID`] (for APIs
/// deliberately deployed without an authorizer). Default: `false` (such requests get 401).
pub const ALLOW_ANONYMOUS: &str = "ALLOW_ANONYMOUS";
/// User id of anonymous callers when [`ALLOW_ANONYMOUS`] is `true`.
pub const ANONYMOUS_USER_ID: &str = "anonymous";
/// `true`: the function's Function URL is reached only through CloudFront's Origin Access
/// Control (`waf` on a Function URL front door), so the URL request's IAM identity is the
/// distribution's, never the caller's: the handler ignores it (callers are anonymous, and
/// [`ALLOW_ANONYMOUS`] decides). Default: `false`.
pub const URL_SIGNED_BY_CLOUDFRONT: &str = "URL_SIGNED_BY_CLOUDFRONT";
/// Largest accepted request body in bytes. Default: [`DEFAULT_MAX_BODY_BYTES`].
pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
/// Default of [`MAX_BODY_BYTES`]: leaves room in the 256 KiB SQS message for the envelope.
pub const DEFAULT_MAX_BODY_BYTES: usize = 100 * 1024;

// ---- queues and tables ----

/// URL of the input queue (request-handler sends, agent-runner consumes).
pub const INPUT_QUEUE_URL: &str = "INPUT_QUEUE_URL";
/// URL of the output queue (agent-runner sends, response-handler consumes).
pub const OUTPUT_QUEUE_URL: &str = "OUTPUT_QUEUE_URL";
/// `maxReceiveCount` of the input queue's redrive policy: on the last receive the agent-runner
/// reports the request as failed to its client before the message moves to the DLQ.
/// Default: [`DEFAULT_MAX_RECEIVE_COUNT`].
pub const MAX_RECEIVE_COUNT: &str = "MAX_RECEIVE_COUNT";
/// Default of [`MAX_RECEIVE_COUNT`].
pub const DEFAULT_MAX_RECEIVE_COUNT: u32 = 3;
/// URL of the input queue's dead-letter queue: the agent-runner moves a record it gives up on
/// (permanent error, or retries exhausted) there itself and reports it done, so a FIFO session's
/// later turns are not held behind it. Default: unset (the record fails back to SQS until the
/// redrive policy moves it, holding its FIFO group for `maxReceiveCount` × visibility timeout).
pub const DEAD_LETTER_QUEUE_URL: &str = "DEAD_LETTER_QUEUE_URL";
/// Seconds before the first retry of a retryable failure; each later receive doubles it
/// (`base × 2^(receive − 1)`, capped at [`RETRY_MAX_SECONDS`]), set with
/// ChangeMessageVisibility instead of waiting out the visibility timeout.
/// Default: [`DEFAULT_RETRY_BASE_SECONDS`].
pub const RETRY_BASE_SECONDS: &str = "RETRY_BASE_SECONDS";
/// Default of [`RETRY_BASE_SECONDS`].
pub const DEFAULT_RETRY_BASE_SECONDS: u32 = 2;
/// Longest retry delay, seconds. Default: [`DEFAULT_RETRY_MAX_SECONDS`].
pub const RETRY_MAX_SECONDS: &str = "RETRY_MAX_SECONDS";
/// Default of [`RETRY_MAX_SECONDS`].
pub const DEFAULT_RETRY_MAX_SECONDS: u32 = 60;
/// S3 bucket for replies too large to travel inline (over 256 KiB as a queue message, or over
/// 400 KB in the responses item with its two copies): the agent-runner writes the text there
/// and passes a reference; readers (response-handler, request-handler) fetch it. Objects live
/// as long as stored responses (lifecycle expiration). Default: unset (such a reply fails the
/// request with `agent_failed`).
pub const REPLY_BUCKET: &str = "REPLY_BUCKET";
/// Name of the responses table (key [`crate::keys::RESPONSES_PK`]).
pub const RESPONSES_TABLE: &str = "RESPONSES_TABLE";
/// Name of the sessions (conversation history) table (key [`crate::keys::SESSIONS_PK`]).
/// Unset in Sync mode means stateless conversations.
pub const SESSIONS_TABLE: &str = "SESSIONS_TABLE";
/// Name of the WebSocket connections table (key [`crate::keys::CONNECTIONS_PK`]).
pub const CONNECTIONS_TABLE: &str = "CONNECTIONS_TABLE";
/// Seconds a stored response lives (DynamoDB TTL). Default: [`DEFAULT_RESPONSE_TTL_SECONDS`].
pub const RESPONSE_TTL_SECONDS: &str = "RESPONSE_TTL_SECONDS";
/// Default of [`RESPONSE_TTL_SECONDS`]: one day.
pub const DEFAULT_RESPONSE_TTL_SECONDS: u64 = 86_400;
/// Seconds a connection record lives. Default: [`DEFAULT_CONNECTION_TTL_SECONDS`].
pub const CONNECTION_TTL_SECONDS: &str = "CONNECTION_TTL_SECONDS";
/// Default of [`CONNECTION_TTL_SECONDS`]: two hours, API Gateway's WebSocket connection limit.
pub const DEFAULT_CONNECTION_TTL_SECONDS: u64 = 7_200;
/// Seconds a session's history lives after its last turn. Default: [`DEFAULT_SESSION_TTL_SECONDS`].
pub const SESSION_TTL_SECONDS: &str = "SESSION_TTL_SECONDS";
/// Default of [`SESSION_TTL_SECONDS`]: seven days.
pub const DEFAULT_SESSION_TTL_SECONDS: u64 = 604_800;
/// Messages of history kept per session (oldest dropped first). Default: [`DEFAULT_HISTORY_MAX_MESSAGES`].
pub const HISTORY_MAX_MESSAGES: &str = "HISTORY_MAX_MESSAGES";
/// Default of [`HISTORY_MAX_MESSAGES`].
pub const DEFAULT_HISTORY_MAX_MESSAGES: usize = 40;
/// WebSocket Management API endpoint (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`).
/// Default: derived from the message event's domain name and stage.
pub const WEBSOCKET_CALLBACK_URL: &str = "WEBSOCKET_CALLBACK_URL";

// ---- model ----

/// The agent's name in its metrics (the `Agent` dimension, [`crate::metrics`]): its construct
/// path, set by the constructs. Default: the function name (`AWS_LAMBDA_FUNCTION_NAME`).
pub const AGENT_NAME: &str = "AGENT_NAME";

/// Model provider: a [`Provider`]. Default: [`Provider::Bedrock`].
pub const MODEL_PROVIDER: &str = "MODEL_PROVIDER";
crate::string_enum! {
    /// The values of [`MODEL_PROVIDER`].
    #[derive(Default)]
    pub enum Provider {
        /// Amazon Bedrock Converse API.
        #[default]
        Bedrock => "bedrock",
        /// An OpenAI-compatible chat completions API.
        OpenAi => "openai",
    }
}
/// Model id (Bedrock model or inference profile id, or the OpenAI model name). Required.
pub const MODEL_ID: &str = "MODEL_ID";
/// System prompt of the agent. Default: empty (no system prompt).
pub const SYSTEM_PROMPT: &str = "SYSTEM_PROMPT";
/// Largest number of output tokens per model call. Default: [`DEFAULT_MAX_TOKENS`].
pub const MAX_TOKENS: &str = "MAX_TOKENS";
/// Default of [`MAX_TOKENS`].
pub const DEFAULT_MAX_TOKENS: u32 = 4_096;
/// Largest number of model calls in one agent run (tool-use loop bound). Default: [`DEFAULT_MAX_TURNS`].
pub const MAX_TURNS: &str = "MAX_TURNS";
/// Default of [`MAX_TURNS`].
pub const DEFAULT_MAX_TURNS: u32 = 8;
/// Base URL of the OpenAI-compatible API, up to and without `/chat/completions`.
/// Default: [`DEFAULT_OPENAI_BASE_URL`].
pub const OPENAI_BASE_URL: &str = "OPENAI_BASE_URL";
/// Default of [`OPENAI_BASE_URL`].
pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// API key of the OpenAI-compatible API, given directly (prefer [`OPENAI_API_KEY_SECRET_ARN`]).
pub const OPENAI_API_KEY: &str = "OPENAI_API_KEY";
/// Secrets Manager secret (ARN or name) whose SecretString is the OpenAI API key; read once at init.
pub const OPENAI_API_KEY_SECRET_ARN: &str = "OPENAI_API_KEY_SECRET_ARN";

// ---- auth (authorizer, ws-connection) ----

/// URL of the JSON Web Key Set that signs the tokens. Required.
pub const JWKS_URL: &str = "JWKS_URL";
/// Expected `iss` claim. Required.
pub const JWT_ISSUER: &str = "JWT_ISSUER";
/// Accepted `aud` values, comma separated; the token must carry at least one. Required unless
/// [`JWT_ALLOWED_CLIENTS`] is set (Cognito access tokens carry no `aud`); when unset, `aud` is
/// not checked.
pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";
/// Accepted client ids, comma separated; the claim [`JWT_CLIENT_ID_CLAIM`] must be one of them
/// (a missing claim is refused). Required unless [`JWT_AUDIENCE`] is set. Default: any client.
pub const JWT_ALLOWED_CLIENTS: &str = "JWT_ALLOWED_CLIENTS";
/// Claim naming the client a token was issued to, checked against [`JWT_ALLOWED_CLIENTS`]:
/// `client_id` (Cognito access tokens), `azp` (Auth0, Entra ID, Keycloak), `cid` (Okta).
/// Default: [`DEFAULT_JWT_CLIENT_ID_CLAIM`].
pub const JWT_CLIENT_ID_CLAIM: &str = "JWT_CLIENT_ID_CLAIM";
/// Default of [`JWT_CLIENT_ID_CLAIM`].
pub const DEFAULT_JWT_CLIENT_ID_CLAIM: &str = "client_id";
/// The `token_use` claim a token must carry, [`TokenUse::Access`] or [`TokenUse::Id`] (Amazon
/// Cognito marks its access and ID tokens so; one must never pass for the other). Default:
/// not checked.
pub const JWT_TOKEN_USE: &str = "JWT_TOKEN_USE";

crate::string_enum! {
    /// The values of [`JWT_TOKEN_USE`] and of Cognito's `token_use` claim.
    pub enum TokenUse {
        /// `access`: an access token (`client_id`, `scope`, no `aud`).
        Access => "access",
        /// `id`: an ID token (`aud` = the app client id).
        Id => "id",
    }
}

/// Scopes the token must all carry (`scope` string or `scp` array), space or comma separated.
/// Default: none.
pub const JWT_REQUIRED_SCOPES: &str = "JWT_REQUIRED_SCOPES";
/// Custom claim rules as a JSON object: `{"claim": "value"}` (equal) or
/// `{"claim": ["a", "b"]}` (one of; for array claims: contains one of). Default: none.
pub const JWT_CLAIM_RULES: &str = "JWT_CLAIM_RULES";
/// Claim holding the user id. Default: [`DEFAULT_JWT_USER_ID_CLAIM`].
pub const JWT_USER_ID_CLAIM: &str = "JWT_USER_ID_CLAIM";
/// Default of [`JWT_USER_ID_CLAIM`].
pub const DEFAULT_JWT_USER_ID_CLAIM: &str = "sub";
/// Clock skew allowed on `exp`, `nbf` and `iat`, seconds. Default: [`DEFAULT_JWT_LEEWAY_SECONDS`].
pub const JWT_LEEWAY_SECONDS: &str = "JWT_LEEWAY_SECONDS";
/// Default of [`JWT_LEEWAY_SECONDS`].
pub const DEFAULT_JWT_LEEWAY_SECONDS: u64 = 30;
/// Seconds a fetched JWKS is trusted before a refetch. Default: [`DEFAULT_JWKS_CACHE_SECONDS`].
pub const JWKS_CACHE_SECONDS: &str = "JWKS_CACHE_SECONDS";
/// Default of [`JWKS_CACHE_SECONDS`].
pub const DEFAULT_JWKS_CACHE_SECONDS: u64 = 3_600;
/// Seconds cached keys keep verifying after [`JWKS_CACHE_SECONDS`] while a refetch fails or
/// hangs: requests are served from the cache and the JWKS is refetched in the background (one
/// fetch at a time, at most one every 10 s), so an issuer outage adds no latency and locks no
/// one out. A removed key stops verifying at the first successful refetch. Default:
/// [`DEFAULT_JWKS_GRACE_SECONDS`].
pub const JWKS_GRACE_SECONDS: &str = "JWKS_GRACE_SECONDS";
/// Default of [`JWKS_GRACE_SECONDS`]: one day, longer than any IdP outage we expect.
pub const DEFAULT_JWKS_GRACE_SECONDS: u64 = 86_400;

// ---- streaming (stream-handler, agentcore-proxy) ----

/// How the function answers: a [`ResponseMode`]. Must match the front door: a Function URL
/// with InvokeMode RESPONSE_STREAM or an API Gateway method with responseTransferMode STREAM
/// streams. Default: [`ResponseMode::Buffered`].
pub const RESPONSE_MODE: &str = "RESPONSE_MODE";
crate::string_enum! {
    /// The values of [`RESPONSE_MODE`].
    #[derive(Default)]
    pub enum ResponseMode {
        /// One JSON response.
        #[default]
        Buffered => "buffered",
        /// Lambda response streaming: chunks leave as they are produced.
        Stream => "stream",
    }
}

// ---- AgentCore front door (agentcore-proxy) ----

/// ARN of the AgentCore runtime the proxy invokes. Required.
pub const AGENT_RUNTIME_ARN: &str = "AGENT_RUNTIME_ARN";
/// Endpoint (qualifier) of the runtime. Default: [`DEFAULT_AGENT_RUNTIME_QUALIFIER`].
pub const AGENT_RUNTIME_QUALIFIER: &str = "AGENT_RUNTIME_QUALIFIER";
/// Default of [`AGENT_RUNTIME_QUALIFIER`]: the endpoint AgentCore creates with every runtime.
pub const DEFAULT_AGENT_RUNTIME_QUALIFIER: &str = "DEFAULT";
/// How the proxy authenticates to the runtime: a [`RuntimeAuth`]. Default: [`RuntimeAuth::Iam`].
pub const AGENT_RUNTIME_AUTH: &str = "AGENT_RUNTIME_AUTH";
crate::string_enum! {
    /// The values of [`AGENT_RUNTIME_AUTH`].
    #[derive(Default)]
    pub enum RuntimeAuth {
        /// SigV4 with the function's role (runtime authorizer IAM).
        #[default]
        Iam => "iam",
        /// The caller's `Authorization: Bearer` token is passed on (runtime authorizer
        /// CUSTOM_JWT, which verifies it); requests without one get 401.
        Jwt => "jwt",
    }
}
/// Client request headers passed on to the runtime, comma separated (case-insensitive). Each is
/// sent as `X-Amzn-Bedrock-AgentCore-Runtime-Custom-<Name>` (a leading `x-` dropped) unless it
/// already carries that prefix; every other client header is dropped. The runtime's own request
/// header allowlist must list the mapped names. Default: none.
pub const FORWARD_HEADERS: &str = "FORWARD_HEADERS";

// ---- agent backends (agent handlers; see crate::backend) ----

/// Who runs the agent's turn: a [`BackendConfig`](crate::backend::BackendConfig) as JSON
/// (`{"kind": "function"|"agentcore", "arn": …}`), parsed by
/// [`parse_backend`](crate::backend::parse_backend). Default: unset (the builtin loop, which
/// needs the model variables).
pub const AGENT_BACKEND: &str = "AGENT_BACKEND";
/// The AWS SDKs' endpoint override for AgentCore alone (the `InvokeAgentRuntime` of an
/// AgentCore backend; the tests point it at a local peer). Default: unset.
pub const AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: &str = "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE";

// ---- AgentCore runtime (set by the constructs on an agent's runtime) ----

/// Id of the AgentCore Memory the agent's runtime may use (set by `AgentCoreRuntime`'s memory
/// wiring). Default: unset (no memory).
pub const AGENTCORE_MEMORY_ID: &str = "AGENTCORE_MEMORY_ID";
/// URL of the AgentCore Gateway (MCP endpoint) the agent's runtime may call (set by
/// `AgentCoreRuntime`'s gateway wiring). Default: unset (no gateway).
pub const AGENTCORE_GATEWAY_URL: &str = "AGENTCORE_GATEWAY_URL";

// ---- AWS SDK endpoints (standard names; `cargo agentcdk dev` and the tests set them) ----

/// The AWS SDKs' endpoint override for every client (moto_server in dev and the tests).
/// Default: unset (the real AWS endpoints).
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// The AWS SDKs' endpoint override for Bedrock Runtime alone (lets Bedrock reach AWS while the
/// other clients use [`AWS_ENDPOINT_URL`]). Default: unset.
pub const AWS_ENDPOINT_URL_BEDROCK_RUNTIME: &str = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME";

// ---- tools over MCP (agent handlers; see crate::mcp) ----

/// MCP servers whose tools the agent may call: a JSON array of
/// [`McpServerConfig`](crate::mcp::McpServerConfig), parsed by
/// [`parse_servers`](crate::mcp::parse_servers). Default: none (no MCP tools).
pub const MCP_SERVERS: &str = "MCP_SERVERS";
/// Lambda functions the agent calls directly as tools: a JSON array of
/// [`LambdaToolConfig`](crate::tools::LambdaToolConfig), parsed by
/// [`parse_lambda_tools`](crate::tools::parse_lambda_tools). Default: none.
pub const LAMBDA_TOOLS: &str = "LAMBDA_TOOLS";
/// The AWS SDKs' endpoint override for Lambda alone (the `Invoke` of Lambda tools; `cargo
/// agentcdk dev` points it at its own Invoke API). Default: unset.
pub const AWS_ENDPOINT_URL_LAMBDA: &str = "AWS_ENDPOINT_URL_LAMBDA";

// ---- MCP servers on Lambda (`mcp::serve`) ----

/// Browser origins an MCP server accepts (comma-separated, exact `scheme://host[:port]`); a
/// request with any other `Origin` header is refused with 403 (DNS rebinding, MCP Streamable
/// HTTP "Security Warning"). Requests without `Origin` (servers, SDKs) are always accepted.
/// Default: none (every request that carries an `Origin` is refused).
pub const MCP_ALLOWED_ORIGINS: &str = "MCP_ALLOWED_ORIGINS";
