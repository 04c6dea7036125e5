//! agentcdk-codegen: writes `synth/src/cfn` (typed L1 resources) from the CloudFormation
//! registry schemas vendored in `synth/schemas`.
//!
//! ```text
//! cargo run -p agentcdk-codegen                       # regenerate synth/src/cfn
//! cargo run -p agentcdk-codegen -- --check            # fail (naming the files) if it is stale
//! cargo run -p agentcdk-codegen -- vendor --from DIR  # refresh synth/schemas from cfn-lint's data/schemas
//! ```

mod model;
mod naming;
mod patch;
mod render;
mod vendor;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: agentcdk-codegen [generate] [--check]
       agentcdk-codegen vendor --from <cfn-lint data/schemas dir> [--cfn-lint-version <v>]

generate  (default) rewrite synth/src/cfn from synth/schemas (allowlist.toml, vendored schemas, patches/)
--check   regenerate in memory; exit 1 naming every file that differs from what is on disk
vendor    copy the allowlisted registry schemas from cfn-lint's data into synth/schemas";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `synth/` of this repository (the codegen crate lives in `synth/codegen`).
fn synth_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let synth = synth_dir();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["-h" | "--help" | "help", ..] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        ["vendor", rest @ ..] => {
            let mut from = None;
            let mut version = None;
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match *a {
                    "--from" => from = it.next().map(PathBuf::from),
                    "--cfn-lint-version" => version = it.next().map(|s| s.to_string()),
                    other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
                }
            }
            let from = from.ok_or_else(|| format!("vendor needs --from <dir>\n{USAGE}"))?;
            vendor::vendor(&from, &synth.join("schemas"), version)?;
            Ok(ExitCode::SUCCESS)
        }
        rest => {
            let mut check = false;
            for a in rest {
                match *a {
                    "generate" => {}
                    "--check" => check = true,
                    other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
                }
            }
            let files = render::generate(&synth.join("schemas"))?;
            let out_dir = synth.join("src").join("cfn");
            if check {
                let stale = render::stale_files(&out_dir, &files)?;
                if stale.is_empty() {
                    println!("synth/src/cfn is up to date ({} files)", files.len());
                    Ok(ExitCode::SUCCESS)
                } else {
                    eprintln!("synth/src/cfn is stale; run `cargo run -p agentcdk-codegen` and commit the result. Differing files:");
                    for f in stale {
                        eprintln!("  synth/src/cfn/{f}");
                    }
                    Ok(ExitCode::FAILURE)
                }
            } else {
                let written = render::write(&out_dir, &files)?;
                println!("wrote {} files to synth/src/cfn ({written} changed)", files.len());
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}
