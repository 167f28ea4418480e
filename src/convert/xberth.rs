//! Typed `x-berth` knobs (schema: `schemas/x-berth.schema.json`), and the `kompose.*`
//! labels honoured for migration, each mapped onto its `x-berth` equivalent so the rest
//! of `convert` reads one place. `x-berth` wins over a kompose label. Unknown knobs are
//! located errors: a typo must not silently change nothing.

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compose::Project;
use crate::compose::model::Service;
use crate::error::Error;

/// Top-level `x-berth`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectKnobs {
    /// Target namespace when `--namespace` is not given.
    pub namespace: Option<String>,
    /// Where the cluster's DNS and ingress controller run, for the NetworkPolicies.
    pub network: Option<ClusterNetworkKnobs>,
}

/// The cluster facts NetworkPolicies name and no compose file holds; each unset one keeps
/// its default (`convert::network::NetworkKnobs`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterNetworkKnobs {
    /// Namespace of the ingress controller (default `ingress-nginx`).
    pub ingress_namespace: Option<String>,
    /// Namespace of the cluster DNS pods (default `kube-system`).
    pub dns_namespace: Option<String>,
    /// Labels of the cluster DNS pods (default `k8s-app: kube-dns`).
    pub dns_pod_labels: Option<IndexMap<String, String>>,
}

/// Per-service `x-berth`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceKnobs {
    pub workload: Option<WorkloadKind>,
    /// Cron schedule: makes the service a CronJob.
    pub schedule: Option<String>,
    /// Full image reference, replacing compose `image`.
    pub image: Option<String>,
    /// Tag for a build-only service's `<project>-<service>` image.
    pub tag: Option<String>,
    pub image_pull_policy: Option<PullPolicy>,
    pub expose: Option<Expose>,
    pub replicas: Option<u32>,
    pub resources: Option<ResourceKnobs>,
    pub security_context: Option<SecurityKnobs>,
    pub probes: Option<ProbeKnobs>,
    /// Size and class for the PVCs of this service's named volumes (a top-level volume's
    /// own `x-berth` wins).
    pub storage: Option<StorageKnobs>,
    pub service_account: Option<ServiceAccountKnobs>,
    pub pdb: Option<PdbKnobs>,
    /// Rules added to the service's NetworkPolicy, read by `convert::network`.
    pub network_policy: Option<NetworkPolicyKnobs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Deployment,
    Statefulset,
    Daemonset,
    Job,
    Cronjob,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExposeType {
    #[default]
    Ingress,
    Loadbalancer,
    Nodeport,
    Clusterip,
    /// A Service without a cluster IP: DNS returns the pod addresses.
    Headless,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Expose {
    #[serde(rename = "type")]
    pub kind: ExposeType,
    /// Ingress host names (empty: any host).
    pub hosts: Vec<String>,
    /// Ingress path, default `/`.
    pub path: Option<String>,
    /// Ingress TLS Secret name.
    pub tls_secret: Option<String>,
    pub class_name: Option<String>,
    /// The Service port to route to (default: the first one).
    pub port: Option<u16>,
    /// Fixed `nodePort` (type nodeport, single port).
    pub node_port: Option<u16>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceKnobs {
    pub requests: IndexMap<String, Value>,
    pub limits: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecurityKnobs {
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub fs_group: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeKnobs {
    pub readiness: Option<ProbeOverride>,
    pub liveness: Option<ProbeOverride>,
    pub startup: Option<ProbeOverride>,
}

/// Replaces the probe's handler and/or timing; `disabled` removes the probe (recorded as a
/// waiver).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeOverride {
    #[serde(default)]
    pub disabled: bool,
    pub http_get: Option<HttpGet>,
    pub tcp_socket: Option<TcpSocket>,
    pub exec: Option<ExecAction>,
    pub initial_delay_seconds: Option<u32>,
    pub period_seconds: Option<u32>,
    pub timeout_seconds: Option<u32>,
    pub failure_threshold: Option<u32>,
    pub success_threshold: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpGet {
    pub path: String,
    /// Port number or container port name; default the first named port.
    pub port: Option<Value>,
    pub scheme: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TcpSocket {
    pub port: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecAction {
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageKnobs {
    /// A Kubernetes quantity (`10Gi`).
    pub size: Option<String>,
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccountKnobs {
    pub automount: Option<bool>,
}

/// Rules for what the compose file cannot say (a scraper in another namespace, an API
/// outside the cluster), written as Kubernetes writes them and added to the rules berth
/// derives. They are typed, field by field as in the Kubernetes API, so that a misspelt
/// field is refused here, at the `x-berth` that holds it, rather than later as a
/// NetworkPolicy that fails validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkPolicyKnobs {
    /// Who may call this service.
    #[serde(default)]
    pub ingress: Vec<IngressRule>,
    /// What this service may call.
    #[serde(default)]
    pub egress: Vec<EgressRule>,
}

/// A `NetworkPolicyIngressRule`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IngressRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<PolicyPeer>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<PolicyPort>>,
}

/// A `NetworkPolicyEgressRule`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EgressRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<PolicyPeer>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<PolicyPort>>,
}

/// A `NetworkPolicyPeer`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyPeer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_block: Option<IpBlock>,
}

/// A `LabelSelector`; the values are kept as written (their syntax is the validator's).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<IndexMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<SelectorRequirement>>,
}

/// A `LabelSelectorRequirement`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// An `IPBlock`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IpBlock {
    pub cidr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<Vec<String>>,
}

/// A `NetworkPolicyPort`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyPort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<PolicyProtocol>,
    /// A number or a named container port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<NumberOrName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<u16>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub enum PolicyProtocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

/// An `IntOrString` port: a number, or the name of a container port.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum NumberOrName {
    Number(u16),
    Name(String),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PdbKnobs {
    /// `false` turns the PodDisruptionBudget off (recorded as a REL-PDB waiver).
    pub enabled: Option<bool>,
}

fn parse<T: DeserializeOwned + Default>(project: &Project, pointer: &str, value: Option<&Value>) -> Result<T, Error> {
    match value {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            Error::input(
                project.origin(pointer),
                format!("invalid `x-berth` at {pointer}: {}", plain_types(&e.to_string())),
                "see schemas/x-berth.schema.json for the knobs and their types",
            )
        }),
    }
}

