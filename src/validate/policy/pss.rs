//! The Pod Security Standards, control by control, as the upstream text lists them for the
//! target Kubernetes version (reference/hardening-validation.md section 1). Each control
//! reports its own message at the field that breaks it, so a finding says which control
//! failed, not only which level.
//!
//! The two levels are independent checks, as in Pod Security Admission: a field that
//! fails a baseline control and a restricted one (a hostPath volume, an added `SYS_ADMIN`)
//! is reported under both rule ids, and waiving one leaves the other.

use serde_json::Value;

use super::{ALL_CONTAINERS, Container, Facts, Pod, Sink, Subject};
use crate::validate::ident;

/// Capabilities the baseline level allows a container to add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls the baseline level allows, with the minor version that added each.
const SAFE_SYSCTLS: &[(&str, u32)] = &[
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
];

/// SELinux types the baseline level allows (besides empty), with the minor version.
const SELINUX_TYPES: &[(&str, u32)] = &[
    ("container_t", 0),
    ("container_init_t", 0),
    ("container_kvm_t", 0),
    ("container_engine_t", 31),
];

/// Volume sources the restricted level allows.
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The first version whose baseline forbids `host` in probes and lifecycle handlers.
const HOST_PROBES_SINCE: u32 = 34;

const PROBES: &[&str] = &["livenessProbe", "readinessProbe", "startupProbe"];
const HOOKS: &[&str] = &["postStart", "preStop"];
const HANDLERS: &[&str] = &["httpGet", "tcpSocket"];

const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Every baseline control (rule PSS-BASELINE).
pub fn baseline(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    host_process(pod, sink);
    host_namespaces(pod, sink);
    host_path(pod, sink);
    apparmor_annotations(pod, sink);
    pod_security_context(pod, facts.kube_minor, sink);
    sysctls(pod, facts.kube_minor, sink);
    for c in pod.containers(ALL_CONTAINERS) {
        privileged(&c, sink);
        baseline_capabilities(&c, sink);
        host_ports(&c, sink);
        if facts.kube_minor >= HOST_PROBES_SINCE {
            host_probes(&c, sink);
        }
        container_security_context(&c, facts.kube_minor, sink);
    }
}

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

fn host_process(pod: &Pod, sink: &mut Sink) {
    let at = "/securityContext/windowsOptions/hostProcess";
    if is_true(pod.get(at)) {
        sink.push(pod.at(at), "HostProcess: Windows host processes are not allowed");
    }
    for c in pod.containers(ALL_CONTAINERS) {
        if is_true(c.get(at)) {
            sink.push(
                c.at(at),
                format!("HostProcess: {} must not run as a Windows host process", c.describe()),
            );
        }
    }
}

fn host_namespaces(pod: &Pod, sink: &mut Sink) {
    for (field, what) in [
        ("hostNetwork", "the node's network"),
        ("hostPID", "the node's process namespace"),
        ("hostIPC", "the node's IPC namespace"),
    ] {
        if is_true(pod.spec.get(field)) {
            sink.push(
                pod.at(&format!("/{field}")),
                format!("host namespaces: {field} shares {what} with the pod; it must be unset or false"),
            );
        }
    }
}

fn host_path(pod: &Pod, sink: &mut Sink) {
    for (i, v) in volumes(pod) {
        if v.contains_key("hostPath") {
            sink.push(
                pod.at(&format!("/volumes/{i}/hostPath")),
                format!(
                    "hostPath volumes: volume {:?} mounts a path of the node",
                    v.get("name").and_then(Value::as_str).unwrap_or("")
                ),
            );
        }
    }
}

fn volumes<'a>(pod: &Pod<'a>) -> impl Iterator<Item = (usize, &'a serde_json::Map<String, Value>)> {
    pod.spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.as_object()?)))
}

fn apparmor_annotations(pod: &Pod, sink: &mut Sink) {
    let annotations = pod.meta.and_then(|m| m.get("annotations")).and_then(Value::as_object);
    for (key, value) in annotations.into_iter().flatten() {
        if !key.starts_with(APPARMOR_ANNOTATION) {
            continue;
        }
        let v = value.as_str().unwrap_or("");
        if v != "runtime/default" && !v.starts_with("localhost/") {
            sink.push(
                format!(
                    "{}/metadata/annotations/{}",
                    pod.base,
                    crate::yaml::pointer_segment(key)
                ),
                format!("AppArmor: profile {v:?} is not allowed; use runtime/default or localhost/<profile>"),
            );
        }
    }
}

