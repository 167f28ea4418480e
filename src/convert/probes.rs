//! Probes from `healthcheck` (DESIGN.md 4.1 and 6): readiness as compose defines health,
//! liveness with a longer period and a higher threshold (restarting is costlier than
//! taking a pod out of rotation), a startup probe whose budget covers `start_period`.
//! `CMD-SHELL` runs under `/bin/sh -c`. Without a healthcheck, a service with a TCP port
//! gets tcpSocket probes; a service without either gets none, recorded as waivers.

use serde_json::{Map, Value, json};

use super::xberth::{ProbeOverride, WorkloadKind};
use super::{Ctx, Pod, Svc};

/// Compose defaults (docker's): interval 30s, timeout 30s, retries 3, start_interval 5s.
const INTERVAL: u64 = 30;
const TIMEOUT: u64 = 30;
const RETRIES: u64 = 3;
const START_INTERVAL: u64 = 5;

/// Parses a Go duration (`1m30s`, `500ms`, `2h`, `1.5s`) into nanoseconds.
pub fn nanos(d: &str) -> Option<u128> {
    let d = d.trim();
    if d.is_empty() {
        return None;
    }
    if d == "0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    let mut rest = d;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest.get(..num_len)?.parse().ok()?;
        rest = rest.get(num_len..)?;
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = rest.get(..unit_len)?;
        rest = rest.get(unit_len..)?;
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += n * scale;
    }
    if total.is_finite() && total >= 0.0 {
        Some(total.round() as u128)
    } else {
        None
    }
}

/// A Go duration in whole seconds, rounded up (a probe period cannot be shorter than asked).
pub fn seconds(d: &str) -> Option<u64> {
    nanos(d).map(|n| n.div_ceil(1_000_000_000) as u64)
}

fn secs_or(ctx: &mut Ctx, svc: &Svc, field: &str, v: Option<&str>, default: u64) -> u64 {
    let Some(v) = v else { return default };
    match seconds(v) {
        Some(s) => s.max(1),
        None => {
            ctx.warn(
                &format!("{}/{field}", svc.key("healthcheck")),
                "approximated",
                format!(
                    "service `{}`: healthcheck {field} `{v}` is not a duration; using {default}s",
                    svc.name
                ),
                Some("write a duration such as `10s` or `1m30s`".into()),
            );
            default
        }
    }
}

/// Sets readinessProbe, livenessProbe and startupProbe on the container, or waivers.
pub fn probes(ctx: &mut Ctx, svc: &Svc, kind: WorkloadKind, pod: &mut Pod) {
    let hc = svc.s.healthcheck.as_ref();
    let disabled = hc.is_some_and(|h| h.disable || h.test.first().is_some_and(|t| t == "NONE"));
    let handler = if disabled {
        None
    } else {
        hc.and_then(|h| exec_handler(&h.test)).or_else(|| tcp_handler(pod))
    };
    let mut probes: Vec<(&str, Option<Map<String, Value>>)> = Vec::new();
    match (handler, hc.filter(|h| !h.test.is_empty())) {
        (Some(handler), Some(h)) if !disabled => {
            let interval = secs_or(ctx, svc, "interval", h.interval.as_deref(), INTERVAL);
            let timeout = secs_or(ctx, svc, "timeout", h.timeout.as_deref(), TIMEOUT);
            let retries = h.retries.map_or(RETRIES, u64::from).max(1);
            let start = secs_or(ctx, svc, "start_period", h.start_period.as_deref(), 0);
            let start_every = secs_or(ctx, svc, "start_interval", h.start_interval.as_deref(), START_INTERVAL);
            let timing = |period: u64, threshold: u64| json!({"periodSeconds": period, "timeoutSeconds": timeout.min(period), "failureThreshold": threshold});
            probes.push(("readinessProbe", Some(with(&handler, timing(interval, retries)))));
            probes.push(("livenessProbe", Some(with(&handler, timing(interval * 2, retries * 2)))));
            if start > 0 {
                let threshold = start.div_ceil(start_every) + retries;
                probes.push(("startupProbe", Some(with(&handler, timing(start_every, threshold)))));
            }
        }
        (Some(handler), _) => {
            if hc.is_some_and(|h| h.test.is_empty() && !h.disable) {
                ctx.warn(
                    &svc.key("healthcheck"),
                    "approximated",
                    format!(
                        "service `{}`: the healthcheck has no test (the image's HEALTHCHECK is unknown offline); probing its TCP port",
                        svc.name
                    ),
                    Some("write the test in compose, or set `x-berth.probes`".into()),
                );
            }
            probes.push((
                "readinessProbe",
                Some(with(&handler, json!({"periodSeconds": 10, "failureThreshold": 3}))),
            ));
            probes.push((
                "livenessProbe",
                Some(with(&handler, json!({"periodSeconds": 20, "failureThreshold": 6}))),
            ));
        }
        (None, _) => {}
    }
    let knobs = svc.x.probes.clone().unwrap_or_default();
    let off = |o: &Option<ProbeOverride>| o.as_ref().is_some_and(|o| o.disabled);
    let disabled_by_knob = [
        ("readinessProbe", off(&knobs.readiness)),
        ("livenessProbe", off(&knobs.liveness)),
    ];
    for (key, o) in [
        ("readinessProbe", knobs.readiness),
        ("livenessProbe", knobs.liveness),
        ("startupProbe", knobs.startup),
    ] {
        let Some(o) = o else { continue };
        let slot = probes.iter().position(|(k, _)| *k == key);
        let current = slot.and_then(|i| probes.get_mut(i)).and_then(|(_, p)| p.take());
        let updated = apply_override(current, &o, pod);
        match slot.and_then(|i| probes.get_mut(i)) {
            Some(entry) => entry.1 = updated,
            None => probes.push((key, updated)),
        }
    }
    for ((key, knob_off), rule) in disabled_by_knob.into_iter().zip(["REL-READINESS", "REL-LIVENESS"]) {
        let present = probes.iter().any(|(k, p)| *k == key && p.is_some());
        let reason = if knob_off {
            "x-berth.probes disables it"
        } else if disabled {
            "compose healthcheck disabled"
        } else if matches!(kind, WorkloadKind::Job | WorkloadKind::Cronjob) {
            "a Job runs to completion: no healthcheck to probe"
        } else {
            "no healthcheck and no TCP port: a guessed probe restarts healthy pods"
        };
        if !present {
            pod.waive(rule, reason);
        }
    }
    for (key, p) in probes {
        if let Some(p) = p {
            pod.container.insert(key.into(), Value::Object(p));
        }
    }
}

