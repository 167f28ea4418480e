//! Defaults that make objects meet the policy profile (DESIGN.md section 6), applied
//! after conversion (and, later, after chart rendering) to any workload. Only fields the
//! input left unset are filled, so the user's explicit choices (compose `user:`,
//! `x-berth`, a template's own securityContext) always win, and hardening never relaxes
//! anything: relaxations come from the input and carry a `berth.dev/waive` annotation.
//!
//! What each profile fills:
//! - `restricted`: everything below, plus pod and container security contexts and `/tmp`;
//! - `baseline`: no security contexts (undefined passes every baseline control), the rest;
//! - `none`: resources only.
//!
//! Namespaces get Pod Security Admission labels for the profile in every case (`none`
//! labels them `privileged`, so the cluster's default level cannot reject the pods).
//!
//! Every field set is recorded as a `Change` for `berth explain`.

mod namespace;
mod pdb;
mod record;
mod resources;
mod security;
mod service_account;
mod spread;
mod workload;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::error::Warnings;
use crate::manifest::parallel::{self, Threads};
use crate::manifest::{self, Object};

pub use record::Change;
use record::Recorder;
use workload::Kind;

/// The policy profile in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Profile {
    #[default]
    Restricted,
    Baseline,
    None,
}

impl Profile {
    /// The Pod Security Standards level name (`restricted`, `baseline`, `privileged`).
    pub fn pss_level(self) -> &'static str {
        match self {
            Profile::Restricted => "restricted",
            Profile::Baseline => "baseline",
            Profile::None => "privileged",
        }
    }
}

#[derive(Debug, Clone)]
pub struct HardenOptions {
    pub profile: Profile,
    /// Target Kubernetes minor version, e.g. `"1.35"` (pins the PSA `enforce-version`).
    pub kube_version: String,
}

/// Applies hardening defaults in place; may add objects (ServiceAccounts, PDBs).
pub fn harden(objects: &mut Vec<Object>, opts: &HardenOptions, warnings: &mut Warnings) {
    harden_on(objects, opts, Threads::ONE, false, warnings);
}

/// `harden`, the objects hardened on `threads` threads (the result is the same);
/// with `record`, returns the changes, as `harden_with_record` does (else none).
pub fn harden_parallel(
    objects: &mut Vec<Object>,
    opts: &HardenOptions,
    threads: Threads,
    record: bool,
    warnings: &mut Warnings,
) -> Vec<Change> {
    harden_on(objects, opts, threads, record, warnings)
}

/// As `harden`, returning every change made (fields set and objects added), in the
/// order made.
pub fn harden_with_record(objects: &mut Vec<Object>, opts: &HardenOptions, warnings: &mut Warnings) -> Vec<Change> {
    harden_on(objects, opts, Threads::ONE, true, warnings)
}

/// What hardening one object gave: its changes and warnings, and the objects it needs.
#[derive(Default)]
struct Hardened {
    changes: Vec<Change>,
    warnings: Warnings,
    made: Vec<Object>,
}

fn harden_on(
    objects: &mut Vec<Object>,
    opts: &HardenOptions,
    threads: Threads,
    record: bool,
    warnings: &mut Warnings,
) -> Vec<Change> {
    let scaled = hpa_targets(objects);
    let shared = shared_claims(objects);
    let pdbs: Vec<Object> = objects
        .iter()
        .filter(|o| o.kind() == "PodDisruptionBudget")
        .cloned()
        .collect();
    let levels = namespace::levels_needed(objects, opts.profile, warnings);
    let mut taken: BTreeSet<(String, String, String)> = objects.iter().map(identity).collect();
    // Objects are hardened each on its own, against what was read above; what each gives
    // is gathered here in the objects' order, as with one thread.
    let done = parallel::map_mut(threads, objects, |object| {
        let mut one = Hardened::default();
        if object.kind() == "Namespace" && object.api_version() == "v1" {
            let mut rec = Recorder::new(object.id(), record.then_some(&mut one.changes));
            let level = levels.get(object.name()).copied().unwrap_or(opts.profile.pss_level());
            namespace::harden(&mut object.value, level, &opts.kube_version, &mut rec);
            return one;
        }
        let Some(kind) = Kind::of(object) else { return one };
        let key = (
            object.namespace().to_string(),
            object.kind().to_string(),
            object.name().to_string(),
        );
        let ctx = Context {
            opts,
            scaled: scaled.contains(&key),
            pdbs: &pdbs,
            shared: &shared,
            record,
        };
        one.made = harden_workload(object, kind, &ctx, &mut one.changes, &mut one.warnings);
        one
    });
    let mut changes = Vec::new();
    let mut added: Vec<Object> = Vec::new();
    for one in done {
        changes.extend(one.changes);
        warnings.extend(one.warnings);
        for extra in one.made {
            if taken.insert(identity(&extra)) {
                if record {
                    changes.push(Change {
                        object: extra.id(),
                        pointer: String::new(),
                        reason: added_reason(extra.kind()),
                    });
                }
                added.push(extra);
            }
        }
    }
    objects.extend(added);
    changes
}

fn added_reason(kind: &str) -> &'static str {
    match kind {
        "ServiceAccount" => "SEC-SA-TOKEN: a ServiceAccount of the workload's own, without a token",
        _ => "REL-PDB: drains evict at most one pod at a time and never block",
    }
}

/// What makes an object unique in the output: kind, namespace and name.
fn identity(o: &Object) -> (String, String, String) {
    (o.kind().to_string(), o.namespace().to_string(), o.name().to_string())
}

const SINGLE_WRITER: &str = "one replica: it mounts a volume claim only one pod may write";

