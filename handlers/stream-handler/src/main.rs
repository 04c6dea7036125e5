//! stream-handler Lambda: see the library docs.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    agentcdk_runtime::logging::init();
    Ok(())
}
