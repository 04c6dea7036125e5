//! `cargo run -p ws-agent -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    ws_agent::app().run()
}
