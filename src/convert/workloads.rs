//! The workload of a service: which kind (Deployment, StatefulSet, DaemonSet, Job,
//! CronJob), the container basics (image, command, args, tty, ...) and the wrapping of the
//! assembled pod into the workload object.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::xberth::{self, WorkloadKind};
use super::{Ctx, Pod, Svc, names};
use crate::compose::Project;
use crate::error::{Error, Warnings};
use crate::manifest::add_waiver;
use crate::source::Origin;

/// Services that another service waits for with `service_completed_successfully`: they
/// are one-shot tasks, so they become Jobs.
pub fn completed_dependencies(project: &Project) -> BTreeSet<String> {
    project
        .services
        .values()
        .flat_map(|s| s.depends_on.iter())
        .filter(|(_, d)| d.condition == "service_completed_successfully")
        .map(|(name, _)| name.clone())
        .collect()
}

/// How a one-shot service restarts: `restartPolicy` and `backoffLimit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobRestart {
    pub on_failure: bool,
    pub backoff: Option<u32>,
}

/// The restart behaviour compose asks for, when it is a one-shot one.
fn job_restart(svc: &Svc) -> Option<JobRestart> {
    let policy = svc.s.deploy.as_ref().and_then(|d| d.restart_policy.as_ref());
    if let Some(cond) = policy.and_then(|p| p.get("condition")).and_then(Value::as_str) {
        let attempts = policy
            .and_then(|p| p.get("max_attempts"))
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        return match cond {
            "none" => Some(JobRestart {
                on_failure: false,
                backoff: Some(0),
            }),
            "on-failure" => Some(JobRestart {
                on_failure: true,
                backoff: attempts,
            }),
            _ => None,
        };
    }
    let restart = svc.s.restart.as_deref()?;
    if restart == "no" || restart == "none" {
        return Some(JobRestart {
            on_failure: false,
            backoff: Some(0),
        });
    }
    let rest = restart.strip_prefix("on-failure")?;
    Some(JobRestart {
        on_failure: true,
        backoff: rest.strip_prefix(':').and_then(|n| n.trim().parse().ok()),
    })
}

/// How a service that is a Job for another reason (`x-berth.workload`, `deploy.mode`,
/// a `service_completed_successfully` dependency) restarts: compose's default `restart`
/// is `no`, so it runs once; `always`/`unless-stopped` retry with Kubernetes' back-off.
fn job_default(svc: &Svc) -> JobRestart {
    match svc.s.restart.as_deref() {
        Some("always") | Some("unless-stopped") => JobRestart {
            on_failure: true,
            backoff: None,
        },
        _ => JobRestart {
            on_failure: false,
            backoff: Some(0),
        },
    }
}

/// The workload kind, by DESIGN.md 4.1: `x-berth.workload` (or `kompose.controller.type`),
/// `x-berth.schedule`, `deploy.mode`, one-shot restarts, owned named volumes, Deployment.
pub fn kind_of(ctx: &mut Ctx, svc: &Svc, completed: &BTreeSet<String>) -> WorkloadKind {
    if let Some(k) = svc.x.workload {
        return k;
    }
    if svc.x.schedule.is_some() {
        return WorkloadKind::Cronjob;
    }
    match svc.s.deploy.as_ref().and_then(|d| d.mode.as_deref()) {
        Some("global") => return WorkloadKind::Daemonset,
        Some("replicated-job") => return WorkloadKind::Job,
        Some("global-job") => {
            ctx.warn(
                &svc.key("deploy"),
                "approximated",
                format!(
                    "service `{}`: `deploy.mode: global-job` becomes a Job, not one per node",
                    svc.name
                ),
                Some("use a DaemonSet (`x-berth.workload: daemonset`) if it must run on every node".into()),
            );
            return WorkloadKind::Job;
        }
        _ => {}
    }
    if job_restart(svc).is_some() || completed.contains(svc.name) {
        return WorkloadKind::Job;
    }
    if owns_named_volumes(ctx, svc) && replicas(svc).is_none_or(|r| r <= 1) {
        return WorkloadKind::Statefulset;
    }
    WorkloadKind::Deployment
}

