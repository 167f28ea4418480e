//! Volumes by type (DESIGN.md 4.1): named volume → PVC (StatefulSet-owned ones →
//! `volumeClaimTemplates`), external → the existing claim, anonymous → emptyDir, bind of
//! a file under the root → ConfigMap mounted with `subPath`, bind of a folder → emptyDir
//! with a warning, bind outside the root or of the Docker socket → error, tmpfs and
//! `shm_size` → memory-backed emptyDir with a size limit.

use serde_json::{Map, Value, json};

use super::xberth::{StorageKnobs, WorkloadKind};
use super::{Ctx, MAX_FILE_BYTES, Pod, Svc, data_key, project_labels, resources, xberth};
use crate::compose::model::ServiceVolume;
use crate::error::Error;

const DEFAULT_SIZE: &str = "1Gi";

const RWX_HELP: &str = "the StorageClass must support ReadWriteMany (e.g. NFS, CephFS); otherwise give each writer its own volume (a StatefulSet gives each replica one)";

pub fn volumes(ctx: &mut Ctx, svc: &Svc, kind: WorkloadKind, pod: &mut Pod) -> Result<(), Error> {
    for (i, v) in svc.s.volumes.iter().enumerate() {
        let at = format!("{}/{i}", svc.key("volumes"));
        dropped_options(ctx, svc, &at, v);
        let mount = match (v.kind.as_str(), v.source.as_deref()) {
            ("volume", Some(name)) => named(ctx, svc, kind, pod, &at, name, v)?,
            ("volume", None) => {
                ctx.warn(
                    &at,
                    "approximated",
                    format!(
                        "service `{}`: anonymous volume at {} becomes an emptyDir (its data lives as long as the pod)",
                        svc.name, v.target
                    ),
                    Some("name the volume to keep its data in a PVC".into()),
                );
                let name = pod.volume_name("anon");
                pod.volumes.push(json!({"name": name, "emptyDir": {}}));
                Some(name)
            }
            ("bind", source) => bind(ctx, svc, pod, &at, source.unwrap_or(""), v)?,
            ("tmpfs", _) => {
                let size = v.tmpfs.as_ref().and_then(|t| t.get("size"));
                let size = match size {
                    Some(Value::Number(n)) => n.as_u64().map(resources::byte_quantity),
                    Some(Value::String(s)) => resources::memory_quantity(s),
                    _ => None,
                };
                Some(memory_dir(pod, &format!("tmpfs-{}", v.target), size))
            }
            (other, _) => {
                ctx.warn(
                    &at,
                    "dropped-key",
                    format!(
                        "service `{}`: volume of type `{other}` at {} is dropped",
                        svc.name, v.target
                    ),
                    Some("use a named volume".into()),
                );
                None
            }
        };
        if let Some(name) = mount {
            let m = mount_of(&name, v);
            pod.mounts.push(m);
        }
    }
    tmpfs_strings(ctx, svc, pod);
    if let Some(shm) = &svc.s.shm_size {
        match resources::memory_quantity(shm) {
            Some(q) => {
                let name = memory_dir(pod, "dshm", Some(q));
                pod.mounts.push(json!({"name": name, "mountPath": "/dev/shm"}));
            }
            None => ctx.warn(
                &svc.key("shm_size"),
                "dropped-key",
                format!("service `{}`: `shm_size: {shm}` is not a size; dropped", svc.name),
                Some("write a size such as `256m`".into()),
            ),
        }
    }
    Ok(())
}

/// The size of a tmpfs that compose leaves unbounded: memory-backed emptyDirs count
/// against the container's memory limit, so an unbounded one can get the pod OOM-killed
/// (DESIGN.md 4.1 asks for a size limit on every tmpfs).
pub const DEFAULT_TMPFS_SIZE: &str = "64Mi";

fn memory_dir(pod: &mut Pod, hint: &str, size: Option<String>) -> String {
    let name = pod.volume_name(hint);
    let mut dir = Map::new();
    dir.insert("medium".into(), json!("Memory"));
    dir.insert(
        "sizeLimit".into(),
        json!(size.unwrap_or_else(|| DEFAULT_TMPFS_SIZE.into())),
    );
    pod.volumes.push(json!({"name": name, "emptyDir": dir}));
    name
}

