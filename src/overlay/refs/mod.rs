//! Name references: one table of every field that names another object (pod volumes,
//! env and envFrom, imagePullSecrets, serviceAccountName, Ingress backends, RoleBinding
//! subjects, HPA targets, ...). Renames (prefix, suffix, generator hashes) are applied to
//! the referrers through it, and references to names that are neither emitted nor
//! declared external are reported.
//!
//! The table is Kustomize's (`namereference.go`), so an overlay written for Kustomize
//! rewrites the same fields here; projects add rows for custom resources with
//! `nameReferences`. Matching follows Kustomize too: a reference from a namespaced object
//! means an object in the same namespace, unless the field carries its own `namespace`
//! (RoleBinding subjects, webhook services). Berth also reads the `kind`, `apiGroup`,
//! `apiVersion` and `group` written beside a name (an HPA's `scaleTargetRef.kind`, a
//! subject's `kind`) and the `resources` of an RBAC rule, so a reference to a
//! StatefulSet never follows a renamed Deployment of the same name.

mod table;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod walk;

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::Warnings;
use crate::manifest::parallel::{self, Threads};
use crate::manifest::{CLUSTER_SCOPED, Object};
use table::{Check, In, POD_SPECS, ROWS};
use walk::{Site, segments, visit, visit_mut};

/// A field that may name an object: in objects of `kind` (any kind when `None`), at the
/// Kustomize-style `path` (`spec/template/spec/volumes/configMap/name`; list items are
/// walked through).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSpec {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub path: String,
    /// Names here that match nothing rendered are not reported (built-in rows whose
    /// targets the cluster usually provides); always `false` for a project's rows.
    #[serde(skip)]
    pub unchecked: bool,
}

/// Every field that names objects of one kind (Kustomize's `nameReference` entry; the
/// overlay's `nameReferences` adds entries for custom resources).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NameReference {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: String,
    pub field_specs: Vec<FieldSpec>,
}

/// The built-in table.
pub fn builtin() -> Vec<NameReference> {
    ROWS.iter()
        .map(|row| NameReference {
            group: Some(row.group.to_string()),
            version: None,
            kind: row.kind.to_string(),
            field_specs: row.fields.iter().flat_map(expand).collect(),
        })
        .collect()
}

fn expand(field: &In) -> Vec<FieldSpec> {
    match field {
        In::PodSpec(path, check) => POD_SPECS
            .iter()
            .map(|(kind, spec)| FieldSpec {
                group: None,
                version: None,
                kind: Some((*kind).to_string()),
                path: format!("{spec}/{path}"),
                unchecked: *check == Check::Never,
            })
            .collect(),
        In::Kind {
            group,
            kind,
            path,
            check,
        } => vec![FieldSpec {
            group: group.map(str::to_string),
            version: None,
            kind: Some((*kind).to_string()),
            path: (*path).to_string(),
            unchecked: *check == Check::Never,
        }],
    }
}

/// One object renamed: its kind, group, namespace, old and new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub old: String,
    pub new: String,
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

fn version_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or(api_version, |(_, v)| v)
}

impl FieldSpec {
    /// Whether this field exists in objects like `obj` (by group, version and kind).
    pub fn selects(&self, obj: &Object) -> bool {
        let api = obj.api_version();
        self.kind.as_deref().is_none_or(|k| k == obj.kind())
            && self.group.as_deref().is_none_or(|g| g == group_of(api))
            && self.version.as_deref().is_none_or(|v| v == version_of(api))
    }
}

impl NameReference {
    fn names(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group.as_deref().is_none_or(|g| g == group)
    }
}

/// The empty namespace and `default` are the same place.
fn same_namespace(a: &str, b: &str) -> bool {
    norm(a) == norm(b)
}

fn norm(namespace: &str) -> &str {
    if namespace.is_empty() { "default" } else { namespace }
}

/// Which kinds live outside namespaces: the built-in ones, and custom resources whose CRD
/// is among the objects and says `scope: Cluster`.
pub(crate) struct Scopes {
    custom: Vec<(String, String)>,
}

