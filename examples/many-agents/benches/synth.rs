//! Synthesis of the many-agents app at 1, 10, 50 and 200 agents (58 resources each, split
//! into nested stacks from 10 on): building the construct tree, finalize, render, partition,
//! validate — everything `synth` does but writing files. Goal: 50 agents under 100 ms.
//! Run: `cargo bench -p many-agents` (README "Benchmarks" has the figures).
//!
//! Handler assets are hashed from the handlers' sources; the `cargo metadata` call that finds
//! their path dependencies is made once per process (cached), so only the first iteration of
//! the first size pays it, in criterion's warm-up.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn synth(c: &mut Criterion) {
    let mut group = c.benchmark_group("synth_agents");
    group.sample_size(10);
    for agents in [1usize, 10, 50, 200] {
        group.throughput(Throughput::Elements(agents as u64));
        group.bench_with_input(BenchmarkId::from_parameter(agents), &agents, |b, &n| {
            b.iter(|| {
                let mut app = many_agents::app(n);
                let assembly = app.synthesize(&[]).expect("the app is valid");
                assert!(assembly.stacks[0].nested.len() == if n >= 10 { n } else { 0 });
                assembly
            });
        });
    }
    group.finish();
}

criterion_group!(benches, synth);
criterion_main!(benches);
