//! Overlays (DESIGN.md section 4.4): per-environment changes over a base (a chart, a
//! compose file, a folder of manifests, or another overlay), as Kustomize does, with one
//! data-driven table of name references so that renames never leave a reference behind.
//!
//! The stages, each a module named after its job:
//!
//! ```text
//! spec (overlay.yaml) ─► base rendered ─► generate (ConfigMaps, Secrets, hashed names)
//!   ─► patch (strategic, merge, JSON 6902) ─► transform (namespace, prefix/suffix,
//!   labels, annotations, images, replicas) ─► refs (every reference follows a rename)
//! ```

pub mod generate;
pub mod patch;
pub mod refs;
pub mod spec;
pub mod transform;

use std::sync::Arc;

use serde_json::Value;

use crate::chart::meta::join;
use crate::chart::values::{self, SetArg, Source, Values};
use crate::chart::{self};
use crate::compose::{self, LoadOptions};
use crate::convert::{self, ConvertOptions};
use crate::error::{Error, Warnings};
use crate::explain::{self, Stage, Step};
use crate::manifest::parallel::{self, Threads};
use crate::manifest::{self, Object};
use crate::source::{Origin, Sandbox};
use crate::yaml::{self, Flavor};
use spec::Overlay;

/// Overlays stack at most this deep ([`crate::limits::OVERLAY_DEPTH`]).
const MAX_DEPTH: usize = crate::limits::OVERLAY_DEPTH.value;

/// What an overlay render needs besides the files: the command line's say, which wins
/// over every overlay.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `-f` values files (chart bases), over the overlays' values.
    pub values_files: Vec<String>,
    pub sets: Vec<SetArg>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    /// Named process variables (compose bases), over the overlays' `variables`.
    pub variables: Vec<(String, String)>,
    /// Threads for per-object work; the objects are the same for every count.
    pub threads: Threads,
}

/// What the base was, which decides who answers for an invalid object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// A chart folder.
    Chart(String),
    /// Compose files (the first names the project).
    Compose(Vec<String>),
    /// A folder (or a file) of manifests.
    Manifests(String),
}

/// A rendered overlay: objects (unordered) and the settings the chain decided.
#[derive(Debug)]
pub struct Output {
    pub objects: Vec<Object>,
    pub base: Base,
    /// The target version: the command line's, else the outermost overlay's, else the default.
    pub kube_version: String,
    /// The outermost overlay's policy profile, if any says one.
    pub profile: Option<String>,
}

