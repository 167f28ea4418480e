//! Semantic checks the strict schemas cannot express: name and label grammars, enum
//! values, quantities, and cross references between objects (selectors, ports).
//!
//! The API server enforces all of these, so an object that breaks one would pass
//! `kubectl --dry-run=client` and fail on apply. Field-level checks are rows of one table
//! (`FIELDS`: which kinds, which field, which test); the checks that need more than one
//! field or more than one object are functions in a second table (`CHECKS`).

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::grammar::Grammar;
use crate::error::Problem;
use crate::manifest::Object;

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// Where each kind keeps its pod template (`""`: the object is the pod).
const POD_TEMPLATES: &[(&str, &str)] = &[
    ("Deployment", "/spec/template"),
    ("ReplicationController", "/spec/template"),
    ("StatefulSet", "/spec/template"),
    ("DaemonSet", "/spec/template"),
    ("ReplicaSet", "/spec/template"),
    ("Job", "/spec/template"),
    ("CronJob", "/spec/jobTemplate/spec/template"),
    ("Pod", ""),
];

pub(super) fn pod_template(kind: &str) -> Option<&'static str> {
    POD_TEMPLATES.iter().find(|(k, _)| *k == kind).map(|(_, p)| *p)
}

/// Which kinds a field rule applies to.
#[derive(Clone, Copy)]
enum Kinds {
    All,
    Only(&'static [&'static str]),
    Except(&'static [&'static str]),
}

impl Kinds {
    fn has(self, kind: &str) -> bool {
        match self {
            Kinds::All => true,
            Kinds::Only(ks) => ks.contains(&kind),
            Kinds::Except(ks) => !ks.contains(&kind),
        }
    }
}

/// What a field rule looks at: the object itself, or its pod template (skipped when the
/// kind has none).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Object,
    Pod,
}

/// Whether the test applies to the map keys the last `*` matched, or to the values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Key,
    Value,
}

#[derive(Clone, Copy)]
enum Test {
    Grammar(Grammar),
    OneOf(&'static [&'static str]),
}

/// One field rule. `pattern` is a JSON pointer in which `*` matches every array item or
/// map member; `required` reports a missing field (only for patterns without `*`).
struct Field {
    rule: &'static str,
    kinds: Kinds,
    scope: Scope,
    pattern: &'static str,
    target: Target,
    test: Test,
    required: bool,
    what: &'static str,
}

const fn field(rule: &'static str, kinds: Kinds, scope: Scope, pattern: &'static str, test: Test) -> Field {
    Field {
        rule,
        kinds,
        scope,
        pattern,
        target: Target::Value,
        test,
        required: false,
        what: "",
    }
}

const fn keys(rule: &'static str, kinds: Kinds, scope: Scope, pattern: &'static str, test: Test) -> Field {
    Field {
        target: Target::Key,
        ..field(rule, kinds, scope, pattern, test)
    }
}

// Short names for the table below.
use crate::validate::ident;
use Grammar::*;
use Kinds::{All, Except, Only};
use Scope::{Object as Obj, Pod};
use Test::{Grammar as G, OneOf};

const NAMES: &str = "SCHEMA-NAMES";
const FORMATS: &str = "SCHEMA-FORMATS";
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];
const PULL: &[&str] = &["Always", "IfNotPresent", "Never"];
const SECCOMP: &[&str] = &["RuntimeDefault", "Unconfined", "Localhost"];
const ACCESS_MODES: &[&str] = &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];
const SELECTED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "PodDisruptionBudget",
];
const C: &str = "/spec/containers/*";
const SVC: &[&str] = &["Service"];
const NETPOL: &[&str] = &["NetworkPolicy"];
const PVC: &[&str] = &["PersistentVolumeClaim"];
const HPA: &[&str] = &["HorizontalPodAutoscaler"];
const RBAC: &[&str] = &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];

