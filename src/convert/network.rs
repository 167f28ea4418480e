//! NetworkPolicies from the compose graph: default deny, DNS egress, and one policy per
//! workload allowing exactly the traffic compose implies, scoped to container ports.
//!
//! Compose lets every member of a network call every other member; Kubernetes lets
//! every pod call every pod. berth narrows that to the edges the file states:
//! `depends_on`, `links`, and service names (or aliases) in `environment` values and
//! `command`/`entrypoint` arguments (`db:5432`, `postgres://db/x`); a bare environment
//! value (`db`) counts only under a host-like variable name (`DB_HOST`), so `MODE: web`
//! opens nothing. Docker only routes
//! between services that share a network, so an edge counts only when caller and
//! callee share one. A service that states no edge at all, in or out, falls back to
//! compose's own rule ("members of a network reach each other", on their declared
//! container ports) with a `network-fallback` warning, since berth cannot know what it
//! calls; those rules select groups, so their size stays linear in the project.
//!
//! Ports are the callee's container ports (`ports[].target`, `expose`), because a
//! NetworkPolicy sees pod ports, never Service ports. A callee that declares none gets
//! the ports callers name (`db:5432`, or the URL scheme's default port), else every
//! port with a `network-ports-unknown` warning.
//!
//! Services on at least one non-`internal` network may reach addresses outside the
//! cluster's private ranges, as in compose; `internal: true` networks give no egress
//! beyond their members. External networks are reported (`network-external`): other
//! projects become other namespaces, which stay unreachable. Exposed services
//! (`x-berth.expose`) accept traffic from the ingress controller's namespace, or from
//! anywhere for LoadBalancer/NodePort; published ports alone stay cluster-internal.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::compose::Project;
use crate::compose::model::Service;
use crate::convert::names;
use crate::convert::xberth::ExposeType;
use crate::error::Warnings;
use crate::manifest::Object;

/// Name of the namespace-wide deny policy.
pub const DEFAULT_DENY: &str = "default-deny-all";
/// Name of the namespace-wide DNS egress policy.
pub const DNS_EGRESS: &str = "allow-dns-egress";

/// Private and link-local ranges kept out of the "outside the cluster" egress rule: pod
/// and Service networks live there, and so do cloud metadata endpoints.
const PRIVATE_V4: &[&str] = &[
    "10.0.0.0/8",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
];
const PRIVATE_V6: &[&str] = &["fc00::/7", "fe80::/10"];

/// The cluster-specific labels policies refer to. Defaults fit most clusters; the
/// top-level `x-berth.network` overrides them.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkKnobs {
    /// Namespace of the cluster DNS pods.
    pub dns_namespace: String,
    /// Labels of the cluster DNS pods.
    pub dns_pod_labels: Map<String, Value>,
    /// Namespace of the ingress controller, matched by `kubernetes.io/metadata.name`.
    pub ingress_namespace: String,
}

impl Default for NetworkKnobs {
    fn default() -> Self {
        let mut dns_pod_labels = Map::new();
        dns_pod_labels.insert("k8s-app".into(), json!("kube-dns"));
        NetworkKnobs {
            dns_namespace: "kube-system".into(),
            dns_pod_labels,
            ingress_namespace: "ingress-nginx".into(),
        }
    }
}

impl NetworkKnobs {
    /// The defaults, with what the top-level `x-berth.network` sets instead. `convert`
    /// has already rejected invalid knobs before policies are built.
    pub fn of(project: &Project) -> Self {
        let mut knobs = NetworkKnobs::default();
        let Some(set) = super::xberth::project_knobs(project).ok().and_then(|k| k.network) else {
            return knobs;
        };
        if let Some(ns) = set.ingress_namespace {
            knobs.ingress_namespace = ns;
        }
        if let Some(ns) = set.dns_namespace {
            knobs.dns_namespace = ns;
        }
        if let Some(labels) = set.dns_pod_labels {
            knobs.dns_pod_labels = labels.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        }
        knobs
    }
}

/// The NetworkPolicies for a project in `namespace`.
pub fn network_policies(project: &Project, namespace: &str, warnings: &mut Warnings) -> Vec<Object> {
    network_policies_with(project, namespace, &NetworkKnobs::of(project), warnings)
}

/// As `network_policies`, with explicit cluster knobs.
pub fn network_policies_with(
    project: &Project,
    namespace: &str,
    knobs: &NetworkKnobs,
    warnings: &mut Warnings,
) -> Vec<Object> {
    let graph = Graph::build(project, warnings);
    let mut out = vec![
        Object::new(default_deny(project, namespace), None),
        Object::new(dns_egress(project, namespace, knobs), None),
    ];
    let mut services: Vec<&String> = project.services.keys().collect();
    services.sort_by_key(|s| (names::object_name(s), s.to_string()));
    for name in services {
        let Some(service) = project.services.get(name) else {
            continue;
        };
        let value = service_policy(project, &graph, name, service, namespace, knobs);
        out.push(Object::new(value, project.origin(&service_pointer(name))));
    }
    out
}

fn service_pointer(name: &str) -> String {
    format!("/services/{}", crate::yaml::pointer_segment(name))
}

fn shared_labels(project: &Project) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "app.kubernetes.io/part-of".into(),
        json!(names::dns_label(&project.name, 63)),
    );
    m.insert("app.kubernetes.io/managed-by".into(), json!("berth"));
    m
}

fn default_deny(project: &Project, namespace: &str) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": DEFAULT_DENY, "namespace": namespace, "labels": shared_labels(project)},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    })
}

fn dns_egress(project: &Project, namespace: &str, knobs: &NetworkKnobs) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": DNS_EGRESS, "namespace": namespace, "labels": shared_labels(project)},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [{
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": knobs.dns_namespace}},
                    "podSelector": {"matchLabels": knobs.dns_pod_labels},
                }],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }],
        },
    })
}

/// The policy name of a service: its object name, unless that is taken by a shared policy.
fn policy_name(service: &str) -> String {
    let name = names::object_name(service);
    if name == DEFAULT_DENY || name == DNS_EGRESS {
        format!("{name}-service")
    } else {
        name
    }
}

