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
}

/// Parses `args` and runs the command. Exit codes: 0 success, 1 synthesis errors or I/O
/// failure, 2 bad command line.
pub fn run<I, T>(mut app: App, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match Cli::try_parse_from(args) {
        Ok(cli) => execute(&mut app, cli.command),
        Err(e) => parse_error(&e),
    }
}

/// Prints a command-line error (or the `--help`/`--version` text clap returns as one) and
/// gives its exit code: 2 for a bad command line, 0 for help and version.
pub fn parse_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    ExitCode::from(if e.use_stderr() { 2 } else { 0 })
}

/// Runs one parsed command: for an app with a command line of its own that embeds these
/// commands (`#[command(flatten)]`). Building and deploying are the toolkit's (`cargo
/// agentcdk`), which runs the app's `synth`; the library (crate `agentcdk`) adds `cost`.
pub fn execute(app: &mut App, command: Command) -> ExitCode {
    match command {
        Command::Synth { out, stacks } => synth(app, &out, &stacks),
        Command::List { long } => list(app, long),
    }
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
