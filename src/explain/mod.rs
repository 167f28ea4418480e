//! Provenance for `berth explain`: where each object and each field of a render came
//! from, and what hardening added or relaxed.
//!
//! Tracing is opt-in: a render traces only when its [`Sandbox`] was made with
//! [`Sandbox::traced`] (only `berth explain` does that). Then each object carries a
//! [`Trace`] (`Object::trace`), and each pipeline stage calls one hook after it changes
//! the objects:
//!
//! - the stage that makes an object gives it a [`Trace`], with field-level origins where
//!   it knows them (a template's line per field, a manifest file's line per field) and an
//!   object-level origin otherwise (a compose service: conversion is one function of the
//!   whole service, so its fields are honestly "converted from service web");
//! - each later stage (generators, each patch, each overlay transform, hardening) calls
//!   [`step`], which compares every object with the copy its trace kept after the stage
//!   before, and records the stage on each field it set, changed or removed. Comparing
//!   after the fact keeps the hooks one line each and cannot miss a change the stage made
//!   in some helper.
//!
//! Without tracing every hook returns at once, and `Object::trace` is `None`: a render
//! costs what it did (one word more per object).
//!
//! [`report`] turns traced objects into the text and JSON that `berth explain` prints.

pub mod report;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::manifest::Object;
use crate::source::Origin;
use crate::yaml::pointer_segment;

/// Which stage of the pipeline a step belongs to (DESIGN.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// A compose service converted to objects.
    Compose,
    /// A chart template rendered.
    Template,
    /// An object read from a manifests file (an overlay's base).
    Manifest,
    /// Made by berth for the render as a whole (a chart's release Namespace).
    Berth,
    /// An overlay's configMapGenerator or secretGenerator.
    Generator,
    /// An overlay patch (strategic merge, JSON merge, JSON 6902).
    Patch,
    /// An overlay transform (namespace, namePrefix, labels, images, replicas, ...).
    Transform,
    /// A hardening default (DESIGN.md section 6).
    Harden,
}

impl Stage {
    /// The stable name used in the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Compose => "compose",
            Stage::Template => "template",
            Stage::Manifest => "manifest",
            Stage::Berth => "berth",
            Stage::Generator => "generator",
            Stage::Patch => "patch",
            Stage::Transform => "transform",
            Stage::Harden => "harden",
        }
    }
}

/// A value a template line read, and who set it (values file line or `--set` flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueUse {
    /// `values.image.tag`.
    pub path: String,
    /// `charts/shop/values.yaml:4:8`, or `--set image.tag` (the flag and path only: the
    /// value itself is in the field, where it can be redacted).
    pub source: String,
}

/// One thing a stage did to an object or a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub stage: Stage,
    /// What happened, for people: `strategic patch`, `namePrefix`, a hardening reason.
    pub what: String,
    /// Where the input that asked for it was written.
    pub origin: Option<Origin>,
    /// For a template line: the values it read.
    pub values: Vec<ValueUse>,
}

impl Step {
    pub fn new(stage: Stage, what: impl Into<String>, origin: Option<Origin>) -> Self {
        Step {
            stage,
            what: what.into(),
            origin,
            values: Vec::new(),
        }
    }
}

/// What a traced object remembers: how it was made, each field's steps in order, and
/// its value after the last step (to find what the next one changes).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub created: Step,
    /// JSON pointer of a leaf (scalar, or empty list or map) → the steps that set it,
    /// oldest first. A leaf without an entry has only the object's origin.
    pub fields: BTreeMap<String, Vec<Step>>,
    /// Steps about the object as a whole after it was made (renamed, merged into).
    pub later: Vec<Step>,
    last: Value,
}

impl Trace {
    /// The trace of a new object, with the origins known per field.
    pub fn new(created: Step, value: &Value, fields: BTreeMap<String, Vec<Step>>) -> Self {
        Trace {
            created,
            fields,
            later: Vec::new(),
            last: value.clone(),
        }
    }
}

/// Gives every untraced object a trace made by `made(object)`; no-op when not tracing.
pub fn begin(objects: &mut [Object], tracing: bool, made: impl Fn(&Object) -> Step) {
    if !tracing {
        return;
    }
    for o in objects.iter_mut().filter(|o| o.trace.is_none()) {
        let step = made(o);
        o.trace = Some(Box::new(Trace::new(step, &o.value, BTreeMap::new())));
    }
}

