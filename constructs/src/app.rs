//! The app users declare stacks in: agentcdk-synth's [`agentcdk_synth::App`] with the full
//! command line.

use std::ffi::OsString;
use std::ops::{Deref, DerefMut};
use std::process::ExitCode;

/// The root of the construct tree. Everything of [`agentcdk_synth::App`] is reachable through
/// `Deref`/`DerefMut` (`stack`, `stacks`, `synthesize`); [`App::run`] adds `package`, `deploy`,
/// `diff`, `destroy` and `outputs` to `synth` and `list` (feature `deploy`, on by default).
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
        #[cfg(feature = "deploy")]
        {
            agentcdk_deploy::run(self.0, args)
        }
        #[cfg(not(feature = "deploy"))]
        {
            self.0.run_with(args)
        }
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
