//! `new NAME`: a ready project, from templates compiled into the toolkit (no network).
//!
//! The templates are plain files in `toolkit/templates/` with `{{name}}`, `{{stack}}` and
//! `{{agentcdk}}` placeholders, included with `include_str!`: what a user gets is readable in
//! one place, and nothing is fetched (unlike `cargo lambda new`, which downloads templates).

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::{Error, Result};

/// `new`'s options.
#[derive(Debug, Clone, Args)]
pub struct NewArgs {
    /// The project's folder; its last part is the crate name.
    #[arg(value_name = "NAME")]
    pub path: PathBuf,
    /// The agentcdk dependency as a path (a checkout's `constructs/` folder). Default: this
    /// toolkit's checkout when it was installed from one (`cargo install --path toolkit`), else
    /// the registry version that matches the toolkit.
    #[arg(long = "agentcdk-path", value_name = "DIR")]
    pub agentcdk_path: Option<PathBuf>,
}

/// The files of a new project: (path in the project, template).
const FILES: [(&str, &str); 5] = [
    ("Cargo.toml", include_str!("../templates/Cargo.toml.tmpl")),
    ("src/main.rs", include_str!("../templates/main.rs.tmpl")),
    ("src/tests.rs", include_str!("../templates/tests.rs.tmpl")),
    (".gitignore", include_str!("../templates/gitignore.tmpl")),
    ("README.md", include_str!("../templates/README.md.tmpl")),
];

/// Writes the project; refuses a folder that exists and is not empty.
pub fn new_project(args: &NewArgs) -> Result<()> {
    let name = crate_name(&args.path)?;
    if fs::read_dir(&args.path).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(
            Error::new(format!("{} exists and is not empty", args.path.display())).hint("choose a new folder name; nothing was written")
        );
    }
    let agentcdk = dependency(args.agentcdk_path.as_deref())?;
    for (file, template) in FILES {
        let path = args.path.join(file);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::new(format!("cannot create {}: {e}", parent.display())))?;
        }
        let text = render(template, &name, &agentcdk);
        fs::write(&path, text).map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))?;
    }
    println!("Created {name} in {}", args.path.display());
    println!("  cd {}", args.path.display());
    println!("  cargo run -- synth                               # cdk.out/{}.template.json", stack_name(&name));
    println!("  cargo agentcdk deploy --bucket my-asset-bucket   # build, upload, deploy");
    Ok(())
}

/// The crate name: the folder's last part, as Cargo allows it (a letter, then letters,
/// digits, `-`, `_`).
fn crate_name(path: &Path) -> Result<String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(name)
    } else {
        Err(Error::new(format!("'{name}' cannot be a crate name")).hint("start with a letter; use letters, digits, '-' and '_'"))
    }
}

/// `my-agent` → `MyAgent`: the stack name (CloudFormation allows letters, digits, hyphens).
fn stack_name(name: &str) -> String {
    name.split(['-', '_']).filter(|p| !p.is_empty()).map(|p| p[..1].to_ascii_uppercase() + &p[1..]).collect()
}

/// The `agentcdk = …` value: a path (given, or this toolkit's checkout) or the version.
fn dependency(path: Option<&Path>) -> Result<String> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(|repo| repo.join("constructs"));
    let path = match path {
        Some(p) => Some(std::path::absolute(p).map_err(|e| Error::new(format!("{}: {e}", p.display())))?),
        None => checkout.filter(|c| c.join("Cargo.toml").is_file()),
    };
    Ok(match path {
        Some(p) => format!("{{ path = {:?} }}", p.display().to_string()),
        None => format!("\"{}\"", env!("CARGO_PKG_VERSION")),
    })
}

fn render(template: &str, name: &str, agentcdk: &str) -> String {
    template.replace("{{name}}", name).replace("{{stack}}", &stack_name(name)).replace("{{agentcdk}}", agentcdk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(stack_name("my-agent"), "MyAgent");
        assert_eq!(stack_name("support_bot2"), "SupportBot2");
        assert!(crate_name(Path::new("/tmp/ok-name")).is_ok());
        let e = crate_name(Path::new("/tmp/9lives")).unwrap_err();
        assert!(e.message.contains("cannot be a crate name"), "{e}");
    }

    #[test]
    fn writes_every_file_and_refuses_a_full_folder() {
        let d = tempfile::tempdir().unwrap();
        let project = d.path().join("my-agent");
        new_project(&NewArgs { path: project.clone(), agentcdk_path: Some("/opt/agentcdk/constructs".into()) }).unwrap();
        let cargo = fs::read_to_string(project.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("name = \"my-agent\"") && cargo.contains(r#"agentcdk = { path = "/opt/agentcdk/constructs" }"#), "{cargo}");
        let main = fs::read_to_string(project.join("src/main.rs")).unwrap();
        assert!(main.contains("app.stack(\"MyAgent\"") && main.contains("ServerlessAgent::new"), "{main}");
        for file in ["src/tests.rs", ".gitignore", "README.md"] {
            let text = fs::read_to_string(project.join(file)).unwrap();
            assert!(!text.contains("{{"), "{file} has an unfilled placeholder:\n{text}");
        }
        let e = new_project(&NewArgs { path: project, agentcdk_path: None }).unwrap_err();
        assert!(e.message.contains("is not empty"), "{e}");
    }

    #[test]
    fn the_dependency_is_this_checkout_or_the_version() {
        // Built from this repository: the checkout's constructs/ crate.
        let dep = dependency(None).unwrap();
        assert!(dep.starts_with("{ path = ") && dep.ends_with("constructs\" }"), "{dep}");
    }
}
