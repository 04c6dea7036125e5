//! Two apps for `tests/tests/deploy_cli.rs`, which the toolkit runs with
//! `--app "deploy-cli-app <app>"` (the apps' own command line is synth, list, cost):
//!
//! ```text
//! deploy-cli-app l1-queue <command> ...   the l1-queue example, unchanged
//! deploy-cli-app worker <command> ...     a small worker whose queue's VisibilityTimeout is
//!                                         $WORKER_VISIBILITY_TIMEOUT (default 30): a property
//!                                         a test changes between two deploys;
//!                                         $WORKER_METADATA_PADDING=N adds N bytes of metadata
//! deploy-cli-app operate <command> ...    for tests/tests/operate.rs (invoke, logs, hotswap):
//!                                         stack DevOperate (a development stack) or, with
//!                                         $OPERATE_PROD=1, ProdOperate (not marked); two
//!                                         functions, Greeter (its own log group, GREETING =
//!                                         $OPERATE_GREETING, code from $OPERATE_CODE_DIR,
//!                                         memory $OPERATE_MEMORY) and Auditor (Lambda's
//!                                         default log group)
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

fn lambda_role(stack: &mut Stack) -> ResourceRef<Role> {
    stack.add(
        "Role",
        Role {
            assume_role_policy_document: Some(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
                    .into(),
            ),
            ..Default::default()
        },
    )
}

fn operate() -> App {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let prod = std::env::var("OPERATE_PROD").is_ok_and(|v| v == "1");
    let mut app = App::new();
    let (name, props) = if prod { ("ProdOperate", StackProps::default()) } else { ("DevOperate", StackProps::default().development()) };
    let stack = app.stack(name, props);
    let role = lambda_role(stack);
    let code_dir = var("OPERATE_CODE_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/l1-queue/function"));
    let memory: i64 = var("OPERATE_MEMORY", "256").parse().unwrap_or(256);
    for (id, own_log_group) in [("Greeter", true), ("Auditor", false)] {
        let mut scope = stack.scope(id);
        let code = scope.asset(AssetSource::path(&code_dir));
        let logging = own_log_group.then(|| {
            let group = scope.add("Logs", agentcdk::cfn::logs::LogGroup { retention_in_days: Some(7.into()), ..Default::default() });
            lambda::function::LoggingConfig { log_group: Some(group.reference().into()), ..Default::default() }.into()
        });
        let variables: indexmap::IndexMap<String, Value<String>> =
            [("GREETING".to_owned(), var("OPERATE_GREETING", "hello").into())].into_iter().collect();
        scope.add(
            "Function",
            Function {
                runtime: Some(lambda::function::Runtime::Python3_13.into()),
                handler: Some("index.handler".into()),
                code: Some(
                    lambda::function::Code { s3_bucket: Some(code.bucket().into()), s3_key: Some(code.key().into()), ..Default::default() }
                        .into(),
                ),
                role: Some(role.attr_arn().into()),
                memory_size: Some(memory.into()),
                environment: Some(lambda::function::Environment { variables: Some(variables.into()) }.into()),
                logging_config: logging,
                ..Default::default()
            },
        );
    }
    app
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    let app = match args.get(1).map(String::as_str) {
        Some("l1-queue") => l1_queue::app(),
        Some("worker") => worker(),
        Some("operate") => operate(),
        _ => {
            eprintln!("usage: deploy-cli-app l1-queue|worker|operate <command> [args...]");
            return ExitCode::from(2);
        }
    };
    args.remove(1);
    app.run_with(args)
}
