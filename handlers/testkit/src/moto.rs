//! `moto_server` on 127.0.0.1 (started per test, killed on drop) and the real AWS SDK clients
//! pointed at it.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agentcdk_contract::keys;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_sqs::types::QueueAttributeName;

/// A running moto_server; killed on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    port: u16,
    log_path: std::path::PathBuf,
}

/// The AWS clients of one moto server ([`Moto::clients`]).
#[derive(Debug, Clone)]
pub struct Clients {
    /// SDK configuration for moto, to build other clients.
    pub sdk: aws_config::SdkConfig,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// DynamoDB.
    pub ddb: aws_sdk_dynamodb::Client,
}

/// Region the tests use.
pub const REGION: &str = "us-east-1";

impl Moto {
    /// Starts moto_server from the venv on a free port and waits until it answers.
    pub fn start() -> Self {
        let bin = crate::venv_tool("moto_server");
        Self::launch(&bin, |port| vec!["-H".into(), "127.0.0.1".into(), "-p".into(), port.to_string()])
    }

    /// Starts moto serving one request at a time, for tests of optimistic concurrency.
    ///
    /// DynamoDB applies a conditional write atomically: of two `PutItem`s conditioned on the
    /// same version, one succeeds and the other gets `ConditionalCheckFailedException`
    /// (Amazon DynamoDB Developer Guide, "Condition expressions" and "Optimistic locking with
    /// version number"). moto checks the condition and then writes with no lock between the
    /// two (`moto/dynamodb/models/table.py`, `Table.put_item`), and `moto_server` serves each
    /// request on its own thread, so under load both racing writes can pass and one turn is
    /// silently lost: a race of the emulator, not of the code under test. The same moto
    /// application served by werkzeug without threads has DynamoDB's semantics. Don't
    /// long-poll SQS against it: one waiting `ReceiveMessage` would hold every other request.
    pub fn start_serialized() -> Self {
        const SERVE: &str = "import sys\n\
            from werkzeug.serving import run_simple\n\
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app\n\
            app = DomainDispatcherApplication(create_backend_app)\n\
            run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=False, request_handler=MotoRequestHandler)\n";
        let python = crate::venv_tool("python");
        Self::launch(&python, |port| vec!["-c".into(), SERVE.into(), "127.0.0.1".into(), port.to_string()])
    }

    fn launch(program: &std::path::Path, args: impl FnOnce(u16) -> Vec<String>) -> Self {
        let port = crate::free_port();
        let log_path = std::env::temp_dir().join(format!("agentcdk-moto-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("moto log file");
        let child = Command::new(program)
            .args(args(port))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("log file")))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let moto = Self { child, port, log_path };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "moto did not listen on port {port} within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// moto_server's output so far, including one access-log line per request (e.g.
    /// `"POST /@connections/abc HTTP/1.1" 200`): evidence of calls whose data moto keeps no
    /// API for.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// `http://127.0.0.1:{port}`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SDK configuration for moto: its endpoint, test credentials, [`REGION`].
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(aws_config::Region::new(REGION))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// The SDK configuration and the SQS and DynamoDB clients most handler tests start from.
    pub async fn clients(&self) -> Clients {
        let sdk = self.sdk_config().await;
        Clients { sqs: aws_sdk_sqs::Client::new(&sdk), ddb: aws_sdk_dynamodb::Client::new(&sdk), sdk }
    }

    /// Environment variables pointing a handler binary at this moto.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint()),
            ("AWS_REGION".into(), REGION.into()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

/// An S3 client for moto (path-style addressing: `{bucket}.127.0.0.1` does not resolve) and a
/// new bucket `name` in it.
pub async fn create_bucket(sdk: &aws_config::SdkConfig, name: &str) -> aws_sdk_s3::Client {
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build());
    s3.create_bucket().bucket(name).send().await.expect("CreateBucket");
    s3
}

/// The keys of the objects in `bucket`.
pub async fn object_keys(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let out = s3.list_objects_v2().bucket(bucket).send().await.expect("ListObjectsV2");
    out.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect()
}

/// A queue with its dead-letter queue.
#[derive(Debug, Clone)]
pub struct QueuePair {
    /// Main queue URL.
    pub url: String,
    /// Dead-letter queue URL.
    pub dlq_url: String,
}

/// Creates queue `name` (FIFO when it ends in `.fifo`) with a DLQ after `max_receive_count`
/// receives, and `visibility_timeout_secs`.
pub async fn create_queue_with_dlq(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    max_receive_count: u32,
    visibility_timeout_secs: u32,
) -> QueuePair {
    let fifo = name.ends_with(".fifo");
    let dlq_name = if fifo { format!("{}-dlq.fifo", name.trim_end_matches(".fifo")) } else { format!("{name}-dlq") };
    let mut dlq = sqs.create_queue().queue_name(&dlq_name);
    if fifo {
        dlq = dlq.attributes(QueueAttributeName::FifoQueue, "true");
    }
    let dlq_url = dlq.send().await.expect("create DLQ").queue_url.expect("url");
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("DLQ attributes")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("DLQ arn");
    let mut q = sqs
        .create_queue()
        .queue_name(name)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}).to_string(),
        )
        .attributes(QueueAttributeName::VisibilityTimeout, visibility_timeout_secs.to_string());
    if fifo {
        q = q.attributes(QueueAttributeName::FifoQueue, "true");
    }
    let url = q.send().await.expect("create queue").queue_url.expect("url");
    QueuePair { url, dlq_url }
}

async fn create_table(ddb: &aws_sdk_dynamodb::Client, name: &str, pk: &str, by_user: bool) {
    let attr =
        |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().expect("attribute");
    let key = |n: &str| KeySchemaElement::builder().attribute_name(n).key_type(KeyType::Hash).build().expect("key");
    let mut t =
        ddb.create_table().table_name(name).billing_mode(BillingMode::PayPerRequest).attribute_definitions(attr(pk)).key_schema(key(pk));
    if by_user {
        t = t.attribute_definitions(attr(keys::USER_ID)).global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(keys::CONNECTIONS_BY_USER_INDEX)
                .key_schema(key(keys::USER_ID))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .expect("gsi"),
        );
    }
    t.send().await.expect("create table");
}

/// Creates the responses table `name`.
pub async fn create_responses_table(ddb: &aws_sdk_dynamodb::Client, name: &str) {
    create_table(ddb, name, keys::RESPONSES_PK, false).await
}

/// Creates the sessions table `name`.
pub async fn create_sessions_table(ddb: &aws_sdk_dynamodb::Client, name: &str) {
    create_table(ddb, name, keys::SESSIONS_PK, false).await
}

/// Creates the connections table `name` with its by-user index.
pub async fn create_connections_table(ddb: &aws_sdk_dynamodb::Client, name: &str) {
    create_table(ddb, name, keys::CONNECTIONS_PK, true).await
}
