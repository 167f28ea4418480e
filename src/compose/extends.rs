//! `extends`: a service built on another one, from the same file or another file.
//!
//! The base service is resolved first (it may extend again), then the extending service
//! merges over it by the usual merge rules. Paths in a base from another file were
//! already resolved against that file's folder when it was normalised. Cycles are errors
//! that name the chain.

use std::collections::BTreeMap;

use serde_json::Value;

use super::files::{Loader, folder};
use super::interpolate::Vars;
use super::merge::{Tree, merge_service};
use crate::error::Error;
use crate::source::Origin;
use crate::yaml::pointer_segment;

type Resolved = (Value, BTreeMap<String, Origin>);

/// Resolves every `extends` in `tree` (loaded from `file` and the files merged over it).
pub fn resolve(ld: &mut Loader, tree: &mut Tree, file: &str, vars: &Vars) -> Result<(), Error> {
    let names: Vec<String> = tree
        .value
        .get("services")
        .and_then(Value::as_object)
        .map(|s| {
            s.iter()
                .filter(|(_, v)| v.get("extends").is_some())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    for name in names {
        let mut stack = vec![(file.to_string(), name.clone())];
        let (svc, origins) = extended(ld, tree, file, &name, vars, &mut stack)?;
        let pointer = format!("/services/{}", pointer_segment(&name));
        if let Some(slot) = tree.value.pointer_mut(&pointer) {
            *slot = svc;
        }
        tree.origins
            .retain(|k, _| !(k == &pointer || k.starts_with(&format!("{pointer}/"))));
        tree.origins.extend(origins);
    }
    Ok(())
}

fn extended(
    ld: &mut Loader,
    tree: &Tree,
    file: &str,
    name: &str,
    vars: &Vars,
    stack: &mut Vec<(String, String)>,
) -> Result<Resolved, Error> {
    let pointer = format!("/services/{}", pointer_segment(name));
    let Some(mut svc) = tree.value.pointer(&pointer).cloned() else {
        return Err(Error::input(
            tree.origin("/services"),
            format!("service `{name}` is not defined in `{file}`"),
            "fix the name in `extends`",
        ));
    };
    let own = tree.origins_moved(&pointer, &pointer);
    let Some(ext) = svc.as_object_mut().and_then(|m| m.shift_remove("extends")) else {
        return Ok((svc, own));
    };
    let at = tree.origin(&format!("{pointer}/extends"));
    let (target_file, target) = match &ext {
        Value::String(s) => (None, s.clone()),
        other => (
            other.get("file").and_then(Value::as_str).map(str::to_string),
            other
                .get("service")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
    };
    // `file:` is relative to the file that wrote the `extends`, which may be an override file.
    let writer = at.as_ref().map_or_else(|| file.to_string(), |o| o.file.to_string());
    let other_file = match &target_file {
        Some(f) => {
            super::files::refuse_remote(f, at.as_ref())?;
            ld.sandbox.resolve(&folder(&writer), f, at.as_ref())?.to_string()
        }
        None => file.to_string(),
    };
    let key = (other_file.clone(), target.clone());
    if stack.contains(&key) {
        let chain: Vec<&str> = stack.iter().map(|(_, s)| s.as_str()).chain([target.as_str()]).collect();
        return Err(Error::input(
            at,
            format!("`extends` forms a cycle: {}", chain.join(" → ")),
            "break the chain: a service cannot extend itself, directly or through others",
        ));
    }
    stack.push(key);
    let base_tree = match &target_file {
        Some(_) => ld.file(&other_file, &folder(&other_file), vars, at.as_ref())?,
        None => tree.clone(),
    };
    let target_pointer = format!("/services/{}", pointer_segment(&target));
    if base_tree.value.pointer(&target_pointer).is_none() {
        return Err(Error::input(
            at,
            format!("service `{name}` extends `{target}`, which `{other_file}` does not define"),
            "fix the service name or the `file:` in `extends`",
        ));
    }
    let (mut base, base_origins) = extended(ld, &base_tree, &other_file, &target, vars, stack)?;
    stack.pop();
    merge_service(&mut base, svc);
    let mut origins: BTreeMap<String, Origin> = base_origins
        .into_iter()
        .filter_map(|(k, o)| {
            k.strip_prefix(&target_pointer)
                .map(|rest| (format!("{pointer}{rest}"), o))
        })
        .collect();
    origins.extend(own.into_iter().filter(|(k, _)| !k.ends_with("/extends")));
    Ok((base, origins))
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;
    use serde_json::json;

    use super::*;

    fn run(files: &[(&str, &str)]) -> Result<Tree, Error> {
        let (_dir, sandbox) = crate::source::scratch(files);
        let cli = IndexMap::new();
        let mut ld = Loader::new(&sandbox, &cli);
        let vars = Vars::new(".env");
        let mut tree = ld.file("compose.yaml", "", &vars, None)?;
        resolve(&mut ld, &mut tree, "compose.yaml", &vars)?;
        Ok(tree)
    }

    #[test]
    fn chains_merge_in_order_and_paths_stay_with_their_file() {
        let t = run(&[
            (
                "compose.yaml",
                "services:\n  web:\n    extends: mid\n    ports: [\"81:81\"]\n  mid:\n    extends: {file: lib/base.yaml, service: base}\n    environment: {B: \"2\"}\n",
            ),
            ("lib/base.yaml", "services:\n  base:\n    image: b\n    environment: {A: \"1\"}\n    volumes: [./x:/x]\n    ports: [\"80:80\"]\n"),
        ])
        .unwrap();
        let web = &t.value["services"]["web"];
        assert_eq!(web["image"], "b");
        assert_eq!(web["environment"], json!({"A": "1", "B": "2"}));
        assert_eq!(web["volumes"][0]["source"], "lib/x");
        assert_eq!(web["ports"].as_array().unwrap().len(), 2);
        assert!(web.get("extends").is_none());
        assert_eq!(t.origin("/services/web/image").unwrap().file.as_ref(), "lib/base.yaml");
        assert_eq!(t.origin("/services/web/ports").unwrap().file.as_ref(), "compose.yaml");
    }

    #[test]
    fn cycles_and_unknown_bases_are_errors() {
        let e = run(&[("compose.yaml", "services:\n  a:\n    extends: a\n")]).unwrap_err();
        assert_eq!(e.to_string(), "`extends` forms a cycle: a → a");
        let e = run(&[("compose.yaml", "services:\n  a:\n    extends: nope\n")]).unwrap_err();
        assert!(e.to_string().contains("extends `nope`"), "{e}");
        let e = run(&[
            (
                "compose.yaml",
                "services:\n  a:\n    extends: {file: o.yaml, service: b}\n",
            ),
            (
                "o.yaml",
                "services:\n  b:\n    extends: {file: compose.yaml, service: a}\n",
            ),
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "`extends` forms a cycle: a → b → a");
    }
}
