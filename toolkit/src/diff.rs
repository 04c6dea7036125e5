//! `diff`: a synthesized template against the deployed one, section by section and resource
//! by resource; a modified entry shows the changed lines of its JSON.

use std::fmt::Write as _;

use agentcdk_synth::StackArtifact;
use console::style;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::{Error, Result};

/// How an entry differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only in the local template.
    Added,
    /// Only in the deployed template.
    Removed,
    /// In both, different.
    Modified,
}

/// One difference: a section (`Resources`, `Outputs`, …) and a key in it (empty for a
/// section that is a single value, like `Description`).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Top-level template section.
    pub section: String,
    /// Logical id / name in the section ("" for scalar sections).
    pub key: String,
    /// Added, removed or modified.
    pub kind: Kind,
    /// Deployed value.
    pub old: Option<Value>,
    /// Local value.
    pub new: Option<Value>,
}

/// The differences from `old` (deployed) to `new` (local), in the local template's order,
/// then what only the deployed one has.
pub fn diff_templates(old: &Value, new: &Value) -> Vec<Entry> {
    let empty = serde_json::Map::new();
    let old_map = old.as_object().unwrap_or(&empty);
    let new_map = new.as_object().unwrap_or(&empty);
    let mut sections: Vec<&String> = new_map.keys().collect();
    sections.extend(old_map.keys().filter(|k| !new_map.contains_key(*k)));
    let mut entries = Vec::new();
    for section in sections {
        let (o, n) = (old_map.get(section), new_map.get(section));
        match (o, n) {
            (Some(Value::Object(om)), Some(Value::Object(nm))) => {
                let mut keys: Vec<&String> = nm.keys().collect();
                keys.extend(om.keys().filter(|k| !nm.contains_key(*k)));
                for key in keys {
                    if let Some(kind) = kind(om.get(key), nm.get(key)) {
                        entries.push(Entry {
                            section: section.clone(),
                            key: key.clone(),
                            kind,
                            old: om.get(key).cloned(),
                            new: nm.get(key).cloned(),
                        });
                    }
                }
            }
            (Some(Value::Object(om)), None) => entries.extend(om.iter().map(|(k, v)| Entry {
                section: section.clone(),
                key: k.clone(),
                kind: Kind::Removed,
                old: Some(v.clone()),
                new: None,
            })),
            (None, Some(Value::Object(nm))) => entries.extend(nm.iter().map(|(k, v)| Entry {
                section: section.clone(),
                key: k.clone(),
                kind: Kind::Added,
                old: None,
                new: Some(v.clone()),
            })),
            _ => {
                if let Some(kind) = kind(o, n) {
                    entries.push(Entry { section: section.clone(), key: String::new(), kind, old: o.cloned(), new: n.cloned() });
                }
            }
        }
    }
    entries
}

fn kind(old: Option<&Value>, new: Option<&Value>) -> Option<Kind> {
    match (old, new) {
        (None, Some(_)) => Some(Kind::Added),
        (Some(_), None) => Some(Kind::Removed),
        (Some(o), Some(n)) if o != n => Some(Kind::Modified),
        _ => None,
    }
}

/// The differences as text, grouped by section:
///
/// ```text
/// Resources
/// [+] Topic  AWS::SNS::Topic
/// [~] Logs  AWS::Logs::LogGroup
///         "Properties": {
///     -     "RetentionInDays": 14,
///     +     "RetentionInDays": 30,
///           "LogGroupClass": "STANDARD"
/// ```
pub fn format_diff(entries: &[Entry]) -> String {
    let mut text = String::new();
    let mut section = None;
    for e in entries {
        if section != Some(&e.section) {
            let _ = writeln!(text, "{}", style(&e.section).bold());
            section = Some(&e.section);
        }
        let value = e.new.as_ref().or(e.old.as_ref());
        let type_name = value.and_then(|v| v.get("Type")).and_then(Value::as_str).map(|t| format!("  {t}")).unwrap_or_default();
        let label = if e.key.is_empty() { String::new() } else { format!(" {}{type_name}", e.key) };
        match e.kind {
            Kind::Added => {
                let _ = writeln!(text, "{}", style(format!("[+]{label}")).green());
                if e.key.is_empty() || type_name.is_empty() {
                    write_lines(&mut text, e.new.as_ref(), "+", true);
                }
            }
            Kind::Removed => {
                let _ = writeln!(text, "{}", style(format!("[-]{label}")).red());
                if e.key.is_empty() || type_name.is_empty() {
                    write_lines(&mut text, e.old.as_ref(), "-", false);
                }
            }
            Kind::Modified => {
                let _ = writeln!(text, "{}", style(format!("[~]{label}")).yellow());
                let old = pretty(e.old.as_ref());
                let new = pretty(e.new.as_ref());
                let diff = TextDiff::from_lines(&old, &new);
                for (i, group) in diff.grouped_ops(2).iter().enumerate() {
                    if i > 0 {
                        let _ = writeln!(text, "    {}", style("...").dim());
                    }
                    for op in group {
                        for change in diff.iter_changes(op) {
                            let line = change.value().trim_end_matches('\n');
                            let _ = match change.tag() {
                                ChangeTag::Delete => writeln!(text, "    {}", style(format!("- {line}")).red()),
                                ChangeTag::Insert => writeln!(text, "    {}", style(format!("+ {line}")).green()),
                                ChangeTag::Equal => writeln!(text, "      {line}"),
                            };
                        }
                    }
                }
            }
        }
    }
    text
}

