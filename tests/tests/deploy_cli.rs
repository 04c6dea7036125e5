//! The way from `synth` to a running stack, against a local moto_server:
//!
//! - the toolkit (`cargo agentcdk`, through `src/bin/agentcdk-toolkit.rs`) running two apps of
//!   `src/bin/deploy-cli-app.rs` with `--app`:
//!   deploy → deploy again (no changes) → a changed property → deploy (an UPDATE change set,
//!   checked in moto's SQS) → diff (no differences; and exit 1 against the old value) →
//!   outputs → destroy, plus the refusals (no --bucket, no terminal to confirm on);
//! - the README's plain AWS CLI path (PyPI awscli in the project venv, `AWS_ENDPOINT_URL` at
//!   moto): `package`, `aws s3 sync`, `aws cloudformation deploy` of the l1-queue example.
//!
//! moto 5.2.5 limits what these can check: stacks made through change sets get no outputs
//! (moto computes them only in create-stack/update-stack), and it writes no per-resource
//! events. Both apps use only resource types moto creates, so nothing is stubbed.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use agentcdk_tests::moto::{error_text, MotoServer};
use agentcdk_tests::venv_tool;

const BUCKET: &str = "agentcdk-deploy-cli";

/// Runs the toolkit on a test app (`cargo agentcdk --app "deploy-cli-app <app>" <args>`) in
/// `dir` against `moto`, stdin closed.
fn cli(moto: &MotoServer, dir: &Path, app: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentcdk-toolkit"));
    command
        .arg("--app")
        .arg(format!("{} {app}", env!("CARGO_BIN_EXE_deploy-cli-app")))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        // cargo test's own: the app would write its placement lock into tests/ instead of `dir`.
        .env_remove("CARGO_MANIFEST_DIR");
    command.envs(moto.env()).envs(env.iter().copied());
    let started = Instant::now();
    let output = command.output().unwrap_or_else(|e| panic!("cannot run deploy-cli-app: {e}"));
    println!(
        "$ {app} {} ({:.1?}, {})\n{}{}",
        args.join(" "),
        started.elapsed(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs `aws <args>` from the project venv in `dir` against `moto`.
fn aws(moto: &MotoServer, dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(venv_tool("aws"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .envs(moto.env())
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run aws: {e}"));
    println!(
        "$ aws {} ({})\n{}{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_code(o: &Output, code: i32, moto: &MotoServer) {
    assert_eq!(o.status.code(), Some(code), "stdout:\n{}\nstderr:\n{}\nmoto log:\n{}", stdout(o), stderr(o), moto.log_tail());
}

async fn stack_status(moto: &MotoServer, stack: &str) -> Option<String> {
    match moto.cloudformation().describe_stacks().stack_name(stack).send().await {
        Ok(answer) => answer.stacks().first().and_then(|s| s.stack_status()).map(|s| s.as_str().to_owned()),
        Err(e) if error_text(&e).contains("does not exist") => None,
        Err(e) => panic!("describe-stacks {stack}: {}", error_text(&e)),
    }
}

/// The queue's VisibilityTimeout as moto's SQS has it (awscli v1's SQS client ignores
/// AWS_ENDPOINT_URL, hence --endpoint-url).
async fn visibility_timeout(moto: &MotoServer, dir: &Path, stack: &str) -> String {
    let resources = moto.cloudformation().describe_stack_resources().stack_name(stack).send().await;
    let resources = resources.unwrap_or_else(|e| panic!("describe-stack-resources: {}", error_text(&e)));
    let url = resources
        .stack_resources()
        .iter()
        .find(|r| r.logical_resource_id() == Some("Queue"))
        .and_then(|r| r.physical_resource_id())
        .unwrap_or_else(|| panic!("no Queue in {stack}: {resources:?}"))
        .to_owned();
    let o = aws(
        moto,
        dir,
        &["--endpoint-url", moto.endpoint(), "sqs", "get-queue-attributes", "--queue-url", &url, "--attribute-names", "VisibilityTimeout"],
    );
    assert_code(&o, 0, moto);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("get-queue-attributes: {e}"));
    json["Attributes"]["VisibilityTimeout"].as_str().unwrap_or_default().to_owned()
}

/// The deploy CLI's whole life cycle against moto, one phase a helper: refusals that leave
/// nothing behind, create, a no-op redeploy, an in-place update, a template large enough to go
/// through the bucket, diff, outputs and destroy.
#[tokio::test]
async fn cli_deploys_updates_diffs_and_destroys() {
    let moto = MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let stack = "DeployCliWorker";
    let changed = [("WORKER_VISIBILITY_TIMEOUT", "60")];

    refusals_leave_nothing_behind(&moto, dir, stack).await;
    first_deploy_creates_the_stack(&moto, dir, stack).await;
    redeploy_of_the_same_app_changes_nothing(&moto, dir, stack);
    changed_property_updates_in_place(&moto, dir, stack, &changed).await;
    large_template_goes_through_the_bucket(&moto, dir, stack, &changed);
    diff_compares_with_what_is_deployed(&moto, dir, stack, &changed);
    destroy_asks_then_deletes_once(&moto, dir, stack).await;
}

/// Refusals first: missing bucket flag, missing bucket, no terminal to confirm, unknown
/// parameter. Nothing may be left behind.
async fn refusals_leave_nothing_behind(moto: &MotoServer, dir: &Path, stack: &str) {
    let o = cli(moto, dir, "worker", &["deploy", "--yes"], &[]);
    assert_code(&o, 1, moto);
    assert!(stderr(&o).contains("--bucket is needed: it has assets"), "{}", stderr(&o));
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET, "--yes"], &[]);
    assert_code(&o, 1, moto);
    assert!(stderr(&o).contains(&format!("bucket {BUCKET} does not exist")), "{}", stderr(&o));
    moto.s3().create_bucket().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("create-bucket: {e:?}"));
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET], &[]);
    assert_code(&o, 1, moto);
    assert!(stdout(&o).contains(": uploaded ("), "assets go up before the change set: {}", stdout(&o));
    assert!(stdout(&o).contains("(CREATE)"), "the change set is shown before asking");
    assert!(stderr(&o).contains("confirmation needs a terminal") && stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert_eq!(stack_status(moto, stack).await, None, "a declined create leaves no stack");
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET, "--parameter", "Nope=1", "--yes"], &[]);
    assert_code(&o, 1, moto);
    assert!(stderr(&o).contains("no selected stack declares a parameter 'Nope'"), "{}", stderr(&o));
}

