//! Lambda functions as tools end to end through `dev`: dev serves the Lambda `Invoke` API for
//! the stack's functions (moto cannot run them) and points every function's
//! `AWS_ENDPOINT_URL_LAMBDA` at it. A Sync agent's request handler invokes its Lambda tools with
//! the real `aws-sdk-lambda` client (SigV4, verified by dev); the tool function's answer reaches
//! the scripted model, whose reply quotes it; a function that fails is an error result the model
//! sees, and the turn still answers 200. The API's own answers (Event 202, DryRun 204, unknown
//! function 404, unsigned 403, function error header) are checked with signed requests.

mod support;

use std::time::{Duration, SystemTime};

use agentcdk::prelude::*;
use agentcdk_dev::chat::http;
use agentcdk_dev::{DevServer, FrontDoorKind};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use support::{serve, ModelPeer, TOOL_REPLY_PREFIX};

/// A public Sync agent with two Lambda tools: `echo_city` (the `bench-hello` function, which
/// answers with its event) and `broken` (a function whose init fails: response-handler
/// without its table; 3 s timeout, so the agent waits 8 s at most); `echo_short` is `echo_city`
/// with a 5-byte result cap.
fn app() -> App {
    let mut app = App::new();
    let stack = app.stack("LambdaToolsDev", StackProps::default());
    let echo = Function::new(&mut stack.scope("Echo"), FunctionProps { code: Code::handler("bench-hello"), ..Default::default() });
    let broken = Function::new(
        &mut stack.scope("Broken"),
        FunctionProps { code: Code::handler("response-handler"), timeout: Duration::from_secs(3), ..Default::default() },
    );
    let spec = |name: &str| ToolSpec {
        name: name.into(),
        description: "Weather for a city".into(),
        input_schema: json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    };
    let agent = ServerlessAgent::new(
        &mut stack.scope("Support"),
        AgentProps {
            system_prompt: "You answer questions about the weather.".into(),
            tools: vec![
                ToolSource::lambda(&echo, spec("echo_city")),
                ToolSource::lambda(&broken, spec("broken")),
                ToolSource::lambda(&echo, spec("echo_short")).max_result_bytes(5),
            ],
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
        },
    );
    stack.output("ApiUrl", agent.endpoint().url());
    app
}

