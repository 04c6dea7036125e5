//! Every example template passes checkov (PyPI, CloudFormation checks) untouched: no
//! suppression file, no skip flag — only what the templates say about themselves in their
//! resources' `Metadata`. And each of those justifications still covers a real finding.

use std::collections::BTreeSet;
use std::path::PathBuf;

use agentcdk_tests::checkov::{justified_checks, run_checkov, without_checkov_skips};
use agentcdk_tests::{examples, synth_into};

/// Every example synthesized into `out`: (example, template path, template JSON).
fn example_templates(out: &std::path::Path) -> Vec<(&'static str, PathBuf, serde_json::Value)> {
    let mut templates = Vec::new();
    for (name, app) in examples() {
        let dir = out.join(name);
        let assembly = synth_into(app(), &dir);
        templates.extend(assembly.stacks.iter().map(|s| (name, dir.join(s.file_name()), s.json.clone())));
    }
    templates
}

#[test]
fn examples_pass_checkov_untouched() {
    let out = tempfile::tempdir().unwrap();
    let templates = example_templates(out.path());
    let paths: Vec<PathBuf> = templates.iter().map(|(_, p, _)| p.clone()).collect();
    let findings = run_checkov(&paths);
    let mut problems = String::new();
    for (name, path, json) in &templates {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let mine: Vec<_> = findings.iter().filter(|f| f.file.ends_with(&format!("{name}/{file}"))).collect();
        println!("{name}: {} failed, {} justified in the template", mine.len(), justified_checks(json).len());
        for finding in mine {
            problems += &format!("[{name}] {finding}\n");
        }
    }
    assert!(
        findings.is_empty(),
        "checkov failed checks: fix the construct, or, for a finding that is right by design, justify it on the resource \
         (constructs/src/accepted.rs):\n{problems}"
    );
}

#[test]
fn every_justification_covers_a_real_finding() {
    // The same templates with their checkov skips removed: checkov must then fail exactly the
    // justified checks. A justification checkov would not report is stale (delete it); this also
    // proves checkov reads the metadata, since the untouched templates pass.
    let out = tempfile::tempdir().unwrap();
    let templates = example_templates(out.path());
    let mut justified = BTreeSet::new();
    let mut stripped = Vec::new();
    std::fs::create_dir_all(out.path().join("stripped")).unwrap();
    for (name, path, json) in &templates {
        // One folder, file names unique per example: a finding's file names its example.
        let file = format!("{name}__{}", path.file_name().unwrap().to_string_lossy());
        let copy = out.path().join("stripped").join(&file);
        std::fs::write(&copy, serde_json::to_string_pretty(&without_checkov_skips(json)).unwrap()).unwrap();
        justified.extend(justified_checks(json).into_iter().map(|(resource, check)| (file.clone(), resource, check)));
        stripped.push(copy);
    }
    assert!(!justified.is_empty(), "the examples justify no finding at all");
    let reported: BTreeSet<(String, String, String)> = run_checkov(&stripped)
        .into_iter()
        .map(|f| {
            let file = f.file.rsplit('/').next().unwrap_or_default().to_owned();
            (file, f.resource, f.check_id)
        })
        .collect();
    let stale: Vec<_> = justified.difference(&reported).collect();
    assert!(stale.is_empty(), "justifications checkov does not need (stale, delete them): {stale:#?}");
    let unjustified: Vec<_> = reported.difference(&justified).collect();
    assert!(unjustified.is_empty(), "findings without a justification: {unjustified:#?}");
}

#[test]
fn checkov_really_fails_on_an_unencrypted_queue() {
    // Guards the tests above: checkov must run its CloudFormation checks and report them.
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
