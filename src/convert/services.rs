//! Ports: named container ports, one ClusterIP Service per service (mixed TCP and UDP in
//! the same Service, never renamed by protocol), and exposure only as `x-berth.expose`
//! (or a kompose label) asks: Ingress, LoadBalancer or NodePort.

use serde_json::{Value, json};

use super::xberth::ExposeType;
use super::{Ctx, Pod, Svc, names};
use crate::error::Error;

/// One Service port: number, protocol, and the container port name it targets.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ServicePort {
    port: u16,
    protocol: String,
    target_name: String,
    /// compose `app_protocol`: the Service port's `appProtocol`.
    app_protocol: Option<String>,
}

fn protocol(p: Option<&str>) -> String {
    p.unwrap_or("tcp").to_ascii_uppercase()
}

/// Parses an `expose` entry (`"8080"`, `"8080/udp"`, `"8000-8002"`) into ports.
fn expose_ports(entry: &str) -> Option<(Vec<u16>, String)> {
    let (range, proto) = match entry.split_once('/') {
        Some((r, p)) => (r, protocol(Some(p))),
        None => (entry, "TCP".to_string()),
    };
    let ports = match range.split_once('-') {
        Some((a, b)) => {
            let (a, b): (u16, u16) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a..=b).collect()
        }
        None => vec![range.trim().parse().ok()?],
    };
    Some((ports, proto))
}

/// The container port name for (port, protocol), creating it on first use.
fn container_port(pod: &mut Pod, port: u16, proto: &str, hint: Option<&str>) -> String {
    let existing = pod.ports.iter().find(|p| {
        p.get("containerPort").and_then(Value::as_u64) == Some(u64::from(port))
            && p.get("protocol").and_then(Value::as_str) == Some(proto)
    });
    if let Some(name) = existing.and_then(|p| p.get("name")).and_then(Value::as_str) {
        return name.to_string();
    }
    let base = match hint {
        Some(h) => names::port_name(h),
        None if proto == "TCP" => names::port_name(&port.to_string()),
        None => names::port_name(&format!("p-{port}-{}", proto.to_ascii_lowercase())),
    };
    let taken = |n: &str| {
        pod.ports
            .iter()
            .any(|p| p.get("name").and_then(Value::as_str) == Some(n))
    };
    let mut name = base.clone();
    let mut i = 2;
    while taken(&name) {
        name = names::port_name(&format!("{}-{i}", base.chars().take(12).collect::<String>()));
        i += 1;
    }
    pod.ports
        .push(json!({"name": name, "containerPort": port, "protocol": proto}));
    name
}

/// compose publishes ports on the Docker host; berth exposes a service outside the
/// cluster only when asked (DESIGN.md 4.1), so published ports without `x-berth.expose`
/// are reported once per service rather than silently kept inside.
fn published_only_inside(ctx: &mut Ctx, svc: &Svc) {
    if svc.x.expose.is_some() {
        return;
    }
    let published: Vec<String> = svc
        .s
        .ports
        .iter()
        .filter_map(|p| p.published.as_deref().filter(|p| !p.is_empty() && *p != "0"))
        .map(str::to_string)
        .collect();
    if published.is_empty() {
        return;
    }
    ctx.warn(
        &svc.key("ports"),
        "cluster-only",
        format!(
            "service `{}`: published port(s) {} are reachable inside the cluster only (a ClusterIP Service)",
            svc.name,
            published.join(", ")
        ),
        Some("set `x-berth.expose` (Ingress, LoadBalancer or NodePort) to reach it from outside".into()),
    );
}

