//! Python functions: their dependencies installed as binary wheels (for a Lambda platform when
//! `package` builds a layer or an AgentCore bundle, for this machine when `dev` and the tests
//! run the code), and the command that runs a handler under AWS's Python Runtime Interface
//! Client (`python -m awslambdaric module.function`), the same Runtime API contract as on
//! Lambda.
//!
//! The installer is uv when it is on `PATH` (`uv pip install --python-platform …`), pip
//! otherwise (`python3 -m pip install --platform manylinux2014_… --implementation cp`); both
//! with `--only-binary :all:`, so nothing is compiled and a package without a wheel for the
//! platform is an error naming it ([`missing_wheel`]). Installs are cached by the caller's key
//! (the asset hash): a finished install is never redone, and the download cache is kept.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The interpreter used for pip and for running handlers locally: `$AGENTCDK_PYTHON`, else
/// `python3` on `PATH`.
pub const PYTHON_ENV: &str = "AGENTCDK_PYTHON";

/// Marks a finished install in its folder (an interrupted one is redone).
const DONE: &str = ".agentcdk-installed";

/// Which wheels to install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Lambda's or AgentCore's Linux: manylinux2014 wheels for `architecture` (`x86_64` or
    /// `arm64`), CPython `python` (`3.13`).
    Linux {
        /// `x86_64` or `arm64` (Lambda's names).
        architecture: String,
        /// `3.13`.
        python: String,
    },
    /// This machine's interpreter ([`python`]), to run the code here.
    Host,
}

impl Platform {
    /// pip's `--platform` tag.
    fn pip_tag(architecture: &str) -> &'static str {
        if architecture == "arm64" || architecture == "aarch64" {
            "manylinux2014_aarch64"
        } else {
            "manylinux2014_x86_64"
        }
    }

    /// uv's `--python-platform` target.
    fn uv_target(architecture: &str) -> &'static str {
        if architecture == "arm64" || architecture == "aarch64" {
            "aarch64-manylinux2014"
        } else {
            "x86_64-manylinux2014"
        }
    }
}

/// Why the dependencies could not be installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallError {
    /// No wheel of this package (requirement as written) for the platform.
    MissingWheel {
        /// The requirement, e.g. `psycopg2==2.9.9`.
        package: String,
        /// The platform, e.g. `manylinux2014_aarch64, CPython 3.13`.
        platform: String,
    },
    /// The installer failed otherwise, or could not run.
    Failed(String),
}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingWheel { package, platform } => write!(
                f,
                "no binary wheel of {package} for {platform}\n  hint: agentcdk installs wheels only (nothing is compiled for the target); pin a version that publishes a wheel for this platform, or pick the other architecture"
            ),
            Self::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for InstallError {}