/// serde's message with Rust's type names (`u32`, `f64`, ...) in the words of the schema,
/// since the user wrote YAML, not Rust.
fn plain_types(message: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("expected u8", "expected a whole number"),
        ("expected u16", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected usize", "expected a whole number"),
        ("expected f32", "expected a number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected a list"),
    ];
    let message = NAMES
        .iter()
        .fold(message.to_string(), |m, (rust, plain)| m.replace(rust, plain));
    // `expected struct Expose`: a Rust type where the schema has a mapping of knobs.
    match message.split_once("expected struct ") {
        Some((before, after)) => {
            let rest = after.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
            format!("{before}expected a mapping of knobs{rest}")
        }
        None => message,
    }
}

/// The top-level knobs.
pub fn project_knobs(project: &Project) -> Result<ProjectKnobs, Error> {
    parse(project, "/x-berth", project.x_berth.as_ref())
}

/// Storage knobs of a top-level volume.
pub fn volume_knobs(project: &Project, volume: &str) -> Result<StorageKnobs, Error> {
    let pointer = format!("/volumes/{}/x-berth", crate::yaml::pointer_segment(volume));
    let v = project.volumes.get(volume).and_then(|v| v.x_berth.as_ref());
    let mut knobs: StorageKnobs = parse(project, &pointer, v)?;
    if knobs.size.is_none()
        && let Some(size) = project
            .volumes
            .get(volume)
            .and_then(|v| v.labels.get("kompose.volume.size"))
    {
        knobs.size = Some(size.clone());
    }
    Ok(knobs)
}

/// A service's knobs: its `x-berth`, then the `kompose.*` labels for what it leaves unset.
pub fn service_knobs(project: &Project, service_ptr: &str, s: &Service) -> Result<ServiceKnobs, Error> {
    let mut k: ServiceKnobs = parse(project, &format!("{service_ptr}/x-berth"), s.x_berth.as_ref())?;
    let at = format!("{service_ptr}/labels");
    let typed_expose = k.expose.is_some();
    let typed_probes = k.probes.as_ref().map(|p| (p.readiness.is_some(), p.liveness.is_some()));
    for (label, value) in &s.labels {
        if let Some(rest) = label.strip_prefix("kompose.service.healthcheck.") {
            apply_probe_label(project, &at, &mut k, typed_probes, label, rest, value)?;
            continue;
        }
        if typed_expose && label.starts_with("kompose.service.") {
            continue;
        }
        apply_kompose_label(project, &at, &mut k, label, value)?;
    }
    Ok(k)
}

fn bad_label(project: &Project, at: &str, label: &str, value: &str, expected: &str) -> Error {
    Error::input(
        project.origin(at),
        format!("label `{label}` has the value `{value}`; expected {expected}"),
        "fix the label, or use the typed `x-berth` equivalent (see the book's kompose table)",
    )
}

