//! `invoke`, `logs` and `deploy --hotswap` against a local moto_server, through the toolkit's
//! binary (`src/bin/agentcdk-toolkit.rs`) running the `operate` app of `src/bin/deploy-cli-app.rs`
//! (stack DevOperate: functions Greeter, with its own log group, and Auditor, with Lambda's
//! default one).
//!
//! What moto lacks, and how each side is still held to the contract:
//! - Lambda Invoke runs code only with Docker (absent here). moto's Docker-less Lambda
//!   (`{"lambda": {"use_docker": false}}`) answers with the event it was given, so the test
//!   checks the path → function-name resolution through the deployed stack, the request and
//!   the printed answer; the log tail (`LogType: Tail`, absent in moto's answer) and
//!   InvokeWithResponseStream (not implemented by moto) are unit-tested in
//!   `toolkit/src/invoke.rs` with the SDK's own event types.
//! - CloudWatch Logs FilterLogEvents is implemented: the test writes records with PutLogEvents
//!   and reads them back through `logs`. StartLiveTail too (moto answers with one session update
//!   and ends the stream), so `logs --tail` runs to its end here.
//! - UpdateFunctionCode / UpdateFunctionConfiguration are implemented: the hotswapped code and
//!   environment are read back with GetFunction / GetFunctionConfiguration.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use agentcdk_tests::moto::{error_text, MotoServer};

const BUCKET: &str = "agentcdk-operate";