/// Renders the overlay in root-relative folder `dir`.
pub fn render(sandbox: &Sandbox, dir: &str, req: &Request, warnings: &mut Warnings) -> Result<Output, Error> {
    let (layers, base) = chain(sandbox, dir)?;
    let outer = |f: fn(&Overlay) -> Option<String>| layers.iter().find_map(f);
    let kube_version = req
        .kube_version
        .clone()
        .or_else(|| outer(|o| o.fields.kube_version.clone()))
        .unwrap_or_else(|| crate::validate::DEFAULT_KUBE_VERSION.to_string());
    if let Err(e) = crate::validate::check_kube_version(&kube_version) {
        // Said by an overlay: point at it.
        let said = layers.iter().find(|o| o.fields.kube_version.is_some());
        return Err(match (&req.kube_version, said) {
            (None, Some(layer)) => Error::input(
                Some(layer.origin("/kubeVersion")),
                format!("unsupported kubeVersion {kube_version:?}"),
                e.help().unwrap_or("pick a supported version"),
            ),
            _ => e,
        });
    }
    if !matches!(base, Base::Chart(_)) {
        values_without_chart(&layers, req)?;
    }
    let namespace = req
        .namespace
        .clone()
        .or_else(|| outer(|o| o.fields.namespace.clone()))
        .or_else(|| outer(|o| o.fields.release.namespace.clone()));
    let release_name = req
        .release_name
        .clone()
        .or_else(|| outer(|o| o.fields.release.name.clone()));
    let env_name = layers
        .first()
        .map(|o| o.dir.rsplit('/').next().unwrap_or(&o.dir).to_string())
        .unwrap_or_default();
    // A compose base's unpinned images, warned about once the overlays' `images:` applied.
    let mut unpinned = Vec::new();
    let mut objects = match &base {
        Base::Chart(chart_dir) => {
            let user = chart_values(sandbox, &layers, req)?;
            let creq = chart::Request {
                release_name,
                namespace,
                env_name,
                kube_version: kube_version.clone(),
                variables: variables(&layers, req),
            };
            chart::render(sandbox, chart_dir, user, &creq, warnings)?.objects
        }
        Base::Compose(files) => {
            let load = LoadOptions {
                files: files.clone(),
                env_files: Vec::new(),
                profiles: Vec::new(),
                variables: variables(&layers, req),
                project_name: release_name,
            };
            let project = compose::load(sandbox, &load, warnings)?;
            let opts = ConvertOptions {
                namespace,
                kube_version: kube_version.clone(),
            };
            let (objects, uses) = convert::convert_deferring_images(&project, sandbox, &opts, warnings)?;
            unpinned = uses;
            objects
        }
        Base::Manifests(path) => manifests(sandbox, path, req.threads)?,
    };
    explain::begin(&mut objects, sandbox.tracing(), explain::made_by_berth);
    // A chart or compose base renders into one namespace; generated objects join it, so
    // references from the base's workloads find them.
    let home = match base {
        Base::Manifests(_) => None,
        _ => objects
            .iter()
            .find(|o| o.kind() == "Namespace")
            .map(|o| o.name().to_string())
            .or_else(|| {
                objects
                    .iter()
                    .map(|o| o.namespace().to_string())
                    .find(|n| !n.is_empty())
            }),
    };
    let mut table = refs::builtin();
    let mut external = Vec::new();
    let mut keys = Vec::new();
    for layer in layers.iter().rev() {
        table.extend(layer.fields.name_references.iter().cloned());
        external.extend(layer.fields.external.iter().cloned());
        keys.extend(layer.fields.merge_keys.iter().map(|k| patch::MergeKey {
            kind: k.kind.clone(),
            path: k.path.clone(),
            key: k.key.clone(),
        }));
        let ctx = Layer {
            table: &table,
            merge_keys: &keys,
            kube_version: &kube_version,
            home: home.as_deref(),
            threads: req.threads,
        };
        apply(sandbox, layer, &mut objects, &ctx, warnings)?;
    }
    // As Kustomize: generated names get their content hash once, after every overlay,
    // so the hash covers what the outer overlays changed too.
    let renames = hash_names(&mut objects);
    refs::apply_parallel(&mut objects, &renames, &table, req.threads);
    let hashed = Step::new(
        Stage::Generator,
        "name hash of the generated content (references follow)",
        None,
    );
    explain::step(&mut objects, sandbox.tracing(), &hashed, &|_, _| None);
    refs::dangling(&objects, &table, &external, req.threads, warnings);
    let finally = |image: &str| {
        layers.iter().rev().fold(image.to_string(), |image, layer| {
            transform::rewrite(&image, &layer.fields.images)
        })
    };
    // An image a patch replaced runs nowhere: its warning would name what is not deployed
    // (the policy's image rules judge the image that is).
    if !unpinned.is_empty() {
        let running = transform::running(&objects);
        unpinned.retain(|u| running.contains(finally(&u.image).as_str()));
    }
    convert::workloads::warn_unpinned(&unpinned, finally, warnings);
    let profile = layers.iter().find_map(|o| o.fields.policy.profile.clone());
    Ok(Output {
        objects,
        base,
        kube_version,
        profile,
    })
}

