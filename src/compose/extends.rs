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
        Some(f) => ld.sandbox.resolve(&folder(&writer), f, at.as_ref())?.to_string(),
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
