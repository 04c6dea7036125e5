//! agentcdk-deploy: the command line every app gets, from `synth` to a running stack.
//!
//! `synth` and `list` are agentcdk-synth's ([`agentcdk_synth::cli`]); this crate adds the
//! commands that need the AWS SDK, so the synthesis core stays free of network code:
//!
//! ```text
//! package [STACK...]                       build and zip the assets into <out>/assets/<hash>.zip
//! deploy  [STACK...] --bucket B [--yes]    upload assets, change set, confirm, execute, stream events, outputs
//! diff    [STACK...]                       local template against the deployed one (exit 1: different)
//! destroy [STACK...] [--yes]               delete the stacks
//! outputs [STACK...]                       the deployed stacks' outputs
//! ```
//!
//! AWS configuration is the standard one (aws-config): `AWS_PROFILE`/`--profile`,
//! `AWS_REGION`/`--region`, the credential chain, and `AWS_ENDPOINT_URL` for a local emulator
//! (S3 then uses path-style addressing).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use agentcdk_synth::cli::DEFAULT_OUT_DIR;
use agentcdk_synth::{App, Assembly};
use clap::{Args, Parser, Subcommand};

pub mod aws;
pub mod changes;
pub mod deploy;
pub mod diff;
pub mod package;
pub mod params;

/// Synthesize, package and deploy the CloudFormation stacks this program declares.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands: synth's, then the ones that build and talk to AWS.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// `synth` and `list`.
    #[command(flatten)]
    Synth(agentcdk_synth::cli::Command),
    /// Synthesize, then build and zip every asset the stacks refer to into <out>/assets/<hash>.zip.
    ///
    /// Handlers are built with `cargo lambda build --release --output-format zip`; folders and
    /// files are zipped deterministically. Assets already staged are skipped.
    Package {
        /// Output folder.
        #[arg(long, short, default_value = DEFAULT_OUT_DIR, value_name = "DIR")]
        out: PathBuf,
        /// Only these stacks' assets (default: all stacks).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
    },
    /// Synthesize, package, upload missing assets, and deploy each stack through a change set.
    Deploy(DeployArgs),
    /// Compare each stack's template with the deployed one. Exit code 0: no differences, 1:
    /// differences, 2: error.
    Diff {
        /// Only these stacks (default: all).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Delete the deployed stacks (asks first unless --yes).
    Destroy {
        /// Only these stacks (default: all).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Print the deployed stacks' outputs.
    Outputs {
        /// Only these stacks (default: all).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
        #[command(flatten)]
        aws: AwsArgs,
    },
}

/// `deploy`'s options.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Output folder.
    #[arg(long, short, default_value = DEFAULT_OUT_DIR, value_name = "DIR")]
    pub out: PathBuf,
    /// Only these stacks (default: all).
    #[arg(value_name = "STACK")]
    pub stacks: Vec<String>,
    /// S3 bucket for assets (the `AssetBucket` parameter) and for templates over 51,200 bytes.
    #[arg(long, short, value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// A stack parameter, `Key=Value` (repeatable). Applies to every selected stack that
    /// declares `Key`.
    #[arg(long = "parameter", short, value_name = "KEY=VALUE", value_parser = params::parse_parameter)]
    pub parameters: Vec<(String, String)>,
    /// Execute the change set without asking.
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Where to find AWS: anything not given comes from the standard configuration
/// (environment, `~/.aws/config`, the credential chain).
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// AWS profile (default: `AWS_PROFILE`, else `default`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (default: `AWS_REGION`, else the profile's).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

/// A failure to report: a message and an optional hint, printed as `error: …` / `  hint: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Error {
    /// An error without a hint.
    pub fn new(message: impl Into<String>) -> Self {
        Error { message: message.into(), hint: None }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses `args` (the first is the program name) and runs the command. Exit codes: 0 success,
/// 1 failure (synthesis errors, a failed deployment, I/O, AWS errors; for `diff`: differences),
/// 2 bad command line (for `diff`: an error).
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
    let failure_code = if matches!(cli.command, Command::Diff { .. }) { 2 } else { 1 };
    match execute(&mut app, cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(failure_code)
        }
    }
}

fn execute(app: &mut App, command: Command) -> Result<ExitCode> {
    match command {
        Command::Synth(command) => Ok(agentcdk_synth::cli::execute(app, command)),
        Command::Package { out, stacks } => {
            let assembly = synthesize(app, &out, &stacks)?;
            package::package(&assembly, &out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Deploy(args) => {
            let assembly = synthesize(app, &args.out, &args.stacks)?;
            let staged = package::package(&assembly, &args.out)?;
            let runtime = runtime()?;
            runtime.block_on(async {
                let clients = aws::Clients::load(&args.aws).await?;
                deploy::deploy(&clients, &assembly, &staged, &args).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { stacks, aws } => {
            let assembly = synthesize_quiet(app, &stacks)?;
            let runtime = runtime()?;
            let different = runtime.block_on(async {
                let clients = aws::Clients::load(&aws).await?;
                diff::diff_stacks(&clients, &assembly).await
            })?;
            Ok(if different { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Destroy { stacks, yes, aws } => {
            let names = stack_names(app, &stacks)?;
            let runtime = runtime()?;
            runtime.block_on(async {
                let clients = aws::Clients::load(&aws).await?;
                deploy::destroy(&clients, &names, yes).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Outputs { stacks, aws } => {
            let names = stack_names(app, &stacks)?;
            let runtime = runtime()?;
            runtime.block_on(async {
                let clients = aws::Clients::load(&aws).await?;
                for name in &names {
                    let outputs = deploy::stack_outputs(&clients, name).await?;
                    println!("{name}");
                    print!("{}", deploy::format_outputs(&outputs));
                }
                Ok::<_, Error>(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))
}

/// Synthesizes the selected stacks and writes them to `out` (like `synth`), printing warnings.
fn synthesize(app: &mut App, out: &Path, stacks: &[String]) -> Result<Assembly> {
    let assembly = synthesize_quiet(app, stacks)?;
    assembly.write(out).map_err(|e| Error::new(format!("cannot write to {}: {e}", out.display())))?;
    Ok(assembly)
}

fn synthesize_quiet(app: &mut App, stacks: &[String]) -> Result<Assembly> {
    let assembly = app.synthesize(stacks).map_err(|d| Error::new(format!("synthesis failed; nothing was written\n{d}")))?;
    for w in &assembly.warnings {
        eprintln!("{w}");
    }
    Ok(assembly)
}

/// The selected stack names (all when `wanted` is empty); unknown names are an error.
fn stack_names(app: &App, wanted: &[String]) -> Result<Vec<String>> {
    let all: Vec<String> = app.stacks().iter().map(|s| s.name().to_owned()).collect();
    if wanted.is_empty() {
        return Ok(all);
    }
    for w in wanted {
        if !all.contains(w) {
            return Err(Error::new(format!("no stack named '{w}'")).hint(format!("the app has: {}", all.join(", "))));
        }
    }
    Ok(wanted.to_vec())
}
