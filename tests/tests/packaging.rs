//! The crates a user depends on can be published, and travel together.
//!
//! agentcdk and the stock handlers are released with one version: synth names a registry
//! handler `<name>@<agentcdk's version>` (`agentcdk::assets::HANDLERS_VERSION`), so the two
//! workspaces' versions must be equal, and every path dependency between published crates
//! must carry that version (a path-only dependency cannot be published).

use std::fs;

use agentcdk_tests::repo_root;

/// `version = "..."` of `[workspace.package]` in `file` (relative to the repository).
fn workspace_version(file: &str) -> String {
    let text = fs::read_to_string(repo_root().join(file)).unwrap();
    let section = &text[text.find("[workspace.package]").unwrap_or_else(|| panic!("{file}: no [workspace.package]"))..];
    let line = section.lines().find(|l| l.starts_with("version = ")).unwrap_or_else(|| panic!("{file}: no version"));
    line.trim_start_matches("version = ").trim_matches('"').to_owned()
}

#[test]
fn agentcdk_and_the_handlers_share_one_version() {
    let root = workspace_version("Cargo.toml");
    assert_eq!(workspace_version("handlers/Cargo.toml"), root, "handlers/Cargo.toml and Cargo.toml release together");
    assert_eq!(agentcdk::assets::HANDLERS_VERSION, root);
}

#[test]
fn published_path_dependencies_carry_the_version() {
    let root = workspace_version("Cargo.toml");
    let files = [
        "Cargo.toml",
        "constructs/Cargo.toml",
        "handlers/Cargo.toml",
        "handlers/request-handler/Cargo.toml",
        "handlers/agent-runner/Cargo.toml",
        "handlers/response-handler/Cargo.toml",
        "handlers/ws-connection/Cargo.toml",
        "handlers/authorizer/Cargo.toml",
        "handlers/stream-handler/Cargo.toml",
        "handlers/agentcore-proxy/Cargo.toml",
    ];
    for file in files {
        let text = fs::read_to_string(repo_root().join(file)).unwrap();
        let deps = text.split("[dev-dependencies]").next().unwrap_or_default();
        for line in deps.lines().filter(|l| l.contains('{') && l.contains("path = ") && !l.trim_start().starts_with('#')) {
            // Test-only crates are never published and never a user's dependency.
            if ["agentcdk-testkit", "agentcdk-tests"].iter().any(|t| line.starts_with(t)) {
                continue;
            }
            assert!(
                line.contains(&format!("version = \"{root}\"")),
                "{file}: a published path dependency needs `version = \"{root}\"`: {line}"
            );
        }
    }
}
