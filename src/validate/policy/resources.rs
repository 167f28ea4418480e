//! Resource requests and limits of every container and init container.

use serde_json::Value;

use super::{Facts, RUNNING, Sink, Subject};

/// Reports every container of `s` that lacks `resources.{section}.{resource}`.
fn require(s: &Subject, section: &str, resources: &[&str], why: &str, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    for c in pod.containers(RUNNING) {
        let set = c.get(&format!("/resources/{section}"));
        let missing: Vec<&str> = resources
            .iter()
            .copied()
            .filter(|r| set.and_then(|m| m.get(*r)).is_none_or(Value::is_null))
            .collect();
        if !missing.is_empty() {
            sink.push(
                c.at(&format!("/resources/{section}")),
                format!("{} sets no {} {section}; {why}", c.describe(), missing.join(" or ")),
            );
        }
    }
}

/// RES-REQUESTS: CPU and memory requests.
pub fn requests(_: &Facts, s: &Subject, sink: &mut Sink) {
    require(
        s,
        "requests",
        &["cpu", "memory"],
        "the scheduler cannot place it and evicts it first",
        sink,
    );
}

/// RES-MEM-LIMIT: a memory limit.
pub fn memory_limit(_: &Facts, s: &Subject, sink: &mut Sink) {
    require(s, "limits", &["memory"], "a leak can exhaust the node's memory", sink);
}

/// RES-CPU-LIMIT: a CPU limit.
pub fn cpu_limit(_: &Facts, s: &Subject, sink: &mut Sink) {
    require(s, "limits", &["cpu"], "a busy loop slows its neighbours", sink);
}

/// RES-EPHEMERAL: ephemeral-storage request and limit.
pub fn ephemeral(_: &Facts, s: &Subject, sink: &mut Sink) {
    for section in ["requests", "limits"] {
        require(
            s,
            section,
            &["ephemeral-storage"],
            "logs and writes can fill the node's disk",
            sink,
        );
    }
}