/// Field rules: one row per (field, test). Container rows are repeated for init containers
/// by `fields()`, so the table lists each container field once.
#[rustfmt::skip]
const FIELDS: &[Field] = &[
    // Names and labels.
    field(NAMES, Only(SVC), Obj, "/metadata/name", G(Dns1035Label)),
    field(NAMES, Only(&["Namespace"]), Obj, "/metadata/name", G(Dns1123Label)),
    field(NAMES, Only(RBAC), Obj, "/metadata/name", G(PathSegment)),
    field(NAMES, Except(&["Service", "Namespace", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]), Obj, "/metadata/name", G(Dns1123Subdomain)),
    field(NAMES, All, Obj, "/metadata/namespace", G(Dns1123Label)),
    keys(NAMES, All, Obj, "/metadata/labels/*", G(LabelKey)),
    field(NAMES, All, Obj, "/metadata/labels/*", G(LabelValue)),
    keys(NAMES, All, Obj, "/metadata/annotations/*", G(LabelKey)),
    keys(NAMES, All, Pod, "/metadata/labels/*", G(LabelKey)),
    field(NAMES, All, Pod, "/metadata/labels/*", G(LabelValue)),
    keys(NAMES, All, Pod, "/metadata/annotations/*", G(LabelKey)),
    field(NAMES, All, Pod, "/spec/containers/*/name", G(Dns1123Label)),
    field(NAMES, All, Pod, "/spec/containers/*/ports/*/name", G(PortName)),
    field(NAMES, Only(SVC), Obj, "/spec/ports/*/name", G(Dns1123Label)),
    keys(NAMES, Only(SVC), Obj, "/spec/selector/*", G(LabelKey)),
    field(NAMES, Only(SVC), Obj, "/spec/selector/*", G(LabelValue)),
    keys(NAMES, Only(SELECTED), Obj, "/spec/selector/matchLabels/*", G(LabelKey)),
    field(NAMES, Only(SELECTED), Obj, "/spec/selector/matchLabels/*", G(LabelValue)),
    keys(NAMES, Only(NETPOL), Obj, "/spec/podSelector/matchLabels/*", G(LabelKey)),
    field(NAMES, Only(NETPOL), Obj, "/spec/podSelector/matchLabels/*", G(LabelValue)),
    // Quantities.
    field(FORMATS, All, Pod, "/spec/containers/*/resources/requests/*", G(Quantity)),
    field(FORMATS, All, Pod, "/spec/containers/*/resources/limits/*", G(Quantity)),
    field(FORMATS, All, Pod, "/spec/resources/requests/*", G(Quantity)),
    field(FORMATS, All, Pod, "/spec/resources/limits/*", G(Quantity)),
    field(FORMATS, All, Pod, "/spec/volumes/*/emptyDir/sizeLimit", G(Quantity)),
    field(FORMATS, Only(PVC), Obj, "/spec/resources/requests/*", G(Quantity)),
    field(FORMATS, Only(PVC), Obj, "/spec/resources/limits/*", G(Quantity)),
    field(FORMATS, Only(&["StatefulSet"]), Obj, "/spec/volumeClaimTemplates/*/spec/resources/requests/*", G(Quantity)),
    field(FORMATS, Only(&["StatefulSet"]), Obj, "/spec/volumeClaimTemplates/*/spec/resources/limits/*", G(Quantity)),
    field(FORMATS, Only(HPA), Obj, "/spec/metrics/*/resource/target/averageValue", G(Quantity)),
    field(FORMATS, Only(HPA), Obj, "/spec/metrics/*/resource/target/value", G(Quantity)),
    // Bytes: the API server decodes these as base64 and refuses the object otherwise.
    field(FORMATS, Only(&["Secret"]), Obj, "/data/*", G(Base64)),
    field(FORMATS, Only(&["ConfigMap"]), Obj, "/binaryData/*", G(Base64)),
    // Enums: the schemas derived from OpenAPI v2 carry none.
    field(FORMATS, Only(SVC), Obj, "/spec/type", OneOf(&["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"])),
    field(FORMATS, Only(SVC), Obj, "/spec/ports/*/protocol", OneOf(PROTOCOLS)),
    field(FORMATS, Only(SVC), Obj, "/spec/sessionAffinity", OneOf(&["None", "ClientIP"])),
    field(FORMATS, Only(SVC), Obj, "/spec/externalTrafficPolicy", OneOf(&["Cluster", "Local"])),
    field(FORMATS, Only(SVC), Obj, "/spec/internalTrafficPolicy", OneOf(&["Cluster", "Local"])),
    field(FORMATS, All, Pod, "/spec/containers/*/ports/*/protocol", OneOf(PROTOCOLS)),
    field(FORMATS, All, Pod, "/spec/containers/*/imagePullPolicy", OneOf(PULL)),
    field(FORMATS, All, Pod, "/spec/containers/*/terminationMessagePolicy", OneOf(&["File", "FallbackToLogsOnError"])),
    field(FORMATS, All, Pod, "/spec/containers/*/securityContext/seccompProfile/type", OneOf(SECCOMP)),
    field(FORMATS, All, Pod, "/spec/securityContext/seccompProfile/type", OneOf(SECCOMP)),
    field(FORMATS, All, Pod, "/spec/securityContext/fsGroupChangePolicy", OneOf(&["OnRootMismatch", "Always"])),
    field(FORMATS, All, Pod, "/spec/dnsPolicy", OneOf(&["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"])),
    field(FORMATS, All, Pod, "/spec/topologySpreadConstraints/*/whenUnsatisfiable", OneOf(&["DoNotSchedule", "ScheduleAnyway"])),
    field(FORMATS, Only(NETPOL), Obj, "/spec/policyTypes/*", OneOf(&["Ingress", "Egress"])),
    field(FORMATS, Only(NETPOL), Obj, "/spec/ingress/*/ports/*/protocol", OneOf(PROTOCOLS)),
    field(FORMATS, Only(NETPOL), Obj, "/spec/egress/*/ports/*/protocol", OneOf(PROTOCOLS)),
    field(FORMATS, Only(&["Deployment"]), Obj, "/spec/strategy/type", OneOf(&["RollingUpdate", "Recreate"])),
    field(FORMATS, Only(&["StatefulSet", "DaemonSet"]), Obj, "/spec/updateStrategy/type", OneOf(&["RollingUpdate", "OnDelete"])),
    field(FORMATS, Only(&["StatefulSet"]), Obj, "/spec/podManagementPolicy", OneOf(&["OrderedReady", "Parallel"])),
    field(FORMATS, Only(&["StatefulSet"]), Obj, "/spec/volumeClaimTemplates/*/spec/accessModes/*", OneOf(ACCESS_MODES)),
    field(FORMATS, Only(&["CronJob"]), Obj, "/spec/concurrencyPolicy", OneOf(&["Allow", "Forbid", "Replace"])),
    field(FORMATS, Only(&["PodDisruptionBudget"]), Obj, "/spec/unhealthyPodEvictionPolicy", OneOf(&["IfHealthyBudget", "AlwaysAllow"])),
    field(FORMATS, Only(PVC), Obj, "/spec/accessModes/*", OneOf(ACCESS_MODES)),
    field(FORMATS, Only(PVC), Obj, "/spec/volumeMode", OneOf(&["Filesystem", "Block"])),
    field(FORMATS, Only(&["Ingress"]), Obj, "/spec/rules/*/http/paths/*/pathType", OneOf(&["Exact", "Prefix", "ImplementationSpecific"])),
    field(FORMATS, Only(HPA), Obj, "/spec/metrics/*/type", OneOf(&["Resource", "Pods", "Object", "External", "ContainerResource"])),
    field(FORMATS, Only(HPA), Obj, "/spec/metrics/*/resource/target/type", OneOf(&["Utilization", "Value", "AverageValue"])),
    field(FORMATS, Only(&["RoleBinding"]), Obj, "/subjects/*/kind", OneOf(&["ServiceAccount", "User", "Group"])),
    field(FORMATS, Only(&["RoleBinding"]), Obj, "/roleRef/kind", OneOf(&["Role", "ClusterRole"])),
    // Restart policies per kind.
    field(FORMATS, Only(&["Pod"]), Pod, "/spec/restartPolicy", OneOf(&["Always", "OnFailure", "Never"])),
    field(FORMATS, Only(WORKLOADS), Pod, "/spec/restartPolicy", OneOf(&["Always"])),
    Field {
        required: true,
        what: "a Job's pods must not restart in place forever (the default, Always, is rejected)",
        ..field(FORMATS, Only(&["Job", "CronJob"]), Pod, "/spec/restartPolicy", OneOf(&["Never", "OnFailure"]))
    },
];