fn mount_of(name: &str, v: &ServiceVolume) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("mountPath".into(), json!(v.target));
    if let Some(sub) = v.volume.as_ref().and_then(|o| o.get("subpath")).and_then(Value::as_str) {
        m.insert("subPath".into(), json!(sub));
    }
    if v.read_only {
        m.insert("readOnly".into(), json!(true));
    }
    Value::Object(m)
}

/// Mount options with no Kubernetes equivalent, each with why it is dropped. A
/// `create_host_path: true` (what the short syntax means) is kept in spirit: a missing
/// source becomes an empty folder, as compose would create it.
const DROPPED_OPTIONS: &[(&str, &str, &str)] = &[
    ("volume", "nocopy", "a new PVC starts empty"),
    (
        "bind",
        "propagation",
        "the mount becomes a ConfigMap or emptyDir, which do not propagate mounts",
    ),
    (
        "bind",
        "selinux",
        "the pod's `securityContext.seLinuxOptions` label volumes",
    ),
    (
        "bind",
        "create_host_path",
        "nothing is read from the host at deploy time; a missing source becomes an empty emptyDir",
    ),
    ("tmpfs", "mode", "an emptyDir's mode follows the pod's `fsGroup`"),
];

/// Reports the mount options of volume `v` (at pointer `at`) that are dropped, whatever
/// the mount became.
fn dropped_options(ctx: &mut Ctx, svc: &Svc, at: &str, v: &ServiceVolume) {
    for (field, what, why) in DROPPED_OPTIONS {
        let opts = match *field {
            "volume" => &v.volume,
            "bind" => &v.bind,
            _ => &v.tmpfs,
        };
        let value = opts.as_ref().and_then(|o| o.get(*what));
        // `create_host_path: true` is what berth does; the others matter when set.
        let dropped = match *what {
            "create_host_path" => value == Some(&json!(false)),
            _ => value.is_some_and(|x| !x.is_null() && x != &json!(false)),
        };
        if dropped {
            ctx.warn(
                &format!("{at}/{field}/{what}"),
                "dropped-key",
                format!(
                    "service `{}`: `{field}.{what}` on the mount at {} is dropped: {why}",
                    svc.name, v.target
                ),
                None,
            );
        }
    }
    // `consistent` (and `default`) is what every Kubernetes volume gives.
    if let Some(c) = v
        .consistency
        .as_deref()
        .filter(|c| !matches!(*c, "consistent" | "default"))
    {
        ctx.warn(
            &format!("{at}/consistency"),
            "dropped-key",
            format!(
                "service `{}`: `consistency: {c}` on the mount at {} is dropped: a Docker Desktop file-sharing hint, Kubernetes volumes are always consistent",
                svc.name, v.target
            ),
            None,
        );
    }
}