/// Workload fields that one compose key of the service decides alone, as (field under
/// the pod spec, or under the workload when it starts with `/`; the compose key's pointer
/// under the service). Other fields are decided by several keys, or by berth, and stay
/// object-level.
const COMPOSE_FIELDS: &[(&str, &str)] = &[
    ("/spec/replicas", "/deploy/replicas"),
    ("/containers/0/image", "/image"),
    ("/containers/0/command", "/entrypoint"),
    ("/containers/0/args", "/command"),
    ("/containers/0/workingDir", "/working_dir"),
    ("/containers/0/ports", "/ports"),
    ("/containers/0/env", "/environment"),
    ("/containers/0/envFrom", "/env_file"),
    ("/containers/0/readinessProbe", "/healthcheck"),
    ("/containers/0/livenessProbe", "/healthcheck"),
    ("/containers/0/startupProbe", "/healthcheck"),
    ("/containers/0/resources", "/deploy/resources"),
    ("/hostname", "/hostname"),
    ("/hostAliases", "/extra_hosts"),
    ("/terminationGracePeriodSeconds", "/stop_grace_period"),
];

/// Where each kind converted from a service keeps its pod spec.
const POD_SPEC: &[(&str, &str)] = &[
    ("Deployment", "/spec/template/spec"),
    ("StatefulSet", "/spec/template/spec"),
    ("DaemonSet", "/spec/template/spec"),
    ("Job", "/spec/template/spec"),
    ("CronJob", "/spec/jobTemplate/spec/template/spec"),
];

/// Traces the objects a compose conversion made: each names the compose key its origin
/// points at (`services.web`, `secrets.db_password`), read back from the file; a
/// workload's fields that one service key decides ([`COMPOSE_FIELDS`]) name that key's
/// line. No-op when not tracing.
pub fn converted(objects: &mut [Object], sandbox: &crate::source::Sandbox, project: &crate::compose::Project) {
    if !sandbox.tracing() {
        return;
    }
    for o in objects.iter_mut().filter(|o| o.trace.is_none()) {
        let path = o
            .origin
            .as_ref()
            .filter(|at| at.line > 0)
            .and_then(|at| Some(key_path(&sandbox.text_of(&at.file)?, at.line, at.column)))
            .unwrap_or_default();
        let what = match (path.as_slice(), &o.origin) {
            ([], Some(_)) => "converted from compose".to_string(),
            ([], None) => "made by berth from the compose project".to_string(),
            (keys, _) => format!("converted from compose {}", keys.join(".")),
        };
        let mut fields = BTreeMap::new();
        let pod = POD_SPEC.iter().find(|(k, _)| *k == o.kind()).map(|(_, p)| *p);
        let keys: Vec<&str> = path.iter().map(String::as_str).collect();
        if let (["services", service], Some(pod)) = (keys.as_slice(), pod) {
            for (field, key) in COMPOSE_FIELDS {
                let pointer = if field.starts_with("/spec/") {
                    field.to_string()
                } else {
                    format!("{pod}{field}")
                };
                let key_pointer = format!("/services/{}{key}", pointer_segment(service));
                let (Some(v), Some(at)) = (o.value.pointer(&pointer), project.origins.get(&key_pointer)) else {
                    continue;
                };
                let name = format!("converted from compose services.{service}{}", key.replace('/', "."));
                leaves(v, &pointer, &mut |p, _| {
                    fields.insert(p.to_string(), vec![Step::new(Stage::Compose, &name, Some(at.clone()))]);
                });
            }
        }
        let made = Step::new(Stage::Compose, what, o.origin.clone());
        o.trace = Some(Box::new(Trace::new(made, &o.value, fields)));
    }
}

/// The keys that lead to the node at `line`:`column` (1-based) of a block-style YAML
/// text, found by indentation: `["services", "web"]` for the mapping under `web:`.
fn key_path(text: &str, line: usize, column: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(here) = lines.get(line.saturating_sub(1)) else {
        return Vec::new();
    };
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let key_of = |l: &str| -> Option<String> {
        let t = l.trim().trim_start_matches("- ");
        let (k, _) = t.split_once(':')?;
        let k = k.trim().trim_matches(['"', '\'']);
        (!k.is_empty() && !k.contains(' ')).then(|| k.to_string())
    };
    let mut path = Vec::new();
    let before = here.get(..column.saturating_sub(1)).unwrap_or("");
    // `key: value` on this line: the node is that key's value.
    let mut indent = if before.trim_end().ends_with(':') {
        path.extend(key_of(before));
        indent_of(here)
    } else {
        column.saturating_sub(1)
    };
    for l in lines.iter().take(line.saturating_sub(1)).rev() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || indent_of(l) >= indent {
            continue;
        }
        indent = indent_of(l);
        if !t.starts_with('-') {
            path.extend(key_of(l));
        }
        if indent == 0 {
            break;
        }
    }
    path.reverse();
    path
}