impl Scopes {
    pub(crate) fn of(objects: &[Object]) -> Self {
        let custom = objects
            .iter()
            .filter(|o| o.kind() == "CustomResourceDefinition")
            .filter(|o| o.value.pointer("/spec/scope").and_then(Value::as_str) == Some("Cluster"))
            .filter_map(|o| {
                let group = o.value.pointer("/spec/group")?.as_str()?;
                let kind = o.value.pointer("/spec/names/kind")?.as_str()?;
                Some((group.to_string(), kind.to_string()))
            })
            .collect();
        Scopes { custom }
    }

    pub(crate) fn cluster(&self, group: &str, kind: &str) -> bool {
        CLUSTER_SCOPED.contains(&kind) || self.custom.iter().any(|(g, k)| g == group && k == kind)
    }
}

/// An object as references see it.
struct Known {
    group: String,
    kind: String,
    namespace: String,
    name: String,
}

impl Known {
    fn of(o: &Object) -> Self {
        Known {
            group: group_of(o.api_version()).to_string(),
            kind: o.kind().to_string(),
            namespace: o.namespace().to_string(),
            name: o.name().to_string(),
        }
    }
}

/// Where a reference may point.
#[derive(Clone, Copy)]
enum Place<'a> {
    Anywhere,
    In(&'a str),
}

impl Place<'_> {
    fn holds(self, namespace: &str) -> bool {
        match self {
            Place::Anywhere => true,
            Place::In(ns) => same_namespace(ns, namespace),
        }
    }
}

/// The referenced kind of a table entry, with what the lookups need to know about it.
#[derive(Clone, Copy)]
struct Target<'a> {
    entry: &'a NameReference,
    group: &'a str,
    cluster: bool,
}

/// The object holding the references.
struct Referrer {
    namespace: String,
    cluster: bool,
}

/// How a reference is written, so a new name goes back in the same place.
#[derive(Clone, Copy)]
enum Slot {
    /// `parent[key]` is the name.
    Scalar,
    /// `parent[key]` is a map with `name` (and maybe `namespace`).
    Map,
    /// `parent[key][i]` is a name.
    ListScalar(usize),
    /// `parent[key][i]` is a map with `name`.
    ListMap(usize),
}

/// One reference found at a field.
struct Ref {
    slot: Slot,
    name: String,
    /// The `namespace` written beside the name, if any.
    namespace: Option<String>,
    optional: bool,
}

impl Ref {
    fn mapping(&self) -> bool {
        matches!(self.slot, Slot::Map | Slot::ListMap(_))
    }

    /// Where the target may live, seen from `referrer`.
    fn place<'a>(&'a self, target: &Target<'_>, referrer: &'a Referrer) -> Place<'a> {
        match self.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => Place::In(ns),
            _ if referrer.cluster || target.cluster => Place::Anywhere,
            // Kustomize lets a RoleBinding subject name a ServiceAccount of any namespace.
            _ if self.mapping() && target.entry.kind == "ServiceAccount" => Place::Anywhere,
            _ => Place::In(&referrer.namespace),
        }
    }
}

fn str_field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// Whether what is written beside a name (`kind`, `apiGroup`, `apiVersion`, `group`)
/// allows it to name `target`.
fn context_allows(ctx: &Map<String, Value>, target: &Target<'_>) -> bool {
    let kind = target.entry.kind.as_str();
    str_field(ctx, "kind").is_none_or(|k| k == kind)
        && str_field(ctx, "apiGroup").is_none_or(|g| g == target.group)
        && str_field(ctx, "group").is_none_or(|g| g == target.group)
        && str_field(ctx, "apiVersion").is_none_or(|v| group_of(v) == target.group)
}

/// Whether an RBAC rule's `resources` (beside `resourceNames`) cover the target's kind.
fn rule_allows(rule: &Map<String, Value>, target: &Target<'_>) -> bool {
    let Some(resources) = rule.get("resources").and_then(Value::as_array) else {
        return true;
    };
    let plural = format!("{}s", target.entry.kind.to_lowercase());
    resources
        .iter()
        .filter_map(Value::as_str)
        .any(|r| r == "*" || r.split('/').next() == Some(plural.as_str()))
}

fn map_ref(map: &Map<String, Value>, slot: Slot, target: &Target<'_>) -> Option<Ref> {
    if !context_allows(map, target) {
        return None;
    }
    Some(Ref {
        slot,
        name: str_field(map, "name")?.to_string(),
        namespace: str_field(map, "namespace").map(str::to_string),
        optional: map.get("optional").and_then(Value::as_bool) == Some(true),
    })
}