/// The rows of `FIELDS` with their patterns, plus every `/spec/containers/*` row again for
/// init containers.
static ALL_FIELDS: LazyLock<Vec<(&'static Field, String)>> = LazyLock::new(|| {
    FIELDS
        .iter()
        .flat_map(|f| {
            let init = f
                .pattern
                .strip_prefix(C)
                .map(|rest| (f, format!("/spec/initContainers/*{rest}")));
            std::iter::once((f, f.pattern.to_string())).chain(init)
        })
        .collect()
});

/// The segments of each pattern of `ALL_FIELDS`, split once.
static SEGMENTS: LazyLock<Vec<Vec<String>>> = LazyLock::new(|| {
    ALL_FIELDS
        .iter()
        .map(|(_, pattern)| pattern.split('/').skip(1).map(str::to_string).collect())
        .collect()
});

/// A check over one object that needs more than a field rule: (rule, description, fn).
type CheckFn = fn(&Context, &Object, &mut Sink);
const CHECKS: &[(&str, &str, CheckFn)] = &[
    (NAMES, "metadata.name is set", name_is_set),
    (NAMES, "no two objects share kind, namespace and name", unique_objects),
    (NAMES, "container names are unique within a pod", unique_container_names),
    (
        NAMES,
        "container port names are unique within a container",
        unique_container_port_names,
    ),
    (
        NAMES,
        "Service port names are unique and set when there are several ports",
        service_port_names,
    ),
    (
        "XREF-SELECTOR",
        "a workload's selector matches its own pod template",
        workload_selector,
    ),
    (
        "XREF-SELECTOR",
        "Service, PodDisruptionBudget and NetworkPolicy selectors match an emitted pod template in their namespace",
        selects_some_pod,
    ),
    (
        "XREF-PORTS",
        "Service target ports exist in a selected pod",
        service_target_ports,
    ),
    ("XREF-PORTS", "named probe ports exist in their container", probe_ports),
    (
        "XREF-PORTS",
        "NetworkPolicy ingress port names exist in a selected pod",
        network_policy_ports,
    ),
    (
        "XREF-PORTS",
        "Ingress backend ports exist on the Service, when it is emitted",
        ingress_backend_ports,
    ),
    (
        "XREF-SELECTOR",
        "a HorizontalPodAutoscaler scales an emitted workload",
        autoscaler_target,
    ),
];

/// The rule ids and descriptions of every semantic check, for documentation and `--help`.
pub fn rules() -> Vec<(&'static str, String)> {
    let fields = ALL_FIELDS.iter().map(|(f, pattern)| (f.rule, describe(f, pattern)));
    let checks = CHECKS.iter().map(|(r, d, _)| (*r, (*d).to_string()));
    fields.chain(checks).collect()
}

fn describe(f: &Field, pattern: &str) -> String {
    let scope = if f.scope == Scope::Pod { "pod template " } else { "" };
    let target = if f.target == Target::Key { "keys of " } else { "" };
    let test = match f.test {
        Test::Grammar(g) => format!("{g:?}"),
        Test::OneOf(vs) => format!("one of {}", vs.join(", ")),
    };
    format!("{target}{scope}{pattern} is {test}")
}

/// A pod template somewhere among the objects, for the cross-object checks.
pub(super) struct PodRef<'a> {
    /// Index of the owning object in the checked slice.
    pub index: usize,
    pub owner: &'a Object,
    pub namespace: &'a str,
    pub labels: Option<&'a Map<String, Value>>,
    pub spec: &'a Value,
}

