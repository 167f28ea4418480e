//! Compose model to Kubernetes objects. One file per concern: workloads, services,
//! storage, config, network, probes, resources, security, names. Every compose key is
//! converted, approximated with a warning that says how, or reported as dropped with its
//! file:line: `keys` holds the one table that says which, and `convert` walks every key
//! actually present through it.
//!
//! `convert` sets only what compose or `x-berth` says. Defaults (securityContext,
//! resources, ServiceAccounts, PDBs, spread) belong to `harden`, which runs next.

pub mod config;
pub mod keys;
pub mod names;
pub mod network;
pub mod probes;
pub mod resources;
pub mod security;
pub mod services;
pub mod storage;
mod unused;
pub mod workloads;
pub mod xberth;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::compose::Project;
use crate::compose::model::Service;
use crate::error::{Error, Warnings};
use crate::manifest::Object;
use crate::source::{Origin, Sandbox};
use crate::yaml::pointer_segment;

/// What the command line says about conversion.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Target namespace: `--namespace`, else the compose project name.
    pub namespace: Option<String>,
    /// Target Kubernetes minor version, e.g. `"1.35"`.
    pub kube_version: String,
}

/// Converts a loaded project into objects (unordered; `manifest::order` sorts them).
/// `sandbox` is there to read bind-mounted files, configs and secrets.
pub fn convert(
    project: &Project,
    sandbox: &Sandbox,
    opts: &ConvertOptions,
    warnings: &mut Warnings,
) -> Result<Vec<Object>, Error> {
    let (objects, images) = convert_deferring_images(project, sandbox, opts, warnings)?;
    workloads::warn_unpinned(&images, |image| image.to_string(), warnings);
    Ok(objects)
}

/// As [`convert`], but the images that are not pinned are returned instead of warned
/// about: an overlay over the project may still pin them (its `images:`), and the
/// warning must speak of the image that is finally deployed
/// ([`workloads::warn_unpinned`] does, once the overlays are applied).
pub fn convert_deferring_images(
    project: &Project,
    sandbox: &Sandbox,
    opts: &ConvertOptions,
    warnings: &mut Warnings,
) -> Result<(Vec<Object>, Vec<workloads::ImageUse>), Error> {
    let xp = xberth::project_knobs(project)?;
    if let Some(ns) = &xp.namespace
        && names::dns_label(ns, 63) != *ns
    {
        return Err(Error::input(
            project.origin("/x-berth/namespace"),
            format!("`x-berth.namespace: {ns}` is not a valid namespace name"),
            format!(
                "use lowercase letters, digits and `-`, e.g. `{}`",
                names::dns_label(ns, 63)
            ),
        ));
    }
    let namespace = opts
        .namespace
        .clone()
        .or_else(|| xp.namespace.clone())
        .unwrap_or_else(|| names::dns_label(&project.name, 63));
    let mut ctx = Ctx {
        project,
        sandbox,
        namespace,
        warnings,
        objects: Vec::new(),
        emitted: BTreeMap::new(),
        cm_names: NameRegistry::default(),
        kube_minor: kube_minor(&opts.kube_version),
        volume_users: volume_users(project),
        images: Vec::new(),
    };
    keys::report_top_level(&mut ctx);
    // The cluster's own namespaces exist already; emitting one would relabel it for the
    // whole cluster (Pod Security labels on `default` affect everything deployed there).
    if !crate::manifest::SYSTEM_NAMESPACES.contains(&ctx.namespace.as_str()) {
        ctx.push(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ctx.namespace}}),
            project.origin("/name"),
        )?;
    }
    distinct_object_names(project)?;
    for volume in project.volumes.keys() {
        xberth::volume_knobs(project, volume)?;
    }
    let completed = workloads::completed_dependencies(project);
    for (name, service) in &project.services {
        convert_service(&mut ctx, name, service, &completed)?;
    }
    unused::report(&mut ctx);
    let policies = network::network_policies(project, &ctx.namespace, ctx.warnings);
    let mut objects = ctx.objects;
    objects.extend(policies);
    crate::explain::converted(&mut objects, sandbox, project);
    Ok((objects, ctx.images))
}

/// The minor of `1.N` (or `v1.N`); an unreadable version counts as current.
fn kube_minor(version: &str) -> u32 {
    version
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(u32::MAX)
}

/// Two services whose names sanitise to one object name would overwrite each other.
fn distinct_object_names(project: &Project) -> Result<(), Error> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for name in project.services.keys() {
        if let Some(other) = seen.insert(names::object_name(name), name) {
            return Err(Error::input(
                project.origin(&format!("/services/{}", pointer_segment(name))),
                format!(
                    "services `{other}` and `{name}` both become `{}` in Kubernetes",
                    names::object_name(name)
                ),
                "Kubernetes names are lowercase with `-`; rename one of the two so they differ after sanitising",
            ));
        }
    }
    Ok(())
}

