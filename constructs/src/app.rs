//! The app users declare stacks in: agentcdk-synth's [`agentcdk_synth::App`] and its command
//! line (`synth`, `list`, `cost`).
//!
//! Everything that builds handlers or talks to AWS (`package`, `deploy`, `diff`, `destroy`,
//! `outputs`) lives in the toolkit, `cargo agentcdk` (crate `cargo-agentcdk`), which runs this
//! app for its cloud assembly as the AWS CDK's `cdk deploy` does. So an app compiles without
//! the AWS SDK: a first build of a new project in about a minute, a re-synth after an edit in
//! under a second (README, "The app and the toolkit").

use std::ffi::OsString;
use std::ops::{Deref, DerefMut};
use std::process::ExitCode;

/// The root of the construct tree. Everything of [`agentcdk_synth::App`] is reachable through
/// `Deref`/`DerefMut` (`stack`, `stacks`, `synthesize`); [`App::run`] is the command line
/// `synth`, `list`, `cost` that `cargo agentcdk` calls.
#[derive(Debug, Default)]
pub struct App(agentcdk_synth::App);

impl App {
    /// An empty app.
    pub fn new() -> Self {
        App::default()
    }

    /// The synthesis core's app.
    pub fn into_inner(self) -> agentcdk_synth::App {
        self.0
    }

    /// Parses the command line and runs it. Call it last in `main`.
    pub fn run(self) -> ExitCode {
        self.run_with(std::env::args_os())
    }

    /// Like [`App::run`] with explicit arguments (the first is the program name).
    pub fn run_with<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        crate::cli::run(self.0, args)
    }
}

impl Deref for App {
    type Target = agentcdk_synth::App;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for App {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<agentcdk_synth::App> for App {
    fn from(app: agentcdk_synth::App) -> Self {
        App(app)
    }
}