/// AppArmor, SELinux and seccomp at pod level.
fn pod_security_context(pod: &Pod, kube_minor: u32, sink: &mut Sink) {
    let Some(context) = pod.spec.get("securityContext") else {
        return;
    };
    let at = |rest: &str| pod.at(&format!("/securityContext{rest}"));
    let get = |rest: &str| ident::at(context, rest);
    let who = || "the pod".to_string();
    apparmor(get("/appArmorProfile/type"), &at, &who, sink);
    selinux(Some(context), &at, &who, kube_minor, sink);
    seccomp(get("/seccompProfile/type"), &at, &who, sink);
}

fn container_security_context(c: &Container, kube_minor: u32, sink: &mut Sink) {
    let Some(context) = c.value.get("securityContext") else {
        return;
    };
    let at = |rest: &str| c.at(&format!("/securityContext{rest}"));
    let get = |rest: &str| ident::at(context, rest);
    let who = || c.describe();
    apparmor(get("/appArmorProfile/type"), &at, &who, sink);
    selinux(Some(context), &at, &who, kube_minor, sink);
    seccomp(get("/seccompProfile/type"), &at, &who, sink);
    if let Some(m) = get("/procMount").and_then(Value::as_str)
        && m != "Default"
    {
        sink.push(
            at("/procMount"),
            format!("/proc mount: {} sets procMount {m:?}; only Default is allowed", who()),
        );
    }
}

/// Who a security context belongs to, named only when a finding needs it.
type Who<'a> = &'a dyn Fn() -> String;
/// The pointer of a field under the security context at hand.
type At<'a> = &'a dyn Fn(&str) -> String;

fn apparmor(value: Option<&Value>, at: At, who: Who, sink: &mut Sink) {
    if let Some(t) = value.and_then(Value::as_str)
        && t != "RuntimeDefault"
        && t != "Localhost"
    {
        sink.push(
            at("/appArmorProfile/type"),
            format!(
                "AppArmor: {} sets profile type {t:?}; only RuntimeDefault or Localhost is allowed",
                who()
            ),
        );
    }
}

/// SELinux options of a security context (`context`), `at` giving pointers under it.
fn selinux(context: Option<&Value>, at: At, who: Who, kube_minor: u32, sink: &mut Sink) {
    let get = |rest: &str| context.and_then(|c| ident::at(c, rest));
    if let Some(t) = get("/seLinuxOptions/type").and_then(Value::as_str)
        && !t.is_empty()
        && !SELINUX_TYPES
            .iter()
            .any(|(allowed, since)| *allowed == t && kube_minor >= *since)
    {
        let allowed: Vec<&str> = SELINUX_TYPES
            .iter()
            .filter(|(_, since)| kube_minor >= *since)
            .map(|(t, _)| *t)
            .collect();
        sink.push(
            at("/seLinuxOptions/type"),
            format!(
                "SELinux: {} sets type {t:?}; only {} (or none) is allowed",
                who(),
                allowed.join(", ")
            ),
        );
    }
    let options = get("/seLinuxOptions");
    for field in ["user", "role"] {
        if let Some(v) = options.and_then(|o| o.get(field)).and_then(Value::as_str)
            && !v.is_empty()
        {
            sink.push(
                at(&format!("/seLinuxOptions/{field}")),
                format!(
                    "SELinux: {} sets a custom SELinux {field} {v:?}; it must be unset",
                    who()
                ),
            );
        }
    }
}

fn seccomp(value: Option<&Value>, at: At, who: Who, sink: &mut Sink) {
    if value.and_then(Value::as_str) == Some("Unconfined") {
        sink.push(
            at("/seccompProfile/type"),
            format!("seccomp: {} runs Unconfined; use RuntimeDefault or Localhost", who()),
        );
    }
}

