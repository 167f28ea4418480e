//! Health probes: readiness behind a Service, a liveness probe that is not a copy of
//! readiness, and startup probes instead of long initial delays.

use serde_json::Value;

use super::{Facts, LONG_RUNNING, MAIN, Sink, Subject};

/// An `initialDelaySeconds` from which a startup probe is the better tool.
const SLOW_START: i64 = 30;

/// REL-READINESS: containers of pods a Service selects have a readiness probe.
pub fn readiness(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    if !facts.pod(s.index).behind_service {
        return;
    }
    for c in pod.containers(MAIN) {
        if c.value.get("readinessProbe").is_none_or(Value::is_null) {
            sink.push(
                c.at("/readinessProbe"),
                format!(
                    "{} is behind a Service but has no readinessProbe; it gets traffic before it can answer",
                    c.describe()
                ),
            );
        }
    }
}

/// REL-LIVENESS: long-running containers have a liveness probe different from readiness.
pub fn liveness(_: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    if !LONG_RUNNING.contains(&s.kind()) {
        return;
    }
    for c in pod.containers(MAIN) {
        match c.value.get("livenessProbe").filter(|p| !p.is_null()) {
            None => sink.push(
                c.at("/livenessProbe"),
                format!("{} has no livenessProbe; a hung process is never restarted", c.describe()),
            ),
            Some(live) if c.value.get("readinessProbe") == Some(live) => sink.push(
                c.at("/livenessProbe"),
                format!(
                    "{}'s livenessProbe is identical to its readinessProbe; a busy pod gets restarted instead of rested",
                    c.describe()
                ),
            ),
            Some(_) => {}
        }
    }
}

/// REL-STARTUP: long initial delays belong in a startup probe.
pub fn startup(_: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    for c in pod.containers(MAIN) {
        if c.value.get("startupProbe").is_some_and(|p| !p.is_null()) {
            continue;
        }
        for probe in ["livenessProbe", "readinessProbe"] {
            let delay = c
                .get(&format!("/{probe}/initialDelaySeconds"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if delay >= SLOW_START {
                sink.push(
                    c.at(&format!("/{probe}/initialDelaySeconds")),
                    format!(
                        "{} waits {delay}s before its {probe}; a startupProbe allows a slow start without slowing every restart",
                        c.describe()
                    ),
                );
            }
        }
    }
}
