use serde_json::json;

use super::testing::{assert_same, find, load};
use super::*;
use crate::overlay::transform::affix;

fn entry<'a>(table: &'a [NameReference], kind: &str) -> &'a NameReference {
    table.iter().find(|e| e.kind == kind).unwrap()
}

fn has(e: &NameReference, kind: &str, path: &str) -> bool {
    e.field_specs
        .iter()
        .any(|f| f.kind.as_deref() == Some(kind) && f.path == path)
}

#[test]
fn builtin_table_has_every_pod_spec_field_for_every_workload() {
    let table = builtin();
    let cm = entry(&table, "ConfigMap");
    assert_eq!(cm.group.as_deref(), Some(""));
    // 6 pod-spec fields in 9 kinds, plus Node, Role, ClusterRole and one annotation.
    assert_eq!(cm.field_specs.len(), 6 * 9 + 4);
    assert!(has(cm, "Pod", "spec/volumes/configMap/name"));
    assert!(has(
        cm,
        "PodTemplate",
        "template/spec/containers/envFrom/configMapRef/name"
    ));
    assert!(has(
        cm,
        "CronJob",
        "spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name"
    ));
    let secret = entry(&table, "Secret");
    for kind in [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "ReplicaSet",
        "ReplicationController",
    ] {
        assert!(has(secret, kind, "spec/template/spec/imagePullSecrets/name"), "{kind}");
        assert!(has(
            secret,
            kind,
            "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name"
        ));
    }
    assert!(has(secret, "Ingress", "spec/tls/secretName"));
    assert!(has(secret, "ServiceAccount", "imagePullSecrets/name"));
    let sa = entry(&table, "ServiceAccount");
    assert!(has(sa, "RoleBinding", "subjects") && has(sa, "ClusterRoleBinding", "subjects"));
    assert!(has(sa, "ReplicaSet", "spec/template/spec/serviceAccountName"));
    assert!(has(
        entry(&table, "PersistentVolumeClaim"),
        "Job",
        "spec/template/spec/volumes/persistentVolumeClaim/claimName"
    ));
    assert!(has(entry(&table, "Service"), "StatefulSet", "spec/serviceName"));
    assert!(has(
        entry(&table, "Service"),
        "Ingress",
        "spec/defaultBackend/service/name"
    ));
    assert!(has(entry(&table, "Role"), "RoleBinding", "roleRef/name"));
    assert!(has(
        entry(&table, "Deployment"),
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name"
    ));
    assert!(has(
        entry(&table, "StorageClass"),
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName"
    ));
    assert!(has(
        entry(&table, "PriorityClass"),
        "Deployment",
        "spec/template/spec/priorityClassName"
    ));
    // Fields whose targets the cluster usually provides are not checked for dangling names.
    assert!(entry(&table, "ClusterRole").field_specs.iter().all(|f| f.unchecked));
    assert!(
        cm.field_specs
            .iter()
            .filter(|f| f.unchecked)
            .all(|f| f.path.ends_with("resourceNames") || f.kind.as_deref() == Some("Node"))
    );
}

fn prefixed(case: &str, prefix: &str, suffix: &str) -> Vec<Object> {
    let mut objects = load(case, "resources.yaml");
    let renames = affix(&mut objects, prefix, suffix, Threads::ONE);
    apply(&mut objects, &renames, &builtin());
    objects
}

/// Every family of the table at once: pod volumes (configMap, secret, projected, PVC),
/// env and envFrom, imagePullSecrets, serviceAccountName, priorityClassName, RBAC roleRef,
/// subjects and resourceNames, HPA, Ingress, StatefulSet serviceName and claim templates,
/// PVC storage classes; CRDs, APIServices and Namespaces keep their names.
#[test]
fn prefix_and_suffix_rewrite_references_as_kustomize_does() {
    let objects = prefixed("prefix-suffix", "p-", "-s");
    assert_same(&objects, &load("prefix-suffix", "expected.yaml"));
}

/// References from a namespaced object mean objects of its namespace; berth also reads
/// the `kind` written beside a name, where Kustomize renames a `User` subject named like
/// a ServiceAccount and an HPA aimed at a StatefulSet named like a renamed Deployment.
#[test]
fn references_respect_namespaces_and_kinds() {
    let objects = prefixed("refs-scoped", "p-", "");
    let mut expected = load("refs-scoped", "expected.yaml");
    *find(&mut expected, "RoleBinding/p-rb")
        .pointer_mut("/subjects/0/name")
        .unwrap() = json!("sa");
    *find(&mut expected, "HorizontalPodAutoscaler/p-hpa")
        .pointer_mut("/spec/scaleTargetRef/name")
        .unwrap() = json!("web");
    assert_same(&objects, &expected);
}

