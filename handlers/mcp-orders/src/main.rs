//! mcp-orders Lambda: see the library docs.

use agentcdk_runtime::mcp::{serve, ServerInfo};
use lambda_runtime::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    agentcdk_runtime::logging::init();
    let sdk = agentcdk_runtime::aws::load().await;
    let tools = mcp_orders::Orders::from_env(&sdk)?.toolbox();
    serve(tools, ServerInfo { name: "mcp-orders".into(), version: env!("CARGO_PKG_VERSION").into() }).await
}
