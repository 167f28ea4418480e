//! The policy checks of the rule table (`rules.rs`): one function per rule, each over one
//! object in the context of all the objects checked.
//!
//! Every check sees a `Subject` (the object and its pod template, located once) and the
//! `Facts` computed once for the whole set (which pods a Service, a NetworkPolicy or a
//! PodDisruptionBudget selects, which workloads an HPA scales), so a check never scans the
//! other objects itself and a run stays linear in the number of objects.

pub mod images;
pub mod meta;
pub mod network;
pub mod probes;
pub mod pss;
pub mod refs;
pub mod resources;
pub mod security;
pub mod workload;

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::rules::Severity;
use super::semantic::{self, Context};
use crate::manifest::Object;
use crate::validate::ident;

/// A policy check: reports what `subject` breaks into `sink`.
pub type CheckFn = fn(&Facts, &Subject, &mut Sink);

/// Container lists of a pod spec, for the checks that look at every kind of container.
pub const ALL_CONTAINERS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];
/// The containers that run for a pod's life or before it (ephemeral debug containers are
/// added by `kubectl debug`, not by manifests).
pub const RUNNING: &[&str] = &["containers", "initContainers"];
/// The application containers only (probes belong to them).
pub const MAIN: &[&str] = &["containers"];

/// Kinds that keep pods running (as opposed to Jobs, which run to completion).
pub const LONG_RUNNING: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
];

/// One object under check.
pub struct Subject<'a> {
    /// Index of the object in the checked slice.
    pub index: usize,
    pub object: &'a Object,
    /// Its pod template, for kinds that have one.
    pub pod: Option<Pod<'a>>,
}

impl<'a> Subject<'a> {
    pub fn new(index: usize, object: &'a Object) -> Self {
        Subject {
            index,
            object,
            pod: Pod::of(object),
        }
    }

    pub fn kind(&self) -> &'a str {
        self.object.kind()
    }
}

/// A pod template (or a Pod) inside an object.
pub struct Pod<'a> {
    /// JSON pointer of the template in the object (`""` for a Pod).
    pub base: &'static str,
    /// The template's `metadata`.
    pub meta: Option<&'a Map<String, Value>>,
    /// The pod spec.
    pub spec: &'a Map<String, Value>,
}

impl<'a> Pod<'a> {
    fn of(object: &'a Object) -> Option<Self> {
        let base = semantic::pod_template(object.kind())?;
        let template = ident::at(&object.value, base)?;
        Some(Pod {
            base,
            meta: template.get("metadata").and_then(Value::as_object),
            spec: template.get("spec")?.as_object()?,
        })
    }

    /// The pointer of `rest` (`/securityContext/...`) under the pod spec.
    pub fn at(&self, rest: &str) -> String {
        format!("{}/spec{rest}", self.base)
    }

    /// A field of the spec by JSON pointer (`/securityContext/runAsUser`).
    pub fn get(&self, pointer: &str) -> Option<&'a Value> {
        get(self.spec, pointer)
    }

    /// The containers of the given lists, in order.
    pub fn containers(&self, lists: &'static [&'static str]) -> impl Iterator<Item = Container<'a>> + use<'a> {
        let spec = self.spec;
        let base = self.base;
        lists.iter().flat_map(move |list| {
            spec.get(*list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(move |(index, c)| {
                    Some(Container {
                        base,
                        list,
                        index,
                        value: c.as_object()?,
                    })
                })
        })
    }

    /// Pods with `spec.os.name: windows` skip the Linux-only controls.
    pub fn windows(&self) -> bool {
        self.get("/os/name").and_then(Value::as_str) == Some("windows")
    }
}

/// One container of a pod.
pub struct Container<'a> {
    base: &'static str,
    pub list: &'static str,
    pub index: usize,
    pub value: &'a Map<String, Value>,
}

