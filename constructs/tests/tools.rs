//! Tools over MCP on the construct side: `MCP_SERVERS` parses back into the handlers' contract
//! type, each source gets exactly the IAM it needs on exactly the functions that run the agent,
//! `McpServer` serves the orders tools with read-only access, and every mistake has its code.

use agentcdk::assertions::{absent, exact, Template};
use agentcdk::codes;
use agentcdk::contract::mcp::{parse_servers, McpAuthConfig, McpServerConfig};
use agentcdk::contract::{env, mcp};
use agentcdk::object_like;
use agentcdk::prelude::*;
use agentcdk::DiagnosticCode;
use serde_json::{json, Value as Json};

mod common;
use common::{diagnostics, every_mode, jwt, runner, substitute, synth};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const TOKEN_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tools-token";

fn gateway(stack: &mut Stack, id: &str, authorizer: GatewayAuthorizer) -> AgentCoreGateway {
    AgentCoreGateway::new(&mut stack.scope(id), AgentCoreGatewayProps { authorizer, ..Default::default() })
}

fn jwt_authorizer() -> GatewayAuthorizer {
    GatewayAuthorizer::CustomJwt {
        discovery_url: "https://issuer.example.com/.well-known/openid-configuration".into(),
        allowed_audience: vec!["tools".into()],
        allowed_clients: vec![],
    }
}

/// What a Queue agent with one source of every kind declares, and its handles.
struct Every {
    agent: ServerlessAgent,
    orders: McpServer,
    iam_gateway: AgentCoreGateway,
    jwt_gateway: AgentCoreGateway,
}

/// A Queue agent with: the orders server (IAM URL), an IAM gateway, a CUSTOM_JWT gateway with a
/// bearer token, a literal server with OAuth client credentials whose secret is a parameter.
fn every_kind(stack: &mut Stack) -> Every {
    let oauth_secret = stack.parameter("OauthSecretArn", Parameter::string());
    let (orders, _) = McpServer::orders(&mut stack.scope("Orders"), McpServerProps::default());
    let iam_gateway = gateway(stack, "IamGw", GatewayAuthorizer::AwsIam);
    let jwt_gateway = gateway(stack, "JwtGw", jwt_authorizer());
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt());
    let agent = ServerlessAgent::new(
        &mut stack.scope("Agent"),
        AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            tools: vec![
                ToolSource::server(&orders).allow(["get_order"]),
                ToolSource::gateway(&iam_gateway),
                ToolSource::gateway(&jwt_gateway).with_auth(McpAuth::bearer(TOKEN_ARN)),
                ToolSource::mcp(
                    "https://tools.example.com/mcp?x=${literal}",
                    McpAuth::OAuthClientCredentials {
                        token_url: "https://auth.example.com/oauth2/token".into(),
                        secret: oauth_secret.value().into(),
                        scope: Some("tools/read".into()),
                    },
                )
                .timeout(std::time::Duration::from_secs(10))
                .max_result_bytes(5000),
            ],
            ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth))
        },
    );
    Every { agent, orders, iam_gateway, jwt_gateway }
}

fn sample(intrinsic: &Json) -> String {
    match (intrinsic.get("Fn::GetAtt"), intrinsic.get("Ref")) {
        (Some(att), _) if att[1] == "FunctionUrl" => "https://orders.lambda-url.us-east-1.on.aws/".into(),
        (Some(att), _) if att[1] == "GatewayUrl" => {
            format!("https://{}.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp", att[0].as_str().unwrap())
        }
        (_, Some(r)) => format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{}", r.as_str().unwrap()),
        _ => panic!("unexpected intrinsic {intrinsic}"),
    }
}

fn mcp_servers(t: &Template, f: &Function) -> Option<Json> {
    t.resource_by_id(f).property(&format!("/Environment/Variables/{}", env::MCP_SERVERS)).cloned()
}

