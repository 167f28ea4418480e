//! Metadata: namespaces with Pod Security labels, and the recommended labels.

use serde_json::Value;

use super::super::rules::Severity;
use super::{Facts, Sink, Subject};
use crate::validate::ident;

/// Built-in kinds that live outside namespaces.
pub const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "ResourceSlice",
    "RuntimeClass",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
];

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";

/// SEC-NAMESPACE: not in `default`, and Namespaces labelled for Pod Security.
pub fn namespace(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let o = s.object;
    if o.kind() == "Namespace" {
        namespace_labels(s, sink);
        return;
    }
    if CLUSTER_SCOPED.contains(&o.kind()) || facts.cluster_scoped(o.kind()) || o.kind().ends_with("List") {
        return;
    }
    match ident::at(&o.value, "/metadata/namespace").and_then(Value::as_str) {
        Some("default") => sink.push(
            "/metadata/namespace",
            "is default: a shared namespace where nothing enforces Pod Security; use one of its own",
        ),
        None | Some("") => sink.push_as(
            Severity::Info,
            "/metadata",
            "sets no namespace: it lands in whatever namespace kubectl is pointed at, often default",
        ),
        Some(_) => {}
    }
}

fn namespace_labels(s: &Subject, sink: &mut Sink) {
    let labels = ident::at(&s.object.value, "/metadata/labels").and_then(Value::as_object);
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    if label(ENFORCE).is_none() {
        sink.push(
            "/metadata/labels",
            format!("has no {ENFORCE} label: the cluster's default Pod Security level applies"),
        );
    }
    match label(ENFORCE_VERSION) {
        None => sink.push(
            "/metadata/labels",
            format!("has no {ENFORCE_VERSION} label: pin the Pod Security rules to your target version"),
        ),
        Some("latest") => sink.push(
            format!("/metadata/labels/{}", crate::yaml::pointer_segment(ENFORCE_VERSION)),
            "is latest: a cluster upgrade may start rejecting pods; pin the version (v1.35)",
        ),
        Some(_) => {}
    }
}

/// The labels of <https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/>.
const RECOMMENDED: &[&str] = &[
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
];

/// META-LABELS: workloads carry the recommended labels.
pub fn labels(_: &Facts, s: &Subject, sink: &mut Sink) {
    if s.pod.is_none() {
        return;
    }
    let labels = ident::at(&s.object.value, "/metadata/labels").and_then(Value::as_object);
    let missing: Vec<&str> = RECOMMENDED
        .iter()
        .copied()
        .filter(|k| labels.is_none_or(|l| !l.contains_key(*k)))
        .collect();
    if !missing.is_empty() {
        sink.push(
            "/metadata/labels",
            format!("lacks the recommended label(s) {}", missing.join(", ")),
        );
    }
}
