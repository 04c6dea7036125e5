//! Nested stacks: when a stack is split, where each resource goes, and what stops a split from
//! moving data.

use std::collections::HashMap;

use agentcdk_synth::cfn::kms::Key;
use agentcdk_synth::cfn::sqs::Queue;
use agentcdk_synth::codes;
use agentcdk_synth::prelude::*;
use agentcdk_synth::Assembly;
use serde_json::json;

/// Resources per worker subtree: a queue and 39 topics that refer to it and to the shared key.
const PER_WORKER: usize = 40;

/// A stack with a shared key (pinned to the root) and one subtree per worker number.
fn app(workers: &[usize], partition: Partition) -> App {
    let mut app = App::new();
    let stack = app.stack("Org", StackProps { partition: partition.pin("Shared", Placement::Root), ..Default::default() });
    let key = stack.scope("Shared").add("Key", Key::default());
    for i in workers {
        let mut w = stack.scope(&format!("Worker{i}"));
        let queue = w.add("Queue", Queue { kms_master_key_id: Some(key.attr_arn().into()), ..Default::default() });
        for t in 1..PER_WORKER {
            w.add_raw(
                &format!("Topic{t}"),
                RawResource::new("AWS::SNS::Topic").prop(
                    "Tags",
                    json!([{"Key": "queue", "Value": queue.attr_arn()}, {"Key": "stack", "Value": Expr::sub(format!("${{AWS::StackName}}-${{{}.Arn}}", key.logical_id()))}]),
                ),
            );
        }
        stack.output(&format!("Worker{i}Queue"), queue.attr_arn());
    }
    app
}

fn synth(mut app: App) -> Assembly {
    app.synthesize(&[]).unwrap_or_else(|d| panic!("synth failed:\n{d}"))
}

/// Logical id → template (the root's name, or the nested stack's logical id), and the
/// nested templates by logical id.
fn placements(a: &Assembly) -> (HashMap<String, String>, HashMap<String, String>) {
    let stack = &a.stacks[0];
    let mut at = HashMap::new();
    for id in stack.json["Resources"].as_object().unwrap().keys() {
        at.insert(id.clone(), "root".to_owned());
    }
    let mut texts = HashMap::new();
    for n in &stack.nested {
        for id in n.json["Resources"].as_object().unwrap().keys() {
            at.insert(id.clone(), n.logical_id.clone());
        }
        texts.insert(n.logical_id.clone(), n.template.clone());
    }
    (at, texts)
}

#[test]
fn under_the_limits_nothing_is_split_and_over_them_each_subtree_gets_a_nested_stack() {
    let small = synth(app(&[1, 2], Partition::default()));
    assert!(small.stacks[0].nested.is_empty());
    assert!(small.stacks[0].manifest.nested.is_empty());
    let big = synth(app(&(1..=12).collect::<Vec<_>>(), Partition::default()));
    let stack = &big.stacks[0];
    assert_eq!(stack.nested.len(), 12, "one nested stack per worker; the pinned key stays in the root");
    assert!(
        stack.json["Resources"].get("SharedKey7A2A3C5A").is_some()
            || stack.json["Resources"].as_object().unwrap().values().any(|r| r["Type"] == "AWS::KMS::Key")
    );
    for n in &stack.nested {
        assert_eq!(n.manifest.resources, PER_WORKER);
        assert_eq!(n.manifest.object_key, format!("{}.template.json", sha256_hex(&n.template)), "content-hashed key");
        let url = &stack.json["Resources"][&n.logical_id]["Properties"]["TemplateURL"]["Fn::Sub"];
        assert!(url.as_str().unwrap().ends_with(&n.manifest.object_key), "{url}");
        // The key's ARN and the root's stack name come in as parameters.
        assert_eq!(n.json["Parameters"].as_object().unwrap().len(), 2, "{}", n.json["Parameters"]);
    }
    let again = synth(app(&(1..=12).collect::<Vec<_>>(), Partition::default()));
    assert_eq!(again, big, "byte-identical output");
}

#[test]
fn adding_or_removing_a_subtree_moves_no_other_resource() {
    let before = synth(app(&(1..=12).collect::<Vec<_>>(), Partition::default()));
    let after = synth(app(&[1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], Partition::default()));
    let (at_before, texts_before) = placements(&before);
    let (at_after, texts_after) = placements(&after);
    let mut kept = 0;
    for (id, template) in &at_before {
        if let Some(now) = at_after.get(id) {
            assert_eq!(now, template, "{id} moved");
            kept += 1;
        }
    }
    assert_eq!(kept, at_before.len() - PER_WORKER - 1, "only Worker3's resources and its nested stack left");
    for (id, text) in &texts_before {
        if let Some(now) = texts_after.get(id) {
            assert_eq!(now, text, "nested template {id} of an unchanged worker changed");
        }
    }
}

#[test]
fn a_split_that_would_move_stateful_resources_is_refused_with_their_paths() {
    let workers: Vec<usize> = (1..=11).collect();
    let mut small = app(&workers, Partition::off());
    let lock = small.synthesize(&[]).expect("11 workers fit in one stack").placement;
    assert_eq!(lock.stacks["Org"]["Org/Worker1/Queue"], "Org", "recorded in the root");

    let grown: Vec<usize> = (1..=12).collect();
    let mut moved = app(&grown, Partition::default());
    moved.previous_placement(lock.clone());
    let err = moved.synthesize(&[]).expect_err("the queues would move into nested stacks");
    assert!(err.has_at(codes::STATEFUL_RESOURCE_MOVED, "Org/Worker1/Queue"), "{err}");
    assert!(!err.has_at(codes::STATEFUL_RESOURCE_MOVED, "Org/Worker12/Queue"), "a new queue moves nowhere: {err}");
    let text = err.to_string();
    assert!(text.contains("data lost") && text.contains("pin(\"Worker1\", Placement::Root)"), "{text}");

    // Pinning the deployed workers keeps them; the new one goes to a nested stack.
    let mut pinned = Partition::default();
    for i in &workers {
        pinned = pinned.pin(&format!("Worker{i}"), Placement::Root);
    }
    let mut ok = app(&grown, Partition { mode: agentcdk_synth::PartitionMode::Always, ..pinned });
    ok.previous_placement(lock);
    let a = ok.synthesize(&[]).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(a.stacks[0].nested.len(), 1);
    assert_eq!(a.placement.stacks["Org"]["Org/Worker12/Queue"], "Org.Worker12");
}

#[test]
fn partition_off_reports_the_limit() {
    let mut big = app(&(1..=13).collect::<Vec<_>>(), Partition::off());
    let err = big.synthesize(&[]).expect_err("521 resources");
    assert!(err.has(codes::TOO_MANY_RESOURCES), "{err}");
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
