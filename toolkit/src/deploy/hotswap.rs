//! `deploy --hotswap`: when the only differences from the deployed template are Lambda
//! functions' code (`Code.S3Key`, a new asset) and literal environment variables, update those
//! functions directly (UpdateFunctionCode / UpdateFunctionConfiguration: seconds, no change
//! set) and say that the stack has drifted; anything else is a full deploy.
//!
//! Only for development stacks (tag [`DEVELOPMENT_TAG`] = `true` on the deployed stack, set by
//! `StackProps::development()`), unless `--force`: CloudFormation still holds the old template,
//! so the next full deploy (or a rollback) is what brings the stack back in line.

use std::collections::BTreeMap;
use std::time::Duration;

use agentcdk_synth::{StackArtifact, ASSET_BUCKET_PARAMETER, DEVELOPMENT_TAG};
use aws_sdk_lambda::types::{Environment, LastUpdateStatus};
use console::style;
use serde_json::{Map, Value};

use crate::aws::{is_missing_stack, sdk_error, Clients};
use crate::functions::{name_of, physical_ids, stack_functions};
use crate::package::Staged;
use crate::{DeployArgs, Error, Result};

/// What a hotswap of the local template over the deployed one would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The templates are the same.
    NoChanges,
    /// Only these functions' code and environment differ.
    Hotswap(Vec<FunctionUpdate>),
    /// Something else differs (each reason says what): a full deploy.
    FullDeploy(Vec<String>),
}

/// One function's in-place update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionUpdate {
    /// The function's logical id.
    pub logical_id: String,
    /// The new code's S3 key (in the stack's asset bucket), if the code changed.
    pub s3_key: Option<String>,
    /// Environment variables set (new or changed: literal values only) and removed.
    pub environment: Option<EnvironmentUpdate>,
}

/// Environment variables changed in place; the others keep their deployed values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvironmentUpdate {
    /// New or changed variables.
    pub set: BTreeMap<String, String>,
    /// Variables no longer declared.
    pub removed: Vec<String>,
}

