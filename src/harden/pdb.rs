//! PodDisruptionBudgets for replicated workloads. `maxUnavailable: 1` with
//! `unhealthyPodEvictionPolicy: AlwaysAllow` never blocks a node drain, whatever the
//! replica count, and crash-looping pods never hold one up.

use serde_json::{Map, Value, json};

use crate::manifest::Object;

/// The PDB for a workload, unless `existing` already covers it (a PDB of the same name,
/// or one with the same selector, in the same namespace).
pub(crate) fn for_workload(workload: &Object, existing: &[Object], eviction_policy: bool) -> Option<Value> {
    let selector = workload.value.pointer("/spec/selector")?.clone();
    let covered = existing.iter().any(|o| {
        o.kind() == "PodDisruptionBudget"
            && o.namespace() == workload.namespace()
            && (o.name() == workload.name() || o.value.pointer("/spec/selector") == Some(&selector))
    });
    if covered {
        return None;
    }
    let mut meta = Map::new();
    meta.insert("name".into(), json!(workload.name()));
    if !workload.namespace().is_empty() {
        meta.insert("namespace".into(), json!(workload.namespace()));
    }
    if let Some(labels) = workload.value.pointer("/metadata/labels").filter(|l| l.is_object()) {
        meta.insert("labels".into(), labels.clone());
    }
    let mut spec = Map::new();
    spec.insert("maxUnavailable".into(), json!(1));
    if eviction_policy {
        spec.insert("unhealthyPodEvictionPolicy".into(), json!("AlwaysAllow"));
    }
    spec.insert("selector".into(), selector);
    Some(json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta,
        "spec": spec,
    }))
}
