//! Build, validate and serialize a 500-resource stack (the CloudFormation maximum).
//! Goal: under 5 ms. Run: `cargo bench -p agentcdk-synth`.

use agentcdk_synth::cfn::lambda::{self, Function};
use agentcdk_synth::cfn::sqs::{self, Queue};
use agentcdk_synth::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

/// 125 workers × (dead-letter queue, queue, role, function) = 500 resources, every one
/// referring to another, so validation walks real reference graphs.
fn app_500() -> App {
    let mut app = App::new();
    let stack = app.stack(
        "Bench",
        StackProps {
            description: Some("500 resources".into()),
            tags: [("team".into(), "bench".into())].into(),
            partition: Partition::off(),
        },
    );
    for i in 0..125 {
        let mut w = stack.scope(&format!("Worker{i}"));
        let dlq = w.scope("Dlq").add("Resource", Queue { message_retention_period: Some(1_209_600.into()), ..Default::default() });
        let queue = w.scope("Queue").add(
            "Resource",
            Queue {
                visibility_timeout: Some(180.into()),
                redrive_policy: Some(
                    sqs::queue::RedrivePolicy { dead_letter_target_arn: Some(dlq.attr_arn().into()), max_receive_count: Some(5.into()) }
                        .into(),
                ),
                ..Default::default()
            },
        );
        let role = w.scope("Role").add_raw(
            "Resource",
            RawResource::new("AWS::IAM::Role")
                .prop("AssumeRolePolicyDocument", json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
                .prop("Policies", json!([{"PolicyName": "q", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": queue.attr_arn()}]}}])),
        );
        let env = [("QUEUE_URL".to_owned(), Value::from(queue.reference())), ("INDEX".to_owned(), Value::from(i.to_string()))];
        w.scope("Fn").add(
            "Resource",
            Function {
                code: Some(
                    lambda::function::Code {
                        s3_bucket: Some("bucket".into()),
                        s3_key: Some(format!("{i}.zip").into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                role: Some(role.get_att("Arn").into()),
                runtime: Some(lambda::function::Runtime::ProvidedAl2023.into()),
                handler: Some("bootstrap".into()),
                environment: Some(
                    lambda::function::Environment { variables: Some(env.into_iter().collect::<indexmap::IndexMap<_, _>>().into()) }.into(),
                ),
                ..Default::default()
            },
        );
    }
    app
}

fn bench(c: &mut Criterion) {
    let bytes = app_500().synthesize(&[]).expect("valid").stacks[0].template.len();
    eprintln!("500-resource template: {bytes} bytes");
    c.bench_function("build+validate+serialize 500 resources", |b| {
        b.iter(|| {
            let mut app = app_500();
            let assembly = app.synthesize(&[]).expect("valid");
            std::hint::black_box(assembly.stacks[0].template.len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
