//! checkov (PyPI, in the project venv) on synthesized templates, and the repository's list of
//! accepted findings, `checkov-suppressions.yaml`.
//!
//! checkov runs with nothing skipped; the suppressions are applied here, so a test can report
//! both a finding no entry covers and an entry that covers no finding any more (stale).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{repo_root, venv_tool};

/// The suppression file's name at the repository root.
pub const SUPPRESSIONS_FILE: &str = "checkov-suppressions.yaml";

/// One failed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `CKV_AWS_…`.
    pub check_id: String,
    /// What the check wants.
    pub check_name: String,
    /// `Type.LogicalId`, e.g. `AWS::SQS::Queue.Jobs1A2B3C4D`.
    pub resource: String,
    /// The template file, as checkov names it.
    pub file: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({}) in {}", self.check_id, self.resource, self.check_name, self.file)
    }
}

/// Runs checkov on `templates` (CloudFormation only, no download from its platform) and
/// returns every failed check. Panics if checkov did not run.
pub fn run_checkov(templates: &[PathBuf]) -> Vec<Finding> {
    assert!(!templates.is_empty(), "no template to check");
    let mut command = Command::new(venv_tool("checkov"));
    command.args(["--framework", "cloudformation", "--output", "json", "--quiet", "--compact", "--skip-download"]);
    for template in templates {
        command.arg("--file").arg(template);
    }
    let output = command.output().unwrap_or_else(|e| panic!("cannot run checkov: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Exit code: 0 nothing failed, 1 some check failed; anything else is checkov's own error.
    let code = output.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "checkov failed (exit {code}):\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("checkov's JSON output does not parse ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
    parse_report(&report)
}

/// The failed checks of a checkov JSON report (one report object, or a list of them when
/// several frameworks ran).
pub fn parse_report(report: &Value) -> Vec<Finding> {
    let reports = match report {
        Value::Array(many) => many.iter().collect(),
        one => vec![one],
    };
    let mut findings = Vec::new();
    for report in reports {
        let failed = report.pointer("/results/failed_checks").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for check in failed {
            let text = |key: &str| check.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            findings.push(Finding {
                check_id: text("check_id"),
                check_name: text("check_name"),
                resource: text("resource"),
                file: text("file_path"),
            });
        }
    }
    findings
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The check id.
    pub check: String,
    /// Which resources: a type (`AWS::Lambda::Function`) or `Type.LogicalId`. Empty: all.
    pub resources: Vec<String>,
    /// Why the finding is accepted (required).
    pub reason: String,
}

impl Suppression {
    /// Whether this entry covers `finding`.
    pub fn covers(&self, finding: &Finding) -> bool {
        self.check == finding.check_id
            && (self.resources.is_empty()
                || self
                    .resources
                    .iter()
                    .any(|r| finding.resource == *r || finding.resource.strip_prefix(r.as_str()).is_some_and(|rest| rest.starts_with('.'))))
    }
}

impl std::fmt::Display for Suppression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.resources.is_empty() {
            write!(f, "{} (every resource)", self.check)
        } else {
            write!(f, "{} on {}", self.check, self.resources.join(", "))
        }
    }
}

/// The repository's suppressions ([`SUPPRESSIONS_FILE`]). The YAML is read with the venv's
/// Python (PyYAML comes with checkov), so the tests need no YAML crate. Panics on an entry
/// without a check id or a reason.
pub fn load_suppressions() -> Vec<Suppression> {
    load_suppressions_from(&repo_root().join(SUPPRESSIONS_FILE))
}

/// [`load_suppressions`] from another file.
pub fn load_suppressions_from(path: &Path) -> Vec<Suppression> {
    let script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])) or {}))";
    let output = Command::new(venv_tool("python"))
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the venv's python: {e}"));
    assert!(output.status.success(), "cannot read {}:\n{}", path.display(), String::from_utf8_lossy(&output.stderr));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_suppressions(&doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The suppressions of the file's content (as JSON): `{suppressions: [{check, resources?,
/// reason}]}`. An entry without a check id or a reason is an error.
pub fn parse_suppressions(doc: &Value) -> Result<Vec<Suppression>, String> {
    let entries = doc.get("suppressions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut suppressions = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let field = |key: &str| entry.get(key).and_then(Value::as_str).map(str::trim).unwrap_or_default().to_owned();
        let check = field("check");
        let reason = field("reason");
        if check.is_empty() {
            return Err(format!("entry {} has no `check`", i + 1));
        }
        if reason.is_empty() {
            return Err(format!("entry {} ({check}) has no `reason`: every suppression says why", i + 1));
        }
        let resources = match entry.get("resources") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(other) => return Err(format!("entry {} ({check}): `resources` must be a string or a list, not {other}", i + 1)),
        };
        suppressions.push(Suppression { check, resources, reason });
    }
    Ok(suppressions)
}