fn service_policy(
    project: &Project,
    graph: &Graph,
    name: &str,
    service: &Service,
    namespace: &str,
    knobs: &NetworkKnobs,
) -> Value {
    let mut ingress = exposure_rules(project, name, service, knobs);
    ingress.extend(graph.ingress(name));
    let mut egress = graph.egress(name);
    egress.extend(extra_host_rules(service));
    // The user's own rules (`x-berth.networkPolicy`) come last, after what compose implies.
    // `convert` has already rejected invalid knobs before policies are built.
    let ptr = service_pointer(name);
    if let Some(own) = super::xberth::service_knobs(project, &ptr, service)
        .ok()
        .and_then(|k| k.network_policy)
    {
        ingress.extend(own.ingress.iter().filter_map(|r| serde_json::to_value(r).ok()));
        egress.extend(own.egress.iter().filter_map(|r| serde_json::to_value(r).ok()));
    }
    let mut spec = Map::new();
    spec.insert(
        "podSelector".into(),
        json!({"matchLabels": names::selector_labels(name)}),
    );
    spec.insert("policyTypes".into(), json!(["Ingress", "Egress"]));
    if !ingress.is_empty() {
        spec.insert("ingress".into(), Value::Array(ingress));
    }
    if !egress.is_empty() {
        spec.insert("egress".into(), Value::Array(egress));
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": policy_name(name),
            "namespace": namespace,
            "labels": names::common_labels(&project.name, name),
        },
        "spec": spec,
    })
}

/// Egress to the addresses compose `extra_hosts` names: the user mapped those hosts on
/// purpose, and private ones would otherwise fall in the excluded private ranges.
fn extra_host_rules(service: &Service) -> Option<Value> {
    let addresses: BTreeSet<std::net::IpAddr> = service
        .extra_hosts
        .values()
        .flatten()
        .filter_map(|a| a.trim_matches(['[', ']']).parse().ok())
        .collect();
    if addresses.is_empty() {
        return None;
    }
    let peers: Vec<Value> = addresses
        .iter()
        .map(|ip| {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            json!({"ipBlock": {"cidr": format!("{ip}/{bits}")}})
        })
        .collect();
    Some(rule("to", Value::Array(peers), None))
}

fn pod_peer(service: &str) -> Value {
    json!([{"podSelector": {"matchLabels": names::selector_labels(service)}}])
}

/// `ipBlock` peers for "anywhere", without the private ranges when `public_only`.
fn outside_peers(public_only: bool) -> Value {
    let block = |cidr: &str, except: &[&str]| {
        if public_only {
            json!({"ipBlock": {"cidr": cidr, "except": except}})
        } else {
            json!({"ipBlock": {"cidr": cidr}})
        }
    };
    json!([block("0.0.0.0/0", PRIVATE_V4), block("::/0", PRIVATE_V6)])
}

/// One rule: peers in `direction` (`from`/`to`), on `ports` (`None`: every port).
fn rule(direction: &str, peers: Value, ports: Option<&BTreeSet<PortSpec>>) -> Value {
    let mut r = Map::new();
    r.insert(direction.into(), peers);
    if let Some(ports) = ports {
        r.insert("ports".into(), ports.iter().map(PortSpec::to_json).collect());
    }
    Value::Object(r)
}

/// A NetworkPolicy port: one port or a range, with its protocol.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PortSpec {
    port: u16,
    end: Option<u16>,
    protocol: &'static str,
}

impl PortSpec {
    fn tcp(port: u16) -> Self {
        PortSpec {
            port,
            end: None,
            protocol: "TCP",
        }
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("protocol".into(), json!(self.protocol));
        m.insert("port".into(), json!(self.port));
        if let Some(end) = self.end {
            m.insert("endPort".into(), json!(end));
        }
        Value::Object(m)
    }
}

fn protocol(name: Option<&str>) -> &'static str {
    match name.map(str::to_ascii_lowercase).as_deref() {
        Some("udp") => "UDP",
        Some("sctp") => "SCTP",
        _ => "TCP",
    }
}

/// `expose` entries: `"8080"`, `"8080/udp"`, `"8000-8010"`, `"8000-8010/tcp"`.
fn parse_expose(entry: &str) -> Option<PortSpec> {
    let (range, proto) = match entry.split_once('/') {
        Some((r, p)) => (r, Some(p)),
        None => (entry, None),
    };
    let (start, end) = match range.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, Some(b.trim().parse().ok()?)),
        None => (range.trim().parse().ok()?, None),
    };
    let end = end.filter(|e| *e > start);
    Some(PortSpec {
        port: start,
        end,
        protocol: protocol(proto),
    })
}

/// The container ports a service listens on.
fn container_ports(service: &Service) -> BTreeSet<PortSpec> {
    let declared = service.ports.iter().filter(|p| p.target > 0).map(|p| PortSpec {
        port: p.target,
        end: None,
        protocol: protocol(p.protocol.as_deref()),
    });
    declared
        .chain(service.expose.iter().filter_map(|e| parse_expose(e)))
        .collect()
}

/// Where traffic to an exposed service comes from (ordered: rules come out sorted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Exposure {
    /// Through the ingress controller.
    Ingress,
    /// Straight from outside the cluster (LoadBalancer, NodePort).
    External,
}

