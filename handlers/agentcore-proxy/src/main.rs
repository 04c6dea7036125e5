//! agentcore-proxy Lambda: see the library docs.

use agentcore_proxy::{Config, Proxy};
use lambda_runtime::{service_fn, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    agentcdk_runtime::logging::init();
    let sdk = agentcdk_runtime::aws::load().await;
    let proxy = Proxy::new(&sdk, Config::from_env()?);
    lambda_runtime::run(service_fn(|event| proxy.handle(event))).await
}
