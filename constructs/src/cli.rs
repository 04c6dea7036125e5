//! The command line of an agentcdk app: the synthesis core's `synth` and `list`
//! ([`agentcdk_synth::cli`]) plus `cost`, which prices the agents' front doors and so belongs to
//! the library, not to the CloudFormation model.

use std::ffi::OsString;
use std::process::ExitCode;

use agentcdk_synth::cli::{parse_error, Cli};
use clap::builder::{Resettable, StyledStr};
use clap::{CommandFactory as _, FromArgMatches as _, Subcommand};

use crate::cost::{estimate, report, Usage};

/// The core's default output folder (this module shadows `agentcdk_synth::cli` in the crate root).
pub use agentcdk_synth::cli::DEFAULT_OUT_DIR;

/// The library's commands, beside the core's (embed both with `#[command(flatten)]`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Estimate the monthly cost of each front door (REST API, Function URL) for a workload.
    ///
    /// Reads the synthesized templates; memory and architecture come from the function behind
    /// each front door unless overridden. Prices: constructs/src/cost/prices.rs (us-east-1, no free tier).
    Cost {
        /// Requests a month.
        #[arg(long, default_value_t = 1_000_000)]
        requests: u64,
        /// Average duration of one invocation, milliseconds.
        #[arg(long = "duration-ms", default_value_t = 1000)]
        duration_ms: u64,
        /// Average response size, bytes (streaming URLs bill beyond 6 MB).
        #[arg(long = "response-bytes", default_value_t = 4096)]
        response_bytes: u64,
        /// Memory in MB instead of the template's.
        #[arg(long = "memory-mb")]
        memory_mb: Option<u32>,
        /// Price as arm64 (`true`) or x86_64 (`false`) instead of the template's architecture.
        #[arg(long)]
        arm64: Option<bool>,
        /// Only these stacks (default: all).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
    },
}

/// Parses `args` (the core's commands and the library's) and runs the command. Exit codes as
/// [`agentcdk_synth::cli::run`]: 0 success, 1 synthesis errors or I/O failure, 2 bad command line.
pub fn run<I, T>(mut app: agentcdk_synth::App, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut command = command();
    let parsed = command.try_get_matches_from_mut(args).and_then(|matches| match matches.subcommand_name() {
        Some(name) if Command::has_subcommand(name) => Command::from_arg_matches(&matches).map(Parsed::Library),
        _ => Cli::from_arg_matches(&matches).map(|cli| Parsed::Core(cli.command)),
    });
    match parsed {
        Ok(Parsed::Library(c)) => execute(&mut app, c),
        Ok(Parsed::Core(c)) => agentcdk_synth::cli::execute(&mut app, c),
        Err(e) => parse_error(&e.format(&mut command)),
    }
}

/// The core's command (name, version, about, `synth`, `list`) with the library's added.
pub fn command() -> clap::Command {
    let core = Cli::command();
    let keep = |text: Option<&StyledStr>| text.cloned().map_or(Resettable::Reset, Resettable::Value);
    let (about, long_about) = (keep(core.get_about()), keep(core.get_long_about()));
    // Augmenting applies this enum's doc comment as the about: put the app's back.
    Command::augment_subcommands(core).about(about).long_about(long_about)
}

enum Parsed {
    Core(agentcdk_synth::cli::Command),
    Library(Command),
}

/// Runs one of the library's commands.
pub fn execute(app: &mut agentcdk_synth::App, command: Command) -> ExitCode {
    match command {
        Command::Cost { requests, duration_ms, response_bytes, memory_mb, arm64, stacks } => {
            let usage = Usage { requests, duration: std::time::Duration::from_millis(duration_ms), response_bytes, memory_mb, arm64 };
            cost(app, &usage, &stacks)
        }
    }
}

fn cost(app: &mut agentcdk_synth::App, usage: &Usage, stacks: &[String]) -> ExitCode {
    let assembly = match app.synthesize(stacks) {
        Ok(a) => a,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return ExitCode::FAILURE;
        }
    };
    for s in &assembly.stacks {
        let estimates = estimate(&s.json, usage);
        println!("{}:", s.name);
        if estimates.is_empty() {
            println!("  no front door (REST API or Function URL) to price");
        } else {
            print!("{}", report(&estimates, usage));
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcdk_synth::{cfn::sqs::Queue, StackProps};

    fn build() -> agentcdk_synth::App {
        let mut app = agentcdk_synth::App::new();
        app.stack("Demo", StackProps::default()).add("Q", Queue::default());
        app
    }

    #[test]
    fn cost_prices_the_front_doors_and_core_commands_still_run() {
        assert_eq!(run(build(), ["app", "cost", "--requests", "1000", "--duration-ms", "50"]), ExitCode::SUCCESS);
        assert_eq!(run(build(), ["app", "cost", "--duration-ms", "soon"]), ExitCode::from(2));
        assert_eq!(run(build(), ["app", "list", "--long"]), ExitCode::SUCCESS);
        assert_eq!(run(build(), ["app", "frobnicate"]), ExitCode::from(2));
        assert_eq!(run(build(), ["app", "--help"]), ExitCode::SUCCESS);
        let out = tempfile::tempdir().unwrap();
        let lock = out.path().join("agentcdk.lock");
        assert_eq!(run(build(), ["app", "synth", "-o", out.path().to_str().unwrap(), "--lock", lock.to_str().unwrap()]), ExitCode::SUCCESS);
        assert!(out.path().join("Demo.template.json").is_file());
    }

    #[test]
    fn help_lists_the_core_commands_and_cost_under_the_core_about() {
        let help = command().render_help().to_string();
        for name in ["synth", "list", "cost"] {
            assert!(help.contains(name), "{name} missing from:\n{help}");
        }
        let core = Cli::command().render_help().to_string();
        assert_eq!(help.lines().next(), core.lines().next(), "the app's about, as before the move");
        assert_eq!(command().render_version(), Cli::command().render_version());
    }
}