/// An object a stage made without tracing it (a chart's release Namespace).
pub fn made_by_berth(o: &Object) -> Step {
    Step::new(Stage::Berth, "made by berth", o.origin.clone())
}

/// The trace of an object read from a manifests file: every field at its line.
pub fn read_from(doc: &crate::yaml::Document) -> Box<Trace> {
    let mut fields = BTreeMap::new();
    leaves(&doc.value, "", &mut |p, _| {
        let at = doc.spans.exact(p).unwrap_or_else(|| doc.spans.origin(p));
        fields.insert(p.to_string(), vec![Step::new(Stage::Manifest, "manifest", Some(at))]);
    });
    let made = Step::new(Stage::Manifest, "read from manifest", Some(doc.spans.origin("")));
    Box::new(Trace::new(made, &doc.value, fields))
}

/// Where in a patch document the field at `pointer` (now `value`) was written: the JSON
/// 6902 operation whose path holds it; the same place in a merge patch when it holds that
/// value; else the one leaf of the patch with the same key and value. `None` when the
/// patch does not say (a list merged by key moved it): then the patch as a whole answers.
pub fn in_patch(doc: &Value, pointer: &str, value: &Value, origin_of: &dyn Fn(&str) -> Origin) -> Option<Origin> {
    if let Value::Array(ops) = doc {
        return ops.iter().enumerate().rev().find_map(|(i, op)| {
            let path = op.get("path")?.as_str()?;
            let under = pointer == path || pointer.starts_with(&format!("{path}/"));
            under.then(|| origin_of(&format!("/{i}")))
        });
    }
    if doc.pointer(pointer) == Some(value) {
        return Some(origin_of(pointer));
    }
    let last = pointer.rsplit('/').next()?;
    let mut found = Vec::new();
    leaves(doc, "", &mut |p, v| {
        if v == value && p.rsplit('/').next() == Some(last) {
            found.push(p.to_string());
        }
    });
    match found.as_slice() {
        [one] => Some(origin_of(one)),
        _ => None,
    }
}

/// Records `label` on every field each traced object gained, changed or lost since the
/// previous step; `locate(pointer, value)` may name a finer origin for one field (the
/// patch line that wrote it). An untraced object was made by this step. No-op when not
/// tracing.
pub fn step(objects: &mut [Object], tracing: bool, label: &Step, locate: &dyn Fn(&str, &Value) -> Option<Origin>) {
    if !tracing {
        return;
    }
    for o in objects.iter_mut() {
        let Some(trace) = o.trace.as_mut() else {
            let mut fields = BTreeMap::new();
            leaves(&o.value, "", &mut |p, v| {
                if let Some(at) = locate(p, v) {
                    fields.insert(p.to_string(), vec![Step::new(label.stage, &label.what, Some(at))]);
                }
            });
            o.trace = Some(Box::new(Trace::new(label.clone(), &o.value, fields)));
            continue;
        };
        if trace.last == o.value {
            continue;
        }
        let mut changes = Vec::new();
        diff(&trace.last, &o.value, "", &mut changes);
        let mut renamed = false;
        for (pointer, now) in changes {
            renamed |= pointer == "/metadata/name";
            match now {
                Some(v) => {
                    let origin = locate(&pointer, v).or_else(|| label.origin.clone());
                    let mut s = label.clone();
                    s.origin = origin;
                    trace.fields.entry(pointer).or_default().push(s);
                }
                None => {
                    let gone = format!("{pointer}/");
                    trace.fields.retain(|k, _| *k != pointer && !k.starts_with(&gone));
                }
            }
        }
        if renamed {
            trace.later.push(label.clone());
        }
        trace.last = o.value.clone();
    }
}

/// Records hardening's changes (`(object id, pointer, reason)`, from `harden`) on the
/// traced objects; an object hardening added gets its reason as its origin.
pub fn hardened(objects: &mut [Object], tracing: bool, changes: &[crate::harden::Change]) {
    if !tracing {
        return;
    }
    let mut by_object: BTreeMap<&str, Vec<&crate::harden::Change>> = BTreeMap::new();
    for c in changes {
        by_object.entry(c.object.as_str()).or_default().push(c);
    }
    for o in objects.iter_mut() {
        let id = o.id();
        let mine = by_object.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let step = |reason: &str| Step::new(Stage::Harden, format!("hardening: {reason}"), None);
        if let Some(added) = mine.iter().find(|c| c.pointer.is_empty()) {
            let made = Step::new(Stage::Harden, format!("added by hardening: {}", added.reason), None);
            o.trace = Some(Box::new(Trace::new(made, &o.value, BTreeMap::new())));
            continue;
        }
        let Some(trace) = o.trace.as_mut() else {
            continue;
        };
        for c in mine {
            // A change may set a subtree (a whole securityContext): each leaf under it.
            match o.value.pointer(&c.pointer) {
                Some(v) => leaves(v, &c.pointer, &mut |p, _| {
                    trace.fields.entry(p.to_string()).or_default().push(step(c.reason));
                }),
                None => {
                    trace.fields.entry(c.pointer.clone()).or_default().push(step(c.reason));
                }
            }
        }
        trace.last = o.value.clone();
    }
}

