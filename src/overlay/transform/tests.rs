use serde_json::json;

use super::*;
use crate::overlay::refs::testing::{assert_same, find, load};

fn pairs(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// Namespaced objects (explicit namespaces too) move, cluster-scoped ones do not; the
/// Namespace object is renamed; binding subjects without a namespace, in `default`, or in
/// the old namespace of a ServiceAccount that moves follow; the APIService's and the CRD
/// conversion webhook's service namespaces are set.
#[test]
fn namespace_matches_kustomize() {
    let mut objects = load("namespace", "resources.yaml");
    namespace(&mut objects, "ns1", Threads::ONE);
    assert_same(&objects, &load("namespace", "expected.yaml"));
}

/// Two deliberate differences: a custom resource whose CRD says `scope: Cluster` gets no
/// namespace, and a local APIService (no `spec.service`) is not given a service.
#[test]
fn namespace_leaves_cluster_scoped_custom_resources_and_local_apiservices() {
    let mut objects = load("namespace-scopes", "resources.yaml");
    namespace(&mut objects, "ns1", Threads::ONE);
    let mut expected = load("namespace-scopes", "expected.yaml");
    find(&mut expected, "Bar/ns1/b")["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    find(&mut expected, "APIService/v1.local.example.com")["spec"]
        .as_object_mut()
        .unwrap()
        .remove("service");
    assert_same(&objects, &expected);
}

#[test]
fn affix_renames_all_but_crds_apiservices_and_namespaces() {
    let mut objects = load("prefix-suffix", "resources.yaml");
    let renames = affix(&mut objects, "p-", "-s", Threads::ONE);
    let kept: Vec<String> = objects
        .iter()
        .filter(|o| !o.name().starts_with("p-"))
        .map(Object::id)
        .collect();
    assert_eq!(
        kept,
        [
            "Namespace/orig-ns",
            "CustomResourceDefinition/widgets.example.com",
            "APIService/v1.metrics.example.com"
        ]
    );
    assert_eq!(renames.len(), objects.len() - 3);
    let sa2 = renames.iter().find(|r| r.old == "sa2").unwrap();
    assert_eq!(
        (
            sa2.group.as_str(),
            sa2.kind.as_str(),
            sa2.namespace.as_str(),
            sa2.new.as_str()
        ),
        ("", "ServiceAccount", "explicit", "p-sa2-s")
    );
    let deploy = renames.iter().find(|r| r.kind == "Deployment").unwrap();
    assert_eq!(deploy.group, "apps");
    assert!(affix(&mut objects, "", "", Threads::ONE).is_empty());
}

fn labelled(case: &str, entries: &[Labels]) -> Vec<Object> {
    let mut objects = load(case, "resources.yaml");
    for l in entries {
        labels(&mut objects, l, Threads::ONE);
    }
    objects
}

/// Selectors of Services, workloads (and their affinity and spread constraints), Jobs
/// and CronJobs that have them, PDBs and NetworkPolicies; pod and claim templates.
#[test]
fn labels_with_selectors_match_kustomize() {
    let l = Labels {
        pairs: pairs(json!({"sel": "yes"})),
        include_selectors: true,
        include_templates: false,
    };
    let objects = labelled("labels-selectors", &[l]);
    assert_same(&objects, &load("labels-selectors", "expected.yaml"));
}

#[test]
fn labels_with_templates_match_kustomize() {
    let l = Labels {
        pairs: pairs(json!({"tpl": "yes"})),
        include_selectors: false,
        include_templates: true,
    };
    let objects = labelled("labels-templates", &[l]);
    assert_same(&objects, &load("labels-templates", "expected.yaml"));
}

#[test]
fn plain_labels_match_kustomize() {
    let l = Labels {
        pairs: pairs(json!({"plain": "yes"})),
        ..Labels::default()
    };
    let objects = labelled("labels-plain", &[l]);
    assert_same(&objects, &load("labels-plain", "expected.yaml"));
}

#[test]
fn annotations_match_kustomize() {
    let mut objects = load("annotations", "resources.yaml");
    annotations(&mut objects, &pairs(json!({"ann": "yes"})), Threads::ONE);
    assert_same(&objects, &load("annotations", "expected.yaml"));
}

/// Selectors are created where Kustomize creates them (Deployment, ReplicationController,
/// even an ExternalName Service) and only extended where it does not (Job); custom
/// resources get metadata labels only.
#[test]
fn labels_and_annotations_on_workload_shapes_match_kustomize() {
    let mut objects = labelled(
        "labels-workloads",
        &[
            Labels {
                pairs: pairs(json!({"sel": "yes"})),
                include_selectors: true,
                include_templates: false,
            },
            Labels {
                pairs: pairs(json!({"tpl": "yes"})),
                include_selectors: false,
                include_templates: true,
            },
        ],
    );
    annotations(&mut objects, &pairs(json!({"ann": "yes"})), Threads::ONE);
    assert_same(&objects, &load("labels-workloads", "expected.yaml"));
}

#[test]
fn label_values_are_strings() {
    let mut objects = vec![Object::new(
        json!({"kind": "ConfigMap", "metadata": {"name": "c", "labels": null}}),
        None,
    )];
    let l = Labels {
        pairs: pairs(json!({"n": 1, "b": true, "s": "x", "z": null})),
        ..Labels::default()
    };
    labels(&mut objects, &l, Threads::ONE);
    assert_eq!(
        objects[0].value["metadata"]["labels"],
        json!({"n": "1", "b": "true", "s": "x", "z": ""})
    );
}

/// Every `containers`/`initContainers` list anywhere (custom resources too, CRDs not),
/// matched by name without tag or digest, rules applied in order. One deliberate
/// difference: image volumes are rewritten too (as later Kustomize versions do).
#[test]
fn images_match_kustomize() {
    let mut objects = load("images", "resources.yaml");
    let rule = |name: &str, new_name: Option<&str>, new_tag: Option<&str>, digest: Option<&str>| Image {
        name: name.into(),
        new_name: new_name.map(Into::into),
        new_tag: new_tag.map(Into::into),
        digest: digest.map(Into::into),
    };
    let rules = [
        rule("nginx", None, Some("2.0"), None),
        rule("registry:5000/app", Some("other.io/app"), None, None),
        rule("redis", None, None, Some("sha256:ddd")),
        rule("busybox", Some("bb"), Some("9"), Some("sha256:eee")),
        rule("postgres", Some("pg"), None, None),
        rule("unused", None, Some("x"), None),
    ];
    let unused = images(&mut objects, &rules, Threads::ONE);
    assert_eq!(unused, [5]);
    let mut expected = load("images", "expected.yaml");
    *find(&mut expected, "Pod/pod")
        .pointer_mut("/spec/volumes/0/image/reference")
        .unwrap() = json!("redis@sha256:ddd");
    assert_same(&objects, &expected);
}

#[test]
fn images_apply_rules_in_order() {
    let mut objects = vec![Object::new(
        json!({"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "a:1"}]}}),
        None,
    )];
    let rules = [
        Image {
            name: "a".into(),
            new_name: Some("b".into()),
            ..Image::default()
        },
        Image {
            name: "b".into(),
            new_tag: Some("2".into()),
            ..Image::default()
        },
    ];
    assert!(images(&mut objects, &rules, Threads::ONE).is_empty());
    assert_eq!(objects[0].value["spec"]["containers"][0]["image"], json!("b:2"));
}

#[test]
fn replicas_set_scalable_kinds_by_name() {
    let mut objects = vec![
        Object::new(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2}}),
            None,
        ),
        Object::new(
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}}),
            None,
        ),
        Object::new(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {}}),
            None,
        ),
        Object::new(
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"}, "spec": {}}),
            None,
        ),
    ];
    let rules = [
        Replicas {
            name: "web".into(),
            count: 5,
        },
        Replicas {
            name: "db".into(),
            count: 3,
        },
        Replicas {
            name: "agent".into(),
            count: 2,
        },
    ];
    assert_eq!(replicas(&mut objects, &rules, Threads::ONE), [2]);
    assert_eq!(objects[0].value["spec"]["replicas"], json!(5));
    assert_eq!(objects[1].value["spec"], json!({"replicas": 3}));
    assert_eq!(objects[2].value["spec"], json!({}));
    assert_eq!(objects[3].value["spec"], json!({}));
}
