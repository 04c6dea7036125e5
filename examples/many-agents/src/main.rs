//! `cargo run -p many-agents -- synth` writes the templates into cdk.out/ (`MANY_AGENTS=N`
//! for another number of agents than ten).

fn main() -> std::process::ExitCode {
    let agents = std::env::var("MANY_AGENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(many_agents::DEFAULT_AGENTS);
    many_agents::app(agents).run()
}