/// Container ports from `ports` and `expose`; the Service ports are kept for
/// `service_objects` in `pod.service_ports` (the first use of a port number and
/// protocol wins).
pub fn ports(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let mut service_ports: Vec<ServicePort> = Vec::new();
    let root = is_root(svc);
    for (i, p) in svc.s.ports.iter().enumerate() {
        let at = format!("{}/{i}", svc.key("ports"));
        let proto = protocol(p.protocol.as_deref());
        let hint = p.name.as_deref().or(p.app_protocol.as_deref());
        let target_name = container_port(pod, p.target, &proto, hint);
        let published = p
            .published
            .as_deref()
            .filter(|p| !p.is_empty() && *p != "0")
            .map(|pub_| published_port(ctx, svc, &at, pub_, p.target));
        if p.host_ip.as_deref().is_some_and(|ip| ip != "0.0.0.0" && ip != "::") {
            ctx.warn(
                &at,
                "approximated",
                format!(
                    "service `{}`: port {} is bound to host IP {} in compose; the Service is reachable inside the cluster only",
                    svc.name,
                    p.target,
                    p.host_ip.as_deref().unwrap_or_default()
                ),
                None,
            );
        }
        if p.mode.as_deref() == Some("host") {
            ctx.warn(
                &at,
                "approximated",
                format!(
                    "service `{}`: port {} `mode: host` becomes a Service port, not a hostPort",
                    svc.name, p.target
                ),
                None,
            );
        }
        low_port(ctx, svc, &at, p.target, root);
        service_ports.push(ServicePort {
            port: published.unwrap_or(p.target),
            protocol: proto,
            target_name,
            app_protocol: p.app_protocol.clone(),
        });
    }
    published_only_inside(ctx, svc);
    for (i, e) in svc.s.expose.iter().enumerate() {
        let at = format!("{}/{i}", svc.key("expose"));
        let Some((list, proto)) = expose_ports(e) else {
            ctx.warn(
                &at,
                "dropped-key",
                format!("service `{}`: `expose: {e}` is not a port; dropped", svc.name),
                None,
            );
            continue;
        };
        for port in list {
            low_port(ctx, svc, &at, port, root);
            let target_name = container_port(pod, port, &proto, None);
            service_ports.push(ServicePort {
                port,
                protocol: proto.clone(),
                target_name,
                app_protocol: None,
            });
        }
    }
    let mut seen = Vec::new();
    service_ports.retain(|p| {
        let k = (p.port, p.protocol.clone());
        if seen.contains(&k) {
            false
        } else {
            seen.push(k);
            true
        }
    });
    let scratch: Vec<Value> = service_ports
        .into_iter()
        .map(
            |p| json!({"port": p.port, "protocol": p.protocol, "target": p.target_name, "appProtocol": p.app_protocol}),
        )
        .collect();
    pod.service_ports = scratch;
}

fn published_port(ctx: &mut Ctx, svc: &Svc, at: &str, published: &str, target: u16) -> u16 {
    if let Ok(p) = published.parse() {
        return p;
    }
    let first = published.split('-').next().and_then(|p| p.parse().ok());
    ctx.warn(
        at,
        "approximated",
        format!(
            "service `{}`: published range `{published}` becomes one Service port",
            svc.name
        ),
        Some("a Service port is a single number; list each port if you need several".into()),
    );
    first.unwrap_or(target)
}

/// True when compose says the service runs as root.
pub fn is_root(svc: &Svc) -> bool {
    let user = svc.s.user.as_deref().map(|u| u.split(':').next().unwrap_or(u));
    matches!(user, Some("root") | Some("0")) || svc.x.security_context.as_ref().and_then(|s| s.run_as_user) == Some(0)
}

fn low_port(ctx: &mut Ctx, svc: &Svc, at: &str, port: u16, root: bool) {
    if port >= 1024 || root {
        return;
    }
    ctx.warn(
        at,
        "low-port",
        format!(
            "service `{}` listens on port {port}: a non-root container cannot bind ports below 1024 in Kubernetes",
            svc.name
        ),
        Some(format!(
            "make the container listen on a port ≥ 1024 (e.g. {}) and change the compose target port; the Service can keep port {port}. Or allow it with sysctl `net.ipv4.ip_unprivileged_port_start=0`, or run as root with a waiver",
            u32::from(port) + 8000
        )),
    );
}

