//! Transformers over all objects: namespace, name prefix and suffix, labels (with or
//! without selectors), annotations, images and replica counts, with Kustomize's field
//! lists (kustomize v5.5), so an overlay written for Kustomize means the same here.
//!
//! Where berth departs from Kustomize it is on purpose and listed in the book: the
//! namespace transformer leaves cluster-scoped custom resources alone when their CRD is
//! rendered with them, and does not give a local APIService (one without `spec.service`)
//! a service; label and annotation values that are numbers or booleans are written as
//! strings instead of being refused.

mod fields;
mod images;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::refs::{Rename, Scopes, group_of};
use crate::manifest::Object;
use crate::manifest::parallel::{self, Threads};

pub use images::{Image, images, rewrite, running};

/// Sets the namespace of every namespaced object, renames `Namespace` objects to it, and
/// moves the ServiceAccount subjects of (Cluster)RoleBindings that named no namespace,
/// `default`, or the old namespace of a ServiceAccount that moves with this render.
/// Overrides namespaces already set, as Kustomize does.
pub fn namespace(objects: &mut [Object], namespace: &str, threads: Threads) {
    let scopes = Scopes::of(objects);
    let moving: Vec<(String, String)> = objects
        .iter()
        .filter(|o| o.kind() == "ServiceAccount")
        .map(|o| (o.name().to_string(), o.namespace().to_string()))
        .collect();
    parallel::map_mut(threads, objects, |obj| {
        let group = group_of(obj.api_version()).to_string();
        let kind = obj.kind().to_string();
        if kind == "Namespace" {
            if let Some(meta) = obj.value.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("name".into(), Value::String(namespace.to_string()));
            }
            return;
        }
        if !scopes.cluster(&group, &kind) {
            set_metadata_namespace(&mut obj.value, namespace);
        }
        match (group.as_str(), kind.as_str()) {
            (_, "RoleBinding" | "ClusterRoleBinding") => {
                move_subjects(&mut obj.value, namespace, &moving);
            }
            ("apiregistration.k8s.io", "APIService") => {
                if let Some(service) = obj.value.pointer_mut("/spec/service").and_then(Value::as_object_mut) {
                    service.insert("namespace".into(), Value::String(namespace.to_string()));
                }
            }
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                let at = "/spec/conversion/webhook/clientConfig/service/namespace";
                if let Some(ns) = obj.value.pointer_mut(at) {
                    *ns = Value::String(namespace.to_string());
                }
            }
            _ => {}
        }
    });
}

fn set_metadata_namespace(value: &mut Value, namespace: &str) {
    let Some(obj) = value.as_object_mut() else { return };
    let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else { return };
    let ns = Value::String(namespace.to_string());
    if let Some(slot) = meta.get_mut("namespace") {
        *slot = ns;
    } else {
        // Beside the name, where people look for it.
        let at = meta.keys().position(|k| k == "name").map_or(0, |i| i + 1);
        meta.shift_insert(at, "namespace".into(), ns);
    }
}

fn move_subjects(binding: &mut Value, namespace: &str, moving: &[(String, String)]) {
    let Some(subjects) = binding.get_mut("subjects").and_then(Value::as_array_mut) else {
        return;
    };
    for subject in subjects.iter_mut().filter_map(Value::as_object_mut) {
        if subject.get("kind").and_then(Value::as_str) != Some("ServiceAccount") {
            continue;
        }
        let name = subject.get("name").and_then(Value::as_str).unwrap_or("");
        let current = subject.get("namespace").and_then(Value::as_str).unwrap_or("");
        let follows =
            current.is_empty() || current == "default" || moving.iter().any(|(n, ns)| n == name && ns == current);
        if follows {
            subject.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
}

/// Kinds whose names a prefix or suffix never changes (Kustomize's list): their names
/// are fixed by what they describe (`widgets.example.com`, `v1.metrics.k8s.io`) or by
/// the namespace transformer.
fn keeps_name(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (_, "CustomResourceDefinition" | "Namespace") | ("apiregistration.k8s.io", "APIService")
    )
}

/// Adds `prefix` and `suffix` to the names of objects (not Namespaces, CRDs or
/// APIServices); returns the renames for `refs::apply`.
pub fn affix(objects: &mut [Object], prefix: &str, suffix: &str, threads: Threads) -> Vec<Rename> {
    if prefix.is_empty() && suffix.is_empty() {
        return Vec::new();
    }
    let renames = parallel::map_mut(threads, objects, |obj| {
        let group = group_of(obj.api_version()).to_string();
        let kind = obj.kind().to_string();
        let old = obj.name().to_string();
        if old.is_empty() || keeps_name(&group, &kind) {
            return None;
        }
        let new = format!("{prefix}{old}{suffix}");
        if let Some(name) = obj.value.pointer_mut("/metadata/name") {
            *name = Value::String(new.clone());
        }
        Some(Rename {
            group,
            kind,
            namespace: obj.namespace().to_string(),
            old,
            new,
        })
    });
    renames.into_iter().flatten().collect()
}

/// Kustomize's `labels` entry: `pairs`, also into selectors when `include_selectors`, and
/// into pod templates when `include_templates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Labels {
    pub pairs: Map<String, Value>,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
}