/// Create: assets staged and uploaded once, the change set shown, the queue as synthesized.
async fn first_deploy_creates_the_stack(moto: &MotoServer, dir: &Path, stack: &str) {
    let started = Instant::now();
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET, "--yes"], &[]);
    assert_code(&o, 0, moto);
    let out = stdout(&o);
    for expected in
        ["function (zip-directory)", "already uploaded", "(CREATE)", "+ Queue", "AWS::SQS::Queue", "3 to add, 0 to modify, 0 to remove"]
    {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert!(out.contains(&format!("{stack}: CREATE_COMPLETE")), "{out}");
    println!("first deploy: {:.1?}", started.elapsed());
    assert_eq!(stack_status(moto, stack).await.as_deref(), Some("CREATE_COMPLETE"));
    assert_eq!(visibility_timeout(moto, dir, stack).await, "30");
    let staged: Vec<_> = std::fs::read_dir(dir.join("cdk.out/assets")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(staged.len(), 1, "one staged asset: {staged:?}");
    let key = staged[0].to_string_lossy().into_owned();
    moto.s3().head_object().bucket(BUCKET).key(&key).send().await.unwrap_or_else(|e| panic!("asset {key} not in S3: {e:?}"));
}

/// Same app again: no change set to execute, assets not uploaded again.
fn redeploy_of_the_same_app_changes_nothing(moto: &MotoServer, dir: &Path, stack: &str) {
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET, "--yes"], &[]);
    assert_code(&o, 0, moto);
    assert!(stdout(&o).contains(&format!("{stack}: no changes")) && stdout(&o).contains("already uploaded"), "{}", stdout(&o));
}

/// A changed property: an UPDATE change set that modifies the queue in place.
async fn changed_property_updates_in_place(moto: &MotoServer, dir: &Path, stack: &str, changed: &[(&str, &str)]) {
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET, "--yes"], changed);
    assert_code(&o, 0, moto);
    let out = stdout(&o);
    for expected in ["(UPDATE)", "~ Queue", "0 to add, 1 to modify, 0 to remove", "UPDATE_COMPLETE"] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert_eq!(stack_status(moto, stack).await.as_deref(), Some("UPDATE_COMPLETE"));
    assert_eq!(visibility_timeout(moto, dir, stack).await, "60", "moto's queue was updated");
}

/// A template over 51,200 bytes goes through the bucket (TemplateURL); then back to `changed`.
fn large_template_goes_through_the_bucket(moto: &MotoServer, dir: &Path, stack: &str, changed: &[(&str, &str)]) {
    let large = [("WORKER_VISIBILITY_TIMEOUT", "60"), ("WORKER_METADATA_PADDING", "60000")];
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET, "--yes"], &large);
    assert_code(&o, 0, moto);
    let out = stdout(&o);
    assert!(out.contains(&format!("uploaded to s3://{BUCKET}/templates/{stack}-")) && out.contains("UPDATE_COMPLETE"), "{out}");
    let o = cli(moto, dir, "worker", &["diff"], &large);
    assert_code(&o, 0, moto);
    let o = cli(moto, dir, "worker", &["deploy", "--bucket", BUCKET, "--yes"], changed);
    assert_code(&o, 0, moto);
    assert!(stdout(&o).contains("UPDATE_COMPLETE"), "{}", stdout(&o));
}

