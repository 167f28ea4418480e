//! The `Object` type every stage after conversion works on, and the output order.

use std::cmp::Ordering;

use serde_json::Value;

use crate::source::Origin;

/// A Kubernetes object: untyped, so unknown fields are never lost, plus where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub value: Value,
    /// The compose service, template or file that produced it.
    pub origin: Option<Origin>,
}

impl Object {
    pub fn new(value: Value, origin: Option<Origin>) -> Self {
        Object { value, origin }
    }

    pub fn kind(&self) -> &str {
        self.value.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    pub fn api_version(&self) -> &str {
        self.value.get("apiVersion").and_then(Value::as_str).unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn namespace(&self) -> &str {
        self.value
            .pointer("/metadata/namespace")
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

fn kind_rank(kind: &str) -> usize {
    KIND_ORDER.iter().position(|k| *k == kind).unwrap_or(KIND_ORDER.len())
}

/// Compares objects by install order: kind rank, then kind name, namespace, name.
pub fn install_order(a: &Object, b: &Object) -> Ordering {
    kind_rank(a.kind())
        .cmp(&kind_rank(b.kind()))
        .then_with(|| a.kind().cmp(b.kind()))
        .then_with(|| a.namespace().cmp(b.namespace()))
        .then_with(|| a.name().cmp(b.name()))
}

/// Sorts objects into install order (stable, so equal keys keep their order).
pub fn order(objects: &mut [Object]) {
    objects.sort_by(install_order);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(kind: &str, ns: &str, name: &str) -> Object {
        Object::new(json!({"kind": kind, "metadata": {"name": name, "namespace": ns}}), None)
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
