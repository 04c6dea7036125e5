//! A change set as people read it: one line per resource, then the counts.

use std::fmt::Write as _;

use console::style;

/// What a change set does to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    pub action: String,
    /// Logical id.
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// For `Modify`: `True`, `False` or `Conditional`.
    pub replacement: Option<String>,
}

impl ResourceChange {
    fn replaces(&self) -> bool {
        matches!(self.replacement.as_deref(), Some("True") | Some("Conditional"))
    }
}

/// The summary printed before asking to execute:
///
/// ```text
/// + QueueB2B4C5E1                AWS::SQS::Queue
/// ~ LogsE1F2A3B4                 AWS::Logs::LogGroup  (replacement: Conditional)
/// - OldTopic                     AWS::SNS::Topic
/// 1 to add, 1 to modify (1 may be replaced), 1 to remove
/// ```
pub fn format_summary(changes: &[ResourceChange]) -> String {
    let id_width = changes.iter().map(|c| c.logical_id.len()).max().unwrap_or(0);
    let type_width = changes.iter().map(|c| c.resource_type.len()).max().unwrap_or(0);
    let mut text = String::new();
    let (mut add, mut modify, mut replace, mut remove, mut other) = (0, 0, 0, 0, 0);
    for c in changes {
        let line = match c.action.as_str() {
            "Add" => {
                add += 1;
                style(format!("+ {:<id_width$}  {}", c.logical_id, c.resource_type)).green()
            }
            "Remove" => {
                remove += 1;
                style(format!("- {:<id_width$}  {}", c.logical_id, c.resource_type)).red()
            }
            "Modify" => {
                modify += 1;
                let mut line = format!("~ {:<id_width$}  {:<type_width$}", c.logical_id, c.resource_type);
                if c.replaces() {
                    replace += 1;
                    let _ = write!(line, "  (replacement: {})", c.replacement.as_deref().unwrap_or_default());
                }
                style(line.trim_end().to_owned()).yellow()
            }
            action => {
                other += 1;
                style(format!("? {:<id_width$}  {}  ({action})", c.logical_id, c.resource_type)).cyan()
            }
        };
        let _ = writeln!(text, "{line}");
    }
    let mut counts = format!("{add} to add, {modify} to modify");
    if replace > 0 {
        let _ = write!(counts, " ({replace} may be replaced)");
    }
    let _ = write!(counts, ", {remove} to remove");
    if other > 0 {
        let _ = write!(counts, ", {other} other");
    }
    let _ = writeln!(text, "{counts}");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: &str, id: &str, kind: &str, replacement: Option<&str>) -> ResourceChange {
        ResourceChange {
            action: action.into(),
            logical_id: id.into(),
            resource_type: kind.into(),
            replacement: replacement.map(Into::into),
        }
    }

    #[test]
    fn summary_lines_and_counts() {
        console::set_colors_enabled(false);
        let text = format_summary(&[
            change("Add", "Queue", "AWS::SQS::Queue", None),
            change("Modify", "WorkerLogs", "AWS::Logs::LogGroup", Some("False")),
            change("Modify", "Fn", "AWS::Lambda::Function", Some("Conditional")),
            change("Remove", "Old", "AWS::SNS::Topic", None),
        ]);
        assert_eq!(
            text,
            "+ Queue       AWS::SQS::Queue\n\
             ~ WorkerLogs  AWS::Logs::LogGroup\n\
             ~ Fn          AWS::Lambda::Function  (replacement: Conditional)\n\
             - Old         AWS::SNS::Topic\n\
             1 to add, 2 to modify (1 may be replaced), 1 to remove\n"
        );
    }

    #[test]
    fn unknown_actions_are_shown_not_dropped() {
        console::set_colors_enabled(false);
        let text = format_summary(&[change("Dynamic", "Nested", "AWS::CloudFormation::Stack", None)]);
        assert_eq!(text, "? Nested  AWS::CloudFormation::Stack  (Dynamic)\n0 to add, 0 to modify, 0 to remove, 1 other\n");
    }

    #[test]
    fn empty_change_set() {
        assert_eq!(format_summary(&[]), "0 to add, 0 to modify, 0 to remove\n");
    }
}