/// Reads `x-berth.expose`: absent, `null` or `false` mean not exposed; an object (or a
/// list of them) whose `type` is `LoadBalancer` or `NodePort` means external; anything
/// else (`true`, a host, an Ingress entry) means through the ingress controller.
fn exposures(project: &Project, name: &str, service: &Service) -> BTreeSet<Exposure> {
    // The same typed knobs the converter reads (x-berth, then kompose labels), so the
    // policy admits exactly the traffic of the Service and Ingress it made. `convert`
    // has already rejected invalid knobs before policies are built.
    let ptr = format!("/services/{}", crate::yaml::pointer_segment(name));
    let Some(expose) = super::xberth::service_knobs(project, &ptr, service)
        .ok()
        .and_then(|k| k.expose)
    else {
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    match expose.kind {
        ExposeType::Loadbalancer | ExposeType::Nodeport => {
            out.insert(Exposure::External);
        }
        ExposeType::Ingress => {
            out.insert(Exposure::Ingress);
        }
        ExposeType::Clusterip | ExposeType::Headless => {}
    }
    if !expose.hosts.is_empty() {
        out.insert(Exposure::Ingress);
    }
    out
}

/// Ingress rules for an exposed service, on the targets of its published ports (or all
/// its container ports when none is published).
fn exposure_rules(project: &Project, name: &str, service: &Service, knobs: &NetworkKnobs) -> Vec<Value> {
    let published: BTreeSet<PortSpec> = service
        .ports
        .iter()
        .filter(|p| p.published.is_some() && p.target > 0)
        .map(|p| PortSpec {
            port: p.target,
            end: None,
            protocol: protocol(p.protocol.as_deref()),
        })
        .collect();
    let ports = if published.is_empty() {
        container_ports(service)
    } else {
        published
    };
    if ports.is_empty() {
        return Vec::new();
    }
    exposures(project, name, service)
        .into_iter()
        .map(|e| match e {
            Exposure::Ingress => {
                let peer = json!([{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": knobs.ingress_namespace,
                }}}]);
                rule("from", peer, Some(&ports))
            }
            Exposure::External => rule("from", outside_peers(false), Some(&ports)),
        })
        .collect()
}

/// Ports per edge: `None` means every port.
type Ports = Option<BTreeSet<PortSpec>>;

/// The allowed traffic between services.
struct Graph {
    /// Stated edges, (caller, callee) → ports.
    out: BTreeMap<(String, String), Ports>,
    /// The same edges, (callee, caller) → ports.
    into: BTreeMap<(String, String), Ports>,
    /// Fallback rules per service (already built: they select groups, not one service).
    fallback_ingress: BTreeMap<String, Vec<Value>>,
    fallback_egress: BTreeMap<String, Vec<Value>>,
    /// Services that may reach addresses outside the cluster.
    outside: BTreeSet<String>,
}

impl Graph {
    fn build(project: &Project, warnings: &mut Warnings) -> Graph {
        let nets: BTreeMap<&str, BTreeSet<String>> = project
            .services
            .iter()
            .map(|(name, s)| (name.as_str(), networks_of(project, name, s)))
            .collect();
        let shares = |a: &str, b: &str| match (nets.get(a), nets.get(b)) {
            (Some(x), Some(y)) => !x.is_disjoint(y),
            _ => false,
        };
        let hosts = host_names(project);
        let mut hinted: BTreeMap<(String, String), BTreeSet<u16>> = BTreeMap::new();
        for (caller, service) in &project.services {
            for (callee, port) in stated_callees(service, &hosts) {
                if callee != *caller && project.services.contains_key(&callee) && shares(caller, &callee) {
                    let ports = hinted.entry((caller.clone(), callee)).or_default();
                    ports.extend(port);
                }
            }
        }
        // Waiting for a one-shot service to complete is ordering, not traffic: no rule, but
        // both sides have stated what they need, so neither falls back to the network.
        let ordered = project.services.iter().flat_map(|(caller, s)| {
            s.depends_on
                .iter()
                .filter(|(_, d)| d.condition == COMPLETED)
                .map(move |(callee, _)| [caller.as_str(), callee.as_str()])
        });
        let connected: BTreeSet<&str> = hinted
            .keys()
            .flat_map(|(a, b)| [a.as_str(), b.as_str()])
            .chain(ordered.flatten())
            .collect();
        let fallback = Fallback::build(project, &nets, &connected, warnings);
        let out = stated_ports(project, hinted, warnings);
        let into = out
            .iter()
            .map(|((a, b), p)| ((b.clone(), a.clone()), p.clone()))
            .collect();
        warn_external(project, &nets, warnings);
        let outside = project
            .services
            .keys()
            .filter(|name| {
                nets.get(name.as_str())
                    .is_some_and(|n| n.iter().any(|n| !is_internal(project, n)))
            })
            .cloned()
            .collect();
        Graph {
            out,
            into,
            fallback_ingress: fallback.ingress,
            fallback_egress: fallback.egress,
            outside,
        }
    }

    /// The ingress rules of a service: stated callers by name, then fallback groups.
    fn ingress(&self, service: &str) -> Vec<Value> {
        let stated = neighbours(&self.into, service).map(|(caller, ports)| rule("from", pod_peer(caller), ports));
        stated
            .chain(self.fallback_ingress.get(service).into_iter().flatten().cloned())
            .collect()
    }

    /// The egress rules of a service: stated callees, fallback groups, then outside.
    fn egress(&self, service: &str) -> Vec<Value> {
        let stated = neighbours(&self.out, service).map(|(callee, ports)| rule("to", pod_peer(callee), ports));
        let mut rules: Vec<Value> = stated
            .chain(self.fallback_egress.get(service).into_iter().flatten().cloned())
            .collect();
        if self.outside.contains(service) {
            rules.push(json!({"to": outside_peers(true)}));
        }
        rules
    }
}

/// The entries `(from, x)` of an edge map, as `(x, ports)`.
fn neighbours<'a>(
    edges: &'a BTreeMap<(String, String), Ports>,
    from: &'a str,
) -> impl Iterator<Item = (&'a str, Option<&'a BTreeSet<PortSpec>>)> {
    edges
        .range((from.to_string(), String::new())..)
        .take_while(move |((a, _), _)| a == from)
        .map(|((_, b), ports)| (b.as_str(), ports.as_ref()))
}

/// Ports of stated edges: the callee's container ports, else the ports callers name,
/// else every port (with one warning per callee).
fn stated_ports(
    project: &Project,
    hinted: BTreeMap<(String, String), BTreeSet<u16>>,
    warnings: &mut Warnings,
) -> BTreeMap<(String, String), Ports> {
    let mut edges = BTreeMap::new();
    let mut unknown: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for ((caller, callee), hints) in hinted {
        let declared = project.services.get(&callee).map(container_ports).unwrap_or_default();
        let ports = if !declared.is_empty() {
            Some(declared)
        } else if !hints.is_empty() {
            Some(hints.into_iter().map(PortSpec::tcp).collect())
        } else {
            unknown.entry(callee.clone()).or_default().insert(caller.clone());
            None
        };
        edges.insert((caller, callee), ports);
    }
    for (callee, callers) in unknown {
        let list: Vec<&str> = callers.iter().map(String::as_str).collect();
        warnings.push(
            project.origin(&service_pointer(&callee)),
            "network-ports-unknown",
            format!(
                "service `{callee}` declares no ports, so the NetworkPolicy lets {} reach it on every port",
                list.join(", ")
            ),
            Some(format!(
                "list the ports `{callee}` listens on under `expose:` (or `ports:`)"
            )),
        );
    }
    edges
}

