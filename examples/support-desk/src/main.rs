//! `cargo run -p support-desk -- synth` writes the template into cdk.out/.

fn main() -> std::process::ExitCode {
    support_desk::app().run()
}