/// The references to `target` at `parent[key]`.
fn refs_at(parent: &Map<String, Value>, key: &str, at_root: bool, target: &Target<'_>) -> Vec<Ref> {
    let ctx = (!at_root).then_some(parent);
    match parent.get(key) {
        Some(Value::String(name)) => {
            if ctx.is_some_and(|c| !context_allows(c, target)) {
                return Vec::new();
            }
            vec![Ref {
                slot: Slot::Scalar,
                name: name.clone(),
                namespace: ctx.and_then(|c| str_field(c, "namespace")).map(str::to_string),
                optional: ctx.and_then(|c| c.get("optional")).and_then(Value::as_bool) == Some(true),
            }]
        }
        Some(Value::Object(map)) => map_ref(map, Slot::Map, target).into_iter().collect(),
        Some(Value::Array(items)) => {
            if ctx.is_some_and(|c| !rule_allows(c, target)) {
                return Vec::new();
            }
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match item {
                    Value::String(name) => Some(Ref {
                        slot: Slot::ListScalar(i),
                        name: name.clone(),
                        namespace: None,
                        optional: false,
                    }),
                    Value::Object(map) => map_ref(map, Slot::ListMap(i), target),
                    _ => None,
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Writes the new name (and, in a map that names its namespace, the target's namespace,
/// as Kustomize does) back where the reference was read.
fn write(parent: &mut Map<String, Value>, key: &str, slot: Slot, name: &str, namespace: &str) {
    let set_map = |map: &mut Map<String, Value>| {
        map.insert("name".into(), Value::String(name.to_string()));
        if !namespace.is_empty() {
            map.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    };
    let Some(value) = parent.get_mut(key) else { return };
    match (slot, value) {
        (Slot::Scalar, v) => *v = Value::String(name.to_string()),
        (Slot::Map, Value::Object(map)) => set_map(map),
        (Slot::ListScalar(i), Value::Array(items)) => {
            if let Some(v) = items.get_mut(i) {
                *v = Value::String(name.to_string());
            }
        }
        (Slot::ListMap(i), Value::Array(items)) => {
            if let Some(Value::Object(map)) = items.get_mut(i) {
                set_map(map);
            }
        }
        _ => {}
    }
}

/// Known objects by name: a reference looks up the objects of its name, not all of them.
type ByName = HashMap<String, Vec<Known>>;

fn by_name(known: impl Iterator<Item = Known>) -> ByName {
    let mut index = ByName::new();
    for k in known {
        index.entry(k.name.clone()).or_default().push(k);
    }
    index
}

/// The renames of one step and the objects it left alone, to resolve references with.
struct Resolver<'a> {
    /// The renames by old name, each list in the order of the step.
    renames: HashMap<&'a str, Vec<&'a Rename>>,
    unrenamed: ByName,
}

impl<'a> Resolver<'a> {
    fn new(objects: &[Object], renames: &'a [Rename]) -> Self {
        let renamed: HashSet<(&str, &str, &str, &str)> = renames
            .iter()
            .map(|r| (r.kind.as_str(), r.group.as_str(), r.new.as_str(), norm(&r.namespace)))
            .collect();
        let unrenamed =
            by_name(objects.iter().map(Known::of).filter(|k| {
                !renamed.contains(&(k.kind.as_str(), k.group.as_str(), k.name.as_str(), norm(&k.namespace)))
            }));
        let mut by_old: HashMap<&str, Vec<&Rename>> = HashMap::new();
        for r in renames {
            by_old.entry(r.old.as_str()).or_default().push(r);
        }
        Resolver {
            renames: by_old,
            unrenamed,
        }
    }

    /// The new name and namespace of what `name` refers to, when a rename makes it
    /// unambiguous; `None` when nothing it may mean was renamed, or when candidates
    /// disagree (Kustomize stops there with an error; berth leaves the name alone).
    fn resolve(&self, target: &Target<'_>, name: &str, place: Place<'_>, mapping: bool) -> Option<(&str, &str)> {
        let entry = target.entry;
        let mut renamed = self
            .renames
            .get(name)?
            .iter()
            .filter(|r| entry.names(&r.group, &r.kind) && place.holds(&r.namespace))
            .map(|r| (r.new.as_str(), r.namespace.as_str()));
        let (first_name, first_ns) = renamed.next()?;
        let unrenamed = self
            .unrenamed
            .get(name)
            .into_iter()
            .flatten()
            .filter(|k| entry.names(&k.group, &k.kind) && place.holds(&k.namespace))
            .map(|k| (k.name.as_str(), k.namespace.as_str()));
        let agree = renamed
            .chain(unrenamed)
            .all(|(n, ns)| n == first_name && (!mapping || same_namespace(ns, first_ns)));
        agree.then_some((first_name, first_ns))
    }
}

/// One field of the table, its path parsed and what it names settled.
struct Field<'a> {
    spec: &'a FieldSpec,
    segs: Vec<walk::Seg>,
    target: Target<'a>,
}

/// The fields of a table in table order, and which of them each kind of referrer may
/// hold: an object is walked only at the fields of its kind, instead of testing every
/// field of the table against every object.
struct Fields<'a> {
    all: Vec<Field<'a>>,
    /// Per kind some field names: the positions of that kind's fields and of the fields
    /// of any kind, in table order (the order rewrites happen in).
    by_kind: HashMap<&'a str, Vec<usize>>,
    /// The positions of the fields of any kind, for every other kind.
    any_kind: Vec<usize>,
}

impl<'a> Fields<'a> {
    fn new<'t: 'a>(entries: impl Iterator<Item = &'t NameReference>, scopes: &Scopes) -> Self {
        let mut all = Vec::new();
        for entry in entries {
            let group = entry.group.as_deref().unwrap_or("");
            let target = Target {
                entry,
                group,
                cluster: scopes.cluster(group, &entry.kind),
            };
            for spec in &entry.field_specs {
                all.push(Field {
                    spec,
                    segs: segments(&spec.path),
                    target,
                });
            }
        }
        let positions = |kind: Option<&str>| -> Vec<usize> {
            all.iter()
                .enumerate()
                .filter(|(_, f)| f.spec.kind.as_deref().is_none_or(|k| Some(k) == kind))
                .map(|(i, _)| i)
                .collect()
        };
        let by_kind = all
            .iter()
            .filter_map(|f| f.spec.kind.as_deref())
            .map(|k| (k, positions(Some(k))))
            .collect();
        let any_kind = positions(None);
        Fields { all, by_kind, any_kind }
    }

    /// The fields objects of `kind` may hold, in table order; `Field::spec.selects` says
    /// whether one object's group and version hold it.
    fn of_kind<'s>(&'s self, kind: &str) -> impl Iterator<Item = &'s Field<'a>> + use<'s, 'a> {
        self.by_kind
            .get(kind)
            .unwrap_or(&self.any_kind)
            .iter()
            .filter_map(|&i| self.all.get(i))
    }
}

fn referrer(o: &Object, scopes: &Scopes) -> Referrer {
    Referrer {
        namespace: o.namespace().to_string(),
        cluster: scopes.cluster(group_of(o.api_version()), o.kind()),
    }
}

/// Rewrites every reference to a renamed object, through `table`. `renames` are the
/// renames of one step (a prefix and suffix, or the generators' hashes): call once per
/// step, after the objects themselves carry their new names.
pub fn apply(objects: &mut [Object], renames: &[Rename], table: &[NameReference]) {
    apply_parallel(objects, renames, table, Threads::ONE);
}

/// `apply`, the objects rewritten on `threads` threads (the result is the same).
pub fn apply_parallel(objects: &mut [Object], renames: &[Rename], table: &[NameReference], threads: Threads) {
    if renames.is_empty() {
        return;
    }
    let scopes = Scopes::of(objects);
    let resolver = Resolver::new(objects, renames);
    let renamed_kinds: BTreeSet<(&str, &str)> = renames.iter().map(|r| (r.group.as_str(), r.kind.as_str())).collect();
    let entries = table
        .iter()
        .filter(|entry| renamed_kinds.iter().any(|(group, kind)| entry.names(group, kind)));
    let fields = Fields::new(entries, &scopes);
    parallel::map_mut(threads, objects, |obj| rewrite(obj, &fields, &resolver, &scopes));
}

/// Rewrites the references of one object.
fn rewrite(obj: &mut Object, fields: &Fields<'_>, resolver: &Resolver<'_>, scopes: &Scopes) {
    let referrer = referrer(obj, scopes);
    for field in fields.of_kind(obj.kind()) {
        if !field.spec.selects(obj) {
            continue;
        }
        let target = &field.target;
        visit_mut(&mut obj.value, &field.segs, false, &mut |site| {
            for r in refs_at(site.parent, site.key, site.at_root, target) {
                let place = r.place(target, &referrer);
                if let Some((name, ns)) = resolver.resolve(target, &r.name, place, r.mapping()) {
                    let ns = if r.mapping() && !target.cluster { ns } else { "" };
                    write(site.parent, site.key, r.slot, name, ns);
                }
            }
        });
    }
}

/// An entry of an overlay's `external` list: `Kind/name` or `Kind/namespace/name`.
struct External<'a> {
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

impl<'a> External<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.split('/');
        let (first, second, third, rest) = (parts.next()?, parts.next()?, parts.next(), parts.next());
        match (third, rest) {
            (None, _) => Some(External {
                kind: first,
                namespace: None,
                name: second,
            }),
            (Some(name), None) => Some(External {
                kind: first,
                namespace: Some(second),
                name,
            }),
            _ => None,
        }
    }

    fn covers(&self, kind: &str, name: &str, place: Place<'_>) -> bool {
        self.kind == kind && self.name == name && self.namespace.is_none_or(|ns| place.holds(ns))
    }
}