/// True when the service mounts a non-external named volume that no other service mounts:
/// a single writer owning its data, which is what a StatefulSet is for.
fn owns_named_volumes(ctx: &Ctx, svc: &Svc) -> bool {
    let owned = |vol: &str| !ctx.project.volumes.get(vol).is_some_and(|v| v.external) && ctx.volume_users(vol) <= 1;
    svc.s
        .volumes
        .iter()
        .any(|m| m.kind == "volume" && m.source.as_deref().is_some_and(owned))
}

/// Replicas compose or `x-berth` asks for; unset leaves the choice to `harden`.
pub fn replicas(svc: &Svc) -> Option<u32> {
    svc.x
        .replicas
        .or_else(|| svc.s.deploy.as_ref().and_then(|d| d.replicas))
        .or(svc.s.scale)
}

/// True when an image reference names a tag or digest other than `latest`.
pub fn pinned(image: &str) -> bool {
    if image.contains('@') {
        return true;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag != "latest" && !tag.is_empty(),
        None => false,
    }
}

/// Escapes `$` where Kubernetes would expand it (`$(VAR)` and `$$`) in `command`, `args`
/// and `env` values, so the container sees exactly what compose would pass.
pub fn escape_dollars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('$') | Some('(')) {
            out.push('$');
        }
    }
    out
}

/// An image a service runs that is not pinned to a tag or digest: the `image-tag`
/// warning waits for the final image, since an overlay's `images:` may pin it.
#[derive(Debug, Clone)]
pub struct ImageUse {
    pub origin: Option<Origin>,
    pub service: String,
    pub image: String,
    /// The image is the one berth names for a build-only service.
    pub built: bool,
}

/// Warns about each image that `finally` (the image after overlays) leaves unpinned,
/// naming the final image.
pub fn warn_unpinned(uses: &[ImageUse], finally: impl Fn(&str) -> String, warnings: &mut Warnings) {
    for u in uses {
        let image = finally(&u.image);
        if pinned(&image) {
            continue;
        }
        let (message, help) = if u.built && image == u.image {
            (
                format!(
                    "service `{}` is build-only: it runs image `{image}` without a tag",
                    u.service
                ),
                "build and push the image, and set its tag with `x-berth.tag`",
            )
        } else {
            let why = if image.ends_with(":latest") {
                "is tagged `latest`"
            } else {
                "has no tag, so it pulls `latest`"
            };
            (
                format!("service `{}`: image `{image}` {why}", u.service),
                "pin a version tag or digest so every rollout runs the same image",
            )
        };
        warnings.push(u.origin.clone(), "image-tag", message, Some(help.into()));
    }
}

fn image(ctx: &mut Ctx, svc: &Svc) -> Result<String, Error> {
    let (image, built) = match (&svc.x.image, &svc.s.image) {
        (Some(i), _) | (None, Some(i)) => (i.clone(), false),
        (None, None) if svc.s.build.is_some() => {
            let repo = format!(
                "{}-{}",
                names::dns_label(&svc.project, 63),
                names::dns_label(svc.name, 63)
            );
            match &svc.x.tag {
                Some(tag) => (format!("{repo}:{tag}"), true),
                None => (repo, true),
            }
        }
        (None, None) => {
            return Err(Error::input(
                ctx.origin(&svc.ptr),
                format!("service `{}` has neither `image` nor `build`", svc.name),
                "add `image:` with the image to run",
            ));
        }
    };
    if !pinned(&image) {
        let at = if built { svc.key("build") } else { svc.key("image") };
        ctx.images.push(ImageUse {
            origin: ctx.origin(&at),
            service: svc.name.to_string(),
            image: image.clone(),
            built,
        });
    }
    Ok(image)
}

