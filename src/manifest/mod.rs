//! The `Object` type every stage after conversion works on, and the output order;
//! `parallel` spreads per-object work over threads.

pub mod parallel;

use std::cmp::Ordering;

use serde_json::Value;

use crate::source::Origin;

/// A Kubernetes object: untyped, so unknown fields are never lost, plus where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub value: Value,
    /// The compose service, template or file that produced it.
    pub origin: Option<Origin>,
    /// Where each field came from, recorded only for `berth explain` (`crate::explain`).
    pub trace: Option<Box<crate::explain::Trace>>,
}

impl Object {
    pub fn new(value: Value, origin: Option<Origin>) -> Self {
        Object {
            value,
            origin,
            trace: None,
        }
    }

    pub fn kind(&self) -> &str {
        self.value.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    pub fn api_version(&self) -> &str {
        self.value.get("apiVersion").and_then(Value::as_str).unwrap_or("")
    }

    // Every stage asks these for every object, often several times per pair of objects:
    // two map lookups, not a pointer parsed each call.
    pub fn name(&self) -> &str {
        self.metadata_str("name")
    }

    pub fn namespace(&self) -> &str {
        self.metadata_str("namespace")
    }

    fn metadata_str(&self, key: &str) -> &str {
        self.value
            .get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `Kind/name` or `Kind/namespace/name`, for diagnostics.
    pub fn id(&self) -> String {
        if self.namespace().is_empty() {
            format!("{}/{}", self.kind(), self.name())
        } else {
            format!("{}/{}/{}", self.kind(), self.namespace(), self.name())
        }
    }
}

/// The annotation that records a relaxation: `RULE-ID=reason; RULE-ID=reason`.
pub const WAIVE_ANNOTATION: &str = "berth.dev/waive";

/// Records a relaxation of `rule` on an object (in `metadata.annotations`), keeping
/// earlier ones; a second waiver of the same rule is ignored. Reasons must not contain `;`.
pub fn add_waiver(value: &mut Value, rule: &str, reason: &str) {
    let Some(obj) = value.as_object_mut() else { return };
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(meta) = meta.as_object_mut() else { return };
    let ann = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(ann) = ann.as_object_mut() else { return };
    let current = ann
        .get(WAIVE_ANNOTATION)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if waivers(&current).iter().any(|(r, _)| *r == rule) {
        return;
    }
    let entry = format!("{rule}={}", reason.replace(';', ","));
    let joined = if current.is_empty() {
        entry
    } else {
        format!("{current}; {entry}")
    };
    ann.insert(WAIVE_ANNOTATION.into(), Value::String(joined));
}

/// Parses a `berth.dev/waive` value into (rule, reason) pairs.
pub fn waivers(annotation: &str) -> Vec<(&str, &str)> {
    annotation
        .split(';')
        .filter_map(|part| {
            let (rule, reason) = part.split_once('=')?;
            Some((rule.trim(), reason.trim()))
        })
        .filter(|(rule, _)| !rule.is_empty())
        .collect()
}

/// Install order of DESIGN.md section 7; other kinds come after, alphabetically.
pub const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "Service",
    "DaemonSet",
    "Deployment",
    "StatefulSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Ingress",
];

/// Namespaces every cluster has: berth deploys into them but never emits them (Pod
/// Security labels on `default` would relabel it for everything deployed there).
pub const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Kinds that live outside namespaces (built-in ones; a custom resource's scope is in its
/// CRD). Everything else gets the render's namespace when it names none.
pub const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "CertificateSigningRequest",
];

/// Sets `metadata.namespace` on every namespaced object that names none.
pub fn default_namespace(objects: &mut [Object], namespace: &str) {
    for o in objects.iter_mut() {
        if CLUSTER_SCOPED.contains(&o.kind()) || !o.namespace().is_empty() {
            continue;
        }
        if let Some(meta) = o.value.get_mut("metadata").and_then(Value::as_object_mut) {
            // Beside the name, where people look for it.
            let at = meta.keys().position(|k| k == "name").map_or(0, |i| i + 1);
            meta.shift_insert(at, "namespace".into(), Value::String(namespace.to_string()));
        }
    }
}

fn kind_rank(kind: &str) -> usize {
    KIND_ORDER.iter().position(|k| *k == kind).unwrap_or(KIND_ORDER.len())
}

/// An object's place in install order: kind rank, then kind name, namespace, name.
fn order_key(o: &Object) -> (usize, &str, &str, &str) {
    (kind_rank(o.kind()), o.kind(), o.namespace(), o.name())
}

/// Compares objects by install order: kind rank, then kind name, namespace, name.
pub fn install_order(a: &Object, b: &Object) -> Ordering {
    order_key(a).cmp(&order_key(b))
}

/// Sorts objects into install order (stable, so equal keys keep their order).
pub fn order(objects: &mut [Object]) {
    // Each key is computed once, not twice per comparison (ranking a kind scans the kind
    // table); the position breaks ties, which keeps the sort stable.
    let mut keyed: Vec<_> = objects.iter().map(order_key).enumerate().collect();
    keyed.sort_unstable_by(|(i, a), (j, b)| a.cmp(b).then(i.cmp(j)));
    let places: Vec<usize> = keyed.into_iter().map(|(i, _)| i).collect();
    // Moving an object out leaves a `null` behind, which costs no allocation.
    let sorted: Vec<Object> = places
        .into_iter()
        .filter_map(|i| {
            objects
                .get_mut(i)
                .map(|o| std::mem::replace(o, Object::new(Value::Null, None)))
        })
        .collect();
    for (slot, o) in objects.iter_mut().zip(sorted) {
        *slot = o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(kind: &str, ns: &str, name: &str) -> Object {
        Object::new(json!({"kind": kind, "metadata": {"name": name, "namespace": ns}}), None)
    }

    #[test]
    fn waivers_accumulate_once_per_rule() {
        let mut v = json!({"kind": "Deployment", "metadata": {"name": "a"}});
        add_waiver(&mut v, "PSS-RESTRICTED", "compose user: root");
        add_waiver(&mut v, "REL-LIVENESS", "no healthcheck; a guess restarts healthy pods");
        add_waiver(&mut v, "PSS-RESTRICTED", "again");
        let a = v
            .pointer("/metadata/annotations/berth.dev~1waive")
            .and_then(Value::as_str)
            .unwrap();
        assert_eq!(
            a,
            "PSS-RESTRICTED=compose user: root; REL-LIVENESS=no healthcheck, a guess restarts healthy pods"
        );
        assert_eq!(waivers(a).len(), 2);
    }

    #[test]
    fn orders_by_kind_then_namespace_then_name() {
        let mut v = vec![
            obj("Widget", "a", "x"),
            obj("Deployment", "a", "b"),
            obj("Service", "a", "z"),
            obj("Deployment", "a", "a"),
            obj("Apple", "a", "x"),
            obj("Namespace", "", "a"),
        ];
        order(&mut v);
        let ids: Vec<String> = v.iter().map(Object::id).collect();
        assert_eq!(
            ids,
            [
                "Namespace/a",
                "Service/a/z",
                "Deployment/a/a",
                "Deployment/a/b",
                "Apple/a/x",
                "Widget/a/x"
            ]
        );
    }
}