/// Everything the cross-object checks look at. Pods are indexed by (namespace, label,
/// value), so matching a selector costs what it selects, not what was emitted.
pub struct Context<'a> {
    pods: Vec<PodRef<'a>>,
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
    /// (kind, namespace, name) → the objects so named.
    pub(super) by_name: HashMap<(&'a str, &'a str, &'a str), Vec<&'a Object>>,
    /// Kind → the tree of the rows of `ALL_FIELDS` that apply to it: matching every row's
    /// kind list against every object costs more than the rows' checks.
    trees: HashMap<&'a str, Tree>,
}

/// The rows of `ALL_FIELDS` that apply to `kind`.
fn rows_of(kind: &str) -> Vec<usize> {
    ALL_FIELDS
        .iter()
        .enumerate()
        .filter(|(_, (f, _))| f.kinds.has(kind))
        .map(|(i, _)| i)
        .collect()
}

/// The field rows of one kind as one tree of their pattern segments, pod rows below the
/// kind's pod template: an object is walked once for all its rows. Walked row by row,
/// the rows' shared prefixes (`/metadata`, the template, `containers/*`) were looked up
/// again for each one, a sixteenth of a large `berth validate`.
struct Tree {
    /// `nodes[0]` is the object.
    nodes: Vec<TreeNode>,
    /// The rows, in table order (a row's place here is its `slot`).
    rows: Vec<usize>,
    /// Where the pod template is, for a kind that has one.
    pod: Option<&'static str>,
}

/// What [`Tree::walk`] calls for each value found: `(slot, path, key, value)`.
type Visit<'a, 'f> = dyn FnMut(usize, &[Seg<'a>], &'a str, &'a Value) + 'f;

#[derive(Default)]
struct TreeNode {
    /// Segment (`*` or a key) → child node.
    children: Vec<(&'static str, usize)>,
    /// Slots of the rows whose pattern ends here.
    ends: Vec<usize>,
}

impl Tree {
    fn of(kind: &str) -> Tree {
        let pod = pod_template(kind);
        let rows: Vec<usize> = rows_of(kind)
            .into_iter()
            // A kind without a pod template has no pod rows.
            .filter(|&row| {
                ALL_FIELDS
                    .get(row)
                    .is_some_and(|(f, _)| f.scope == Scope::Object || pod.is_some())
            })
            .collect();
        let mut tree = Tree {
            nodes: vec![TreeNode::default()],
            rows: Vec::new(),
            pod,
        };
        for (slot, &row) in rows.iter().enumerate() {
            let (Some((f, _)), Some(segments)) = (ALL_FIELDS.get(row), SEGMENTS.get(row)) else {
                continue;
            };
            let base = match f.scope {
                Scope::Object => "",
                Scope::Pod => pod.unwrap_or(""),
            };
            let path = base.split('/').skip(1).chain(segments.iter().map(String::as_str));
            let node = path.fold(0, |node, seg| tree.child(node, seg));
            if let Some(n) = tree.nodes.get_mut(node) {
                n.ends.push(slot);
            }
        }
        tree.rows = rows;
        tree
    }

    /// The child of `node` along `seg`, made if missing.
    fn child(&mut self, node: usize, seg: &'static str) -> usize {
        let found = self
            .nodes
            .get(node)
            .and_then(|n| n.children.iter().find(|(s, _)| *s == seg))
            .map(|(_, c)| *c);
        found.unwrap_or_else(|| {
            let child = self.nodes.len();
            self.nodes.push(TreeNode::default());
            if let Some(n) = self.nodes.get_mut(node) {
                n.children.push((seg, child));
            }
            child
        })
    }

    /// Calls `f(slot, path, key, value)` for every non-null value a row's pattern matches,
    /// as [`walk`] does for one pattern.
    fn walk<'a>(&self, node: usize, value: &'a Value, stack: &mut Vec<Seg<'a>>, key: &'a str, f: &mut Visit<'a, '_>) {
        let Some(n) = self.nodes.get(node) else { return };
        if !value.is_null() {
            for &slot in &n.ends {
                f(slot, stack, key, value);
            }
        }
        for &(seg, child) in &n.children {
            step(seg, value, key, |at, key, v| {
                stack.push(at);
                self.walk(child, v, stack, key, f);
                stack.pop();
            });
        }
    }
}

impl<'a> Context<'a> {
    pub fn new(objects: &'a [Object]) -> Self {
        let pods: Vec<PodRef<'a>> = objects
            .iter()
            .enumerate()
            .filter_map(|(index, o)| {
                let at = pod_template(o.kind())?;
                let template = ident::at(&o.value, at)?;
                Some(PodRef {
                    index,
                    owner: o,
                    namespace: ident::namespace(o),
                    labels: ident::at(template, "/metadata/labels").and_then(Value::as_object),
                    spec: template.get("spec")?,
                })
            })
            .collect();
        let mut by_label: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, pod) in pods.iter().enumerate() {
            for (k, v) in pod.labels.into_iter().flatten() {
                if let Some(v) = v.as_str() {
                    by_label.entry((pod.namespace, k.as_str(), v)).or_default().push(i);
                }
            }
        }
        let mut by_name: HashMap<_, Vec<&Object>> = HashMap::new();
        for o in objects {
            by_name
                .entry((o.kind(), ident::namespace(o), ident::name(o)))
                .or_default()
                .push(o);
        }
        let mut trees = HashMap::new();
        for o in objects {
            trees.entry(o.kind()).or_insert_with_key(|kind| Tree::of(kind));
        }
        Context {
            pods,
            by_label,
            by_name,
            trees,
        }
    }

    /// The pods in `namespace` whose labels `selector` (a LabelSelector) matches, in the
    /// order they were emitted.
    pub(super) fn selected(&self, namespace: &str, selector: &Value) -> Vec<&PodRef<'a>> {
        let first = selector
            .get("matchLabels")
            .and_then(Value::as_object)
            .and_then(|m| m.iter().next());
        let candidates: Vec<&PodRef<'a>> = match first {
            Some((k, v)) => {
                let hits = v.as_str().and_then(|v| self.by_label.get(&(namespace, k.as_str(), v)));
                hits.into_iter().flatten().filter_map(|i| self.pods.get(*i)).collect()
            }
            None => self.pods.iter().collect(),
        };
        candidates
            .into_iter()
            .filter(|p| p.namespace == namespace && matches(selector, p.labels))
            .collect()
    }
}