/// The overlays from `dir` down to the base (outermost first), and the base.
fn chain(sandbox: &Sandbox, dir: &str) -> Result<(Vec<Overlay>, Base), Error> {
    let mut layers: Vec<Overlay> = Vec::new();
    let mut dir = dir.to_string();
    loop {
        let overlay = spec::load(sandbox, &dir)?;
        let at = overlay.origin("/base");
        let base = sandbox
            .resolve(&overlay.dir, &overlay.fields.base, Some(&at))?
            .to_string();
        if !sandbox.exists(&base) {
            return Err(Error::input(
                Some(at),
                format!("the base `{}` does not exist", overlay.fields.base),
                "`base` is a chart folder, a compose file, a folder of manifests or another overlay's folder, relative to this overlay.yaml",
            ));
        }
        let seen = layers.iter().any(|l| l.dir == base) || overlay.dir == base;
        layers.push(overlay);
        if !seen && layers.len() > MAX_DEPTH {
            return Err(crate::limits::OVERLAY_DEPTH.exceeded(Some(at), "the overlays stack too deep"));
        }
        if seen {
            let names: Vec<&str> = layers.iter().map(|l| l.file.as_str()).collect();
            return Err(Error::input(
                Some(at),
                format!("the overlays' bases form a cycle: {} → {base}", names.join(" → ")),
                "an overlay's base must lead, through other overlays, to a chart, a compose file or manifests",
            ));
        }
        if sandbox.exists(&join(&base, spec::FILE)) {
            dir = base;
            continue;
        }
        let kind = if sandbox.exists(&join(&base, "Chart.yaml")) {
            Base::Chart(base)
        } else if sandbox.is_dir(&base) {
            if compose::DEFAULT_FILES.iter().any(|f| sandbox.exists(&join(&base, f))) {
                let mut w = Warnings::default();
                Base::Compose(compose::in_folder(sandbox, &base, &mut w)?)
            } else {
                Base::Manifests(base)
            }
        } else if is_compose_name(&base) {
            Base::Compose(vec![base])
        } else {
            Base::Manifests(base)
        };
        return Ok((layers, kind));
    }
}

/// Values (`values:`, `set:`, `-f`, `--set*`) only mean something to a chart; for a
/// compose or manifests base they would be dropped without a word.
fn values_without_chart(layers: &[Overlay], req: &Request) -> Result<(), Error> {
    let help = "values are for chart bases; a compose base takes `variables:` (interpolation), \
                manifests take `patches:`";
    for layer in layers {
        for (key, given) in [
            ("values", !layer.fields.values.is_empty()),
            ("set", !layer.fields.set.is_empty()),
        ] {
            if given {
                return Err(Error::input(
                    Some(layer.origin(&format!("/{key}"))),
                    format!("`{key}` is given, but the base is not a chart, so nothing would read it"),
                    help,
                ));
            }
        }
    }
    if let Some(set) = req.sets.first() {
        return Err(Error::Usage {
            message: format!(
                "{} `{}`: the overlay's base is not a chart, so nothing would read it",
                set.kind.flag(),
                set.text
            ),
            help: Some(help.into()),
        });
    }
    if let Some(f) = req.values_files.first() {
        return Err(Error::Usage {
            message: format!("-f {f}: the overlay's base is not a chart, so nothing would read this values file"),
            help: Some(help.into()),
        });
    }
    Ok(())
}

/// A file named like a compose file (`compose.yaml`, `docker-compose.prod.yml`, ...).
fn is_compose_name(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|n| n.contains("compose"))
}

/// The chart's user values: each overlay's values files then its `set`, from the base
/// outwards, then the command line's `-f` files and `--set*` flags.
fn chart_values(sandbox: &Sandbox, layers: &[Overlay], req: &Request) -> Result<Values, Error> {
    let mut user = Values::default();
    for layer in layers.iter().rev() {
        for (i, f) in layer.fields.values.iter().enumerate() {
            let at = layer.origin(&format!("/values/{i}"));
            let file = sandbox.resolve(&layer.dir, f, Some(&at))?;
            user.merge(Values::load(sandbox, &file, Some(&at))?);
        }
        for (path, value) in &layer.fields.set {
            let at = layer.origin(&format!("/set/{}", yaml::pointer_segment(path)));
            user.set_path(path, value.clone(), Source::File(at.clone()), Some(&at))?;
        }
    }
    for f in &req.values_files {
        user.merge(Values::load(sandbox, f, None)?);
    }
    values::apply_sets(&mut user, &req.sets, sandbox)?;
    Ok(user)
}

/// Interpolation variables for a compose base: overlays from the base outwards (the outer
/// wins), then the process variables the user named.
fn variables(layers: &[Overlay], req: &Request) -> Vec<(String, String)> {
    let mut vars = Vec::new();
    for layer in layers.iter().rev() {
        for (k, v) in &layer.fields.variables {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            vars.push((k.clone(), text));
        }
    }
    vars.extend(req.variables.iter().cloned());
    vars
}