/// Findings no suppression covers, and suppressions that cover no finding (stale).
pub fn apply_suppressions<'a>(findings: &'a [Finding], suppressions: &'a [Suppression]) -> (Vec<&'a Finding>, Vec<&'a Suppression>) {
    let open = findings.iter().filter(|f| !suppressions.iter().any(|s| s.covers(f))).collect();
    let stale = suppressions.iter().filter(|s| !findings.iter().any(|f| s.covers(f))).collect();
    (open, stale)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn finding(check: &str, resource: &str) -> Finding {
        Finding { check_id: check.into(), check_name: String::new(), resource: resource.into(), file: "/x.json".into() }
    }

    #[test]
    fn suppressions_match_by_check_and_resource() {
        let by_type = Suppression { check: "CKV_AWS_117".into(), resources: vec!["AWS::Lambda::Function".into()], reason: "r".into() };
        assert!(by_type.covers(&finding("CKV_AWS_117", "AWS::Lambda::Function.Fn1234")));
        assert!(!by_type.covers(&finding("CKV_AWS_117", "AWS::Lambda::FunctionX.Fn")));
        assert!(!by_type.covers(&finding("CKV_AWS_116", "AWS::Lambda::Function.Fn1234")));
        let by_id = Suppression { check: "CKV_AWS_117".into(), resources: vec!["AWS::Lambda::Function.Fn1234".into()], reason: "r".into() };
        assert!(by_id.covers(&finding("CKV_AWS_117", "AWS::Lambda::Function.Fn1234")));
        assert!(!by_id.covers(&finding("CKV_AWS_117", "AWS::Lambda::Function.Other")));
        let all = Suppression { check: "CKV_AWS_117".into(), resources: vec![], reason: "r".into() };
        assert!(all.covers(&finding("CKV_AWS_117", "AWS::Lambda::Function.Other")));
    }

    #[test]
    fn open_findings_and_stale_suppressions() {
        let findings = [finding("A", "T::T::T.X"), finding("B", "T::T::T.Y")];
        let suppressions = [
            Suppression { check: "A".into(), resources: vec![], reason: "r".into() },
            Suppression { check: "C".into(), resources: vec![], reason: "r".into() },
        ];
        let (open, stale) = apply_suppressions(&findings, &suppressions);
        assert_eq!(open, [&findings[1]]);
        assert_eq!(stale, [&suppressions[1]]);
    }

    #[test]
    fn every_suppression_needs_a_check_and_a_reason() {
        let good = json!({"suppressions": [{"check": "CKV_AWS_1", "resources": "AWS::SQS::Queue", "reason": "because"}]});
        let parsed = parse_suppressions(&good).unwrap();
        assert_eq!(
            parsed,
            [Suppression { check: "CKV_AWS_1".into(), resources: vec!["AWS::SQS::Queue".into()], reason: "because".into() }]
        );
        assert!(parse_suppressions(&json!({"suppressions": [{"check": "CKV_AWS_1"}]})).unwrap_err().contains("no `reason`"));
        assert!(parse_suppressions(&json!({"suppressions": [{"check": "CKV_AWS_1", "reason": "  "}]})).is_err());
        assert!(parse_suppressions(&json!({"suppressions": [{"reason": "why"}]})).unwrap_err().contains("no `check`"));
        assert_eq!(parse_suppressions(&json!({})).unwrap(), []);
    }

    #[test]
    fn reads_single_and_multi_framework_reports() {
        let one = json!({"check_type": "cloudformation", "results": {"failed_checks": [
            {"check_id": "CKV_AWS_27", "check_name": "SQS encrypted", "resource": "AWS::SQS::Queue.Q", "file_path": "/Bad.template.json"}
        ]}});
        let got = parse_report(&one);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].check_id.as_str(), got[0].resource.as_str(), got[0].file.as_str()),
            ("CKV_AWS_27", "AWS::SQS::Queue.Q", "/Bad.template.json")
        );
        assert_eq!(parse_report(&json!([one.clone(), one])).len(), 2);
        assert_eq!(parse_report(&json!({"passed": 3, "failed": 0})), Vec::<Finding>::new());
    }
}