/// `(namespace, name)` of every claim in the input whose access modes let pods on
/// several nodes write it.
fn shared_claims(objects: &[Object]) -> BTreeSet<(String, String)> {
    objects
        .iter()
        .filter(|o| o.kind() == "PersistentVolumeClaim")
        .filter(|o| {
            o.value
                .pointer("/spec/accessModes")
                .and_then(Value::as_array)
                .is_some_and(|m| m.iter().any(|m| m == "ReadWriteMany"))
        })
        .map(|o| (o.namespace().to_string(), o.name().to_string()))
        .collect()
}

/// `(namespace, kind, name)` of every workload an HPA scales.
fn hpa_targets(objects: &[Object]) -> BTreeSet<(String, String, String)> {
    objects
        .iter()
        .filter(|o| o.kind() == "HorizontalPodAutoscaler")
        .filter_map(|o| {
            let target = o.value.pointer("/spec/scaleTargetRef")?;
            let kind = target.get("kind")?.as_str()?;
            let name = target.get("name")?.as_str()?;
            Some((o.namespace().to_string(), kind.to_string(), name.to_string()))
        })
        .collect()
}

/// What hardening one workload needs to know about the rest.
struct Context<'a> {
    opts: &'a HardenOptions,
    /// An HPA scales this workload.
    scaled: bool,
    /// The PodDisruptionBudgets of the input.
    pdbs: &'a [Object],
    /// `(namespace, name)` of the claims several pods may write (ReadWriteMany).
    shared: &'a BTreeSet<(String, String)>,
    /// Whether to record the changes (for `berth explain`).
    record: bool,
}

/// Hardens one workload; returns the objects it needs (ServiceAccount, PDB).
fn harden_workload(
    object: &mut Object,
    kind: Kind,
    ctx: &Context,
    changes: &mut Vec<Change>,
    warnings: &mut Warnings,
) -> Vec<Object> {
    let (opts, scaled) = (ctx.opts, ctx.scaled);
    let id = object.id();
    let name = object.name().to_string();
    let namespace = object.namespace().to_string();
    let selector = spread::pod_selector(&workload::template_labels(object, kind));
    let full = opts.profile != Profile::None;
    let mut rec = Recorder::new(id.clone(), ctx.record.then_some(changes));
    let mut kept_single = false;
    if full
        && kind != Kind::Pod
        && let Some(spec) = object.value.get_mut("spec").and_then(Value::as_object_mut)
    {
        let shared = |claim: &str| ctx.shared.contains(&(namespace.clone(), claim.to_string()));
        let alone = spread::writes_alone(spec, &shared);
        kept_single = spread::harden_workload(spec, kind, scaled, alone, &mut rec);
    }
    if kept_single && kind == Kind::Deployment {
        let at = format!(
            "/metadata/annotations/{}",
            crate::yaml::pointer_segment(manifest::WAIVE_ANNOTATION)
        );
        let before = object.value.pointer(&at).cloned();
        manifest::add_waiver(&mut object.value, "REL-REPLICAS", SINGLE_WRITER);
        if object.value.pointer(&at) != before.as_ref() {
            rec.note(at, SINGLE_WRITER);
        }
    }
    let base = format!("{}/spec", kind.template());
    let Some(pod) = object.value.pointer_mut(&base).and_then(Value::as_object_mut) else {
        return Vec::new();
    };
    let mut default_uid = false;
    if opts.profile == Profile::Restricted {
        default_uid = security::harden_pod(pod, &base, &mut rec).default_uid;
    }
    let default_memory = resources::harden_pod(pod, &base, &mut rec).default_memory;
    let mut made = Vec::new();
    if full && let Some(sa) = service_account::harden_pod(pod, &base, &name, &mut rec) {
        let labels = object.value.pointer("/metadata/labels");
        made.push(Object::new(
            service_account::service_account(&sa, &namespace, labels),
            object.origin.clone(),
        ));
    }
    if full && kind.is_replicated() {
        if let Some(pod) = object.value.pointer_mut(&base).and_then(Value::as_object_mut) {
            spread::harden_pod(pod, &base, &selector, kind == Kind::Deployment, &mut rec);
        }
        let replicas = object
            .value
            .get("spec")
            .and_then(Value::as_object)
            .map_or(1, spread::replicas);
        if (scaled || replicas >= 2)
            && let Some(pdb) = pdb::for_workload(object, ctx.pdbs, eviction_policy(&opts.kube_version))
        {
            made.push(Object::new(pdb, object.origin.clone()));
        }
    }
    report(object, &id, default_uid, default_memory, warnings);
    made
}

/// `unhealthyPodEvictionPolicy` exists from Kubernetes 1.27 (beta, on by default).
fn eviction_policy(kube_version: &str) -> bool {
    let minor = kube_version
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .and_then(|m| m.parse::<u32>().ok());
    minor.is_none_or(|m| m >= 27)
}

/// One warning per workload and kind of default the user would want to know about.
fn report(object: &Object, id: &str, default_uid: bool, default_memory: bool, warnings: &mut Warnings) {
    if default_uid {
        warnings.push(
            object.origin.clone(),
            "default-uid",
            format!("{id} runs as UID/GID 10001 (the image's user is unknown offline)"),
            Some("if the image needs another user, set it: compose `user:` (numeric) or `x-berth.securityContext`; in a template, the pod's `securityContext.runAsUser`".into()),
        );
    }
    if default_memory {
        warnings.push(
            object.origin.clone(),
            "default-resources",
            format!("{id} gets default resources: requests cpu 100m, memory 256Mi; limits cpu 1, memory 256Mi"),
            Some("size it: compose `deploy.resources` (limits and reservations); in a template, each container's `resources`".into()),
        );
    }
}

#[cfg(test)]
mod tests;
