//! cargo-agentcdk: the agentcdk toolkit, `cargo agentcdk <command>`.
//!
//! The split is the AWS CDK's: a user's app (`agentcdk::App::run`) only synthesizes
//! (`synth`, `list`, `cost`), so it compiles without the AWS SDK; this toolkit, installed once
//! (`cargo install cargo-agentcdk`, or `--path toolkit` from a checkout), runs the app to get
//! its cloud assembly (`cdk.out`: `manifest.json` and the templates) and acts on it:
//!
//! ```text
//! new NAME                                 a ready project: main.rs with one agent, tests, README
//! synth   [STACK...]                       run the app's synth (the cloud assembly)
//! package [STACK...]                       build and zip the assets into <out>/assets/<hash>.zip
//! deploy  [STACK...] --bucket B [--yes]    upload assets, change set, confirm, execute, stream events, outputs
//! diff    [STACK...]                       local template against the deployed one (exit 1: different)
//! destroy [STACK...] [--yes]               delete the stacks
//! outputs [STACK...]                       the deployed stacks' outputs
//! invoke  PATH [--data JSON|@FILE]         run a deployed function named by construct path; answer and log tail
//! logs    [PATH...] [--tail] [--since 10m] the stack's function logs merged in time order; --tail follows live
//! ```
//!
//! The app is run as `cargo run --quiet -- synth --out DIR [STACK...]` in the current crate
//! (`-p NAME` for a workspace member), or `--app CMD` (a shell command the toolkit appends
//! `synth --out DIR [STACK...]` to); `--app DIR` reads an existing cloud assembly. AWS
//! configuration is the standard one (aws-config): `AWS_PROFILE`/`--profile`,
//! `AWS_REGION`/`--region`, the credential chain, and `AWS_ENDPOINT_URL` for a local emulator
//! (S3 then uses path-style addressing).

#![warn(missing_docs)]

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use agentcdk_synth::cli::DEFAULT_OUT_DIR;
use clap::{Args, Parser, Subcommand};

pub mod app;
pub mod aws;
pub mod changes;
pub mod deploy;
pub mod diff;
pub mod functions;
pub mod handlers;
pub mod invoke;
pub mod logs;
pub mod new;
pub mod package;
pub mod params;
pub mod python;

/// The agentcdk toolkit: runs your app for its cloud assembly, then packages, deploys, diffs,
/// destroys; `new` starts a project.
#[derive(Debug, Parser)]
#[command(name = "cargo-agentcdk", bin_name = "cargo agentcdk", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// How to run the app.
    #[command(flatten)]
    pub app: AppArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How the toolkit gets the cloud assembly.