impl EnvironmentUpdate {
    /// The deployed variables with this update applied.
    pub fn apply(&self, current: &std::collections::HashMap<String, String>) -> std::collections::HashMap<String, String> {
        let mut out = current.clone();
        for key in &self.removed {
            out.remove(key);
        }
        out.extend(self.set.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

/// Compares the deployed template with the local one.
pub fn classify(deployed: &Value, local: &Value) -> Decision {
    let empty = Map::new();
    let (old, new) = (deployed.as_object().unwrap_or(&empty), local.as_object().unwrap_or(&empty));
    let mut reasons = Vec::new();
    for key in union(old, new).into_iter().filter(|k| *k != "Resources") {
        if old.get(key) != new.get(key) {
            reasons.push(format!("the template's {key} changed"));
        }
    }
    let (old_r, new_r) = (resources(deployed), resources(local));
    let mut updates = Vec::new();
    for id in union(old_r, new_r) {
        match (old_r.get(id), new_r.get(id)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => match function_update(id, a, b) {
                Ok(update) => updates.push(update),
                Err(reason) => reasons.push(reason),
            },
            (None, Some(b)) => reasons.push(format!("{id} ({}) is added", type_of(b))),
            (Some(a), None) => reasons.push(format!("{id} ({}) is removed", type_of(a))),
            (None, None) => {}
        }
    }
    match (reasons.is_empty(), updates.is_empty()) {
        (false, _) => Decision::FullDeploy(reasons),
        (true, true) => Decision::NoChanges,
        (true, false) => Decision::Hotswap(updates),
    }
}

fn resources(template: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    template.get("Resources").and_then(Value::as_object).unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn union<'a>(a: &'a Map<String, Value>, b: &'a Map<String, Value>) -> Vec<&'a str> {
    let mut keys: Vec<&str> = a.keys().chain(b.keys()).map(String::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn type_of(resource: &Value) -> &str {
    resource.get("Type").and_then(Value::as_str).unwrap_or("?")
}

/// A changed resource as a function update, or why it is not one.
fn function_update(id: &str, old: &Value, new: &Value) -> Result<FunctionUpdate, String> {
    if type_of(old) != "AWS::Lambda::Function" || type_of(new) != type_of(old) {
        return Err(format!("{id} ({}) changed", type_of(new)));
    }
    let (mut old_rest, mut new_rest) = (old.clone(), new.clone());
    let old_key = take(&mut old_rest, &["Properties", "Code", "S3Key"]);
    let new_key = take(&mut new_rest, &["Properties", "Code", "S3Key"]);
    let old_env = take(&mut old_rest, &["Properties", "Environment", "Variables"]);
    let new_env = take(&mut new_rest, &["Properties", "Environment", "Variables"]);
    if old_rest != new_rest {
        let changed = changed_properties(&old_rest, &new_rest);
        return Err(format!("{id}: {} changed (only code and environment can be hotswapped)", changed.join(", ")));
    }
    let s3_key = match (&old_key, &new_key) {
        (a, b) if a == b => None,
        (_, Some(Value::String(key))) => Some(key.clone()),
        _ => return Err(format!("{id}: its code is not a plain S3 key (only code and environment can be hotswapped)")),
    };
    let environment = environment_update(id, old_env.as_ref(), new_env.as_ref())?;
    Ok(FunctionUpdate { logical_id: id.to_owned(), s3_key, environment })
}

fn environment_update(id: &str, old: Option<&Value>, new: Option<&Value>) -> Result<Option<EnvironmentUpdate>, String> {
    if old == new {
        return Ok(None);
    }
    let empty = Map::new();
    let old = old.and_then(Value::as_object).unwrap_or(&empty);
    let new = new.and_then(Value::as_object).unwrap_or(&empty);
    let mut update = EnvironmentUpdate::default();
    for (key, value) in new {
        if old.get(key) == Some(value) {
            continue;
        }
        match value {
            Value::String(s) => {
                update.set.insert(key.clone(), s.clone());
            }
            _ => return Err(format!("{id}: environment variable {key} is computed by CloudFormation (Ref, GetAtt, Sub)")),
        }
    }
    update.removed = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    Ok(Some(update))
}

/// Removes the value at `path` (an emptied parent stays, so both sides compare alike).
fn take(value: &mut Value, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut node = value;
    for p in parents {
        node = node.get_mut(*p)?;
    }
    node.as_object_mut()?.remove(*last)
}

/// The top-level and property names that differ between two resources.
fn changed_properties(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let props = |v: &Value| v.get("Properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let (op, np) = (props(old), props(new));
    let mut out: Vec<String> = union(&op, &np).into_iter().filter(|k| op.get(*k) != np.get(*k)).map(str::to_owned).collect();
    let (o, n) = (old.as_object().unwrap_or(&empty), new.as_object().unwrap_or(&empty));
    out.extend(union(o, n).into_iter().filter(|k| *k != "Properties" && o.get(*k) != n.get(*k)).map(str::to_owned));
    out
}

/// What `deploy --hotswap` did for a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Functions were updated in place (or nothing differed): done.
    Done,
    /// A full deploy is needed (the reason was printed).
    FullDeploy,
}

/// Hotswaps the stack if it can; says so and returns [`Outcome::FullDeploy`] if it cannot.
pub async fn hotswap(clients: &Clients, stack: &StackArtifact, staged: &[Staged], args: &DeployArgs) -> Result<Outcome> {
    let name = stack.name.as_str();
    let described = match clients.cfn.describe_stacks().stack_name(name).send().await {
        Ok(answer) => answer.stacks().first().cloned(),
        Err(e) if is_missing_stack(&e) => None,
        Err(e) => return Err(sdk_error(format!("describe-stacks {name}"), &e)),
    };
    let Some(described) = described else {
        println!("{name}: not deployed yet: a full deploy");
        return Ok(Outcome::FullDeploy);
    };
    let status = described.stack_status().map(|s| s.as_str().to_owned());
    if let super::plan::Plan::Refuse(why, hint) = super::plan::plan(status.as_deref()) {
        return Err(Error::new(format!("{name}: cannot hotswap: {why}")).hint(hint.replace("<stack>", name)));
    }
    let development = described.tags().iter().any(|t| t.key() == Some(DEVELOPMENT_TAG) && t.value() == Some("true"));
    refuse_unless_development(name, development, args.force)?;
    let deployed = crate::diff::deployed_template(clients, name).await?.unwrap_or(Value::Null);
    let updates = match classify(&deployed, &stack.json) {
        Decision::NoChanges => {
            println!("{name}: no changes");
            return Ok(Outcome::Done);
        }
        Decision::FullDeploy(reasons) => {
            println!("{name}: cannot hotswap: {}; a full deploy", reasons.join("; "));
            return Ok(Outcome::FullDeploy);
        }
        Decision::Hotswap(updates) => updates,
    };
    let bucket = args.bucket.clone().or_else(|| {
        described
            .parameters()
            .iter()
            .find(|p| p.parameter_key() == Some(ASSET_BUCKET_PARAMETER))
            .and_then(|p| p.parameter_value().map(str::to_owned))
    });
    if updates.iter().any(|u| u.s3_key.is_some()) {
        let bucket =
            bucket.as_deref().ok_or_else(|| Error::new(format!("{name}: no asset bucket for the new code")).hint("pass --bucket"))?;
        super::upload::upload_assets(clients, stack, staged, bucket).await?;
    }
    println!("{name}: hotswapping {} function(s), no change set", updates.len());
    apply(clients, stack, &updates, bucket.as_deref()).await?;
    println!(
        "{}",
        style(format!(
            "{name}: hotswapped; the stack has drifted from its template (CloudFormation still holds the old code and environment): \
             run `cargo agentcdk deploy` without --hotswap to bring it back in line"
        ))
        .yellow()
    );
    Ok(Outcome::Done)
}

/// `--hotswap` on a stack not marked as a development stack is refused without `--force`.
pub fn refuse_unless_development(stack: &str, development: bool, force: bool) -> Result<()> {
    if development || force {
        return Ok(());
    }
    Err(Error::new(format!("{stack}: --hotswap refused: the deployed stack is not marked as a development stack")).hint(format!(
        "hotswap leaves a stack drifted from its template; mark development stacks with StackProps::default().development() \
             (stack tag {DEVELOPMENT_TAG}=true) and deploy once, or pass --force"
    )))
}

/// Runs the updates, one function at a time, each waited for.
async fn apply(clients: &Clients, stack: &StackArtifact, updates: &[FunctionUpdate], bucket: Option<&str>) -> Result<()> {
    let ids = physical_ids(clients, &stack.name).await?;
    // The root template's functions only: `classify` compares root templates, and a change in a
    // nested stack's template changes its TemplateURL, which is a full deploy.
    let functions: Vec<_> = stack_functions(stack).into_iter().filter(|f| f.nested.is_none()).collect();
    for update in updates {
        let Some(function) = functions.iter().find(|f| f.logical_id == update.logical_id) else { continue };
        let target = name_of(function, &ids)?;
        if let (Some(key), Some(bucket)) = (&update.s3_key, bucket) {
            clients
                .lambda
                .update_function_code()
                .function_name(&target.name)
                .s3_bucket(bucket)
                .s3_key(key)
                .send()
                .await
                .map_err(|e| sdk_error(format!("update-function-code {}", target.name), &e))?;
            wait_updated(clients, &target.name).await?;
            println!("  {}  code: s3://{bucket}/{key}", function.path);
        }
        if let Some(env) = &update.environment {
            let current = clients
                .lambda
                .get_function_configuration()
                .function_name(&target.name)
                .send()
                .await
                .map_err(|e| sdk_error(format!("get-function-configuration {}", target.name), &e))?;
            let deployed = current.environment().and_then(|e| e.variables()).cloned().unwrap_or_default();
            let variables = env.apply(&deployed);
            if variables == deployed {
                println!("  {}  environment: already as declared", function.path);
                continue;
            }
            clients
                .lambda
                .update_function_configuration()
                .function_name(&target.name)
                .environment(Environment::builder().set_variables(Some(variables)).build())
                .send()
                .await
                .map_err(|e| sdk_error(format!("update-function-configuration {}", target.name), &e))?;
            wait_updated(clients, &target.name).await?;
            let names: Vec<&str> = env.set.keys().chain(&env.removed).map(String::as_str).collect();
            println!("  {}  environment: {}", function.path, names.join(", "));
        }
    }
    Ok(())
}

/// Waits until the function's last update is no longer in progress (a second update on a
/// function still updating is refused with ResourceConflictException).
async fn wait_updated(clients: &Clients, function: &str) -> Result<()> {
    for _ in 0..120 {
        let config = clients
            .lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| sdk_error(format!("get-function-configuration {function}"), &e))?;
        match config.last_update_status() {
            Some(LastUpdateStatus::InProgress) => tokio::time::sleep(Duration::from_millis(500)).await,
            Some(LastUpdateStatus::Failed) => {
                return Err(Error::new(format!(
                    "{function}: the update failed: {}",
                    config.last_update_status_reason().unwrap_or("no reason given")
                )))
            }
            _ => return Ok(()),
        }
    }
    Err(Error::new(format!("{function}: still updating after 60 s")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn function(key: &str, env: Value) -> Value {
        json!({"Type": "AWS::Lambda::Function", "Properties": {
            "Code": {"S3Bucket": {"Ref": "AssetBucket"}, "S3Key": key},
            "Environment": {"Variables": env},
            "MemorySize": 512
        }})
    }

    fn template(runner: Value) -> Value {
        json!({"Parameters": {"AssetBucket": {"Type": "String"}}, "Resources": {
            "Runner": runner,
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}}
        }})
    }

    fn base() -> Value {
        template(function("a.zip", json!({"MODEL_ID": "m1", "QUEUE_URL": {"Ref": "Queue"}, "OLD": "x"})))
    }

    #[test]
    fn same_template_is_no_changes() {
        assert_eq!(classify(&base(), &base()), Decision::NoChanges);
    }

    #[test]
    fn code_and_literal_environment_are_hotswapped() {
        let new = template(function("b.zip", json!({"MODEL_ID": "m2", "QUEUE_URL": {"Ref": "Queue"}, "NEW": "y"})));
        let Decision::Hotswap(updates) = classify(&base(), &new) else { panic!("{:?}", classify(&base(), &new)) };
        assert_eq!(
            updates,
            [FunctionUpdate {
                logical_id: "Runner".into(),
                s3_key: Some("b.zip".into()),
                environment: Some(EnvironmentUpdate {
                    set: [("MODEL_ID".into(), "m2".into()), ("NEW".into(), "y".into())].into(),
                    removed: vec!["OLD".into()],
                }),
            }]
        );
        let code_only = template(function("b.zip", json!({"MODEL_ID": "m1", "QUEUE_URL": {"Ref": "Queue"}, "OLD": "x"})));
        assert!(matches!(classify(&base(), &code_only), Decision::Hotswap(u) if u[0].environment.is_none() && u[0].s3_key.is_some()));
    }

    #[test]
    fn anything_else_is_a_full_deploy_with_every_reason() {
        let mut new = template(function("b.zip", json!({"MODEL_ID": "m1", "QUEUE_URL": {"Ref": "Queue"}, "OLD": "x"})));
        new["Resources"]["Runner"]["Properties"]["MemorySize"] = json!(1024);
        new["Resources"]["Queue"]["Properties"]["VisibilityTimeout"] = json!(60);
        new["Resources"]["Table"] = json!({"Type": "AWS::DynamoDB::Table"});
        new["Outputs"] = json!({"Url": {"Value": "x"}});
        assert_eq!(
            classify(&base(), &new),
            Decision::FullDeploy(vec![
                "the template's Outputs changed".into(),
                "Queue (AWS::SQS::Queue) changed".into(),
                "Runner: MemorySize changed (only code and environment can be hotswapped)".into(),
                "Table (AWS::DynamoDB::Table) is added".into(),
            ])
        );
    }

    #[test]
    fn computed_environment_values_and_removed_functions_need_a_full_deploy() {
        let new = template(function("a.zip", json!({"MODEL_ID": "m1", "QUEUE_URL": {"Fn::GetAtt": ["Queue", "QueueUrl"]}, "OLD": "x"})));
        assert_eq!(
            classify(&base(), &new),
            Decision::FullDeploy(vec!["Runner: environment variable QUEUE_URL is computed by CloudFormation (Ref, GetAtt, Sub)".into()])
        );
        let mut gone = base();
        gone["Resources"].as_object_mut().unwrap().remove("Runner");
        assert_eq!(classify(&base(), &gone), Decision::FullDeploy(vec!["Runner (AWS::Lambda::Function) is removed".into()]));
        let mut metadata = base();
        metadata["Resources"]["Runner"]["DependsOn"] = json!(["Queue"]);
        assert!(matches!(classify(&base(), &metadata), Decision::FullDeploy(r) if r[0].starts_with("Runner: DependsOn changed")));
    }

    #[test]
    fn the_environment_update_keeps_what_it_does_not_touch() {
        let update = EnvironmentUpdate { set: [("A".into(), "2".into())].into(), removed: vec!["B".into()] };
        let current = [("A", "1"), ("B", "x"), ("QUEUE_URL", "https://q")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let mut got: Vec<(String, String)> = update.apply(&current).into_iter().collect();
        got.sort();
        assert_eq!(got, [("A".into(), "2".into()), ("QUEUE_URL".into(), "https://q".into())]);
    }

    #[test]
    fn only_development_stacks_unless_forced() {
        assert!(refuse_unless_development("S", true, false).is_ok());
        assert!(refuse_unless_development("S", false, true).is_ok());
        let e = refuse_unless_development("S", false, false).unwrap_err();
        assert_eq!(e.message, "S: --hotswap refused: the deployed stack is not marked as a development stack");
        assert!(e.hint.unwrap().contains("StackProps::default().development()"));
    }
}
