//! `agentcdk-dev dev|token|chat`: the dev commands on their own, until the toolkit
//! (`cargo agentcdk`) carries them.

use clap::Parser;

#[derive(Parser)]
#[command(name = "agentcdk-dev", about = "Serve a synthesized agentcdk stack on 127.0.0.1")]
enum Cli {
    /// Serve the stack until Ctrl-C.
    Dev(agentcdk_dev::DevArgs),
    /// Print a token from the running dev's local issuer.
    Token(agentcdk_dev::TokenArgs),
    /// One chat turn against the running dev (or --url).
    Chat(agentcdk_dev::chat::ChatArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let result = match Cli::parse() {
        Cli::Dev(a) => agentcdk_dev::run(a).await,
        Cli::Token(a) => agentcdk_dev::token(a).await.map(|t| println!("{t}")),
        Cli::Chat(a) => agentcdk_dev::chat::chat(a).await.map(|_| ()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
