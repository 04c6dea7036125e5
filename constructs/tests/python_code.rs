//! Python code: `Code::python` is the code folder as the function's zip plus a dependencies
//! layer (an asset `package` installs wheels into, for the function's architecture and Python
//! version), or a published layer; `RuntimeArtifact::python` is one arm64 bundle asset that
//! the AgentCore runtime's role may read, and nothing else.

use agentcdk::assertions::Template;
use agentcdk::manifest::AssetSourceManifest;
use agentcdk::prelude::*;
use serde_json::{json, Value as Json};

mod common;
use common::synth;

fn project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("agent_handler.py"), "def handler(e, c):\n    return {'reply': 'hi'}\n").unwrap();
    std::fs::write(d.path().join("requirements.txt"), "strands-agents==1.62.0\n").unwrap();
    d
}

fn only(t: &Template, ty: &str) -> (String, Json) {
    let found: Vec<(String, Json)> = t.json()["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .map(|(id, r)| (id.clone(), r["Properties"].clone()))
        .collect();
    assert_eq!(found.len(), 1, "one {ty}: {found:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn a_python_function_gets_its_code_and_a_layer_for_its_architecture() {
    let d = project();
    let (t, _) = synth(|s| {
        let code = Code::python(d.path(), "agent_handler.handler");
        Function::new(&mut s.scope("Py"), FunctionProps { code, architecture: Architecture::Arm64, ..Default::default() })
    });
    let (layer_id, layer) = only(&t, "AWS::Lambda::LayerVersion");
    assert_eq!(layer["CompatibleRuntimes"], json!(["python3.13"]));
    assert_eq!(layer["CompatibleArchitectures"], json!(["arm64"]));
    assert_eq!(layer["Content"]["S3Bucket"], json!({"Ref": "AssetBucket"}));
    let (_, function) = only(&t, "AWS::Lambda::Function");
    assert_eq!(function["Runtime"], "python3.13");
    assert_eq!(function["Handler"], "agent_handler.handler");
    assert_eq!(function["Layers"], json!([{"Ref": layer_id}]));
    assert_ne!(function["Code"]["S3Key"], layer["Content"]["S3Key"], "code and dependencies are two assets");
}

#[test]
fn the_assets_name_the_platform_and_layout() {
    let d = project();
    let mut app = App::new();
    let s = app.stack("S", StackProps::default());
    Function::new(&mut s.scope("Py"), FunctionProps { code: Code::python(d.path(), "agent_handler.handler"), ..Default::default() });
    AgentCoreRuntime::new(
        &mut s.scope("Rt"),
        AgentCoreRuntimeProps { artifact: RuntimeArtifact::python(d.path(), "agent.py"), ..Default::default() },
    );
    let out = tempfile::tempdir().unwrap();
    let assembly = app.synthesize(&[]).unwrap();
    let mut kinds: Vec<(String, String, String)> = assembly
        .manifest(out.path())
        .assets
        .values()
        .filter_map(|a| match &a.source {
            AssetSourceManifest::Python { layout, architecture, python, .. } => {
                Some((layout.clone(), architecture.clone(), python.clone()))
            }
            _ => None,
        })
        .collect();
    kinds.sort();
    let expected = [("bundle", "arm64", "3.13"), ("layer", "x86_64", "3.13")].map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(kinds, expected, "the Lambda's layer for x86_64; AgentCore runs arm64");
}

#[test]
fn a_published_layer_replaces_the_built_one() {
    let d = project();
    let arn = "arn:aws:lambda:us-east-1:123456789012:layer:strands-agents:1";
    let (t, _) = synth(|s| {
        let code = Code::Python(PythonCode {
            dir: d.path().to_owned(),
            handler: "agent_handler.handler".into(),
            dependencies: PythonDependencies::Published(arn.into()),
            ..Default::default()
        });
        Function::new(&mut s.scope("Py"), FunctionProps { code, ..Default::default() })
    });
    assert_eq!(t.resources_of("AWS::Lambda::LayerVersion").count(), 0);
    assert_eq!(only(&t, "AWS::Lambda::Function").1["Layers"], json!([arn]));
}

#[test]
fn an_agentcore_python_project_is_an_asset_its_role_may_read() {
    let d = project();
    let (t, _) = synth(|s| {
        AgentCoreRuntime::new(
            &mut s.scope("Rt"),
            AgentCoreRuntimeProps { artifact: RuntimeArtifact::python(d.path(), "agent.py"), ..Default::default() },
        )
    });
    let (_, runtime) = only(&t, "AWS::BedrockAgentCore::Runtime");
    let code = &runtime["AgentRuntimeArtifact"]["CodeConfiguration"];
    assert_eq!(code["EntryPoint"], json!(["agent.py"]));
    assert_eq!(code["Runtime"], "PYTHON_3_13");
    assert_eq!(code["Code"]["S3"]["Bucket"], json!({"Ref": "AssetBucket"}));
    let key = code["Code"]["S3"]["Prefix"].as_str().expect("a literal key").to_owned();
    assert!(key.ends_with(".zip") && key.len() == 68, "<hash>.zip: {key}");
    let policies = t.json()["Resources"].to_string();
    assert!(
        policies.contains(&format!("${{Bucket}}/${{Key}}\",{{\"Bucket\":{{\"Ref\":\"AssetBucket\"}},\"Key\":\"{key}\"}}")),
        "s3:GetObject on that object only"
    );
}
