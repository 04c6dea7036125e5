//! `cargo run -p tools-agent -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    tools_agent::app().run()
}