/// diff: none against what was deployed; the old value is a difference (exit 1). outputs
/// lists the stack.
fn diff_compares_with_what_is_deployed(moto: &MotoServer, dir: &Path, stack: &str, changed: &[(&str, &str)]) {
    let o = cli(moto, dir, "worker", &["diff"], changed);
    assert_code(&o, 0, moto);
    assert!(stdout(&o).contains(&format!("{stack}: no differences")), "{}", stdout(&o));
    let o = cli(moto, dir, "worker", &["diff"], &[]);
    assert_code(&o, 1, moto);
    let out = stdout(&o);
    assert!(out.contains("[~] Queue  AWS::SQS::Queue"), "{out}");
    assert!(out.contains("-     \"VisibilityTimeout\": 60,") && out.contains("+     \"VisibilityTimeout\": 30,"), "{out}");

    let o = cli(moto, dir, "worker", &["outputs"], changed);
    assert_code(&o, 0, moto);
    assert!(stdout(&o).starts_with(stack), "{}", stdout(&o));
}

/// destroy: refuses without a terminal, then deletes with --yes; a second time is a no-op.
async fn destroy_asks_then_deletes_once(moto: &MotoServer, dir: &Path, stack: &str) {
    let o = cli(moto, dir, "worker", &["destroy"], &[]);
    assert_code(&o, 1, moto);
    assert!(stderr(&o).contains("pass --yes"), "{}", stderr(&o));
    let o = cli(moto, dir, "worker", &["destroy", "--yes"], &[]);
    assert_code(&o, 0, moto);
    assert!(stdout(&o).contains(&format!("{stack}: DELETE_COMPLETE")), "{}", stdout(&o));
    assert_eq!(stack_status(moto, stack).await, None);
    let o = cli(moto, dir, "worker", &["destroy", "--yes"], &[]);
    assert_code(&o, 0, moto);
    assert!(stdout(&o).contains(&format!("{stack}: not deployed")), "{}", stdout(&o));
    let o = cli(moto, dir, "worker", &["outputs"], &[]);
    assert_code(&o, 1, moto);
    assert!(stderr(&o).contains("is not deployed"), "{}", stderr(&o));
}

/// The README's "Deploying with the AWS CLI" commands, verbatim but for the paths.
#[tokio::test]
async fn aws_cli_deploys_the_l1_queue_example() {
    let moto = MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    let o = cli(&moto, dir, "l1-queue", &["package"], &[]);
    assert_code(&o, 0, &moto);
    assert_code(&aws(&moto, dir, &["s3", "mb", &format!("s3://{BUCKET}")]), 0, &moto);
    assert_code(&aws(&moto, dir, &["s3", "sync", "cdk.out/assets", &format!("s3://{BUCKET}")]), 0, &moto);
    let o = aws(
        &moto,
        dir,
        &[
            "cloudformation",
            "deploy",
            "--template-file",
            "cdk.out/L1Queue.template.json",
            "--stack-name",
            "L1Queue",
            "--parameter-overrides",
            &format!("AssetBucket={BUCKET}"),
            "--capabilities",
            "CAPABILITY_IAM",
        ],
    );
    assert_code(&o, 0, &moto);
    assert_eq!(stack_status(&moto, "L1Queue").await.as_deref(), Some("CREATE_COMPLETE"));
    let resources = moto.cloudformation().describe_stack_resources().stack_name("L1Queue").send().await;
    let resources = resources.unwrap_or_else(|e| panic!("describe-stack-resources: {}", error_text(&e)));
    let mut kinds: Vec<&str> = resources.stack_resources().iter().filter_map(|r| r.resource_type()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "AWS::IAM::Role",
            "AWS::Lambda::EventSourceMapping",
            "AWS::Lambda::Function",
            "AWS::Logs::LogGroup",
            "AWS::SQS::Queue",
            "AWS::SQS::Queue"
        ]
    );

    // The project's CLI sees the same template deployed, and finds the asset already uploaded.
    let o = cli(&moto, dir, "l1-queue", &["diff"], &[]);
    assert_code(&o, 0, &moto);
    assert!(stdout(&o).contains("L1Queue: no differences"), "{}", stdout(&o));
    let o = cli(&moto, dir, "l1-queue", &["deploy", "--bucket", BUCKET, "--yes"], &[]);
    assert_code(&o, 0, &moto);
    assert!(stdout(&o).contains("already uploaded") && stdout(&o).contains("L1Queue: no changes"), "{}", stdout(&o));
    let o = cli(&moto, dir, "l1-queue", &["destroy", "--yes"], &[]);
    assert_code(&o, 0, &moto);
    assert_eq!(stack_status(&moto, "L1Queue").await, None);
}
