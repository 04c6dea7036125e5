//! `synth` of the many-agents app at 1, 10, 50 and 200 agents (60 resources each, split into
//! nested stacks from 10 on), exactly as the command does it but printing: building the
//! construct tree, then [`agentcdk_synth::cli::synth_files`] — read the placement lock,
//! finalize, render, partition, validate, write every template (root and nested), the manifest
//! and the lock. Goal: 50 agents under 100 ms. Run: `cargo bench -p many-agents` (README
//! "Benchmarks" has the figures).
//!
//! The timed part ends where the command's process ends: the app and the assembly are dropped
//! outside the timing, as `synth` leaves them to the process exit. Handler assets are hashed
//! from the handlers' sources; the `cargo metadata` call that finds their path dependencies is
//! made once per process (cached), so only the first iteration of the first size pays it, in
//! criterion's warm-up.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn synth(c: &mut Criterion) {
    let mut group = c.benchmark_group("synth_agents");
    group.sample_size(10);
    let out = tempfile::tempdir().expect("a temporary directory");
    for agents in [1usize, 10, 50, 200] {
        group.throughput(Throughput::Elements(agents as u64));
        let dir = out.path().join(agents.to_string());
        let lock = out.path().join(format!("{agents}.lock"));
        group.bench_with_input(BenchmarkId::from_parameter(agents), &agents, |b, &n| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let start = Instant::now();
                    let mut app = many_agents::app(n);
                    let assembly = agentcdk_synth::cli::synth_files(&mut app, &dir, &[], &lock).expect("the app synthesizes");
                    total += start.elapsed();
                    drop(app);
                    assert_eq!(assembly.stacks[0].nested.len(), if n >= 10 { n } else { 0 });
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, synth);
criterion_main!(benches);