/// The Service (and Ingress) for a service with ports.
pub fn service_objects(ctx: &mut Ctx, svc: &Svc, pod: &Pod) -> Result<(), Error> {
    let ports = &pod.service_ports;
    let origin = ctx.origin(&svc.key("ports"));
    let expose = svc.x.expose.clone();
    if ports.is_empty() {
        unreachable(ctx, svc);
        if expose.is_some() {
            ctx.warn(
                &svc.key("x-berth"),
                "dropped-key",
                format!("service `{}` is exposed but has no ports; nothing to expose", svc.name),
                Some("add `ports:` or `expose:` to the service".into()),
            );
        }
        return Ok(());
    }
    let mut sports: Vec<Value> = Vec::new();
    for p in ports {
        let port = p.get("port").cloned().unwrap_or(Value::Null);
        let proto = p.get("protocol").cloned().unwrap_or(Value::Null);
        let target = p.get("target").cloned().unwrap_or(Value::Null);
        let name = unique_port_name(&sports, target.as_str().unwrap_or("p"), &port);
        let mut sport = json!({"name": name, "port": port, "targetPort": target, "protocol": proto});
        if let (Some(app), Some(o)) = (p.get("appProtocol").filter(|a| a.is_string()), sport.as_object_mut()) {
            o.insert("appProtocol".into(), app.clone());
        }
        sports.push(sport);
    }
    let kind = expose.as_ref().map_or(ExposeType::Clusterip, |e| e.kind);
    let svc_type = match kind {
        ExposeType::Loadbalancer => "LoadBalancer",
        ExposeType::Nodeport => "NodePort",
        _ => "ClusterIP",
    };
    if let (Some(np), ExposeType::Nodeport) = (expose.as_ref().and_then(|e| e.node_port), kind) {
        if sports.len() == 1 {
            if let Some(first) = sports.first_mut().and_then(Value::as_object_mut) {
                first.insert("nodePort".into(), json!(np));
            }
        } else {
            ctx.warn(
                &svc.key("x-berth"),
                "dropped-key",
                format!(
                    "service `{}`: a fixed nodePort needs exactly one port; dropped",
                    svc.name
                ),
                None,
            );
        }
    }
    let mut spec = serde_json::Map::new();
    spec.insert("type".into(), json!(svc_type));
    if kind == ExposeType::Headless {
        spec.insert("clusterIP".into(), json!("None"));
    }
    spec.insert("selector".into(), Value::Object(names::selector_labels(svc.name)));
    spec.insert("ports".into(), json!(sports));
    let value = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": ctx.meta(&svc.obj, svc.labels()),
        "spec": spec,
    });
    ctx.push(value, origin.clone())?;
    alias_services(ctx, svc, &sports)?;
    // Host names ask for an Ingress whatever the Service type (kompose's
    // `service.type: nodeport` beside `service.expose: host` gives both).
    if let Some(e) = expose.filter(|e| e.kind == ExposeType::Ingress || !e.hosts.is_empty()) {
        ingress(ctx, svc, &e, &sports, origin)?;
    }
    Ok(())
}

/// Compose lets services reach each other by name on any port; Kubernetes needs a Service,
/// and a Service needs ports. Warn when a service others depend on declares none.
fn unreachable(ctx: &mut Ctx, svc: &Svc) {
    let dependents: Vec<&str> = ctx
        .project
        .services
        .iter()
        .filter(|(_, s)| {
            s.depends_on
                .get(svc.name)
                .is_some_and(|d| d.condition != "service_completed_successfully")
                || s.links.iter().any(|l| l.split(':').next() == Some(svc.name))
        })
        .map(|(n, _)| n.as_str())
        .collect();
    if dependents.is_empty() || svc.s.network_mode.as_deref() == Some("host") {
        return;
    }
    ctx.warn(
        &svc.ptr,
        "no-service",
        format!(
            "service `{}` has no ports, so it gets no Service: `{}` cannot reach it by name",
            svc.name,
            dependents.join("`, `")
        ),
        Some("list the ports it listens on under `expose:` (e.g. `expose: [\"5432\"]`)".into()),
    );
}