/// The `kompose.*` labels berth honours, with the `x-berth` knob each stands for. Any
/// other `kompose.*` label is reported by `keys`.
pub const KOMPOSE_LABELS: &[(&str, &str)] = &[
    ("kompose.controller.type", "x-berth.workload"),
    ("kompose.cronjob.schedule", "x-berth.schedule"),
    ("kompose.image-pull-policy", "x-berth.imagePullPolicy"),
    ("kompose.service.type", "x-berth.expose.type"),
    ("kompose.service.expose", "x-berth.expose.hosts"),
    ("kompose.service.expose.tls-secret", "x-berth.expose.tlsSecret"),
    ("kompose.service.expose.ingress-class-name", "x-berth.expose.className"),
    ("kompose.service.nodeport.port", "x-berth.expose.nodePort"),
    (
        "kompose.volume.size",
        "x-berth.storage.size (or x-berth.size on the top-level volume)",
    ),
    ("kompose.volume.storage-class-name", "x-berth.storage.storageClass"),
    ("kompose.security-context.fsgroup", "x-berth.securityContext.fsGroup"),
    (
        "kompose.service.healthcheck.readiness.http_get_path",
        "x-berth.probes.readiness.httpGet.path",
    ),
    (
        "kompose.service.healthcheck.readiness.http_get_port",
        "x-berth.probes.readiness.httpGet.port",
    ),
    (
        "kompose.service.healthcheck.readiness.tcp_port",
        "x-berth.probes.readiness.tcpSocket.port",
    ),
    (
        "kompose.service.healthcheck.readiness.test",
        "x-berth.probes.readiness.exec.command",
    ),
    (
        "kompose.service.healthcheck.readiness.interval",
        "x-berth.probes.readiness.periodSeconds",
    ),
    (
        "kompose.service.healthcheck.readiness.timeout",
        "x-berth.probes.readiness.timeoutSeconds",
    ),
    (
        "kompose.service.healthcheck.readiness.retries",
        "x-berth.probes.readiness.failureThreshold",
    ),
    (
        "kompose.service.healthcheck.readiness.start_period",
        "x-berth.probes.readiness.initialDelaySeconds",
    ),
    (
        "kompose.service.healthcheck.readiness.disable",
        "x-berth.probes.readiness.disabled",
    ),
    (
        "kompose.service.healthcheck.liveness.http_get_path",
        "x-berth.probes.liveness.httpGet.path",
    ),
    (
        "kompose.service.healthcheck.liveness.http_get_port",
        "x-berth.probes.liveness.httpGet.port",
    ),
    (
        "kompose.service.healthcheck.liveness.tcp_port",
        "x-berth.probes.liveness.tcpSocket.port",
    ),
    (
        "kompose.service.healthcheck.liveness.test",
        "x-berth.probes.liveness.exec.command",
    ),
    (
        "kompose.service.healthcheck.liveness.interval",
        "x-berth.probes.liveness.periodSeconds",
    ),
    (
        "kompose.service.healthcheck.liveness.timeout",
        "x-berth.probes.liveness.timeoutSeconds",
    ),
    (
        "kompose.service.healthcheck.liveness.retries",
        "x-berth.probes.liveness.failureThreshold",
    ),
    (
        "kompose.service.healthcheck.liveness.start_period",
        "x-berth.probes.liveness.initialDelaySeconds",
    ),
    (
        "kompose.service.healthcheck.liveness.disable",
        "x-berth.probes.liveness.disabled",
    ),
];