/// Collects the problems of one rule about one object.
struct Sink<'o> {
    rule: &'static str,
    object: &'o Object,
    out: Vec<Problem>,
}

impl Sink<'_> {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Problem {
            rule: self.rule,
            object: ident::id(self.object),
            path: path.into(),
            message: message.into(),
            origin: self.object.origin.clone(),
        });
    }
}

/// Every semantic problem of `obj`, checked in the context of all emitted objects.
pub fn problems(ctx: &Context, obj: &Object) -> Vec<Problem> {
    let mut out = Vec::new();
    let computed;
    let tree = match ctx.trees.get(obj.kind()) {
        Some(tree) => tree,
        None => {
            computed = Tree::of(obj.kind());
            &computed
        }
    };
    fields(tree, obj, &mut out);
    for (rule, _, check) in CHECKS {
        let mut sink = Sink {
            rule,
            object: obj,
            out: Vec::new(),
        };
        check(ctx, obj, &mut sink);
        out.extend(sink.out);
    }
    out
}

/// The problems the field rows of `tree` find in `obj`, row by row in table order.
fn fields(tree: &Tree, obj: &Object, out: &mut Vec<Problem>) {
    let mut found = vec![0usize; tree.rows.len()];
    // (slot, problem): sorted by slot at the end, so each row's problems come in the
    // order its own walk would give, rows in table order.
    let mut hits: Vec<(usize, Problem)> = Vec::new();
    let problem = |f: &Field, path: String, message: String| Problem {
        rule: f.rule,
        object: ident::id(obj),
        path,
        message,
        origin: obj.origin.clone(),
    };
    let mut stack = Vec::new();
    tree.walk(0, &obj.value, &mut stack, "", &mut |slot, path, key, value| {
        let Some((f, _)) = tree.rows.get(slot).and_then(|row| ALL_FIELDS.get(*row)) else {
            return;
        };
        if let Some(n) = found.get_mut(slot) {
            *n += 1;
        }
        let subject = match f.target {
            Target::Key => Some(key),
            Target::Value => value.as_str(),
        };
        let Some(subject) = subject else { return };
        let why = match f.test {
            Test::Grammar(g) => g.check(subject),
            Test::OneOf(vs) => (!vs.contains(&subject)).then(|| format!("must be one of {}", vs.join(", "))),
        };
        if let Some(why) = why {
            let label = if f.target == Target::Key { "key" } else { "value" };
            // Bytes may be a Secret's: the message never quotes them.
            let message = if matches!(f.test, Test::Grammar(Base64)) {
                format!("{label} {why}")
            } else {
                format!("{label} {subject:?} {why}")
            };
            hits.push((slot, problem(f, pointer_of("", path), message)));
        }
    });
    // A pod row's field is missing only where the pod template is there.
    let pod_there = tree.pod.is_some_and(|base| ident::at(&obj.value, base).is_some());
    for (slot, row) in tree.rows.iter().enumerate() {
        let Some((f, pattern)) = ALL_FIELDS.get(*row) else {
            continue;
        };
        if !f.required || found.get(slot).is_some_and(|n| *n > 0) {
            continue;
        }
        let base = match f.scope {
            Scope::Object => "",
            Scope::Pod if pod_there => tree.pod.unwrap_or(""),
            Scope::Pod => continue,
        };
        let allowed = match f.test {
            Test::OneOf(vs) => format!(" (one of {})", vs.join(", ")),
            Test::Grammar(_) => String::new(),
        };
        let message = format!("is required{allowed}: {}", f.what);
        hits.push((slot, problem(f, format!("{base}{pattern}"), message)));
    }
    hits.sort_by_key(|(slot, _)| *slot);
    out.extend(hits.into_iter().map(|(_, p)| p));
}