fn sysctls(pod: &Pod, kube_minor: u32, sink: &mut Sink) {
    let list = pod.get("/securityContext/sysctls").and_then(Value::as_array);
    for (i, s) in list.into_iter().flatten().enumerate() {
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        let safe = SAFE_SYSCTLS.iter().any(|(n, since)| *n == name && kube_minor >= *since);
        if !safe {
            sink.push(
                pod.at(&format!("/securityContext/sysctls/{i}/name")),
                format!("sysctls: {name:?} is not one of the safe sysctls of Kubernetes 1.{kube_minor}"),
            );
        }
    }
}

fn privileged(c: &Container, sink: &mut Sink) {
    if is_true(c.get("/securityContext/privileged")) {
        sink.push(
            c.at("/securityContext/privileged"),
            format!("privileged containers: {} is privileged", c.describe()),
        );
    }
}

fn added_capabilities<'a>(c: &Container<'a>) -> impl Iterator<Item = (usize, &'a str)> {
    c.get("/securityContext/capabilities/add")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.as_str()?)))
}

fn baseline_capabilities(c: &Container, sink: &mut Sink) {
    for (i, cap) in added_capabilities(c) {
        if !BASELINE_CAPABILITIES.contains(&cap) {
            sink.push(
                c.at(&format!("/securityContext/capabilities/add/{i}")),
                format!(
                    "capabilities: {} adds {cap}, which is beyond the baseline set",
                    c.describe()
                ),
            );
        }
    }
}

fn host_ports(c: &Container, sink: &mut Sink) {
    let ports = c.value.get("ports").and_then(Value::as_array);
    for (i, p) in ports.into_iter().flatten().enumerate() {
        if let Some(h) = p.get("hostPort").and_then(Value::as_i64)
            && h != 0
        {
            sink.push(
                c.at(&format!("/ports/{i}/hostPort")),
                format!("host ports: {} binds port {h} of the node", c.describe()),
            );
        }
    }
}

fn host_probes(c: &Container, sink: &mut Sink) {
    let probes = PROBES.iter().map(|p| (c.value.get(*p), "", *p));
    let lifecycle = c.value.get("lifecycle");
    let hooks = HOOKS
        .iter()
        .map(|h| (lifecycle.and_then(|l| l.get(*h)), "/lifecycle", *h));
    for (handlers, at, what) in probes.chain(hooks) {
        let Some(handlers) = handlers else { continue };
        for handler in HANDLERS {
            if let Some(host) = handlers
                .get(*handler)
                .and_then(|h| h.get("host"))
                .and_then(Value::as_str)
                && !host.is_empty()
            {
                sink.push(
                    c.at(&format!("{at}/{what}/{handler}/host")),
                    format!(
                        "host probes: the {what} of {} targets host {host:?}; leave host unset (the pod's IP)",
                        c.describe()
                    ),
                );
            }
        }
    }
}

/// Every control the restricted level adds (rule PSS-RESTRICTED).
pub fn restricted(_: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    volume_types(pod, sink);
    run_as_non_root(pod, sink);
    run_as_user(pod, sink);
    if pod.windows() {
        return;
    }
    restricted_seccomp(pod, sink);
    for c in pod.containers(ALL_CONTAINERS) {
        privilege_escalation(&c, sink);
        drop_all(&c, sink);
        restricted_capabilities(&c, sink);
    }
}

fn volume_types(pod: &Pod, sink: &mut Sink) {
    for (i, v) in volumes(pod) {
        let source = v.keys().find(|k| *k != "name");
        if let Some(source) = source
            && !RESTRICTED_VOLUMES.contains(&source.as_str())
        {
            sink.push(
                pod.at(&format!("/volumes/{i}/{source}")),
                format!(
                    "volume types: volume {:?} is a {source} volume; restricted allows only {}",
                    v.get("name").and_then(Value::as_str).unwrap_or(""),
                    RESTRICTED_VOLUMES.join(", ")
                ),
            );
        }
    }
}