/// Image, command, args, working dir, tty/stdin, pull policy, and pod-level basics
/// (hostname, hostAliases, grace period, DNS, platform, init, runtime).
pub fn container_basics(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) -> Result<(), Error> {
    let s = svc.s;
    let c = &mut pod.container;
    c.insert("name".into(), json!(svc.obj));
    let image = image(ctx, svc)?;
    let c = &mut pod.container;
    c.insert("image".into(), json!(image));
    if let Some(p) = pull_policy(ctx, svc) {
        // The policy profile wants `Always` (IMG-PULL); any other choice is the input's,
        // recorded as a relaxation so the output says so (DESIGN.md section 6).
        if p != "Always" {
            pod.waive("IMG-PULL", format!("the input asks for imagePullPolicy {p}"));
        }
        pod.container.insert("imagePullPolicy".into(), json!(p));
    }
    if s.entrypoint.as_ref().is_some_and(Vec::is_empty) {
        ctx.warn(
            &svc.key("entrypoint"),
            "approximated",
            format!(
                "service `{}`: an empty `entrypoint` cannot clear the image's ENTRYPOINT in Kubernetes; it is kept",
                svc.name
            ),
            Some("write the full command as `entrypoint:` instead".into()),
        );
    }
    let c = &mut pod.container;
    if let Some(e) = s.entrypoint.as_ref().filter(|e| !e.is_empty()) {
        c.insert("command".into(), argv(e));
    }
    if let Some(cmd) = &s.command {
        c.insert("args".into(), argv(cmd));
    }
    if let Some(w) = &s.working_dir {
        c.insert("workingDir".into(), json!(w));
    }
    if let Some(t) = s.tty {
        c.insert("tty".into(), json!(t));
    }
    if let Some(i) = s.stdin_open {
        c.insert("stdin".into(), json!(i));
    }
    pod_basics(ctx, svc, pod);
    Ok(())
}

fn argv(args: &[String]) -> Value {
    Value::Array(args.iter().map(|a| json!(escape_dollars(a))).collect())
}

fn pull_policy(ctx: &mut Ctx, svc: &Svc) -> Option<&'static str> {
    if let Some(p) = svc.x.image_pull_policy {
        return Some(p.as_str());
    }
    let p = svc.s.pull_policy.as_deref()?;
    match p {
        "always" => Some("Always"),
        "never" => Some("Never"),
        "missing" | "if_not_present" => Some("IfNotPresent"),
        other => {
            ctx.warn(
                &svc.key("pull_policy"),
                "approximated",
                format!(
                    "service `{}`: `pull_policy: {other}` becomes `imagePullPolicy: Always`",
                    svc.name
                ),
                Some("Kubernetes pulls always, if not present, or never".into()),
            );
            Some("Always")
        }
    }
}

fn pod_basics(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let s = svc.s;
    if let Some(h) = &s.hostname {
        let label = names::dns_label(h, 63);
        if &label != h {
            ctx.warn(
                &svc.key("hostname"),
                "approximated",
                format!("service `{}`: hostname `{h}` becomes `{label}` (a DNS label)", svc.name),
                None,
            );
        }
        pod.spec.insert("hostname".into(), json!(label));
    }
    host_aliases(ctx, svc, pod);
    if let Some(g) = &s.stop_grace_period {
        match super::probes::seconds(g) {
            Some(secs) => {
                pod.spec.insert("terminationGracePeriodSeconds".into(), json!(secs));
            }
            None => ctx.warn(
                &svc.key("stop_grace_period"),
                "dropped-key",
                format!(
                    "service `{}`: `stop_grace_period: {g}` is not a duration; dropped",
                    svc.name
                ),
                Some("write a duration such as `30s` or `1m30s`".into()),
            ),
        }
    }
    if s.init == Some(true) {
        if s.pid.as_deref() == Some("host") {
            // The API server refuses shareProcessNamespace together with hostPID.
            ctx.warn(
                &svc.key("init"),
                "approximated",
                format!(
                    "service `{}`: `init: true` is dropped because `pid: host` already gives the host's PID 1",
                    svc.name
                ),
                None,
            );
        } else {
            pod.spec.insert("shareProcessNamespace".into(), json!(true));
        }
    }
    dns_config(svc, pod);
    node_selector(ctx, svc, pod);
    lifecycle(ctx, svc, pod);
    if let Some(rt) = s.extra.get("runtime").and_then(Value::as_str) {
        pod.spec
            .insert("runtimeClassName".into(), json!(names::dns_label(rt, 63)));
    }
    if let Some(auto) = svc.x.service_account.as_ref().and_then(|a| a.automount) {
        pod.spec.insert("automountServiceAccountToken".into(), json!(auto));
        if auto {
            pod.waive("SEC-SA-TOKEN", "x-berth.serviceAccount.automount: true");
        }
    }
    if svc.x.pdb.as_ref().and_then(|p| p.enabled) == Some(false) {
        pod.waive("REL-PDB", "x-berth.pdb.enabled: false");
    }
    labels(ctx, svc, pod);
    if !s.depends_on.is_empty() {
        let deps: Vec<&str> = s.depends_on.keys().map(String::as_str).collect();
        pod.workload_annotations
            .insert("berth.dev/depends-on".into(), json!(deps.join(",")));
    }
}

