//! Requests and limits for every container, from one table: each resource has a default
//! request, a default limit, and a rule for deriving one from the other when the input
//! gives only one. Requests never end up above limits.
//!
//! Memory request and limit are equal (predictable OOM behaviour, as in the reference
//! output); a lone memory limit gives the same request, as the API server itself would.
//! A lone CPU or ephemeral-storage limit gives the default request, or the limit when
//! that is smaller.

use serde_json::{Map, Value, json};

use super::record::{Recorder, child, for_each_container};

/// How a missing limit follows from a given request.
#[derive(Debug, Clone, Copy)]
enum LimitFrom {
    /// The same quantity.
    Same,
    /// This many times the request.
    Times(u32),
    /// The default limit, or the request when it is larger.
    AtLeastDefault,
}

/// How a missing request follows from a given limit.
#[derive(Debug, Clone, Copy)]
enum RequestFrom {
    Same,
    /// The default request, or the limit when it is smaller.
    AtMostDefault,
}

struct Rule {
    resource: &'static str,
    request: &'static str,
    limit: &'static str,
    limit_from: LimitFrom,
    request_from: RequestFrom,
    request_reason: &'static str,
    limit_reason: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        resource: "cpu",
        request: "100m",
        limit: "1",
        limit_from: LimitFrom::Times(10),
        request_from: RequestFrom::AtMostDefault,
        request_reason: "RES-REQUESTS: default CPU request",
        limit_reason: "RES-CPU-LIMIT: CPU limit 10x the request",
    },
    Rule {
        resource: "memory",
        request: "256Mi",
        limit: "256Mi",
        limit_from: LimitFrom::Same,
        request_from: RequestFrom::Same,
        request_reason: "RES-REQUESTS: memory request equal to the limit",
        limit_reason: "RES-MEM-LIMIT: memory limit equal to the request",
    },
    Rule {
        resource: "ephemeral-storage",
        request: "64Mi",
        limit: "256Mi",
        limit_from: LimitFrom::AtLeastDefault,
        request_from: RequestFrom::AtMostDefault,
        request_reason: "RES-EPHEMERAL: default ephemeral-storage request",
        limit_reason: "RES-EPHEMERAL: default ephemeral-storage limit",
    },
];

/// What `harden_pod` did that the user should hear about.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Some container got the default memory size because the input gave none.
    pub default_memory: bool,
}

/// Fills requests and limits of every container of the pod spec at `base`.
pub(crate) fn harden_pod(spec: &mut Map<String, Value>, base: &str, rec: &mut Recorder) -> Outcome {
    let mut outcome = Outcome::default();
    for_each_container(spec, base, |at, c| {
        let Some(resources) = child(c, "resources") else { return };
        let at = format!("{at}/resources");
        for rule in RULES {
            let untouched = apply(resources, &at, rule, rec);
            outcome.default_memory |= untouched && rule.resource == "memory";
        }
    });
    outcome
}

/// Applies one rule; returns whether the input set neither request nor limit.
fn apply(resources: &mut Map<String, Value>, base: &str, rule: &Rule, rec: &mut Recorder) -> bool {
    let request = resources.get("requests").and_then(|r| r.get(rule.resource)).cloned();
    let limit = resources.get("limits").and_then(|r| r.get(rule.resource)).cloned();
    let request = request.filter(|v| !v.is_null());
    let limit = limit.filter(|v| !v.is_null());
    let (new_request, new_limit) = match (&request, &limit) {
        (Some(_), Some(_)) => (None, None),
        (None, None) => (Some(json!(rule.request)), Some(json!(rule.limit))),
        (Some(req), None) => (None, derive_limit(req, rule)),
        (None, Some(lim)) => (derive_request(lim, rule), None),
    };
    for (section, value, reason) in [
        ("requests", new_request, rule.request_reason),
        ("limits", new_limit, rule.limit_reason),
    ] {
        let Some(value) = value else { continue };
        if let Some(map) = child(resources, section) {
            rec.fill(map, &format!("{base}/{section}"), rule.resource, value, reason);
        }
    }
    request.is_none() && limit.is_none()
}

fn derive_limit(request: &Value, rule: &Rule) -> Option<Value> {
    match rule.limit_from {
        LimitFrom::Same => Some(request.clone()),
        LimitFrom::Times(n) => {
            let millis = (quantity(request)? * 1000.0 * f64::from(n)).round();
            Some(json!(format_millis(millis)))
        }
        LimitFrom::AtLeastDefault => {
            let larger = quantity(request)? > quantity(&json!(rule.limit))?;
            Some(if larger { request.clone() } else { json!(rule.limit) })
        }
    }
}

