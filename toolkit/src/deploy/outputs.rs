//! A deployed stack's outputs, read and printed.

use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::{Error, Result};

/// A deployed stack's outputs: (key, value, description).
pub async fn stack_outputs(clients: &Clients, stack: &str) -> Result<Vec<(String, String, Option<String>)>> {
    let answer = clients.cfn.describe_stacks().stack_name(stack).send().await.map_err(|e| {
        if is_missing_stack(&e) {
            Error::new(format!("{stack} is not deployed")).hint("deploy it first")
        } else {
            sdk_error(format!("describe-stacks {stack}"), &e)
        }
    })?;
    let outputs = answer.stacks().first().map(|s| s.outputs().to_vec()).unwrap_or_default();
    Ok(outputs
        .iter()
        .map(|o| {
            (
                o.output_key().unwrap_or_default().to_owned(),
                o.output_value().unwrap_or_default().to_owned(),
                o.description().map(str::to_owned),
            )
        })
        .collect())
}

/// `  Key = Value` lines (`  (no outputs)` when there are none).
pub fn format_outputs(outputs: &[(String, String, Option<String>)]) -> String {
    if outputs.is_empty() {
        return "  (no outputs)\n".to_owned();
    }
    let width = outputs.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
    outputs.iter().map(|(k, v, _)| format!("  {k:<width$} = {v}\n")).collect()
}

/// Prints `Outputs:` and the stack's outputs.
pub async fn print_outputs(clients: &Clients, stack: &str) -> Result<()> {
    let outputs = stack_outputs(clients, stack).await?;
    println!("Outputs:");
    print!("{}", format_outputs(&outputs));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_aligned() {
        let outputs = [("QueueUrl".to_owned(), "https://q".to_owned(), None), ("Arn".to_owned(), "arn:x".to_owned(), None)];
        assert_eq!(format_outputs(&outputs), "  QueueUrl = https://q\n  Arn      = arn:x\n");
        assert_eq!(format_outputs(&[]), "  (no outputs)\n");
    }
}
