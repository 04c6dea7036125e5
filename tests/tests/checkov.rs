//! Every example template passes checkov (PyPI, CloudFormation checks) with no failed check
//! except the entries of `checkov-suppressions.yaml`, each of which must still be needed.

use agentcdk_tests::checkov::{apply_suppressions, load_suppressions, run_checkov, SUPPRESSIONS_FILE};
use agentcdk_tests::{examples, synth_into};
use std::path::PathBuf;

#[test]
fn examples_pass_checkov_except_the_suppressions() {
    let out = tempfile::tempdir().unwrap();
    let mut templates: Vec<(&str, PathBuf)> = Vec::new();
    for (name, app) in examples() {
        let dir = out.path().join(name);
        let assembly = synth_into(app(), &dir);
        templates.extend(assembly.stacks.iter().map(|s| (name, dir.join(s.file_name()))));
    }
    let paths: Vec<PathBuf> = templates.iter().map(|(_, p)| p.clone()).collect();
    let findings = run_checkov(&paths);
    let suppressions = load_suppressions();
    let (open, stale) = apply_suppressions(&findings, &suppressions);

    let example_of = |file: &str| templates.iter().find(|(name, _)| file.contains(&format!("/{name}/"))).map_or("?", |(name, _)| name);
    for (name, _) in examples() {
        let mine: Vec<_> = findings.iter().filter(|f| example_of(&f.file) == name).collect();
        println!("{name}: {} failed check(s) before suppressions", mine.len());
        for finding in mine {
            let suppressed = suppressions.iter().any(|s| s.covers(finding));
            println!("  {} {} {}", if suppressed { "suppressed" } else { "OPEN      " }, finding.check_id, finding.resource);
        }
    }
    let mut problems = String::new();
    for finding in &open {
        problems += &format!("failed check [{}]: {finding}\n", example_of(&finding.file));
    }
    for suppression in &stale {
        problems += &format!(
            "stale suppression: {suppression} matches no finding any more; delete it from {SUPPRESSIONS_FILE} (reason was: {})\n",
            suppression.reason
        );
    }
    assert!(
        problems.is_empty(),
        "checkov: fix the template (or, for a finding that is right by design, add an entry with its reason to {SUPPRESSIONS_FILE}):\n{problems}"
    );
}

#[test]
fn checkov_really_fails_on_an_unencrypted_queue() {
    // Guards the test above: checkov must run its CloudFormation checks and report them.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("Bad.template.json");
    std::fs::write(&bad, r#"{"Resources": {"Plain": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": false}}}}"#)
        .unwrap();
    let findings = run_checkov(&[bad]);
    assert!(
        findings.iter().any(|f| f.check_id == "CKV_AWS_27" && f.resource == "AWS::SQS::Queue.Plain"),
        "checkov should report CKV_AWS_27 (SQS queue not encrypted), found: {findings:?}"
    );
}

#[test]
fn every_suppression_names_a_check_and_gives_a_reason() {
    // load_suppressions refuses an entry without a check id or a reason.
    for suppression in load_suppressions() {
        assert!(suppression.check.starts_with("CKV"), "{suppression}: not a checkov check id");
    }
}
