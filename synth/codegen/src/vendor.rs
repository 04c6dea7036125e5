//! The allowlist, and copying allowlisted registry schemas out of cfn-lint's data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value as J;

/// One `[module]` table of `synth/schemas/allowlist.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// `AWS::Lambda`.
    pub namespace: String,
    /// Short type names: `Function`, `Permission`.
    pub types: Vec<String>,
    /// GetAtt attributes a type documents beyond its schema's `readOnlyProperties` (input
    /// properties CloudFormation also returns, like SQS `QueueName`): type → attribute names.
    #[serde(default)]
    pub extra_attributes: BTreeMap<String, Vec<String>>,
}

/// Module name (`lambda`) → service, sorted by module name.
pub fn load_allowlist(schemas: &Path) -> Result<BTreeMap<String, Service>, String> {
    let path = schemas.join("allowlist.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let list: BTreeMap<String, Service> = toml::from_str(&text).map_err(|e| format!("allowlist.toml: {e}"))?;
    for (module, service) in &list {
        let valid = module.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid || module.is_empty() {
            return Err(format!("allowlist.toml: module name `{module}` must be lowercase snake_case"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &service.types {
            if !seen.insert(t) {
                return Err(format!("allowlist.toml: {}::{t} listed twice", service.namespace));
            }
        }
    }
    Ok(list)
}

/// Where a vendored schema lives: `synth/schemas/<module>/<Type>.json`.
pub fn schema_path(schemas: &Path, module: &str, type_short: &str) -> PathBuf {
    schemas.join(module).join(format!("{type_short}.json"))
}

/// Pretty JSON with a final newline: stable, diffable, keys in upstream order.
pub fn pretty(v: &J) -> Result<String, String> {
    serde_json::to_string_pretty(v).map(|s| s + "\n").map_err(|e| e.to_string())
}

/// Copies every allowlisted schema from `from` (cfn-lint's `data/schemas`) into `schemas`,
/// removes vendored files no longer listed, and records the source in `SOURCE.md`.
pub fn vendor(from: &Path, schemas: &Path, version: Option<String>) -> Result<(), String> {
    let list = load_allowlist(schemas)?;
    let read = |p: &Path| -> Result<J, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let providers = read(&from.join("providers").join("us-east-1.json"))?;
    let schema_date = read(&from.join("version.json"))
        .ok()
        .and_then(|v| v.get("schema_date").and_then(J::as_str).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    let version = match version {
        Some(v) => v,
        None => cfn_lint_version(from).ok_or("cannot find cfn-lint's version.py next to the schemas; pass --cfn-lint-version")?,
    };

    let mut rows = Vec::new();
    let mut kept = std::collections::BTreeSet::new();
    for (module, service) in &list {
        for t in &service.types {
            let full = format!("{}::{t}", service.namespace);
            let file =
                providers.get(&full).and_then(J::as_str).ok_or_else(|| format!("{full} is not in cfn-lint's us-east-1 provider list"))?;
            let schema = read(&from.join("resources").join(format!("{file}.json")))?;
            if schema.get("typeName").and_then(J::as_str) != Some(full.as_str()) {
                return Err(format!("resources/{file}.json is not the schema of {full}"));
            }
            let dest = schema_path(schemas, module, t);
            std::fs::create_dir_all(dest.parent().unwrap_or(schemas)).map_err(|e| e.to_string())?;
            std::fs::write(&dest, pretty(&schema)?).map_err(|e| format!("{}: {e}", dest.display()))?;
            kept.insert(dest);
            rows.push(format!("| `{full}` | `{module}/{t}.json` | `resources/{file}.json` |"));
        }
    }
    // Drop vendored schemas of types no longer allowlisted.
    for module in std::fs::read_dir(schemas).map_err(|e| e.to_string())?.flatten() {
        let dir = module.path();
        if !dir.is_dir() || dir.file_name().is_some_and(|n| n == "patches") {
            continue;
        }
        for f in std::fs::read_dir(&dir).map_err(|e| e.to_string())?.flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "json") && !kept.contains(&p) {
                std::fs::remove_file(&p).map_err(|e| e.to_string())?;
                println!("removed {}", p.display());
            }
        }
    }

    let source = format!(
        "# Vendored CloudFormation registry schemas\n\n\
         Copied by `cargo run -p agentcdk-codegen -- vendor --from <cfn-lint>/data/schemas` from the\n\
         PyPI package **cfn-lint {version}** (schema_date `{schema_date}`, provider list `us-east-1`).\n\
         These files are inputs of the generator; do not edit them: fixes go in `patches/` as data.\n\n\
         To refresh: `pip install cfn-lint==<version>` into `.venv`, then\n\n\
         ```sh\n\
         cargo run -p agentcdk-codegen -- vendor --from \"$(.venv/bin/python -c 'import cfnlint,os;print(os.path.dirname(cfnlint.__file__))')/data/schemas\"\n\
         cargo run -p agentcdk-codegen\n\
         ```\n\n\
         | type | vendored file | cfn-lint file |\n| --- | --- | --- |\n{}\n",
        rows.join("\n")
    );
    std::fs::write(schemas.join("SOURCE.md"), source).map_err(|e| e.to_string())?;
    println!("vendored {} schemas from cfn-lint {version} (schema_date {schema_date})", rows.len());
    Ok(())
}

/// `__version__` from `cfnlint/version.py` (`from` is `cfnlint/data/schemas`).
fn cfn_lint_version(from: &Path) -> Option<String> {
    let text = std::fs::read_to_string(from.parent()?.parent()?.join("version.py")).ok()?;
    let line = text.lines().find(|l| l.trim_start().starts_with("__version__"))?;
    Some(line.split(['"', '\'']).nth(1)?.to_owned())
}