#[test]
fn mcp_servers_parse_back_into_the_contract_type() {
    let (t, every) = synth(every_kind);
    let value = mcp_servers(&t, runner(&every.agent)).expect("the runner is told its tools");
    let servers = parse_servers(&substitute(&value, sample)).expect("MCP_SERVERS is a list of McpServerConfig");
    let gw_url = |id: &str| format!("https://{id}.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp");
    let expected = vec![
        McpServerConfig {
            url: "https://orders.lambda-url.us-east-1.on.aws/".into(),
            auth: McpAuthConfig::Sigv4 { service: mcp::SIGV4_SERVICE_LAMBDA.into(), region: None },
            allow: vec!["get_order".into()],
            timeout_seconds: None,
            max_result_bytes: None,
        },
        McpServerConfig {
            url: gw_url(every.iam_gateway.gateway.logical_id()),
            auth: McpAuthConfig::Sigv4 { service: mcp::SIGV4_SERVICE_AGENTCORE.into(), region: None },
            allow: vec![],
            timeout_seconds: None,
            max_result_bytes: None,
        },
        McpServerConfig {
            url: gw_url(every.jwt_gateway.gateway.logical_id()),
            auth: McpAuthConfig::Bearer { secret_arn: TOKEN_ARN.into() },
            allow: vec![],
            timeout_seconds: None,
            max_result_bytes: None,
        },
        McpServerConfig {
            url: "https://tools.example.com/mcp?x=${literal}".into(),
            auth: McpAuthConfig::OauthClientCredentials {
                token_url: "https://auth.example.com/oauth2/token".into(),
                secret_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:OauthSecretArn".into(),
                scope: Some("tools/read".into()),
            },
            allow: vec![],
            timeout_seconds: Some(10),
            max_result_bytes: Some(5000),
        },
    ];
    assert_eq!(servers, expected);
}

#[test]
fn literal_sources_are_a_plain_string() {
    let (t, agent) = synth(|s| {
        let props = AgentProps {
            tools: vec![ToolSource::mcp("http://127.0.0.1:8000/mcp?q=${x}", McpAuth::None).allow(["a", "b"])],
            ..AgentProps::new(Model::bedrock(MODEL), Access::Public)
        };
        ServerlessAgent::new(&mut s.scope("Agent"), props)
    });
    let value = mcp_servers(&t, &agent.request_handler).expect("the Sync handler runs the agent");
    let text = value.as_str().expect("no intrinsic: a plain string, nothing escaped");
    assert_eq!(
        parse_servers(text).unwrap(),
        vec![McpServerConfig {
            url: "http://127.0.0.1:8000/mcp?q=${x}".into(),
            auth: McpAuthConfig::None,
            allow: vec!["a".into(), "b".into()],
            timeout_seconds: None,
            max_result_bytes: None
        }]
    );
}

#[test]
fn each_source_gets_exactly_its_iam_on_the_runner_only() {
    let (t, every) = synth(every_kind);
    let runner = runner(&every.agent);
    let orders_fn = json!({"Fn::GetAtt": [every.orders.function.function.logical_id(), "Arn"]});
    t.assert_can_exactly(runner, "secretsmanager:GetSecretValue", [json!(TOKEN_ARN), json!({"Ref": "OauthSecretArn"})]);
    t.assert_cannot(runner, "secretsmanager:DescribeSecret");
    t.assert_can_exactly(
        runner,
        "bedrock-agentcore:InvokeGateway",
        [json!({"Fn::GetAtt": [every.iam_gateway.gateway.logical_id(), "GatewayArn"]})],
    );
    t.assert_can_exactly(runner, "lambda:InvokeFunctionUrl", [orders_fn.clone()]);
    // Lambda asks for InvokeFunction too since October 2025, only through the URL.
    let invoke: Vec<_> = t.statements_of(runner).into_iter().filter(|s| s.allows("lambda:InvokeFunction")).collect();
    assert_eq!(invoke.len(), 1, "{invoke:?}");
    assert_eq!(invoke[0].resources, vec![orders_fn]);
    assert_eq!(invoke[0].condition, Some(json!({"Bool": {"lambda:InvokedViaFunctionUrl": "true"}})));
    // The queueing request handler and the response handler run no agent.
    let Backend::Queued(q) = every.agent.backend() else { panic!("queued") };
    for f in [&every.agent.request_handler, &q.response_handler] {
        assert_eq!(mcp_servers(&t, f), None, "{}", f.path);
        for action in ["secretsmanager:GetSecretValue", "bedrock-agentcore:InvokeGateway", "lambda:InvokeFunctionUrl"] {
            t.assert_cannot(f, action);
        }
    }
}