fn run_as_non_root(pod: &Pod, sink: &mut Sink) {
    let field = "/securityContext/runAsNonRoot";
    let pod_level = pod.get(field).and_then(Value::as_bool);
    if pod_level == Some(false) {
        sink.push(pod.at(field), "running as non-root: the pod sets runAsNonRoot: false");
    }
    for c in pod.containers(ALL_CONTAINERS) {
        match c.get(field).and_then(Value::as_bool) {
            Some(false) => sink.push(
                c.at(field),
                format!("running as non-root: {} sets runAsNonRoot: false", c.describe()),
            ),
            None if pod_level != Some(true) => sink.push(
                c.at(field),
                format!(
                    "running as non-root: runAsNonRoot must be true on the pod or on {}",
                    c.describe()
                ),
            ),
            _ => {}
        }
    }
}

fn run_as_user(pod: &Pod, sink: &mut Sink) {
    let field = "/securityContext/runAsUser";
    if pod.get(field).and_then(Value::as_i64) == Some(0) {
        sink.push(pod.at(field), "non-root user: the pod runs as UID 0 (root)");
    }
    for c in pod.containers(ALL_CONTAINERS) {
        if c.get(field).and_then(Value::as_i64) == Some(0) {
            sink.push(
                c.at(field),
                format!("non-root user: {} runs as UID 0 (root)", c.describe()),
            );
        }
    }
}

fn confined(v: Option<&Value>) -> bool {
    matches!(v.and_then(Value::as_str), Some("RuntimeDefault" | "Localhost"))
}

fn restricted_seccomp(pod: &Pod, sink: &mut Sink) {
    let field = "/securityContext/seccompProfile/type";
    let pod_level = pod.get(field);
    let pod_ok = confined(pod_level);
    if pod_level.is_some() && !pod_ok {
        sink.push(
            pod.at(field),
            "seccomp: the pod's profile must be RuntimeDefault or Localhost",
        );
    }
    for c in pod.containers(ALL_CONTAINERS) {
        let v = c.get(field);
        let bad = match v {
            Some(_) => !confined(v),
            None => !pod_ok,
        };
        if bad {
            sink.push(
                c.at(field),
                format!(
                    "seccomp: {} must set RuntimeDefault or Localhost (here or on the pod)",
                    c.describe()
                ),
            );
        }
    }
}

fn privilege_escalation(c: &Container, sink: &mut Sink) {
    let field = "/securityContext/allowPrivilegeEscalation";
    if c.get(field).and_then(Value::as_bool) != Some(false) {
        sink.push(
            c.at(field),
            format!(
                "privilege escalation: {} must set allowPrivilegeEscalation: false",
                c.describe()
            ),
        );
    }
}

fn drop_all(c: &Container, sink: &mut Sink) {
    let field = "/securityContext/capabilities/drop";
    let drops_all = c
        .get(field)
        .and_then(Value::as_array)
        .is_some_and(|d| d.iter().any(|v| v.as_str() == Some("ALL")));
    if !drops_all {
        sink.push(
            c.at(field),
            format!("capabilities: {} must drop ALL capabilities", c.describe()),
        );
    }
}

