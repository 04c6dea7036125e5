//! A2A on the construct side: the card the handler is told (`A2A_CARD`, the contract's
//! `CardConfig`), the routes (card public, JSON-RPC behind the agent's access), the remote
//! agents a caller is told (`A2A_AGENTS`) with the identity and exactly the IAM each needs,
//! and every mistake with its code.

use agentcdk::assertions::Template;
use agentcdk::codes;
use agentcdk::contract::a2a::{parse_agents, parse_card, A2aAgentConfig, CallerIdentity, CardSecurity};
use agentcdk::contract::mcp::McpAuthConfig;
use agentcdk::prelude::*;
use agentcdk::DiagnosticCode;
use serde_json::{json, Value as Json};

mod common;
use common::{diagnostics, jwt, runner};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:partner-token";

fn env_of(t: &Template, f: &Function, name: &str) -> Option<Json> {
    t.resource_by_id(f).property(&format!("/Environment/Variables/{name}")).cloned()
}

struct Desk {
    orders: ServerlessAgent,
    billing: ServerlessAgent,
    desk: ServerlessAgent,
    chat: ServerlessAgent,
}

/// orders: Stream over an IAM Function URL; billing: Sync behind the authorizer; desk: a Queue
/// agent calling both and a partner with a bearer secret; chat: a Sync agent behind the same
/// authorizer calling billing (the user's token passes on).
fn desk(stack: &mut Stack) -> Desk {
    let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt());
    let orders = ServerlessAgent::new(
        &mut stack.scope("Orders"),
        AgentProps {
            mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
            a2a: Some(A2aProps::new("Orders", "Looks up orders").skill("lookup", "Order lookup", "Finds an order by id")),
            ..AgentProps::new(Model::bedrock(MODEL), Access::Iam)
        },
    );
    let billing = ServerlessAgent::new(
        &mut stack.scope("Billing"),
        AgentProps { a2a: Some(A2aProps::new("Billing", "Refunds")), ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth)) },
    );
    let desk = ServerlessAgent::new(
        &mut stack.scope("Desk"),
        AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            tools: vec![
                ToolSource::agent(&orders),
                ToolSource::a2a("https://partner.example.com/.well-known/agent-card.json", A2aIdentity::Service(McpAuth::bearer(SECRET))),
            ],
            ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth))
        },
    );
    let chat = ServerlessAgent::new(
        &mut stack.scope("Chat"),
        AgentProps { tools: vec![ToolSource::agent(&billing)], ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth)) },
    );
    Desk { orders, billing, desk, chat }
}

fn synth() -> (Template, Desk) {
    let mut app = App::new();
    let d = desk(app.stack("S", StackProps::default()));
    (Template::from_stack(&mut app, "S"), d)
}

#[test]
fn the_card_follows_the_agents_access_and_mode() {
    let (t, d) = synth();
    let card = |a: &ServerlessAgent| parse_card(env_of(&t, &a.request_handler, "A2A_CARD").unwrap().as_str().unwrap()).expect("CardConfig");
    let orders = card(&d.orders);
    assert_eq!((orders.security, orders.streaming, orders.skills[0].id.as_str()), (CardSecurity::Sigv4, true, "lookup"));
    assert_eq!(orders.version, "1.0.0");
    let billing = card(&d.billing);
    assert_eq!((billing.security, billing.streaming), (CardSecurity::Bearer, false));
    assert_eq!(env_of(&t, &d.desk.request_handler, "A2A_CARD"), None, "no A2A props, no card");
}

#[test]
fn the_card_is_public_and_the_rpc_endpoint_is_behind_the_authorizer() {
    let (t, _) = synth();
    let methods: Vec<Json> = t.resources_of("AWS::ApiGateway::Method").map(|m| m.json.clone()).collect();
    let resources: Vec<(String, Json)> =
        t.resources_of("AWS::ApiGateway::Resource").map(|r| (r.logical_id.to_owned(), r.properties().clone())).collect();
    let path_part = |m: &Json| {
        let id = m["Properties"]["ResourceId"]["Ref"].as_str().unwrap_or_default();
        resources.iter().find(|(rid, _)| rid == id).map(|(_, p)| p["PathPart"].as_str().unwrap().to_owned()).unwrap_or_default()
    };
    let card: Vec<&Json> = methods.iter().filter(|m| path_part(m) == "agent-card.json").collect();
    assert_eq!(card.len(), 1, "only Billing has a REST front door with A2A");
    assert_eq!(card[0]["Properties"]["HttpMethod"], "GET");
    assert_eq!(card[0]["Properties"]["AuthorizationType"], "NONE");
    let skip = card[0]["Metadata"]["checkov"]["skip"].to_string();
    assert!(skip.contains("CKV_AWS_59") && skip.contains("discovery data"), "justified in the template: {skip}");
    let rpc: Vec<&Json> = methods.iter().filter(|m| path_part(m) == "a2a").collect();
    assert_eq!(rpc.len(), 1);
    assert_eq!(rpc[0]["Properties"]["HttpMethod"], "POST");
    assert_eq!(rpc[0]["Properties"]["AuthorizationType"], "CUSTOM");
}

