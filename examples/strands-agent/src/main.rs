//! `cargo run -p strands-agent -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    strands_agent::app().run()
}