fn derive_request(limit: &Value, rule: &Rule) -> Option<Value> {
    match rule.request_from {
        RequestFrom::Same => Some(limit.clone()),
        RequestFrom::AtMostDefault => {
            let smaller = quantity(limit)? < quantity(&json!(rule.request))?;
            Some(if smaller { limit.clone() } else { json!(rule.request) })
        }
    }
}

/// CPU millicores as a quantity: whole cores plainly (`"2"`), else in `m`.
fn format_millis(millis: f64) -> String {
    let m = millis.max(1.0) as u64;
    if m.is_multiple_of(1000) {
        (m / 1000).to_string()
    } else {
        format!("{m}m")
    }
}

const SUFFIXES: &[(&str, f64)] = &[
    ("Ki", 1024.0),
    ("Mi", 1048576.0),
    ("Gi", 1073741824.0),
    ("Ti", 1099511627776.0),
    ("Pi", 1125899906842624.0),
    ("Ei", 1152921504606846976.0),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
    ("E", 1e18),
];

/// A Kubernetes quantity (`"250m"`, `"1.5Gi"`, `2`, `"1e3"`) in base units, for
/// comparison only; `None` when it is not one (schema validation reports that).
pub(crate) fn quantity(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    for (suffix, factor) in SUFFIXES {
        if let Some(number) = s.strip_suffix(suffix) {
            return number_part(number).map(|n| n * factor);
        }
    }
    number_part(s)
}

fn number_part(s: &str) -> Option<f64> {
    let plain = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E'));
    if s.is_empty() || !plain {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(resources: Value) -> (Value, bool) {
        let mut spec = json!({"containers": [{"name": "a", "resources": resources}]})
            .as_object()
            .cloned()
            .unwrap();
        let mut changes = Vec::new();
        let mut rec = Recorder::new("Pod/a".into(), Some(&mut changes));
        let out = harden_pod(&mut spec, "/spec", &mut rec);
        (spec["containers"][0]["resources"].clone(), out.default_memory)
    }

    #[test]
    fn defaults_when_unset() {
        let (r, defaulted) = run(json!(null));
        assert_eq!(
            r,
            json!({"requests": {"cpu": "100m", "memory": "256Mi", "ephemeral-storage": "64Mi"},
                   "limits": {"cpu": "1", "memory": "256Mi", "ephemeral-storage": "256Mi"}})
        );
        assert!(defaulted);
    }

    #[test]
    fn user_values_win_and_the_other_side_follows() {
        let (r, defaulted) = run(json!({"requests": {"cpu": "250m", "memory": "1Gi", "ephemeral-storage": "1Gi"}}));
        assert_eq!(
            r["requests"],
            json!({"cpu": "250m", "memory": "1Gi", "ephemeral-storage": "1Gi"})
        );
        assert_eq!(
            r["limits"],
            json!({"cpu": "2500m", "memory": "1Gi", "ephemeral-storage": "1Gi"})
        );
        assert!(!defaulted);
        let (r, _) = run(json!({"requests": {"cpu": "0.5"}}));
        assert_eq!(r["limits"]["cpu"], "5");
    }

    #[test]
    fn a_lone_limit_never_gets_a_larger_request() {
        let (r, _) = run(json!({"limits": {"cpu": "50m", "memory": "2Gi", "ephemeral-storage": "32Mi"}}));
        assert_eq!(
            r["requests"],
            json!({"cpu": "50m", "memory": "2Gi", "ephemeral-storage": "32Mi"})
        );
        let (r, _) = run(json!({"limits": {"cpu": "2", "ephemeral-storage": "1Gi"}}));
        assert_eq!(r["requests"]["cpu"], "100m");
        assert_eq!(r["requests"]["ephemeral-storage"], "64Mi");
    }

    #[test]
    fn both_set_are_left_alone() {
        let given = json!({"requests": {"cpu": "3", "memory": "1", "ephemeral-storage": "1"},
                           "limits": {"cpu": "3", "memory": "1", "ephemeral-storage": "1"}});
        assert_eq!(run(given.clone()).0, given);
    }

    #[test]
    fn parses_quantities() {
        assert_eq!(quantity(&json!("250m")), Some(0.25));
        assert_eq!(quantity(&json!("1Gi")), Some(1073741824.0));
        assert_eq!(quantity(&json!("1e3")), Some(1000.0));
        assert_eq!(quantity(&json!(2)), Some(2.0));
        assert_eq!(quantity(&json!("lots")), None);
    }
}