#[test]
fn every_mode_wires_the_functions_that_run_the_agent_and_no_other() {
    for mode in every_mode() {
        let (t, (agent, gw)) = synth(|s| {
            let gw = gateway(s, "Gw", GatewayAuthorizer::AwsIam);
            let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
            let access = match mode {
                Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }) => Access::Iam,
                _ => Access::Authorizer(&auth),
            };
            let props = AgentProps { mode, tools: vec![ToolSource::gateway(&gw)], ..AgentProps::new(Model::bedrock(MODEL), access) };
            (ServerlessAgent::new(&mut s.scope("Agent"), props), gw)
        });
        let runs_agent = match agent.backend() {
            Backend::Queued(q) => q.runner.function.logical_id().to_owned(),
            Backend::Inline => agent.request_handler.function.logical_id().to_owned(),
        };
        let gw_arn = json!({"Fn::GetAtt": [gw.gateway.logical_id(), "GatewayArn"]});
        for f in t.resources_of("AWS::Lambda::Function") {
            let told = f.property(&format!("/Environment/Variables/{}", env::MCP_SERVERS)).is_some();
            assert_eq!(told, f.logical_id == runs_agent, "{mode:?}: {} MCP_SERVERS", f.logical_id);
            if f.logical_id == runs_agent {
                t.assert_can_exactly(f.logical_id, "bedrock-agentcore:InvokeGateway", [gw_arn.clone()]);
            } else {
                t.assert_cannot(f.logical_id, "bedrock-agentcore:InvokeGateway");
            }
        }
    }
}

#[test]
fn without_tools_nothing_is_added() {
    let (t, _) = synth(|s| ServerlessAgent::new(&mut s.scope("Agent"), AgentProps::new(Model::bedrock(MODEL), Access::Public)));
    t.has_resource_properties(
        "AWS::Lambda::Function",
        object_like! {"Environment" => object_like!{"Variables" => object_like!{env::MCP_SERVERS => absent()}}},
    );
    assert!(!t.json().to_string().contains(env::MCP_SERVERS));
}

