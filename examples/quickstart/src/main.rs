//! `cargo run -p quickstart -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    quickstart::app().run()
}
