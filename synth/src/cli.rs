//! The command line every app gets from [`crate::App::run`].

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::App;

/// Default output folder.
pub const DEFAULT_OUT_DIR: &str = "cdk.out";

/// Synthesize and inspect the CloudFormation stacks this program declares.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write each stack's CloudFormation template and manifest.json into the output folder.
    ///
    /// Validates everything first and writes nothing if there is any error (all are listed).
    Synth {
        /// Output folder.
        #[arg(long, short, default_value = DEFAULT_OUT_DIR, value_name = "DIR")]
        out: PathBuf,
        /// Only these stacks (default: all).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
    },
    /// List the app's stacks.
    #[command(alias = "ls")]
    List {
        /// Also show each stack's resources: logical id, type and construct path.
        #[arg(long, short)]
        long: bool,
    },
    /// Estimate the monthly cost of each front door (REST API, Function URL) for a workload.
    ///
    /// Reads the synthesized templates; memory and architecture come from the function behind
    /// each front door unless overridden. Prices: synth/src/cost.rs (us-east-1, no free tier).
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

/// Parses `args` and runs the command. Exit codes: 0 success, 1 synthesis errors or I/O
/// failure, 2 bad command line.
pub fn run<I, T>(mut app: App, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    execute(&mut app, cli.command)
}

/// Runs one parsed command: for an app with a command line of its own that embeds these
/// commands (`#[command(flatten)]`). Building and deploying are the toolkit's (`cargo
/// agentcdk`), which runs the app's `synth`.
pub fn execute(app: &mut App, command: Command) -> ExitCode {
    match command {
        Command::Synth { out, stacks } => synth(app, &out, &stacks),
        Command::List { long } => list(app, long),
        Command::Cost { requests, duration_ms, response_bytes, memory_mb, arm64, stacks } => {
            let usage =
                crate::cost::Usage { requests, duration: std::time::Duration::from_millis(duration_ms), response_bytes, memory_mb, arm64 };
            cost(app, &usage, &stacks)
        }
    }
}

fn cost(app: &mut App, usage: &crate::cost::Usage, stacks: &[String]) -> ExitCode {
    let assembly = match app.synthesize(stacks) {
        Ok(a) => a,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return ExitCode::FAILURE;
        }
    };
    for s in &assembly.stacks {
        let estimates = crate::cost::estimate(&s.json, usage);
        println!("{}:", s.name);
        if estimates.is_empty() {
            println!("  no front door (REST API or Function URL) to price");
        } else {
            print!("{}", crate::cost::report(&estimates, usage));
        }
    }
    ExitCode::SUCCESS
}

fn synth(app: &mut App, out: &std::path::Path, stacks: &[String]) -> ExitCode {
    let assembly = match app.synthesize(stacks) {
        Ok(a) => a,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!("synth failed; nothing was written");
            return ExitCode::FAILURE;
        }
    };
    for w in &assembly.warnings {
        eprintln!("{w}");
    }
    for a in &assembly.acknowledged {
        eprintln!("{a}");
    }
    if let Err(e) = assembly.write(out) {
        eprintln!("error: cannot write to {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for s in &assembly.stacks {
        println!(
            "{}: {} resources, {} bytes -> {}",
            s.name,
            s.manifest.resources,
            s.manifest.template_bytes,
            out.join(s.file_name()).display()
        );
    }
    println!("{}", out.join(crate::manifest::MANIFEST_FILE).display());
    ExitCode::SUCCESS
}

fn list(app: &App, long: bool) -> ExitCode {
    for stack in app.stacks() {
        println!("{}", stack.name());
        if long {
            for (id, entry) in &stack.resources {
                println!("  {id}  {}  {}", entry.resource.type_name(), entry.path);
            }
        }
    }
    ExitCode::SUCCESS
}
