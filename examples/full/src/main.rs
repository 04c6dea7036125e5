//! `cargo run -p full -- synth` writes the templates into cdk.out/.

fn main() -> std::process::ExitCode {
    full::app().run()
}
