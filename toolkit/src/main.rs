//! `cargo agentcdk`: see the library docs.

fn main() -> std::process::ExitCode {
    cargo_agentcdk::run(std::env::args_os())
}
