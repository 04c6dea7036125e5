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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// The committed `synth/src/cfn` is what the generator writes today (same check as `--check`).
    #[test]
    fn committed_output_is_up_to_date() {
        let synth = super::synth_dir();
        let files = crate::render::generate(&synth.join("schemas")).expect("generate");
        let stale = crate::render::stale_files(&synth.join("src").join("cfn"), &files).expect("compare");
        assert!(stale.is_empty(), "stale generated files (run `cargo run -p agentcdk-codegen`): {stale:?}");
        assert!(files.values().all(|f| f.starts_with(crate::render::HEADER)));
    }

    /// `vendor` copies exactly the allowlisted types, pretty-printed, and records the source.
    #[test]
    fn vendor_copies_allowlisted_schemas() {
        let root = std::env::temp_dir().join(format!("agentcdk-codegen-vendor-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let from: PathBuf = root.join("cfnlint").join("data").join("schemas");
        let schemas = root.join("schemas");
        for d in [from.join("providers"), from.join("resources"), schemas.join("sqs")] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(root.join("cfnlint").join("version.py"), "__version__ = \"9.9.9\"\n").unwrap();
        std::fs::write(from.join("version.json"), r#"{"schema_date": "2030-01-01T00:00:00Z"}"#).unwrap();
        std::fs::write(from.join("providers").join("us-east-1.json"), r#"{"AWS::SQS::Queue": "aa", "AWS::SQS::Other": "bb"}"#).unwrap();
        std::fs::write(from.join("resources").join("aa.json"), r#"{"typeName":"AWS::SQS::Queue","properties":{}}"#).unwrap();
        std::fs::write(schemas.join("allowlist.toml"), "[sqs]\nnamespace = \"AWS::SQS\"\ntypes = [\"Queue\"]\n").unwrap();
        std::fs::write(schemas.join("sqs").join("Gone.json"), "{}").unwrap();

        crate::vendor::vendor(&from, &schemas, None).unwrap();
        let queue = std::fs::read_to_string(schemas.join("sqs").join("Queue.json")).unwrap();
        assert_eq!(queue, "{\n  \"typeName\": \"AWS::SQS::Queue\",\n  \"properties\": {}\n}\n");
        assert!(!schemas.join("sqs").join("Gone.json").exists(), "types no longer allowlisted are removed");
        let source = std::fs::read_to_string(schemas.join("SOURCE.md")).unwrap();
        assert!(source.contains("cfn-lint 9.9.9") && source.contains("2030-01-01T00:00:00Z"), "{source}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