async fn ask(dev: &DevServer) -> (u16, Value) {
    let chat = format!("{}/api/v1/chat", dev.url(FrontDoorKind::RestApi).expect("a REST API"));
    let msg = json!({"message": "What is the weather in Oslo?"}).to_string().into_bytes();
    let (status, body) =
        tokio::time::timeout(Duration::from_secs(60), http("POST", &chat, &[("content-type", "application/json".into())], msg))
            .await
            .expect("in time")
            .expect("POST");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_model_gets_the_lambda_tools_answer() {
    let peer = ModelPeer::tool_user("echo_city", json!({"city": "Oslo"})).await;
    let (dev, _dir) = serve(app(), &peer).await;
    let (status, v) = ask(&dev).await;
    assert_eq!(status, 200, "{v}");
    let calls = peer.calls.lock().expect("lock").clone();
    assert_eq!(calls.len(), 2, "one tool call, then the answer: {calls:?}");
    let offered: Vec<&str> = calls[0]["tools"].as_array().into_iter().flatten().filter_map(|t| t["function"]["name"].as_str()).collect();
    assert_eq!(offered, ["echo_city", "broken", "echo_short"], "LAMBDA_TOOLS reached the model");
    assert_eq!(calls[0]["tools"][0]["function"]["parameters"]["required"], json!(["city"]), "the spec's schema");
    let reply = v["reply"].as_str().expect("a reply");
    let answer: Value = serde_json::from_str(reply.strip_prefix(TOOL_REPLY_PREFIX).unwrap_or(reply)).unwrap_or(Value::Null);
    assert_eq!(answer, json!({"city": "Oslo"}), "the function's answer (its event, echoed) came back: {reply}");
    let echo = dev.function_ids().into_iter().find(|id| id.starts_with("Echo")).expect("the echo function");
    assert!(dev.function(&echo).and_then(|f| f.last_report()).is_some(), "the tool ran under dev's Runtime API");
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_function_is_an_error_result_for_the_model() {
    let peer = ModelPeer::tool_user("broken", json!({"city": "Oslo"})).await;
    let (dev, _dir) = serve(app(), &peer).await;
    let (status, v) = ask(&dev).await;
    assert_eq!(status, 200, "a tool error is not a failed run: {v}");
    let reply = v["reply"].as_str().expect("a reply");
    assert!(reply.starts_with(&format!("{TOOL_REPLY_PREFIX}error: the tool's function failed: ")), "{reply}");
    assert!(reply.contains("errorType"), "the function error's JSON reaches the model: {reply}");
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_answer_is_cut_and_the_model_is_told() {
    let peer = ModelPeer::tool_user("echo_short", json!({"city": "Oslo"})).await;
    let (dev, _dir) = serve(app(), &peer).await;
    let (status, v) = ask(&dev).await;
    assert_eq!(status, 200, "{v}");
    let reply = v["reply"].as_str().expect("a reply");
    assert!(
        reply.starts_with(&format!("{TOOL_REPLY_PREFIX}{{\"cit\n[result cut: the tool returned 15 bytes, the limit is 5 bytes")),
        "{reply}"
    );
    dev.shutdown().await;
}

/// A request to dev's Invoke API, signed like the SDK signs it (service `lambda`, the local
/// secret) unless `signed` is false; returns status, headers and body.
async fn invoke(dev: &DevServer, function: &str, kind: &str, body: &str, signed: bool) -> (u16, hyper::HeaderMap, Vec<u8>) {
    let url = format!("{}/2015-03-31/functions/{}/invocations", dev.lambda_endpoint(), agentcdk_dev::chat::encode(function));
    let host = url.trim_start_matches("http://").split('/').next().expect("host").to_owned();
    let mut headers = vec![("host".to_owned(), host), ("x-amz-invocation-type".to_owned(), kind.to_owned())];
    if signed {
        let identity = aws_sdk_sqs::config::Credentials::new("AKIDLOCAL", agentcdk_dev::sigv4::LOCAL_SECRET, None, None, "t").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("lambda")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .expect("params");
        let req =
            SignableRequest::new("POST", &url, headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), SignableBody::Bytes(body.as_bytes()))
                .expect("signable");
        let (instructions, _) = sign(req, &params.into()).expect("signed").into_parts();
        headers.extend(instructions.headers().map(|(k, v)| (k.to_owned(), v.to_owned())));
    }
    let mut req = hyper::Request::post(&url);
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<bytes::Bytes>>();
    let resp = client.request(req.body(Full::new(bytes::Bytes::from(body.to_owned()))).expect("request")).await.expect("answer");
    let (parts, body) = resp.into_parts();
    (parts.status.as_u16(), parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_invoke_api_answers_as_lambda_does() {
    let peer = ModelPeer::start("unused", Duration::ZERO).await;
    let (dev, _dir) = serve(app(), &peer).await;
    let name = |prefix: &str| {
        let id = dev.function_ids().into_iter().find(|id| id.starts_with(prefix)).expect("function");
        dev.function(&id).expect("function").spec().name.clone()
    };
    let (echo, broken) = (name("Echo"), name("Broken"));
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{echo}");

    let (status, _, body) = invoke(&dev, &arn, "RequestResponse", r#"{"a":1}"#, true).await;
    assert_eq!((status, serde_json::from_slice::<Value>(&body).ok()), (200, Some(json!({"a": 1}))), "by ARN");
    let (status, h, body) = invoke(&dev, &broken, "RequestResponse", "{}", true).await;
    assert_eq!(status, 200, "a function error is a 200");
    assert_eq!(h.get("x-amz-function-error").map(|v| v.to_str().unwrap_or_default()), Some("Unhandled"));
    assert!(serde_json::from_slice::<Value>(&body).ok().is_some_and(|v| v["errorType"].is_string()), "{}", String::from_utf8_lossy(&body));
    assert_eq!(invoke(&dev, &echo, "Event", "{}", true).await.0, 202);
    assert_eq!(invoke(&dev, &echo, "DryRun", "{}", true).await.0, 204);
    assert_eq!(invoke(&dev, &echo, "Sometimes", "{}", true).await.0, 400);
    let (status, h, _) = invoke(&dev, "no-such-function", "RequestResponse", "{}", true).await;
    assert_eq!(status, 404);
    assert_eq!(h.get("x-amzn-errortype").map(|v| v.to_str().unwrap_or_default()), Some("ResourceNotFoundException"));
    assert_eq!(invoke(&dev, &echo, "RequestResponse", "not json", true).await.0, 400);
    assert_eq!(invoke(&dev, &echo, "RequestResponse", "{}", false).await.0, 403, "unsigned");
    dev.shutdown().await;
}
