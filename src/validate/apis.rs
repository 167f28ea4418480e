//! API versions Kubernetes removed, with their replacements, so an old manifest gets a
//! message that says what to write instead of "no schema".

/// (apiVersion, kinds, removed in minor version, replacement apiVersion or `""` when the
/// kind itself is gone).
const REMOVED: &[(&str, &[&str], u32, &str)] = &[
    (
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        16,
        "apps/v1",
    ),
    ("extensions/v1beta1", &["NetworkPolicy"], 16, "networking.k8s.io/v1"),
    ("extensions/v1beta1", &["PodSecurityPolicy"], 16, ""),
    ("extensions/v1beta1", &["Ingress"], 22, "networking.k8s.io/v1"),
    (
        "apps/v1beta1",
        &["Deployment", "StatefulSet", "ReplicaSet", "ControllerRevision"],
        16,
        "apps/v1",
    ),
    (
        "apps/v1beta2",
        &[
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ControllerRevision",
        ],
        16,
        "apps/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        22,
        "networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        22,
        "apiextensions.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
        22,
        "admissionregistration.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        22,
        "apiregistration.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        22,
        "certificates.k8s.io/v1",
    ),
    ("coordination.k8s.io/v1beta1", &["Lease"], 22, "coordination.k8s.io/v1"),
    (
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        22,
        "scheduling.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1alpha1",
        &["PriorityClass"],
        17,
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        22,
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        27,
        "storage.k8s.io/v1",
    ),
    ("batch/v1beta1", &["CronJob"], 25, "batch/v1"),
    ("batch/v2alpha1", &["CronJob"], 21, "batch/v1"),
    (
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        25,
        "discovery.k8s.io/v1",
    ),
    ("events.k8s.io/v1beta1", &["Event"], 25, "events.k8s.io/v1"),
    (
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        25,
        "autoscaling/v2",
    ),
    (
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        26,
        "autoscaling/v2",
    ),
    ("policy/v1beta1", &["PodDisruptionBudget"], 25, "policy/v1"),
    ("policy/v1beta1", &["PodSecurityPolicy"], 25, ""),
    ("node.k8s.io/v1beta1", &["RuntimeClass"], 25, "node.k8s.io/v1"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        &["FlowSchema", "PriorityLevelConfiguration"],
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        &["FlowSchema", "PriorityLevelConfiguration"],
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        &["FlowSchema", "PriorityLevelConfiguration"],
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// Why `apiVersion`/`kind` is not served by Kubernetes 1.`minor`, if it was removed.
pub fn removed(api_version: &str, kind: &str, minor: u32) -> Option<String> {
    let (_, _, since, replacement) = REMOVED
        .iter()
        .find(|(av, kinds, since, _)| *av == api_version && kinds.contains(&kind) && minor >= *since)?;
    Some(if replacement.is_empty() {
        format!(
            "{api_version} {kind} was removed in Kubernetes 1.{since}, with no replacement (Pod Security Admission replaces PodSecurityPolicy)"
        )
    } else {
        format!("{api_version} {kind} was removed in Kubernetes 1.{since}; use apiVersion: {replacement}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_apis_name_their_replacement() {
        let m = removed("extensions/v1beta1", "Deployment", 35).unwrap();
        assert!(m.contains("apps/v1") && m.contains("1.16"), "{m}");
        assert!(
            removed("policy/v1beta1", "PodSecurityPolicy", 35)
                .unwrap()
                .contains("no replacement")
        );
        assert!(removed("apps/v1", "Deployment", 35).is_none());
        assert!(removed("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", 31).is_none());
    }
}