#[derive(Debug, Clone, Args)]
pub struct AppArgs {
    /// The command that runs your app (run by `sh -c`; the toolkit appends `synth --out DIR
    /// [STACK...]`), or a folder holding a synthesized cloud assembly (its manifest.json) to use
    /// as is. Default: `cargo run --quiet --` in the current crate.
    #[arg(long, global = true, value_name = "CMD|DIR")]
    pub app: Option<String>,
    /// The workspace member whose binary is the app (`cargo run -p NAME`).
    #[arg(long = "package", short = 'p', global = true, value_name = "NAME")]
    pub package: Option<String>,
    /// The cloud assembly's folder.
    #[arg(long, short, global = true, default_value = DEFAULT_OUT_DIR, value_name = "DIR")]
    pub out: PathBuf,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a new project into the folder NAME: Cargo.toml, src/main.rs with one agent, a
    /// snapshot test, an assertions test, .gitignore and a README. Offline.
    New(new::NewArgs),
    /// Run the app's synth: the templates and manifest.json in the output folder.
    Synth {
        /// Only these stacks (default: all).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
    },
    /// Synthesize, then build and zip every asset the stacks refer to into <out>/assets/<hash>.zip.
    ///
    /// Stock handlers are built with `cargo lambda build --release --output-format zip` into
    /// your crate's target dir (cached like any build); folders and files are zipped
    /// deterministically. Assets already staged are skipped.
    Package {
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
        /// Profile, region and endpoint.
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
        /// Profile, region and endpoint.
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Synthesize, then serve the stack on 127.0.0.1 until Ctrl-C: moto for queues, tables
    /// and buckets, each function as a process of its handler binary under a Lambda Runtime
    /// API, the REST / WebSocket / Function URL front doors, a local token issuer.
    Dev(agentcdk_dev::DevArgs),
    /// A token from the running `dev`'s local issuer (real RS256 signature, the claims the
    /// stack's authorizer requires).
    Token(agentcdk_dev::TokenArgs),
    /// One chat turn against the running `dev` (or `--url`): REST sync, REST queue (submit and
    /// poll), WebSocket or server-sent events, printed as it streams.
    Chat(agentcdk_dev::chat::ChatArgs),
    /// Invoke a deployed function named by its construct path; print its answer (streamed as it
    /// arrives for a streaming function) and its log tail.
    Invoke(invoke::InvokeArgs),
    /// The stack's function logs, merged in time order (`--tail` follows them live).
    Logs(logs::LogsArgs),
    /// Print the deployed stacks' outputs.
    Outputs {
        /// Only these stacks (default: all).
        #[arg(value_name = "STACK")]
        stacks: Vec<String>,
        /// Profile, region and endpoint.
        #[command(flatten)]
        aws: AwsArgs,
    },
}

/// `deploy`'s options.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Only these stacks (default: all).
    #[arg(value_name = "STACK")]
    pub stacks: Vec<String>,
    /// S3 bucket for assets (the `AssetBucket` parameter) and for templates over 51,200 bytes.
    #[arg(long, short, value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// A stack parameter, `Key=Value` (repeatable). Applies to every selected stack that
    /// declares `Key`.
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = params::parse_parameter)]
    pub parameters: Vec<(String, String)>,
    /// Execute the change set without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// When only Lambda code and literal environment variables changed, update the functions
    /// in place (UpdateFunctionCode / UpdateFunctionConfiguration) instead of a change set; the
    /// stack then drifts from its template. Anything else: a full deploy. Development stacks
    /// only (`StackProps::development()`), unless --force.
    #[arg(long)]
    pub hotswap: bool,
    /// Allow --hotswap on a stack not marked as a development stack.
    #[arg(long, requires = "hotswap")]
    pub force: bool,
    /// Profile, region and endpoint.
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

/// Parses `args` (the first is the program name; a second `agentcdk`, which cargo passes to
/// a subcommand, is dropped) and runs the command. Exit codes: 0 success, 1 failure (synthesis
/// errors, a failed deployment, I/O, AWS errors; for `diff`: differences), 2 bad command line
/// (for `diff`: an error).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if args.get(1).is_some_and(|a| a == "agentcdk") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let failure_code = if matches!(cli.command, Command::Diff { .. }) { 2 } else { 1 };
    match execute(&cli.app, cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(failure_code)
        }
    }
}

