//! The command line of an agentcdk app: the synthesis core's `synth` and `list`
//! ([`agentcdk_synth::cli`]) plus `cost`, which prices the agents' front doors and so belongs to
//! the library, not to the CloudFormation model.

use std::ffi::OsString;
use std::process::ExitCode;

use agentcdk_synth::cli::{parse_error, Cli};
use clap::builder::{Resettable, StyledStr};
use clap::{CommandFactory as _, FromArgMatches as _, Subcommand};

use crate::cost::{self, estimate, report, report_json, Usage};

/// The core's default output folder (this module shadows `agentcdk_synth::cli` in the crate root).
pub use agentcdk_synth::cli::DEFAULT_OUT_DIR;

/// The library's commands, beside the core's (embed both with `#[command(flatten)]`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Estimate the monthly cost of each front door (REST API, Function URL, WebSocket API) and
    /// what runs behind it: Lambda, the model's tokens, SQS, DynamoDB, CloudWatch Logs.
    ///
    /// Reads the synthesized templates; memory and architecture come from each function unless
    /// overridden. Prices: us-east-1, no free tier: constructs/src/cost/prices.rs; Bedrock on
    /// demand: constructs/src/cost/models.rs (https://aws.amazon.com/bedrock/pricing/).
    Cost(CostArgs),
}

/// `cost`'s workload; every default is stated in `--help`.
#[derive(Debug, clap::Args)]
pub struct CostArgs {
    /// Requests a month.
    #[arg(long, default_value_t = 1_000_000)]
    pub requests: u64,
    /// Average duration of one agent run (the function that runs the agent), milliseconds.
    #[arg(long = "duration-ms", default_value_t = 1000)]
    pub duration_ms: u64,
    /// Average response size, bytes (streaming bills beyond 6 MB; WebSocket per 32 KB).
    #[arg(long = "response-bytes", default_value_t = 4096)]
    pub response_bytes: u64,
    /// Memory in MB instead of the template's.
    #[arg(long = "memory-mb")]
    pub memory_mb: Option<u32>,
    /// Price as arm64 (`true`) or x86_64 (`false`) instead of the template's architecture.
    #[arg(long)]
    pub arm64: Option<bool>,
    /// Model calls per request (a turn calling one tool, then answering, is 2).
    #[arg(long, default_value_t = cost::DEFAULT_TURNS)]
    pub turns: u32,
    /// Input tokens per model call (system prompt, history, tool results).
    #[arg(long = "input-tokens", default_value_t = cost::DEFAULT_INPUT_TOKENS)]
    pub input_tokens: u64,
    /// Output tokens per model call.
    #[arg(long = "output-tokens", default_value_t = cost::DEFAULT_OUTPUT_TOKENS)]
    pub output_tokens: u64,
    /// Duration of a queued agent's request handler and response handler, milliseconds.
    #[arg(long = "handler-ms", default_value_t = cost::DEFAULT_HANDLER_MS)]
    pub handler_ms: u64,
    /// Polls of the responses endpoint per request to a queued REST agent.
    #[arg(long, default_value_t = cost::DEFAULT_POLLS)]
    pub polls: u64,
    /// Minutes a WebSocket client stays connected per request.
    #[arg(long = "connection-minutes", default_value_t = cost::DEFAULT_CONNECTION_MINUTES)]
    pub connection_minutes: f64,
    /// Bytes each invocation writes to CloudWatch Logs.
    #[arg(long = "log-bytes", default_value_t = cost::DEFAULT_LOG_BYTES)]
    pub log_bytes: u64,
    /// Size of a session's history, KB (read and written once per request).
    #[arg(long = "session-kb", default_value_t = cost::DEFAULT_SESSION_KB)]
    pub session_kb: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only these stacks (default: all).
    #[arg(value_name = "STACK")]
    pub stacks: Vec<String>,
}

/// How `cost` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table per stack.
    Text,
    /// One JSON document (US dollars a month, unrounded).
    Json,
}

impl CostArgs {
    /// The workload these flags describe.
    pub fn usage(&self) -> Usage {
        Usage {
            requests: self.requests,
            duration: std::time::Duration::from_millis(self.duration_ms),
            response_bytes: self.response_bytes,
            memory_mb: self.memory_mb,
            arm64: self.arm64,
            turns: self.turns,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            handler_duration: std::time::Duration::from_millis(self.handler_ms),
            polls: self.polls,
            connection_minutes: self.connection_minutes,
            log_bytes: self.log_bytes,
            session_kb: self.session_kb,
        }
    }
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
    let code = match parsed {
        Ok(Parsed::Library(c)) => execute(&mut app, c),
        Ok(Parsed::Core(c)) => agentcdk_synth::cli::execute(&mut app, c),
        Err(e) => parse_error(&e.format(&mut command)),
    };
    // As agentcdk_synth::cli::run: the process exit frees the construct tree faster.
    std::mem::forget(app);
    code
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
        Command::Cost(args) => cost(app, &args.usage(), &args.stacks, args.format),
    }
}

fn cost(app: &mut agentcdk_synth::App, usage: &Usage, stacks: &[String], format: Format) -> ExitCode {
    let assembly = match app.synthesize(stacks) {
        Ok(a) => a,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return ExitCode::FAILURE;
        }
    };
    let estimates: Vec<(String, Vec<cost::Estimate>)> =
        assembly.stacks.iter().map(|s| (s.name.clone(), estimate(&s.json, usage))).collect();
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&report_json(&estimates, usage)).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    for (name, estimates) in &estimates {
        println!("{name}:");
        if estimates.is_empty() {
            println!("  no front door (REST API, Function URL or WebSocket API) to price");
        } else {
            print!("{}", report(estimates, usage));
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
