//! A new user: a fresh crate in a temporary folder outside this repository that depends on
//! agentcdk by path (as `agentcdk = { path = ".../constructs" }`; a git dependency resolves
//! the same way: Cargo checks out the whole repository), declares a Queue agent with a custom
//! route, and goes the whole way with no environment variable and no copy of the repository:
//!
//! 1. `cargo run -- synth` in the crate (its own app binary, no AWS SDK in it);
//! 2. the toolkit's `package`: the stock handlers built for real with `cargo lambda build
//!    --release` from this checkout's handlers workspace, into the crate's target dir;
//! 3. the toolkit's `deploy` into moto_server (of a copy of the assembly stubbed for the types
//!    moto ignores, see `agentcdk_tests::moto_stub`; the staged zips are the real ones).
//!
//! It shares this test run's target dir (`CARGO_TARGET_DIR`), the repository's `Cargo.lock`
//! (so Cargo picks the versions already built) and the repository's dev profile, so the
//! registry dependencies are reused; agentcdk's own crates compile once more for it (to Cargo
//! they are dependencies here, not workspace members: other lint and debug settings), about a
//! minute, then cached. The handler build shares the target dir with
//! `handlers/scripts/test.sh`, which `scripts/test` runs first. It is `#[ignore]`d in a plain
//! `cargo test` (a cold handler build takes minutes); `scripts/test` runs it with `--ignored`.
//!
//! Not covered offline: the registry path (agentcdk and the handler crates from `.crate`
//! packages). Packaging works (`cargo package --workspace --no-verify`), but building a user
//! crate against packaged crates needs them in a registry: a directory source must hold every
//! transitive dependency (`cargo vendor`, hundreds of crates) and a `[patch]` cannot add a crate
//! the registry index lacks. The toolkit's registry build path is covered by unit tests of its
//! parts only (toolkit/src/handlers.rs).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use agentcdk::assertions::Template;
use agentcdk::manifest::{AssetSourceManifest, Manifest};
use agentcdk_tests::moto::MotoServer;
use agentcdk_tests::moto_stub::stub_for_moto;
use agentcdk_tests::{repo_root, venv_tool};

const BUCKET: &str = "agentcdk-new-user";
const STACK: &str = "MyAgent";

const MAIN_RS: &str = r#"use agentcdk::cfn::lambda::function::Runtime;
use agentcdk::prelude::*;

fn main() -> std::process::ExitCode {
    let mut app = App::new();
    let stack = app.stack("MyAgent", StackProps::default());
    let agent = ServerlessAgent::new(
        &mut stack.scope("Assistant"),
        AgentProps {
            mode: Mode::Queue(QueueOptions::default()),
            system_prompt: "You answer briefly.".into(),
            routes: vec![CustomRoute {
                method: HttpMethod::Get,
                path: "tools/time".into(),
                code: Code::Asset {
                    path: concat!(env!("CARGO_MANIFEST_DIR"), "/route").into(),
                    runtime: Runtime::Python3_13,
                    handler: "index.handler".into(),
                },
            }],
            ..AgentProps::new(Model::bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Access::Public)
        },
    );
    stack.output("ApiUrl", agent.endpoint().url());
    app.run()
}
"#;

const ROUTE_PY: &str = "import time\n\ndef handler(event, context):\n    return {\"statusCode\": 200, \"body\": str(int(time.time()))}\n";

/// The repository's target dir: this test binary lives in `<target>/debug/deps`.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return std::path::absolute(PathBuf::from(dir)).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).expect("<target>/debug/deps/<test>").to_owned()
}