fn with(handler: &Map<String, Value>, timing: Value) -> Map<String, Value> {
    let mut m = handler.clone();
    if let Value::Object(t) = timing {
        m.extend(t);
    }
    m
}

/// `CMD` → exec argv; `CMD-SHELL` → `/bin/sh -c`; anything else is a shell string.
fn exec_handler(test: &[String]) -> Option<Map<String, Value>> {
    let (first, rest) = test.split_first()?;
    let argv: Vec<String> = match first.as_str() {
        "CMD" if !rest.is_empty() => rest.to_vec(),
        "CMD-SHELL" if !rest.is_empty() => vec!["/bin/sh".into(), "-c".into(), rest.join(" ")],
        "CMD" | "CMD-SHELL" | "NONE" => return None,
        _ => vec!["/bin/sh".into(), "-c".into(), test.join(" ")],
    };
    let mut m = Map::new();
    m.insert("exec".into(), json!({"command": argv}));
    Some(m)
}

/// tcpSocket on the first named TCP container port.
fn tcp_handler(pod: &Pod) -> Option<Map<String, Value>> {
    let port = pod
        .ports
        .iter()
        .find(|p| p.get("protocol").and_then(Value::as_str) == Some("TCP"))?
        .get("name")?
        .clone();
    let mut m = Map::new();
    m.insert("tcpSocket".into(), json!({"port": port}));
    Some(m)
}

fn default_port(pod: &Pod, port: Option<&Value>) -> Value {
    port.cloned()
        .or_else(|| pod.ports.first().and_then(|p| p.get("name")).cloned())
        .unwrap_or(json!(80))
}

fn apply_override(current: Option<Map<String, Value>>, o: &ProbeOverride, pod: &Pod) -> Option<Map<String, Value>> {
    if o.disabled {
        return None;
    }
    let mut p = current.unwrap_or_default();
    let handler = if let Some(h) = &o.http_get {
        let mut g = Map::new();
        g.insert("path".into(), json!(h.path));
        g.insert("port".into(), default_port(pod, h.port.as_ref()));
        if let Some(s) = &h.scheme {
            g.insert("scheme".into(), json!(s));
        }
        Some(("httpGet", Value::Object(g)))
    } else if let Some(t) = &o.tcp_socket {
        Some(("tcpSocket", json!({"port": default_port(pod, t.port.as_ref())})))
    } else {
        o.exec.as_ref().map(|e| ("exec", json!({"command": e.command})))
    };
    if let Some((key, value)) = handler {
        for k in ["exec", "httpGet", "tcpSocket", "grpc"] {
            p.shift_remove(k);
        }
        let mut m = Map::new();
        m.insert(key.into(), value);
        m.extend(p);
        p = m;
    }
    for (key, v) in [
        ("initialDelaySeconds", o.initial_delay_seconds),
        ("periodSeconds", o.period_seconds),
        ("timeoutSeconds", o.timeout_seconds),
        ("failureThreshold", o.failure_threshold),
        ("successThreshold", o.success_threshold),
    ] {
        if let Some(v) = v {
            p.insert(key.into(), json!(v));
        }
    }
    let has_handler = ["exec", "httpGet", "tcpSocket", "grpc"]
        .iter()
        .any(|k| p.contains_key(*k));
    has_handler.then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("500ms"), Some(1));
        assert_eq!(seconds("2h"), Some(7200));
        assert_eq!(seconds("1.5s"), Some(2));
        assert_eq!(seconds("0"), Some(0));
        assert_eq!(seconds("10"), None);
        assert_eq!(seconds("abc"), None);
    }

    #[test]
    fn shell_tests_run_under_sh() {
        let h = exec_handler(&["CMD-SHELL".into(), "curl -f http://x || exit 1".into()]).unwrap();
        assert_eq!(
            h["exec"]["command"],
            json!(["/bin/sh", "-c", "curl -f http://x || exit 1"])
        );
        let h = exec_handler(&["CMD".into(), "pg_isready".into(), "-U".into(), "x".into()]).unwrap();
        assert_eq!(h["exec"]["command"], json!(["pg_isready", "-U", "x"]));
    }
}