/// The interpreter: `$AGENTCDK_PYTHON` or `python3`.
pub fn python() -> PathBuf {
    std::env::var_os(PYTHON_ENV).map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

/// Whether uv is on `PATH`.
fn has_uv() -> bool {
    Command::new("uv").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Installs the dependencies of the Python project at `project` (its `requirements.txt`, else
/// the `[project] dependencies` of its `pyproject.toml`) into `into`, wheels only, for
/// `platform`; downloads are cached in `cache`. An install finished before into the same folder
/// is kept (the caller names the folder by the hash of what it installs). Returns whether it
/// installed now.
pub fn install(project: &Path, platform: &Platform, into: &Path, cache: &Path) -> Result<bool, InstallError> {
    if into.join(DONE).is_file() {
        return Ok(false);
    }
    let failed = |m: String| InstallError::Failed(m);
    let _ = fs::remove_dir_all(into);
    fs::create_dir_all(into).map_err(|e| failed(format!("cannot create {}: {e}", into.display())))?;
    let requirements = requirements_file(project, into)?;
    let uv = has_uv();
    let mut cmd = if uv { Command::new("uv") } else { Command::new(python()) };
    if uv {
        cmd.args(["pip", "install", "--only-binary", ":all:", "--cache-dir"]).arg(cache);
    } else {
        cmd.args(["-m", "pip", "install", "--only-binary=:all:", "--no-compile", "--disable-pip-version-check", "--cache-dir"]).arg(cache);
    }
    let label = match platform {
        Platform::Linux { architecture, python } if uv => {
            cmd.args(["--python-platform", Platform::uv_target(architecture), "--python-version", python]);
            format!("{}, CPython {python}", Platform::pip_tag(architecture))
        }
        Platform::Linux { architecture, python } => {
            cmd.args(["--platform", Platform::pip_tag(architecture), "--implementation", "cp", "--python-version", python]);
            format!("{}, CPython {python}", Platform::pip_tag(architecture))
        }
        Platform::Host if uv => {
            cmd.arg("--python").arg(python());
            "this machine's Python".to_owned()
        }
        Platform::Host => "this machine's Python".to_owned(),
    };
    cmd.arg("--target").arg(into).arg("-r").arg(&requirements);
    let output = cmd.output().map_err(|e| failed(format!("cannot run {}: {e}", if uv { "uv" } else { "python3 -m pip" })))?;
    if !output.status.success() {
        let _ = fs::remove_dir_all(into);
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(match missing_wheel(&stderr) {
            Some(package) => InstallError::MissingWheel { package, platform: label },
            None => failed(format!("installing {} for {label} failed:\n{}", requirements.display(), stderr.trim())),
        });
    }
    fs::write(into.join(DONE), "").map_err(|e| failed(format!("cannot write {}: {e}", into.display())))?;
    Ok(true)
}

/// The requirements file to install from: the project's `requirements.txt`, or one written
/// into `scratch` from `pyproject.toml`'s `[project] dependencies` (read with the
/// interpreter's `tomllib`, so no TOML parser is compiled in for this).
fn requirements_file(project: &Path, scratch: &Path) -> Result<PathBuf, InstallError> {
    let txt = project.join("requirements.txt");
    if txt.is_file() {
        return Ok(txt);
    }
    let toml = project.join("pyproject.toml");
    if !toml.is_file() {
        return Err(InstallError::Failed(format!(
            "{} has neither requirements.txt nor pyproject.toml\n  hint: list the agent's dependencies (e.g. strands-agents==1.62.0) in requirements.txt",
            project.display()
        )));
    }
    let script = "import sys, tomllib; print('\\n'.join(tomllib.load(open(sys.argv[1], 'rb')).get('project', {}).get('dependencies', [])))";
    let out = Command::new(python())
        .args(["-c", script])
        .arg(&toml)
        .output()
        .map_err(|e| InstallError::Failed(format!("cannot read {}: {e}", toml.display())))?;
    if !out.status.success() {
        return Err(InstallError::Failed(format!("cannot read {}: {}", toml.display(), String::from_utf8_lossy(&out.stderr).trim())));
    }
    let file = scratch.join(".agentcdk-requirements.txt");
    fs::write(&file, &out.stdout).map_err(|e| InstallError::Failed(format!("cannot write {}: {e}", file.display())))?;
    Ok(file)
}

/// The package pip or uv could not find a wheel for, from its error output: pip's `No matching
/// distribution found for <req>`, uv's `Because <req> has no usable wheels`, `… has no wheels
/// with a matching platform tag` or `Because there is no version of <req>`.
pub fn missing_wheel(stderr: &str) -> Option<String> {
    let word = |rest: &str| rest.split_whitespace().next().map(|w| w.trim_end_matches([',', '.', ':']).to_owned());
    for line in stderr.lines() {
        if let Some((_, rest)) = line.split_once("No matching distribution found for ") {
            return word(rest);
        }
        if let Some((_, rest)) = line.split_once("Because ") {
            let rest = rest.trim_start_matches("there is no version of ").trim_start_matches("only ");
            if line.contains("wheels") || line.contains("no version of") {
                return word(rest);
            }
        }
    }
    None
}

/// Whether the project names dependencies (`requirements.txt` or `pyproject.toml`).
pub fn has_dependencies(project: &Path) -> bool {
    project.join("requirements.txt").is_file() || project.join("pyproject.toml").is_file()
}

/// Where installs and the download cache live under a build folder (`target/`):
/// `python/site/<key>` and `python/cache`, so warm runs neither download nor install again.
pub fn site_dir(target_dir: &Path, key: &str) -> PathBuf {
    target_dir.join("python").join("site").join(key)
}

/// The download cache under a build folder, shared by every install.
pub fn cache_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("python").join("cache")
}

/// The dependencies of the project at `project` installed for this machine (to run its code
/// here: `dev`, tests), cached under `target_dir` by the hash of its dependency files.
pub fn host_site(project: &Path, target_dir: &Path) -> Result<PathBuf, InstallError> {
    let source = agentcdk_synth::AssetSource::Python {
        dir: project.to_owned(),
        layout: agentcdk_synth::PythonLayout::Layer,
        architecture: agentcdk_synth::Architecture::X86_64,
        python: format!("host:{}", python().display()),
    };
    let key = source.content_hash().map_err(|e| InstallError::Failed(format!("{e:?}")))?;
    let site = site_dir(target_dir, &key);
    install(project, &Platform::Host, &site, &cache_dir(target_dir))?;
    Ok(site)
}

/// How a Python function runs locally: [`interpreter`] `-m awslambdaric <handler>` (AWS's
/// Python Runtime Interface Client, pinned in requirements-dev.txt) against the sandbox's
/// Runtime API, the code then its dependencies on `PYTHONPATH` (as Lambda puts `/var/task`
/// before `/opt/python`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonRun {
    /// `module.function`.
    pub handler: String,
    /// The code folder (`LAMBDA_TASK_ROOT`).
    pub code: PathBuf,
    /// Installed dependencies for this machine ([`host_site`]).
    pub site: PathBuf,
    /// Lambda's runtime name, `python3.13` (`AWS_EXECUTION_ENV`).
    pub runtime: String,
}

impl PythonRun {
    /// The arguments after the interpreter.
    pub fn args(&self) -> Vec<String> {
        vec!["-m".into(), "awslambdaric".into(), self.handler.clone()]
    }

    /// The process's environment beside Lambda's own. Bytecode is not written beside the
    /// sources (it would land in the asset folder).
    pub fn env(&self) -> Vec<(String, String)> {
        let path = std::env::join_paths([&self.code, &self.site]).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        vec![
            ("PYTHONPATH".into(), path),
            ("PYTHONDONTWRITEBYTECODE".into(), "1".into()),
            ("PYTHONUNBUFFERED".into(), "1".into()),
            ("LAMBDA_TASK_ROOT".into(), self.code.display().to_string()),
            ("_HANDLER".into(), self.handler.clone()),
            ("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{}", self.runtime)),
        ]
    }
}

