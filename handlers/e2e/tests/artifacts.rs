//! The artifact names the constructs use are the binaries this workspace builds.

use agentcdk_contract::artifacts;

#[test]
fn every_artifact_is_a_binary_of_this_workspace() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).expect("workspace manifest");
    // MCP_ORDERS joins ALL when a construct uses it (constructs/tests/patterns.rs counts ALL).
    for name in artifacts::ALL.into_iter().chain([artifacts::MCP_ORDERS]) {
        assert!(workspace.contains(&format!("\"{name}\"")), "{name} is not a workspace member");
        let manifest = std::fs::read_to_string(root.join(name).join("Cargo.toml")).unwrap_or_else(|e| panic!("{name}/Cargo.toml: {e}"));
        assert!(
            manifest.contains(&format!("[[bin]]\nname = \"{name}\"")),
            "{name}/Cargo.toml must build a binary named {name} (cargo lambda names the zip after it)"
        );
    }
}
