//! Two apps for `tests/tests/deploy_cli.rs`, which the toolkit runs with
//! `--app "deploy-cli-app <app>"` (the apps' own command line is synth, list, cost):
//!
//! ```text
//! deploy-cli-app l1-queue <command> ...   the l1-queue example, unchanged
//! deploy-cli-app worker <command> ...     a small worker whose queue's VisibilityTimeout is
//!                                         $WORKER_VISIBILITY_TIMEOUT (default 30): a property
//!                                         a test changes between two deploys;
//!                                         $WORKER_METADATA_PADDING=N adds N bytes of metadata
//! ```

use std::process::ExitCode;

use agentcdk::cfn::iam::Role;
use agentcdk::cfn::lambda::{self, Function};
use agentcdk::cfn::sqs::Queue;
use agentcdk::prelude::*;
use serde_json::json;

fn worker() -> App {
    let visibility: i64 = std::env::var("WORKER_VISIBILITY_TIMEOUT").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let mut app = App::new();
    let stack = app.stack(
        "DeployCliWorker",
        StackProps {
            description: Some("agentcdk deploy CLI test".into()),
            tags: [("project".into(), "agentcdk-tests".into())].into(),
            ..Default::default()
        },
    );
    let queue = stack.add("Queue", Queue { visibility_timeout: Some(visibility.into()), ..Default::default() });
    let role = stack.add(
        "Role",
        Role {
            assume_role_policy_document: Some(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
                    .into(),
            ),
            ..Default::default()
        },
    );
    let mut scope = stack.scope("Worker");
    let code = scope.asset(AssetSource::path(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/l1-queue/function")));
    let function = scope.add(
        "Resource",
        Function {
            runtime: Some(lambda::function::Runtime::Python3_13.into()),
            handler: Some("index.handler".into()),
            code: Some(
                lambda::function::Code { s3_bucket: Some(code.bucket().into()), s3_key: Some(code.key().into()), ..Default::default() }
                    .into(),
            ),
            role: Some(role.attr_arn().into()),
            ..Default::default()
        },
    );
    if let Some(padding) = std::env::var("WORKER_METADATA_PADDING").ok().and_then(|v| v.parse::<usize>().ok()) {
        // Metadata only: makes the template large enough to need the S3 upload path.
        stack.resource(&queue).metadata("Padding", json!("x".repeat(padding)));
    }
    stack.output("QueueUrl", queue.reference());
    stack.output("FunctionName", function.reference());
    app
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    let app = match args.get(1).map(String::as_str) {
        Some("l1-queue") => l1_queue::app(),
        Some("worker") => worker(),
        _ => {
            eprintln!("usage: deploy-cli-app l1-queue|worker <command> [args...]");
            return ExitCode::from(2);
        }
    };
    args.remove(1);
    app.run_with(args)
}
