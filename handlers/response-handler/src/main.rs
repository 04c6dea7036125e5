//! response-handler Lambda: see the library docs.

use lambda_runtime::{service_fn, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    agentcdk_runtime::logging::init();
    let sdk = agentcdk_runtime::aws::load().await;
    let responder = response_handler::Responder::from_env(&sdk)?;
    lambda_runtime::run(service_fn(|event| response_handler::handle(&responder, event))).await
}
