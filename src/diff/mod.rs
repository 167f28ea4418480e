//! A semantic diff of two renders, for `berth diff`: which objects were added, removed
//! or changed, and in a changed object which fields, ignoring what does not change the
//! cluster's state (map key order, the order of a list whose items have a merge key).
//!
//! Objects match by API group, kind, namespace and name (the version may change, and then
//! shows as an `apiVersion` field change). Two environments of one application usually
//! differ in their namespace only by name (`shop-dev`, `shop-prod`): when each side puts
//! every namespaced object in one namespace and the two differ, the sides are matched as
//! if they were the same namespace (see [`Options::exact_namespaces`]).
//!
//! Lists compare the way the API server merges them: a list the vendored schemas give a
//! merge key (`containers` by `name`, `ports` by `containerPort`, ...) compares item by
//! item by key, so a permutation is equal; a list of scalars merged as a set
//! (`finalizers`) compares as a set; any other list compares by index. The values of a
//! Secret's `data` and `stringData` are never shown, only that they changed.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::validate::Definitions;

/// How to compare.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Kubernetes minor version whose schemas give the lists' merge keys.
    pub kube_version: String,
    /// Match objects by their namespace as written even when the two sides' namespaces
    /// differ uniformly (each side one namespace): then every object of a renamed
    /// namespace is removed on one side and added on the other.
    pub exact_namespaces: bool,
}