fn convert_service(ctx: &mut Ctx, name: &str, service: &Service, completed: &BTreeSet<String>) -> Result<(), Error> {
    let svc = Svc::new(ctx.project, name, service)?;
    keys::report_service(ctx, &svc);
    let mut pod = Pod::default();
    let kind = workloads::kind_of(ctx, &svc, completed);
    workloads::container_basics(ctx, &svc, &mut pod)?;
    config::environment(ctx, &svc, &mut pod)?;
    config::files(ctx, &svc, &mut pod)?;
    storage::volumes(ctx, &svc, kind, &mut pod)?;
    services::ports(ctx, &svc, &mut pod);
    probes::probes(ctx, &svc, kind, &mut pod);
    resources::resources(ctx, &svc, &mut pod);
    security::security(ctx, &svc, &mut pod);
    services::service_objects(ctx, &svc, &pod)?;
    workloads::workload(ctx, &svc, kind, pod)
}

/// State shared by every concern while one project converts.
pub struct Ctx<'a> {
    pub project: &'a Project,
    pub sandbox: &'a Sandbox,
    pub namespace: String,
    pub warnings: &'a mut Warnings,
    objects: Vec<Object>,
    /// Index in `objects` by `Kind/name`, so shared objects are emitted once and two
    /// compose names that sanitise to one Kubernetes name are caught.
    emitted: BTreeMap<String, usize>,
    /// Minor version of the target Kubernetes (`35` for `1.35`), for fields that moved.
    pub kube_minor: u32,
    /// ConfigMap and Secret names, so two sources never share one.
    pub cm_names: NameRegistry,
    /// How many services mount each named volume, counted once: asked per service and
    /// per mount, a scan of all services each time made large projects quadratic.
    volume_users: BTreeMap<&'a str, usize>,
    /// Images not pinned to a tag or digest, warned about once the final image is known.
    pub images: Vec<workloads::ImageUse>,
}

/// Services mounting each named volume (a service that mounts one twice counts once).
fn volume_users(project: &Project) -> BTreeMap<&str, usize> {
    let mut users = BTreeMap::new();
    for svc in project.services.values() {
        let mut mine: Vec<&str> = svc
            .volumes
            .iter()
            .filter(|m| m.kind == "volume")
            .filter_map(|m| m.source.as_deref())
            .collect();
        mine.sort_unstable();
        mine.dedup();
        for vol in mine {
            *users.entry(vol).or_insert(0) += 1;
        }
    }
    users
}

impl Ctx<'_> {
    /// How many services mount the named volume `volume`.
    pub fn volume_users(&self, volume: &str) -> usize {
        self.volume_users.get(volume).copied().unwrap_or(0)
    }

    pub fn origin(&self, pointer: &str) -> Option<Origin> {
        self.project.origin(pointer)
    }

    pub fn warn(&mut self, pointer: &str, code: &'static str, message: impl Into<String>, help: Option<String>) {
        let origin = self.project.origin(pointer);
        self.warnings.push(origin, code, message, help);
    }

    /// `metadata` with name, namespace and labels.
    pub fn meta(&self, name: &str, labels: Map<String, Value>) -> Value {
        json!({"name": name, "namespace": self.namespace, "labels": labels})
    }

    /// Adds an object. An identical `Kind/name` seen before is skipped (a volume or file
    /// used by several services is emitted once); a different one is an error, since two
    /// compose names became one Kubernetes name.
    pub fn push(&mut self, value: Value, origin: Option<Origin>) -> Result<(), Error> {
        let obj = Object::new(value, origin);
        let id = format!("{}/{}", obj.kind(), obj.name());
        match self.emitted.get(&id).and_then(|i| self.objects.get(*i)) {
            Some(earlier) if earlier.value == obj.value => Ok(()),
            Some(earlier) => Err(Error::input(
                obj.origin.clone(),
                format!(
                    "this makes {id}, which{} already exists for another compose name",
                    earlier
                        .origin
                        .as_ref()
                        .map(|o| format!(" (from {o})"))
                        .unwrap_or_default()
                ),
                "Kubernetes names are lowercase with `-`; rename one of the two so they differ after sanitising",
            )),
            None => {
                self.emitted.insert(id, self.objects.len());
                self.objects.push(obj);
                Ok(())
            }
        }
    }
}

/// One compose service while it converts: its names, pointers and parsed knobs.
pub struct Svc<'a> {
    /// The compose name.
    pub name: &'a str,
    /// The Kubernetes name of every object made for it.
    pub obj: String,
    pub s: &'a Service,
    /// `x-berth` knobs merged with honoured `kompose.*` labels.
    pub x: xberth::ServiceKnobs,
    /// JSON pointer of the service (`/services/web`).
    pub ptr: String,
    pub project: String,
}

impl<'a> Svc<'a> {
    fn new(project: &'a Project, name: &'a str, s: &'a Service) -> Result<Self, Error> {
        let ptr = format!("/services/{}", pointer_segment(name));
        let x = xberth::service_knobs(project, &ptr, s)?;
        Ok(Svc {
            name,
            obj: names::object_name(name),
            s,
            x,
            ptr,
            project: project.name.clone(),
        })
    }

