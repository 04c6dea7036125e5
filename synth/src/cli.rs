//! The command line every app gets from [`crate::App::run`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::codes;
use crate::placement::PlacementLock;

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
        /// The placement lock to check against and update (commit it, like Cargo.lock).
        /// Default: `agentcdk.lock` beside the app's Cargo.toml (`CARGO_MANIFEST_DIR`, set by
        /// `cargo run`), else in the working directory.
        #[arg(long, value_name = "FILE")]
        lock: Option<PathBuf>,
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
    let code = match Cli::try_parse_from(args) {
        Ok(cli) => execute(&mut app, cli.command),
        Err(e) => parse_error(&e),
    };
    // The process ends after this command: freeing the construct tree node by node would cost
    // ~8% of a large synth (50 agents) for memory the exit returns anyway.
    std::mem::forget(app);
    code
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
        Command::Synth { out, stacks, lock } => synth(app, &out, &stacks, &lock.unwrap_or_else(default_lock_path)),
        Command::List { long } => list(app, long),
    }
}

/// `agentcdk.lock` beside the app's `Cargo.toml` when run by cargo, else in the working
/// directory.
pub fn default_lock_path() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default().join(crate::placement::LOCK_FILE)
}

/// Reads the placement lock at `path`; a missing file is no lock (the first synth).
fn read_lock(path: &Path) -> Result<Option<PlacementLock>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let lock: PlacementLock = serde_json::from_str(&text).map_err(|e| format!("{} is not a placement lock: {e}", path.display()))?;
    if lock.version != crate::placement::LOCK_VERSION {
        return Err(format!("{}: lock version {} (this agentcdk reads {})", path.display(), lock.version, crate::placement::LOCK_VERSION));
    }
    Ok(Some(lock))
}

/// Writes the lock when it records something or a lock was there before (unchanged bytes are
/// not rewritten: [`crate::app::write_atomic`]).
fn write_lock(path: &Path, lock: &PlacementLock, existed: bool) -> std::io::Result<()> {
    if lock.stacks.is_empty() && !existed {
        return Ok(());
    }
    let mut text = serde_json::to_string_pretty(lock).map_err(std::io::Error::other)?;
    text.push('\n');
    crate::app::write_atomic(path, text.as_bytes()).map(drop)
}

/// Why [`synth_files`] wrote nothing (or not everything).
#[derive(Debug)]
pub enum SynthFailure {
    /// The placement lock could not be read.
    Lock(String),
    /// Synthesis found errors: nothing was written.
    Invalid(crate::Diagnostics),
    /// Writing the templates and manifest failed.
    Write(std::io::Error),
    /// Writing the placement lock failed (the templates are written).
    WriteLock(std::io::Error),
}

/// Everything `synth` does but print: reads the placement lock at `lock_path`, synthesizes the
/// `stacks` (all when empty), writes every template (nested ones too) and the manifest into
/// `out`, then the lock. Public so that benchmarks measure exactly what the command does.
pub fn synth_files(app: &mut App, out: &Path, stacks: &[String], lock_path: &Path) -> Result<crate::Assembly, SynthFailure> {
    let previous = read_lock(lock_path).map_err(SynthFailure::Lock)?;
    let existed = previous.is_some();
    if let Some(previous) = previous {
        app.previous_placement(previous);
    }
    let assembly = app.synthesize(stacks).map_err(SynthFailure::Invalid)?;
    assembly.write(out).map_err(SynthFailure::Write)?;
    write_lock(lock_path, &assembly.placement, existed).map_err(SynthFailure::WriteLock)?;
    Ok(assembly)
}

fn synth(app: &mut App, out: &Path, stacks: &[String], lock_path: &Path) -> ExitCode {
    let assembly = match synth_files(app, out, stacks, lock_path) {
        Ok(a) => a,
        Err(SynthFailure::Lock(e)) => {
            eprintln!("error[{}]: {e}", codes::PLACEMENT_LOCK);
            eprintln!("  hint: restore it from version control, or delete it to start a new lock (no placement is checked then)");
            return ExitCode::FAILURE;
        }
        Err(SynthFailure::Invalid(diagnostics)) => {
            eprintln!("{diagnostics}");
            eprintln!("synth failed; nothing was written");
            return ExitCode::FAILURE;
        }
        Err(SynthFailure::Write(e)) => {
            eprintln!("error: cannot write to {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
        Err(SynthFailure::WriteLock(e)) => {
            eprintln!("error[{}]: cannot write {}: {e}", codes::PLACEMENT_LOCK, lock_path.display());
            return ExitCode::FAILURE;
        }
    };
    for w in &assembly.warnings {
        eprintln!("{w}");
    }
    for a in &assembly.acknowledged {
        eprintln!("{a}");
    }
    for s in &assembly.stacks {
        println!(
            "{}: {} resources, {} bytes -> {}",
            s.name,
            s.manifest.resources,
            s.manifest.template_bytes,
            out.join(s.file_name()).display()
        );
        for n in &s.nested {
            println!(
                "  nested {} ({}): {} resources, {} bytes -> {}",
                n.manifest.subtree,
                n.logical_id,
                n.manifest.resources,
                n.manifest.template_bytes,
                out.join(&n.manifest.template_file).display()
            );
        }
    }
    println!("{}", out.join(crate::manifest::MANIFEST_FILE).display());
    // The process ends after this command: freeing every template's JSON node by node would
    // cost ~6% of a large synth (50 agents) for memory the exit returns anyway.
    std::mem::forget(assembly);
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