fn apply_kompose_label(
    project: &Project,
    at: &str,
    k: &mut ServiceKnobs,
    label: &str,
    value: &str,
) -> Result<(), Error> {
    let bad = |expected: &str| bad_label(project, at, label, value, expected);
    match label {
        "kompose.controller.type" if k.workload.is_none() => {
            k.workload = Some(match value.to_ascii_lowercase().as_str() {
                "deployment" => WorkloadKind::Deployment,
                "statefulset" => WorkloadKind::Statefulset,
                "daemonset" => WorkloadKind::Daemonset,
                _ => return Err(bad("deployment, statefulset or daemonset")),
            });
        }
        "kompose.cronjob.schedule" if k.schedule.is_none() => k.schedule = Some(value.to_string()),
        "kompose.image-pull-policy" if k.image_pull_policy.is_none() => {
            k.image_pull_policy = Some(match value {
                "Always" => PullPolicy::Always,
                "IfNotPresent" => PullPolicy::IfNotPresent,
                "Never" => PullPolicy::Never,
                _ => return Err(bad("Always, IfNotPresent or Never")),
            });
        }
        "kompose.service.type" => {
            let e = k.expose.get_or_insert_with(Expose::default);
            e.kind = match value.to_ascii_lowercase().as_str() {
                "clusterip" => ExposeType::Clusterip,
                "headless" => ExposeType::Headless,
                "nodeport" => ExposeType::Nodeport,
                "loadbalancer" => ExposeType::Loadbalancer,
                _ => return Err(bad("clusterip, headless, nodeport or loadbalancer")),
            };
        }
        "kompose.service.expose" => {
            let e = k.expose.get_or_insert_with(Expose::default);
            if e.hosts.is_empty() && !value.eq_ignore_ascii_case("true") {
                for h in value.split(',').map(str::trim).filter(|h| !h.is_empty()) {
                    match h.split_once('/') {
                        Some((host, path)) => {
                            e.hosts.push(host.to_string());
                            e.path.get_or_insert_with(|| format!("/{path}"));
                        }
                        None => e.hosts.push(h.to_string()),
                    }
                }
            }
        }
        "kompose.service.expose.tls-secret" => {
            let e = k.expose.get_or_insert_with(Expose::default);
            if value != "true" {
                e.tls_secret.get_or_insert_with(|| value.to_string());
            }
        }
        "kompose.service.expose.ingress-class-name" => {
            let e = k.expose.get_or_insert_with(Expose::default);
            e.class_name.get_or_insert_with(|| value.to_string());
        }
        "kompose.service.nodeport.port" => {
            let port = value.parse().map_err(|_| bad("a port number"))?;
            let e = k.expose.get_or_insert_with(Expose::default);
            e.node_port.get_or_insert(port);
        }
        "kompose.volume.size" => {
            let s = k.storage.get_or_insert_with(StorageKnobs::default);
            s.size.get_or_insert_with(|| value.to_string());
        }
        "kompose.volume.storage-class-name" => {
            let s = k.storage.get_or_insert_with(StorageKnobs::default);
            s.storage_class.get_or_insert_with(|| value.to_string());
        }
        "kompose.security-context.fsgroup" => {
            let g = value.parse().map_err(|_| bad("a numeric group id"))?;
            let sc = k.security_context.get_or_insert_with(SecurityKnobs::default);
            sc.fs_group.get_or_insert(g);
        }
        _ => {}
    }
    Ok(())
}

/// `kompose.service.healthcheck.{readiness,liveness}.*` → `x-berth.probes`, unless
/// `x-berth.probes` sets that probe itself.
fn apply_probe_label(
    project: &Project,
    at: &str,
    k: &mut ServiceKnobs,
    typed: Option<(bool, bool)>,
    label: &str,
    rest: &str,
    value: &str,
) -> Result<(), Error> {
    let bad = |expected: &str| bad_label(project, at, label, value, expected);
    let Some((which, field)) = rest.split_once('.') else {
        return Ok(());
    };
    let (readiness_typed, liveness_typed) = typed.unwrap_or((false, false));
    let probes = k.probes.get_or_insert_with(ProbeKnobs::default);
    let slot = match which {
        "readiness" if !readiness_typed => &mut probes.readiness,
        "liveness" if !liveness_typed => &mut probes.liveness,
        _ => return Ok(()),
    };
    let o = slot.get_or_insert_with(ProbeOverride::default);
    let port = || -> Value {
        value
            .parse::<u64>()
            .map_or_else(|_| Value::String(value.to_string()), Value::from)
    };
    let secs = || super::probes::seconds(value).and_then(|s| u32::try_from(s).ok());
    match field {
        "http_get_path" => {
            let h = o.http_get.get_or_insert(HttpGet {
                path: String::new(),
                port: None,
                scheme: None,
            });
            h.path = value.to_string();
        }
        "http_get_port" => {
            let h = o.http_get.get_or_insert(HttpGet {
                path: "/".into(),
                port: None,
                scheme: None,
            });
            h.port = Some(port());
        }
        "tcp_port" => o.tcp_socket = Some(TcpSocket { port: Some(port()) }),
        "test" => {
            let argv: Vec<String> = value.split_whitespace().map(str::to_string).collect();
            let argv = match argv.first().map(String::as_str) {
                Some("CMD") => argv.get(1..).unwrap_or_default().to_vec(),
                Some("CMD-SHELL") => vec![
                    "/bin/sh".into(),
                    "-c".into(),
                    argv.get(1..).unwrap_or_default().join(" "),
                ],
                _ => vec!["/bin/sh".into(), "-c".into(), value.to_string()],
            };
            o.exec = Some(ExecAction { command: argv });
        }
        "disable" => o.disabled = value == "true",
        "interval" => o.period_seconds = Some(secs().ok_or_else(|| bad("a duration such as `10s`"))?),
        "timeout" => o.timeout_seconds = Some(secs().ok_or_else(|| bad("a duration such as `10s`"))?),
        "start_period" => o.initial_delay_seconds = Some(secs().ok_or_else(|| bad("a duration such as `10s`"))?),
        "retries" => o.failure_threshold = Some(value.parse().map_err(|_| bad("a number"))?),
        _ => {}
    }
    Ok(())
}

