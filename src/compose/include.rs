//! `include`: other compose projects pulled into this one.
//!
//! Each entry is loaded as its own project (its own folder for relative paths, its own
//! `env_file`/`.env`, with the including project's variables taking precedence), then
//! its resources are added. A resource defined twice differently is an error, and so is
//! a file that includes itself, directly or not.

use std::sync::Arc;

use serde_json::Value;

use super::dotenv;
use super::files::{Loader, folder};
use super::interpolate::Vars;
use super::merge::Tree;
use crate::error::Error;
use crate::source::Origin;
use crate::yaml::pointer_segment;

const SECTIONS: [&str; 5] = ["services", "volumes", "networks", "secrets", "configs"];

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Applies the `include` list of `tree` (the file `file`).
pub fn apply(
    ld: &mut Loader,
    tree: &mut Tree,
    file: &str,
    vars: &Vars,
    stack: &mut Vec<Arc<str>>,
) -> Result<(), Error> {
    let Some(entries) = tree.value.as_object_mut().and_then(|m| m.shift_remove("include")) else {
        return Ok(());
    };
    let here = folder(file);
    for (i, entry) in entries.as_array().into_iter().flatten().enumerate() {
        let at = tree.origin(&format!("/include/{i}"));
        let (paths, project_dir, env_files) = match entry {
            Value::String(s) => (vec![s.clone()], None, Vec::new()),
            other => (
                strings(other.get("path")),
                other
                    .get("project_directory")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                strings(other.get("env_file")),
            ),
        };
        let mut files = Vec::new();
        for p in &paths {
            super::files::refuse_remote(p, at.as_ref())?;
            files.push(ld.sandbox.resolve(&here, p, at.as_ref())?.to_string());
        }
        let Some(first) = files.first().cloned() else { continue };
        if let Some(f) = files.iter().find(|f| stack.iter().any(|s| &**s == f.as_str())) {
            let chain: Vec<&str> = stack.iter().map(|s| &**s).chain([f.as_str()]).collect();
            return Err(Error::input(
                at,
                format!("`include` forms a cycle: {}", chain.join(" → ")),
                "remove the include that leads back to a file already being loaded",
            ));
        }
        let dir = match &project_dir {
            Some(d) => ld.sandbox.resolve(&here, d, at.as_ref())?.to_string(),
            None => folder(&first),
        };
        let inc_vars = included_vars(ld, &here, &dir, &env_files, vars, at.as_ref())?;
        let included = ld.project(&files, &dir, &inc_vars, stack, at.as_ref())?;
        add(tree, included, &first, at)?;
    }
    Ok(())
}

/// The included project's variables: its env files (or `.env` in its folder) below the
/// including project's variables.
fn included_vars(
    ld: &Loader,
    here: &str,
    dir: &str,
    env_files: &[String],
    parent: &Vars,
    at: Option<&Origin>,
) -> Result<Vars, Error> {
    let mut names = Vec::new();
    for f in env_files {
        names.push(ld.sandbox.resolve(here, f, at)?.to_string());
    }
    if env_files.is_empty() {
        let dotenv = if dir.is_empty() {
            ".env".to_string()
        } else {
            format!("{dir}/.env")
        };
        if ld.sandbox.exists(&dotenv) {
            names.push(dotenv);
        }
    }
    let mut vars = parent.clone();
    for name in names {
        let src = ld.sandbox.read(&name, at)?;
        let lookup = |k: &str| parent.get(k).map(str::to_string);
        let parsed = dotenv::parse(&src.name, src.text()?, &lookup)?;
        vars.fill_from(&parsed);
    }
    Ok(vars)
}

fn add(tree: &mut Tree, included: Tree, file: &str, at: Option<Origin>) -> Result<(), Error> {
    let Some(target) = tree.value.as_object_mut() else {
        return Ok(());
    };
    for section in SECTIONS {
        let Some(entries) = included.value.get(section).and_then(Value::as_object) else {
            continue;
        };
        let slot = target
            .entry(section)
            .or_insert_with(|| Value::Object(Default::default()));
        let Some(slot) = slot.as_object_mut() else { continue };
        for (name, v) in entries {
            match slot.get(name) {
                Some(existing) if existing != v => {
                    return Err(Error::input(
                        at.clone(),
                        format!(
                            "included `{file}` defines {} `{name}`, which is already defined differently",
                            &section[..section.len() - 1]
                        ),
                        "rename one of them; an included project's resources cannot be redefined by the file that includes it",
                    ));
                }
                Some(_) => {}
                None => {
                    slot.insert(name.clone(), v.clone());
                    let p = format!("/{section}/{}", pointer_segment(name));
                    tree.origins.extend(included.origins_moved(&p, &p));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use super::*;

    fn run(files: &[(&str, &str)], parent_vars: &[(&str, &str)]) -> Result<Tree, Error> {
        let (_dir, sandbox) = crate::source::scratch(files);
        let cli = IndexMap::new();
        let mut ld = Loader::new(&sandbox, &cli);
        let mut vars = Vars::new(".env");
        for (k, v) in parent_vars {
            vars.set(*k, *v);
        }
        ld.project(&["compose.yaml".to_string()], "", &vars, &mut Vec::new(), None)
    }

    #[test]
    fn long_form_with_project_directory_and_env_file() {
        let t = run(
            &[
                (
                    "compose.yaml",
                    "include:\n  - path: [lib/a.yaml, lib/b.yaml]\n    project_directory: data\n    env_file: lib/inc.env\nservices:\n  main:\n    image: m\n",
                ),
                ("lib/a.yaml", "services:\n  a:\n    image: \"a:${TAG}\"\n    volumes: [./v:/v]\n    environment: {WHO: \"${WHO}\"}\n"),
                ("lib/b.yaml", "services:\n  a:\n    user: \"1\"\n"),
                ("lib/inc.env", "TAG=inc\nWHO=inc\n"),
            ],
            &[("WHO", "parent")],
        )
        .unwrap();
        let a = &t.value["services"]["a"];
        assert_eq!(a["image"], "a:inc");
        assert_eq!(
            a["environment"]["WHO"], "parent",
            "the including project's variables win"
        );
        assert_eq!(a["user"], "1", "several paths merge like -f files");
        assert_eq!(a["volumes"][0]["source"], "data/v", "relative to project_directory");
        assert!(t.value.get("include").is_none());
        assert_eq!(t.origin("/services/a").unwrap().file.as_ref(), "lib/a.yaml");
    }

    #[test]
    fn cycles_and_conflicts_are_errors() {
        let e = run(
            &[
                ("compose.yaml", "include: [b.yaml]\nservices: {x: {image: x}}\n"),
                ("b.yaml", "include: [compose.yaml]\n"),
            ],
            &[],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "`include` forms a cycle: compose.yaml → b.yaml → compose.yaml"
        );
        let same = run(
            &[
                ("compose.yaml", "include: [b.yaml]\nservices: {x: {image: x}}\n"),
                ("b.yaml", "services: {x: {image: x}}\n"),
            ],
            &[],
        );
        assert!(same.is_ok(), "an identical definition is not a conflict");
    }
}
