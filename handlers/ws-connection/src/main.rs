//! ws-connection Lambda: see the library docs.

use lambda_runtime::{service_fn, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    agentcdk_runtime::logging::init();
    let sdk = agentcdk_runtime::aws::load().await;
    let app = ws_connection::Connections::from_env(&sdk)?;
    lambda_runtime::run(service_fn(|event| ws_connection::handle(&app, event))).await
}