/// True for labels that steer berth and are never copied into the output.
pub fn is_control_label(label: &str) -> bool {
    label.starts_with("kompose.") || label.starts_with("berth.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: &str = include_str!("../../schemas/x-berth.schema.json");

    /// The schema and the typed knobs name the same keys: every schema key deserialises,
    /// and an unknown one is refused.
    #[test]
    fn schema_and_types_agree() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let keys = |def: &str| -> Vec<String> {
            let at = match def {
                "networkPolicy" => "/$defs/service/properties/networkPolicy/properties".to_string(),
                "network" => "/$defs/project/properties/network/properties".to_string(),
                _ => format!("/$defs/{def}/properties"),
            };
            schema
                .pointer(&at)
                .and_then(Value::as_object)
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        for key in keys("service") {
            let r: Result<ServiceKnobs, _> = serde_json::from_value(json!({ key.clone(): null }));
            assert!(r.is_ok(), "service knob `{key}`: {r:?}");
        }
        for key in keys("network") {
            assert!(serde_json::from_value::<ClusterNetworkKnobs>(json!({ key: null })).is_ok());
        }
        assert!(serde_json::from_value::<ClusterNetworkKnobs>(json!({"ingressNamspace": "x"})).is_err());
        for key in keys("project") {
            assert!(serde_json::from_value::<ProjectKnobs>(json!({ key: null })).is_ok());
        }
        for key in keys("volume") {
            assert!(serde_json::from_value::<StorageKnobs>(json!({ key: null })).is_ok());
        }
        for key in keys("probe") {
            assert!(serde_json::from_value::<ProbeOverride>(json!({ key.clone(): null })).is_ok() || key == "disabled");
        }
        assert!(serde_json::from_value::<ServiceKnobs>(json!({"replica": 2})).is_err());
        for key in keys("networkPolicy") {
            assert!(serde_json::from_value::<NetworkPolicyKnobs>(json!({ key: [] })).is_ok());
        }
        assert!(serde_json::from_value::<NetworkPolicyKnobs>(json!({"ingres": []})).is_err());
        assert!(serde_json::from_value::<NetworkPolicyKnobs>(json!({"ingress": ["x"]})).is_err());
        let typo = json!({"ingress": [{"ports": [{"port": 9090, "protocl": "TCP"}]}]});
        assert!(serde_json::from_value::<NetworkPolicyKnobs>(typo).is_err());
        let rule = json!({"from": [{"namespaceSelector": {"matchLabels": {"team": "obs"}}, "podSelector": {}}],
                          "ports": [{"protocol": "TCP", "port": "metrics"}, {"port": 8000, "endPort": 8100}]});
        let knobs: NetworkPolicyKnobs = serde_json::from_value(json!({"ingress": [rule.clone()]})).unwrap();
        let back = serde_json::to_value(&knobs.ingress[0]).unwrap();
        assert_eq!(
            back,
            json!({"from": [{"podSelector": {}, "namespaceSelector": {"matchLabels": {"team": "obs"}}}],
                                "ports": [{"protocol": "TCP", "port": "metrics"}, {"port": 8000, "endPort": 8100}]})
        );
    }

    #[test]
    fn schema_accepts_a_full_example() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let service_schema = json!({"$ref": "#/$defs/service", "$defs": schema["$defs"]});
        let v = jsonschema::validator_for(&service_schema).unwrap();
        let example = json!({
            "workload": "statefulset", "replicas": 2, "tag": "1.0",
            "expose": {"type": "ingress", "hosts": ["a.example.com"], "tlsSecret": "tls"},
            "resources": {"limits": {"memory": "512Mi"}},
            "probes": {"readiness": {"httpGet": {"path": "/ready", "port": "http"}}},
            "securityContext": {"runAsUser": 1000}, "pdb": {"enabled": false}
        });
        assert!(v.is_valid(&example));
        assert!(serde_json::from_value::<ServiceKnobs>(example).is_ok());
        assert!(!v.is_valid(&json!({"workload": "pod"})));
    }
}
