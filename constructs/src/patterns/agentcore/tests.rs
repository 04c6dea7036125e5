//! A runtime's use of a memory: the grant lands in its role, the id in its environment.

use agentcdk_contract::env;
use agentcdk_synth::prelude::*;

use super::*;

fn runtime(stack: &mut Stack, environment: &[(&str, &str)]) -> AgentCoreRuntime {
    AgentCoreRuntime::new(
        &mut stack.scope("Agent"),
        AgentCoreRuntimeProps {
            artifact: RuntimeArtifact::Container { uri: "1.dkr.ecr.us-east-1.amazonaws.com/agent:1".into() },
            environment: environment.iter().map(|(k, v)| ((*k).to_owned(), (*v).into())).collect(),
            ..Default::default()
        },
    )
}

#[test]
fn use_memory_grants_on_the_role_and_sets_the_memory_id() {
    let mut app = App::new();
    let stack = app.stack("S", StackProps::default());
    let rt = runtime(stack, &[("ZONE", "a")]);
    let memory = AgentCoreMemory::new(&mut stack.scope("Memory"), AgentCoreMemoryProps::default());
    rt.use_memory(stack, &memory);
    let assembly = app.synthesize(&[]).expect("valid");
    let resources = &assembly.stacks[0].json["Resources"];
    let env = &resources[rt.runtime.logical_id()]["Properties"]["EnvironmentVariables"];
    assert_eq!(env["ZONE"], "a");
    assert_eq!(env[env::AGENTCORE_MEMORY_ID], serde_json::json!({"Fn::GetAtt": [memory.memory.logical_id(), "MemoryId"]}));
    let role = rt.role.as_ref().expect("generated role");
    let statements = resources[role.logical_id()]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].to_string();
    assert!(statements.contains("bedrock-agentcore:CreateEvent") && statements.contains("kms:GenerateDataKey*"), "{statements}");
}
