//! The toolkit (`cargo agentcdk`) as a binary of this package, so the tests can run it by path
//! (`CARGO_BIN_EXE_agentcdk-toolkit`): Cargo builds binaries of the package under test only.

fn main() -> std::process::ExitCode {
    cargo_agentcdk::run(std::env::args_os())
}
