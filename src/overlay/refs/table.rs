//! The built-in name-reference table as data: Kustomize's `namereference.go`
//! (kustomize v5.5), with the pod-spec fields written once and expanded for every
//! workload kind. Where berth goes further than Kustomize it says so beside the row.

/// Where a pod spec sits in each kind that carries one.
///
/// Kustomize lists ConfigMap and Secret fields for all of these but ReplicationController,
/// and ServiceAccount, PVC and PriorityClass fields for all but ReplicaSet and PodTemplate;
/// berth treats every pod spec the same.
pub(super) const POD_SPECS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("PodTemplate", "template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// A field that names the row's target.
pub(super) enum In {
    /// A path inside every pod spec.
    PodSpec(&'static str, Check),
    /// A path in objects of one kind (of one group, when given).
    Kind {
        group: Option<&'static str>,
        kind: &'static str,
        path: &'static str,
        check: Check,
    },
}

/// Whether a name in this field that matches nothing rendered is worth a warning.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    Dangling,
    /// The cluster usually provides the target (system ClusterRoles, StorageClasses,
    /// PriorityClasses), or the field lists names rather than referring (RBAC
    /// `resourceNames`), or the target lives in another namespace by design.
    Never,
}

use Check::{Dangling, Never};

const fn pod(path: &'static str) -> In {
    In::PodSpec(path, Dangling)
}

const fn at(group: Option<&'static str>, kind: &'static str, path: &'static str) -> In {
    In::Kind {
        group,
        kind,
        path,
        check: Dangling,
    }
}

const fn listed(group: Option<&'static str>, kind: &'static str, path: &'static str) -> In {
    In::Kind {
        group,
        kind,
        path,
        check: Never,
    }
}

const RBAC: Option<&str> = Some("rbac.authorization.k8s.io");
const ADMISSION: Option<&str> = Some("admissionregistration.k8s.io");
const ANY: Option<&str> = None;

/// One referenced kind and every field that names it.
pub(super) struct Row {
    pub group: &'static str,
    pub kind: &'static str,
    pub fields: &'static [In],
}

pub(super) const ROWS: &[Row] = &[
    Row {
        group: "",
        kind: "ConfigMap",
        fields: &[
            pod("volumes/configMap/name"),
            pod("volumes/projected/sources/configMap/name"),
            pod("containers/env/valueFrom/configMapKeyRef/name"),
            pod("initContainers/env/valueFrom/configMapKeyRef/name"),
            pod("containers/envFrom/configMapRef/name"),
            pod("initContainers/envFrom/configMapRef/name"),
            listed(ANY, "Node", "spec/configSource/configMap"),
            listed(ANY, "Role", "rules/resourceNames"),
            listed(ANY, "ClusterRole", "rules/resourceNames"),
            at(
                ANY,
                "Ingress",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
            ),
        ],
    },
    Row {
        group: "",
        kind: "Secret",
        fields: &[
            pod("volumes/secret/secretName"),
            pod("volumes/projected/sources/secret/name"),
            pod("containers/env/valueFrom/secretKeyRef/name"),
            pod("initContainers/env/valueFrom/secretKeyRef/name"),
            pod("containers/envFrom/secretRef/name"),
            pod("initContainers/envFrom/secretRef/name"),
            pod("imagePullSecrets/name"),
            at(ANY, "Ingress", "spec/tls/secretName"),
            at(
                ANY,
                "Ingress",
                "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
            ),
            at(
                ANY,
                "Ingress",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
            ),
            at(
                ANY,
                "Ingress",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
            ),
            at(ANY, "ServiceAccount", "imagePullSecrets/name"),
            listed(ANY, "StorageClass", "parameters/secretName"),
            listed(ANY, "StorageClass", "parameters/adminSecretName"),
            listed(ANY, "StorageClass", "parameters/userSecretName"),
            listed(ANY, "StorageClass", "parameters/secretRef"),
            listed(ANY, "Role", "rules/resourceNames"),
            listed(ANY, "ClusterRole", "rules/resourceNames"),
            at(
                Some("serving.knative.dev"),
                "Service",
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            listed(ANY, "PersistentVolume", "spec/azureFile/secretName"),
        ],
    },
    Row {
        group: "",
        kind: "Service",
        fields: &[
            at(Some("apps"), "StatefulSet", "spec/serviceName"),
            at(ANY, "Ingress", "spec/rules/http/paths/backend/serviceName"),
            at(ANY, "Ingress", "spec/backend/serviceName"),
            at(ANY, "Ingress", "spec/rules/http/paths/backend/service/name"),
            at(ANY, "Ingress", "spec/defaultBackend/service/name"),
            at(Some("apiregistration.k8s.io"), "APIService", "spec/service/name"),
            at(
                ADMISSION,
                "ValidatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
            at(
                ADMISSION,
                "MutatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
            // Not in kustomize v5.5 (later versions have it).
            at(
                Some("gateway.networking.k8s.io"),
                "HTTPRoute",
                "spec/rules/backendRefs/name",
            ),
        ],
    },
    Row {
        group: "rbac.authorization.k8s.io",
        kind: "Role",
        fields: &[at(RBAC, "RoleBinding", "roleRef/name")],
    },
    Row {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        fields: &[
            listed(RBAC, "RoleBinding", "roleRef/name"),
            listed(RBAC, "ClusterRoleBinding", "roleRef/name"),
        ],
    },
    Row {
        group: "",
        kind: "ServiceAccount",
        fields: &[
            at(RBAC, "RoleBinding", "subjects"),
            at(RBAC, "ClusterRoleBinding", "subjects"),
            pod("serviceAccountName"),
        ],
    },
    Row {
        group: "",
        kind: "PersistentVolumeClaim",
        fields: &[pod("volumes/persistentVolumeClaim/claimName")],
    },
    Row {
        group: "",
        kind: "PersistentVolume",
        fields: &[
            listed(ANY, "PersistentVolumeClaim", "spec/volumeName"),
            listed(ANY, "ClusterRole", "rules/resourceNames"),
        ],
    },
    Row {
        group: "storage.k8s.io",
        kind: "StorageClass",
        fields: &[
            listed(ANY, "PersistentVolume", "spec/storageClassName"),
            listed(ANY, "PersistentVolumeClaim", "spec/storageClassName"),
            listed(ANY, "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName"),
        ],
    },
    Row {
        group: "scheduling.k8s.io",
        kind: "PriorityClass",
        fields: &[In::PodSpec("priorityClassName", Never)],
    },
    Row {
        // Kustomize v5.5 writes this row's group as `networking.k8s.io/v1`, so it never
        // matches and `ingressClassName` is never rewritten there.
        group: "networking.k8s.io",
        kind: "IngressClass",
        fields: &[listed(ANY, "Ingress", "spec/ingressClassName")],
    },
    Row {
        group: "apps",
        kind: "Deployment",
        fields: &[at(ANY, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name")],
    },
    Row {
        group: "apps",
        kind: "ReplicaSet",
        fields: &[at(ANY, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name")],
    },
    Row {
        group: "apps",
        kind: "StatefulSet",
        fields: &[at(ANY, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name")],
    },
    Row {
        group: "",
        kind: "ReplicationController",
        fields: &[at(ANY, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name")],
    },
];
