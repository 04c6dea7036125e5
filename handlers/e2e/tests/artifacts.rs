//! The artifacts the constructs name are the binaries this workspace builds.

use agentcdk_contract::artifacts::{Artifact, BOOTSTRAP_ZIP};

#[test]
fn every_artifact_is_a_binary_of_this_workspace() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).expect("workspace manifest");
    for artifact in Artifact::ALL {
        let (krate, bin) = (artifact.crate_name(), artifact.binary_name());
        assert!(workspace.contains(&format!("\"{krate}\"")), "{krate} is not a workspace member");
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap_or_else(|e| panic!("{krate}/Cargo.toml: {e}"));
        assert!(manifest.contains(&format!("name = \"{krate}\"")), "{krate}/Cargo.toml must name the package {krate}");
        assert!(
            manifest.contains(&format!("[[bin]]\nname = \"{bin}\"")),
            "{krate}/Cargo.toml must build a binary named {bin} (cargo lambda names the folder of its {BOOTSTRAP_ZIP} after it)"
        );
    }
}
