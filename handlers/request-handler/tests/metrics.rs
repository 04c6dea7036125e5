//! The request-handler binary in Sync mode, driven through the Lambda Runtime API with a
//! scripted OpenAI-format model that reports token usage: every turn writes CloudWatch
//! embedded metric format records on stdout (beside the JSON log lines) carrying the model's
//! own usage numbers, the run's turns, tool calls and errors, and its outcome.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agentcdk_contract::env;
use agentcdk_contract::metrics::NAMESPACE;
use agentcdk_testkit::http::{HttpResponse, HttpServer};
use agentcdk_testkit::runtime_api::{emf_records, Function, Outcome, RuntimeApi};
use serde_json::{json, Value};

/// Call 1 asks for a tool that does not exist (a tool error), call 2 answers; call 3 is
/// rejected (HTTP 400). Each answer reports its usage.
fn model() -> HttpServer {
    let n = AtomicUsize::new(0);
    HttpServer::start(move |_| {
        let (message, finish, usage) = match n.fetch_add(1, Ordering::SeqCst) {
            0 => (
                json!({"role": "assistant", "content": null, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]}),
                "tool_calls",
                json!({"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}),
            ),
            1 => (json!({"role": "assistant", "content": "done"}), "stop", json!({"prompt_tokens": 200, "completion_tokens": 45})),
            _ => return HttpResponse::json(400, &json!({"error": {"message": "bad", "type": "invalid_request_error"}})),
        };
        HttpResponse::json(
            200,
            &json!({"id": "c", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}),
        )
    })
}

fn invoke(api: &RuntimeApi) -> (u64, Value) {
    let event = agentcdk_testkit::events::rest("POST", "/agents/v1/support", Some("u-1"), Some(r#"{"message":"hi"}"#));
    let Outcome::Response(out) = api.invoke(event, Duration::from_secs(60)) else { panic!("no response") };
    (out["statusCode"].as_u64().unwrap_or_default(), serde_json::from_str(out["body"].as_str().expect("body")).expect("json"))
}

/// The records declaring metric `name`, in the order written.
fn declaring<'a>(records: &'a [Value], name: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| {
            r["_aws"]["CloudWatchMetrics"]
                .as_array()
                .is_some_and(|ds| ds.iter().any(|d| d["Metrics"].as_array().is_some_and(|ms| ms.iter().any(|m| m["Name"] == name))))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_emits_the_models_token_usage_and_the_run_outcome_as_emf() {
    let model = model();
    let api = RuntimeApi::start();
    let mut vars: Vec<(String, String)> = vec![("AWS_REGION".into(), "us-east-1".into())];
    for (k, v) in [
        (env::AGENT_MODE, "sync".to_owned()),
        (env::API_BASE_PATH, "/agents".into()),
        (env::API_VERSION, "v1".into()),
        (env::AGENT_ENDPOINT, "support".into()),
        (env::MODEL_PROVIDER, "openai".into()),
        (env::MODEL_ID, "gpt-metrics".into()),
        (env::OPENAI_BASE_URL, model.url()),
        (env::AGENT_NAME, "Shop/Support".into()),
    ] {
        vars.push((k.into(), v));
    }
    let f = Function::spawn(Path::new(env!("CARGO_BIN_EXE_request-handler")), &api, &vars);
    let (status, body) = invoke(&api);
    assert_eq!((status, body["reply"].as_str()), (200, Some("done")), "{body}");
    let (status, _) = invoke(&api);
    assert!(status >= 400, "the rejected model call fails the run");
    let records = emf_records(&f.stop());

    for r in &records {
        let directives = r["_aws"]["CloudWatchMetrics"].as_array().expect("directives");
        assert!(r["_aws"]["Timestamp"].as_u64().is_some(), "{r}");
        assert!(directives.iter().all(|d| d["Namespace"] == NAMESPACE), "{r}");
        assert_eq!(r["Agent"], "Shop/Support", "{r}");
        assert!(r.get("u-1").is_none() && !r.to_string().contains("u-1"), "no user id in metrics: {r}");
    }
    let calls = declaring(&records, "InputTokens");
    let usage: Vec<(f64, f64)> =
        calls.iter().map(|r| (r["InputTokens"].as_f64().unwrap_or(-1.0), r["OutputTokens"].as_f64().unwrap_or(-1.0))).collect();
    assert_eq!(usage, [(120.0, 30.0), (200.0, 45.0)], "one record per answered model call, with the model's usage");
    for r in &calls {
        assert_eq!(r["Model"], "gpt-metrics");
        assert_eq!(r["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Agent", "Model"]]));
        assert!(r["ModelLatency"].as_f64().is_some_and(|ms| ms >= 0.0), "{r}");
    }
    let runs = declaring(&records, "Turns");
    assert_eq!(runs.len(), 2, "one record per run: {records:?}");
    let (ok, failed) = (runs[0], runs[1]);
    assert_eq!((ok["Turns"].as_f64(), ok["ToolCalls"].as_f64(), ok["ToolErrors"].as_f64()), (Some(2.0), Some(1.0), Some(1.0)), "{ok}");
    assert_eq!(ok["RunsCompleted"], 1.0);
    assert!(ok.get("RunsFailed").is_none());
    assert_eq!((failed["RunsFailed"].as_f64(), failed["Reason"].as_str()), (Some(1.0), Some("model_rejected")), "{failed}");
    assert!(failed.to_string().contains(r#"[["Agent"],["Agent","Reason"]]"#), "failures are counted per reason too: {failed}");
}