fn pretty(value: Option<&Value>) -> String {
    let mut s = value.map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_default();
    s.push('\n');
    s
}

fn write_lines(text: &mut String, value: Option<&Value>, sign: &str, added: bool) {
    for line in pretty(value).lines() {
        let line = format!("{sign} {line}");
        let _ = writeln!(text, "    {}", if added { style(line).green() } else { style(line).red() });
    }
}

/// The deployed stack's template as JSON (`None`: the stack is not deployed).
pub async fn deployed_template(clients: &Clients, stack: &str) -> Result<Option<Value>> {
    match clients.cfn.get_template().stack_name(stack).send().await {
        Ok(answer) => {
            let body = answer.template_body().unwrap_or("{}");
            serde_json::from_str::<Value>(body).map(Some).map_err(|e| {
                Error::new(format!("{stack}: the deployed template is not JSON ({e})"))
                    .hint("diff and hotswap compare JSON templates; this stack was deployed from YAML")
            })
        }
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(sdk_error(format!("get-template {stack}"), &e)),
    }
}

/// Compares every stack with its deployed template and prints the differences.
/// Returns whether any stack differs (a stack that is not deployed differs).
pub async fn diff_stacks(clients: &Clients, stacks: &[StackArtifact]) -> Result<bool> {
    let mut different = false;
    for stack in stacks {
        let deployed = deployed_or_null(clients, &stack.name, &stack.name).await?;
        different |= print_diff(&stack.name, &deployed, &stack.json);
        for nested in &stack.nested {
            let label = format!("{}/{}", stack.name, nested.manifest.subtree);
            // A nested stack is found through its root: the physical id of its Stack resource.
            let physical =
                match clients.cfn.describe_stack_resource().stack_name(&stack.name).logical_resource_id(&nested.logical_id).send().await {
                    Ok(answer) => answer.stack_resource_detail().and_then(|d| d.physical_resource_id()).map(str::to_owned),
                    Err(_) => None,
                };
            let deployed = match physical {
                Some(id) => deployed_or_null(clients, &id, &label).await?,
                None if deployed.is_null() => Value::Null,
                None => {
                    println!("{}: {}", style(&label).bold(), style("not deployed").yellow());
                    Value::Null
                }
            };
            different |= print_diff(&label, &deployed, &nested.json);
        }
    }
    Ok(different)
}

/// The deployed template of stack `id` (a name or a nested stack's id), `Null` (and a "not
/// deployed" line under `label`) when there is none.
async fn deployed_or_null(clients: &Clients, id: &str, label: &str) -> Result<Value> {
    Ok(match deployed_template(clients, id).await? {
        Some(template) => template,
        None => {
            println!("{}: {}", style(label).bold(), style("not deployed").yellow());
            Value::Null
        }
    })
}

/// Prints the differences of one template; whether there were any.
fn print_diff(label: &str, deployed: &Value, local: &Value) -> bool {
    let entries = diff_templates(deployed, local);
    if entries.is_empty() {
        println!("{}: no differences", style(label).bold());
        return false;
    }
    println!("{}: {} difference(s)", style(label).bold(), entries.len());
    print!("{}", format_diff(&entries));
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployed() -> Value {
        json!({
            "Description": "old",
            "Resources": {
                "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 14, "LogGroupClass": "STANDARD"}},
                "Gone": {"Type": "AWS::SNS::Topic"}
            },
            "Outputs": {"Url": {"Value": "x"}}
        })
    }

    fn local() -> Value {
        json!({
            "Description": "new",
            "Resources": {
                "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30, "LogGroupClass": "STANDARD"}},
                "Queue": {"Type": "AWS::SQS::Queue"}
            },
            "Outputs": {"Url": {"Value": "x"}}
        })
    }

    #[test]
    fn identical_templates_have_no_entries() {
        assert!(diff_templates(&local(), &local()).is_empty());
    }

    #[test]
    fn entries_per_section_and_key() {
        let entries = diff_templates(&deployed(), &local());
        let summary: Vec<(&str, &str, Kind)> = entries.iter().map(|e| (e.section.as_str(), e.key.as_str(), e.kind)).collect();
        assert_eq!(
            summary,
            [
                ("Description", "", Kind::Modified),
                ("Resources", "Logs", Kind::Modified),
                ("Resources", "Queue", Kind::Added),
                ("Resources", "Gone", Kind::Removed),
            ]
        );
    }

    #[test]
    fn not_deployed_means_everything_added() {
        let entries = diff_templates(&Value::Null, &local());
        assert!(entries.iter().all(|e| e.kind == Kind::Added));
        assert_eq!(entries.len(), 4);
    }

    #[test]
    fn formatted_diff_shows_changed_lines() {
        console::set_colors_enabled(false);
        let text = format_diff(&diff_templates(&deployed(), &local()));
        assert_eq!(
            text,
            r#"Description
[~]
    - "old"
    + "new"
Resources
[~] Logs  AWS::Logs::LogGroup
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
    -     "RetentionInDays": 14,
    +     "RetentionInDays": 30,
          "LogGroupClass": "STANDARD"
        }
[+] Queue  AWS::SQS::Queue
[-] Gone  AWS::SNS::Topic
"#
        );
    }
}