#[test]
fn callers_are_told_their_remote_agents_and_granted_exactly_what_each_call_needs() {
    let (t, d) = synth();
    let runner = runner(&d.desk);
    let value = env_of(&t, runner, "A2A_AGENTS").expect("A2A_AGENTS on the runner");
    let sub = value["Fn::Sub"].as_array().expect("the orders card URL is an intrinsic");
    let text = sub[0].as_str().unwrap().replace("${A2a0}", "https://orders.lambda-url.us-east-1.on.aws/.well-known/agent-card.json");
    let text = text.replace("${Mcp0}", "https://orders.lambda-url.us-east-1.on.aws/.well-known/agent-card.json");
    let agents = parse_agents(&text).expect("A2A_AGENTS parses");
    assert_eq!(agents.len(), 2, "{agents:?}");
    assert_eq!(agents[0].name, "orders");
    assert_eq!(agents[0].identity, CallerIdentity::Service { auth: McpAuthConfig::Sigv4 { service: "lambda".into(), region: None } });
    assert_eq!(
        agents[1],
        A2aAgentConfig {
            name: "partner".into(),
            card_url: "https://partner.example.com/.well-known/agent-card.json".into(),
            identity: CallerIdentity::Service { auth: McpAuthConfig::Bearer { secret_arn: SECRET.into() } },
            timeout_seconds: None,
        }
    );
    assert_eq!(env_of(&t, runner, "MCP_SERVERS"), None, "A2A agents are not MCP servers");
    let orders_fn = json!({"Fn::GetAtt": [d.orders.request_handler.function.logical_id(), "Arn"]});
    t.assert_can_exactly(runner, "lambda:InvokeFunctionUrl", [orders_fn]);
    t.assert_can_exactly(runner, "secretsmanager:GetSecretValue", [json!(SECRET)]);
    t.assert_cannot(&d.desk.request_handler, "lambda:InvokeFunctionUrl");
    // Behind the same authorizer, a Sync caller passes the user's token on: no IAM at all.
    let chat = parse_agents(env_of(&t, &d.chat.request_handler, "A2A_AGENTS").unwrap()["Fn::Sub"][0].as_str().unwrap()).expect("parses");
    assert_eq!(chat[0].identity, CallerIdentity::User);
    t.assert_cannot(&d.chat.request_handler, "secretsmanager:GetSecretValue");
}

#[test]
fn every_a2a_mistake_is_reported_at_once() {
    let found = diagnostics(|stack| {
        let auth = LambdaAuthorizer::jwt(&mut stack.scope("Auth"), jwt());
        let other_auth = LambdaAuthorizer::jwt(&mut stack.scope("OtherAuth"), jwt());
        let _ws = ServerlessAgent::new(
            &mut stack.scope("Ws"),
            AgentProps {
                mode: Mode::WebSocket(QueueOptions::default()),
                a2a: Some(A2aProps::new("Ws", "d")),
                ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth))
            },
        );
        let bad = A2aProps { version: String::new(), ..A2aProps::new("Billing", "d").skill("s", "S", "d").skill("s", "S2", "d") };
        let billing = ServerlessAgent::new(
            &mut stack.scope("Billing"),
            AgentProps { a2a: Some(bad), ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth)) },
        );
        let plain = ServerlessAgent::new(&mut stack.scope("Plain"), AgentProps::new(Model::bedrock(MODEL), Access::Public));
        let _queued = ServerlessAgent::new(
            &mut stack.scope("Queued"),
            AgentProps {
                mode: Mode::Queue(QueueOptions::default()),
                tools: vec![
                    ToolSource::agent(&billing),
                    ToolSource::agent(&plain),
                    ToolSource::a2a("https://billing.example.com/card", A2aIdentity::Service(McpAuth::None)),
                ],
                ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth))
            },
        );
        let _stranger = ServerlessAgent::new(
            &mut stack.scope("Stranger"),
            AgentProps {
                tools: vec![ToolSource::agent(&billing)],
                ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&other_auth))
            },
        );
    });
    let at = |path: &str, code: DiagnosticCode| found.iter().filter(|d| d.path == path && d.code == code).count();
    assert_eq!(at("S/Ws", codes::A2A_FRONT_DOOR), 1, "{found:#?}");
    assert_eq!(at("S/Billing", codes::A2A_CARD_FIELDS), 1);
    assert_eq!(at("S/Billing", codes::A2A_SKILL_DUPLICATE), 1);
    // Queued: billing would need the user's token (none in a queued run), plain has no card,
    // and the partner's tool name 'billing' repeats billing's.
    assert_eq!(at("S/Queued", codes::A2A_REMOTE), 2, "{found:#?}");
    assert_eq!(at("S/Queued", codes::A2A_TOOL_NAME), 1, "{found:#?}");
    assert_eq!(at("S/Stranger", codes::A2A_REMOTE), 1, "another authorizer's agent needs a service identity");
    assert!(found.iter().filter(|d| d.code.to_string().starts_with("AC266")).all(|d| d.hint.is_some()));
}