/// One step of a path walked by `walk`: a map key or an array index.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// The JSON pointer of a walked path under `base`; built only for a finding.
fn pointer_of(base: &str, path: &[Seg]) -> String {
    let mut out = base.to_string();
    for seg in path {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&escape(k)),
            Seg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// Calls `f(path, key, value)` for every non-null value the pattern segments match; `*`
/// matches every array item or map member, and `key` is the last map key on the way.
/// The path is a reused stack, so walking allocates nothing per value.
fn walk<'a>(
    value: &'a Value,
    pattern: &[String],
    stack: &mut Vec<Seg<'a>>,
    key: &'a str,
    f: &mut dyn FnMut(&[Seg<'a>], &'a str, &'a Value),
) {
    let Some((first, rest)) = pattern.split_first() else {
        if !value.is_null() {
            f(stack, key, value);
        }
        return;
    };
    step(first, value, key, |at, key, v| {
        stack.push(at);
        walk(v, rest, stack, key, f);
        stack.pop();
    });
}

/// Calls `visit(step, key, child)` for each child of `value` that pattern segment `seg`
/// matches: `*` every array item or map member, any other segment the member so named.
/// `key` is the last map key on the way (an array item keeps its parent's).
fn step<'a>(seg: &str, value: &'a Value, key: &'a str, mut visit: impl FnMut(Seg<'a>, &'a str, &'a Value)) {
    match (seg, value) {
        ("*", Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                visit(Seg::Index(i), key, v);
            }
        }
        ("*", Value::Object(map)) => {
            for (k, v) in map {
                visit(Seg::Key(k), k, v);
            }
        }
        (seg, Value::Object(map)) => {
            if let Some((k, v)) = map.get_key_value(seg) {
                visit(Seg::Key(k), k, v);
            }
        }
        _ => {}
    }
}

/// One value found by `glob`, with its pointer.
struct Found<'a> {
    pointer: String,
    value: &'a Value,
}

/// The values a pointer pattern matches, with their pointers (for the few checks that
/// need them all).
fn glob<'a>(root: &'a Value, pattern: &str) -> Vec<Found<'a>> {
    let segments: Vec<String> = pattern.split('/').skip(1).map(str::to_string).collect();
    let mut out = Vec::new();
    let mut stack = Vec::new();
    walk(root, &segments, &mut stack, "", &mut |path, _, value| {
        out.push(Found {
            pointer: pointer_of("", path),
            value,
        });
    });
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Whether a LabelSelector (`matchLabels` and `matchExpressions`) matches `labels`.
pub(super) fn matches(selector: &Value, labels: Option<&Map<String, Value>>) -> bool {
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    let by_labels = match_labels
        .into_iter()
        .flatten()
        .all(|(k, v)| v.as_str().is_some_and(|v| label(k) == Some(v)));
    let exprs = selector.get("matchExpressions").and_then(Value::as_array);
    let by_exprs = exprs.into_iter().flatten().all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match e.get("operator").and_then(Value::as_str) {
            Some("In") => label(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => label(key).is_some(),
            Some("DoesNotExist") => label(key).is_none(),
            _ => false,
        }
    });
    by_labels && by_exprs
}

/// Whether a LabelSelector selects nothing in particular (and so everything).
pub(super) fn is_empty_selector(selector: &Value) -> bool {
    let empty = |k: &str| match selector.get(k) {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    };
    empty("matchLabels") && empty("matchExpressions")
}

/// The containers of a pod spec with their pointers (relative to the spec).
fn containers(spec: &Value) -> impl Iterator<Item = (String, &Value)> {
    ["containers", "initContainers"].into_iter().flat_map(move |list| {
        spec.get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, c)| (format!("/{list}/{i}"), c))
    })
}

fn ports(container: &Value) -> impl Iterator<Item = &Value> {
    container.get("ports").and_then(Value::as_array).into_iter().flatten()
}

fn name_is_set(_: &Context, obj: &Object, sink: &mut Sink) {
    if ident::name(obj).is_empty() {
        sink.push("/metadata/name", "is missing: every object berth emits needs a name");
    }
}

fn unique_container_port_names(_: &Context, obj: &Object, sink: &mut Sink) {
    let Some(base) = pod_template(obj.kind()) else { return };
    let Some(spec) = ident::at(&obj.value, &format!("{base}/spec")) else {
        return;
    };
    for (at, c) in containers(spec) {
        let mut seen = BTreeSet::new();
        for (i, p) in ports(c).enumerate() {
            if let Some(name) = p.get("name").and_then(Value::as_str)
                && !seen.insert(name)
            {
                sink.push(
                    format!("{base}/spec{at}/ports/{i}/name"),
                    format!("port name {name:?} is used twice in this container"),
                );
            }
        }
    }
}

fn service_port_names(_: &Context, obj: &Object, sink: &mut Sink) {
    if obj.kind() != "Service" {
        return;
    }
    let list = ident::at(&obj.value, "/spec/ports").and_then(Value::as_array);
    let list: Vec<&Value> = list.into_iter().flatten().collect();
    let mut seen = BTreeSet::new();
    for (i, p) in list.iter().enumerate() {
        match p.get("name").and_then(Value::as_str) {
            None | Some("") if list.len() > 1 => sink.push(
                format!("/spec/ports/{i}/name"),
                "is required when a Service has more than one port",
            ),
            Some(name) if !name.is_empty() && !seen.insert(name) => sink.push(
                format!("/spec/ports/{i}/name"),
                format!("port name {name:?} is used twice in this Service"),
            ),
            _ => {}
        }
    }
}

fn workload_selector(_: &Context, obj: &Object, sink: &mut Sink) {
    if !WORKLOADS.contains(&obj.kind()) {
        return;
    }
    let Some(selector) = ident::at(&obj.value, "/spec/selector") else {
        return;
    };
    let labels = obj
        .value
        .pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object);
    if is_empty_selector(selector) {
        sink.push("/spec/selector", "is empty; it must select the pod template's labels");
    } else if !matches(selector, labels) {
        sink.push(
            "/spec/selector",
            "does not match the labels of /spec/template/metadata/labels; the API server rejects this",
        );
    }
}

