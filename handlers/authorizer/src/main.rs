//! authorizer Lambda: see the library docs.

use lambda_runtime::{service_fn, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    agentcdk_runtime::logging::init();
    let app = authorizer::Authorizer::from_env()?;
    lambda_runtime::run(service_fn(|event| authorizer::handle(&app, event))).await
}