/// Compose's own rule for services that state no edge at all ("lone"): on each network,
/// a lone service and the other members reach each other's declared container ports.
/// Rules select groups of services (one rule per network, not one per pair), so a
/// project of many lone services stays linear in size.
#[derive(Default)]
struct Fallback {
    ingress: BTreeMap<String, Vec<Value>>,
    egress: BTreeMap<String, Vec<Value>>,
}

impl Fallback {
    fn build(
        project: &Project,
        nets: &BTreeMap<&str, BTreeSet<String>>,
        connected: &BTreeSet<&str>,
        warnings: &mut Warnings,
    ) -> Fallback {
        let mut members: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (service, networks) in nets {
            for n in networks {
                members.entry(n.as_str()).or_default().insert(service);
            }
        }
        let all: BTreeSet<&str> = project.services.keys().map(String::as_str).collect();
        let ports = |s: &str| project.services.get(s).map(container_ports).unwrap_or_default();
        let union = |set: &BTreeSet<&str>| set.iter().flat_map(|s| ports(s)).collect::<BTreeSet<PortSpec>>();
        let mut fb = Fallback::default();
        let mut warned: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (network, members) in &members {
            let lone: BTreeSet<&str> = members.iter().copied().filter(|s| !connected.contains(s)).collect();
            if lone.is_empty() || members.len() < 2 {
                continue;
            }
            let member_ports = union(members);
            let lone_ports = union(&lone);
            for service in members {
                let (peers, peer_ports) = if lone.contains(service) {
                    (members, &member_ports)
                } else {
                    (&lone, &lone_ports)
                };
                let peer = group_peer(peers, &all);
                let own = ports(service);
                if !own.is_empty() {
                    let r = rule("from", peer.clone(), Some(&own));
                    fb.ingress.entry(service.to_string()).or_default().push(r);
                }
                if !peer_ports.is_empty() {
                    let r = rule("to", peer, Some(peer_ports));
                    fb.egress.entry(service.to_string()).or_default().push(r);
                }
                if lone.contains(service) && (!own.is_empty() || !peer_ports.is_empty()) {
                    warned.entry(service).or_default().insert(network);
                }
            }
        }
        for (service, networks) in warned {
            let list: Vec<&str> = networks.into_iter().collect();
            warnings.push(
                project.origin(&service_pointer(service)),
                "network-fallback",
                format!(
                    "service `{service}` names no other service (depends_on, links or environment), so the \
                     NetworkPolicies allow traffic between it and the other services on network(s) {} on their \
                     container ports",
                    list.join(", ")
                ),
                Some(format!(
                    "list the services `{service}` calls under `depends_on:` to allow only those"
                )),
            );
        }
        fb
    }
}

/// A peer selecting a group of services: every pod of the namespace when the group is
/// the whole project, else the services by name, or all but the others by name when
/// that list is shorter (pods of the namespace that berth did not make match too, as
/// with the empty selector).
fn group_peer(group: &BTreeSet<&str>, all: &BTreeSet<&str>) -> Value {
    if group == all {
        return json!([{"podSelector": {}}]);
    }
    if let [one] = group.iter().collect::<Vec<_>>()[..] {
        return pod_peer(one);
    }
    let others: BTreeSet<&str> = all.difference(group).copied().collect();
    let (operator, listed) = if others.len() < group.len() {
        ("NotIn", &others)
    } else {
        ("In", group)
    };
    let values: BTreeSet<String> = listed.iter().map(|s| names::object_name(s)).collect();
    json!([{"podSelector": {"matchExpressions": [{
        "key": names::NAME_LABEL,
        "operator": operator,
        "values": values,
    }]}}])
}

/// The networks a service is attached to; `network_mode: service:X` shares X's.
fn networks_of(project: &Project, name: &str, service: &Service) -> BTreeSet<String> {
    networks_at(project, name, service, 0)
}

fn networks_at(project: &Project, name: &str, service: &Service, depth: usize) -> BTreeSet<String> {
    match service.network_mode.as_deref() {
        Some("none") => BTreeSet::new(),
        Some(mode) if mode.starts_with("service:") => {
            let target = mode.trim_start_matches("service:");
            match project.services.get(target) {
                Some(t) if target != name && depth < 8 => networks_at(project, target, t, depth + 1),
                _ => BTreeSet::new(),
            }
        }
        _ if service.networks.is_empty() => BTreeSet::from(["default".to_string()]),
        _ => service.networks.keys().cloned().collect(),
    }
}

/// An external network connects this project to containers of other projects; in
/// Kubernetes those live in other namespaces, which the policies do not let in or out.
fn warn_external(project: &Project, nets: &BTreeMap<&str, BTreeSet<String>>, warnings: &mut Warnings) {
    for (name, network) in project.networks.iter().filter(|(_, n)| n.external) {
        let members: Vec<&str> = nets.iter().filter(|(_, n)| n.contains(name)).map(|(s, _)| *s).collect();
        if members.is_empty() {
            continue;
        }
        let shown = network.name.as_deref().unwrap_or(name);
        warnings.push(
            project.origin(&format!("/networks/{}", crate::yaml::pointer_segment(name))),
            "network-external",
            format!(
                "network `{shown}` is external: the NetworkPolicies allow {} to reach only this project's \
                 services and addresses outside the cluster, not workloads of other namespaces",
                members.join(", ")
            ),
            Some("add a NetworkPolicy (or an overlay patch) that allows the other namespace".into()),
        );
    }
}

fn is_internal(project: &Project, network: &str) -> bool {
    project.networks.get(network).is_some_and(|n| n.internal)
}