/// Every object in a manifests file, or in the `*.yaml`, `*.yml` and `*.json` files under
/// a folder (in path order, Kustomize's `kustomization.yaml` aside); `List` kinds are
/// flattened.
fn manifests(sandbox: &Sandbox, path: &str, threads: Threads) -> Result<Vec<Object>, Error> {
    let files = if sandbox.is_dir(path) {
        let disk = sandbox.root().join(path);
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(&disk).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                Error::input(
                    Some(Origin::file(path)),
                    format!("cannot list the manifests: {e}"),
                    "check the folder's permissions",
                )
            })?;
            let name = entry.file_name().to_string_lossy();
            let manifest = [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e));
            // A folder shared with Kustomize keeps its kustomization file; it is not an object.
            let kustomization = matches!(&*name, "kustomization.yaml" | "kustomization.yml" | "Kustomization");
            // A symlink is read like a file, through the sandbox, which refuses it if it
            // leaves the root; skipping it would drop its objects silently.
            let file = entry.file_type().is_file() || entry.path_is_symlink();
            if !file || !manifest || kustomization {
                continue;
            }
            if let Ok(rel) = entry.path().strip_prefix(&disk) {
                files.push(join(path, &rel.to_string_lossy().replace('\\', "/")));
            }
        }
        files
    } else {
        vec![path.to_string()]
    };
    // Files are read and parsed each on its own; the objects keep the files' order, and
    // the first unreadable file in that order is the one reported.
    let parsed = parallel::map(threads.for_reading(), &files, |file| -> Result<Vec<Object>, Error> {
        let src = sandbox.read(file, None)?;
        let mut objects = Vec::new();
        for doc in yaml::parse_stream(&src.name, src.text()?, Flavor::Manifest)? {
            let origin = doc.spans.origin("");
            let trace = sandbox.tracing().then(|| explain::read_from(&doc));
            let mut these = flatten(doc.value, &origin)?;
            // A `List`'s items are not located one by one; they keep their file's origin.
            if let ([one], Some(trace)) = (these.as_mut_slice(), trace) {
                one.trace = Some(trace);
            }
            objects.extend(these);
        }
        Ok(objects)
    });
    let mut objects = Vec::new();
    for file in parsed {
        objects.extend(file?);
    }
    Ok(objects)
}

/// A document as objects: a `List` gives its items; anything else must be an object.
fn flatten(value: Value, origin: &Origin) -> Result<Vec<Object>, Error> {
    let is_list = value
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && value.get("items").is_some_and(Value::is_array);
    if is_list {
        let items = match value {
            Value::Object(mut m) => m.remove("items").unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let items = items.as_array().cloned().unwrap_or_default();
        return items.into_iter().map(|v| object(v, origin)).collect();
    }
    Ok(vec![object(value, origin)?])
}

fn object(value: Value, origin: &Origin) -> Result<Object, Error> {
    let ok = value.get("apiVersion").is_some_and(Value::is_string)
        && value.get("kind").is_some_and(Value::is_string)
        && value.pointer("/metadata/name").is_some_and(Value::is_string);
    if !ok {
        return Err(Error::input(
            Some(origin.clone()),
            "this document is not a Kubernetes object (it needs apiVersion, kind and metadata.name)",
            "a manifests base holds only Kubernetes objects; move other YAML files out of the folder",
        ));
    }
    Ok(Object::new(value, Some(origin.clone())))
}

/// One overlay's changes, in Kustomize's order: generators, patches, namespace, prefix and
/// suffix, labels, annotations, images, replicas, generator hashes, then every reference
/// to a renamed object follows it.
/// What one overlay's changes see of the layers beneath it.
struct Layer<'a> {
    table: &'a [refs::NameReference],
    merge_keys: &'a [patch::MergeKey],
    kube_version: &'a str,
    /// The namespace a chart or compose base rendered into.
    home: Option<&'a str>,
    threads: Threads,
}

