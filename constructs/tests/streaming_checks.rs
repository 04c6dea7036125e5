//! Synth-time checks of the streaming surface: Stream mode, Function URLs, AgentCore front doors
//! and the runtime's request header allowlist. Each case makes one mistake and expects exactly
//! one error with its stable code, the construct path and a hint.

mod common;

use std::time::Duration;

use agentcdk::codes;
use agentcdk::prelude::*;
use agentcdk::Severity;
use agentcdk_contract::wire::AGENTCORE_USER_ID_HEADER;
use common::{diagnostics, expect_error, jwt, runtime_props};

fn stream(transport: StreamTransport, access: Access<'_>) -> AgentProps<'_> {
    AgentProps { mode: Mode::Stream(StreamOptions { transport }), ..AgentProps::new(Model::bedrock("m"), access) }
}

fn url_agent(props: AgentProps<'static>) -> impl FnOnce(&mut Stack) {
    move |s| drop(ServerlessAgent::new(&mut s.scope("A"), props))
}

#[test]
fn stream_mode_defaults_are_clean() {
    assert!(diagnostics(url_agent(stream(StreamTransport::FunctionUrl, Access::Iam))).is_empty());
    assert!(diagnostics(url_agent(stream(StreamTransport::FunctionUrl, Access::Public))).is_empty());
    assert!(diagnostics(url_agent(stream(StreamTransport::Rest, Access::Public))).is_empty());
    assert!(diagnostics(|s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        ServerlessAgent::new(&mut s.scope("A"), stream(StreamTransport::Rest, Access::Authorizer(&auth)));
    })
    .is_empty());
}

#[test]
fn stream_mode_checks() {
    expect_error(
        |s| {
            let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
            ServerlessAgent::new(&mut s.scope("A"), stream(StreamTransport::FunctionUrl, Access::Authorizer(&auth)));
        },
        "S/A",
        codes::AGENT_ACCESS,
    );
    expect_error(
        url_agent(AgentProps {
            routes: vec![CustomRoute { method: HttpMethod::Get, path: "x".into(), code: Code::handler("request-handler") }],
            ..stream(StreamTransport::FunctionUrl, Access::Iam)
        }),
        "S/A",
        codes::AGENT_ROUTES_WITHOUT_REST,
    );
    expect_error(url_agent(stream(StreamTransport::Rest, Access::Iam)), "S/A", codes::AGENT_ACCESS);
    expect_error(
        url_agent(AgentProps { timeout: Some(Duration::from_secs(901)), ..stream(StreamTransport::FunctionUrl, Access::Iam) }),
        "S/A/StreamHandler",
        codes::LAMBDA_TIMEOUT,
    );
}

#[test]
fn function_url_cors_needs_origins() {
    expect_error(
        |s| {
            let f = Function::new(&mut s.scope("F"), FunctionProps { code: Code::handler("stream-handler"), ..Default::default() });
            f.add_url(&mut s.scope("U"), FunctionUrlProps { cors: Some(UrlCors::default()), ..Default::default() });
        },
        "S/U",
        codes::URL_CORS_NO_ORIGINS,
    );
}

/// The runtime the front doors call: the tenant header and the verified caller header allowlisted.
fn runtime(jwt: bool) -> AgentCoreRuntimeProps {
    runtime_props(jwt, &["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant", AGENTCORE_USER_ID_HEADER])
}

fn door(jwt: bool, props: impl FnOnce(Option<&LambdaAuthorizer>) -> FrontDoorProps<'_> + 'static) -> impl FnOnce(&mut Stack) {
    move |s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), self::jwt());
        let runtime = AgentCoreRuntime::new(&mut s.scope("Rt"), runtime(jwt));
        AgentCoreFrontDoor::new(&mut s.scope("Door"), &runtime, props(Some(&auth)));
    }
}

#[test]
fn front_door_defaults_are_clean() {
    assert!(diagnostics(door(false, |_| FrontDoorProps::default())).is_empty());
    assert!(diagnostics(door(true, |_| FrontDoorProps {
        kind: FrontDoorKind::FunctionUrl(UrlAuth::None),
        public: true,
        endpoint: Some("prod".into()),
        forward_headers: vec!["x-tenant".into()],
        ..Default::default()
    }))
    .is_empty());
    for kind in [FrontDoorKind::RestBuffered, FrontDoorKind::RestStream] {
        assert!(diagnostics(door(true, move |a| FrontDoorProps { kind, authorizer: a, ..Default::default() })).is_empty(), "{kind:?}");
    }
}

