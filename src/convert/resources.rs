//! Requests and limits from `deploy.resources` and the legacy `mem_limit`,
//! `mem_reservation` and `cpus`, as exact Kubernetes quantities (`512Mi`, `250m`); nvidia
//! GPU reservations become `nvidia.com/gpu`. What compose leaves unset is left for the
//! hardening profile's defaults.

use serde_json::{Map, Value, json};

use super::{Ctx, Pod, Svc};
use crate::compose::model::ResourceSet;

/// Parses a compose byte size (`512m`, `1.5GB`, `1024`, units b/k/kb/m/mb/g/gb/t/tb,
/// binary as docker reads them, case-insensitive) into bytes.
pub fn bytes(s: &str) -> Option<u64> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    let scale: u64 = match unit {
        "" | "b" => 1,
        "k" | "kb" | "ki" | "kib" => 1 << 10,
        "m" | "mb" | "mi" | "mib" => 1 << 20,
        "g" | "gb" | "gi" | "gib" => 1 << 30,
        "t" | "tb" | "ti" | "tib" => 1 << 40,
        _ => return None,
    };
    if num.contains('.') {
        let n: f64 = num.parse().ok()?;
        let v = (n * scale as f64).round();
        (v.is_finite() && v >= 0.0 && v < u64::MAX as f64).then_some(v as u64)
    } else {
        num.parse::<u64>().ok()?.checked_mul(scale)
    }
}

/// A byte count as the largest exact binary quantity (`1536Mi`, `2Gi`, `1000`).
pub fn byte_quantity(n: u64) -> String {
    for (suffix, shift) in [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        let unit = 1u64 << shift;
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{}{suffix}", n / unit);
        }
    }
    n.to_string()
}

/// A compose byte size as a Kubernetes quantity.
pub fn memory_quantity(s: &str) -> Option<String> {
    bytes(s).map(byte_quantity)
}

/// Compose `cpus` (`0.5`, `2`, `1.25`) as a Kubernetes quantity (`500m`, `2`, `1250m`).
/// Zero means "no limit" in compose, so it gives `None`.
pub fn cpu_quantity(s: &str) -> Option<String> {
    let n: f64 = s.trim().parse().ok()?;
    if !n.is_finite() || n <= 0.0 {
        return None;
    }
    let milli = (n * 1000.0).round().max(1.0) as u64;
    Some(if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    })
}

fn set_quantity(
    ctx: &mut Ctx,
    svc: &Svc,
    at: &str,
    out: &mut Map<String, Value>,
    key: &str,
    raw: Option<&str>,
    parse: fn(&str) -> Option<String>,
) {
    let Some(raw) = raw else { return };
    match parse(raw) {
        Some(q) => {
            out.entry(key).or_insert(json!(q));
        }
        None if key == "cpu" && raw.trim().parse::<f64>().is_ok() => {}
        None => ctx.warn(
            at,
            "dropped-key",
            format!("service `{}`: `{raw}` is not a valid {key} amount; dropped", svc.name),
            Some("write memory as `512m` or `1g` and cpus as `0.5`".into()),
        ),
    }
}

fn from_set(ctx: &mut Ctx, svc: &Svc, at: &str, set: &ResourceSet, out: &mut Map<String, Value>) {
    set_quantity(ctx, svc, at, out, "memory", set.memory.as_deref(), memory_quantity);
    set_quantity(ctx, svc, at, out, "cpu", set.cpus.as_deref(), cpu_quantity);
    if set.pids.is_some() {
        ctx.warn(
            at,
            "dropped-key",
            format!(
                "service `{}`: `pids` is dropped: PID limits are a kubelet setting",
                svc.name
            ),
            None,
        );
    }
    if !set.generic_resources.is_empty() {
        ctx.warn(
            at,
            "dropped-key",
            format!("service `{}`: `generic_resources` are dropped", svc.name),
            Some("request extended resources in `x-berth.resources`".into()),
        );
    }
}

