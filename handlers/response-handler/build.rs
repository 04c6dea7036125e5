//! Links the Lambda binary as a position-dependent executable on Linux/glibc (`-no-pie`):
//! the dynamic loader then has no relative relocations to apply at start (about 20,000 in
//! the larger handlers, a copy-on-write page fault for every page of `.data.rel.ro` they
//! touch), which was a fifth of the init time. Measured in handlers/README.md ("Figures").
//! The same four lines are in every handler crate (a build script cannot reach its
//! dependents' link, and these crates are published, so they cannot share a file).

fn main() {
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") == "linux" && target("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