fn restricted_capabilities(c: &Container, sink: &mut Sink) {
    for (i, cap) in added_capabilities(c) {
        if cap != "NET_BIND_SERVICE" {
            sink.push(
                c.at(&format!("/securityContext/capabilities/add/{i}")),
                format!(
                    "capabilities: {} adds {cap}; restricted allows adding only NET_BIND_SERVICE",
                    c.describe()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Object;
    use crate::validate::semantic::Context;
    use serde_json::{Value, json};

    /// A pod that passes every control of both levels.
    fn hardened() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{"name": "c", "image": "i:1", "securityContext": {
                    "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}],
                "volumes": [{"name": "tmp", "emptyDir": {}}]
            }
        })
    }

    /// (control, level checked, minor version, the change, the expected path, the start of
    /// the expected message).
    type Case = (&'static str, CheckFn, u32, fn(&mut Value), &'static str, &'static str);

    fn set(v: &mut Value, pointer: &str, value: Value) {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let mut at = &mut *v;
        for seg in parent.split('/').skip(1) {
            at = match at {
                Value::Array(a) => &mut a[seg.parse::<usize>().unwrap()],
                other => other.as_object_mut().unwrap().entry(seg).or_insert(json!({})),
            };
        }
        match at {
            Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
            other => {
                other.as_object_mut().unwrap().insert(key.to_string(), value);
            }
        }
    }

    type CheckFn = fn(&Facts, &Subject, &mut Sink);
    const C0: &str = "/spec/containers/0";

    fn cases() -> Vec<Case> {
        vec![
            (
                "HostProcess",
                baseline,
                35,
                |v| set(v, "/spec/securityContext/windowsOptions", json!({"hostProcess": true})),
                "/spec/securityContext/windowsOptions/hostProcess",
                "HostProcess",
            ),
            (
                "host network",
                baseline,
                35,
                |v| set(v, "/spec/hostNetwork", json!(true)),
                "/spec/hostNetwork",
                "host namespaces: hostNetwork",
            ),
            (
                "host PID",
                baseline,
                35,
                |v| set(v, "/spec/hostPID", json!(true)),
                "/spec/hostPID",
                "host namespaces: hostPID",
            ),
            (
                "host IPC",
                baseline,
                35,
                |v| set(v, "/spec/hostIPC", json!(true)),
                "/spec/hostIPC",
                "host namespaces: hostIPC",
            ),
            (
                "privileged",
                baseline,
                35,
                |v| set(v, "/spec/containers/0/securityContext/privileged", json!(true)),
                "/spec/containers/0/securityContext/privileged",
                "privileged containers",
            ),
            (
                "capabilities",
                baseline,
                35,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/securityContext/capabilities/add",
                        json!(["CHOWN", "SYS_ADMIN"]),
                    )
                },
                "/spec/containers/0/securityContext/capabilities/add/1",
                "capabilities: container \"c\" adds SYS_ADMIN",
            ),
            (
                "hostPath",
                baseline,
                35,
                |v| set(v, "/spec/volumes/0", json!({"name": "h", "hostPath": {"path": "/"}})),
                "/spec/volumes/0/hostPath",
                "hostPath volumes",
            ),
            (
                "host ports",
                baseline,
                35,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/ports",
                        json!([{"containerPort": 80, "hostPort": 80}]),
                    )
                },
                "/spec/containers/0/ports/0/hostPort",
                "host ports",
            ),
            (
                "host probes",
                baseline,
                34,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/readinessProbe",
                        json!({"httpGet": {"port": 80, "host": "10.0.0.1"}}),
                    )
                },
                "/spec/containers/0/readinessProbe/httpGet/host",
                "host probes",
            ),
            (
                "host hooks",
                baseline,
                34,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/lifecycle",
                        json!({"preStop": {"tcpSocket": {"port": 80, "host": "x"}}}),
                    )
                },
                "/spec/containers/0/lifecycle/preStop/tcpSocket/host",
                "host probes",
            ),
            (
                "AppArmor",
                baseline,
                35,
                |v| {
                    set(
                        v,
                        "/spec/securityContext/appArmorProfile",
                        json!({"type": "Unconfined"}),
                    )
                },
                "/spec/securityContext/appArmorProfile/type",
                "AppArmor",
            ),
            (
                "AppArmor annotation",
                baseline,
                35,
                |v| {
                    set(
                        v,
                        "/metadata/annotations",
                        json!({"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}),
                    )
                },
                "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1c",
                "AppArmor",
            ),
            (
                "SELinux type",
                baseline,
                35,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/securityContext/seLinuxOptions",
                        json!({"type": "spc_t"}),
                    )
                },
                "/spec/containers/0/securityContext/seLinuxOptions/type",
                "SELinux",
            ),
            (
                "SELinux user",
                baseline,
                35,
                |v| set(v, "/spec/securityContext/seLinuxOptions", json!({"user": "root"})),
                "/spec/securityContext/seLinuxOptions/user",
                "SELinux",
            ),
            (
                "/proc mount",
                baseline,
                35,
                |v| set(v, "/spec/containers/0/securityContext/procMount", json!("Unmasked")),
                "/spec/containers/0/securityContext/procMount",
                "/proc mount",
            ),
            (
                "seccomp",
                baseline,
                35,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/securityContext/seccompProfile",
                        json!({"type": "Unconfined"}),
                    )
                },
                "/spec/containers/0/securityContext/seccompProfile/type",
                "seccomp",
            ),
            (
                "sysctls",
                baseline,
                35,
                |v| {
                    set(
                        v,
                        "/spec/securityContext/sysctls",
                        json!([{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]),
                    )
                },
                "/spec/securityContext/sysctls/1/name",
                "sysctls",
            ),
            (
                "volume types",
                restricted,
                35,
                |v| {
                    set(
                        v,
                        "/spec/volumes/0",
                        json!({"name": "n", "nfs": {"server": "s", "path": "/"}}),
                    )
                },
                "/spec/volumes/0/nfs",
                "volume types",
            ),
            (
                "privilege escalation",
                restricted,
                35,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/securityContext/allowPrivilegeEscalation",
                        json!(true),
                    )
                },
                "/spec/containers/0/securityContext/allowPrivilegeEscalation",
                "privilege escalation",
            ),
            (
                "non-root",
                restricted,
                35,
                |v| set(v, "/spec/securityContext/runAsNonRoot", json!(false)),
                "/spec/securityContext/runAsNonRoot",
                "running as non-root",
            ),
            (
                "non-root user",
                restricted,
                35,
                |v| set(v, "/spec/containers/0/securityContext/runAsUser", json!(0)),
                "/spec/containers/0/securityContext/runAsUser",
                "non-root user",
            ),
            (
                "seccomp required",
                restricted,
                35,
                |v| set(v, "/spec/securityContext/seccompProfile", Value::Null),
                "/spec/containers/0/securityContext/seccompProfile/type",
                "seccomp: container \"c\" must set",
            ),
            (
                "drop ALL",
                restricted,
                35,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/securityContext/capabilities/drop",
                        json!(["NET_RAW"]),
                    )
                },
                "/spec/containers/0/securityContext/capabilities/drop",
                "capabilities: container \"c\" must drop ALL",
            ),
            (
                "add only NET_BIND_SERVICE",
                restricted,
                35,
                |v| {
                    set(
                        v,
                        "/spec/containers/0/securityContext/capabilities/add",
                        json!(["NET_BIND_SERVICE", "CHOWN"]),
                    )
                },
                "/spec/containers/0/securityContext/capabilities/add/1",
                "capabilities: container \"c\" adds CHOWN",
            ),
        ]
    }

    fn hits(check: CheckFn, minor: u32, value: Value) -> Vec<(String, String)> {
        let objects = [Object::new(value, None)];
        let context = Context::new(&objects);
        let facts = Facts::new(&objects, &context, minor);
        let mut sink = Sink::default();
        check(&facts, &Subject::new(0, &objects[0]), &mut sink);
        sink.hits.into_iter().map(|h| (h.path, h.message)).collect()
    }

    #[test]
    fn the_hardened_pod_passes_both_levels() {
        assert_eq!(hits(baseline, 35, hardened()), []);
        assert_eq!(hits(restricted, 35, hardened()), []);
    }

    #[test]
    fn every_control_reports_its_own_field() {
        for (control, check, minor, change, path, message) in cases() {
            let mut v = hardened();
            change(&mut v);
            let got = hits(check, minor, v);
            assert!(
                got.iter().any(|(p, m)| p == path && m.starts_with(message)),
                "{control}: expected {path} {message:?}, got {got:#?}"
            );
        }
    }

    #[test]
    fn controls_follow_the_target_version() {
        let mut v = hardened();
        set(
            &mut v,
            "/spec/containers/0/livenessProbe",
            json!({"tcpSocket": {"port": 80, "host": "x"}}),
        );
        assert_eq!(hits(baseline, 33, v.clone()), []);
        assert_eq!(hits(baseline, 34, v).len(), 1);
        // Linux-only restricted controls are skipped for Windows pods.
        let mut w = hardened();
        set(&mut w, "/spec/os", json!({"name": "windows"}));
        set(&mut w, "/spec/containers/0/securityContext", json!({}));
        set(&mut w, "/spec/securityContext/seccompProfile", Value::Null);
        let got = hits(restricted, 35, w);
        assert_eq!(got, [], "{got:#?}");
        // Containers may leave runAsNonRoot unset only when the pod sets it.
        let mut n = hardened();
        set(&mut n, "/spec/securityContext/runAsNonRoot", Value::Null);
        let got = hits(restricted, 35, n);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, format!("{C0}/securityContext/runAsNonRoot"));
    }
}
