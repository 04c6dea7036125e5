//! `destroy`: deletes the stacks, last first, after asking.

use console::style;

use super::confirm::{ask, refusal, Action};
use super::watch::{failure, newest_event, watch_stack_from};
use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::Result;

/// Deletes each stack (last first: later stacks may use earlier ones' exports), after asking
/// unless `yes`.
pub async fn destroy(clients: &Clients, names: &[String], yes: bool) -> Result<()> {
    for name in names.iter().rev() {
        let described = match clients.cfn.describe_stacks().stack_name(name).send().await {
            Ok(answer) => answer.stacks().first().cloned(),
            Err(e) if is_missing_stack(&e) => None,
            Err(e) => return Err(sdk_error(format!("describe-stacks {name}"), &e)),
        };
        let Some(stack) = described else {
            println!("{name}: not deployed");
            continue;
        };
        if !yes {
            if let Some(refused) =
                refusal(name, Action::Delete, ask(&format!("Delete stack {name} and its resources (retained ones stay)?")))
            {
                return Err(refused);
            }
        }
        let id = stack.stack_id().unwrap_or(name).to_owned();
        let marker = newest_event(clients, &id).await?;
        clients.cfn.delete_stack().stack_name(&id).send().await.map_err(|e| sdk_error(format!("delete-stack {name}"), &e))?;
        let end = watch_stack_from(clients, &id, name, 0, marker).await?;
        if end.status != "DELETE_COMPLETE" {
            return Err(failure(name, &end, "delete failed"));
        }
        println!("{}", style(format!("{name}: DELETE_COMPLETE")).green().bold());
    }
    Ok(())
}
