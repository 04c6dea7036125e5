//! Named, fixed action lists (as in AWS CDK's grants tables): every IAM action any construct
//! writes — grants, key policies, resource policies, trust policies, Lambda permissions — comes
//! from here, so one file shows everything agentcdk lets a role do.

/// `lambda:InvokeFunction`, alone (a Lambda permission names one action).
pub const INVOKE_FUNCTION: &str = "lambda:InvokeFunction";
/// `lambda:InvokeFunctionUrl`, alone.
pub const INVOKE_FUNCTION_URL: &str = "lambda:InvokeFunctionUrl";

/// Assume a role (trust policies).
pub const STS_ASSUME_ROLE: &[&str] = &["sts:AssumeRole"];
/// Send to a queue.
pub const SQS_SEND: &[&str] = &["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"];
/// Receive and delete from a queue (what a Lambda event source mapping needs).
pub const SQS_CONSUME: &[&str] =
    &["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];
/// Put events on one bus (completion events).
pub const EVENTS_PUT: &[&str] = &["events:PutEvents"];
/// Send to a queue (an EventBridge rule's target, in the queue's resource policy).
pub const SQS_SEND_ONLY: &[&str] = &["sqs:SendMessage"];
/// What EventBridge needs of a customer-managed key to send to a queue it encrypts.
pub const KMS_FOR_EVENTS: &[&str] = &["kms:GenerateDataKey", "kms:Decrypt"];
/// Every queue action (only in the TLS-only deny of a queue policy).
pub const SQS_ALL: &[&str] = &["sqs:*"];
/// Read items.
pub const DYNAMODB_READ: &[&str] =
    &["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"];
/// Write items.
pub const DYNAMODB_WRITE: &[&str] =
    &["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"];
/// Write objects (no read, list or delete).
pub const S3_PUT: &[&str] = &["s3:PutObject"];
/// Read objects (no list).
pub const S3_GET: &[&str] = &["s3:GetObject"];
/// Every bucket action (only in the TLS-only deny of a bucket policy).
pub const S3_ALL: &[&str] = &["s3:*"];
/// Use a KMS key to read data encrypted with it.
pub const KMS_DECRYPT: &[&str] = &["kms:Decrypt"];
/// Use a KMS key to write data encrypted with it.
pub const KMS_ENCRYPT_DECRYPT: &[&str] = &["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];
/// Decrypt and make data keys (what a service encrypting on a principal's behalf needs:
/// CloudWatch alarms publishing to an encrypted topic, a runtime using an encrypted memory).
pub const KMS_DECRYPT_GENERATE: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey*"];
/// Administer a key (the account's statement in a key policy).
pub const KMS_ADMIN: &[&str] = &["kms:*"];
/// What CloudWatch Logs needs of a key encrypting log groups.
pub const KMS_FOR_LOGS: &[&str] = &["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"];
/// Invoke a Lambda function.
pub const LAMBDA_INVOKE: &[&str] = &[INVOKE_FUNCTION];
/// Call a Function URL.
pub const LAMBDA_INVOKE_URL: &[&str] = &[INVOKE_FUNCTION_URL];
/// Manage the network interfaces a VPC function uses.
pub const EC2_VPC_NETWORK_INTERFACES: &[&str] =
    &["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"];
/// Invoke an AgentCore runtime (SigV4); covers InvokeAgentRuntime's streamed answers.
pub const AGENTCORE_INVOKE: &[&str] = &["bedrock-agentcore:InvokeAgentRuntime"];
/// Call an AgentCore gateway.
pub const AGENTCORE_INVOKE_GATEWAY: &[&str] = &["bedrock-agentcore:InvokeGateway"];
/// Use an AgentCore memory: create and read events, retrieve records.
pub const AGENTCORE_MEMORY_USE: &[&str] = &[
    "bedrock-agentcore:CreateEvent",
    "bedrock-agentcore:GetEvent",
    "bedrock-agentcore:ListEvents",
    "bedrock-agentcore:ListSessions",
    "bedrock-agentcore:RetrieveMemoryRecords",
    "bedrock-agentcore:ListMemoryRecords",
    "bedrock-agentcore:GetMemoryRecord",
];
/// Get workload access tokens (an AgentCore runtime's identity).
pub const AGENTCORE_WORKLOAD_TOKENS: &[&str] = &[
    "bedrock-agentcore:GetWorkloadAccessToken",
    "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
    "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
];
/// Post to and drop WebSocket connections.
pub const EXECUTE_API_MANAGE_CONNECTIONS: &[&str] = &["execute-api:ManageConnections"];
/// Write a function's own logs.
pub const LOGS_WRITE: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];
/// Create and describe log groups (an AgentCore runtime makes its own).
pub const LOGS_CREATE_GROUP: &[&str] = &["logs:CreateLogGroup", "logs:DescribeLogStreams"];
/// List log groups.
pub const LOGS_DESCRIBE_GROUPS: &[&str] = &["logs:DescribeLogGroups"];
/// Send X-Ray traces (no resource-level permissions exist).
pub const XRAY_WRITE: &[&str] = &["xray:PutTraceSegments", "xray:PutTelemetryRecords"];
/// Send X-Ray traces and read sampling rules (what AgentCore's runtime role documents).
pub const XRAY_WRITE_AND_SAMPLE: &[&str] =
    &["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"];
/// Publish CloudWatch metrics (no resource-level permissions; scope by namespace condition).
pub const CLOUDWATCH_PUT_METRICS: &[&str] = &["cloudwatch:PutMetricData"];
/// Pull images from one ECR repository.
pub const ECR_PULL: &[&str] = &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];
/// Log in to ECR (no resource-level permissions exist).
pub const ECR_AUTH: &[&str] = &["ecr:GetAuthorizationToken"];
/// Invoke Bedrock models (Converse / ConverseStream use these).
pub const BEDROCK_INVOKE: &[&str] = &["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];
/// Read a secret's value.
pub const SECRETS_READ: &[&str] = &["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"];
/// Read one secret's value (an MCP tool source's bearer token or OAuth client credentials).
pub const SECRETS_GET_VALUE: &[&str] = &["secretsmanager:GetSecretValue"];
/// Read one item by key (the stock `mcp-orders` server's `get_order`).
pub const DYNAMODB_GET_ITEM: &[&str] = &["dynamodb:GetItem"];
/// Query an index (the stock `mcp-orders` server's `list_orders`).
pub const DYNAMODB_QUERY: &[&str] = &["dynamodb:Query"];