fn execute(app_args: &AppArgs, command: Command) -> Result<ExitCode> {
    match command {
        Command::New(args) => new::new_project(&args).map(|()| ExitCode::SUCCESS),
        Command::Synth { stacks } => app::synthesize(app_args, &stacks).map(|_| ExitCode::SUCCESS),
        Command::Package { stacks } => {
            let assembly = app::synthesize(app_args, &stacks)?;
            package::package(&assembly, &app::target_dir(app_args, &assembly.dir))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Deploy(args) => {
            let assembly = app::synthesize(app_args, &args.stacks)?;
            let staged = package::package(&assembly, &app::target_dir(app_args, &assembly.dir))?;
            let runtime = runtime()?;
            runtime.block_on(async {
                let clients = aws::Clients::load(&args.aws).await?;
                deploy::deploy(&clients, &assembly.stacks, &staged, &args).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { stacks, aws } => {
            let assembly = app::synthesize(app_args, &stacks)?;
            let runtime = runtime()?;
            let different = runtime.block_on(async {
                let clients = aws::Clients::load(&aws).await?;
                diff::diff_stacks(&clients, &assembly.stacks).await
            })?;
            Ok(if different { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Destroy { stacks, yes, aws } => {
            let names = app::synthesize(app_args, &stacks)?.stack_names();
            let runtime = runtime()?;
            runtime.block_on(async {
                let clients = aws::Clients::load(&aws).await?;
                deploy::destroy(&clients, &names, yes).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dev(args) => dev_command(app_args, args),
        Command::Token(mut args) => {
            args.out = app_args.out.clone();
            println!("{}", dev_runtime()?.block_on(agentcdk_dev::token(args)).map_err(dev_error)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Chat(mut args) => {
            args.out = app_args.out.clone();
            dev_runtime()?.block_on(agentcdk_dev::chat::chat(args)).map_err(dev_error)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Invoke(args) => invoke_command(app_args, &args),
        Command::Logs(args) => logs_command(app_args, &args),
        Command::Outputs { stacks, aws } => {
            let names = app::synthesize(app_args, &stacks)?.stack_names();
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

/// `dev`: serve what the app synthesizes now; a change to the app's sources synthesizes again.
fn dev_command(app_args: &AppArgs, mut args: agentcdk_dev::DevArgs) -> Result<ExitCode> {
    let stacks: Vec<String> = args.stack.iter().cloned().collect();
    args.out = app::synthesize(app_args, &stacks)?.dir;
    // A change to the app's sources runs this synth again and reloads what changed.
    args.app = app::app_dir(app_args).map(|dir| {
        let app_args = app_args.clone();
        let synth: agentcdk_dev::cli::Resynth =
            std::sync::Arc::new(move || app::synthesize(&app_args, &stacks).map(|a| a.dir).map_err(|e| e.to_string()));
        agentcdk_dev::cli::AppSource { dir, synth }
    });
    dev_runtime()?.block_on(agentcdk_dev::run(args)).map_err(dev_error)?;
    Ok(ExitCode::SUCCESS)
}

/// `invoke PATH`: the deployed function of that construct path, streamed when it streams.
fn invoke_command(app_args: &AppArgs, args: &invoke::InvokeArgs) -> Result<ExitCode> {
    let assembly = app::synthesize_aside(app_args, &args.stacks)?;
    let functions: Vec<functions::StackFunction> = assembly.stacks.iter().flat_map(functions::stack_functions).collect();
    let function = functions::select_one(&functions, &args.path)?;
    let payload = invoke::event_payload(args.data.as_deref())?;
    runtime()?.block_on(async {
        let clients = aws::Clients::load(&args.aws).await?;
        let target = functions::deployed(&clients, &[function]).await?.remove(0);
        invoke::invoke(&clients, &target, payload, args.stream || function.streaming).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `logs [PATH...]`: the selected functions' logs (all of the stacks' by default).
fn logs_command(app_args: &AppArgs, args: &logs::LogsArgs) -> Result<ExitCode> {
    let assembly = app::synthesize_aside(app_args, &args.stacks)?;
    let functions: Vec<functions::StackFunction> = assembly.stacks.iter().flat_map(functions::stack_functions).collect();
    let selected = functions::select(&functions, &args.paths)?;
    runtime()?.block_on(async {
        let clients = aws::Clients::load(&args.aws).await?;
        let deployed = functions::deployed(&clients, &selected).await?;
        logs::logs(&clients, &deployed, args).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `dev` runs many servers and processes at once: a multi-threaded runtime.
fn dev_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))
}

fn dev_error(e: agentcdk_dev::DevError) -> Error {
    Error::new(e.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))
}