/// Compose `labels` and `annotations` → pod template annotations; `deploy.labels` →
/// workload annotations. Control labels steer berth and are not copied: the honoured
/// `kompose.*` ones were read by `xberth`, `berth.dev/waive` records waivers.
fn labels(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let at = svc.key("labels");
    for (k, v) in &svc.s.labels {
        if !xberth::is_control_label(k) {
            annotate(ctx, &at, svc, pod, k, v);
        } else if k == crate::manifest::WAIVE_ANNOTATION {
            for (rule, reason) in crate::manifest::waivers(v) {
                pod.waive(rule, reason);
            }
        } else if !xberth::KOMPOSE_LABELS.iter().any(|(l, _)| l == k) {
            ctx.warn(
                &at,
                "dropped-key",
                format!(
                    "service `{}`: control label `{k}` is not one berth honours; dropped",
                    svc.name
                ),
                Some("see the book's kompose table for the `x-berth` knobs".into()),
            );
        }
    }
    let at = svc.key("annotations");
    for (k, v) in &svc.s.annotations {
        annotate(ctx, &at, svc, pod, k, v);
    }
    if let Some(d) = &svc.s.deploy {
        for (k, v) in &d.labels {
            pod.workload_annotations.insert(k.clone(), json!(v));
        }
    }
}

/// True for a valid annotation key: optional DNS-subdomain prefix and `/`, then a name of
/// at most 63 characters.
pub fn valid_annotation_key(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
    });
    name_ok && prefix_ok
}

fn annotate(ctx: &mut Ctx, at: &str, svc: &Svc, pod: &mut Pod, k: &str, v: &str) {
    if valid_annotation_key(k) {
        pod.annotations.insert(k.to_string(), json!(v));
    } else {
        ctx.warn(
            at,
            "dropped-key",
            format!(
                "service `{}`: `{k}` is not a valid Kubernetes annotation key; dropped",
                svc.name
            ),
            Some(
                "use `prefix.example.com/name` with lowercase DNS labels and a name of letters, digits, `-`, `_`, `.`"
                    .into(),
            ),
        );
    }
}

