//! Finding and reading compose files: default names in a folder, one file's pipeline
//! (read → parse → interpolate → validate → normalise), and a set of files merged in order.

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::interpolate::{Vars, interpolate_tree};
use super::merge::{Tree, merge_trees};
use super::normalize::{self, Ctx};
use super::{extends, include, schema, tags};
use crate::error::{Error, Warnings};
use crate::source::{Origin, Sandbox, parent_of};
use crate::yaml::{Flavor, parse_one, pointer_segment};

/// File names docker compose looks for in a folder, in its order of preference.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
/// Override files docker compose adds when it picked a default file.
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The compose files in a folder: the default file, then its override file if present.
pub fn in_folder(sandbox: &Sandbox, dir: &str, warnings: &mut Warnings) -> Result<Vec<String>, Error> {
    let found: Vec<String> = DEFAULT_FILES
        .iter()
        .map(|f| join(dir, f))
        .filter(|f| sandbox.exists(f) && !sandbox.is_dir(f))
        .collect();
    let Some(first) = found.first().cloned() else {
        return Err(Error::input(
            Some(Origin::file(if dir.is_empty() { "." } else { dir })),
            "no compose file in this folder",
            format!("add one of {} or name the file to render", DEFAULT_FILES.join(", ")),
        ));
    };
    if found.len() > 1 {
        warnings.push(
            Some(Origin::file(first.as_str())),
            "several-compose-files",
            format!(
                "found several compose files ({}); using `{first}` as docker compose does",
                found.join(", ")
            ),
            Some("remove the unused files, or name the one to render".into()),
        );
    }
    let mut files = vec![first];
    if let Some(o) = OVERRIDE_FILES
        .iter()
        .map(|f| join(dir, f))
        .find(|f| sandbox.exists(f) && !sandbox.is_dir(f))
    {
        files.push(o);
    }
    Ok(files)
}

/// Reads files, resolves `include` and `extends`, and merges.
pub struct Loader<'a> {
    pub sandbox: &'a Sandbox,
    pub cli_vars: &'a IndexMap<String, String>,
    /// Warnings found while reading files, handed to the caller's `Warnings`.
    pub notes: Warnings,
    /// Files already loaded (for `extends`), by file, folder and variables.
    cache: BTreeMap<(String, String, String), Tree>,
}

impl<'a> Loader<'a> {
    pub fn new(sandbox: &'a Sandbox, cli_vars: &'a IndexMap<String, String>) -> Self {
        Loader {
            sandbox,
            cli_vars,
            notes: Warnings::default(),
            cache: BTreeMap::new(),
        }
    }

    /// One file, normalised, with relative paths resolved from `dir`. `extends` and
    /// `include` are left for the caller.
    pub fn file(&mut self, name: &str, dir: &str, vars: &Vars, at: Option<&Origin>) -> Result<Tree, Error> {
        let key = (name.to_string(), dir.to_string(), vars.fingerprint());
        if let Some(t) = self.cache.get(&key) {
            return Ok(t.clone());
        }
        let src = self.sandbox.read(name, at)?;
        let text = tags::rewrite(&src.name, src.text()?, &mut self.notes);
        let doc = parse_one(&src.name, &text, Flavor::Compose)?;
        let mut value = doc.value;
        if value.is_null() {
            value = Value::Object(Map::new());
        }
        if !value.is_object() {
            let found = match value {
                Value::Array(_) => "a list",
                _ => "a single value",
            };
            return Err(Error::input(
                Some(doc.spans.origin("")),
                format!("a compose file must be a mapping, but this one holds {found}"),
                "start the file with `services:`, each service a key under it",
            ));
        }
        interpolate_tree(&mut value, &doc.spans, vars)?;
        // A service with every key commented out is an empty service, as in compose.
        for svc in value
            .get_mut("services")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|s| s.values_mut())
        {
            if svc.is_null() {
                *svc = Value::Object(Map::new());
            }
        }
        schema::validate(&without_resets(&value), &doc.spans)?;
        let written = value.clone();
        let ctx = Ctx {
            sandbox: self.sandbox,
            dir: dir.to_string(),
            spans: &doc.spans,
            vars,
            cli_vars: self.cli_vars,
        };
        if let Some(services) = value.get_mut("services").and_then(Value::as_object_mut) {
            for (svc_name, svc) in services.iter_mut() {
                normalize::service(&ctx, &format!("/services/{}", pointer_segment(svc_name)), svc)?;
            }
        }
        normalize::top_level(&ctx, &mut value)?;
        let tree = Tree::located(value, &written, &doc.spans);
        self.cache.insert(key, tree.clone());
        Ok(tree)
    }

    /// A set of files as one project: each file gets its includes resolved, they merge in
    /// order, then `extends` is resolved. `stack` holds the files being included, for cycles.
    pub fn project(
        &mut self,
        files: &[String],
        dir: &str,
        vars: &Vars,
        stack: &mut Vec<Arc<str>>,
        at: Option<&Origin>,
    ) -> Result<Tree, Error> {
        let mut merged: Option<Tree> = None;
        for name in files {
            let mut tree = self.file(name, dir, vars, at)?;
            stack.push(name.as_str().into());
            include::apply(self, &mut tree, name, vars, stack)?;
            stack.pop();
            match merged.as_mut() {
                Some(m) => merge_trees(m, tree),
                None => merged = Some(tree),
            }
        }
        // As compose-go: `extends` applies to the merged files, so an override file may
        // extend a service of the main file.
        let mut merged = merged.unwrap_or_default();
        if let Some(first) = files.first() {
            extends::resolve(self, &mut merged, first, vars)?;
        }
        Ok(merged)
    }
}

/// The file without service attributes set to `null` (`!reset`), which the schema would
/// reject for many attributes but which only mean "remove what an earlier file set".
fn without_resets(value: &Value) -> Value {
    let mut v = value.clone();
    if let Some(services) = v.get_mut("services").and_then(Value::as_object_mut) {
        for svc in services.values_mut() {
            if let Some(m) = svc.as_object_mut() {
                m.retain(|_, x| !x.is_null());
            }
        }
    }
    v
}

/// Refuses remote resources (`oci://…`, git URLs) that `include` or `extends` may name:
/// berth reads only files under the project root.
pub fn refuse_remote(path: &str, at: Option<&Origin>) -> Result<(), Error> {
    let remote = path.contains("://") || path.starts_with("git@") || path.starts_with("oci:");
    if !remote {
        return Ok(());
    }
    Err(Error::input(
        at.cloned(),
        format!("`{path}` is a remote resource; berth reads only files under the project root"),
        "vendor the file into the repository and refer to it by a relative path",
    ))
}

/// The folder part of a root-relative file name (re-exported for siblings).
pub fn folder(name: &str) -> String {
    parent_of(name).to_string()
}
