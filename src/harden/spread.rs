//! Availability defaults for replicated workloads: two replicas (unless an HPA scales
//! the workload, or a StatefulSet owns volumes and so is a single writer), zero-downtime
//! rolling updates, a bounded revision history, and spreading over nodes and zones.
//!
//! Spreading is preferred, never required (`ScheduleAnyway`), so pods never stay
//! Pending on a cluster with fewer nodes or zones than replicas.

use serde_json::{Map, Value, json};

use super::record::{Recorder, child, get, is_set};
use super::workload::Kind;
use crate::convert::names::NAME_LABEL;

const REPLICAS: &str = "REL-REPLICAS: two replicas, so one pod can go without downtime";
const HISTORY: &str = "bounded revision history";
const RECREATE: &str = "one writer of its volume: stop the old pod before starting the new one";
const ROLLING: &str = "REL-ROLLING: start a new pod before stopping an old one";
const ANTI_AFFINITY: &str = "REL-SPREAD: prefer replicas on different nodes";
const ZONES: &str = "REL-SPREAD: prefer replicas spread over zones";

/// Default replica count.
pub const REPLICA_COUNT: u64 = 2;

/// Fills the workload-level fields of `spec` (the object's `spec`). `single_writer`:
/// the pods mount a claim only one pod may write (see `writes_alone`). Returns whether
/// the workload keeps one replica for that reason.
pub(crate) fn harden_workload(
    spec: &mut Map<String, Value>,
    kind: Kind,
    scaled: bool,
    single_writer: bool,
    rec: &mut Recorder,
) -> bool {
    if kind.keeps_revisions() {
        rec.fill(spec, "/spec", "revisionHistoryLimit", json!(5), HISTORY);
    }
    let kept_single = kind.is_replicated() && !scaled && single_writer && !is_set(spec.get("replicas"));
    if kind.is_replicated() && !scaled && !single_writer {
        rec.fill(spec, "/spec", "replicas", json!(REPLICA_COUNT), REPLICAS);
    }
    if kind == Kind::Deployment && single_writer {
        rec.fill(spec, "/spec", "strategy", json!({"type": "Recreate"}), RECREATE);
    } else if kind == Kind::Deployment {
        rolling_update(spec, rec);
    }
    kept_single
}

/// The replica count after defaults (1 when unset, as the API server defaults it).
pub(crate) fn replicas(spec: &Map<String, Value>) -> u64 {
    spec.get("replicas").and_then(Value::as_u64).unwrap_or(1)
}

/// Whether a workload's pods write to storage only one pod may use: a StatefulSet's
/// claim templates, or a claim mounted by the pod that is not known (`shared`) to allow
/// several writers.
pub(crate) fn writes_alone(spec: &Map<String, Value>, shared: &dyn Fn(&str) -> bool) -> bool {
    let templates = spec
        .get("volumeClaimTemplates")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    let claims = get(spec, &["template", "spec", "volumes"])
        .and_then(Value::as_array)
        .is_some_and(|v| {
            v.iter()
                .filter_map(|v| v.get("persistentVolumeClaim"))
                .filter(|c| c.get("readOnly").and_then(Value::as_bool) != Some(true))
                .any(|c| !c.get("claimName").and_then(Value::as_str).is_some_and(shared))
        });
    templates || claims
}

fn rolling_update(spec: &mut Map<String, Value>, rec: &mut Recorder) {
    let Some(strategy) = child(spec, "strategy") else {
        return;
    };
    let kind = strategy.get("type").and_then(Value::as_str).unwrap_or("RollingUpdate");
    if kind != "RollingUpdate" {
        return;
    }
    rec.fill(strategy, "/spec/strategy", "type", json!("RollingUpdate"), ROLLING);
    let Some(rolling) = child(strategy, "rollingUpdate") else {
        return;
    };
    let at = "/spec/strategy/rollingUpdate";
    rec.fill(rolling, at, "maxSurge", json!(1), ROLLING);
    // Both zero is invalid: keep the API default when the input forbids surging.
    let no_surge = matches!(rolling.get("maxSurge"), Some(v) if v == &json!(0) || v == &json!("0%"));
    if !no_surge {
        rec.fill(rolling, at, "maxUnavailable", json!(0), ROLLING);
    }
}

/// The labels that select a workload's own pods: the name label when the template has
/// one, else every template label.
pub(crate) fn pod_selector(template_labels: &Map<String, Value>) -> Map<String, Value> {
    match template_labels.get(NAME_LABEL) {
        Some(name) => {
            let mut m = Map::new();
            m.insert(NAME_LABEL.into(), name.clone());
            m
        }
        None => template_labels.clone(),
    }
}

/// Fills anti-affinity and zone spreading of the pod spec at `base`. `template_hash`
/// adds `matchLabelKeys: [pod-template-hash]` (Deployments only: other kinds have no
/// such label) so old ReplicaSets do not count during a rollout.
pub(crate) fn harden_pod(
    spec: &mut Map<String, Value>,
    base: &str,
    selector: &Map<String, Value>,
    template_hash: bool,
    rec: &mut Recorder,
) {
    if selector.is_empty() {
        return;
    }
    if let Some(affinity) = child(spec, "affinity") {
        let term = json!([{
            "weight": 100,
            "podAffinityTerm": {
                "topologyKey": "kubernetes.io/hostname",
                "labelSelector": {"matchLabels": selector},
            },
        }]);
        let anti = json!({"preferredDuringSchedulingIgnoredDuringExecution": term});
        rec.fill(
            affinity,
            &format!("{base}/affinity"),
            "podAntiAffinity",
            anti,
            ANTI_AFFINITY,
        );
    }
    let mut zone = json!({
        "maxSkew": 1,
        "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": selector},
    });
    if template_hash && let Some(z) = zone.as_object_mut() {
        z.insert("matchLabelKeys".into(), json!(["pod-template-hash"]));
    }
    rec.fill(spec, base, "topologySpreadConstraints", json!([zone]), ZONES);
}
