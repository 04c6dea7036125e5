//! Helpers shared by the construct tests: building and synthesizing a one-stack app, reading
//! back its diagnostics or template, and the props several tests start from.

#![allow(dead_code)] // each test crate uses its own subset

use agentcdk::assertions::Template;
use agentcdk::prelude::*;
use agentcdk::{Diagnostic, DiagnosticCode, Diagnostics, Severity};
use serde_json::Value as Json;

/// A JWT config for issuer `https://issuer.example.com/` and audience `api`.
pub fn jwt() -> JwtConfig {
    JwtConfig { issuer: "https://issuer.example.com/".into(), audience: vec!["api".into()], ..Default::default() }
}

/// Builds stack `S` with `build`, synthesizes it, and returns its template and what `build`
/// returned (the constructs' handles).
pub fn synth<T>(build: impl FnOnce(&mut Stack) -> T) -> (Template, T) {
    let mut app = App::new();
    let handles = build(app.stack("S", StackProps::default()));
    (Template::from_stack(&mut app, "S"), handles)
}

/// Builds an app with `build`, synthesizes it, and returns what it reported.
pub fn diagnostics(build: impl FnOnce(&mut Stack)) -> Vec<Diagnostic> {
    let mut app = App::new();
    build(app.stack("S", StackProps::default()));
    match app.synthesize(&[]) {
        // The template-size warning is about the stack, not the construct under test.
        Ok(a) => a.warnings.into_iter().filter(|w| w.code != agentcdk_synth::codes::TEMPLATE_NEEDS_BUCKET).collect(),
        Err(Diagnostics(d)) => d.into_iter().filter(|w| w.code != agentcdk_synth::codes::TEMPLATE_NEEDS_BUCKET).collect(),
    }
}

/// `build` reports exactly one finding: of `severity`, with `code`, at `path`, with a hint.
#[track_caller]
pub fn expect(build: impl FnOnce(&mut Stack), severity: Severity, path: &str, code: DiagnosticCode) {
    let found = diagnostics(build);
    assert_eq!(
        found.len(),
        1,
        "expected one finding {code}, got:\n{}",
        found.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
    let d = &found[0];
    assert_eq!((d.severity, d.code, d.path.as_str()), (severity, code, path), "{d}");
    assert!(d.hint.as_deref().is_some_and(|h| !h.is_empty()), "every finding has a hint: {d}");
}

/// `build` reports exactly one error, with `code`, at `path`, with a hint.
#[track_caller]
pub fn expect_error(build: impl FnOnce(&mut Stack), path: &str, code: DiagnosticCode) {
    expect(build, Severity::Error, path, code);
}

/// The names of the handler assets in `assembly`, sorted (any other asset fails the test).
pub fn handler_asset_names(assembly: &agentcdk_synth::Assembly) -> Vec<String> {
    let mut names: Vec<String> = assembly
        .assets
        .values()
        .map(|a| match a {
            AssetSource::Handler { name, .. } => name.clone(),
            other => panic!("unexpected asset {other:?}"),
        })
        .collect();
    names.sort();
    names
}

/// An AgentCore runtime from a container image with one endpoint `prod`, IAM or custom-JWT
/// (audience `a`) inbound auth, and `request_headers` allowlisted.
pub fn runtime_props(jwt: bool, request_headers: &[&str]) -> AgentCoreRuntimeProps {
    AgentCoreRuntimeProps {
        artifact: RuntimeArtifact::Container { uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1".into() },
        authorizer: if jwt {
            RuntimeAuthorizer::CustomJwt {
                discovery_url: "https://issuer.example.com/.well-known/openid-configuration".into(),
                allowed_audience: vec!["a".into()],
                allowed_clients: vec![],
                allowed_scopes: vec![],
                custom_claims: Default::default(),
            }
        } else {
            RuntimeAuthorizer::Iam
        },
        endpoints: vec![RuntimeEndpointProps { name: "prod".into(), ..Default::default() }],
        request_headers: request_headers.iter().map(|h| (*h).to_owned()).collect(),
        ..Default::default()
    }
}

/// Every mode an agent can run in (Stream over REST and over a Function URL): what a test of
/// "works in every mode" loops over.
pub fn every_mode() -> [Mode; 5] {
    [
        Mode::Sync,
        Mode::Queue(QueueOptions::default()),
        Mode::WebSocket(QueueOptions::default()),
        Mode::Stream(StreamOptions::default()),
        Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
    ]
}

/// CloudFormation's `Fn::Sub` with sample values: each `${Name}` replaced by `sample` of its
/// variable's intrinsic, `${!x}` unescaped to `${x}`; a plain string as it is.
pub fn substitute(value: &Json, sample: impl Fn(&Json) -> String) -> String {
    let Some(parts) = value.get("Fn::Sub").and_then(Json::as_array) else {
        return value.as_str().expect("a literal string or Fn::Sub").to_owned();
    };
    let mut text = parts[0].as_str().expect("template").to_owned();
    for (name, intrinsic) in parts[1].as_object().expect("vars") {
        text = text.replace(&format!("${{{name}}}"), &sample(intrinsic));
    }
    assert!(!text.contains("${") || text.contains("${!"), "every placeholder has a variable: {text}");
    text.replace("${!", "${")
}

/// The function that runs the agent's model: the queued runner, or the request handler itself.
pub fn runner(agent: &ServerlessAgent) -> &Function {
    match agent.backend() {
        Backend::Queued(q) => &q.runner,
        Backend::Inline => &agent.request_handler,
    }
}
