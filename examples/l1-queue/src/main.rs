//! `cargo run -p l1-queue -- synth` writes cdk.out/L1Queue.template.json.

fn main() -> std::process::ExitCode {
    l1_queue::app().run()
}