/// A valid storage quantity: kept when it already is one, else read as a compose size.
fn storage_size(ctx: &Ctx, at: &str, size: &str) -> Result<String, Error> {
    let k8s = regex::Regex::new(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$").ok();
    if k8s.is_some_and(|r| r.is_match(size)) {
        return Ok(size.to_string());
    }
    resources::memory_quantity(size).ok_or_else(|| {
        Error::input(
            ctx.origin(at),
            format!("volume size `{size}` is not a quantity"),
            "write a size such as `10Gi`",
        )
    })
}

fn named(
    ctx: &mut Ctx,
    svc: &Svc,
    kind: WorkloadKind,
    pod: &mut Pod,
    at: &str,
    volume: &str,
    v: &ServiceVolume,
) -> Result<Option<String>, Error> {
    if let Some(name) = pod.named_volumes.get(volume) {
        return Ok(Some(name.clone()));
    }
    let name = named_once(ctx, svc, kind, pod, at, volume, v)?;
    if let Some(name) = &name {
        pod.named_volumes.insert(volume.to_string(), name.clone());
    }
    Ok(name)
}

/// The pod volume (and PVC or claim template) of a named volume's first mount.
fn named_once(
    ctx: &mut Ctx,
    svc: &Svc,
    kind: WorkloadKind,
    pod: &mut Pod,
    at: &str,
    volume: &str,
    v: &ServiceVolume,
) -> Result<Option<String>, Error> {
    let top = ctx.project.volumes.get(volume);
    let top_ptr = format!("/volumes/{}", crate::yaml::pointer_segment(volume));
    let claim = top.and_then(|t| t.name.clone()).unwrap_or_else(|| volume.to_string());
    if top.is_some_and(|t| t.external) {
        let name = pod.volume_name(volume);
        pod.volumes
            .push(json!({"name": name, "persistentVolumeClaim": {"claimName": claim, "readOnly": v.read_only}}));
        return Ok(Some(name));
    }
    let claim = super::names::dns_label(&claim, 63);
    let own = xberth::volume_knobs(ctx.project, volume)?;
    let svc_knobs = svc.x.storage.clone().unwrap_or_default();
    let knobs = StorageKnobs {
        size: own.size.or(svc_knobs.size),
        storage_class: own.storage_class.or(svc_knobs.storage_class),
    };
    let size = storage_size(ctx, &top_ptr, knobs.size.as_deref().unwrap_or(DEFAULT_SIZE))?;
    let shared = ctx.volume_users(volume) > 1;
    let replicated = match kind {
        WorkloadKind::Daemonset => true,
        WorkloadKind::Statefulset => false,
        _ => super::workloads::replicas(svc).is_some_and(|r| r > 1),
    };
    if shared {
        ctx.warn(
            &top_ptr,
            "rwx-volume",
            format!("volume `{volume}` is mounted by several services: its PVC asks for ReadWriteMany"),
            Some(RWX_HELP.into()),
        );
    } else if replicated {
        ctx.warn(
            at,
            "rwx-volume",
            format!(
                "volume `{volume}` is mounted by every replica of service `{}`: its PVC asks for ReadWriteMany",
                svc.name
            ),
            Some(RWX_HELP.into()),
        );
    }
    let shared = shared || replicated;
    if !shared {
        pod.rwo_claim = true;
    }
    let mut spec = Map::new();
    spec.insert(
        "accessModes".into(),
        json!([if shared { "ReadWriteMany" } else { "ReadWriteOnce" }]),
    );
    if let Some(class) = &knobs.storage_class {
        spec.insert("storageClassName".into(), json!(class));
    }
    spec.insert("resources".into(), json!({"requests": {"storage": size}}));
    if kind == WorkloadKind::Statefulset && !shared {
        let name = pod.volume_name(&claim);
        pod.claim_templates
            .push(json!({"metadata": {"name": name}, "spec": spec}));
        return Ok(Some(name));
    }
    let pvc = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": ctx.meta(&claim, project_labels(&svc.project)),
        "spec": spec,
    });
    let origin = ctx.origin(&top_ptr).or_else(|| ctx.origin(at));
    ctx.push(pvc, origin)?;
    let name = pod.volume_name(volume);
    pod.volumes
        .push(json!({"name": name, "persistentVolumeClaim": {"claimName": claim}}));
    Ok(Some(name))
}