/// Writes the crate as a user would (plus the lockfile and dev profile, so that nothing is
/// built twice).
fn write_crate(dir: &Path) {
    let repo = repo_root();
    let manifest = format!(
        "[package]\nname = \"myagent\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nagentcdk = {{ path = {:?} }}\n\n\
         [profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n",
        repo.join("constructs").display().to_string()
    );
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::create_dir_all(dir.join("route")).unwrap();
    fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    fs::write(dir.join("src/main.rs"), MAIN_RS).unwrap();
    fs::write(dir.join("route/index.py"), ROUTE_PY).unwrap();
    fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// Runs `program args` in `dir` with the user's environment: the shared target dir, the venv's
/// cargo-lambda on PATH, no AGENTCDK_HANDLERS_DIR, nothing of this repository's cargo config.
fn run(dir: &Path, program: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let path = format!("{}:{}", venv_tool("cargo-lambda").parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let started = Instant::now();
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("CARGO_TARGET_DIR", target_dir())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("AGENTCDK_HANDLERS_DIR")
        .env_remove("AWS_PROFILE")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    println!(
        "$ {} {} ({:.1?}, {})\n{}{}",
        program.file_name().unwrap().to_string_lossy(),
        args.join(" "),
        started.elapsed(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{} {} failed", program.display(), args.join(" "));
    output
}

fn toolkit() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_agentcdk-toolkit"))
}

fn read_manifest(out: &Path) -> Manifest {
    serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

/// A copy of the assembly moto can deploy: templates stubbed, manifest and staged zips as is.
fn stubbed_copy(out: &Path, to: &Path) {
    fs::create_dir_all(to.join("assets")).unwrap();
    fs::copy(out.join("manifest.json"), to.join("manifest.json")).unwrap();
    let file = format!("{STACK}.template.json");
    let template: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join(&file)).unwrap()).unwrap();
    let (stubbed, skipped) = stub_for_moto(&template);
    println!("stubbed for moto: {skipped:?}");
    fs::write(to.join(&file), serde_json::to_string_pretty(&stubbed).unwrap()).unwrap();
    for entry in fs::read_dir(out.join("assets")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join("assets").join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
#[ignore = "builds the stock handlers with cargo lambda (minutes cold); scripts/test runs it after the handlers' own build"]
async fn a_fresh_crate_synthesizes_packages_and_deploys() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("myagent");
    assert!(!dir.starts_with(repo_root()), "the crate must live outside the repository");
    write_crate(&dir);
    let cargo = PathBuf::from(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));

    // 1. The app synthesizes, without any environment variable.
    run(&dir, &cargo, &["run", "--quiet", "--", "synth"], &[]);
    let out = dir.join("cdk.out");
    let manifest = read_manifest(&out);
    let handlers_ws = repo_root().join("handlers");
    let mut handler_names = Vec::new();
    for asset in manifest.assets.values() {
        if let AssetSourceManifest::Handler { name, workspace, version, .. } = &asset.source {
            let ws = std::path::absolute(out.join(workspace.as_deref().expect("a checkout: built from its workspace"))).unwrap();
            assert_eq!(fs::canonicalize(ws).unwrap(), fs::canonicalize(&handlers_ws).unwrap(), "{name}");
            assert_eq!(version, env!("CARGO_PKG_VERSION"));
            handler_names.push(name.clone());
        }
    }
    handler_names.sort();
    use agentcdk::contract::artifacts::{Artifact, BOOTSTRAP_ZIP};
    let expected = [Artifact::AgentRunner, Artifact::RequestHandler, Artifact::ResponseHandler].map(Artifact::as_str);
    assert_eq!(handler_names, expected, "a Queue agent's stock handlers");

    // 2. The toolkit packages: real handler zips, built in the crate's target dir.
    let o = run(&dir, toolkit(), &["package"], &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("index.py") || text.contains("route (zip-directory)"), "{text}");
    for (hash, asset) in &manifest.assets {
        let zip = out.join("assets").join(&asset.object_key);
        let bytes = fs::read(&zip).unwrap_or_else(|e| panic!("{hash} not staged: {e}"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        if let AssetSourceManifest::Handler { name, .. } = &asset.source {
            // Deflated by cargo-lambda (this crate's zip has no inflater): check the entry's size.
            let index = archive.index_for_name("bootstrap").unwrap_or_else(|| panic!("{name}: no bootstrap in the zip"));
            let size = archive.by_index_raw(index).unwrap().size();
            assert!(size > 1_000_000, "{name}: bootstrap is a real binary ({size} bytes)");
            let built = target_dir().join("agentcdk-handlers/lambda-x86_64").join(name).join(BOOTSTRAP_ZIP);
            assert_eq!(fs::read(&built).unwrap(), fs::read(&zip).unwrap(), "{name}: cargo lambda's zip, from the crate's target dir");
        } else {
            assert!(archive.by_name("index.py").is_ok(), "the route's code");
        }
    }
    // Staged once: a second package builds nothing.
    let o = run(&dir, toolkit(), &["package"], &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.matches("already staged").count(), manifest.assets.len(), "{text}");

    // 3. The toolkit deploys (a copy stubbed for moto) with the real zips.
    let moto = MotoServer::start();
    moto.s3().create_bucket().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("create-bucket: {e:?}"));
    let stubbed = home.path().join("stubbed.out");
    stubbed_copy(&out, &stubbed);
    let env: Vec<(&str, String)> = moto.env().into_iter().collect();
    let app_dir = stubbed.to_string_lossy().into_owned();
    let o = run(&dir, toolkit(), &["--app", &app_dir, "deploy", "--bucket", BUCKET, "--yes"], &env);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&format!("{STACK}: CREATE_COMPLETE")), "{text}\nmoto log:\n{}", moto.log_tail());
    for asset in manifest.assets.values() {
        let object = moto.s3().get_object().bucket(BUCKET).key(&asset.object_key).send().await;
        let object = object.unwrap_or_else(|e| panic!("{} not uploaded: {e:?}", asset.object_key));
        let body = object.body.collect().await.unwrap().into_bytes();
        assert_eq!(body.as_ref(), fs::read(out.join("assets").join(&asset.object_key)).unwrap(), "{}", asset.object_key);
    }
}

/// `cargo agentcdk new` in an empty folder, then the README's first command there: the
/// scaffolded project builds (against this checkout, the dependency `new` writes when the
/// toolkit comes from one) and synthesizes its one agent. Shares this run's target dir and
/// lockfile, so only the project itself compiles.
#[test]
fn a_scaffolded_project_synthesizes() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("support-bot");
    run(home.path(), toolkit(), &["new", "support-bot"], &[]);
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let constructs = repo_root().join("constructs");
    assert!(manifest.contains(&format!("agentcdk = {{ path = {:?} }}", constructs.display().to_string())), "{manifest}");
    for file in ["src/main.rs", "src/tests.rs", ".gitignore", "README.md"] {
        assert!(dir.join(file).is_file(), "{file} written");
    }
    fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = PathBuf::from(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let o = run(&dir, &cargo, &["run", "--quiet", "--", "synth"], &[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("SupportBot: "), "the stack is named after the project");
    let template = Template::parse(&fs::read_to_string(dir.join("cdk.out/SupportBot.template.json")).unwrap()).unwrap();
    // One agent, one function.
    template.resource_count_is("AWS::Lambda::Function", 1);
    // The project's second command, `cargo test`: its snapshot test and its assertions test.
    // The first run records the snapshot (what `cargo insta accept` does for a user); the
    // second, as CI runs it, must pass against the recorded file.
    run(&dir, &cargo, &["test", "--quiet"], &[("INSTA_UPDATE", "always".into())]);
    assert!(dir.join("src/snapshots").read_dir().map(|mut d| d.next().is_some()).unwrap_or(false), "the snapshot was recorded");
    run(&dir, &cargo, &["test", "--quiet"], &[("INSTA_UPDATE", "no".into()), ("CI", "true".into())]);
    // `new` refuses to write over a project.
    let again = Command::new(toolkit()).args(["new", "support-bot"]).current_dir(home.path()).output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
}
