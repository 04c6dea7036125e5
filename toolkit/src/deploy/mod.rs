//! `deploy`, `destroy` and `outputs`: CloudFormation change sets, stack events, outputs.
//!
//! A stack deploys in steps, one module each, so each can be read and tested alone:
//! [`check`] (parameters, bucket) → [`upload`] (assets, a large template) → [`plan`] (the
//! stack's state, the change set and its summary) → [`confirm`] (unless `--yes`) →
//! [`execute`] → [`watch`] (events until the stack settles).

use std::time::Duration;

use agentcdk_synth::StackArtifact;
use aws_sdk_cloudformation::types::{ChangeSetStatus, ChangeSetType};
use console::style;

use crate::aws::Clients;
use crate::package::Staged;
use crate::{DeployArgs, Error, Result};

pub mod check;
pub mod confirm;
mod destroy;
pub mod execute;
pub mod hotswap;
mod outputs;
pub mod plan;
pub mod upload;
pub mod watch;

pub use destroy::destroy;
pub use outputs::{format_outputs, stack_outputs};
pub use plan::{plan, required_capabilities, Plan};
pub use watch::format_event;

/// Templates larger than this must be read by CloudFormation from S3.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// How often stack and change-set status is polled.
const POLL: Duration = Duration::from_secs(2);

/// Deploys every stack of the cloud assembly, in order; stops at the first that fails.
pub async fn deploy(clients: &Clients, stacks: &[StackArtifact], staged: &[Staged], args: &DeployArgs) -> Result<()> {
    check::check_parameters(stacks, &args.parameters)?;
    for stack in stacks {
        deploy_stack(clients, stack, staged, args).await?;
    }
    Ok(())
}

/// One stack, step by step; a change set that is not executed is deleted again.
async fn deploy_stack(clients: &Clients, stack: &StackArtifact, staged: &[Staged], args: &DeployArgs) -> Result<()> {
    let name = stack.name.as_str();
    if args.hotswap && hotswap::hotswap(clients, stack, staged, args).await? == hotswap::Outcome::Done {
        return Ok(());
    }
    println!("{}", style(format!("{name}: deploying")).bold());
    let bucket = check::asset_bucket(stack, args.bucket.as_deref())?;
    if let Some(bucket) = bucket {
        check::check_bucket(clients, bucket).await?;
        upload::upload_assets(clients, stack, staged, bucket).await?;
    }
    let (kind, status) = plan::prepare(clients, name).await?;
    let parameters = plan::parameters(stack, bucket, &args.parameters, kind == ChangeSetType::Update)?;
    let template_url = match bucket.filter(|_| check::is_large(stack)) {
        Some(bucket) => Some(upload::upload_template(clients, stack, bucket).await?),
        None => None,
    };
    let Some(change_set) = plan::create_change_set(clients, stack, (kind, status), parameters, template_url).await? else {
        // Some implementations (moto) refuse an empty change set right away instead of failing it.
        println!("{name}: no changes");
        return outputs::print_outputs(clients, name).await;
    };
    let (cs_status, reason, changes) = plan::wait_for_change_set(clients, &change_set.id, name).await?;
    if cs_status == ChangeSetStatus::Failed {
        change_set.discard(clients).await;
        if plan::is_no_changes(&reason) {
            println!("{name}: no changes");
            return outputs::print_outputs(clients, &change_set.stack_id).await;
        }
        return Err(Error::new(format!("{name}: the change set failed: {reason}")));
    }
    print!("{}", plan::render_plan(name, &change_set, &changes));
    if !args.yes {
        if let Some(refused) = confirm::refusal(name, confirm::Action::Deploy, confirm::ask(&format!("Deploy {name}?"))) {
            change_set.discard(clients).await;
            return Err(refused);
        }
    }
    execute::execute(clients, stack, &change_set).await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A stack with a defaulted and a required parameter and one queue.
    pub(crate) fn artifact() -> StackArtifact {
        let mut app = agentcdk_synth::App::new();
        let stack = app.stack("S", agentcdk_synth::StackProps::default());
        stack.parameter("Stage", agentcdk_synth::Parameter::string().default_value("dev"));
        stack.parameter("Token", agentcdk_synth::Parameter::string());
        let q = stack.add("Q", agentcdk_synth::cfn::sqs::Queue::default());
        stack.output("Url", q.reference());
        app.synthesize(&[]).unwrap().stacks.remove(0)
    }

    #[test]
    fn check_names_undeclared_parameters_and_the_declared_ones() {
        let stacks = [artifact()];
        assert!(check::check_parameters(&stacks, &[("Token".into(), "t".into())]).is_ok());
        let e = check::check_parameters(&stacks, &[("Tokn".into(), "t".into())]).unwrap_err();
        assert_eq!(e.message, "--parameter Tokn: no selected stack declares a parameter 'Tokn'");
        assert_eq!(e.hint.as_deref(), Some("declared parameters: Stage, Token"));
    }

    #[test]
    fn check_asks_for_a_bucket_only_when_one_is_needed() {
        let mut stack = artifact();
        assert_eq!(check::asset_bucket(&stack, None).unwrap(), None, "no assets, small template: no bucket");
        assert_eq!(check::asset_bucket(&stack, Some("b")).unwrap(), Some("b"));
        stack.manifest.assets.push("abc".into());
        let e = check::asset_bucket(&stack, None).unwrap_err();
        assert_eq!(e.message, "S: --bucket is needed: it has assets");
        stack.manifest.assets.clear();
        stack.template = " ".repeat(MAX_TEMPLATE_BODY + 1);
        let e = check::asset_bucket(&stack, None).unwrap_err();
        assert!(e.message.starts_with("S: --bucket is needed: its template is"), "{e}");
        assert!(upload::template_key(&stack).starts_with("templates/S-"), "large templates are keyed by stack and content");
    }
}