/// Ingress annotations, ServiceAccount pull secrets, StorageClass parameters, PV and PVC
/// fields, RBAC resourceNames, APIService and webhook services. Differences from
/// kustomize v5.5: berth rewrites `ingressClassName` (Kustomize's row has a wrong group)
/// and HTTPRoute `backendRefs` (later Kustomize versions do too), and an APIService that
/// names its Service's namespace only follows a Service of that namespace.
#[test]
fn other_reference_fields_follow_kustomize() {
    let objects = prefixed("refs-fields", "p-", "");
    let mut expected = load("refs-fields", "expected.yaml");
    *find(&mut expected, "Ingress/p-ing")
        .pointer_mut("/spec/ingressClassName")
        .unwrap() = json!("p-nginx");
    *find(&mut expected, "HTTPRoute/p-route")
        .pointer_mut("/spec/rules/0/backendRefs/0/name")
        .unwrap() = json!("p-svc");
    *find(&mut expected, "APIService/v1.x.example.com")
        .pointer_mut("/spec/service/name")
        .unwrap() = json!("svc");
    assert_same(&objects, &expected);
}

fn obj(v: Value) -> Object {
    Object::new(v, None)
}

fn rename(kind: &str, ns: &str, old: &str, new: &str) -> Rename {
    Rename {
        group: String::new(),
        kind: kind.into(),
        namespace: ns.into(),
        old: old.into(),
        new: new.into(),
    }
}

#[test]
fn rbac_resource_names_follow_only_the_kinds_their_rule_covers() {
    let mut objects = vec![
        obj(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x-1"}})),
        obj(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
            "rules": [{"resources": ["secrets"], "resourceNames": ["x"]},
                      {"resources": ["configmaps"], "resourceNames": ["x", "y"]},
                      {"resources": ["*"], "resourceNames": ["x"]}]}),
        ),
    ];
    apply(&mut objects, &[rename("ConfigMap", "", "x", "x-1")], &builtin());
    assert_eq!(
        objects[1].value["rules"],
        json!([{"resources": ["secrets"], "resourceNames": ["x"]},
               {"resources": ["configmaps"], "resourceNames": ["x-1", "y"]},
               {"resources": ["*"], "resourceNames": ["x-1"]}])
    );
}

#[test]
fn ambiguous_references_are_left_alone() {
    // Two ConfigMaps `cfg` in two namespaces got different hashes; a cluster-scoped
    // ClusterRole cannot say which one it means.
    let mut objects = vec![
        obj(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg-aaa", "namespace": "a"}})),
        obj(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg-bbb", "namespace": "b"}})),
        obj(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"},
            "rules": [{"resources": ["configmaps"], "resourceNames": ["cfg"]}]}),
        ),
        obj(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "b"},
            "spec": {"volumes": [{"name": "v", "configMap": {"name": "cfg"}}]}}),
        ),
    ];
    let renames = [
        rename("ConfigMap", "a", "cfg", "cfg-aaa"),
        rename("ConfigMap", "b", "cfg", "cfg-bbb"),
    ];
    apply(&mut objects, &renames, &builtin());
    assert_eq!(objects[2].value["rules"][0]["resourceNames"], json!(["cfg"]));
    assert_eq!(
        objects[3].value["spec"]["volumes"][0]["configMap"]["name"],
        json!("cfg-bbb")
    );
}

fn widget_refs() -> NameReference {
    NameReference {
        group: Some(String::new()),
        version: None,
        kind: "Service".into(),
        field_specs: vec![FieldSpec {
            group: Some("example.com".into()),
            version: None,
            kind: Some("Widget".into()),
            path: "spec/backends/service".into(),
            unchecked: false,
        }],
    }
}

/// Where Kustomize needs a `configurations` file, an overlay's `nameReferences` row makes
/// custom resources follow renames (here a list of maps with their own namespace).
#[test]
fn project_rows_rewrite_custom_resources() {
    let mut objects = vec![
        obj(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "p-api", "namespace": "shop"}})),
        obj(
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "shop"},
            "spec": {"backends": [{"service": {"name": "api"}}, {"service": {"name": "api", "namespace": "other"}}]}}),
        ),
    ];
    let mut table = builtin();
    table.push(widget_refs());
    apply(&mut objects, &[rename("Service", "shop", "api", "p-api")], &table);
    assert_eq!(
        objects[1].value["spec"]["backends"],
        json!([{"service": {"name": "p-api", "namespace": "shop"}}, {"service": {"name": "api", "namespace": "other"}}])
    );
}