#[test]
fn front_door_checks() {
    expect_error(
        door(false, |_| FrontDoorProps { endpoint: Some("staging".into()), ..Default::default() }),
        "S/Door",
        codes::AGENTCORE_FRONT_DOOR,
    );
    expect_error(
        door(false, |_| FrontDoorProps { forward_headers: vec!["x-region".into()], ..Default::default() }),
        "S/Door",
        codes::AGENTCORE_HEADER,
    );
    expect_error(
        door(true, |a| FrontDoorProps {
            kind: FrontDoorKind::RestStream,
            authorizer: a,
            forward_headers: vec!["Authorization".into()],
            ..Default::default()
        }),
        "S/Door",
        codes::AGENTCORE_HEADER,
    );
    expect_error(door(false, |a| FrontDoorProps { authorizer: a, ..Default::default() }), "S/Door", codes::AGENTCORE_FRONT_DOOR);
    expect_error(door(false, |_| FrontDoorProps { public: true, ..Default::default() }), "S/Door", codes::AGENTCORE_FRONT_DOOR);
    expect_error(
        door(false, |_| FrontDoorProps { kind: FrontDoorKind::FunctionUrl(UrlAuth::None), ..Default::default() }),
        "S/Door",
        codes::AGENTCORE_FRONT_DOOR,
    );
    expect_error(door(true, |_| FrontDoorProps::default()), "S/Door", codes::AGENTCORE_FRONT_DOOR);
    expect_error(
        door(false, |_| FrontDoorProps { kind: FrontDoorKind::RestStream, ..Default::default() }),
        "S/Door",
        codes::AGENTCORE_FRONT_DOOR,
    );
    expect_error(
        door(false, |a| FrontDoorProps { kind: FrontDoorKind::RestBuffered, authorizer: a, public: true, ..Default::default() }),
        "S/Door",
        codes::AGENTCORE_FRONT_DOOR,
    );
    expect_error(
        door(false, |a| FrontDoorProps {
            kind: FrontDoorKind::RestBuffered,
            authorizer: a,
            timeout: Some(Duration::from_secs(30)),
            ..Default::default()
        }),
        "S/Door",
        codes::AGENTCORE_FRONT_DOOR,
    );
    let found = diagnostics(door(false, |_| FrontDoorProps { timeout: Some(Duration::from_secs(901)), ..Default::default() }));
    assert!(found.iter().any(|d| d.path == "S/Door" && d.code == codes::AGENTCORE_FRONT_DOOR), "{found:?}");
}

/// Front door props given the stack's authorizer.
type DoorProps = for<'a> fn(Option<&'a LambdaAuthorizer>) -> FrontDoorProps<'a>;

fn rest_with_authorizer(a: Option<&LambdaAuthorizer>) -> FrontDoorProps<'_> {
    FrontDoorProps { kind: FrontDoorKind::RestBuffered, authorizer: a, ..Default::default() }
}

fn iam_url(_: Option<&LambdaAuthorizer>) -> FrontDoorProps<'_> {
    FrontDoorProps::default()
}

fn public_url(_: Option<&LambdaAuthorizer>) -> FrontDoorProps<'_> {
    FrontDoorProps { kind: FrontDoorKind::FunctionUrl(UrlAuth::None), public: true, ..Default::default() }
}

/// An IAM runtime whose allowlist lacks the user header, with one front door of `props`.
fn door_without_user_header(props: DoorProps) -> impl FnOnce(&mut Stack) {
    move |s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), self::jwt());
        let runtime = AgentCoreRuntime::new(&mut s.scope("Rt"), AgentCoreRuntimeProps { request_headers: vec![], ..runtime(false) });
        AgentCoreFrontDoor::new(&mut s.scope("Door"), &runtime, props(Some(&auth)));
    }
}

#[test]
fn the_verified_caller_header_is_allowlisted_and_never_forwarded_from_clients() {
    // A door that verifies callers sends the user id: a runtime that does not allowlist it gets
    // a warning (the agent would not see who calls); a public door has no caller to send.
    let verified: [DoorProps; 2] = [rest_with_authorizer, iam_url];
    for props in verified {
        let found = diagnostics(door_without_user_header(props));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].severity, found[0].code, found[0].path.as_str()), (Severity::Warning, codes::AGENTCORE_USER_HEADER, "S/Door"));
        assert!(found[0].message.contains(AGENTCORE_USER_ID_HEADER), "{}", found[0]);
        assert!(found[0].hint.as_deref().unwrap_or_default().contains("request_headers"), "{}", found[0]);
    }
    assert!(diagnostics(door_without_user_header(public_url)).is_empty());
    // A client header mapped onto it would let a client pose as another user.
    expect_error(
        door(false, |a| FrontDoorProps {
            kind: FrontDoorKind::RestBuffered,
            authorizer: a,
            forward_headers: vec!["x-user-id".into()],
            ..Default::default()
        }),
        "S/Door",
        codes::AGENTCORE_HEADER,
    );
}

#[test]
fn runtime_request_header_allowlist() {
    let rt = |jwt: bool, headers: &[&str]| {
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        move |s: &mut Stack| {
            drop(AgentCoreRuntime::new(&mut s.scope("Rt"), AgentCoreRuntimeProps { request_headers: headers, ..runtime(jwt) }))
        }
    };
    assert!(diagnostics(rt(false, &["X-Tenant-Id", "traceparent", "X-Amzn-Bedrock-AgentCore-Runtime-Custom-A2A-Version"])).is_empty());
    assert!(diagnostics(rt(true, &["Authorization"])).is_empty(), "a JWT runtime may pass the token to the agent");
    for (header, why) in [
        ("Authorization", "CUSTOM_JWT"),
        ("Content-Type", "restricts"),
        ("x-amz-date", "SigV4"),
        ("X-Amzn-Trace-Id", "reserved"),
        ("X Tenant", "a letter, then"),
    ] {
        expect_error(rt(false, &[header]), "S/Rt", codes::AGENTCORE_HEADER);
        let found = diagnostics(rt(false, &[header]));
        assert!(found[0].message.contains(why), "{header}: {}", found[0]);
    }
    expect_error(rt(false, &["X-Tenant", "x-tenant"]), "S/Rt", codes::AGENTCORE_DUPLICATE);
}