/// The selector of a kind that selects pods of other objects, as a LabelSelector.
fn foreign_selector(obj: &Object) -> Option<(&'static str, Value)> {
    let v = &obj.value;
    match obj.kind() {
        "Service" => {
            let map = ident::at(v, "/spec/selector")?.as_object()?;
            Some(("/spec/selector", serde_json::json!({ "matchLabels": map })))
        }
        "PodDisruptionBudget" => Some(("/spec/selector", ident::at(v, "/spec/selector")?.clone())),
        "NetworkPolicy" => Some(("/spec/podSelector", ident::at(v, "/spec/podSelector")?.clone())),
        _ => None,
    }
}

fn selects_some_pod(ctx: &Context, obj: &Object, sink: &mut Sink) {
    let Some((at, selector)) = foreign_selector(obj) else {
        return;
    };
    if is_empty_selector(&selector) {
        return;
    }
    if ctx.selected(ident::namespace(obj), &selector).is_empty() {
        sink.push(
            at,
            format!(
                "selects no pod template emitted in namespace {:?}; check the labels",
                ident::namespace(obj)
            ),
        );
    }
}

fn service_target_ports(ctx: &Context, obj: &Object, sink: &mut Sink) {
    if obj.kind() != "Service" {
        return;
    }
    let Some((_, selector)) = foreign_selector(obj) else {
        return;
    };
    if is_empty_selector(&selector) {
        return;
    }
    let pods = ctx.selected(ident::namespace(obj), &selector);
    if pods.is_empty() {
        return;
    }
    let list = ident::at(&obj.value, "/spec/ports").and_then(Value::as_array);
    for (i, p) in list.into_iter().flatten().enumerate() {
        let (field, target) = match p.get("targetPort") {
            Some(t) if !t.is_null() => ("targetPort", t),
            _ => ("port", p.get("port").unwrap_or(&Value::Null)),
        };
        let exists = pods
            .iter()
            .any(|pod| containers(pod.spec).any(|(_, c)| ports(c).any(|cp| port_matches(cp, target))));
        if !exists {
            let owners: Vec<String> = pods.iter().map(|p| ident::id(p.owner)).collect();
            sink.push(
                format!("/spec/ports/{i}/{field}"),
                format!(
                    "{target} is not a container port of the selected pods ({})",
                    owners.join(", ")
                ),
            );
        }
    }
}

/// Whether a container port is the one a target (name or number) refers to.
fn port_matches(container_port: &Value, target: &Value) -> bool {
    match target {
        Value::String(name) => container_port.get("name").and_then(Value::as_str) == Some(name),
        Value::Number(n) => container_port.get("containerPort").and_then(Value::as_i64) == n.as_i64(),
        _ => false,
    }
}

const PROBES: &[&str] = &["startupProbe", "readinessProbe", "livenessProbe"];
const PROBE_PORTS: &[&str] = &["httpGet", "tcpSocket"];

fn probe_ports(_: &Context, obj: &Object, sink: &mut Sink) {
    let Some(base) = pod_template(obj.kind()) else { return };
    let Some(spec) = ident::at(&obj.value, &format!("{base}/spec")) else {
        return;
    };
    for (at, c) in containers(spec) {
        for probe in PROBES {
            for handler in PROBE_PORTS {
                let port = c.get(*probe).and_then(|p| p.get(*handler)).and_then(|h| h.get("port"));
                let Some(name) = port.and_then(Value::as_str) else {
                    continue;
                };
                if !ports(c).any(|cp| port_matches(cp, &Value::String(name.into()))) {
                    sink.push(
                        format!("{base}/spec{at}/{probe}/{handler}/port"),
                        format!("names port {name:?}, which this container does not declare"),
                    );
                }
            }
        }
    }
}

fn unique_objects(ctx: &Context, obj: &Object, sink: &mut Sink) {
    let same = ctx.by_name.get(&(obj.kind(), ident::namespace(obj), ident::name(obj)));
    if same.is_some_and(|v| v.len() > 1) && !ident::name(obj).is_empty() {
        sink.push(
            "/metadata/name",
            format!(
                "another {} has this name in the same namespace; one would overwrite the other",
                obj.kind()
            ),
        );
    }
}

fn unique_container_names(_: &Context, obj: &Object, sink: &mut Sink) {
    let Some(base) = pod_template(obj.kind()) else { return };
    let Some(spec) = ident::at(&obj.value, &format!("{base}/spec")) else {
        return;
    };
    let mut seen = BTreeSet::new();
    for (at, c) in containers(spec) {
        if let Some(name) = c.get("name").and_then(Value::as_str)
            && !seen.insert(name)
        {
            sink.push(
                format!("{base}/spec{at}/name"),
                format!("container name {name:?} is used twice in this pod"),
            );
        }
    }
}

fn network_policy_ports(ctx: &Context, obj: &Object, sink: &mut Sink) {
    if obj.kind() != "NetworkPolicy" {
        return;
    }
    let Some((_, selector)) = foreign_selector(obj) else {
        return;
    };
    if is_empty_selector(&selector) {
        return;
    }
    let pods = ctx.selected(ident::namespace(obj), &selector);
    if pods.is_empty() {
        return;
    }
    for found in glob(&obj.value, "/spec/ingress/*/ports/*") {
        // A numeric port works whether or not a container declares it (containerPort is
        // informational; compose services often listen without `ports:`), so only a
        // port NAME must resolve to a container port of the selected pods.
        let Some(port) = found.value.get("port").filter(|p| p.is_string()) else {
            continue;
        };
        let exists = pods
            .iter()
            .any(|pod| containers(pod.spec).any(|(_, c)| ports(c).any(|cp| port_matches(cp, port))));
        if !exists {
            sink.push(
                format!("{}/port", found.pointer),
                format!("{port} is not a container port of the pods this policy selects"),
            );
        }
    }
}