/// Names other services may use for this one: `links: [svc:alias]` and network
/// `aliases`, in first-seen order, without the service's own name.
fn aliases(ctx: &Ctx, svc: &Svc) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let from_links = ctx
        .project
        .services
        .values()
        .flat_map(|s| s.links.iter())
        .filter_map(|l| {
            let (target, alias) = l.split_once(':')?;
            (target == svc.name).then(|| alias.to_string())
        });
    let from_networks = svc
        .s
        .networks
        .values()
        .flatten()
        .flat_map(|n| n.aliases.iter().cloned());
    for a in from_links.chain(from_networks) {
        if a != svc.name && !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// One more ClusterIP Service per alias, selecting the same pods, so the alias resolves
/// in cluster DNS as it does on a compose network.
fn alias_services(ctx: &mut Ctx, svc: &Svc, sports: &[Value]) -> Result<(), Error> {
    for alias in aliases(ctx, svc) {
        let name = names::dns1035_label(&alias, 63);
        if name != alias {
            ctx.warn(
                &svc.key("networks"),
                "approximated",
                format!(
                    "service `{}`: alias `{alias}` becomes the Service name `{name}`",
                    svc.name
                ),
                Some("use DNS-label aliases (lowercase letters, digits, `-`)".into()),
            );
        }
        let value = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": ctx.meta(&name, svc.labels()),
            "spec": {
                "type": "ClusterIP",
                "selector": names::selector_labels(svc.name),
                "ports": sports,
            }
        });
        let origin = ctx.origin(&svc.ptr);
        ctx.push(value, origin)?;
    }
    Ok(())
}

fn unique_port_name(existing: &[Value], base: &str, port: &Value) -> String {
    let taken = |n: &str| {
        existing
            .iter()
            .any(|p| p.get("name").and_then(Value::as_str) == Some(n))
    };
    if !taken(base) {
        return base.to_string();
    }
    let cut: String = base.chars().take(12).collect();
    (2..)
        .map(|i| names::port_name(&format!("{cut}-{i}")))
        .find(|n| !taken(n))
        .unwrap_or_else(|| names::port_name(&format!("p-{}", port.as_u64().unwrap_or(0))))
}

fn ingress(
    ctx: &mut Ctx,
    svc: &Svc,
    e: &super::xberth::Expose,
    sports: &[Value],
    origin: Option<crate::source::Origin>,
) -> Result<(), Error> {
    let wanted = e.port.map(u64::from);
    let chosen = sports
        .iter()
        .find(|p| wanted.is_none_or(|w| p.get("port").and_then(Value::as_u64) == Some(w)))
        .or_else(|| sports.first());
    let Some(port) = chosen.and_then(|p| p.get("port")).cloned() else {
        return Ok(());
    };
    let path = e.path.clone().unwrap_or_else(|| "/".into());
    let backend = json!({"service": {"name": svc.obj, "port": {"number": port}}});
    let http = json!({"paths": [{"path": path, "pathType": "Prefix", "backend": backend}]});
    let rules: Vec<Value> = if e.hosts.is_empty() {
        vec![json!({"http": http})]
    } else {
        e.hosts.iter().map(|h| json!({"host": h, "http": http})).collect()
    };
    let mut spec = serde_json::Map::new();
    if let Some(c) = &e.class_name {
        spec.insert("ingressClassName".into(), json!(c));
    }
    if let Some(secret) = &e.tls_secret {
        let mut tls = serde_json::Map::new();
        if !e.hosts.is_empty() {
            tls.insert("hosts".into(), json!(e.hosts));
        }
        tls.insert("secretName".into(), json!(secret));
        spec.insert("tls".into(), json!([tls]));
    }
    spec.insert("rules".into(), Value::Array(rules));
    let value = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": ctx.meta(&svc.obj, svc.labels()),
        "spec": spec,
    });
    ctx.push(value, origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expose_entries() {
        assert_eq!(expose_ports("8080"), Some((vec![8080], "TCP".into())));
        assert_eq!(expose_ports("53/udp"), Some((vec![53], "UDP".into())));
        assert_eq!(expose_ports("1-3"), Some((vec![1, 2, 3], "TCP".into())));
        assert_eq!(expose_ports("x"), None);
    }
}
