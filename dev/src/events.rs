//! EventBridge rules and archives: moto routes the events itself. moto 5.2's `PutEvents`
//! matches each rule's `EventPattern` on the bus, applies the target's `InputTransformer`
//! (`InputPathsMap`, `InputTemplate`, `<aws.events.event.json>`), sends to SQS targets with
//! the target's `SqsParameters.MessageGroupId`, copies matching events into archives, and
//! `StartReplay` puts an archive's events back through the bus's rules — so nothing of
//! EventBridge is re-implemented here. What moto does not do: the target's `RetryPolicy` and
//! `DeadLetterConfig` (a delivery into a local queue does not fail), and it does not check the
//! queue's resource policy.
//!
//! The buses are deployed with the queues ([`crate::stateful`]); the rules and archives here,
//! once the front doors have their ports, as a second moto stack `<stack>-Events` holding their
//! template properties with every intrinsic resolved to the local values — a rule's target
//! input can name the WebSocket API's `@connections` URL (a trigger's reply goes there), which
//! must point at the local door.

use serde_json::{json, Map, Value};

use crate::assembly::Assembly;
use crate::intrinsics::Locals;
use crate::stateful::Deploy;
use crate::DevError;

/// Types deployed in the events stack.
const TYPES: &[&str] = &["AWS::Events::Rule", "AWS::Events::Archive"];

/// The events stack's name in moto.
pub fn stack_name(stack: &str) -> String {
    format!("{stack}-Events")
}

/// The rules and archives of `assembly`, resolved (`Null` when it has none); `hosts` are the
/// WebSocket APIs' `(local id, 127.0.0.1:port)`.
pub fn template(assembly: &Assembly, locals: &Locals, hosts: &[(String, String)]) -> Result<Value, DevError> {
    let mut resources = Map::new();
    let mut problems = Vec::new();
    for ty in TYPES {
        for (id, p) in assembly.of_type(ty) {
            match locals.resolve(p) {
                Ok(props) => {
                    let mut props: Value = serde_json::from_str(&crate::server::local_execute_api(&props.to_string(), hosts))
                        .map_err(|e| DevError::Template(vec![format!("{id}: {e}")]))?;
                    if let Some(pattern) = props.get_mut("EventPattern").filter(|p| p.is_object() && *ty == "AWS::Events::Archive") {
                        // moto 5.2.5 `json.loads` an archive's pattern and fails (HTTP 500) on the
                        // JSON object CloudFormation takes; a string is the same pattern to it.
                        *pattern = Value::from(pattern.to_string());
                    }
                    resources.insert(id.to_owned(), json!({"Type": ty, "Properties": props}));
                }
                Err(e) => problems.push(format!("{id}: {e}")),
            }
        }
    }
    if !problems.is_empty() {
        return Err(DevError::Template(problems));
    }
    Ok(match resources.is_empty() {
        true => Value::Null,
        false => json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}),
    })
}

/// Brings the events stack from `old` to `new` (templates from [`template`]): created, updated,
/// deleted, or left alone when equal.
pub async fn apply(endpoint: &str, stack: &str, old: &Value, new: &Value) -> Result<(), DevError> {
    let name = stack_name(stack);
    let fail = |e: String| DevError::Start(format!("creating the event rules and archives in moto: {e}"));
    match (old.is_null(), new.is_null()) {
        _ if old == new => Ok(()),
        (true, _) => crate::stateful::apply(endpoint, &name, new, Deploy::Create).await.map(drop).map_err(fail),
        (false, false) => crate::stateful::apply(endpoint, &name, new, Deploy::Update).await.map(drop).map_err(fail),
        (false, true) => {
            let cfn = crate::stateful::cloudformation(endpoint);
            cfn.delete_stack().stack_name(&name).send().await.map(drop).map_err(|e| fail(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assembly(resources: Value) -> Assembly {
        let manifest = serde_json::from_value(json!({"version": "1", "stacks": {}, "assets": {}})).expect("manifest");
        Assembly { dir: "cdk.out".into(), stack: "S".into(), manifest, template: json!({ "Resources": resources }) }
    }

    #[test]
    fn rules_and_archives_are_resolved_with_the_local_connections_url() {
        let mut locals = Locals { stack: "S".into(), ..Default::default() };
        locals.refs.insert("Ws".into(), "wsapi".into());
        locals.attrs.insert(("Bus".into(), "Name".into()), "desk".into());
        locals.attrs.insert(("Bus".into(), "Arn".into()), "arn:bus".into());
        locals.attrs.insert(("Q".into(), "Arn".into()), "arn:q".into());
        let endpoint = json!({"Fn::Sub": ["https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/agents", {"Api": {"Ref": "Ws"}}]});
        let a = assembly(json!({
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "desk"}},
            "Rule": {"Type": "AWS::Events::Rule", "Properties": {"EventBusName": {"Fn::GetAtt": ["Bus", "Name"]},
                "EventPattern": {"source": ["a"]}, "Targets": [{"Id": "T", "Arn": {"Fn::GetAtt": ["Q", "Arn"]},
                "InputTransformer": {"InputTemplate": {"Fn::Sub": ["{\"to\":\"${E}\"}", {"E": endpoint}]}}}]}},
            "Archive": {"Type": "AWS::Events::Archive", "Properties": {"SourceArn": {"Fn::GetAtt": ["Bus", "Arn"]},
                "EventPattern": {"source": ["a"]}}},
        }));
        let t = template(&a, &locals, &[("wsapi".into(), "127.0.0.1:4000".into())]).expect("resolved");
        let rule = &t["Resources"]["Rule"]["Properties"];
        assert_eq!(rule["EventBusName"], "desk");
        assert_eq!(rule["EventPattern"], json!({"source": ["a"]}), "a rule's pattern stays an object");
        assert_eq!(rule["Targets"][0]["Arn"], "arn:q");
        assert_eq!(rule["Targets"][0]["InputTransformer"]["InputTemplate"], "{\"to\":\"http://127.0.0.1:4000/agents\"}");
        let archive = &t["Resources"]["Archive"]["Properties"];
        assert_eq!((archive["SourceArn"].as_str(), archive["EventPattern"].as_str()), (Some("arn:bus"), Some(r#"{"source":["a"]}"#)));
        assert!(t["Resources"].get("Bus").is_none(), "the bus is deployed with the queues");
        assert!(template(&assembly(json!({})), &locals, &[]).expect("none").is_null());
        let unknown = assembly(json!({"R": {"Type": "AWS::Events::Rule", "Properties": {"EventBusName": {"Ref": "Nope"}}}}));
        assert!(matches!(template(&unknown, &locals, &[]), Err(DevError::Template(p)) if p[0].starts_with("R: ")));
    }
}
