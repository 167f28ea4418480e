//! THE table of compose keys: what each becomes in Kubernetes. `convert` walks every key
//! actually present (typed fields and `extra`) through it, so a key is converted,
//! approximated with a warning that says how, or dropped with a warning that names it and
//! its file:line; nothing is lost silently (DESIGN.md promise 6). The book's conversion
//! table is generated from these rows (`book_table`).
//!
//! `Converted` rows warn only where a particular value cannot be honoured; the concern
//! module that handles the key says so with the value in hand (`network_mode: service:x`).

use serde_json::Value;

use super::{Ctx, Svc};
use crate::compose::model::Service;
use crate::yaml::pointer_segment;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Mapped onto an equivalent; the text says onto what.
    Converted(&'static str),
    /// Mapped onto something close; every use warns with the text.
    Approximated(&'static str),
    /// No Kubernetes equivalent; every use warns with the text.
    Dropped(&'static str),
}

use Disposition::{Approximated, Converted, Dropped};

/// Every service key of the compose specification.
pub const SERVICE_KEYS: &[(&str, Disposition)] = &[
    ("annotations", Converted("pod template annotations")),
    ("attach", Dropped("log attachment is a `docker compose up` setting")),
    ("blkio_config", Dropped("Kubernetes has no block-IO weights or limits")),
    (
        "build",
        Converted("nothing is built; a build-only service runs image `<project>-<service>:<x-berth.tag>`"),
    ),
    (
        "cap_add",
        Converted("container `securityContext.capabilities.add`, with a PSS waiver"),
    ),
    ("cap_drop", Converted("container `securityContext.capabilities.drop`")),
    ("cgroup", Dropped("Kubernetes manages cgroup namespaces itself")),
    ("cgroup_parent", Dropped("the kubelet places pods in cgroups")),
    (
        "command",
        Converted("container `args` (`$(` and `$$` escaped so Kubernetes keeps them literal)"),
    ),
    (
        "configs",
        Converted("ConfigMap mounted at the target (default `/<name>`) with `subPath`"),
    ),
    (
        "container_name",
        Dropped("objects are named after the service; pods get generated names"),
    ),
    ("cpu_count", Dropped("use `deploy.resources.limits.cpus`")),
    ("cpu_percent", Dropped("use `deploy.resources.limits.cpus`")),
    ("cpu_period", Dropped("use `deploy.resources.limits.cpus`")),
    ("cpu_quota", Dropped("use `deploy.resources.limits.cpus`")),
    (
        "cpu_rt_period",
        Dropped("Kubernetes has no real-time CPU scheduling settings"),
    ),
    (
        "cpu_rt_runtime",
        Dropped("Kubernetes has no real-time CPU scheduling settings"),
    ),
    (
        "cpu_shares",
        Dropped("use `deploy.resources.reservations.cpus` (requests set the share)"),
    ),
    ("cpus", Converted("container `resources.limits.cpu` (`0.5` → `500m`)")),
    ("cpuset", Dropped("CPU pinning is the kubelet's CPU manager policy")),
    (
        "credential_spec",
        Dropped("Windows gMSA needs `securityContext.windowsOptions` set by hand"),
    ),
    (
        "depends_on",
        Converted(
            "NetworkPolicy allow rules and the `berth.dev/depends-on` annotation; `service_completed_successfully` makes the dependency a Job; pods do not wait (they retry); `restart: true` warns",
        ),
    ),
    ("deploy", Converted("see the `deploy.*` rows")),
    ("develop", Dropped("`compose watch` is a development loop")),
    (
        "device_cgroup_rules",
        Dropped("device access is a node or device-plugin setting"),
    ),
    (
        "devices",
        Dropped("host devices need a device plugin (request its resource in `x-berth.resources`)"),
    ),
    (
        "dns",
        Approximated("pod `dnsConfig.nameservers`, added after the cluster DNS"),
    ),
    ("dns_opt", Converted("pod `dnsConfig.options`")),
    ("dns_search", Converted("pod `dnsConfig.searches`")),
    ("domainname", Dropped("Kubernetes pods take the cluster domain")),
    ("entrypoint", Converted("container `command`")),
    (
        "env_file",
        Converted("one ConfigMap per file and `envFrom` (compose `environment` still wins)"),
    ),
    (
        "environment",
        Converted("container `env` (wins over `env_file`, as in compose)"),
    ),
    ("expose", Converted("named container ports and ClusterIP Service ports")),
    ("extends", Converted("resolved by the loader")),
    (
        "external_links",
        Dropped("reach services outside the project through their own Service or an ExternalName Service"),
    ),
    ("extra_hosts", Converted("pod `hostAliases`")),
    ("gpus", Approximated("`nvidia.com/gpu` limit (`all` counts as 1)")),
    (
        "group_add",
        Converted("pod `securityContext.supplementalGroups` (numeric groups)"),
    ),
    (
        "healthcheck",
        Converted(
            "readiness and liveness probes (liveness: twice the period and threshold), startup probe covering `start_period`; `CMD-SHELL` under `/bin/sh -c`; `disable`/`NONE` → none (waivers); without a healthcheck: tcpSocket on the first TCP port, else none (waivers)",
        ),
    ),
    ("hostname", Converted("pod `hostname`")),
    (
        "image",
        Converted("container `image` (warning when untagged or `latest`)"),
    ),
    ("include", Converted("resolved by the loader")),
    (
        "init",
        Converted("pod `shareProcessNamespace: true` (the pause process reaps zombies as PID 1)"),
    ),
    (
        "ipc",
        Converted("`host` → `hostIPC` with a PSS waiver; `private`/`shareable` are the default"),
    ),
    ("isolation", Dropped("Windows isolation is a node setting")),
    ("label_file", Converted("read by the loader into `labels`")),
    (
        "labels",
        Converted("pod template annotations; `kompose.*` and `berth.*` labels steer berth and are not copied"),
    ),
    (
        "links",
        Converted("NetworkPolicy allow rules; an alias (`db:pg`) becomes one more Service `pg` for the same pods"),
    ),
    (
        "logging",
        Dropped("container logs go to stdout; configure log shipping in the cluster"),
    ),
    ("mac_address", Dropped("pods get addresses from the CNI")),
    (
        "mem_limit",
        Converted("container `resources.limits.memory` (binary units, `512Mi`)"),
    ),
    ("mem_reservation", Converted("container `resources.requests.memory`")),
    ("mem_swappiness", Dropped("swap is a node setting")),
    ("memswap_limit", Dropped("swap is a node setting")),
    ("models", Dropped("compose AI models have no Kubernetes equivalent")),
    (
        "network_mode",
        Converted(
            "`host` → `hostNetwork` with a PSS waiver; `service:`/`container:` run as a separate pod (warning); `none` warns",
        ),
    ),
    (
        "networks",
        Converted(
            "NetworkPolicies between services sharing a network; `aliases` become extra Services for the same pods",
        ),
    ),
    (
        "oom_kill_disable",
        Dropped("the kubelet decides OOM kills from the memory limit"),
    ),
    (
        "oom_score_adj",
        Dropped("the kubelet sets OOM scores from the QoS class"),
    ),
    ("pid", Converted("`host` → `hostPID` with a PSS waiver")),
    (
        "pids_limit",
        Dropped("PID limits are a kubelet setting (`podPidsLimit`)"),
    ),
    (
        "platform",
        Converted(
            "pod `nodeSelector` on `kubernetes.io/os` and `kubernetes.io/arch` (`x86_64` → `amd64`, `aarch64` → `arm64`)",
        ),
    ),
    (
        "ports",
        Converted(
            "named container ports and ClusterIP Service ports (`port` = published port); exposure only via `x-berth.expose`",
        ),
    ),
    (
        "post_start",
        Converted("one hook with only a `command` → container `lifecycle.postStart` exec; others warn"),
    ),
    (
        "pre_start",
        Dropped("use an init container written in an overlay; compose hooks run with their own user and environment"),
    ),
    (
        "pre_stop",
        Converted("one hook with only a `command` → container `lifecycle.preStop` exec; others warn"),
    ),
    (
        "privileged",
        Converted("container `securityContext.privileged` with a PSS-BASELINE waiver"),
    ),
    ("profiles", Converted("applied by the loader (`--compose-profile`)")),
    ("provider", Dropped("compose providers run on the docker host")),
    ("pull_policy", Converted("container `imagePullPolicy`")),
    (
        "pull_refresh_after",
        Dropped("Kubernetes pulls per `imagePullPolicy`, not on a timer"),
    ),
    (
        "read_only",
        Converted("container `securityContext.readOnlyRootFilesystem`"),
    ),
    (
        "restart",
        Converted(
            "`no` → Job (`restartPolicy: Never`, `backoffLimit: 0`); `on-failure[:N]` → Job (`OnFailure`, `backoffLimit` N); others keep the default `Always`",
        ),
    ),
    (
        "runtime",
        Approximated("pod `runtimeClassName` (a RuntimeClass of that name must exist)"),
    ),
    ("scale", Converted("workload `replicas`")),
    (
        "secrets",
        Converted("Secret mounted at `/run/secrets/<name>` (or its target)"),
    ),
    (
        "security_opt",
        Converted(
            "`no-new-privileges` → `allowPrivilegeEscalation: false`; `seccomp`, `apparmor`, `label` → their securityContext fields",
        ),
    ),
    (
        "shm_size",
        Converted("emptyDir `medium: Memory` at `/dev/shm` with `sizeLimit`"),
    ),
    ("stdin_open", Converted("container `stdin`")),
    ("stop_grace_period", Converted("pod `terminationGracePeriodSeconds`")),
    (
        "stop_signal",
        Dropped("set `STOPSIGNAL` in the image; Kubernetes sends SIGTERM"),
    ),
    (
        "storage_opt",
        Dropped("use an ephemeral-storage limit in `x-berth.resources`"),
    ),
    (
        "sysctls",
        Converted("pod `securityContext.sysctls` (unsafe ones with a PSS-BASELINE waiver)"),
    ),
    (
        "tmpfs",
        Converted("emptyDir `medium: Memory` with the `size=` option as `sizeLimit`"),
    ),
    ("tty", Converted("container `tty`")),
    (
        "ulimits",
        Dropped("Kubernetes has no per-pod ulimits; they are set by the container runtime"),
    ),
    (
        "use_api_socket",
        Dropped("the Docker socket is not available in Kubernetes"),
    ),
    (
        "user",
        Converted("`runAsUser`/`runAsGroup` when numeric; `root`/`0` with a PSS-RESTRICTED waiver"),
    ),
    (
        "userns_mode",
        Dropped("user namespaces are `hostUsers: false`, a cluster feature"),
    ),
    ("uts", Dropped("`host` UTS namespace has no pod equivalent")),
    (
        "volumes",
        Converted(
            "named → PVC (a StatefulSet's own → `volumeClaimTemplates`; shared or replicated → ReadWriteMany, warns; `:ro` → readOnly mount); external → the existing claim; anonymous → emptyDir (warns); bind of a file under the root → ConfigMap + `subPath` (`binaryData` if binary, > 1 MiB is an error); bind of a folder → emptyDir (warns); bind outside the root or the Docker socket → error; tmpfs → emptyDir `Memory`",
        ),
    ),
    (
        "volumes_from",
        Dropped("share a named volume between the services instead"),
    ),
    ("working_dir", Converted("container `workingDir`")),
    ("x-berth", Converted("typed berth knobs (schemas/x-berth.schema.json)")),
];

/// `deploy.*` keys.
pub const DEPLOY_KEYS: &[(&str, Disposition)] = &[
    (
        "endpoint_mode",
        Dropped("Services always load-balance (`dnsrr` has no equivalent)"),
    ),
    ("labels", Converted("workload annotations")),
    (
        "mode",
        Converted("`global` → DaemonSet; `replicated-job` → Job; `global-job` → Job (warns)"),
    ),
    (
        "placement",
        Converted(
            "`constraints` `==` on node labels, hostname, OS, arch → pod `nodeSelector`; other constraints, `preferences` and `max_replicas_per_node` warn",
        ),
    ),
    ("replicas", Converted("workload `replicas`")),
    (
        "resources",
        Converted("container requests and limits; nvidia GPU reservations → `nvidia.com/gpu`"),
    ),
    (
        "restart_policy",
        Converted("`condition: none`/`on-failure` make a Job (`max_attempts` → `backoffLimit`)"),
    ),
    (
        "rollback_config",
        Dropped("Kubernetes rolls back with `kubectl rollout undo`"),
    ),
    (
        "update_config",
        Dropped("the hardening profile sets the rollout strategy"),
    ),
];

/// Top-level keys.
pub const TOP_LEVEL_KEYS: &[(&str, Disposition)] = &[
    (
        "configs",
        Converted("a ConfigMap per config a service uses; `external` ones are referenced"),
    ),
    ("include", Converted("resolved by the loader")),
    ("models", Dropped("compose AI models have no Kubernetes equivalent")),
    (
        "name",
        Converted("the namespace, unless `--namespace` or `x-berth.namespace` is given"),
    ),
    ("networks", Converted("NetworkPolicies")),
    (
        "secrets",
        Converted("a Secret per secret a service uses; `external` ones are referenced"),
    ),
    (
        "services",
        Converted("one workload (and Service, when it has ports) each"),
    ),
    ("version", Dropped("obsolete; compose ignores it too")),
    (
        "volumes",
        Converted("a PersistentVolumeClaim per named volume; `external` ones are referenced"),
    ),
    ("x-berth", Converted("typed berth knobs")),
];

/// Keys of a service's attachment to a network, other than `aliases`.
pub const SERVICE_NETWORK_KEYS: &[(&str, Disposition)] = &[
    ("driver_opts", Dropped("pod networking is the cluster's CNI")),
    ("gw_priority", Dropped("pods have one network interface")),
    ("interface_name", Dropped("pods have one network interface")),
    (
        "ipv4_address",
        Dropped("pod addresses come from the CNI; reach the pod through its Service"),
    ),
    (
        "ipv6_address",
        Dropped("pod addresses come from the CNI; reach the pod through its Service"),
    ),
    ("link_local_ips", Dropped("pod addresses come from the CNI")),
    ("mac_address", Dropped("pods get addresses from the CNI")),
    ("priority", Converted("irrelevant: pods have one network interface")),
];

/// Keys of a top-level volume other than the typed ones.
pub const VOLUME_KEYS: &[(&str, Disposition)] = &[
    (
        "driver",
        Dropped("storage comes from the StorageClass (`x-berth.storageClass`)"),
    ),
    (
        "driver_opts",
        Dropped("storage comes from the StorageClass (`x-berth.storageClass`)"),
    ),
    ("labels", Dropped("PVC labels are berth's own")),
];

/// Keys of a top-level network other than the typed ones.
pub const NETWORK_KEYS: &[(&str, Disposition)] = &[
    ("driver", Dropped("pod networking is the cluster's CNI")),
    ("driver_opts", Dropped("pod networking is the cluster's CNI")),
    ("ipam", Dropped("pod addresses come from the CNI")),
    ("enable_ipv4", Dropped("address families are a cluster setting")),
    ("enable_ipv6", Dropped("address families are a cluster setting")),
    ("attachable", Dropped("a swarm setting")),
    ("labels", Dropped("NetworkPolicy labels are berth's own")),
];

pub fn lookup(table: &[(&str, Disposition)], key: &str) -> Option<Disposition> {
    table.iter().find(|(k, _)| *k == key).map(|(_, d)| *d)
}

/// Warns for one key found at `pointer`, per `table`. Extension keys (`x-*`) are the
/// user's own and are skipped, as compose skips them.
fn report(ctx: &mut Ctx, table: &[(&str, Disposition)], what: &str, key: &str, pointer: &str) {
    if key.starts_with("x-") {
        return;
    }
    match lookup(table, key) {
        Some(Converted(_)) => {}
        Some(Approximated(how)) => ctx.warn(pointer, "approximated", format!("{what} `{key}`: {how}"), None),
        Some(Dropped(why)) => ctx.warn(
            pointer,
            "dropped-key",
            format!("{what} `{key}` is dropped: {why}"),
            Some(format!("remove `{key}` or accept that it has no effect in Kubernetes")),
        ),
        None => ctx.warn(
            pointer,
            "dropped-key",
            format!("{what} `{key}` is not a key berth knows; it is dropped"),
            Some("check the spelling against the compose specification".into()),
        ),
    }
}

/// Reports the top-level keys present, and the extra keys of volumes and networks.
pub fn report_top_level(ctx: &mut Ctx) {
    let p = ctx.project;
    let mut present: Vec<&str> = vec!["services"];
    for (key, non_empty) in [
        ("networks", !p.networks.is_empty()),
        ("volumes", !p.volumes.is_empty()),
        ("secrets", !p.secrets.is_empty()),
        ("configs", !p.configs.is_empty()),
    ] {
        if non_empty {
            present.push(key);
        }
    }
    present.extend(p.extra.keys().map(String::as_str));
    for key in present {
        report(
            ctx,
            TOP_LEVEL_KEYS,
            "top-level key",
            key,
            &format!("/{}", pointer_segment(key)),
        );
    }
    for (name, v) in &p.volumes {
        let mut keys: Vec<&str> = v.extra.keys().map(String::as_str).collect();
        if v.driver.as_deref().is_some_and(|d| d != "local") {
            keys.push("driver");
        }
        if v.labels.keys().any(|l| l != "kompose.volume.size") {
            keys.push("labels");
        }
        for key in keys {
            let at = format!("/volumes/{}/{}", pointer_segment(name), pointer_segment(key));
            report(ctx, VOLUME_KEYS, &format!("volume `{name}` key"), key, &at);
        }
    }
    for (name, n) in &p.networks {
        let mut keys: Vec<&str> = n.extra.keys().map(String::as_str).collect();
        if n.driver.as_deref().is_some_and(|d| d != "bridge" && d != "overlay") {
            keys.push("driver");
        }
        for key in keys {
            let at = format!("/networks/{}/{}", pointer_segment(name), pointer_segment(key));
            report(ctx, NETWORK_KEYS, &format!("network `{name}` key"), key, &at);
        }
    }
}

/// Reports every key present on a service, and its `deploy.*` keys.
pub fn report_service(ctx: &mut Ctx, svc: &Svc) {
    for key in present_keys(svc.s) {
        report(
            ctx,
            SERVICE_KEYS,
            &format!("service `{}` key", svc.name),
            key,
            &svc.key(key),
        );
    }
    for (net, attach) in &svc.s.networks {
        let Some(a) = attach else { continue };
        let mut keys: Vec<&str> = a.extra.keys().map(String::as_str).collect();
        if a.ipv4_address.is_some() {
            keys.push("ipv4_address");
        }
        if a.ipv6_address.is_some() {
            keys.push("ipv6_address");
        }
        for key in keys {
            let at = format!(
                "{}/{}/{}",
                svc.key("networks"),
                pointer_segment(net),
                pointer_segment(key)
            );
            let what = format!("service `{}` network `{net}` key", svc.name);
            report(ctx, SERVICE_NETWORK_KEYS, &what, key, &at);
        }
    }
    if let Some(policy) = svc.s.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()) {
        for key in ["delay", "window"] {
            if policy.get(key).is_some_and(|v| !v.is_null()) {
                let at = format!("{}/restart_policy/{key}", svc.key("deploy"));
                ctx.warn(
                    &at,
                    "dropped-key",
                    format!(
                        "service `{}` key deploy.restart_policy `{key}` is dropped: Kubernetes restarts with its own back-off",
                        svc.name
                    ),
                    None,
                );
            }
        }
    }
    for (dep, d) in &svc.s.depends_on {
        if d.restart {
            ctx.warn(
                &format!("{}/{}/restart", svc.key("depends_on"), pointer_segment(dep)),
                "dropped-key",
                format!(
                    "service `{}` key depends_on `{dep}.restart` is dropped: Kubernetes restarts no pod when another restarts",
                    svc.name
                ),
                Some("make the service reconnect by itself (its pods are restarted only when their own probes fail)".into()),
            );
        }
    }
    if let Some(d) = &svc.s.deploy {
        for key in present_deploy_keys(d) {
            let at = format!("{}/{key}", svc.key("deploy"));
            report(
                ctx,
                DEPLOY_KEYS,
                &format!("service `{}` key deploy", svc.name),
                key,
                &at,
            );
        }
    }
}

/// The keys a service sets, typed fields first, then `extra` in file order.
pub fn present_keys(s: &Service) -> Vec<&str> {
    let flags: [(&str, bool); 50] = [
        ("image", s.image.is_some()),
        ("build", s.build.is_some()),
        ("command", s.command.is_some()),
        ("entrypoint", s.entrypoint.is_some()),
        ("working_dir", s.working_dir.is_some()),
        ("user", s.user.is_some()),
        ("hostname", s.hostname.is_some()),
        ("environment", !s.environment.is_empty()),
        ("env_file", !s.env_file.is_empty()),
        ("ports", !s.ports.is_empty()),
        ("expose", !s.expose.is_empty()),
        ("volumes", !s.volumes.is_empty()),
        ("tmpfs", !s.tmpfs.is_empty()),
        ("secrets", !s.secrets.is_empty()),
        ("configs", !s.configs.is_empty()),
        ("depends_on", !s.depends_on.is_empty()),
        ("links", !s.links.is_empty()),
        ("networks", !s.networks.is_empty()),
        ("network_mode", s.network_mode.is_some()),
        ("healthcheck", s.healthcheck.is_some()),
        ("deploy", s.deploy.is_some()),
        ("restart", s.restart.is_some()),
        ("labels", !s.labels.is_empty()),
        ("annotations", !s.annotations.is_empty()),
        ("cap_add", !s.cap_add.is_empty()),
        ("cap_drop", !s.cap_drop.is_empty()),
        ("privileged", s.privileged.is_some()),
        ("read_only", s.read_only.is_some()),
        ("security_opt", !s.security_opt.is_empty()),
        ("sysctls", !s.sysctls.is_empty()),
        ("extra_hosts", !s.extra_hosts.is_empty()),
        ("shm_size", s.shm_size.is_some()),
        ("mem_limit", s.mem_limit.is_some()),
        ("mem_reservation", s.mem_reservation.is_some()),
        ("cpus", s.cpus.is_some()),
        ("ulimits", !s.ulimits.is_empty()),
        ("pid", s.pid.is_some()),
        ("ipc", s.ipc.is_some()),
        ("stop_grace_period", s.stop_grace_period.is_some()),
        ("stop_signal", s.stop_signal.is_some()),
        ("init", s.init.is_some()),
        ("tty", s.tty.is_some()),
        ("stdin_open", s.stdin_open.is_some()),
        ("pull_policy", s.pull_policy.is_some()),
        ("profiles", !s.profiles.is_empty()),
        ("container_name", s.container_name.is_some()),
        ("devices", !s.devices.is_empty()),
        ("logging", s.logging.is_some()),
        ("scale", s.scale.is_some()),
        ("x-berth", s.x_berth.is_some()),
    ];
    let mut keys: Vec<&str> = flags.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect();
    keys.extend(s.extra.keys().map(String::as_str));
    keys
}

fn present_deploy_keys(d: &crate::compose::model::Deploy) -> Vec<&'static str> {
    let r = &d.resources;
    [
        ("mode", d.mode.is_some()),
        ("replicas", d.replicas.is_some()),
        ("resources", r.limits.is_some() || r.reservations.is_some()),
        ("restart_policy", d.restart_policy.is_some()),
        ("labels", !d.labels.is_empty()),
        ("placement", d.placement.as_ref().is_some_and(|v| !is_empty(v))),
        ("update_config", d.update_config.is_some()),
        ("rollback_config", d.rollback_config.is_some()),
        ("endpoint_mode", d.endpoint_mode.as_deref().is_some_and(|m| m != "vip")),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect()
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().all(is_empty),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The conversion table as Markdown, for the book.
pub fn book_table() -> String {
    let mut out = String::from("| compose key | becomes |\n|---|---|\n");
    let sections: [(&str, &[(&str, Disposition)]); 6] = [
        ("services.", SERVICE_KEYS),
        ("services.*.deploy.", DEPLOY_KEYS),
        ("services.*.networks.*.", SERVICE_NETWORK_KEYS),
        ("", TOP_LEVEL_KEYS),
        ("volumes.*.", VOLUME_KEYS),
        ("networks.*.", NETWORK_KEYS),
    ];
    for (prefix, table) in sections {
        for (key, d) in table {
            let cell = match d {
                Converted(t) => format!("converted: {t}"),
                Approximated(t) => format!("approximated (warns): {t}"),
                Dropped(t) => format!("dropped (warns): {t}"),
            };
            out.push_str(&format!("| `{prefix}{key}` | {cell} |\n"));
        }
    }
    out.push_str("\n| kompose label | x-berth equivalent (x-berth wins when both are set) |\n|---|---|\n");
    for (label, knob) in super::xberth::KOMPOSE_LABELS {
        out.push_str(&format!("| `{label}` | `{knob}` |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for table in [SERVICE_KEYS, DEPLOY_KEYS, TOP_LEVEL_KEYS] {
            let keys: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(keys, sorted);
        }
    }

    #[test]
    fn every_typed_service_field_has_a_row() {
        let all: Service = serde_json::from_str(
            r#"{
            "image": "a", "build": {}, "command": ["a"], "entrypoint": ["a"], "working_dir": "/",
            "user": "1", "hostname": "h", "environment": {"A": "1"}, "env_file": [{"path": "e"}],
            "ports": [{"target": 1}], "expose": ["1"], "volumes": [{"type": "volume", "target": "/a"}],
            "tmpfs": ["/t"], "secrets": [{"source": "s"}], "configs": [{"source": "c"}],
            "depends_on": {"d": {}}, "links": ["l"], "networks": {"n": null}, "network_mode": "host",
            "healthcheck": {}, "deploy": {}, "restart": "no", "labels": {"a": "b"},
            "annotations": {"a": "b"}, "cap_add": ["A"], "cap_drop": ["A"], "privileged": true,
            "read_only": true, "security_opt": ["a"], "sysctls": {"a": "1"},
            "extra_hosts": {"h": ["1.1.1.1"]}, "shm_size": "1m", "mem_limit": "1m",
            "mem_reservation": "1m", "cpus": "1", "ulimits": {"a": 1}, "pid": "host", "ipc": "host",
            "stop_grace_period": "1s", "stop_signal": "SIGINT", "init": true, "tty": true,
            "stdin_open": true, "pull_policy": "always", "profiles": ["p"], "container_name": "c",
            "devices": ["d"], "logging": {}, "scale": 1, "x-berth": {}
        }"#,
        )
        .unwrap();
        let keys = present_keys(&all);
        assert_eq!(keys.len(), 50, "{keys:?}");
        for key in keys {
            assert!(lookup(SERVICE_KEYS, key).is_some(), "{key}");
        }
        assert!(book_table().contains("| `services.cap_add` |"));
    }

    #[test]
    fn every_compose_spec_service_key_has_a_row() {
        let spec: Value =
            serde_json::from_str(include_str!("../../schemas/compose/compose-spec.json")).unwrap_or(Value::Null);
        let props = spec
            .pointer("/$defs/service/properties")
            .and_then(Value::as_object)
            .unwrap();
        for key in props.keys() {
            assert!(
                lookup(SERVICE_KEYS, key).is_some(),
                "compose-spec service key `{key}` has no row"
            );
        }
        for (pointer, table) in [
            ("/properties", TOP_LEVEL_KEYS),
            ("/$defs/deployment/properties", DEPLOY_KEYS),
        ] {
            let props = spec
                .pointer(pointer)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            assert!(!props.is_empty(), "{pointer}");
            for key in props.keys() {
                assert!(
                    lookup(table, key).is_some(),
                    "compose-spec key `{key}` at {pointer} has no row"
                );
            }
        }
    }
}
