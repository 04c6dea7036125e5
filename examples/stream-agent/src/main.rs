//! `cargo run -p stream-agent -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    stream_agent::app().run()
}