/// The identity an object is matched by, with what is shown of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl Id {
    fn of(v: &Value) -> Id {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
        Id {
            api_version: s("/apiVersion"),
            kind: s("/kind"),
            namespace: s("/metadata/namespace"),
            name: s("/metadata/name"),
        }
    }

    fn group(&self) -> &str {
        self.api_version.split_once('/').map_or("", |(g, _)| g)
    }

    /// `Kind/namespace/name`, or `Kind/name`; `hide` is a namespace left out (the one
    /// both sides were matched in).
    fn shown(&self, hide: Option<&str>) -> String {
        if self.namespace.is_empty() || Some(self.namespace.as_str()) == hide {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// A value as the report shows it: itself, or hidden (a Secret's data).
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Value(Value),
    Redacted,
}

impl Shown {
    fn text(&self) -> String {
        match self {
            Shown::Value(v) => v.to_string(),
            Shown::Redacted => "<redacted>".into(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Shown::Value(v) => v.clone(),
            Shown::Redacted => Value::String("<redacted>".into()),
        }
    }
}

/// One field that differs, at a path such as `spec.template.spec.containers[name=web].image`.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub path: String,
    pub change: FieldChange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldChange {
    Added(Shown),
    Removed(Shown),
    /// Old and new; both redacted for a Secret's data (then only "it changed" is known).
    Changed(Shown, Shown),
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectChange {
    Added(Id),
    Removed(Id),
    Changed(Id, Vec<Field>),
}

/// The difference between two renders.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// The namespaces the two sides were matched across (left, right), when they differed
    /// uniformly.
    pub namespaces: Option<(String, String)>,
    /// Changed and removed objects in the left side's order, then added ones in the right
    /// side's order.
    pub objects: Vec<ObjectChange>,
    /// Objects present on both sides and equal.
    pub unchanged: usize,
}

impl Report {
    pub fn is_equal(&self) -> bool {
        self.objects.is_empty()
    }

    /// (changed, added, removed).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&ObjectChange) -> bool| self.objects.iter().filter(|o| f(o)).count();
        (
            count(|o| matches!(o, ObjectChange::Changed(..))),
            count(|o| matches!(o, ObjectChange::Added(_))),
            count(|o| matches!(o, ObjectChange::Removed(_))),
        )
    }

    /// `3 objects changed, 1 added, 0 removed (42 unchanged)`.
    pub fn summary(&self) -> String {
        let (changed, added, removed) = self.counts();
        let noun = if changed == 1 { "object" } else { "objects" };
        format!(
            "{changed} {noun} changed, {added} added, {removed} removed ({} unchanged)",
            self.unchanged
        )
    }

    /// The report as text: one line per object (`~`, `+`, `-`), the changed fields of a
    /// changed object indented under it, then the summary.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let hide = self.namespaces.as_ref().map(|(l, _)| l.as_str());
        if let Some((left, right)) = &self.namespaces {
            out.push_str(&format!(
                "namespace {left} -> {right}: objects matched by kind and name\n"
            ));
        }
        for o in &self.objects {
            match o {
                ObjectChange::Added(id) => {
                    let hide = self.namespaces.as_ref().map(|(_, r)| r.as_str());
                    out.push_str(&format!("+ {}\n", id.shown(hide)));
                }
                ObjectChange::Removed(id) => out.push_str(&format!("- {}\n", id.shown(hide))),
                ObjectChange::Changed(id, fields) => {
                    out.push_str(&format!("~ {}\n", id.shown(hide)));
                    for f in fields {
                        let line = match &f.change {
                            FieldChange::Changed(Shown::Redacted, Shown::Redacted) => {
                                format!("  {}: <changed>", f.path)
                            }
                            FieldChange::Changed(a, b) => format!("  {}: {} -> {}", f.path, a.text(), b.text()),
                            FieldChange::Added(v) => format!("  + {}: {}", f.path, v.text()),
                            FieldChange::Removed(v) => format!("  - {}: {}", f.path, v.text()),
                        };
                        out.push_str(&line);
                        out.push('\n');
                    }
                }
            }
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// The report as one JSON document.
    pub fn to_json(&self) -> Value {
        let id = |id: &Id| {
            json!({
                "apiVersion": id.api_version,
                "kind": id.kind,
                "namespace": id.namespace,
                "name": id.name,
            })
        };
        let objects: Vec<Value> = self
            .objects
            .iter()
            .map(|o| {
                let (change, ident, fields) = match o {
                    ObjectChange::Added(i) => ("added", i, None),
                    ObjectChange::Removed(i) => ("removed", i, None),
                    ObjectChange::Changed(i, f) => ("changed", i, Some(f)),
                };
                let mut v = json!({"change": change});
                if let (Some(m), Value::Object(i)) = (v.as_object_mut(), id(ident)) {
                    m.extend(i);
                    if let Some(fields) = fields {
                        m.insert("fields".into(), fields.iter().map(field_json).collect());
                    }
                }
                v
            })
            .collect();
        let (changed, added, removed) = self.counts();
        json!({
            "equal": self.is_equal(),
            "namespaces": self.namespaces.as_ref().map(|(l, r)| json!({"left": l, "right": r})),
            "objects": objects,
            "summary": {"changed": changed, "added": added, "removed": removed, "unchanged": self.unchanged},
        })
    }
}

fn field_json(f: &Field) -> Value {
    match &f.change {
        FieldChange::Added(v) => json!({"path": f.path, "change": "added", "new": v.json()}),
        FieldChange::Removed(v) => json!({"path": f.path, "change": "removed", "old": v.json()}),
        FieldChange::Changed(a, b) => json!({"path": f.path, "change": "changed", "old": a.json(), "new": b.json()}),
    }
}

/// Compares two renders (their objects, in their own orders).
pub fn diff(left: &[Value], right: &[Value], opts: &Options) -> Report {
    let namespaces = if opts.exact_namespaces {
        None
    } else {
        uniform_namespaces(left, right)
    };
    // The right side's objects seen as if they were in the left side's namespace.
    let right: Vec<Value> = match &namespaces {
        Some((l, r)) => right.iter().map(|o| renamed(o, r, l)).collect(),
        None => right.to_vec(),
    };
    let key = |v: &Value| {
        let id = Id::of(v);
        (
            id.group().to_string(),
            id.kind.clone(),
            id.namespace.clone(),
            id.name.clone(),
        )
    };
    let mut by_key: HashMap<_, usize> = HashMap::new();
    for (i, o) in right.iter().enumerate() {
        by_key.entry(key(o)).or_insert(i);
    }
    let schemas = Schemas::new(&opts.kube_version);
    let mut matched = vec![false; right.len()];
    let mut report = Report {
        namespaces: namespaces.clone(),
        ..Report::default()
    };
    for l in left {
        let found = by_key
            .get(&key(l))
            .copied()
            .filter(|i| !matched.get(*i).copied().unwrap_or(true));
        let Some(i) = found else {
            report.objects.push(ObjectChange::Removed(Id::of(l)));
            continue;
        };
        if let Some(m) = matched.get_mut(i) {
            *m = true;
        }
        let Some(r) = right.get(i) else { continue };
        let fields = object_fields(l, r, &schemas);
        if fields.is_empty() {
            report.unchanged += 1;
        } else {
            report.objects.push(ObjectChange::Changed(Id::of(l), fields));
        }
    }
    for (i, r) in right.iter().enumerate() {
        if !matched.get(i).copied().unwrap_or(false) {
            let mut id = Id::of(r);
            // Shown as the right side wrote it.
            if let Some((l, rn)) = &namespaces {
                if id.namespace == *l {
                    id.namespace = rn.clone();
                }
                if id.kind == "Namespace" && id.name == *l {
                    id.name = rn.clone();
                }
            }
            report.objects.push(ObjectChange::Added(id));
        }
    }
    report
}

/// The one namespace of each side's namespaced objects, when each has exactly one and
/// they differ.
fn uniform_namespaces(left: &[Value], right: &[Value]) -> Option<(String, String)> {
    let one = |objs: &[Value]| {
        let mut found: Option<&str> = None;
        for o in objs {
            let ns = o.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("");
            if ns.is_empty() {
                continue;
            }
            match found {
                None => found = Some(ns),
                Some(f) if f == ns => {}
                Some(_) => return None,
            }
        }
        found.map(str::to_string)
    };
    let (l, r) = (one(left)?, one(right)?);
    (l != r).then_some((l, r))
}

/// `o` with namespace `from` renamed `to`: its own namespace, and its name when it is
/// that Namespace.
fn renamed(o: &Value, from: &str, to: &str) -> Value {
    let mut o = o.clone();
    let is_ns_object = o.get("kind").and_then(Value::as_str) == Some("Namespace");
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        let slot = if is_ns_object { "name" } else { "namespace" };
        if meta.get(slot).and_then(Value::as_str) == Some(from) {
            meta.insert(slot.into(), Value::String(to.into()));
        }
    }
    o
}

/// The fields that differ between two versions of one object.
pub fn object_fields(left: &Value, right: &Value, schemas: &Schemas) -> Vec<Field> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let secret = s(left, "kind") == "Secret" && s(left, "apiVersion") == "v1";
    let here = schemas.root(&s(left, "apiVersion"), &s(left, "kind"));
    let mut walk = Walk {
        schemas,
        secret,
        out: Vec::new(),
    };
    walk.value(left, right, "", &here, false);
    walk.out
}