/// Every leaf of `v` (scalars, empty lists and maps) with its JSON pointer under `base`.
pub fn leaves<'v>(v: &'v Value, base: &str, f: &mut dyn FnMut(&str, &'v Value)) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                leaves(child, &format!("{base}/{}", pointer_segment(k)), f);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, child) in a.iter().enumerate() {
                leaves(child, &format!("{base}/{i}"), f);
            }
        }
        _ => f(base, v),
    }
}

/// The leaves that differ between `old` and `new`: `Some(value)` for a leaf set or
/// changed, `None` for a subtree removed. Lists compare item by item.
fn diff<'v>(old: &Value, new: &'v Value, at: &str, out: &mut Vec<(String, Option<&'v Value>)>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if !a.is_empty() && !b.is_empty() => {
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                out.push((format!("{at}/{}", pointer_segment(k)), None));
            }
            for (k, v) in b {
                let p = format!("{at}/{}", pointer_segment(k));
                match a.get(k) {
                    Some(o) => diff(o, v, &p, out),
                    None => leaves(v, &p, &mut |lp, lv| out.push((lp.to_string(), Some(lv)))),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if !a.is_empty() && !b.is_empty() => {
            for i in b.len()..a.len() {
                out.push((format!("{at}/{i}"), None));
            }
            for (i, v) in b.iter().enumerate() {
                let p = format!("{at}/{i}");
                match a.get(i) {
                    Some(o) => diff(o, v, &p, out),
                    None => leaves(v, &p, &mut |lp, lv| out.push((lp.to_string(), Some(lv)))),
                }
            }
        }
        _ => {
            // A leaf that stays a leaf keeps its history; a subtree that goes or comes
            // replaces what was there.
            if is_tree(old) || is_tree(new) {
                out.push((at.to_string(), None));
            }
            leaves(new, at, &mut |lp, lv| out.push((lp.to_string(), Some(lv))));
        }
    }
}

/// A non-empty map or list (the others are leaves).
fn is_tree(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// The `values.a.b[0]` chains a template line reads, each with the source of the deepest
/// part that has one (`values` is the merged tree the template saw).
pub fn values_read(line: &str, values: &crate::chart::values::Values) -> Vec<ValueUse> {
    use crate::chart::values::Source;
    static CHAIN: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\bvalues((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\s*(?:"[^"]*"|'[^']*'|\d+)\s*\])+)"#).ok()
    });
    static PART: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*(?:"([^"]*)"|'([^']*)'|(\d+))\s*\]"#).ok()
    });
    let (Some(chain), Some(part)) = (CHAIN.as_ref(), PART.as_ref()) else {
        return Vec::new();
    };
    let mut out: Vec<ValueUse> = Vec::new();
    for m in chain.captures_iter(line) {
        let Some(parts) = m.get(1) else { continue };
        let mut pointer = String::new();
        let mut path = "values".to_string();
        let mut best: Option<(String, &Source)> = None;
        for p in part.captures_iter(parts.as_str()) {
            let Some(key) = p.get(1).or(p.get(2)).or(p.get(3)).or(p.get(4)) else {
                break;
            };
            pointer.push('/');
            pointer.push_str(&pointer_segment(key.as_str()));
            if values.tree.pointer(&pointer).is_none() {
                break;
            }
            path.push_str(p.get(0).map_or("", |w| w.as_str()));
            if let Some(s) = values.source_of(&pointer) {
                best = Some((path.clone(), s));
            }
        }
        let Some((path, source)) = best else { continue };
        let source = match source {
            Source::File(o) => o.to_string(),
            // The flag and the path it sets, never the value (it may be a password).
            Source::Flag { flag, arg } => format!("{flag} {}", arg.split_once('=').map_or(arg.as_str(), |(p, _)| p)),
        };
        if !out.iter().any(|u| u.path == path) {
            out.push(ValueUse { path, source });
        }
    }
    out
}

#[cfg(test)]
mod tests;