impl<'a> Container<'a> {
    /// The pointer of `rest` under this container.
    pub fn at(&self, rest: &str) -> String {
        format!("{}/spec/{}/{}{rest}", self.base, self.list, self.index)
    }

    pub fn get(&self, pointer: &str) -> Option<&'a Value> {
        get(self.value, pointer)
    }

    pub fn name(&self) -> &'a str {
        self.value.get("name").and_then(Value::as_str).unwrap_or("")
    }

    /// How messages name the container: `container "web"`, `init container "setup"`.
    pub fn describe(&self) -> String {
        let what = match self.list {
            "initContainers" => "init container",
            "ephemeralContainers" => "ephemeral container",
            _ => "container",
        };
        match self.name() {
            "" => format!("{what} #{}", self.index),
            name => format!("{what} {name:?}"),
        }
    }
}

/// A field of a map by JSON pointer (without escapes: the pointers are our own literals).
pub fn get<'a>(map: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
    let mut parts = pointer.split('/').skip(1);
    let first = map.get(parts.next()?)?;
    parts.try_fold(first, |v, p| match v {
        Value::Object(m) => m.get(p),
        Value::Array(a) => a.get(p.parse::<usize>().ok()?),
        _ => None,
    })
}

/// A finding a check reports, before the engine gives it a rule and an object.
pub struct Hit {
    pub path: String,
    pub message: String,
    /// A severity other than the rule's default, for rules with graded findings.
    pub severity: Option<Severity>,
}

/// Collects a check's findings.
#[derive(Default)]
pub struct Sink {
    pub hits: Vec<Hit>,
}

impl Sink {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.hits.push(Hit {
            path: path.into(),
            message: message.into(),
            severity: None,
        });
    }

    pub fn push_as(&mut self, severity: Severity, path: impl Into<String>, message: impl Into<String>) {
        self.hits.push(Hit {
            path: path.into(),
            message: message.into(),
            severity: Some(severity),
        });
    }
}

/// What the cross-object checks know about one pod template.
#[derive(Debug, Default, Clone, Copy)]
pub struct PodFacts {
    /// A Service in its namespace selects it.
    pub behind_service: bool,
    /// A NetworkPolicy covering Ingress selects it.
    pub ingress: bool,
    /// A NetworkPolicy covering Egress selects it (so its egress is restricted).
    pub egress: bool,
    /// A NetworkPolicy with a non-empty podSelector selects it.
    pub own_policy: bool,
    /// An egress rule of a policy selecting it allows DNS.
    pub dns: bool,
    /// A PodDisruptionBudget selects it.
    pub pdb: bool,
}

/// Facts about the whole set of objects, computed once per run.
pub struct Facts<'a> {
    pub objects: &'a [Object],
    pub context: &'a Context<'a>,
    /// Minor version of the target Kubernetes version (35 for 1.35).
    pub kube_minor: u32,
    /// Per object index; default (all false) for objects without a pod template.
    pods: Vec<PodFacts>,
    /// (namespace, kind, name) of each workload an HPA scales → the HPA's minReplicas.
    scaled: HashMap<(&'a str, &'a str, &'a str), i64>,
    /// Custom kinds whose CRD says `scope: Cluster`.
    pub custom_cluster_kinds: HashSet<String>,
}

impl<'a> Facts<'a> {
    pub fn new(objects: &'a [Object], context: &'a Context<'a>, kube_minor: u32) -> Self {
        let mut facts = Facts {
            objects,
            context,
            kube_minor,
            pods: vec![PodFacts::default(); objects.len()],
            scaled: HashMap::new(),
            custom_cluster_kinds: HashSet::new(),
        };
        for o in objects {
            match o.kind() {
                "Service" => facts.service(o),
                "NetworkPolicy" => facts.network_policy(o),
                "PodDisruptionBudget" => facts.disruption_budget(o),
                "HorizontalPodAutoscaler" => facts.autoscaler(o),
                _ => {}
            }
        }
        facts
    }