#[test]
fn the_orders_server_reads_its_table_and_index_only() {
    let (t, (server, table)) = synth(|s| McpServer::orders(&mut s.scope("Orders"), McpServerProps::default()));
    let f = server.function();
    t.resource_has_properties(
        f,
        object_like! {"Environment" => object_like!{"Variables" => object_like!{mcp::ORDERS_TABLE => json!({"Ref": table.table.logical_id()})}}},
    );
    t.resource_has_properties(
        &table.table,
        object_like! {
            "KeySchema" => exact(json!([{"AttributeName": "order_id", "KeyType": "HASH"}])),
            "GlobalSecondaryIndexes" => exact(json!([{
                "IndexName": "by-customer",
                "KeySchema": [{"AttributeName": "customer_id", "KeyType": "HASH"}, {"AttributeName": "created_at", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}
            }]))
        },
    );
    let arn = json!({"Fn::GetAtt": [table.table.logical_id(), "Arn"]});
    t.assert_can_exactly(f, "dynamodb:GetItem", [arn.clone()]);
    t.assert_can_exactly(f, "dynamodb:Query", [json!({"Fn::Sub": ["${Arn}/index/by-customer", {"Arn": arn}]})]);
    for action in ["dynamodb:PutItem", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:DeleteItem"] {
        t.assert_cannot(f, action);
    }
    let McpFront::FunctionUrl(url) = &server.front else { panic!("a Function URL by default") };
    t.resource_has_properties(&url.url, object_like! {"AuthType" => "AWS_IAM"});
}

/// `McpServer` behind API Gateway REST with a Lambda authorizer: `POST /mcp` takes the
/// authorizer, no Function URL; an agent must bring a token (AC2604) and then gets the REST URL
/// with its bearer token, its secret only, and no Lambda invoke right.
#[test]
fn a_server_behind_an_authorizer_is_rest_and_its_agent_brings_a_token() {
    let (t, (agent, server)) = synth(|s| {
        let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
        let props = McpServerProps { authorizer: Some(auth), ..Default::default() };
        let (server, _) = McpServer::orders(&mut s.scope("Tools"), props);
        let tools = vec![ToolSource::server(&server).with_auth(McpAuth::bearer(TOKEN_ARN))];
        let agent =
            ServerlessAgent::new(&mut s.scope("Agent"), AgentProps { tools, ..AgentProps::new(Model::bedrock(MODEL), Access::Public) });
        (agent, server)
    });
    t.resource_count_is("AWS::Lambda::Url", 0);
    let McpFront::RestApi(api) = &server.front else { panic!("a REST API") };
    let authorizers = t.find_resources("AWS::ApiGateway::Authorizer", json!({"RestApiId": {"Ref": api.api.logical_id()}}));
    assert_eq!(authorizers.len(), 1, "the MCP API's own authorizer");
    let methods = t.find_resources("AWS::ApiGateway::Method", json!({"RestApiId": {"Ref": api.api.logical_id()}}));
    assert_eq!(methods.len(), 1, "one method, POST /mcp: {:?}", methods.iter().map(|m| m.logical_id).collect::<Vec<_>>());
    let method = methods[0].json["Properties"].clone();
    assert_eq!((method["HttpMethod"].as_str(), method["AuthorizationType"].as_str()), (Some("POST"), Some("CUSTOM")), "{method}");
    assert_eq!(method["AuthorizerId"], json!({"Ref": authorizers[0].logical_id}), "{method}");
    let servers = parse_servers(&substitute_rest(&mcp_servers(&t, &agent.request_handler).unwrap())).unwrap();
    assert!(servers[0].url.starts_with("https://abc123.execute-api.") && servers[0].url.ends_with("/mcp"), "{}", servers[0].url);
    assert_eq!(servers[0].auth, McpAuthConfig::Bearer { secret_arn: TOKEN_ARN.into() });
    t.assert_can_exactly(&agent.request_handler, "secretsmanager:GetSecretValue", [json!(TOKEN_ARN)]);
    t.assert_cannot(&agent.request_handler, "lambda:InvokeFunctionUrl");
    t.assert_cannot(&agent.request_handler, "lambda:InvokeFunction");

    expect_codes(
        |s| {
            let auth = LambdaAuthorizer::jwt(&mut s.scope("Auth"), jwt());
            let (server, _) = McpServer::orders(&mut s.scope("Tools"), McpServerProps { authorizer: Some(auth), ..Default::default() });
            agent_with(s, vec![ToolSource::server(&server)]);
        },
        &[(codes::TOOLS_GATEWAY_TOKEN, "S/Agent")],
    );
}

/// [`substitute`] for a REST API's URL: nested `Fn::Sub`s rendered in place, every `Ref` (the
/// API's id) as `abc123`; pseudo parameters stay as written.
fn substitute_rest(value: &Json) -> String {
    let Some(parts) = value.get("Fn::Sub").and_then(Json::as_array) else {
        return value.as_str().map(str::to_owned).unwrap_or_else(|| "abc123".into());
    };
    let mut text = parts[0].as_str().expect("template").to_owned();
    for (name, intrinsic) in parts[1].as_object().expect("vars") {
        text = text.replace(&format!("${{{name}}}"), &substitute_rest(intrinsic));
    }
    text.replace("${!", "${")
}

#[test]
fn a_public_server_is_called_without_auth_or_grants() {
    let (t, agent) = synth(|s| {
        let (server, _) = McpServer::orders(&mut s.scope("Tools"), McpServerProps { auth: UrlAuth::None, ..Default::default() });
        let props = AgentProps { tools: vec![ToolSource::server(&server)], ..AgentProps::new(Model::bedrock(MODEL), Access::Public) };
        ServerlessAgent::new(&mut s.scope("Agent"), props)
    });
    let servers = parse_servers(&substitute(&mcp_servers(&t, &agent.request_handler).unwrap(), sample)).unwrap();
    assert_eq!(servers[0].auth, McpAuthConfig::None);
    t.assert_cannot(&agent.request_handler, "lambda:InvokeFunctionUrl");
    t.assert_cannot(&agent.request_handler, "lambda:InvokeFunction");
}

#[track_caller]
fn expect_codes(build: impl FnOnce(&mut Stack), expected: &[(DiagnosticCode, &str)]) {
    let found = diagnostics(build);
    let got: Vec<_> = found.iter().map(|d| (d.code, d.path.as_str())).collect();
    assert_eq!(got, expected, "{}", found.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
    assert!(found.iter().all(|d| d.hint.as_deref().is_some_and(|h| !h.is_empty())));
}

fn agent_with(s: &mut Stack, tools: Vec<ToolSource>) {
    let props = AgentProps { tools, ..AgentProps::new(Model::bedrock(MODEL), Access::Public) };
    ServerlessAgent::new(&mut s.scope("Agent"), props);
}

#[test]
fn checks_have_their_codes() {
    let ok = |url: &str| ToolSource::mcp(url, McpAuth::None);
    expect_codes(|s| agent_with(s, vec![ok("https://a/mcp"), ok("http://127.0.0.1:9000/mcp"), ok("http://localhost/mcp")]), &[]);
    expect_codes(|s| agent_with(s, vec![ok("http://tools.example.com/mcp")]), &[(codes::TOOLS_URL_SCHEME, "S/Agent")]);
    expect_codes(|s| agent_with(s, vec![ok("http://localhost.evil.com/mcp")]), &[(codes::TOOLS_URL_SCHEME, "S/Agent")]);
    expect_codes(|s| agent_with(s, vec![ok("https://a/mcp"), ok("https://a/mcp")]), &[(codes::TOOLS_DUPLICATE, "S/Agent")]);
    expect_codes(
        |s| {
            let gw = gateway(s, "Gw", GatewayAuthorizer::AwsIam);
            agent_with(s, vec![ToolSource::gateway(&gw), ToolSource::gateway(&gw).allow(["x"])]);
        },
        &[(codes::TOOLS_DUPLICATE, "S/Agent")],
    );
    expect_codes(|s| agent_with(s, vec![ok("https://a/mcp").allow(["get_order", ""])]), &[(codes::TOOLS_ALLOW_ENTRY, "S/Agent")]);
    expect_codes(|s| agent_with(s, vec![ok("https://a/mcp").allow(["get order"])]), &[(codes::TOOLS_ALLOW_ENTRY, "S/Agent")]);
    expect_codes(
        |s| {
            let gw = gateway(s, "Gw", jwt_authorizer());
            agent_with(s, vec![ToolSource::gateway(&gw)]);
        },
        &[(codes::TOOLS_GATEWAY_TOKEN, "S/Agent")],
    );
    expect_codes(
        |s| {
            let gw = gateway(s, "Gw", jwt_authorizer());
            agent_with(s, vec![ToolSource::gateway(&gw).with_auth(McpAuth::bearer(TOKEN_ARN))]);
        },
        &[],
    );
    expect_codes(
        |s| agent_with(s, vec![ok("https://a/mcp").timeout(std::time::Duration::from_millis(500))]),
        &[(codes::TOOLS_BOUNDS, "S/Agent")],
    );
    expect_codes(|s| agent_with(s, vec![ok("https://a/mcp").max_result_bytes(0)]), &[(codes::TOOLS_BOUNDS, "S/Agent")]);
    expect_codes(
        |s| {
            McpServer::new(&mut s.scope("Tools"), McpServerProps::default());
        },
        &[(codes::MCP_SERVER_NO_TABLE, "S/Tools")],
    );
    expect_codes(
        |s| {
            McpServer::orders(&mut s.scope("Tools"), McpServerProps::default());
        },
        &[],
    );
}

#[test]
fn allowed_origins_reach_the_server_and_bad_ones_have_their_code() {
    let (t, server) = synth(|s| {
        let props = McpServerProps {
            allowed_origins: vec!["https://app.example.com".into(), "http://localhost:3000".into()],
            ..Default::default()
        };
        McpServer::orders(&mut s.scope("Tools"), props).0
    });
    let value = t.resource_by_id(server.function()).property(&format!("/Environment/Variables/{}", env::MCP_ALLOWED_ORIGINS)).cloned();
    assert_eq!(value, Some(json!("https://app.example.com,http://localhost:3000")));
    let (t, server) = synth(|s| McpServer::orders(&mut s.scope("Tools"), McpServerProps::default()).0);
    assert_eq!(t.resource_by_id(server.function()).property(&format!("/Environment/Variables/{}", env::MCP_ALLOWED_ORIGINS)), None);
    for bad in ["https://app.example.com/", "app.example.com", "https://a.example/mcp", "https://"] {
        expect_codes(
            |s| {
                let props = McpServerProps { allowed_origins: vec![bad.into()], ..Default::default() };
                McpServer::orders(&mut s.scope("Tools"), props);
            },
            &[(codes::MCP_SERVER_ORIGIN, "S/Tools")],
        );
    }
}