/// Every name a service answers to on its networks (lowercase): its own name, its
/// `container_name` and its network aliases.
fn host_names(project: &Project) -> BTreeMap<String, String> {
    let mut hosts = BTreeMap::new();
    for (name, service) in &project.services {
        let aliases = service
            .networks
            .values()
            .flatten()
            .flat_map(|n| n.aliases.iter())
            .chain(service.container_name.iter());
        for alias in aliases {
            hosts.entry(alias.to_ascii_lowercase()).or_insert_with(|| name.clone());
        }
    }
    // Service names win over aliases.
    for name in project.services.keys() {
        hosts.insert(name.to_ascii_lowercase(), name.clone());
    }
    hosts
}

/// The `depends_on` condition of a one-shot dependency (a Job that must finish first).
const COMPLETED: &str = "service_completed_successfully";

/// The services a service states it calls, with the port it names when it names one:
/// `depends_on`, `links`, and host names in environment values and in `command` or
/// `entrypoint` arguments (`wait-for-it db:5432 -- app`).
fn stated_callees(service: &Service, hosts: &BTreeMap<String, String>) -> Vec<(String, Option<u16>)> {
    let mut out: Vec<(String, Option<u16>)> = service
        .depends_on
        .iter()
        .filter(|(_, d)| d.condition != COMPLETED)
        .map(|(name, _)| (name.clone(), None))
        .collect();
    let mut linked = BTreeMap::new();
    for link in &service.links {
        let (target, alias) = link.split_once(':').unwrap_or((link, link));
        out.push((target.to_string(), None));
        linked.insert(alias.to_ascii_lowercase(), target.to_string());
    }
    // An argument names a host by where it stands (`-h db`, `--host=db`); a variable's
    // bare value (`MODE=web`) may be any word, so it counts only under a host-like name.
    let args = service
        .command
        .iter()
        .chain(service.entrypoint.iter())
        .flatten()
        .map(|a| (a, true));
    let env = service
        .environment
        .iter()
        .filter_map(|(name, v)| v.as_ref().map(|v| (v, names_a_host(name))));
    for (value, bare_counts) in env.chain(args) {
        for (host, port, stated) in host_refs(value) {
            if !stated && !bare_counts {
                continue;
            }
            let host = host.to_ascii_lowercase();
            if let Some(target) = linked.get(&host).or_else(|| hosts.get(&host)) {
                out.push((target.clone(), port));
            }
        }
    }
    out
}

/// Parts of a variable name that say its value is a host or an address (`DB_HOST`,
/// `PGHOST`, `API_URL`, `REDIS_ADDR`, `SMTP_SERVER`, `DATABASE_DSN`, ...).
const HOST_VARIABLE_WORDS: &[&str] = &[
    "HOST", "URL", "URI", "ADDR", "SERVER", "ENDPOINT", "DSN", "UPSTREAM", "BACKEND", "BROKER", "PEER",
];