fn bind(
    ctx: &mut Ctx,
    svc: &Svc,
    pod: &mut Pod,
    at: &str,
    source: &str,
    v: &ServiceVolume,
) -> Result<Option<String>, Error> {
    let origin = ctx.origin(at);
    if source.ends_with("docker.sock") {
        return Err(Error::input(
            origin,
            format!("service `{}` mounts the Docker socket `{source}`", svc.name),
            "the socket gives root on the node and Kubernetes nodes need not run Docker: remove the mount (talk to the Kubernetes API with a ServiceAccount instead), and keep shared data on a named volume",
        ));
    }
    // The loader leaves paths outside the root as written: absolute, `~`, `..`, `C:\`.
    let windows = source.as_bytes().get(1) == Some(&b':');
    let outside = source.starts_with(['/', '~', '\\']) || windows || source.split('/').any(|p| p == "..");
    let resolved = if outside {
        None
    } else {
        // Written inside the root: only a symlink can take it out, which the sandbox says.
        Some(ctx.sandbox.resolve("", source, origin.as_ref())?)
    };
    let Some(path) = resolved else {
        return Err(Error::input(
            origin,
            format!(
                "service `{}` bind-mounts `{source}`, which is outside the project root",
                svc.name
            ),
            "host paths do not travel to a cluster; use a named volume (a PVC), or move the file under the project root to ship it as a ConfigMap",
        ));
    };
    if path.is_empty() || ctx.sandbox.is_dir(&path) || !ctx.sandbox.exists(&path) {
        ctx.warn(
            at,
            "bind-dir",
            format!(
                "service `{}`: the folder `{source}` bind-mounted at {} becomes an empty emptyDir (live-reload mounts do not travel)",
                svc.name, v.target
            ),
            Some("bake the folder into the image, or use a named volume".into()),
        );
        let name = pod.volume_name("bind");
        pod.volumes.push(json!({"name": name, "emptyDir": {}}));
        return Ok(Some(name));
    }
    let file = ctx.sandbox.read(&path, origin.as_ref())?;
    if file.bytes.len() > MAX_FILE_BYTES {
        return Err(Error::input(
            origin,
            format!(
                "service `{}` bind-mounts `{path}` ({} bytes): a ConfigMap holds at most 1 MiB",
                svc.name,
                file.bytes.len()
            ),
            "bake the file into the image, or put it on a named volume",
        ));
    }
    let key = data_key(&path);
    let project = ctx.project;
    let cm = ctx
        .cm_names
        .claim(super::project_relative(project, &path), &format!("bind:{path}"));
    let mut data = Map::new();
    let field = match std::str::from_utf8(&file.bytes) {
        Ok(text) => {
            data.insert(key.clone(), json!(text));
            "data"
        }
        Err(_) => {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&file.bytes);
            data.insert(key.clone(), json!(b64));
            "binaryData"
        }
    };
    let value = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": ctx.meta(&cm, project_labels(&svc.project)),
        field: data,
    });
    ctx.push(value, origin)?;
    if !v.read_only {
        ctx.warn(
            at,
            "approximated",
            format!(
                "service `{}`: `{source}` is mounted read-only at {} (a ConfigMap cannot be written)",
                svc.name, v.target
            ),
            Some("add `:ro` to the mount to say so".into()),
        );
    }
    let name = pod.volume_name(&format!("file-{key}"));
    pod.volumes.push(json!({"name": name, "configMap": {"name": cm}}));
    pod.mounts
        .push(json!({"name": name, "mountPath": v.target, "subPath": key, "readOnly": true}));
    Ok(None)
}

/// Service-level `tmpfs: ["/run", "/tmp:size=64m,mode=1777"]`.
fn tmpfs_strings(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) {
    for (i, t) in svc.s.tmpfs.iter().enumerate() {
        let (target, opts) = t.split_once(':').unwrap_or((t.as_str(), ""));
        let mut size = None;
        for o in opts.split(',').filter(|o| !o.is_empty()) {
            match o.split_once('=') {
                Some(("size", s)) => {
                    size = resources::memory_quantity(s);
                    if size.is_none() {
                        ctx.warn(
                            &format!("{}/{i}", svc.key("tmpfs")),
                            "dropped-key",
                            format!(
                                "service `{}`: tmpfs size `{s}` on {target} is not a memory amount; no size limit",
                                svc.name
                            ),
                            Some("write the size as `64m` or `1g`".into()),
                        );
                    }
                }
                _ => ctx.warn(
                    &format!("{}/{i}", svc.key("tmpfs")),
                    "dropped-key",
                    format!("service `{}`: tmpfs option `{o}` on {target} is dropped", svc.name),
                    None,
                ),
            }
        }
        let name = memory_dir(pod, &format!("tmpfs-{target}"), size);
        pod.mounts.push(json!({"name": name, "mountPath": target}));
    }
}
