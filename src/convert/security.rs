//! Compose's security keys onto securityContext fields. Whatever relaxes the Pod Security
//! Standards (root, privileged, capabilities beyond the allowed set, host namespaces,
//! unconfined profiles, unsafe sysctls) is the user's explicit choice, so it is kept and
//! recorded as a waiver naming the compose key, never silently hardened away.

use serde_json::{Map, Value, json};

use super::{Ctx, Pod, Svc};

/// Capabilities the `baseline` profile allows to add.
const BASELINE_CAPS: &[&str] = &[
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

/// Sysctls Kubernetes considers safe (namespaced, allowed by every kubelet).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// SELinux types the `baseline` profile allows.
const BASELINE_SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

pub fn security(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    user(ctx, svc, pod);
    capabilities(svc, pod);
    let s = svc.s;
    if let Some(p) = s.privileged {
        pod.security_context().insert("privileged".into(), json!(p));
        if p {
            pod.waive("PSS-BASELINE", "compose privileged: true");
        }
    }
    if let Some(ro) = s.read_only {
        pod.security_context()
            .insert("readOnlyRootFilesystem".into(), json!(ro));
        if !ro {
            pod.waive("SEC-READONLY-FS", "compose read_only: false");
        }
    }
    for (i, opt) in s.security_opt.iter().enumerate() {
        security_opt(ctx, svc, pod, &format!("{}/{i}", svc.key("security_opt")), opt);
    }
    escalation(ctx, svc, pod);
    sysctls(svc, pod);
    namespaces(ctx, svc, pod);
    group_add(ctx, svc, pod);
    if let Some(fs) = svc.x.security_context.as_ref().and_then(|x| x.fs_group) {
        pod.pod_security_context().insert("fsGroup".into(), json!(fs));
    }
}

/// Kubernetes refuses `allowPrivilegeEscalation: false` together with `privileged` or
/// `CAP_SYS_ADMIN`, so those containers say `true` explicitly (and the hardening default
/// does not apply); a compose `no-new-privileges` on them cannot be kept.
fn escalation(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let privileged = svc.s.privileged == Some(true);
    let sys_admin = svc
        .s
        .cap_add
        .iter()
        .any(|c| matches!(cap_name(c).as_str(), "SYS_ADMIN" | "ALL"));
    if !(privileged || sys_admin) {
        return;
    }
    let sc = pod.security_context();
    if sc.get("allowPrivilegeEscalation") == Some(&json!(false)) {
        ctx.warn(
            &svc.key("security_opt"),
            "dropped-key",
            format!(
                "service `{}`: `no-new-privileges` is dropped: Kubernetes does not allow it with privileged or CAP_SYS_ADMIN",
                svc.name
            ),
            None,
        );
    }
    pod.security_context()
        .insert("allowPrivilegeEscalation".into(), json!(true));
}

fn set_ids(pod: &mut Pod, uid: Option<i64>, gid: Option<i64>, why: &str) {
    if let Some(u) = uid {
        pod.security_context().insert("runAsUser".into(), json!(u));
        if u == 0 {
            pod.security_context().insert("runAsNonRoot".into(), json!(false));
            pod.waive("PSS-RESTRICTED", why);
        }
    }
    if let Some(g) = gid {
        pod.security_context().insert("runAsGroup".into(), json!(g));
    }
}

fn user(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    if let Some(u) = &svc.s.user {
        let (name, group) = match u.split_once(':') {
            Some((n, g)) => (n, Some(g)),
            None => (u.as_str(), None),
        };
        let uid = if name == "root" {
            Some(0)
        } else {
            name.parse::<i64>().ok()
        };
        let gid = match group {
            Some("root") => Some(0),
            Some(g) => g.parse::<i64>().ok(),
            None => None,
        };
        if uid.is_none() || (group.is_some() && gid.is_none()) {
            ctx.warn(
                &svc.key("user"),
                "user-name",
                format!(
                    "service `{}`: user `{u}` is a name; Kubernetes needs numeric ids, so the profile's default UID is used",
                    svc.name
                ),
                Some("write the numeric uid[:gid] the image defines for that user, or set `x-berth.securityContext`".into()),
            );
        }
        set_ids(pod, uid, gid, "compose user: root");
    }
    if let Some(x) = &svc.x.security_context {
        set_ids(
            pod,
            x.run_as_user,
            x.run_as_group,
            "x-berth.securityContext.runAsUser: 0",
        );
    }
}

fn cap_name(c: &str) -> String {
    let up = c.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

fn capabilities(svc: &Svc, pod: &mut Pod) {
    let add: Vec<String> = svc.s.cap_add.iter().map(|c| cap_name(c)).collect();
    let drop: Vec<String> = svc.s.cap_drop.iter().map(|c| cap_name(c)).collect();
    if add.is_empty() && drop.is_empty() {
        return;
    }
    let beyond_baseline: Vec<&str> = add
        .iter()
        .map(String::as_str)
        .filter(|c| !BASELINE_CAPS.contains(c))
        .collect();
    let beyond_restricted: Vec<&str> = add
        .iter()
        .map(String::as_str)
        .filter(|c| *c != "NET_BIND_SERVICE")
        .collect();
    if !beyond_baseline.is_empty() {
        pod.waive(
            "PSS-BASELINE",
            format!("compose cap_add: {}", beyond_baseline.join(",")),
        );
    }
    if !beyond_restricted.is_empty() {
        pod.waive(
            "PSS-RESTRICTED",
            format!("compose cap_add: {}", beyond_restricted.join(",")),
        );
    }
    let mut caps = Map::new();
    if !add.is_empty() {
        caps.insert("add".into(), json!(add));
    }
    if !drop.is_empty() {
        caps.insert("drop".into(), json!(drop));
    }
    pod.security_context()
        .insert("capabilities".into(), Value::Object(caps));
}

fn security_opt(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod, at: &str, opt: &str) {
    let (key, value) = match opt.split_once(['=', ':']) {
        Some((k, v)) => (k, v),
        None => (opt, ""),
    };
    match (key, value) {
        ("no-new-privileges", "" | "true") => {
            pod.security_context()
                .insert("allowPrivilegeEscalation".into(), json!(false));
        }
        ("no-new-privileges", "false") => {}
        ("seccomp", "unconfined") => {
            pod.security_context()
                .insert("seccompProfile".into(), json!({"type": "Unconfined"}));
            pod.waive("PSS-BASELINE", "compose security_opt: seccomp=unconfined");
        }
        ("apparmor", "unconfined") => {
            apparmor(ctx, svc, pod, json!({"type": "Unconfined"}), "unconfined".into());
            pod.waive("PSS-BASELINE", "compose security_opt: apparmor=unconfined");
        }
        ("apparmor", profile) if !profile.is_empty() => {
            let field = json!({"type": "Localhost", "localhostProfile": profile});
            apparmor(ctx, svc, pod, field, format!("localhost/{profile}"));
        }
        ("label", "disable") => {
            ctx.warn(
                at,
                "dropped-key",
                format!("service `{}`: `security_opt: label=disable` is dropped", svc.name),
                Some("SELinux labelling cannot be turned off per pod; choose a type with `label=type:...`".into()),
            );
        }
        ("label", spec) => selinux(ctx, svc, pod, at, spec),
        _ => ctx.warn(
            at,
            "dropped-key",
            format!(
                "service `{}`: `security_opt: {opt}` has no Kubernetes equivalent; dropped",
                svc.name
            ),
            (key == "seccomp").then(|| {
                "install the profile on the nodes and name it as a `Localhost` seccompProfile in an overlay".to_string()
            }),
        ),
    }
}

/// The `appArmorProfile` field exists from Kubernetes 1.30; older targets take the
/// annotation it replaced.
fn apparmor(ctx: &Ctx, svc: &Svc, pod: &mut Pod, field: Value, annotation: String) {
    if ctx.kube_minor >= 30 {
        pod.security_context().insert("appArmorProfile".into(), field);
    } else {
        let key = format!("container.apparmor.security.beta.kubernetes.io/{}", svc.obj);
        pod.annotations.insert(key, json!(annotation));
    }
}

fn selinux(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod, at: &str, spec: &str) {
    let not_understood = |ctx: &mut Ctx| {
        ctx.warn(
            at,
            "dropped-key",
            format!(
                "service `{}`: `security_opt: label={spec}` is not understood; dropped",
                svc.name
            ),
            None,
        );
    };
    let Some((field, value)) = spec.split_once(':') else {
        not_understood(ctx);
        return;
    };
    let key = match field {
        "user" | "role" => {
            pod.waive("PSS-BASELINE", format!("compose security_opt: label={field}"));
            field
        }
        "type" => {
            if !BASELINE_SELINUX_TYPES.contains(&value) {
                pod.waive("PSS-BASELINE", format!("compose security_opt: label=type:{value}"));
            }
            "type"
        }
        "level" => "level",
        _ => {
            not_understood(ctx);
            return;
        }
    };
    let sc = pod.security_context();
    let mut opts = match sc.shift_remove("seLinuxOptions") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    opts.insert(key.into(), json!(value));
    sc.insert("seLinuxOptions".into(), Value::Object(opts));
}

fn sysctls(svc: &Svc, pod: &mut Pod) {
    if svc.s.sysctls.is_empty() {
        return;
    }
    let list: Vec<Value> = svc
        .s
        .sysctls
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    let unsafe_: Vec<&str> = svc
        .s
        .sysctls
        .keys()
        .map(String::as_str)
        .filter(|k| !SAFE_SYSCTLS.contains(k))
        .collect();
    if !unsafe_.is_empty() {
        pod.waive(
            "PSS-BASELINE",
            format!("compose sysctls: {} (the kubelet must allow them)", unsafe_.join(",")),
        );
    }
    pod.pod_security_context().insert("sysctls".into(), Value::Array(list));
}

fn namespaces(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let s = svc.s;
    for (key, value, field) in [
        ("pid", s.pid.as_deref(), "hostPID"),
        ("ipc", s.ipc.as_deref(), "hostIPC"),
        ("network_mode", s.network_mode.as_deref(), "hostNetwork"),
    ] {
        let Some(value) = value else { continue };
        let at = svc.key(key);
        match value {
            "host" => {
                pod.spec.insert(field.into(), json!(true));
                pod.waive("PSS-BASELINE", format!("compose {key}: host"));
                // On the host network the pod's resolver is the node's, which cannot
                // resolve Service names unless the policy says so.
                if field == "hostNetwork" {
                    pod.spec.insert("dnsPolicy".into(), json!("ClusterFirstWithHostNet"));
                }
            }
            "private" | "shareable" | "bridge" | "default" => {}
            "none" if key == "network_mode" => ctx.warn(
                &at,
                "approximated",
                format!("service `{}`: `network_mode: none` keeps pod networking; NetworkPolicies deny traffic other services do not need", svc.name),
                None,
            ),
            other => {
                let target = other.split_once(':').map_or(other, |(_, t)| t);
                ctx.warn(
                    &at,
                    "approximated",
                    format!(
                        "service `{}`: `{key}: {other}` cannot share another pod's namespace; it runs as its own pod",
                        svc.name
                    ),
                    Some(format!("reach `{target}` through its Service name instead of localhost")),
                );
            }
        }
    }
}

fn group_add(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let Some(groups) = svc.s.extra.get("group_add").and_then(Value::as_array) else {
        return;
    };
    let mut ids = Vec::new();
    for g in groups {
        let id = g.as_i64().or_else(|| g.as_str().and_then(|s| s.parse().ok()));
        match id {
            Some(id) => ids.push(id),
            None => ctx.warn(
                &svc.key("group_add"),
                "dropped-key",
                format!(
                    "service `{}`: group `{g}` is a name; Kubernetes needs numeric groups; dropped",
                    svc.name
                ),
                Some("write the numeric gid".into()),
            ),
        }
    }
    if !ids.is_empty() {
        pod.pod_security_context()
            .insert("supplementalGroups".into(), json!(ids));
    }
}
