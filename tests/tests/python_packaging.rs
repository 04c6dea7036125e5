//! Python agents' packaging for real: the strands-agent example's dependencies installed from
//! PyPI as binary wheels for Lambda's x86_64 and arm64 (layers) and AgentCore's arm64 (code
//! bundle), zipped deterministically. Installs and pip's download cache persist under
//! `target/python`, so a warm run only zips; the first run downloads (~100 MB per platform).

use std::collections::BTreeSet;
use std::io::Cursor;
use std::path::PathBuf;
use std::time::Instant;

use agentcdk::manifest::AssetSourceManifest;
use agentcdk_dev::python::Platform;
use agentcdk_tests::{repo_root, synth_into};

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from)
}

fn names(zip: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a zip");
    archive.file_names().map(|n| n.expect("a name").into_owned()).collect()
}

fn linux(architecture: &str) -> Platform {
    Platform::Linux { architecture: architecture.into(), python: "3.13".into() }
}

/// The compiled part of pydantic (a dependency of strands-agents) for `arch`, under `prefix`.
fn has_native(names: &[String], prefix: &str, arch: &str) -> bool {
    names.iter().any(|n| n.starts_with(&format!("{prefix}pydantic_core/")) && n.ends_with(&format!("cpython-313-{arch}-linux-gnu.so")))
}

#[test]
fn strands_layers_and_bundle_build_for_both_architectures() {
    let out = tempfile::tempdir().unwrap();
    let assembly = synth_into(strands_agent::app(), out.path());
    let manifest = assembly.manifest(out.path());
    let python: Vec<_> = manifest
        .assets
        .values()
        .filter_map(|a| match &a.source {
            AssetSourceManifest::Python { path, layout, architecture, python } => {
                Some((path.clone(), layout.clone(), architecture.clone(), python.clone()))
            }
            _ => None,
        })
        .collect();
    let kinds: BTreeSet<(String, String)> = python.iter().map(|(_, l, a, _)| (l.clone(), a.clone())).collect();
    assert_eq!(
        kinds,
        [("bundle".into(), "arm64".into()), ("layer".into(), "x86_64".into())].into(),
        "Lambda layer x86_64, AgentCore bundle arm64"
    );
    let project = out.path().join(&python[0].0);
    let target = target_dir();

    let started = Instant::now();
    let x86 = cargo_agentcdk::python::zip(&project, "layer", &linux("x86_64"), &target).unwrap_or_else(|e| panic!("{e}"));
    let arm = cargo_agentcdk::python::zip(&project, "layer", &linux("arm64"), &target).unwrap_or_else(|e| panic!("{e}"));
    let bundle = cargo_agentcdk::python::zip(&project, "bundle", &linux("arm64"), &target).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("python packaging: {:.1} s (cold: downloads and installs; warm: zips only)", started.elapsed().as_secs_f64());

    let (x86_names, arm_names, bundle_names) = (names(&x86), names(&arm), names(&bundle));
    for (what, names) in [("x86_64 layer", &x86_names), ("arm64 layer", &arm_names)] {
        assert!(names.iter().all(|n| n.starts_with("python/")), "{what}: Lambda puts layer content under /opt/python");
        assert!(names.contains(&"python/strands/__init__.py".to_owned()), "{what}: strands-agents installed");
        assert!(!names.iter().any(|n| n.contains("__pycache__") || n.contains("agent_handler")), "{what}: no bytecode, no app code");
    }
    assert!(has_native(&x86_names, "python/", "x86_64") && !has_native(&x86_names, "python/", "aarch64"), "x86_64 wheels");
    assert!(has_native(&arm_names, "python/", "aarch64") && !has_native(&arm_names, "python/", "x86_64"), "aarch64 wheels");
    assert!(bundle_names.contains(&"agent.py".to_owned()) && bundle_names.contains(&"agent_handler.py".to_owned()), "code at the root");
    assert!(bundle_names.contains(&"bedrock_agentcore/__init__.py".to_owned()), "dependencies beside the code");
    assert!(has_native(&bundle_names, "", "aarch64"), "AgentCore runs arm64");
    let mut sorted = bundle_names.clone();
    sorted.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    assert_eq!(bundle_names, sorted, "entries in tree order");

    // Again: the installs are cached by the dependency files' hash, and the bytes are the same.
    let again = Instant::now();
    assert_eq!(cargo_agentcdk::python::zip(&project, "layer", &linux("x86_64"), &target).unwrap(), x86, "deterministic");
    assert!(again.elapsed().as_secs() < 30, "a warm layer only zips: {:?}", again.elapsed());
}

#[test]
fn a_package_without_a_wheel_is_an_error_naming_it() {
    let d = tempfile::tempdir().unwrap();
    // docopt 0.6.2 is published as a source distribution only.
    std::fs::write(d.path().join("requirements.txt"), "docopt==0.6.2\n").unwrap();
    let e = cargo_agentcdk::python::zip(d.path(), "layer", &linux("arm64"), &target_dir()).unwrap_err();
    assert!(e.message.contains("no binary wheel of docopt==0.6.2 for manylinux2014_aarch64, CPython 3.13"), "{}", e.message);
}

#[test]
fn the_layer_hash_covers_the_requirements_and_the_platform_not_the_code() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("requirements.txt"), "strands-agents==1.62.0\n").unwrap();
    std::fs::write(dir.join("agent_handler.py"), "def handler(e, c):\n    return {}\n").unwrap();
    let hash = |layout, architecture, python: &str| {
        agentcdk::AssetSource::Python { dir: dir.to_owned(), layout, architecture, python: python.into() }.content_hash().unwrap()
    };
    use agentcdk::{Architecture::*, PythonLayout::*};
    let (layer, bundle) = (hash(Layer, X86_64, "3.13"), hash(Bundle, X86_64, "3.13"));
    assert_ne!(layer, hash(Layer, Arm64, "3.13"), "architecture");
    assert_ne!(layer, hash(Layer, X86_64, "3.12"), "Python version");
    std::fs::write(dir.join("agent_handler.py"), "def handler(e, c):\n    return {'reply': ''}\n").unwrap();
    assert_eq!(layer, hash(Layer, X86_64, "3.13"), "a code edit leaves the layer alone");
    assert_ne!(bundle, hash(Bundle, X86_64, "3.13"), "but changes the bundle");
    std::fs::write(dir.join("requirements.txt"), "strands-agents==1.61.0\n").unwrap();
    assert_ne!(layer, hash(Layer, X86_64, "3.13"), "a requirement changes the layer");
}