/// `platform` and `deploy.placement.constraints` (the `==` ones on node labels, hostname,
/// OS and architecture) → `nodeSelector`; other constraints are reported.
fn node_selector(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let mut sel = Map::new();
    if let Some(platform) = svc.s.extra.get("platform").and_then(Value::as_str) {
        let mut parts = platform.split('/');
        if let Some(os) = parts.next().filter(|p| !p.is_empty()) {
            sel.insert("kubernetes.io/os".into(), json!(os));
        }
        if let Some(arch) = parts.next().filter(|p| !p.is_empty()) {
            sel.insert("kubernetes.io/arch".into(), json!(node_arch(arch)));
        }
    }
    let placement = svc.s.deploy.as_ref().and_then(|d| d.placement.as_ref());
    let constraints = placement
        .and_then(|p| p.get("constraints"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for key in ["preferences", "max_replicas_per_node"] {
        if placement.and_then(|p| p.get(key)).is_some_and(|v| !v.is_null()) {
            ctx.warn(
                &format!("{}/placement/{key}", svc.key("deploy")),
                "dropped-key",
                format!(
                    "service `{}`: `deploy.placement.{key}` is dropped: the hardening profile spreads pods",
                    svc.name
                ),
                None,
            );
        }
    }
    let at = format!("{}/placement/constraints", svc.key("deploy"));
    for c in constraints.iter().filter_map(Value::as_str) {
        let key = c.split_once("==").and_then(|(k, v)| {
            let k = k.trim();
            let label = match k {
                "node.hostname" => Some("kubernetes.io/hostname".to_string()),
                "node.platform.os" => Some("kubernetes.io/os".to_string()),
                "node.platform.arch" => Some("kubernetes.io/arch".to_string()),
                _ => k.strip_prefix("node.labels.").map(str::to_string),
            };
            let v = if k == "node.platform.arch" {
                node_arch(v.trim())
            } else {
                v.trim()
            };
            label.map(|l| (l, v.to_string()))
        });
        match key {
            Some((label, value)) => {
                sel.insert(label, json!(value));
            }
            None => ctx.warn(
                &at,
                "dropped-key",
                format!(
                    "service `{}`: placement constraint `{c}` has no nodeSelector equivalent; dropped",
                    svc.name
                ),
                Some("write node affinity in an overlay".into()),
            ),
        }
    }
    if !sel.is_empty() {
        pod.spec.insert("nodeSelector".into(), Value::Object(sel));
    }
}

/// Other spellings of an architecture (`uname -m`'s, which swarm's `node.platform.arch`
/// uses, and distributions') and the Go name Kubernetes nodes carry in
/// `kubernetes.io/arch`; an ARM variant (`arm/v7`) has no node label and is dropped.
const ARCHES: &[(&str, &str)] = &[
    ("x86_64", "amd64"),
    ("x86-64", "amd64"),
    ("x64", "amd64"),
    ("aarch64", "arm64"),
    ("arm64v8", "arm64"),
    ("armv8", "arm64"),
    ("armv7", "arm"),
    ("armv7l", "arm"),
    ("armv6", "arm"),
    ("armv6l", "arm"),
    ("armhf", "arm"),
    ("armel", "arm"),
    ("i386", "386"),
    ("i686", "386"),
    ("x86", "386"),
    ("ppc64el", "ppc64le"),
];

/// The `kubernetes.io/arch` value of a compose or swarm architecture name.
pub fn node_arch(arch: &str) -> &str {
    ARCHES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(arch))
        .map_or(arch, |(_, go)| go)
}

/// `post_start` / `pre_stop` with one plain command → container lifecycle exec hooks.
fn lifecycle(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let mut hooks = Map::new();
    for (key, field) in [("post_start", "postStart"), ("pre_stop", "preStop")] {
        let Some(list) = svc.s.extra.get(key).and_then(Value::as_array) else {
            continue;
        };
        let simple = list.len() == 1
            && list
                .first()
                .and_then(Value::as_object)
                .is_some_and(|h| h.keys().all(|k| k == "command"));
        let command: Option<Vec<Value>> = list.first().and_then(|h| match h.get("command") {
            Some(Value::Array(a)) => Some(a.clone()),
            Some(Value::String(s)) => Some(vec![json!("/bin/sh"), json!("-c"), json!(s)]),
            _ => None,
        });
        match command.filter(|_| simple) {
            Some(cmd) => {
                hooks.insert(field.into(), json!({"exec": {"command": cmd}}));
            }
            None => ctx.warn(
                &svc.key(key),
                "dropped-key",
                format!(
                    "service `{}`: `{key}` is dropped: only one hook with just a `command` maps to a lifecycle hook",
                    svc.name
                ),
                Some("hooks run as the container's user with its environment in Kubernetes; keep one command".into()),
            ),
        }
    }
    if !hooks.is_empty() {
        pod.container.insert("lifecycle".into(), Value::Object(hooks));
    }
}

fn host_aliases(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    let mut by_ip: Vec<(String, Vec<String>)> = Vec::new();
    for (host, ips) in &svc.s.extra_hosts {
        for ip in ips {
            if ip.parse::<std::net::IpAddr>().is_err() {
                ctx.warn(
                    &svc.key("extra_hosts"),
                    "dropped-key",
                    format!(
                        "service `{}`: extra host `{host}` maps to `{ip}`, which is not an IP address; dropped",
                        svc.name
                    ),
                    Some("`host-gateway` has no pod equivalent; use a Service or the node's address".into()),
                );
                continue;
            }
            match by_ip.iter_mut().find(|(i, _)| i == ip) {
                Some((_, hosts)) => hosts.push(host.clone()),
                None => by_ip.push((ip.clone(), vec![host.clone()])),
            }
        }
    }
    if !by_ip.is_empty() {
        let aliases: Vec<Value> = by_ip
            .into_iter()
            .map(|(ip, hostnames)| json!({"ip": ip, "hostnames": hostnames}))
            .collect();
        pod.spec.insert("hostAliases".into(), Value::Array(aliases));
    }
}

fn strings(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::String(s)) => vec![json!(s)],
        Some(Value::Array(a)) => a.iter().filter(|x| x.is_string()).cloned().collect(),
        _ => Vec::new(),
    }
}