/// The nvidia GPU count of `devices` reservations (`count: all` counts as 1, with a warning).
fn gpus(ctx: &mut Ctx, svc: &Svc, at: &str, devices: &[Value]) -> Option<u64> {
    let mut total = 0;
    for d in devices {
        let caps: Vec<&str> = d
            .get("capabilities")
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .flat_map(|x| x.as_array().cloned().unwrap_or_else(|| vec![x.clone()]))
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .iter()
            .map(|s| if s == "gpu" { "gpu" } else { "other" })
            .collect();
        let nvidia = d.get("driver").and_then(Value::as_str) == Some("nvidia") || caps.contains(&"gpu");
        if !nvidia {
            ctx.warn(
                at,
                "dropped-key",
                format!(
                    "service `{}`: a device reservation other than an nvidia GPU is dropped",
                    svc.name
                ),
                Some("request the device plugin's resource in `x-berth.resources`".into()),
            );
            continue;
        }
        total += match d.get("count") {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(1),
            Some(Value::String(s)) if s.parse::<u64>().is_ok() => s.parse().unwrap_or(1),
            None => match d.get("device_ids").and_then(Value::as_array) {
                Some(ids) => ids.len() as u64,
                None => 1,
            },
            Some(_) => {
                ctx.warn(
                    at,
                    "approximated",
                    format!("service `{}`: GPU `count: all` becomes 1 `nvidia.com/gpu`", svc.name),
                    Some("Kubernetes needs a number; set it in `x-berth.resources.limits`".into()),
                );
                1
            }
        };
    }
    (total > 0).then_some(total)
}

/// Sets the container's `resources` from compose and `x-berth.resources`.
pub fn resources(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let s = svc.s;
    let mut limits = Map::new();
    let mut requests = Map::new();
    let mut gpu = None;
    if let Some(x) = &svc.x.resources {
        for (k, v) in &x.limits {
            limits.insert(k.clone(), v.clone());
        }
        for (k, v) in &x.requests {
            requests.insert(k.clone(), v.clone());
        }
    }
    let at = format!("{}/resources", svc.key("deploy"));
    if let Some(r) = s.deploy.as_ref().map(|d| &d.resources) {
        if let Some(l) = &r.limits {
            from_set(ctx, svc, &format!("{at}/limits"), l, &mut limits);
            gpu = gpus(ctx, svc, &format!("{at}/limits"), &l.devices);
        }
        if let Some(res) = &r.reservations {
            from_set(ctx, svc, &format!("{at}/reservations"), res, &mut requests);
            gpu = gpu.or(gpus(ctx, svc, &format!("{at}/reservations"), &res.devices));
        }
    }
    set_quantity(
        ctx,
        svc,
        &svc.key("mem_limit"),
        &mut limits,
        "memory",
        s.mem_limit.as_deref(),
        memory_quantity,
    );
    set_quantity(
        ctx,
        svc,
        &svc.key("mem_reservation"),
        &mut requests,
        "memory",
        s.mem_reservation.as_deref(),
        memory_quantity,
    );
    set_quantity(
        ctx,
        svc,
        &svc.key("cpus"),
        &mut limits,
        "cpu",
        s.cpus.as_deref(),
        cpu_quantity,
    );
    let service_gpus = match s.extra.get("gpus") {
        Some(Value::String(_)) => Some(1),
        Some(Value::Array(list)) => gpus(ctx, svc, &svc.key("gpus"), list),
        _ => None,
    };
    if let Some(n) = gpu.or(service_gpus) {
        limits.entry("nvidia.com/gpu").or_insert(json!(n.to_string()));
    }
    let mut out = Map::new();
    if !requests.is_empty() {
        out.insert("requests".into(), Value::Object(requests));
    }
    if !limits.is_empty() {
        out.insert("limits".into(), Value::Object(limits));
    }
    if !out.is_empty() {
        pod.container.insert("resources".into(), Value::Object(out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units_are_binary_and_exact() {
        for (input, want) in [
            ("512m", "512Mi"),
            ("512M", "512Mi"),
            ("1g", "1Gi"),
            ("1GB", "1Gi"),
            ("1.5g", "1536Mi"),
            ("2048k", "2Mi"),
            ("1000", "1000"),
            ("100b", "100"),
            ("64kb", "64Ki"),
        ] {
            assert_eq!(memory_quantity(input).as_deref(), Some(want), "{input}");
        }
        assert_eq!(memory_quantity("lots"), None);
    }

    #[test]
    fn cpus_become_millicores() {
        assert_eq!(cpu_quantity("0.5").as_deref(), Some("500m"));
        assert_eq!(cpu_quantity("2").as_deref(), Some("2"));
        assert_eq!(cpu_quantity("1.25").as_deref(), Some("1250m"));
        assert_eq!(cpu_quantity("0.0001").as_deref(), Some("1m"));
        assert_eq!(cpu_quantity("0"), None);
    }
}