struct Walk<'s> {
    schemas: &'s Schemas,
    secret: bool,
    out: Vec<Field>,
}

impl Walk<'_> {
    fn shown(v: &Value, redact: bool) -> Shown {
        if redact {
            Shown::Redacted
        } else {
            Shown::Value(v.clone())
        }
    }

    fn push(&mut self, path: &str, change: FieldChange) {
        self.out.push(Field {
            path: path.to_string(),
            change,
        });
    }

    fn value(&mut self, a: &Value, b: &Value, path: &str, here: &Here, redact: bool) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => self.map(x, y, path, here, redact),
            (Value::Array(x), Value::Array(y)) => self.list(x, y, path, here, redact),
            _ if a == b => {}
            _ => self.push(
                path,
                FieldChange::Changed(Self::shown(a, redact), Self::shown(b, redact)),
            ),
        }
    }

    fn map(&mut self, a: &Map<String, Value>, b: &Map<String, Value>, path: &str, here: &Here, redact: bool) {
        for (k, va) in a {
            let p = join_key(path, k);
            // A Secret's data: keys are shown, values never.
            let redact = redact || (self.secret && path.is_empty() && (k == "data" || k == "stringData"));
            match b.get(k) {
                Some(vb) => {
                    let h = self.schemas.field(here, k);
                    self.value(va, vb, &p, &h, redact);
                }
                None => self.push(&p, FieldChange::Removed(Self::shown(va, redact))),
            }
        }
        for (k, vb) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
            let redact = redact || (self.secret && path.is_empty() && (k == "data" || k == "stringData"));
            self.push(&join_key(path, k), FieldChange::Added(Self::shown(vb, redact)));
        }
    }

    fn list(&mut self, a: &[Value], b: &[Value], path: &str, here: &Here, redact: bool) {
        let item = self.schemas.item(here);
        match self.schemas.list_kind(here) {
            ListKind::Keyed(keys) => {
                if let (Some(ka), Some(kb)) = (item_keys(a, &keys), item_keys(b, &keys)) {
                    self.keyed(a, b, &ka, &kb, path, &item, redact);
                    return;
                }
            }
            ListKind::Set => {
                if !same_multiset(a, b) {
                    let whole = |l: &[Value]| Self::shown(&Value::Array(l.to_vec()), redact);
                    self.push(path, FieldChange::Changed(whole(a), whole(b)));
                }
                return;
            }
            ListKind::Ordered => {}
        }
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            self.value(x, y, &format!("{path}[{i}]"), &item, redact);
        }
        for (i, x) in a.iter().enumerate().skip(b.len()) {
            self.push(&format!("{path}[{i}]"), FieldChange::Removed(Self::shown(x, redact)));
        }
        for (i, y) in b.iter().enumerate().skip(a.len()) {
            self.push(&format!("{path}[{i}]"), FieldChange::Added(Self::shown(y, redact)));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn keyed(&mut self, a: &[Value], b: &[Value], ka: &[String], kb: &[String], path: &str, item: &Here, redact: bool) {
        for (x, k) in a.iter().zip(ka) {
            let p = format!("{path}[{k}]");
            match kb.iter().position(|o| o == k).and_then(|i| b.get(i)) {
                Some(y) => self.value(x, y, &p, item, redact),
                None => self.push(&p, FieldChange::Removed(Self::shown(x, redact))),
            }
        }
        for (y, k) in b.iter().zip(kb).filter(|(_, k)| !ka.contains(k)) {
            self.push(&format!("{path}[{k}]"), FieldChange::Added(Self::shown(y, redact)));
        }
    }
}

