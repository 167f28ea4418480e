//! Which objects run pods, and where their pod template lives.

use serde_json::Value;

use crate::manifest::Object;

/// A kind that runs pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Pod,
}

/// Kind name, API group/version it must carry (so a custom resource that happens to be
/// called `Deployment` is left alone), and the kind.
const KINDS: &[(&str, &str, Kind)] = &[
    ("Deployment", "apps/v1", Kind::Deployment),
    ("StatefulSet", "apps/v1", Kind::StatefulSet),
    ("DaemonSet", "apps/v1", Kind::DaemonSet),
    ("ReplicaSet", "apps/v1", Kind::ReplicaSet),
    ("Job", "batch/v1", Kind::Job),
    ("CronJob", "batch/v1", Kind::CronJob),
    ("Pod", "v1", Kind::Pod),
];

impl Kind {
    pub(crate) fn of(object: &Object) -> Option<Kind> {
        KINDS
            .iter()
            .find(|(kind, api, _)| object.kind() == *kind && object.api_version() == *api)
            .map(|(_, _, k)| *k)
    }

    /// JSON pointer of the pod template (`""` for a bare Pod, which is its own template).
    pub(crate) fn template(self) -> &'static str {
        match self {
            Kind::Pod => "",
            Kind::CronJob => "/spec/jobTemplate/spec/template",
            _ => "/spec/template",
        }
    }

    /// Long-running, replicated workloads: the ones replicas, spreading and PDBs apply to.
    pub(crate) fn is_replicated(self) -> bool {
        matches!(self, Kind::Deployment | Kind::StatefulSet)
    }

    /// Kinds with `spec.revisionHistoryLimit`.
    pub(crate) fn keeps_revisions(self) -> bool {
        matches!(self, Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet)
    }
}

/// The labels of a pod template, or an empty map.
pub(crate) fn template_labels(object: &Object, kind: Kind) -> serde_json::Map<String, Value> {
    object
        .value
        .pointer(&format!("{}/metadata/labels", kind.template()))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recognises_workloads_by_kind_and_api_version() {
        let o = |api: &str, kind: &str| Object::new(json!({"apiVersion": api, "kind": kind}), None);
        assert_eq!(Kind::of(&o("apps/v1", "Deployment")), Some(Kind::Deployment));
        assert_eq!(Kind::of(&o("batch/v1", "CronJob")), Some(Kind::CronJob));
        assert_eq!(Kind::of(&o("example.com/v1", "Deployment")), None);
        assert_eq!(Kind::of(&o("v1", "Service")), None);
        assert_eq!(Kind::CronJob.template(), "/spec/jobTemplate/spec/template");
    }
}