/// True when an environment variable's name says its value is a host.
fn names_a_host(variable: &str) -> bool {
    let upper = variable.to_ascii_uppercase();
    HOST_VARIABLE_WORDS.iter().any(|w| upper.contains(w))
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// Host names in an environment value, with the port written after them: whole tokens
/// in host position only (`db:5432`, `postgres://u:p@db/x`, `http://api:8080/v1`,
/// `a:1,b:2`), never a scheme, a user, a password or a path segment. The flag says the
/// value itself shows it is a host (a port, or a URL's authority), not a bare word.
fn host_refs(value: &str) -> Vec<(String, Option<u16>, bool)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in value.char_indices().chain(std::iter::once((value.len(), ' '))) {
        match (start, is_host_char(c) && i < value.len()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                if let Some(found) = host_at(value, s, i) {
                    out.push(found);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Whether the token at `start..end` of `value` is in host position, its port, and
/// whether a port or a URL around it says it is a host.
fn host_at(value: &str, start: usize, end: usize) -> Option<(String, Option<u16>, bool)> {
    let before = value.get(..start)?;
    let after = value.get(end..)?;
    let token = value.get(start..end)?.trim_matches(|c| c == '.' || c == '-');
    if token.is_empty() || token.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if before.ends_with(':') || (before.ends_with('/') && !before.ends_with("//")) {
        return None;
    }
    if after.starts_with("://") || after.starts_with('@') {
        return None;
    }
    let (port, stated) = match after.strip_prefix(':') {
        Some(rest) => {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() || rest.get(digits.len()..).is_some_and(|r| r.starts_with('@')) {
                return None;
            }
            (digits.parse().ok(), true)
        }
        None => (url_scheme(before).and_then(default_port), in_authority(before)),
    };
    Some((token.to_string(), port, stated))
}

/// True when `before` ends inside a URL's authority (`scheme://`, `scheme://user@`).
fn in_authority(before: &str) -> bool {
    before
        .rfind("://")
        .and_then(|at| before.get(at + 3..))
        .is_some_and(|authority| !authority.contains(|c: char| c.is_whitespace() || c == '/'))
}

/// The scheme of the URL whose authority `before` ends in (`jdbc:postgresql://u@` gives
/// `postgresql`).
fn url_scheme(before: &str) -> Option<&str> {
    let at = before.rfind("://")?;
    let authority = before.get(at + 3..)?;
    if authority.contains(|c: char| c.is_whitespace() || c == '/') {
        return None;
    }
    let head = before.get(..at)?;
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        .last()
        .map_or(head.len(), |(i, _)| i);
    head.get(start..).filter(|s| !s.is_empty())
}

/// A URL without a port means the scheme's default port: that is the port the client
/// uses, so it is exact, not a guess.
fn default_port(scheme: &str) -> Option<u16> {
    const PORTS: &[(&str, u16)] = &[
        ("amqp", 5672),
        ("amqps", 5671),
        ("http", 80),
        ("https", 443),
        ("mariadb", 3306),
        ("memcached", 11211),
        ("mongodb", 27017),
        ("mysql", 3306),
        ("nats", 4222),
        ("postgres", 5432),
        ("postgresql", 5432),
        ("redis", 6379),
        ("rediss", 6379),
        ("ws", 80),
        ("wss", 443),
    ];
    let scheme = scheme.to_ascii_lowercase();
    PORTS.iter().find(|(s, _)| *s == scheme).map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn project(yaml: &str) -> Project {
        let file: Arc<str> = Arc::from("compose.yaml");
        let doc = crate::yaml::parse_one(&file, yaml, crate::yaml::Flavor::Compose).unwrap();
        serde_json::from_value(doc.value).unwrap()
    }

    fn policies(yaml: &str) -> (Vec<Object>, Warnings) {
        let mut w = Warnings::default();
        let out = network_policies(&project(yaml), "shop", &mut w);
        (out, w)
    }

    fn policy<'a>(objects: &'a [Object], name: &str) -> &'a Value {
        &objects.iter().find(|o| o.name() == name).unwrap().value
    }

    fn codes(w: &Warnings) -> Vec<&'static str> {
        w.iter().map(|w| w.code).collect()
    }

    const SHOP: &str = r#"
name: shop
services:
  frontend:
    image: shop/frontend:1
    depends_on: {web: {condition: service_started}}
    ports: [{target: 3000, published: "80"}]
    x-berth: {expose: {hosts: [shop.example.com]}}
  web:
    image: shop/web:1
    environment: {DATABASE_URL: "postgres://shop:secret@db/shop?sslmode=disable", CACHE: "cache:6379"}
    ports: [{target: 8080}]
  db:
    image: postgres:16
    ports: [{target: 5432}]
  cache:
    image: redis:7
"#;

    #[test]
    fn shared_policies_come_first() {
        let (objects, _) = policies(SHOP);
        let names: Vec<&str> = objects.iter().map(Object::name).collect();
        assert_eq!(
            names,
            ["default-deny-all", "allow-dns-egress", "cache", "db", "frontend", "web"]
        );
        let deny = policy(&objects, "default-deny-all");
        assert_eq!(
            deny["spec"],
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
        );
        assert_eq!(deny["metadata"]["namespace"], "shop");
        let dns = policy(&objects, "allow-dns-egress");
        assert_eq!(
            dns["spec"]["egress"][0]["to"][0],
            json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}})
        );
        assert_eq!(
            dns["spec"]["egress"][0]["ports"],
            json!([{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}])
        );
    }

    #[test]
    fn edges_from_depends_on_and_environment_use_container_ports() {
        let (objects, w) = policies(SHOP);
        let web = policy(&objects, "web");
        assert_eq!(
            web["spec"]["podSelector"],
            json!({"matchLabels": {"app.kubernetes.io/name": "web"}})
        );
        assert_eq!(
            web["spec"]["ingress"],
            json!([{"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "frontend"}}}],
                    "ports": [{"protocol": "TCP", "port": 8080}]}])
        );
        let egress = web["spec"]["egress"].as_array().unwrap();
        assert_eq!(
            egress[0],
            json!({"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "cache"}}}],
                   "ports": [{"protocol": "TCP", "port": 6379}]})
        );
        assert_eq!(
            egress[1],
            json!({"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "db"}}}],
                   "ports": [{"protocol": "TCP", "port": 5432}]})
        );
        assert_eq!(egress[2]["to"][0]["ipBlock"]["cidr"], "0.0.0.0/0");
        assert_eq!(egress.len(), 3);
        // `cache` declares no port: the one named in web's environment is used, silently.
        assert!(codes(&w).is_empty(), "{w:?}");
    }

    #[test]
    fn exposed_service_accepts_the_ingress_controller_on_published_targets() {
        let (objects, _) = policies(SHOP);
        let fe = policy(&objects, "frontend");
        assert_eq!(
            fe["spec"]["ingress"],
            json!([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
                    "ports": [{"protocol": "TCP", "port": 3000}]}])
        );
    }

    /// A cluster whose ingress controller and DNS are elsewhere says so once, at the top.
    #[test]
    fn top_level_network_knobs_name_the_clusters_dns_and_ingress() {
        let (objects, _) = policies(
            r#"
x-berth:
  network: {ingressNamespace: traefik, dnsNamespace: dns, dnsPodLabels: {app: coredns}}
services:
  web:
    image: web:1
    ports: [{target: 8080}]
    x-berth: {expose: {hosts: [web.example.com]}}
"#,
        );
        let dns = &policy(&objects, "allow-dns-egress")["spec"]["egress"][0]["to"][0];
        assert_eq!(
            dns,
            &json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dns"}},
                    "podSelector": {"matchLabels": {"app": "coredns"}}})
        );
        let from = &policy(&objects, "web")["spec"]["ingress"][0]["from"][0];
        assert_eq!(
            from["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            "traefik"
        );
        // Unset knobs keep their defaults.
        let (objects, _) = policies("x-berth: {network: {dnsNamespace: dns}}\nservices: {web: {image: web:1}}\n");
        let dns = &policy(&objects, "allow-dns-egress")["spec"]["egress"][0]["to"][0];
        assert_eq!(dns["podSelector"], json!({"matchLabels": {"k8s-app": "kube-dns"}}));
    }

    /// `x-berth.networkPolicy` rules come after the derived ones, as written.
    #[test]
    fn the_services_own_rules_follow_the_derived_ones() {
        let (objects, _) = policies(
            r#"
services:
  web:
    image: web:1
    ports: [{target: 8080}]
    depends_on: {db: {}}
    x-berth:
      networkPolicy:
        ingress:
          - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
            ports: [{port: 9090}]
        egress:
          - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
            ports: [{protocol: TCP, port: 443}]
  db:
    image: postgres:16
    ports: [{target: 5432}]
"#,
        );
        let web = &policy(&objects, "web")["spec"];
        assert_eq!(
            web["ingress"],
            json!([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
                    "ports": [{"port": 9090}]}])
        );
        let egress = web["egress"].as_array().unwrap();
        assert_eq!(
            egress[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
            "db"
        );
        assert_eq!(
            egress.last().unwrap(),
            &json!({"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}], "ports": [{"protocol": "TCP", "port": 443}]})
        );
        // Only the service that asked gets them.
        assert!(
            policy(&objects, "db")["spec"]
                .get("egress")
                .is_none_or(|e| !e.to_string().contains("203.0.113"))
        );
    }

    #[test]
    fn published_ports_without_expose_stay_internal() {
        let (objects, _) = policies(
            "services:\n  a: {image: a:1, ports: [{target: 80, published: '8080'}], depends_on: {b: {}}}\n  b: {image: b:1, expose: ['9000']}\n",
        );
        assert!(policy(&objects, "a")["spec"].get("ingress").is_none());
    }

    #[test]
    fn load_balancer_exposure_accepts_anywhere() {
        let (objects, _) = policies(
            "services:\n  a: {image: a:1, ports: [{target: 53, protocol: udp}], x-berth: {expose: {type: loadbalancer}}}\n",
        );
        let ing = &policy(&objects, "a")["spec"]["ingress"];
        assert_eq!(ing[0]["from"][0], json!({"ipBlock": {"cidr": "0.0.0.0/0"}}));
        assert_eq!(ing[0]["ports"], json!([{"protocol": "UDP", "port": 53}]));
    }

    #[test]
    fn edges_need_a_shared_network_and_internal_networks_keep_egress_inside() {
        let (objects, _) = policies(
            r#"
services:
  api: {image: a:1, networks: {front: null, back: null}, depends_on: {db: {}, other: {}}, expose: ["8080"]}
  db: {image: d:1, networks: {back: null}, expose: ["5432"]}
  other: {image: o:1, networks: {elsewhere: null}, expose: ["1"]}
networks:
  front: {}
  back: {internal: true}
  elsewhere: {internal: true}
"#,
        );
        let api = policy(&objects, "api");
        let egress = api["spec"]["egress"].as_array().unwrap();
        assert_eq!(egress.len(), 2, "{egress:?}");
        assert_eq!(
            egress[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
            "db"
        );
        assert!(egress[1]["to"][0].get("ipBlock").is_some());
        let db = policy(&objects, "db");
        assert!(
            db["spec"].get("egress").is_none(),
            "internal-only service reaches nothing: {db}"
        );
        assert!(policy(&objects, "other")["spec"].get("egress").is_none());
    }

    #[test]
    fn isolated_services_fall_back_to_network_members_with_a_warning() {
        let (objects, w) = policies(
            r#"
services:
  prometheus: {image: p:1, expose: ["9090"]}
  app: {image: a:1, expose: ["8080"], depends_on: {db: {}}}
  db: {image: d:1, expose: ["5432"]}
  alone: {image: x:1, networks: {solo: null}}
networks:
  solo: {}
"#,
        );
        assert_eq!(codes(&w), ["network-fallback"]);
        let members = json!([{"podSelector": {"matchExpressions": [{
            "key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["alone"]}]}}]);
        let prom = policy(&objects, "prometheus");
        assert_eq!(
            prom["spec"]["ingress"],
            json!([{"from": members, "ports": [{"protocol": "TCP", "port": 9090}]}])
        );
        assert_eq!(
            prom["spec"]["egress"][0],
            json!({"to": members, "ports": [{"protocol": "TCP", "port": 5432},
                                            {"protocol": "TCP", "port": 8080},
                                            {"protocol": "TCP", "port": 9090}]})
        );
        // Stated services reach the lone one, and accept it, besides their own edges.
        let prom_peer = json!([{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}]);
        let app = policy(&objects, "app");
        assert_eq!(
            app["spec"]["egress"][1],
            json!({"to": prom_peer, "ports": [{"protocol": "TCP", "port": 9090}]})
        );
        assert_eq!(
            app["spec"]["ingress"][0],
            json!({"from": prom_peer, "ports": [{"protocol": "TCP", "port": 8080}]})
        );
        let db = policy(&objects, "db");
        assert_eq!(db["spec"]["ingress"].as_array().unwrap().len(), 2);
        // `alone` has nobody to fall back to: no rule, no warning.
        let alone = policy(&objects, "alone");
        assert!(alone["spec"].get("ingress").is_none());
    }

    #[test]
    fn many_lone_services_stay_linear_and_select_the_whole_namespace() {
        let mut yaml = String::from("services:\n");
        for i in 0..300 {
            yaml.push_str(&format!("  s{i}: {{image: s:1, expose: ['80']}}\n"));
        }
        let (objects, w) = policies(&yaml);
        assert_eq!(w.len(), 300);
        let p = policy(&objects, "s7");
        assert_eq!(
            p["spec"]["ingress"],
            json!([{"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 80}]}])
        );
        assert_eq!(p["spec"]["egress"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn callee_without_ports_is_reachable_on_every_port_with_a_warning() {
        let (objects, w) = policies("services:\n  a: {image: a:1, links: ['b:bee']}\n  b: {image: b:1}\n");
        assert_eq!(codes(&w), ["network-ports-unknown"]);
        let a = policy(&objects, "a");
        assert_eq!(
            a["spec"]["egress"][0],
            json!({"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "b"}}}]})
        );
    }

    #[test]
    fn link_aliases_and_network_aliases_resolve_environment_hosts() {
        let (objects, _) = policies(
            r#"
services:
  a: {image: a:1, links: ["b:bee"], environment: {X: "bee:81", Y: "http://sea:82/path"}}
  b: {image: b:1, expose: ["81"]}
  c: {image: c:1, networks: {default: {aliases: [sea]}}, expose: ["82"]}
"#,
        );
        let a = policy(&objects, "a");
        let to: Vec<&Value> = a["spec"]["egress"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["to"][0]["podSelector"]["matchLabels"].get("app.kubernetes.io/name"))
            .collect();
        assert_eq!(to, [&json!("b"), &json!("c")]);
    }

    #[test]
    fn extra_hosts_addresses_are_reachable() {
        let p = project(
            "services:\n  app:\n    image: a:1\n    extra_hosts:\n      dual: [10.0.0.1, \"::1\"]\n      gw: [host-gateway]\n",
        );
        let mut w = Warnings::default();
        let policies = network_policies(&p, "ns", &mut w);
        let app = policies.iter().find(|o| o.name() == "app").unwrap();
        let egress = app.value["spec"]["egress"].as_array().unwrap();
        let last = egress.last().unwrap();
        assert_eq!(
            last,
            &json!({"to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}, {"ipBlock": {"cidr": "::1/128"}}]})
        );
    }

    #[test]
    fn waiting_for_a_job_to_complete_opens_no_traffic() {
        let p = project(
            "services:\n  web:\n    image: a:1\n    expose: ['8080']\n    depends_on:\n      migrate: {condition: service_completed_successfully}\n  migrate:\n    image: m:1\n",
        );
        let mut w = Warnings::default();
        let policies = network_policies(&p, "ns", &mut w);
        let text = serde_json::to_string(&policies.iter().map(|o| &o.value).collect::<Vec<_>>()).unwrap();
        let by = |n: &str| policies.iter().find(|o| o.name() == n).unwrap().value["spec"].clone();
        assert!(by("migrate").get("ingress").is_none(), "{text}");
        assert!(!by("web")["egress"].to_string().contains("migrate"), "{text}");
        assert!(
            w.iter()
                .all(|w| w.code != "network-fallback" && w.code != "network-ports-unknown"),
            "{w:?}"
        );
    }

    #[test]
    fn external_networks_are_reported() {
        let (_, w) = policies(
            "services:\n  a: {image: a:1, networks: {proxy: null}}\nnetworks:\n  proxy: {external: true, name: traefik}\n  unused: {external: true}\n",
        );
        assert_eq!(codes(&w), ["network-external"]);
        assert!(w.iter().all(|w| w.message.contains("`traefik`")));
    }

    #[test]
    fn command_arguments_name_callees() {
        let (objects, _) = policies(
            "services:\n  a: {image: a:1, command: [wait-for-it, 'b:81', --, run]}\n  b: {image: b:1, expose: ['81']}\n",
        );
        let a = policy(&objects, "a");
        assert_eq!(
            a["spec"]["egress"][0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
            "b"
        );
    }

    #[test]
    fn bare_environment_values_name_hosts_only_under_host_like_names() {
        let (objects, _) = policies(
            r#"
services:
  a:
    image: a:1
    environment: {MODE: b, ROLE: c, PGHOST: d, UPSTREAM_URL: "e", OTHER: "f:83", CALLBACK: "http://g/x"}
  b: {image: b:1, expose: ["81"]}
  c: {image: c:1, expose: ["82"]}
  d: {image: d:1, expose: ["5432"]}
  e: {image: e:1, expose: ["80"]}
  f: {image: f:1, expose: ["83"]}
  g: {image: g:1, expose: ["80"]}
"#,
        );
        let a = policy(&objects, "a");
        let to: Vec<&Value> = a["spec"]["egress"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["to"][0]["podSelector"]["matchLabels"].get("app.kubernetes.io/name"))
            .collect();
        assert_eq!(to, [&json!("d"), &json!("e"), &json!("f"), &json!("g")]);
    }

    #[test]
    fn host_tokens_are_whole_hosts_only() {
        let hosts =
            |v: &str| -> Vec<(String, Option<u16>)> { host_refs(v).into_iter().map(|(h, p, _)| (h, p)).collect() };
        let stated = |v: &str| -> Vec<bool> { host_refs(v).into_iter().map(|(_, _, s)| s).collect() };
        assert_eq!(stated("db"), [false]);
        assert_eq!(stated("db:5432"), [true]);
        assert_eq!(stated("foo://u@db"), [true]);
        assert_eq!(stated("http://x/db"), [true]);
        assert_eq!(hosts("db:5432"), [("db".to_string(), Some(5432))]);
        assert_eq!(hosts("postgres://db/x"), [("db".to_string(), Some(5432))]);
        assert_eq!(hosts("jdbc:mysql://u:p@db/x"), [("db".to_string(), Some(3306))]);
        assert_eq!(hosts("foo://db"), [("db".to_string(), None)]);
        assert_eq!(hosts("db"), [("db".to_string(), None)]);
        assert_eq!(hosts("http://api:8080"), [("api".to_string(), Some(8080))]);
        assert_eq!(
            hosts("postgres://user:pw@db:5432/app"),
            [("db".to_string(), Some(5432))]
        );
        assert_eq!(
            hosts("mongodb://m1:27017,m2:27018"),
            [("m1".to_string(), Some(27017)), ("m2".to_string(), Some(27018))]
        );
        assert_eq!(
            hosts("--host=db"),
            [("host".to_string(), None), ("db".to_string(), None)]
        );
        assert!(hosts("mydb:5432").iter().all(|(h, _)| h != "db"));
        assert!(hosts("http://x/db").iter().all(|(h, _)| h != "db"));
        assert!(hosts("u:db@h").iter().all(|(h, _)| h != "db" && h != "u"));
        assert!(hosts("8080").is_empty());
    }

    #[test]
    fn ports_from_expose_ranges_and_protocols() {
        assert_eq!(
            parse_expose("8000-8010/udp"),
            Some(PortSpec {
                port: 8000,
                end: Some(8010),
                protocol: "UDP"
            })
        );
        assert_eq!(parse_expose("x"), None);
        let (objects, _) = policies(
            "services:\n  a: {image: a:1, depends_on: {b: {}}}\n  b: {image: b:1, expose: ['9000-9001', '53/udp']}\n",
        );
        assert_eq!(
            policy(&objects, "b")["spec"]["ingress"][0]["ports"],
            json!([{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 9000, "endPort": 9001}])
        );
    }

    #[test]
    fn group_peers_list_the_shorter_side() {
        let all: BTreeSet<&str> = ["a", "b", "c", "d", "e"].into();
        let peer = |g: &[&'static str]| group_peer(&g.iter().copied().collect(), &all);
        assert_eq!(peer(&["a", "b", "c", "d", "e"]), json!([{"podSelector": {}}]));
        assert_eq!(peer(&["b"]), pod_peer("b"));
        let expr = |v: Value| v[0]["podSelector"]["matchExpressions"][0].clone();
        assert_eq!(
            expr(peer(&["a", "b"])),
            json!({"key": "app.kubernetes.io/name", "operator": "In", "values": ["a", "b"]})
        );
        assert_eq!(
            expr(peer(&["a", "b", "c", "d"])),
            json!({"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["e"]})
        );
    }

    #[test]
    fn output_is_deterministic() {
        let a = policies(SHOP).0;
        let b = policies(SHOP).0;
        assert_eq!(a, b);
    }
}
