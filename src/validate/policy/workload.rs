//! Availability of workloads: replica counts, disruption budgets, spreading, rollout
//! strategy and autoscaler bounds.

use serde_json::Value;

use super::super::rules::Severity;
use super::{Facts, Sink, Subject};
use crate::validate::ident;

/// REL-REPLICAS: Service-backed Deployments run 2 replicas; none is fixed under an HPA.
pub fn replicas(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let o = s.object;
    if !matches!(o.kind(), "Deployment" | "StatefulSet") {
        return;
    }
    let fixed = ident::at(&o.value, "/spec/replicas").and_then(Value::as_i64);
    if facts.scaled_min(o).is_some() {
        if let Some(n) = fixed {
            sink.push(
                "/spec/replicas",
                format!(
                    "a HorizontalPodAutoscaler scales this {}, yet it fixes replicas: {n}; every apply resets the scale",
                    o.kind()
                ),
            );
        }
        return;
    }
    let n = fixed.unwrap_or(1);
    if o.kind() == "Deployment" && facts.pod(s.index).behind_service && n < 2 {
        sink.push(
            "/spec/replicas",
            format!("runs {n} replica behind a Service; a rollout, drain or crash takes it down"),
        );
    }
}

/// REL-PDB: budgets that allow evictions, and replicated workloads covered by one.
pub fn disruption(facts: &Facts, s: &Subject, sink: &mut Sink) {
    if s.kind() == "PodDisruptionBudget" {
        budget(facts, s, sink);
    } else if facts.replicated(s.object) && !facts.pod(s.index).pdb {
        sink.push_as(
            Severity::Warn,
            "/spec/selector",
            "no PodDisruptionBudget selects these replicas; a node drain may evict them all at once",
        );
    }
}

/// A quantity that is a count or a percentage, as in `minAvailable` and `maxUnavailable`.
enum Count {
    Int(i64),
    Percent(i64),
}

fn count(v: &Value) -> Option<Count> {
    match v {
        Value::Number(n) => n.as_i64().map(Count::Int),
        Value::String(s) => s.strip_suffix('%')?.trim().parse().ok().map(Count::Percent),
        _ => None,
    }
}

fn budget(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let spec = s.object.value.get("spec");
    let field = |k: &str| spec.and_then(|s| s.get(k)).filter(|v| !v.is_null());
    if let Some(v) = field("maxUnavailable") {
        if matches!(count(v), Some(Count::Int(0) | Count::Percent(0))) {
            sink.push(
                "/spec/maxUnavailable",
                "maxUnavailable 0 never allows an eviction: node drains block forever; use maxUnavailable: 1",
            );
        }
    } else if let Some(v) = field("minAvailable") {
        min_available(facts, s, v, sink);
    }
    let policy = field("unhealthyPodEvictionPolicy").and_then(Value::as_str);
    if policy != Some("AlwaysAllow") {
        sink.push_as(
            Severity::Warn,
            "/spec/unhealthyPodEvictionPolicy",
            "set unhealthyPodEvictionPolicy: AlwaysAllow, so crash-looping pods cannot block a node drain",
        );
    }
}

fn min_available(facts: &Facts, s: &Subject, v: &Value, sink: &mut Sink) {
    let at = "/spec/minAvailable";
    let selector = ident::at(&s.object.value, "/spec/selector").unwrap_or(&Value::Null);
    let selected = facts.selected(ident::namespace(s.object), selector);
    let replicas: Option<i64> = selected
        .iter()
        .filter_map(|i| facts.objects.get(*i))
        .filter_map(|o| facts.min_replicas(o))
        .min();
    let required = |r: i64| match count(v) {
        Some(Count::Int(n)) => Some(n),
        // A percentage of minAvailable rounds up.
        Some(Count::Percent(p)) => Some((r * p + 99) / 100),
        None => None,
    };
    match (count(v), replicas) {
        (Some(Count::Percent(p)), _) if p >= 100 => {
            sink.push(at, "minAvailable 100% never allows an eviction: node drains block forever");
        }
        (_, Some(r)) if required(r).is_some_and(|n| n >= r) => sink.push(
            at,
            format!(
                "minAvailable {v} with {r} replica(s) never allows an eviction: node drains block forever; use maxUnavailable: 1"
            ),
        ),
        (_, None) if selected.is_empty() => sink.push_as(
            Severity::Warn,
            at,
            format!(
                "minAvailable {v} blocks node drains whenever its workload runs that many replicas or fewer, and the workload is not among the checked objects; prefer maxUnavailable: 1"
            ),
        ),
        _ => {}
    }
}

/// REL-SPREAD: replicated workloads prefer other hosts and spread over zones.
pub fn spread(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    if !facts.replicated(s.object) {
        return;
    }
    let anti = [
        "preferredDuringSchedulingIgnoredDuringExecution",
        "requiredDuringSchedulingIgnoredDuringExecution",
    ]
    .iter()
    .filter_map(|k| {
        pod.get(&format!("/affinity/podAntiAffinity/{k}"))
            .and_then(Value::as_array)
    })
    .flatten()
    .any(|term| {
        let term = term.get("podAffinityTerm").unwrap_or(term);
        term.get("topologyKey").and_then(Value::as_str) == Some("kubernetes.io/hostname")
    });
    if !anti {
        sink.push(
            pod.at("/affinity/podAntiAffinity"),
            "no pod anti-affinity on kubernetes.io/hostname: replicas may share a node and fail together",
        );
    }
    let spread = pod
        .get("/topologySpreadConstraints")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    if !spread {
        sink.push(
            pod.at("/topologySpreadConstraints"),
            "no topologySpreadConstraints: replicas may share a zone and fail together",
        );
    }
}

/// REL-ROLLING: Deployments roll without lowering capacity.
pub fn rolling(_: &Facts, s: &Subject, sink: &mut Sink) {
    if s.kind() != "Deployment" {
        return;
    }
    let strategy = ident::at(&s.object.value, "/spec/strategy");
    let kind = strategy
        .and_then(|st| st.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate");
    if kind != "RollingUpdate" {
        sink.push(
            "/spec/strategy/type",
            format!("strategy {kind} stops every pod before starting new ones"),
        );
        return;
    }
    let max_unavailable = strategy.and_then(|st| ident::at(st, "/rollingUpdate/maxUnavailable"));
    if !matches!(max_unavailable.and_then(count), Some(Count::Int(0) | Count::Percent(0))) {
        sink.push(
            "/spec/strategy/rollingUpdate/maxUnavailable",
            "a rolling update may stop pods before their replacements are ready; set maxUnavailable: 0",
        );
    }
}

/// REL-HPA: autoscalers keep two replicas and can scale.
pub fn autoscaler(_: &Facts, s: &Subject, sink: &mut Sink) {
    if s.kind() != "HorizontalPodAutoscaler" {
        return;
    }
    let spec = s.object.value.get("spec");
    let min = spec
        .and_then(|s| s.get("minReplicas"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    if min < 2 {
        sink.push(
            "/spec/minReplicas",
            format!("minReplicas {min} lets the autoscaler go down to a single point of failure"),
        );
    }
    if let Some(max) = spec.and_then(|s| s.get("maxReplicas")).and_then(Value::as_i64)
        && max <= min
    {
        sink.push(
            "/spec/maxReplicas",
            format!("maxReplicas {max} is not above minReplicas {min}: the autoscaler cannot scale"),
        );
    }
}