fn dangling_messages(objects: &[Object], table: &[NameReference], external: &[&str]) -> Vec<String> {
    let mut warnings = Warnings::default();
    let external: Vec<String> = external.iter().map(|s| s.to_string()).collect();
    dangling(objects, table, &external, Threads::ONE, &mut warnings);
    warnings
        .into_sorted()
        .into_iter()
        .inspect(|w| assert_eq!(w.code, "dangling-reference"))
        .map(|w| w.message)
        .collect()
}

#[test]
fn dangling_references_are_reported_with_referrer_field_and_name() {
    let objects = vec![
        obj(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "a"}})),
        obj(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "db", "namespace": "a"}})),
        obj(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
            "spec": {"template": {"spec": {
                "serviceAccountName": "default",
                "priorityClassName": "system-cluster-critical",
                "imagePullSecrets": [{"name": "regcred"}],
                "containers": [{"name": "c",
                    "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}},
                            {"name": "B", "valueFrom": {"secretKeyRef": {"name": "maybe", "key": "b", "optional": true}}}],
                    "envFrom": [{"configMapRef": {"name": "missing"}}]}],
                "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}}}}),
        ),
        obj(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other", "namespace": "b"},
            "spec": {"serviceAccountName": "robot", "volumes": [{"name": "c", "configMap": {"name": "cfg"}}]}}),
        ),
        obj(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb", "namespace": "a"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}, {"kind": "User", "name": "alice"}]}),
        ),
        obj(
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h", "namespace": "a"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db"}}}),
        ),
        obj(
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "a"},
            "spec": {"backends": [{"service": {"name": "api"}}]}}),
        ),
    ];
    let mut table = builtin();
    table.push(widget_refs());
    let messages = dangling_messages(&objects, &table, &["Secret/regcred", "PersistentVolumeClaim/a/data"]);
    assert_eq!(
        messages,
        [
            "Deployment/a/web refers to ConfigMap `missing` at `spec.template.spec.containers[0].envFrom[0].configMapRef.name`, which is neither rendered nor declared external",
            "HorizontalPodAutoscaler/a/h refers to StatefulSet `db` at `spec.scaleTargetRef.name`, which is neither rendered nor declared external",
            "Pod/b/other refers to ConfigMap `cfg` at `spec.volumes[0].configMap.name`, which is neither rendered nor declared external",
            "Pod/b/other refers to ServiceAccount `robot` at `spec.serviceAccountName`, which is neither rendered nor declared external",
            "RoleBinding/a/rb refers to ServiceAccount `ci` at `subjects[0]`, which is neither rendered nor declared external",
            "Widget/a/w refers to Service `api` at `spec.backends[0].service`, which is neither rendered nor declared external",
        ]
    );
}

#[test]
fn dangling_help_names_the_external_declaration() {
    let objects = vec![obj(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"},
        "spec": {"volumes": [{"name": "c", "secret": {"secretName": "tls"}}]}}),
    )];
    let mut warnings = Warnings::default();
    dangling(&objects, &builtin(), &[], Threads::ONE, &mut warnings);
    let w = warnings.into_sorted();
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].help.as_deref(),
        Some(
            "render a Secret named `tls`, correct the name, or declare `Secret/a/tls` external if it is created outside this render"
        )
    );
    let mut warnings = Warnings::default();
    dangling(
        &objects,
        &builtin(),
        &["Secret/tls".into()],
        Threads::ONE,
        &mut warnings,
    );
    assert!(warnings.is_empty());
}

#[test]
fn dangling_references_of_a_whole_render() {
    let objects = load("prefix-suffix", "expected.yaml");
    let mut table = builtin();
    // The fixture's APIService and webhook point at Services of other namespaces and one
    // subject at a ServiceAccount of another namespace; its Deployment's missing Secret
    // is optional, and its `ingressClassName` names a cluster-provided class.
    let messages = dangling_messages(&objects, &table, &[]);
    assert_eq!(
        messages,
        [
            "APIService/v1.metrics.example.com refers to Service `metrics` at `spec.service.name`, which is neither rendered nor declared external",
            "RoleBinding/p-rb-s refers to ServiceAccount `unknown` at `subjects[3]`, which is neither rendered nor declared external",
            "ValidatingWebhookConfiguration/p-vwh-s refers to Service `web` at `webhooks[0].clientConfig.service`, which is neither rendered nor declared external",
        ]
    );
    table.retain(|e| e.kind != "Service");
    let external = ["ServiceAccount/elsewhere/unknown"];
    assert!(dangling_messages(&objects, &table, &external).is_empty());
}
