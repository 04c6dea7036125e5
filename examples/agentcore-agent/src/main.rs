//! `cargo run -p agentcore-agent -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    agentcore_agent::app().run()
}