fn apply(
    sandbox: &Sandbox,
    layer: &Overlay,
    objects: &mut Vec<Object>,
    ctx: &Layer<'_>,
    warnings: &mut Warnings,
) -> Result<(), Error> {
    let tracing = sandbox.tracing();
    let transform = |what: &str, pointer: &str| Step::new(Stage::Transform, what, Some(layer.origin(pointer)));
    let none = |_: &str, _: &Value| None;
    generators(sandbox, layer, objects, ctx.home)?;
    for (i, entry) in layer.fields.patches.iter().enumerate() {
        patches(sandbox, layer, i, entry, objects, ctx, warnings)?;
    }
    // Replicas match the names the base gave (Kustomize matches those too after a prefix).
    for i in transform::replicas(objects, &layer.fields.replicas, ctx.threads) {
        let name = layer.fields.replicas.get(i).map_or("", |r| r.name.as_str());
        warnings.push(
            Some(layer.origin(&format!("/replicas/{i}"))),
            "unmatched-replicas",
            format!("no Deployment, StatefulSet or ReplicaSet is named `{name}`"),
            Some("check the workload's name in the base".into()),
        );
    }
    explain::step(objects, tracing, &transform("replicas", "/replicas"), &none);
    if let Some(ns) = &layer.fields.namespace {
        transform::namespace(objects, ns, ctx.threads);
        explain::step(objects, tracing, &transform("namespace", "/namespace"), &none);
    }
    let renames = transform::affix(
        objects,
        &layer.fields.name_prefix,
        &layer.fields.name_suffix,
        ctx.threads,
    );
    refs::apply_parallel(objects, &renames, ctx.table, ctx.threads);
    let affix = if layer.fields.name_prefix.is_empty() {
        "/nameSuffix"
    } else {
        "/namePrefix"
    };
    explain::step(
        objects,
        tracing,
        &transform("namePrefix/nameSuffix (references follow)", affix),
        &none,
    );
    for l in layer.labels() {
        transform::labels(objects, &l, ctx.threads);
    }
    explain::step(objects, tracing, &transform("labels", "/labels"), &none);
    if !layer.fields.annotations.is_empty() {
        transform::annotations(objects, &layer.fields.annotations, ctx.threads);
        explain::step(objects, tracing, &transform("annotations", "/annotations"), &none);
    }
    for i in transform::images(objects, &layer.fields.images, ctx.threads) {
        let name = layer.fields.images.get(i).map_or("", |r| r.name.as_str());
        warnings.push(
            Some(layer.origin(&format!("/images/{i}"))),
            "unmatched-image",
            format!("no container uses the image `{name}`"),
            Some("check the image name (without tag or digest) against the base's containers".into()),
        );
    }
    explain::step(objects, tracing, &transform("images", "/images"), &none);
    resource_defaults(&layer.fields.policy.defaults.resources, objects);
    explain::step(
        objects,
        tracing,
        &transform("policy.defaults.resources", "/policy/defaults/resources"),
        &none,
    );
    waivers(layer, objects, warnings, tracing)
}

/// Where each kind keeps its pod spec.
const POD_SPECS: &[(&str, &str)] = &[
    ("Pod", "/spec"),
    ("Deployment", "/spec/template/spec"),
    ("StatefulSet", "/spec/template/spec"),
    ("DaemonSet", "/spec/template/spec"),
    ("ReplicaSet", "/spec/template/spec"),
    ("Job", "/spec/template/spec"),
    ("CronJob", "/spec/jobTemplate/spec/template/spec"),
];