/// Runs `cargo agentcdk --app "deploy-cli-app operate" <args>` in `dir` against `moto`.
fn toolkit(moto: &MotoServer, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentcdk-toolkit"));
    command
        .arg("--app")
        .arg(format!("{} operate", env!("CARGO_BIN_EXE_deploy-cli-app")))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE");
    command.envs(moto.env()).envs(env.iter().copied());
    let output = command.output().unwrap_or_else(|e| panic!("cannot run the toolkit: {e}"));
    println!("$ {} ({})\n{}{}", args.join(" "), output.status, text(&output.stdout), text(&output.stderr));
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_code(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "stdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr));
}

/// Physical id of a stack's resource.
async fn physical_id(moto: &MotoServer, stack: &str, logical: &str) -> String {
    let answer = moto.cloudformation().describe_stack_resources().stack_name(stack).send().await;
    let answer = answer.unwrap_or_else(|e| panic!("describe-stack-resources: {}", error_text(&e)));
    answer
        .stack_resources()
        .iter()
        .find(|r| r.logical_resource_id().is_some_and(|id| id.starts_with(logical)))
        .and_then(|r| r.physical_resource_id())
        .unwrap_or_else(|| panic!("no {logical} in {stack}"))
        .to_owned()
}

async fn stack_status(moto: &MotoServer, stack: &str) -> String {
    let answer = moto.cloudformation().describe_stacks().stack_name(stack).send().await.unwrap();
    answer.stacks()[0].stack_status().unwrap().as_str().to_owned()
}

#[tokio::test]
async fn invoke_logs_and_hotswap_a_deployed_stack() {
    let moto = MotoServer::start();
    moto.configure(r#"{"lambda": {"use_docker": false}}"#);
    moto.s3().create_bucket().bucket(BUCKET).send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    assert_code(&toolkit(&moto, dir, &["deploy", "--bucket", BUCKET, "--yes"], &[]), 0);
    invoke_resolves_the_path_and_prints_the_answer(&moto, dir).await;
    logs_merges_the_functions_records_in_time_order(&moto, dir).await;
    hotswap_updates_code_and_environment_in_place(&moto, dir).await;
    hotswap_falls_back_to_a_full_deploy(&moto, dir).await;
    hotswap_is_refused_on_a_stack_not_marked_development(&moto, dir).await;
}

async fn invoke_resolves_the_path_and_prints_the_answer(moto: &MotoServer, dir: &Path) {
    let greeter = physical_id(moto, "DevOperate", "GreeterFunction").await;
    let o = toolkit(moto, dir, &["invoke", "Greeter", "--data", r#"{"hello":"moto"}"#], &[]);
    assert_code(&o, 0);
    assert_eq!(text(&o.stdout), "{\n  \"hello\": \"moto\"\n}\n", "moto's Docker-less Lambda answers with the event");
    assert!(text(&o.stderr).lines().any(|l| l == format!("Greeter/Function ({greeter})")), "the function, found through the stack");

    let event = dir.join("event.json");
    std::fs::write(&event, r#"{"from": "a file"}"#).unwrap();
    let o = toolkit(moto, dir, &["invoke", "DevOperate/Auditor/Function", "--data", &format!("@{}", event.display())], &[]);
    assert_code(&o, 0);
    assert!(text(&o.stdout).contains("\"from\": \"a file\""));

    let o = toolkit(moto, dir, &["invoke", "Nope"], &[]);
    assert_code(&o, 1);
    assert!(text(&o.stderr).ends_with("error: no function at 'Nope'\n  hint: the functions are: Greeter/Function, Auditor/Function\n"));
    let o = toolkit(moto, dir, &["invoke", "DevOperate"], &[]);
    assert_code(&o, 1);
    assert!(text(&o.stderr).contains("'DevOperate' names 2 functions"));
    let o = toolkit(moto, dir, &["invoke", "Greeter", "--data", "{bad"], &[]);
    assert_code(&o, 1);
    assert!(text(&o.stderr).contains("error: --data is not JSON: "), "refused before anything is sent");
}

/// Writes `records` (milliseconds ago, message) into a new stream of `group`.
async fn put_records(moto: &MotoServer, group: &str, records: &[(i64, &str)]) {
    let logs = moto.logs();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    logs.create_log_stream().log_group_name(group).log_stream_name("2026/11/30/[$LATEST]abc").send().await.unwrap();
    let mut put = logs.put_log_events().log_group_name(group).log_stream_name("2026/11/30/[$LATEST]abc");
    for (ago, message) in records {
        put =
            put.log_events(aws_sdk_cloudwatchlogs::types::InputLogEvent::builder().timestamp(now - ago).message(*message).build().unwrap());
    }
    put.send().await.unwrap_or_else(|e| panic!("put-log-events {group}: {e:?}"));
}

/// Each printed line without its time column.
fn lines_after_time(o: &Output) -> Vec<String> {
    text(&o.stdout).lines().map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_owned()).collect()
}

async fn logs_merges_the_functions_records_in_time_order(moto: &MotoServer, dir: &Path) {
    let greeter_group = physical_id(moto, "DevOperate", "GreeterLogs").await;
    let auditor_group = format!("/aws/lambda/{}", physical_id(moto, "DevOperate", "AuditorFunction").await);
    moto.logs().create_log_group().log_group_name(&auditor_group).send().await.unwrap();
    let rid = "aaaa1111-2222-3333-4444-555566667777";
    put_records(
        moto,
        &greeter_group,
        &[
            (7_200_000, "START RequestId: 0ld00000-0000 Version: $LATEST"),
            (40_000, &format!("START RequestId: {rid} Version: $LATEST")),
            (20_000, &format!(r#"{{"timestamp":"t","level":"ERROR","message":"model refused","requestId":"{rid}"}}"#)),
            (10_000, &format!("REPORT RequestId: {rid}\tDuration: 12.00 ms")),
        ],
    )
    .await;
    put_records(moto, &auditor_group, &[(30_000, r#"{"level":"INFO","message":"audit written","requestId":"bbbb2222-0000"}"#)]).await;

    let o = toolkit(moto, dir, &["logs", "--since", "1h"], &[]);
    assert_code(&o, 0);
    assert_eq!(
        lines_after_time(&o),
        [
            format!("Greeter/Function aaaa1111 -        START RequestId: {rid} Version: $LATEST"),
            "Auditor/Function bbbb2222 INFO     audit written".to_owned(),
            "Greeter/Function aaaa1111 ERROR    model refused".to_owned(),
            format!("Greeter/Function aaaa1111 -        REPORT RequestId: {rid}\tDuration: 12.00 ms"),
        ],
        "both groups merged in time order; the record of 2 hours ago is left out"
    );
    let o = toolkit(moto, dir, &["logs", "Auditor", "--since", "1h"], &[]);
    assert_eq!(lines_after_time(&o), ["Auditor/Function bbbb2222 INFO     audit written"]);
    let o = toolkit(moto, dir, &["logs", "--since", "1h", "--filter", "refused"], &[]);
    assert_eq!(lines_after_time(&o), ["Greeter/Function aaaa1111 ERROR    model refused"]);

    // moto 5.2.5's StartLiveTail resolves any log group ARN to the last group created (its
    // lookup loop never breaks): the Auditor's group, made last above, is the one it can tail.
    let o = toolkit(moto, dir, &["logs", "Auditor", "--since", "1m", "--tail", "--filter", "audit"], &[]);
    assert_code(&o, 0);
    assert_eq!(
        lines_after_time(&o),
        ["Auditor/Function bbbb2222 INFO     audit written", "Auditor/Function bbbb2222 INFO     audit written"],
        "the history, then the live tail's update (moto sends the group's matching records once and ends the session)"
    );
    assert!(text(&o.stderr).contains("following 1 log group(s)") && text(&o.stderr).contains("the live tail session ended"));
}

async fn hotswap_updates_code_and_environment_in_place(moto: &MotoServer, dir: &Path) {
    let lambda = moto.lambda();
    let greeter = physical_id(moto, "DevOperate", "GreeterFunction").await;
    let before = lambda.get_function().function_name(&greeter).send().await.unwrap();
    let sha_before = before.configuration().and_then(|c| c.code_sha256()).unwrap().to_owned();

    let o = toolkit(moto, dir, &["deploy", "--bucket", BUCKET, "--hotswap"], &[("OPERATE_GREETING", "bonjour")]);
    assert_code(&o, 0);
    let out = text(&o.stdout);
    assert!(
        out.contains("  Greeter/Function  environment: GREETING\n") && out.contains("  Auditor/Function  environment: GREETING\n"),
        "{out}"
    );
    assert!(out.contains("DevOperate: hotswapped; the stack has drifted from its template"), "{out}");
    assert!(out.contains("hotswapping 2 function(s), no change set") && !out.contains("change set agentcdk-"), "no change set: {out}");
    let config = lambda.get_function_configuration().function_name(&greeter).send().await.unwrap();
    assert_eq!(config.environment().and_then(|e| e.variables()).and_then(|v| v.get("GREETING")).map(String::as_str), Some("bonjour"));
    assert_eq!(stack_status(moto, "DevOperate").await, "CREATE_COMPLETE", "CloudFormation did nothing");

    let code = tempfile::tempdir().unwrap();
    std::fs::write(code.path().join("index.py"), "def handler(event, context):\n    return {'v': 2}\n").unwrap();
    let code_dir = code.path().to_str().unwrap();
    let o = toolkit(
        moto,
        dir,
        &["deploy", "--bucket", BUCKET, "--hotswap"],
        &[("OPERATE_GREETING", "bonjour"), ("OPERATE_CODE_DIR", code_dir)],
    );
    assert_code(&o, 0);
    assert!(text(&o.stdout).contains("  Greeter/Function  code: s3://agentcdk-operate/"), "{}", text(&o.stdout));
    let after = lambda.get_function().function_name(&greeter).send().await.unwrap();
    assert_ne!(after.configuration().and_then(|c| c.code_sha256()).unwrap(), sha_before, "moto's function has the new zip");
}

async fn hotswap_falls_back_to_a_full_deploy(moto: &MotoServer, dir: &Path) {
    let env = [("OPERATE_GREETING", "bonjour"), ("OPERATE_MEMORY", "512")];
    let o = toolkit(moto, dir, &["deploy", "--bucket", BUCKET, "--hotswap", "--yes"], &env);
    assert_code(&o, 0);
    let out = text(&o.stdout);
    assert!(out.contains("DevOperate: cannot hotswap: AuditorFunction114C0CC0: MemorySize changed"), "{out}");
    assert!(out.contains("change set") && out.contains("DevOperate: UPDATE_COMPLETE"), "{out}");
    let greeter = physical_id(moto, "DevOperate", "GreeterFunction").await;
    let config = moto.lambda().get_function_configuration().function_name(&greeter).send().await.unwrap();
    assert_eq!(config.memory_size(), Some(512));
}

async fn hotswap_is_refused_on_a_stack_not_marked_development(moto: &MotoServer, dir: &Path) {
    let prod = [("OPERATE_PROD", "1")];
    assert_code(&toolkit(moto, dir, &["deploy", "--bucket", BUCKET, "--yes"], &prod), 0);
    let changed = [("OPERATE_PROD", "1"), ("OPERATE_GREETING", "hi")];
    let o = toolkit(moto, dir, &["deploy", "--bucket", BUCKET, "--hotswap"], &changed);
    assert_code(&o, 1);
    assert!(text(&o.stderr).contains("error: ProdOperate: --hotswap refused: the deployed stack is not marked as a development stack"));
    let greeter = physical_id(moto, "ProdOperate", "GreeterFunction").await;
    let config = moto.lambda().get_function_configuration().function_name(&greeter).send().await.unwrap();
    assert_eq!(config.environment().and_then(|e| e.variables()).and_then(|v| v.get("GREETING")).map(String::as_str), Some("hello"));
    let o = toolkit(moto, dir, &["deploy", "--bucket", BUCKET, "--hotswap", "--force"], &changed);
    assert_code(&o, 0);
    assert!(text(&o.stdout).contains("ProdOperate: hotswapped"));
}