/// The key of every item (`name=web`, `containerPort=53,protocol=UDP`), when every item
/// is a map holding the first key field and no two items share a key; else `None` and the
/// list compares by index.
fn item_keys(items: &[Value], keys: &[&str]) -> Option<Vec<String>> {
    let first = keys.first()?;
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let m = it.as_object()?;
        m.get(*first)?;
        let parts: Vec<String> = keys
            .iter()
            .filter_map(|k| m.get(*k).map(|v| format!("{k}={}", scalar_text(v))))
            .collect();
        let key = parts.join(",");
        if out.contains(&key) {
            return None;
        }
        out.push(key);
    }
    Some(out)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn same_multiset(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut rest: Vec<&Value> = b.iter().collect();
    a.iter().all(|x| match rest.iter().position(|y| *y == x) {
        Some(i) => {
            rest.swap_remove(i);
            true
        }
        None => false,
    })
}

/// `path.key`, or `path["odd key"]` for a key that is not a plain word.
fn join_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, path.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

/// How a list compares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ListKind {
    /// Item by item by these key fields (the merge key first); order does not matter.
    Keyed(Vec<&'static str>),
    /// As a set of scalars; order does not matter.
    Set,
    /// By index.
    Ordered,
}

/// The vendored schemas of one Kubernetes version, for the lists' merge keys.
pub struct Schemas {
    defs: Definitions,
}

/// Where the walk is in the schemas: the property as its parent declares it (where the
/// patch annotations are) and its schema, `$ref` resolved. `None` when not described.
#[derive(Debug, Clone, Copy, Default)]
pub struct Here {
    declared: Option<&'static Value>,
    schema: Option<&'static Value>,
}

impl Schemas {
    pub fn new(kube_version: &str) -> Self {
        Schemas {
            defs: Definitions::of(kube_version),
        }
    }

    fn root(&self, api_version: &str, kind: &str) -> Here {
        Here {
            declared: None,
            schema: self.defs.of_kind(api_version, kind),
        }
    }

    fn field(&self, here: &Here, key: &str) -> Here {
        let declared = here.schema.and_then(|s| {
            s.get("properties")
                .and_then(|p| p.get(key))
                .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
        });
        Here {
            declared,
            schema: declared.map(|d| self.defs.resolve(d)),
        }
    }

    fn item(&self, here: &Here) -> Here {
        let declared = here.schema.and_then(|s| s.get("items"));
        Here {
            declared,
            schema: declared.map(|d| self.defs.resolve(d)),
        }
    }

    /// An annotation of the property, looked up where the parent declares it first.
    fn annotation(&self, here: &Here, name: &str) -> Option<&'static Value> {
        here.declared
            .and_then(|d| d.get(name))
            .or_else(|| here.schema.and_then(|s| s.get(name)))
    }

    fn list_kind(&self, here: &Here) -> ListKind {
        let text = |name: &str| self.annotation(here, name).and_then(Value::as_str);
        let merge = text("x-kubernetes-patch-strategy").is_some_and(|s| s.split(',').any(|s| s.trim() == "merge"));
        let map_keys: Vec<&'static str> = self
            .annotation(here, "x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let merge_key = text("x-kubernetes-patch-merge-key").filter(|_| merge);
        match (merge_key, text("x-kubernetes-list-type")) {
            (Some(key), _) => {
                let mut keys = vec![key];
                keys.extend(map_keys.into_iter().filter(|k| *k != key));
                ListKind::Keyed(keys)
            }
            (None, Some("map")) if !map_keys.is_empty() => ListKind::Keyed(map_keys),
            (None, Some("set")) => ListKind::Set,
            (None, _) if merge => ListKind::Set,
            _ => ListKind::Ordered,
        }
    }
}

#[cfg(test)]
mod tests;