/// `policy.defaults.resources`: every container's unset requests and limits, before
/// hardening fills what is still unset with its own defaults (the inputs' values win).
fn resource_defaults(defaults: &spec::DefaultResources, objects: &mut [Object]) {
    if defaults.requests.is_empty() && defaults.limits.is_empty() {
        return;
    }
    for o in objects.iter_mut() {
        let Some((_, at)) = POD_SPECS.iter().find(|(k, _)| *k == o.kind()) else {
            continue;
        };
        let Some(pod) = o.value.pointer_mut(at).and_then(Value::as_object_mut) else {
            continue;
        };
        for list in ["containers", "initContainers"] {
            for c in pod.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
                let Some(c) = c.as_object_mut() else { continue };
                let resources = c
                    .entry("resources")
                    .or_insert_with(|| Value::Object(Default::default()));
                let Some(resources) = resources.as_object_mut() else {
                    continue;
                };
                for (side, values) in [("requests", &defaults.requests), ("limits", &defaults.limits)] {
                    if values.is_empty() {
                        continue;
                    }
                    let slot = resources
                        .entry(side)
                        .or_insert_with(|| Value::Object(Default::default()));
                    if let Some(slot) = slot.as_object_mut() {
                        for (k, v) in values {
                            slot.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
            }
        }
    }
}

/// Identity of an object for generators: kind, namespace, name.
fn key(o: &Object) -> (String, String, String) {
    (o.kind().to_string(), o.namespace().to_string(), o.name().to_string())
}

/// Marks a generated object whose name still needs its content hash; removed before
/// hashing, so it never reaches the output or the hash.
const NEEDS_HASH: &str = "internal.berth.dev/needs-hash";

/// Runs the ConfigMap and Secret generators. A generated object replaces or merges into
/// the base's object of the same name as its `behavior` says, and keeps that object's
/// hashing (Kustomize does the same).
fn generators(sandbox: &Sandbox, layer: &Overlay, objects: &mut Vec<Object>, home: Option<&str>) -> Result<(), Error> {
    let lists = [
        (
            generate::Kind::ConfigMap,
            "configMapGenerator",
            &layer.fields.config_map_generator,
        ),
        (
            generate::Kind::Secret,
            "secretGenerator",
            &layer.fields.secret_generator,
        ),
    ];
    for (kind, field, list) in lists {
        for (i, g) in list.iter().enumerate() {
            let at = layer.origin(&format!("/{field}/{i}"));
            let behavior = g.behavior(Some(&at))?;
            let mut made = generate::generate(kind, g, sandbox, &layer.dir, Some(&at))?;
            if let Some(ns) = home {
                manifest::default_namespace(std::slice::from_mut(&mut made), ns);
            }
            let same = |o: &Object| o.kind() == made.kind() && o.name() == made.name();
            let object = match (behavior, objects.iter().position(same)) {
                (generate::Behavior::Create, Some(_)) => {
                    return Err(Error::input(
                        Some(at),
                        format!("the base already has a {} named `{}`", made.kind(), made.name()),
                        "use `behavior: merge` or `behavior: replace` to change the base's object, or pick another name",
                    ));
                }
                (generate::Behavior::Create, None) => {
                    if !g.options.disable_name_suffix_hash {
                        set_annotation(&mut made.value, NEEDS_HASH);
                    }
                    made
                }
                (_, None) => {
                    return Err(Error::input(
                        Some(at),
                        format!(
                            "`behavior: {}` needs a {} named `{}` in the base, and there is none",
                            g.behavior.as_deref().unwrap_or(""),
                            made.kind(),
                            made.name()
                        ),
                        "use `behavior: create` (the default) to make a new object",
                    ));
                }
                (b, Some(j)) => {
                    let base = objects.remove(j);
                    let value = generate::combine(&base.value, made.value, b);
                    let mut merged = Object::new(value, base.origin);
                    merged.trace = base.trace;
                    merged
                }
            };
            objects.push(object);
            explain::step(
                objects,
                sandbox.tracing(),
                &Step::new(Stage::Generator, field, Some(at.clone())),
                &|_, _| None,
            );
        }
    }
    Ok(())
}

fn set_annotation(value: &mut Value, key: &str) {
    let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(a) = annotations.as_object_mut() {
        a.insert(key.to_string(), Value::String("true".into()));
    }
}

/// Removes the marker; true when it was there. An annotations map left empty goes too.
fn take_annotation(value: &mut Value, key: &str) -> bool {
    let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) else {
        return false;
    };
    let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) else {
        return false;
    };
    let had = a.remove(key).is_some();
    if a.is_empty() {
        meta.remove("annotations");
    }
    had
}

/// Appends the content hash to the name of every generated object that wants one.
fn hash_names(objects: &mut [Object]) -> Vec<refs::Rename> {
    let mut renames = Vec::new();
    for o in objects.iter_mut() {
        if !take_annotation(&mut o.value, NEEDS_HASH) {
            continue;
        }
        let (kind, namespace, old) = key(o);
        let new = format!("{old}-{}", generate::hash_suffix(&o.value));
        if let Some(meta) = o.value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("name".into(), Value::String(new.clone()));
        }
        renames.push(refs::Rename {
            group: String::new(),
            kind,
            namespace,
            old,
            new,
        });
    }
    renames
}

