//! `cargo run -p queue-agent -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    queue_agent::app().run()
}