/// Adds labels to every object; with `include_selectors` also to pod templates, claim
/// templates and selectors (Kustomize's `commonLabels` fields), with `include_templates`
/// to templates only.
pub fn labels(objects: &mut [Object], labels: &Labels, threads: Threads) {
    let pairs = stringified(&labels.pairs);
    let mut specs = vec![fields::parsed(fields::METADATA)];
    if labels.include_selectors || labels.include_templates {
        specs.push(fields::parsed(fields::TEMPLATE_LABELS));
    }
    if labels.include_selectors {
        specs.push(fields::parsed(fields::SELECTORS));
    }
    parallel::map_mut(threads, objects, |obj| {
        for s in &specs {
            fields::set_pairs(obj, s, &pairs);
        }
    });
}

/// Adds annotations to every object and to the pod templates of workloads
/// (Kustomize's `commonAnnotations`).
pub fn annotations(objects: &mut [Object], annotations: &Map<String, Value>, threads: Threads) {
    let pairs = stringified(annotations);
    let specs = fields::parsed(fields::ANNOTATIONS);
    parallel::map_mut(threads, objects, |obj| fields::set_pairs(obj, &specs, &pairs));
}

/// Labels and annotations are strings; `1` and `true` written unquoted mean `"1"` and
/// `"true"`, and null means the empty string.
pub(crate) fn stringified(pairs: &Map<String, Value>) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k.clone(), Value::String(s))
        })
        .collect()
}

/// Kustomize's `replicas` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replicas {
    pub name: String,
    pub count: u64,
}

/// The kinds whose `spec.replicas` the `replicas` field sets (Kustomize's list).
const SCALABLE: &[&str] = &["Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"];

/// Sets replica counts of the scalable objects with the rule's name (every kind of them
/// that has it); returns the indexes of rules that matched nothing. Names are matched as
/// they are now: run it before prefixes and suffixes so the base's names match, as
/// Kustomize matches them.
pub fn replicas(objects: &mut [Object], rules: &[Replicas], threads: Threads) -> Vec<usize> {
    if rules.is_empty() {
        return Vec::new();
    }
    // Each object takes the rules that name it, in order (the last one wins), and says
    // which those were.
    let hits = parallel::map_mut(threads, objects, |obj| {
        if !SCALABLE.contains(&obj.kind()) {
            return Vec::new();
        }
        let name = obj.name().to_string();
        let mut hits = Vec::new();
        for (i, rule) in rules.iter().enumerate().filter(|(_, r)| r.name == name) {
            let Some(root) = obj.value.as_object_mut() else {
                continue;
            };
            let spec = root.entry("spec").or_insert_with(|| Value::Object(Map::new()));
            if let Some(spec) = spec.as_object_mut() {
                spec.insert("replicas".into(), Value::from(rule.count));
                hits.push(i);
            }
        }
        hits
    });
    unused(rules.len(), hits)
}

/// The indexes below `rules` that no object's hits name.
fn unused(rules: usize, hits: Vec<Vec<usize>>) -> Vec<usize> {
    let mut used = vec![false; rules];
    for i in hits.into_iter().flatten() {
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
    }
    used.iter().enumerate().filter(|(_, u)| !**u).map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests;