fn ingress_backend_ports(ctx: &Context, obj: &Object, sink: &mut Sink) {
    if obj.kind() != "Ingress" {
        return;
    }
    let backends = glob(&obj.value, "/spec/rules/*/http/paths/*/backend/service")
        .into_iter()
        .chain(glob(&obj.value, "/spec/defaultBackend/service"));
    for found in backends {
        let name = found.value.get("name").and_then(Value::as_str).unwrap_or("");
        let Some(service) = ctx
            .by_name
            .get(&("Service", ident::namespace(obj), name))
            .and_then(|v| v.first())
        else {
            continue;
        };
        let service_ports = ident::at(&service.value, "/spec/ports").and_then(Value::as_array);
        let service_ports: Vec<&Value> = service_ports.into_iter().flatten().collect();
        let (field, exists) = match found.value.get("port") {
            Some(p) if p.get("name").is_some_and(|n| !n.is_null()) => {
                let n = p.get("name");
                ("name", service_ports.iter().any(|sp| sp.get("name") == n))
            }
            Some(p) if p.get("number").is_some_and(|n| !n.is_null()) => {
                let n = p.get("number");
                ("number", service_ports.iter().any(|sp| sp.get("port") == n))
            }
            _ => continue,
        };
        if !exists {
            sink.push(
                format!("{}/port/{field}", found.pointer),
                format!("Service {name:?} has no such port"),
            );
        }
    }
}

fn autoscaler_target(ctx: &Context, obj: &Object, sink: &mut Sink) {
    if obj.kind() != "HorizontalPodAutoscaler" {
        return;
    }
    let Some(target) = ident::at(&obj.value, "/spec/scaleTargetRef") else {
        return;
    };
    let field = |k: &str| target.get(k).and_then(Value::as_str).unwrap_or("");
    if !ctx
        .by_name
        .contains_key(&(field("kind"), ident::namespace(obj), field("name")))
    {
        sink.push(
            "/spec/scaleTargetRef",
            format!(
                "names {} {:?}, which is not emitted in namespace {:?}",
                field("kind"),
                field("name"),
                ident::namespace(obj)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn glob_expands_arrays_and_maps_and_escapes_keys() {
        let v = json!({"a": [{"l": {"x/y": "1", "z": "2"}}, {"l": null}]});
        let found: Vec<String> = glob(&v, "/a/*/l/*").into_iter().map(|f| f.pointer).collect();
        assert_eq!(found, ["/a/0/l/x~1y", "/a/0/l/z"]);
    }

    #[test]
    fn selectors_follow_label_selector_semantics() {
        let labels = json!({"app": "web", "tier": "front"});
        let labels = labels.as_object();
        assert!(matches(&json!({"matchLabels": {"app": "web"}}), labels));
        assert!(!matches(&json!({"matchLabels": {"app": "db"}}), labels));
        let e = |op: &str, vals: Value| json!({"matchExpressions": [{"key": "tier", "operator": op, "values": vals}]});
        assert!(matches(&e("In", json!(["front", "x"])), labels));
        assert!(!matches(&e("NotIn", json!(["front"])), labels));
        assert!(matches(&e("Exists", Value::Null), labels));
        assert!(!matches(&e("DoesNotExist", Value::Null), labels));
        assert!(!matches(&e("Bogus", Value::Null), labels));
    }

    /// The paths of the field problems of each object, in the order they are reported.
    fn field_paths(objects: &[Object]) -> Vec<Vec<String>> {
        let ctx = Context::new(objects);
        let fields: Vec<&str> = FIELDS.iter().map(|f| f.rule).collect();
        objects
            .iter()
            .map(|o| {
                let all = problems(&ctx, o).into_iter();
                all.filter(|p| fields.contains(&p.rule)).map(|p| p.path).collect()
            })
            .collect()
    }

    #[test]
    fn field_problems_come_row_by_row_and_required_fields_only_under_a_template() {
        let labels = json!({"Bad Key": "ok", "ok2": "bad value!", "bad/key/x": "-bad-"});
        let job = |name: &str, spec: Value| {
            let meta = json!({"name": name, "namespace": "ns", "labels": labels.clone()});
            Object::new(
                json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec}),
                None,
            )
        };
        let objects = [
            job(
                "a",
                json!({"template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}}),
            ),
            job("b", json!({})),
        ];
        // The key rule's problems for every label, then the value rule's: the table's
        // order, though one walk meets each label's key and value together.
        let labels = [
            "/metadata/labels/Bad Key",
            "/metadata/labels/bad~1key~1x",
            "/metadata/labels/ok2",
            "/metadata/labels/bad~1key~1x",
        ];
        let mut with_template: Vec<&str> = labels.to_vec();
        with_template.push("/spec/template/spec/restartPolicy");
        assert_eq!(field_paths(&objects), [with_template, labels.to_vec()]);
    }

    #[test]
    fn every_check_has_a_description() {
        assert!(rules().iter().all(|(r, d)| !r.is_empty() && !d.is_empty()));
    }
}