fn dns_config(svc: &Svc, pod: &mut Pod) {
    let x = &svc.s.extra;
    let mut cfg = Map::new();
    let ns = strings(x.get("dns"));
    if !ns.is_empty() {
        cfg.insert("nameservers".into(), Value::Array(ns));
    }
    let search = strings(x.get("dns_search"));
    if !search.is_empty() {
        cfg.insert("searches".into(), Value::Array(search));
    }
    let opts: Vec<Value> = strings(x.get("dns_opt"))
        .iter()
        .filter_map(Value::as_str)
        .map(|o| match o.split_once(':') {
            Some((n, v)) => json!({"name": n, "value": v}),
            None => json!({"name": o}),
        })
        .collect();
    if !opts.is_empty() {
        cfg.insert("options".into(), Value::Array(opts));
    }
    if !cfg.is_empty() {
        pod.spec.insert("dnsConfig".into(), Value::Object(cfg));
    }
}

/// Wraps the pod into the workload object and pushes it.
pub fn workload(ctx: &mut Ctx, svc: &Svc, kind: WorkloadKind, pod: Pod) -> Result<(), Error> {
    let labels = svc.labels();
    let selector = names::selector_labels(svc.name);
    let origin = ctx.origin(&svc.ptr);
    let job = job_restart(svc).or_else(|| Some(job_default(svc)));
    let Pod {
        mut container,
        ports,
        env,
        env_from,
        mounts,
        volumes,
        mut spec,
        annotations,
        workload_annotations,
        waivers,
        claim_templates,
        rwo_claim,
        container_sc,
        pod_sc,
        ..
    } = pod;
    if !container_sc.is_empty() {
        container.insert("securityContext".into(), Value::Object(container_sc));
    }
    if !pod_sc.is_empty() {
        spec.insert("securityContext".into(), Value::Object(pod_sc));
    }
    for (key, list) in [
        ("ports", ports),
        ("envFrom", env_from),
        ("env", env),
        ("volumeMounts", mounts),
    ] {
        if !list.is_empty() {
            container.insert(key.into(), Value::Array(list));
        }
    }
    spec.insert("containers".into(), json!([ordered(container)]));
    if !volumes.is_empty() {
        spec.insert("volumes".into(), Value::Array(volumes));
    }
    if matches!(kind, WorkloadKind::Job | WorkloadKind::Cronjob) {
        let on_failure = job.is_some_and(|j| j.on_failure);
        spec.insert(
            "restartPolicy".into(),
            json!(if on_failure { "OnFailure" } else { "Never" }),
        );
    }
    let mut tmeta = Map::new();
    tmeta.insert("labels".into(), Value::Object(labels.clone()));
    if !annotations.is_empty() {
        tmeta.insert("annotations".into(), Value::Object(annotations));
    }
    let template = json!({"metadata": tmeta, "spec": spec});
    let (api, kind_name, mut wspec) = workload_spec(ctx, svc, kind, job, selector, template, claim_templates);
    if kind == WorkloadKind::Deployment
        && rwo_claim
        && let Some(spec) = wspec.as_object_mut()
    {
        spec.insert("strategy".into(), json!({"type": "Recreate"}));
    }
    let mut meta = ctx.meta(&svc.obj, labels);
    if !workload_annotations.is_empty()
        && let Some(m) = meta.as_object_mut()
    {
        m.insert("annotations".into(), Value::Object(workload_annotations));
    }
    let mut value = json!({"apiVersion": api, "kind": kind_name, "metadata": meta, "spec": wspec});
    for (rule, reason) in waivers {
        add_waiver(&mut value, &rule, &reason);
    }
    ctx.push(value, origin)
}

/// Container fields in the order people read them (identity, process, network, env,
/// limits, security, health, storage, terminal).
const CONTAINER_ORDER: &[&str] = &[
    "name",
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "securityContext",
    "startupProbe",
    "readinessProbe",
    "livenessProbe",
    "volumeMounts",
    "lifecycle",
    "tty",
    "stdin",
];

fn ordered(mut c: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in CONTAINER_ORDER {
        if let Some(v) = c.shift_remove(*key) {
            out.insert((*key).to_string(), v);
        }
    }
    out.extend(c);
    out
}

