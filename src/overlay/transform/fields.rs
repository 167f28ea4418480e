//! Where labels and annotations go: Kustomize's field lists (`commonlabels.go`,
//! `metadatalabels.go`, `commonannotations.go` of kustomize v5.5) as data.

use serde_json::{Map, Value};

use crate::manifest::Object;
use crate::overlay::refs::group_of;
use crate::overlay::refs::walk::{Seg, segments, visit_mut};

/// A field of objects of one kind (any kind when `kind` is `None`; any group or version
/// when those are `None`), created when missing if `create`.
pub(super) struct Spec {
    pub group: Option<&'static str>,
    pub version: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub path: &'static str,
    pub create: bool,
}

const fn spec(group: Option<&'static str>, kind: &'static str, path: &'static str, create: bool) -> Spec {
    Spec {
        group,
        version: None,
        kind: Some(kind),
        path,
        create,
    }
}

const fn core_v1(kind: &'static str, path: &'static str) -> Spec {
    Spec {
        group: None,
        version: Some("v1"),
        kind: Some(kind),
        path,
        create: true,
    }
}

const ANY: Option<&str> = None;
const APPS: Option<&str> = Some("apps");
const BATCH: Option<&str> = Some("batch");
const NETWORKING: Option<&str> = Some("networking.k8s.io");

/// Every object's own labels.
pub(super) const METADATA: &[Spec] = &[Spec {
    group: None,
    version: None,
    kind: None,
    path: "metadata/labels",
    create: true,
}];

/// Pod templates and claim templates (`labels` with `includeTemplates`).
pub(super) const TEMPLATE_LABELS: &[Spec] = &[
    core_v1("ReplicationController", "spec/template/metadata/labels"),
    spec(ANY, "Deployment", "spec/template/metadata/labels", true),
    spec(ANY, "ReplicaSet", "spec/template/metadata/labels", true),
    spec(ANY, "DaemonSet", "spec/template/metadata/labels", true),
    spec(APPS, "StatefulSet", "spec/template/metadata/labels", true),
    spec(APPS, "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true),
    spec(BATCH, "Job", "spec/template/metadata/labels", true),
    spec(BATCH, "CronJob", "spec/jobTemplate/metadata/labels", true),
    spec(BATCH, "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true),
];

const AFFINITY_PATHS: [&str; 5] = [
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// Selectors (`labels` with `includeSelectors`, and Kustomize's `commonLabels`); these
/// come on top of the template labels.
pub(super) const SELECTORS: &[Spec] = &[
    core_v1("Service", "spec/selector"),
    core_v1("ReplicationController", "spec/selector"),
    spec(ANY, "Deployment", "spec/selector/matchLabels", true),
    spec(APPS, "Deployment", AFFINITY_PATHS[0], false),
    spec(APPS, "Deployment", AFFINITY_PATHS[1], false),
    spec(APPS, "Deployment", AFFINITY_PATHS[2], false),
    spec(APPS, "Deployment", AFFINITY_PATHS[3], false),
    spec(APPS, "Deployment", AFFINITY_PATHS[4], false),
    spec(ANY, "ReplicaSet", "spec/selector/matchLabels", true),
    spec(ANY, "DaemonSet", "spec/selector/matchLabels", true),
    spec(APPS, "StatefulSet", "spec/selector/matchLabels", true),
    spec(APPS, "StatefulSet", AFFINITY_PATHS[0], false),
    spec(APPS, "StatefulSet", AFFINITY_PATHS[1], false),
    spec(APPS, "StatefulSet", AFFINITY_PATHS[2], false),
    spec(APPS, "StatefulSet", AFFINITY_PATHS[3], false),
    spec(APPS, "StatefulSet", AFFINITY_PATHS[4], false),
    spec(BATCH, "Job", "spec/selector/matchLabels", false),
    spec(BATCH, "CronJob", "spec/jobTemplate/spec/selector/matchLabels", false),
    spec(
        Some("policy"),
        "PodDisruptionBudget",
        "spec/selector/matchLabels",
        false,
    ),
    spec(NETWORKING, "NetworkPolicy", "spec/podSelector/matchLabels", false),
    spec(
        NETWORKING,
        "NetworkPolicy",
        "spec/ingress/from/podSelector/matchLabels",
        false,
    ),
    spec(
        NETWORKING,
        "NetworkPolicy",
        "spec/egress/to/podSelector/matchLabels",
        false,
    ),
];

/// `commonAnnotations`: every object and its pod templates.
pub(super) const ANNOTATIONS: &[Spec] = &[
    Spec {
        group: None,
        version: None,
        kind: None,
        path: "metadata/annotations",
        create: true,
    },
    core_v1("ReplicationController", "spec/template/metadata/annotations"),
    spec(ANY, "Deployment", "spec/template/metadata/annotations", true),
    spec(ANY, "ReplicaSet", "spec/template/metadata/annotations", true),
    spec(ANY, "DaemonSet", "spec/template/metadata/annotations", true),
    spec(ANY, "StatefulSet", "spec/template/metadata/annotations", true),
    spec(BATCH, "Job", "spec/template/metadata/annotations", true),
    spec(BATCH, "CronJob", "spec/jobTemplate/metadata/annotations", true),
    spec(
        BATCH,
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

impl Spec {
    fn selects(&self, obj: &Object) -> bool {
        let api = obj.api_version();
        let version = api.rsplit_once('/').map_or(api, |(_, v)| v);
        self.kind.is_none_or(|k| k == obj.kind())
            && self.group.is_none_or(|g| g == group_of(api))
            && self.version.is_none_or(|v| v == version)
    }
}

/// Specs with their paths parsed, to use on many objects.
pub(super) type Parsed<'a> = Vec<(&'a Spec, Vec<Seg>)>;

pub(super) fn parsed(specs: &[Spec]) -> Parsed<'_> {
    specs.iter().map(|s| (s, segments(s.path))).collect()
}

/// Writes `pairs` into the maps every spec of `specs` finds (or creates) in `obj`.
pub(super) fn set_pairs(obj: &mut Object, specs: &Parsed<'_>, pairs: &Map<String, Value>) {
    for (s, segs) in specs {
        if !s.selects(obj) {
            continue;
        }
        visit_mut(&mut obj.value, segs, s.create, &mut |site| {
            let slot = site
                .parent
                .entry(site.key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if s.create && !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(map) = slot {
                for (k, v) in pairs {
                    map.insert(k.clone(), v.clone());
                }
            }
        });
    }
}