    /// Whether `kind` is a custom kind that lives outside namespaces.
    pub fn cluster_scoped(&self, kind: &str) -> bool {
        self.custom_cluster_kinds.contains(kind)
    }

    /// The facts of the pod template of object `index`.
    pub fn pod(&self, index: usize) -> PodFacts {
        self.pods.get(index).copied().unwrap_or_default()
    }

    /// The minReplicas of the HPA that scales `object`, if one does.
    pub fn scaled_min(&self, object: &Object) -> Option<i64> {
        if self.scaled.is_empty() {
            return None;
        }
        self.scaled
            .get(&(ident::namespace(object), object.kind(), ident::name(object)))
            .copied()
    }

    /// The indexes of the objects whose pod templates `selector` selects in `namespace`.
    pub fn selected(&self, namespace: &str, selector: &Value) -> Vec<usize> {
        self.context
            .selected(namespace, selector)
            .into_iter()
            .map(|p| p.index)
            .collect()
    }

    fn mark(&mut self, namespace: &str, selector: &Value, mut f: impl FnMut(&mut PodFacts)) {
        for i in self.selected(namespace, selector) {
            if let Some(p) = self.pods.get_mut(i) {
                f(p);
            }
        }
    }

    fn service(&mut self, o: &Object) {
        let Some(map) = ident::at(&o.value, "/spec/selector").and_then(Value::as_object) else {
            return;
        };
        if map.is_empty() {
            return;
        }
        let selector = serde_json::json!({ "matchLabels": map });
        self.mark(ident::namespace(o), &selector, |p| p.behind_service = true);
    }

    fn network_policy(&mut self, o: &Object) {
        let spec = o.value.get("spec");
        let Some(selector) = spec.and_then(|s| s.get("podSelector")) else {
            return;
        };
        let (ingress, egress) = network::policy_types(spec.unwrap_or(&Value::Null));
        let own = !semantic::is_empty_selector(selector);
        let dns = egress && network::allows_dns(spec.unwrap_or(&Value::Null));
        self.mark(ident::namespace(o), selector, |p| {
            p.ingress |= ingress;
            p.egress |= egress;
            p.own_policy |= own;
            p.dns |= dns;
        });
    }

    fn disruption_budget(&mut self, o: &Object) {
        if let Some(selector) = ident::at(&o.value, "/spec/selector") {
            self.mark(ident::namespace(o), selector, |p| p.pdb = true);
        }
    }

    fn autoscaler(&mut self, o: &'a Object) {
        let Some(target) = ident::at(&o.value, "/spec/scaleTargetRef") else {
            return;
        };
        let field = |k: &str| target.get(k).and_then(Value::as_str).unwrap_or("");
        let min = o
            .value
            .pointer("/spec/minReplicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        self.scaled
            .insert((ident::namespace(o), field("kind"), field("name")), min);
    }

    /// The replicas a workload runs with at least: its HPA's minimum, else `spec.replicas`
    /// (default 1). `None` for kinds without a replica count (DaemonSets, Jobs).
    pub fn min_replicas(&self, object: &Object) -> Option<i64> {
        if !matches!(
            object.kind(),
            "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
        ) {
            return None;
        }
        if let Some(min) = self.scaled_min(object) {
            return Some(min);
        }
        Some(
            object
                .value
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1),
        )
    }

    /// Whether a workload is replicated: 2 or more replicas, or scaled by an HPA.
    pub fn replicated(&self, object: &Object) -> bool {
        matches!(object.kind(), "Deployment" | "StatefulSet")
            && (self.scaled_min(object).is_some() || self.min_replicas(object).is_some_and(|r| r >= 2))
    }

    /// The object of kind `kind` named `name` in `namespace`, if it is among the objects.
    pub fn named(&self, kind: &str, namespace: &str, name: &str) -> Option<&'a Object> {
        self.context
            .by_name
            .get(&(kind, namespace, name))
            .and_then(|v| v.first())
            .copied()
    }
}