/// What `dangling` checks references against.
struct Lookup<'a> {
    known: ByName,
    external: Vec<External<'a>>,
}

/// Warns about references (through `table`) to objects that are neither among `objects`
/// nor listed in `external` (`Kind/name` or `Kind/namespace/name`). Optional references
/// (`optional: true`) and the `default` ServiceAccount are never reported, nor fields the
/// built-in table marks `unchecked`. Call it on the final objects, namespaces set.
pub fn dangling(
    objects: &[Object],
    table: &[NameReference],
    external: &[String],
    threads: Threads,
    warnings: &mut Warnings,
) {
    let scopes = Scopes::of(objects);
    let fields = Fields::new(table.iter(), &scopes);
    let known = Lookup {
        known: by_name(objects.iter().map(Known::of)),
        external: external.iter().filter_map(|e| External::parse(e)).collect(),
    };
    // Each object's warnings on any thread, put together in the objects' order.
    let found = parallel::map(threads, objects, |obj| {
        let mut found = Warnings::default();
        let referrer = referrer(obj, &scopes);
        for field in fields.of_kind(obj.kind()) {
            if field.spec.unchecked || !field.spec.selects(obj) {
                continue;
            }
            visit(&obj.value, &field.segs, &mut |site| {
                check_site(obj, &site, &field.target, &referrer, &known, &mut found);
            });
        }
        found
    });
    for f in found {
        warnings.extend(f);
    }
}