    /// Pointer of one of the service's keys (`/services/web/ports`).
    pub fn key(&self, key: &str) -> String {
        format!("{}/{}", self.ptr, pointer_segment(key))
    }

    pub fn labels(&self) -> Map<String, Value> {
        names::common_labels(&self.project, self.name)
    }
}

/// The pod being assembled for a service; `workloads::workload` wraps it at the end.
#[derive(Debug, Default)]
pub struct Pod {
    /// Container fields in output order (name, image, command, ... are set by the concerns).
    pub container: Map<String, Value>,
    pub ports: Vec<Value>,
    /// Service ports `{port, protocol, target}` (target = container port name).
    pub service_ports: Vec<Value>,
    pub env: Vec<Value>,
    pub env_from: Vec<Value>,
    pub mounts: Vec<Value>,
    pub volumes: Vec<Value>,
    /// Pod spec fields besides containers and volumes.
    pub spec: Map<String, Value>,
    /// Pod template annotations (compose `labels` and `annotations`).
    pub annotations: Map<String, Value>,
    /// Workload metadata annotations.
    pub workload_annotations: Map<String, Value>,
    pub waivers: Vec<(String, String)>,
    /// True when the pod mounts a ReadWriteOnce claim: a rolling update would start the
    /// new pod while the old one holds the volume, so a Deployment must `Recreate`.
    pub rwo_claim: bool,
    /// StatefulSet `volumeClaimTemplates`.
    pub claim_templates: Vec<Value>,
    volume_names: BTreeSet<String>,
    /// Pod volume of each named compose volume: mounted twice (two paths, or a
    /// `subpath` each), it is still one claim.
    pub named_volumes: BTreeMap<String, String>,
    container_sc: Map<String, Value>,
    pod_sc: Map<String, Value>,
}

impl Pod {
    /// A pod volume name derived from `hint`, unique in this pod.
    pub fn volume_name(&mut self, hint: &str) -> String {
        let base = names::dns_label(hint, 63);
        let mut name = base.clone();
        let mut n = 2;
        while !self.volume_names.insert(name.clone()) {
            name = names::dns_label(&format!("{base}-{n}"), 63);
            n += 1;
        }
        name
    }

    /// Records a relaxation. The restricted profile contains every baseline control, so
    /// relaxing a baseline control relaxes the restricted profile too, for the same reason.
    pub fn waive(&mut self, rule: &str, reason: impl Into<String>) {
        let reason = reason.into();
        if rule == "PSS-BASELINE" {
            self.waivers.push(("PSS-RESTRICTED".into(), reason.clone()));
        }
        self.waivers.push((rule.to_string(), reason));
    }

    /// The container's `securityContext`; set on the container by `workloads` when not empty.
    pub fn security_context(&mut self) -> &mut Map<String, Value> {
        &mut self.container_sc
    }

    /// The pod's `securityContext`; set on the pod by `workloads` when not empty.
    pub fn pod_security_context(&mut self) -> &mut Map<String, Value> {
        &mut self.pod_sc
    }
}

/// Derived names that must be unique across sources (ConfigMaps from bind mounts, env
/// files and configs). The first source keeps the readable name; a later different source
/// with the same name gets a hash suffix of its identity, so names are stable.
#[derive(Debug, Default)]
pub struct NameRegistry(BTreeMap<String, String>);

impl NameRegistry {
    pub fn claim(&mut self, base: &str, identity: &str) -> String {
        let base = names::dns_label(base, 63);
        match self.0.get(&base) {
            Some(owner) if owner == identity => base,
            None => {
                self.0.insert(base.clone(), identity.to_string());
                base
            }
            Some(_) => {
                let hashed = names::dns_label(&format!("{}-{}", cut(&base, 54), names::short_hash(identity)), 63);
                self.0.insert(hashed.clone(), identity.to_string());
                hashed
            }
        }
    }
}

/// `path` (root-relative) as the compose file names it: relative to the project folder
/// when it lies below it. Names derived from file paths use this form, so they do not
/// change with the project root (`--root`, or where `.git` is), nor when the project
/// moves inside its repository (`berth init` output renders to the same names).
pub fn project_relative<'p>(project: &Project, path: &'p str) -> &'p str {
    let base = project.base_dir.trim_end_matches('/');
    if base.is_empty() || base == "." {
        return path;
    }
    path.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(path)
}

fn cut(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Labels of objects shared by services (PVCs, ConfigMaps, Secrets): the project's.
pub fn project_labels(project: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("app.kubernetes.io/part-of".into(), json!(names::dns_label(project, 63)));
    m.insert("app.kubernetes.io/managed-by".into(), json!("berth"));
    m
}

/// Largest file berth puts into a ConfigMap or Secret (the API server's object limit).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// A ConfigMap/Secret data key from a file or object name (`[-._a-zA-Z0-9]+`).
pub fn data_key(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let k: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if k.is_empty() || k == "." || k == ".." {
        "file".into()
    } else {
        k
    }
}