fn workload_spec(
    ctx: &mut Ctx,
    svc: &Svc,
    kind: WorkloadKind,
    job: Option<JobRestart>,
    selector: Map<String, Value>,
    template: Value,
    claim_templates: Vec<Value>,
) -> (&'static str, &'static str, Value) {
    let replicas = replicas(svc);
    let mut spec = Map::new();
    let warn_replicas = |ctx: &mut Ctx, what: &str| {
        if replicas.is_some() {
            ctx.warn(
                &svc.key("deploy"),
                "dropped-key",
                format!(
                    "service `{}`: replicas are dropped: a {what} does not take them",
                    svc.name
                ),
                None,
            );
        }
    };
    match kind {
        WorkloadKind::Deployment | WorkloadKind::Statefulset => {
            // `serviceName` names the governing Service; a service without ports gets
            // none, and naming a missing one would promise DNS names that never resolve.
            let has_service = !svc.s.ports.is_empty() || !svc.s.expose.is_empty();
            if kind == WorkloadKind::Statefulset && has_service {
                spec.insert("serviceName".into(), json!(svc.obj));
            }
            if let Some(r) = replicas {
                spec.insert("replicas".into(), json!(r));
            }
            spec.insert("selector".into(), json!({"matchLabels": selector}));
            spec.insert("template".into(), template);
            if !claim_templates.is_empty() {
                spec.insert("volumeClaimTemplates".into(), Value::Array(claim_templates));
            }
            let (k, a) = if kind == WorkloadKind::Deployment {
                ("Deployment", "apps/v1")
            } else {
                ("StatefulSet", "apps/v1")
            };
            (a, k, Value::Object(spec))
        }
        WorkloadKind::Daemonset => {
            warn_replicas(ctx, "DaemonSet (one pod per node)");
            spec.insert("selector".into(), json!({"matchLabels": selector}));
            spec.insert("template".into(), template);
            ("apps/v1", "DaemonSet", Value::Object(spec))
        }
        WorkloadKind::Job => ("batch/v1", "Job", job_spec(replicas, job, template)),
        WorkloadKind::Cronjob => {
            warn_replicas(ctx, "CronJob");
            let schedule = svc.x.schedule.clone().unwrap_or_else(|| {
                ctx.warn(
                    &svc.key("x-berth"),
                    "approximated",
                    format!(
                        "service `{}` is a CronJob without `x-berth.schedule`; it runs daily",
                        svc.name
                    ),
                    Some("set `x-berth.schedule` to a cron expression".into()),
                );
                "@daily".into()
            });
            let job_spec = job_spec(None, job, template);
            (
                "batch/v1",
                "CronJob",
                json!({"schedule": schedule, "jobTemplate": {"spec": job_spec}}),
            )
        }
    }
}

fn job_spec(replicas: Option<u32>, job: Option<JobRestart>, template: Value) -> Value {
    let mut spec = Map::new();
    if let Some(r) = replicas {
        spec.insert("completions".into(), json!(r));
        spec.insert("parallelism".into(), json!(r));
    }
    if let Some(b) = job.and_then(|j| j.backoff) {
        spec.insert("backoffLimit".into(), json!(b));
    }
    spec.insert("template".into(), template);
    Value::Object(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_kept_literal() {
        assert_eq!(escape_dollars("echo $HOME"), "echo $HOME");
        assert_eq!(escape_dollars("echo $(date)"), "echo $$(date)");
        assert_eq!(escape_dollars("a$$b"), "a$$$b");
    }

    #[test]
    fn pinned_images() {
        assert!(pinned("nginx:1.27"));
        assert!(pinned("reg:5000/app@sha256:abc"));
        assert!(!pinned("reg:5000/app"));
        assert!(!pinned("nginx:latest"));
    }

    #[test]
    fn architectures_get_the_names_nodes_carry() {
        for (given, node) in [
            ("x86_64", "amd64"),
            ("amd64", "amd64"),
            ("aarch64", "arm64"),
            ("arm64", "arm64"),
            ("armv7", "arm"),
            ("arm", "arm"),
            ("i386", "386"),
            ("386", "386"),
            ("ppc64le", "ppc64le"),
            ("s390x", "s390x"),
            ("riscv64", "riscv64"),
        ] {
            assert_eq!(node_arch(given), node, "{given}");
        }
        assert!(!pinned("nginx"));
    }
}
