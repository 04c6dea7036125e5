//! Step 5, execute: runs the confirmed change set, watches it, and prints the outputs.

use agentcdk_synth::StackArtifact;
use console::style;
use serde_json::Value;

use super::outputs::print_outputs;
use super::plan::ChangeSet;
use super::watch::{failure, newest_event, watch_stack_from};
use crate::aws::{sdk_error, Clients};
use crate::Result;

/// Executes `change_set` and watches the stack until it settles; an error names the failed
/// resources.
pub async fn execute(clients: &Clients, stack: &StackArtifact, change_set: &ChangeSet) -> Result<()> {
    let name = stack.name.as_str();
    let stack_id = change_set.stack_id.as_str();
    let marker = newest_event(clients, stack_id).await?;
    clients
        .cfn
        .execute_change_set()
        .change_set_name(&change_set.id)
        .send()
        .await
        .map_err(|e| sdk_error(format!("execute-change-set {name}"), &e))?;
    let resources = stack.json.get("Resources").and_then(Value::as_object).map_or(0, |r| r.len());
    let end = watch_stack_from(clients, stack_id, name, resources, marker).await?;
    if end.status == "CREATE_COMPLETE" || end.status == "UPDATE_COMPLETE" {
        println!("{}", style(format!("{name}: {}", end.status)).green().bold());
        print_outputs(clients, stack_id).await
    } else {
        Err(failure(name, &end, "deployment failed"))
    }
}