/// Where a pointer into one patch document was written.
type Locate = Box<dyn Fn(&str) -> Origin>;

/// One `patches` entry: its documents, applied to the objects they target.
fn patches(
    sandbox: &Sandbox,
    layer: &Overlay,
    index: usize,
    entry: &spec::PatchEntry,
    objects: &mut Vec<Object>,
    ctx: &Layer<'_>,
    warnings: &mut Warnings,
) -> Result<(), Error> {
    let at = layer.origin(&format!("/patches/{index}"));
    let docs: Vec<(Value, Locate)> = match (&entry.path, &entry.patch) {
        (Some(path), _) => {
            let file = sandbox.resolve(&layer.dir, path, Some(&at))?;
            let src = sandbox.read(&file, Some(&at))?;
            yaml::parse_stream(&src.name, src.text()?, Flavor::Manifest)?
                .into_iter()
                .map(|d| {
                    let spans = d.spans.clone();
                    (d.value, Box::new(move |p: &str| spans.origin(p)) as Locate)
                })
                .collect()
        }
        (None, Some(Value::String(text))) => {
            let name: Arc<str> = format!("{} (patch {})", layer.file, index + 1).into();
            let base = at.clone();
            yaml::parse_stream(&name, text, Flavor::Manifest)?
                .into_iter()
                .map(|d| {
                    let base = base.clone();
                    (d.value, Box::new(move |_: &str| base.clone()) as Locate)
                })
                .collect()
        }
        (None, Some(v)) => {
            let spans = layer.spans.clone();
            let prefix = format!("/patches/{index}/patch");
            vec![(
                v.clone(),
                Box::new(move |p: &str| spans.origin(&format!("{prefix}{p}"))) as Locate,
            )]
        }
        (None, None) => Vec::new(),
    };
    for (doc, origin_of) in docs {
        let kind = match entry.patch_type.as_deref() {
            Some(t) => t.to_string(),
            None if doc.is_array() => "json6902".to_string(),
            None => "strategic".to_string(),
        };
        let target = match (&entry.target, kind.as_str()) {
            (Some(t), _) => t.clone(),
            (None, "json6902") => {
                return Err(Error::input(
                    Some(at),
                    "a JSON patch (a list of operations) needs a `target`",
                    "add `target: {kind: ..., name: ...}` to say which objects it changes",
                ));
            }
            (None, _) => own_target(&doc).ok_or_else(|| {
                Error::input(
                    Some(origin_of("")),
                    "this patch names no object: without a `target`, a patch must have `kind` and `metadata.name`",
                    "add the kind and name of the object to patch, or a `target` to the patch entry",
                )
            })?,
        };
        if kind != "json6902" && !doc.is_object() {
            return Err(Error::input(
                Some(origin_of("")),
                format!(
                    "a {kind} patch must be a mapping of the fields to change, not {}",
                    crate::error::value_kind(&doc)
                ),
                "write the fields as they sit in the object (`spec: {replicas: 3}`); a list of operations is a \
                 JSON patch: give it `type: json6902`",
            ));
        }
        let matcher = compiled(&target, objects, &at, "patch")?;
        let how = match kind.as_str() {
            "json6902" => How::Json6902(&doc),
            "merge" => How::Merge(&doc),
            _ => How::Strategic(without_identity(&doc, entry.target.is_some())),
        };
        // Each object is patched on its own; the first failure in the objects' order is
        // the one reported.
        let patched = parallel::map_mut(ctx.threads, objects, |o| {
            if !matcher.as_ref().is_some_and(|m| m.matches(o)) {
                return Ok(false);
            }
            // Named first: a strategic patch that fails leaves nothing of the object.
            let id = o.id();
            how.apply(o, ctx).map(|()| true).map_err(|e| (id, e))
        });
        let mut matched = 0;
        for result in patched {
            match result {
                Ok(hit) => matched += usize::from(hit),
                Err((id, e)) => {
                    return Err(Error::input(
                        Some(origin_of(&e.at)),
                        format!("the patch cannot be applied to {id}: {}", e.message),
                        e.help,
                    ));
                }
            }
        }
        // `$patch: delete` at the top of a strategic patch deletes the object itself.
        objects.retain(|o| !o.value.is_null());
        let label = Step::new(Stage::Patch, format!("{kind} patch"), Some(origin_of("")));
        explain::step(objects, sandbox.tracing(), &label, &|p, v| {
            explain::in_patch(&doc, p, v, &origin_of)
        });
        if matched == 0 {
            warnings.push(
                Some(origin_of("")),
                "unmatched-patch",
                format!("this patch matches no object (patch {} of {})", index + 1, layer.file),
                Some("check the target's kind, name and namespace (or the patch's own kind and metadata.name) against the base".into()),
            );
        }
    }
    Ok(())
}

