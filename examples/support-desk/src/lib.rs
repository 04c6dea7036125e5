//! The multi-agent support desk (re:Invent's serverless-agents pattern): a `SupportCaseOpened`
//! event on the desk's bus starts the orchestrator (queued, WebSocket for the customer), which
//! asks the orders, payments and inventory agents over A2A; each domain agent answers from MCP
//! tools over its own table. The customer gets the recommendation pushed over WebSocket, every
//! run ends with an `Agent Run Completed` / `Agent Run Failed` event on the bus, and the case
//! events are archived for replay.
//!
//! The domain agents stream over IAM Function URLs: the orchestrator's runs are queued and hold
//! no user token, so it calls them with its own role (SigV4) and may invoke exactly those three
//! URLs. Each domain agent's tool server is the stock `mcp-orders` server over the agent's own
//! table (keyed by `order_id`, with a `by-customer` index): orders, payments and inventory
//! records of an order.

#![warn(missing_docs)]

use std::time::Duration;

use agentcdk::prelude::*;
use serde_json::json;

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

/// The case prompt, rendered by the orchestrator's runner from each event (Handlebars).
pub const CASE_PROMPT: &str = "Support case {{detail.case_id}} from customer {{detail.customer_id}}:
{{detail.summary}}
{{#if detail.order_id}}Order: {{detail.order_id}}{{/if}}
Check the order, its payment and stock with the domain agents, then recommend what to do (refund, replacement or neither).";

/// An example `SupportCaseOpened` event: the template is rendered against it at synth.
pub fn sample_case() -> serde_json::Value {
    json!({
        "version": "0", "id": "5b2a5c1e-0000-4000-8000-000000000001", "source": "support.desk",
        "detail-type": "SupportCaseOpened", "account": "123456789012", "time": "2026-11-30T08:00:00Z",
        "region": "us-east-1", "resources": [],
        "detail": {"case_id": "CASE-1001", "customer_id": "cust-42", "order_id": "ord-7", "summary": "I was charged twice for a blender that arrived broken."}
    })
}

/// Sample rows for each domain agent's table (`Orders`, `Payments`, `Inventory`), in the
/// stock MCP server's item shape (`order_id` key, `customer_id`, `status`, `total_cents`,
/// `currency`, `created_at`, `items` of `{sku, name, quantity}`): the order itself, its
/// payment lines (two charges of one amount: the double charge), and the stock of its item.
/// For a local run (`dev`) or a demo account: put them with `aws dynamodb put-item`.
pub fn sample_data() -> Vec<(&'static str, serde_json::Value)> {
    let line = |sku: &str, name: &str, quantity: u32| json!({"sku": sku, "name": name, "quantity": quantity});
    let row = |order: &str, status: &str, cents: u32, items: Vec<serde_json::Value>| {
        json!({"order_id": order, "customer_id": "cust-42", "status": status, "total_cents": cents, "currency": "EUR",
            "created_at": "2026-11-28T10:00:00Z", "items": items})
    };
    vec![
        ("Orders", row("ord-7", "delivered", 8900, vec![line("BL-200", "Blender 200", 1)])),
        (
            "Payments",
            row("ord-7", "paid", 17800, vec![line("charge-1", "Card charge 89.00 EUR", 1), line("charge-2", "Card charge 89.00 EUR", 1)]),
        ),
        ("Inventory", row("ord-7", "pending", 8900, vec![line("BL-200", "Blender 200 in stock", 14)])),
    ]
}

/// One domain agent: Stream mode over an IAM Function URL, an A2A card with one skill, and the
/// stock MCP server over its own table.
fn domain_agent(stack: &mut Stack, id: &str, card: A2aProps, prompt: &str) -> ServerlessAgent {
    let (tools, _table) = McpServer::orders(&mut stack.scope(&format!("{id}Tools")), McpServerProps::default());
    ServerlessAgent::new(
        &mut stack.scope(id),
        AgentProps {
            mode: Mode::Stream(StreamOptions { transport: StreamTransport::FunctionUrl }),
            system_prompt: prompt.into(),
            tools: vec![ToolSource::server(&tools).allow(["get_order", "list_orders"])],
            a2a: Some(card),
            ..AgentProps::new(Model::bedrock(MODEL), Access::Iam)
        },
    )
}

/// The app: one stack, `SupportDesk`.
pub fn app() -> App {
    let mut app = App::new();
    let stack =
        app.stack("SupportDesk", StackProps { description: Some("Multi-agent support desk (A2A, events)".into()), ..Default::default() });
    let auth = LambdaAuthorizer::jwt(
        &mut stack.scope("Auth"),
        JwtConfig { issuer: "https://example.auth0.com/".into(), audience: vec!["support-desk".into()], ..Default::default() },
    );
    let bus = EventBus::new(&mut stack.scope("Bus"), "support-desk");
    let orders = domain_agent(
        stack,
        "Orders",
        A2aProps::new("orders", "Order status, contents and delivery of a customer's orders").skill(
            "order-status",
            "Order status",
            "Looks an order up by id, or a customer's recent orders",
        ),
        "You answer questions about orders from the order tools only.",
    );
    let payments = domain_agent(
        stack,
        "Payments",
        A2aProps::new("payments", "Charges and refunds of an order").skill(
            "payments",
            "Payments",
            "The charges and refunds recorded for an order",
        ),
        "You answer questions about an order's payments (charges, refunds) from the payment records only.",
    );
    let inventory = domain_agent(
        stack,
        "Inventory",
        A2aProps::new("inventory", "Stock and replacement availability").skill(
            "stock",
            "Stock",
            "Whether a replacement for an order's item is in stock",
        ),
        "You answer whether an order's items can be replaced, from the stock records only.",
    );
    let desk = ServerlessAgent::new(
        &mut stack.scope("Desk"),
        AgentProps {
            mode: Mode::WebSocket(QueueOptions::default()),
            system_prompt: "You are the support desk's orchestrator. Ask the orders, payments and inventory agents, then give the customer one clear recommendation.".into(),
            tools: vec![ToolSource::agent(&orders), ToolSource::agent(&payments), ToolSource::agent(&inventory)],
            completion_events: Some(bus.clone()),
            ..AgentProps::new(Model::bedrock(MODEL), Access::Authorizer(&auth))
        },
    );
    desk.on_event(
        &mut stack.scope("CaseOpened"),
        EventTrigger {
            bus: bus.clone(),
            sample: Some(sample_case()),
            session: EventField::Path("$.detail.case_id".into()),
            user: EventField::Path("$.detail.customer_id".into()),
            archive: Some(Duration::from_secs(30 * 86_400)),
            ..EventTrigger::new(json!({"source": ["support.desk"], "detail-type": ["SupportCaseOpened"]}), CASE_PROMPT)
        },
    );
    stack.output("CustomerWebSocketUrl", desk.endpoint().url());
    stack.output(
        "EventBusName",
        Output::new(bus.name()).description("Put SupportCaseOpened events here; Agent Run Completed/Failed come back"),
    );
    app
}
