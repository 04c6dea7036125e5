//! checkov (PyPI, in the project venv) on synthesized templates. Accepted findings are not
//! listed here: each template carries them in its resources' `Metadata` (`checkov.skip`, with
//! the reason), written by the construct that made the decision, so checkov honours them on
//! any user's template too.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::venv_tool;

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

/// The checkov skips a template's resources carry in their `Metadata` (`checkov.skip[].id`),
/// as `(Type.LogicalId, CKV id)`.
pub fn justified_checks(template: &Value) -> Vec<(String, String)> {
    let resources = template.get("Resources").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for (id, resource) in &resources {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or_default();
        let skips = resource.pointer("/Metadata/checkov/skip").and_then(Value::as_array).cloned().unwrap_or_default();
        for skip in skips {
            if let Some(check) = skip.get("id").and_then(Value::as_str) {
                out.push((format!("{kind}.{id}"), check.to_owned()));
            }
        }
    }
    out
}

/// The template without its checkov skips (to see what checkov would report without them).
pub fn without_checkov_skips(template: &Value) -> Value {
    let mut copy = template.clone();
    if let Some(resources) = copy.get_mut("Resources").and_then(Value::as_object_mut) {
        for resource in resources.values_mut() {
            if let Some(metadata) = resource.get_mut("Metadata").and_then(Value::as_object_mut) {
                metadata.shift_remove("checkov");
            }
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_and_strips_the_checkov_skips_of_a_template() {
        let t = json!({"Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_116", "comment": "sync"}]}, "other": 1}},
            "Q": {"Type": "AWS::SQS::Queue"}
        }});
        assert_eq!(justified_checks(&t), [("AWS::Lambda::Function.Fn".to_owned(), "CKV_AWS_116".to_owned())]);
        let stripped = without_checkov_skips(&t);
        assert_eq!(justified_checks(&stripped), []);
        assert_eq!(stripped["Resources"]["Fn"]["Metadata"], json!({"other": 1}));
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