/// A target ready to test every object, or `None` when there is no object to test (then
/// an unreadable target goes unreported, as it always has: it is read per object).
fn compiled(
    target: &patch::Target,
    objects: &[Object],
    at: &Origin,
    what: &str,
) -> Result<Option<patch::Matcher>, Error> {
    if objects.is_empty() {
        return Ok(None);
    }
    target.compile().map(Some).map_err(|e| {
        Error::input(
            Some(at.clone()),
            format!("the {what}'s target cannot be read: {}", e.message),
            e.help,
        )
    })
}

/// One patch document, ready to apply to each object it targets.
enum How<'a> {
    Json6902(&'a Value),
    Merge(&'a Value),
    /// The document without its identity when a `target` names the objects.
    Strategic(Value),
}

impl How<'_> {
    fn apply(&self, o: &mut Object, ctx: &Layer<'_>) -> Result<(), patch::PatchError> {
        match self {
            How::Json6902(doc) => patch::json6902(&mut o.value, doc),
            How::Merge(doc) => {
                patch::merge(&mut o.value, doc);
                Ok(())
            }
            How::Strategic(doc) => patch::strategic_with(&mut o.value, doc, ctx.kube_version, ctx.merge_keys),
        }
    }
}

/// The target a patch without one names itself by: its group, version, kind and name
/// (and namespace, when it says one).
fn own_target(doc: &Value) -> Option<patch::Target> {
    let kind = doc.get("kind")?.as_str()?.to_string();
    let name = doc.pointer("/metadata/name")?.as_str()?;
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let (group, version) = match api.split_once('/') {
        Some((g, v)) => (Some(g.to_string()), Some(v.to_string())),
        None if api.is_empty() => (None, None),
        None => (Some(String::new()), Some(api.to_string())),
    };
    Some(patch::Target {
        group,
        version,
        kind: Some(kind),
        name: Some(regex::escape(name)),
        namespace: doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(regex::escape),
        label_selector: None,
        annotation_selector: None,
    })
}

/// With a `target`, a strategic patch's own identity (`kind`, `apiVersion`,
/// `metadata.name`) says nothing and must not rename what it patches.
fn without_identity(doc: &Value, targeted: bool) -> Value {
    let mut doc = doc.clone();
    if targeted && let Some(m) = doc.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("name");
            meta.remove("namespace");
        }
    }
    doc
}

/// `policy.waivers`: each is written on its targets as the `berth.dev/waive` annotation,
/// the same place a hand-written waiver goes, so validation sees one mechanism.
fn waivers(layer: &Overlay, objects: &mut [Object], warnings: &mut Warnings, tracing: bool) -> Result<(), Error> {
    for (i, w) in layer.fields.policy.waivers.iter().enumerate() {
        let at = layer.origin(&format!("/policy/waivers/{i}"));
        let matcher = compiled(&w.target, objects, &at, "waiver")?;
        let mut matched = 0;
        for o in objects.iter_mut() {
            if matcher.as_ref().is_some_and(|m| m.matches(o)) {
                matched += 1;
                manifest::add_waiver(&mut o.value, &w.rule, &w.reason);
            }
        }
        let waiver = Step::new(Stage::Transform, "policy.waivers", Some(at.clone()));
        explain::step(objects, tracing, &waiver, &|_, _| None);
        if matched == 0 {
            warnings.push(
                Some(at),
                "unmatched-waiver",
                format!("the waiver of {} matches no object", w.rule),
                Some("check the target's kind and name against the rendered objects".into()),
            );
        }
    }
    Ok(())
}