/// The absolute path of [`python`] (`sys.executable`): sandboxes run with Lambda's `PATH`,
/// where `python3` may be another interpreter than the one with awslambdaric.
pub fn interpreter() -> Result<PathBuf, InstallError> {
    let out = Command::new(python()).args(["-c", "import sys; print(sys.executable)"]).output().map_err(|e| {
        InstallError::Failed(format!("cannot run {}: {e}\n  hint: install Python 3 or set {PYTHON_ENV}", python().display()))
    })?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_and_uv_errors_name_the_package() {
        let pip = "ERROR: Could not find a version that satisfies the requirement nosuch-wheel==1.0 (from versions: none)\nERROR: No matching distribution found for nosuch-wheel==1.0\n";
        assert_eq!(missing_wheel(pip).as_deref(), Some("nosuch-wheel==1.0"));
        let uv = "  × No solution found when resolving dependencies:\n  ╰─▶ Because psycopg2==2.9.9 has no wheels with a matching platform tag (e.g., `manylinux_2_17_aarch64`) and you require psycopg2==2.9.9, we can conclude that your requirements are unsatisfiable.";
        assert_eq!(missing_wheel(uv).as_deref(), Some("psycopg2==2.9.9"));
        let uv_none = "  ╰─▶ Because there is no version of nosuch==1.0 and you require nosuch==1.0, we can conclude …";
        assert_eq!(missing_wheel(uv_none).as_deref(), Some("nosuch==1.0"));
        // uv 0.13's words for an sdist-only package with --only-binary :all: (seen here).
        let uv_sdist = "error: No solution found when resolving dependencies\n  cause: Because docopt==0.6.2 has no usable wheels and you require docopt==0.6.2, we can conclude that your requirements are unsatisfiable.";
        assert_eq!(missing_wheel(uv_sdist).as_deref(), Some("docopt==0.6.2"));
        assert_eq!(missing_wheel("ERROR: network unreachable"), None);
    }

    #[test]
    fn a_project_without_requirements_is_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let e = install(d.path(), &Platform::Host, &d.path().join("site"), &d.path().join("cache")).unwrap_err();
        assert!(e.to_string().contains("neither requirements.txt nor pyproject.toml"), "{e}");
    }
}