fn check_site(
    obj: &Object,
    site: &Site<'_>,
    target: &Target<'_>,
    referrer: &Referrer,
    known: &Lookup<'_>,
    warnings: &mut Warnings,
) {
    let kind = target.entry.kind.as_str();
    for r in refs_at(site.parent, site.key, site.at_root, target) {
        // `namespace/name` (ingress-nginx annotations) names another namespace.
        if r.optional || r.name.is_empty() || r.name.contains('/') {
            continue;
        }
        if kind == "ServiceAccount" && r.name == "default" {
            continue;
        }
        let place = r.place(target, referrer);
        let found = known
            .known
            .get(&r.name)
            .into_iter()
            .flatten()
            .any(|k| target.entry.names(&k.group, &k.kind) && place.holds(&k.namespace));
        if found || known.external.iter().any(|e| e.covers(kind, &r.name, place)) {
            continue;
        }
        let location = match r.slot {
            Slot::ListScalar(i) | Slot::ListMap(i) => format!("{}[{i}]", site.location),
            Slot::Scalar | Slot::Map => site.location.to_string(),
        };
        let wanted = match place {
            Place::In(ns) if !ns.is_empty() => format!("{kind}/{ns}/{}", r.name),
            _ => format!("{kind}/{}", r.name),
        };
        warnings.push(
            obj.origin.clone(),
            "dangling-reference",
            format!(
                "{} refers to {kind} `{}` at `{location}`, which is neither rendered nor declared external",
                obj.id(),
                r.name
            ),
            Some(format!(
                "render a {kind} named `{}`, correct the name, or declare `{wanted}` external if it is created outside this render",
                r.name
            )),
        );
    }
}

#[cfg(test)]
mod tests;
