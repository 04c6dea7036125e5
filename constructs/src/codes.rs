//! The construct library's diagnostic codes: `AC2xxx` (the CloudFormation model's are `AC1xxx`,
//! in [`agentcdk_synth::codes`]). Stable: a code keeps its meaning forever; a retired code is not
//! reused. Tests match these codes, and an app acknowledges a warning by code on a construct path
//! ([`agentcdk_synth::Scope::acknowledge`]).
//!
//! Groups: `AC20xx` Lambda, IAM and Function URLs, `AC21xx` queues and tables, `AC22xx` API
//! Gateway and WAF, `AC23xx` agents and pipelines, `AC24xx` authorizers and tokens, `AC25xx` AgentCore,
//! `AC26xx` tools (MCP sources and servers), `AC2660`–`AC2679` A2A (cards and remote agents),
//! `AC2680`–`AC2699` event-driven runs.

agentcdk_synth::diagnostic_codes! {
    /// Function memory outside Lambda's 128–10,240 MB.
    LAMBDA_MEMORY = "AC2001";
    /// Function timeout outside Lambda's 1–900 s.
    LAMBDA_TIMEOUT = "AC2002";
    /// Reserved concurrency above the account's default limit.
    LAMBDA_RESERVED_CONCURRENCY = "AC2003";
    /// A function without code.
    LAMBDA_NO_CODE = "AC2004";
    /// Too many or too large environment variables.
    LAMBDA_ENVIRONMENT_SIZE = "AC2005";
    /// An environment variable Lambda reserves, or an invalid name.
    LAMBDA_ENVIRONMENT_NAME = "AC2006";
    /// An environment variable set twice to different values.
    ENVIRONMENT_CONFLICT = "AC2007";
    /// A grant to a role of another stack.
    GRANT_ACROSS_STACKS = "AC2010";
    /// A grant, policy statement or environment variable for a resource agentcdk does not hold
    /// (an imported role, a key policy written by hand, or after rendering).
    NOT_HELD = "AC2011";
    /// Two different policy statements with the same sid.
    POLICY_SID_CLASH = "AC2012";
    /// Function URL CORS without allowed origins.
    URL_CORS_NO_ORIGINS = "AC2020";
    /// Queue visibility timeout or retention out of SQS's bounds.
    SQS_BOUNDS = "AC2101";
    /// Content-based deduplication on a standard queue.
    SQS_DEDUP_STANDARD = "AC2102";
    /// A queue without a dead-letter queue (warning).
    SQS_NO_DEAD_LETTER = "AC2103";
    /// Dead-letter settings out of bounds, or a retry window that outlives retention.
    SQS_DEAD_LETTER = "AC2104";
    /// More global secondary indexes than DynamoDB takes.
    DYNAMODB_TOO_MANY_INDEXES = "AC2110";
    /// A key attribute declared with two types.
    DYNAMODB_ATTRIBUTE_TYPES = "AC2111";
    /// An invalid REST API stage name.
    APIGW_STAGE_NAME = "AC2201";
    /// Throttling limits that are not positive.
    APIGW_THROTTLING = "AC2202";
    /// CORS without allowed origins.
    APIGW_CORS_NO_ORIGINS = "AC2203";
    /// An invalid REST path segment.
    APIGW_PATH_SEGMENT = "AC2204";
    /// An authorizer on a WebSocket route other than `$connect`.
    APIGW_WS_ROUTE_AUTHORIZER = "AC2205";
    /// A WAF rate limit outside the 10–2,000,000,000 requests per window WAF takes.
    WAF_RATE_LIMIT = "AC2206";
    /// WAF on a front door that cannot take it (WebSocket, IAM callers through CloudFront, a
    /// JWT runtime behind CloudFront) or a CloudFront option on a REST door.
    WAF_FRONT_DOOR = "AC2207";
    /// A `cloudfront_web_acl_arn` that is not a CLOUDFRONT web ACL's ARN.
    WAF_WEB_ACL_ARN = "AC2208";
    /// A CLOUDFRONT web ACL created in the stack: it deploys in us-east-1 only (warning).
    WAF_CLOUDFRONT_REGION = "AC2209";
    /// An agent without a model id.
    AGENT_NO_MODEL = "AC2301";
    /// `max_turns` of 0.
    AGENT_MAX_TURNS = "AC2302";
    /// An invalid path segment in the agent's API paths.
    AGENT_PATH_SEGMENT = "AC2303";
    /// A custom route declared twice, or colliding with the chat endpoint.
    AGENT_ROUTE_CONFLICT = "AC2304";
    /// A Sync agent whose timeout passes API Gateway's 29 s.
    AGENT_SYNC_TIMEOUT = "AC2305";
    /// An access mode the front door cannot take (IAM on REST, an authorizer on a Function URL).
    AGENT_ACCESS = "AC2306";
    /// Custom routes on a front door without a REST API.
    AGENT_ROUTES_WITHOUT_REST = "AC2307";
    /// A WebSocket API without an authorizer.
    WS_NO_AUTHORIZER = "AC2308";
    /// Queue pipeline visibility timeout below 6 × the runner's timeout.
    PIPELINE_VISIBILITY = "AC2310";
    /// Event source mapping settings out of Lambda's bounds.
    PIPELINE_BATCHING = "AC2311";
    /// A bare Bedrock model id that Bedrock serves only through an inference profile (warning).
    AGENT_MODEL_PROFILE = "AC2312";
    /// A builtin-loop setting (tools, system prompt, turn bound, token alarm) on an agent whose
    /// backend runs the turn.
    AGENT_BACKEND_IGNORED = "AC2313";
    /// A model on an agent whose backend runs the turn (warning: ignored).
    AGENT_BACKEND_MODEL = "AC2314";
    /// An AgentCore backend runtime that does not take IAM callers.
    AGENT_BACKEND_RUNTIME_AUTH = "AC2315";
    /// A Function backend that may run as long as the turn's function or longer (warning).
    AGENT_BACKEND_TIMEOUT = "AC2316";
    /// A JWT issuer or JWKS URL that is not https, or a malformed Cognito issuer.
    JWT_ISSUER = "AC2401";
    /// A JWT config that accepts any audience and any client, or has an empty entry.
    JWT_AUDIENCE = "AC2402";
    /// An authorizer cache TTL above API Gateway's limit, or caching without identity sources.
    AUTHORIZER_CACHE = "AC2403";
    /// An AgentCore resource name that AgentCore refuses.
    AGENTCORE_NAME = "AC2501";
    /// A name (strategy, target, endpoint, header) declared twice.
    AGENTCORE_DUPLICATE = "AC2502";
    /// An AgentCore value outside its documented bounds (expiry, lifetimes, sizes, counts).
    AGENTCORE_BOUNDS = "AC2503";
    /// An AgentCore location that is not what AgentCore reaches (https, s3://, ECR, OIDC discovery).
    AGENTCORE_LOCATION = "AC2504";
    /// A Lambda gateway target without tool definitions, or a code artifact without an entry point.
    AGENTCORE_INCOMPLETE = "AC2505";
    /// A network mode the tool cannot take, or a VPC without subnets or security groups.
    AGENTCORE_NETWORK = "AC2506";
    /// An AgentCore front door whose access, timeout or endpoint does not fit its runtime.
    AGENTCORE_FRONT_DOOR = "AC2507";
    /// A request header that cannot be allowlisted or forwarded as asked.
    AGENTCORE_HEADER = "AC2508";
    /// The verified caller's header is not allowlisted by the runtime (warning).
    AGENTCORE_USER_HEADER = "AC2509";
    /// A runtime with an existing role: grants are the app's to make (warning).
    AGENTCORE_EXISTING_ROLE = "AC2510";
    /// An MCP tool source URL that is not https (plain http only to 127.0.0.1 or localhost).
    TOOLS_URL_SCHEME = "AC2601";
    /// Two tool sources with the same URL.
    TOOLS_DUPLICATE = "AC2602";
    /// An allowlist entry that is empty or not a tool name models accept (`[a-zA-Z0-9_-]{1,64}`).
    TOOLS_ALLOW_ENTRY = "AC2603";
    /// A CUSTOM_JWT gateway used as a tool source without a token to send.
    TOOLS_GATEWAY_TOKEN = "AC2604";
    /// The stock `mcp-orders` server without its orders table.
    MCP_SERVER_NO_TABLE = "AC2605";
    /// A tool source timeout under one second or a result cap of zero bytes.
    TOOLS_BOUNDS = "AC2606";
    /// A Lambda tool whose spec models cannot take: not a tool name, no description, or an
    /// input schema that is not an object schema.
    TOOLS_LAMBDA_SPEC = "AC2610";
    /// A Lambda tool named like another tool of the agent.
    TOOLS_NAME_CLASH = "AC2611";
    /// An MCP-only option (`allow`, `with_auth`) on a Lambda tool.
    TOOLS_LAMBDA_OPTION = "AC2612";
    /// An `McpServer` allowed origin that is not `scheme://host[:port]`.
    MCP_SERVER_ORIGIN = "AC2613";
    /// A2A props with an empty name, description or version, or a skill without id or name.
    A2A_CARD_FIELDS = "AC2661";
    /// Two skills of one card with the same id.
    A2A_SKILL_DUPLICATE = "AC2662";
    /// A2A on a front door that does not serve it (WebSocket).
    A2A_FRONT_DOOR = "AC2663";
    /// An A2A tool name that models refuse, or two A2A tools with one name.
    A2A_TOOL_NAME = "AC2664";
    /// A remote agent (`ToolSource::agent`) without A2A props, or an identity it cannot take.
    A2A_REMOTE = "AC2665";
    /// An A2A card URL that is not https.
    A2A_CARD_URL = "AC2666";
    /// An event trigger on an agent without an input queue (Sync, Stream).
    EVENTS_MODE = "AC2681";
    /// A prompt template that does not compile, or does not render against the sample event.
    EVENTS_TEMPLATE = "AC2682";
    /// An event pattern that is not a non-empty JSON object.
    EVENTS_PATTERN = "AC2683";
    /// A session or user path that is not a JSONPath into the event (`$.detail.x`), or does not
    /// name a string in the sample event.
    EVENTS_FIELD = "AC2684";
    /// An archive retention or retry setting outside EventBridge's limits.
    EVENTS_BOUNDS = "AC2685";
}
