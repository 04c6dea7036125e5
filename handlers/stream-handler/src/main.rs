//! stream-handler Lambda: see the library docs.

use std::sync::Arc;

use agentcdk_runtime::agent::Toolbox;
use lambda_runtime::{service_fn, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    agentcdk_runtime::logging::init();
    let sdk = agentcdk_runtime::aws::load().await;
    let app = Arc::new(stream_handler::App::from_env(&sdk, Toolbox::new()).await?);
    lambda_runtime::run(service_fn(|event| stream_handler::handle(app.clone(), event))).await
}
