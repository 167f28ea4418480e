use serde_json::{Value, json};

use super::*;

fn opts() -> Options {
    Options {
        kube_version: "1.35".into(),
        exact_namespaces: false,
    }
}

fn deployment(ns: &str, replicas: u32, containers: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": containers}}},
    })
}

fn paths(r: &Report) -> Vec<String> {
    r.objects
        .iter()
        .flat_map(|o| match o {
            ObjectChange::Changed(_, f) => f.iter().map(|f| f.path.clone()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn equal_renders_are_equal_whatever_the_key_order() {
    let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "x"}, "data": {"a": "1", "b": "2"}});
    let b = json!({"kind": "ConfigMap", "data": {"b": "2", "a": "1"}, "metadata": {"namespace": "x", "name": "c"}, "apiVersion": "v1"});
    let r = diff(&[a], &[b], &opts());
    assert!(r.is_equal());
    assert_eq!(r.unchanged, 1);
    assert_eq!(r.summary(), "0 objects changed, 0 added, 0 removed (1 unchanged)");
}

#[test]
fn a_scalar_change_is_one_field() {
    let c = json!([{"name": "web", "image": "nginx:1"}]);
    let r = diff(
        &[deployment("shop", 2, c.clone())],
        &[deployment("shop", 4, c)],
        &opts(),
    );
    assert_eq!(
        r.to_text(),
        "~ Deployment/shop/web\n  spec.replicas: 2 -> 4\n1 object changed, 0 added, 0 removed (0 unchanged)\n"
    );
}

#[test]
fn containers_match_by_name_so_a_permutation_is_equal() {
    let a = json!([{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]);
    let b = json!([{"name": "b", "image": "y"}, {"name": "a", "image": "x"}]);
    let r = diff(&[deployment("n", 1, a)], &[deployment("n", 1, b)], &opts());
    assert!(r.is_equal(), "{}", r.to_text());
}

#[test]
fn a_changed_container_is_named_by_its_merge_key() {
    let a = json!([{"name": "a", "image": "x", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]);
    let b = json!([{"name": "a", "image": "x2", "env": [{"name": "B", "value": "2"}, {"name": "C", "value": "3"}]}]);
    let r = diff(&[deployment("n", 1, a)], &[deployment("n", 1, b)], &opts());
    assert_eq!(
        paths(&r),
        [
            "spec.template.spec.containers[name=a].image",
            "spec.template.spec.containers[name=a].env[name=A]",
            "spec.template.spec.containers[name=a].env[name=C]",
        ]
    );
    let text = r.to_text();
    assert!(
        text.contains("  spec.template.spec.containers[name=a].image: \"x\" -> \"x2\"\n"),
        "{text}"
    );
    assert!(
        text.contains("  - spec.template.spec.containers[name=a].env[name=A]: {\"name\":\"A\",\"value\":\"1\"}\n"),
        "{text}"
    );
    assert!(
        text.contains("  + spec.template.spec.containers[name=a].env[name=C]: {\"name\":\"C\",\"value\":\"3\"}\n"),
        "{text}"
    );
}

#[test]
fn ports_key_by_port_and_protocol() {
    let svc = |ports: Value| json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dns", "namespace": "n"}, "spec": {"ports": ports}});
    let a = svc(json!([{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]));
    let b = svc(json!([{"port": 53, "protocol": "TCP"}, {"port": 53, "protocol": "UDP", "name": "u"}]));
    let r = diff(&[a], &[b], &opts());
    assert_eq!(paths(&r), ["spec.ports[port=53,protocol=UDP].name"]);
}

#[test]
fn args_are_ordered() {
    let a = json!([{"name": "a", "args": ["x", "y"]}]);
    let b = json!([{"name": "a", "args": ["y", "x"]}]);
    let r = diff(&[deployment("n", 1, a)], &[deployment("n", 1, b)], &opts());
    assert_eq!(
        paths(&r),
        [
            "spec.template.spec.containers[name=a].args[0]",
            "spec.template.spec.containers[name=a].args[1]"
        ]
    );
}

#[test]
fn a_merged_scalar_list_is_a_set() {
    let ns = |f: Value| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "finalizers": f}});
    let r = diff(&[ns(json!(["a", "b"]))], &[ns(json!(["b", "a"]))], &opts());
    assert!(r.is_equal(), "{}", r.to_text());
    let r = diff(&[ns(json!(["a", "b"]))], &[ns(json!(["a", "c"]))], &opts());
    assert_eq!(paths(&r), ["metadata.finalizers"]);
}

#[test]
fn odd_keys_are_quoted() {
    let cm = |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app.kubernetes.io/name": v}}});
    let r = diff(&[cm("a")], &[cm("b")], &opts());
    assert_eq!(paths(&r), ["metadata.labels[\"app.kubernetes.io/name\"]"]);
}

#[test]
fn secret_values_are_never_shown() {
    let secret = |data: Value| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "data": data, "type": "Opaque"});
    let a = secret(json!({"password": "c2VjcmV0", "gone": "eA=="}));
    let b = secret(json!({"password": "b3RoZXI=", "new": "eQ=="}));
    let r = diff(&[a], &[b], &opts());
    let text = r.to_text();
    assert_eq!(
        text,
        "~ Secret/n/s\n  data.password: <changed>\n  - data.gone: <redacted>\n  + data.new: <redacted>\n1 object changed, 0 added, 0 removed (0 unchanged)\n"
    );
    let json = r.to_json().to_string();
    for secret in ["c2VjcmV0", "b3RoZXI=", "eA==", "eQ=="] {
        assert!(!json.contains(secret), "{json}");
    }
    // A whole stringData added is redacted too.
    let c = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "stringData": {"k": "plain"}});
    let d = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}});
    let text = diff(&[d], &[c], &opts()).to_text();
    assert!(
        text.contains("  + stringData: <redacted>\n") && !text.contains("plain"),
        "{text}"
    );
}

#[test]
fn uniformly_renamed_namespaces_match_by_kind_and_name() {
    let ns = |n: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}});
    let c = json!([{"name": "web"}]);
    let left = [ns("shop-dev"), deployment("shop-dev", 1, c.clone())];
    let right = [ns("shop-prod"), deployment("shop-prod", 3, c)];
    let r = diff(&left, &right, &opts());
    assert_eq!(
        r.to_text(),
        "namespace shop-dev -> shop-prod: objects matched by kind and name\n~ Deployment/web\n  spec.replicas: 1 -> 3\n1 object changed, 0 added, 0 removed (1 unchanged)\n"
    );
    let exact = Options {
        exact_namespaces: true,
        ..opts()
    };
    let r = diff(&left, &right, &exact);
    assert_eq!(r.counts(), (0, 2, 2));
    assert!(r.to_text().contains("+ Deployment/shop-prod/web\n"));
}

#[test]
fn namespaces_that_are_not_uniform_match_as_written() {
    let c = json!([{"name": "web"}]);
    let mut other = deployment("b", 1, c.clone());
    other["metadata"]["name"] = json!("api");
    let left = [deployment("a", 1, c.clone()), other];
    let right = [deployment("c", 1, c)];
    let r = diff(&left, &right, &opts());
    assert_eq!(r.counts(), (0, 1, 2));
    assert!(r.namespaces.is_none());
}

#[test]
fn the_api_version_may_change_within_a_group() {
    let hpa = |v: &str| json!({"apiVersion": v, "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h", "namespace": "n"}});
    let r = diff(&[hpa("autoscaling/v1")], &[hpa("autoscaling/v2")], &opts());
    assert_eq!(paths(&r), ["apiVersion"]);
}

#[test]
fn added_and_removed_objects_and_json() {
    let cm = |n: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n, "namespace": "x"}});
    let r = diff(&[cm("a"), cm("b")], &[cm("b"), cm("c")], &opts());
    assert_eq!(
        r.to_text(),
        "- ConfigMap/x/a\n+ ConfigMap/x/c\n0 objects changed, 1 added, 1 removed (1 unchanged)\n"
    );
    assert_eq!(
        r.to_json(),
        json!({
            "equal": false,
            "namespaces": null,
            "objects": [
                {"change": "removed", "apiVersion": "v1", "kind": "ConfigMap", "namespace": "x", "name": "a"},
                {"change": "added", "apiVersion": "v1", "kind": "ConfigMap", "namespace": "x", "name": "c"},
            ],
            "summary": {"changed": 0, "added": 1, "removed": 1, "unchanged": 1},
        })
    );
}

#[test]
fn lists_of_different_lengths_compare_by_index() {
    let a = json!([{"name": "a", "command": ["x"]}]);
    let b = json!([{"name": "a", "command": ["x", "y"]}]);
    let r = diff(&[deployment("n", 1, a)], &[deployment("n", 1, b)], &opts());
    assert_eq!(
        r.objects,
        vec![ObjectChange::Changed(
            Id {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: "n".into(),
                name: "web".into()
            },
            vec![Field {
                path: "spec.template.spec.containers[name=a].command[1]".into(),
                change: FieldChange::Added(Shown::Value(json!("y"))),
            }]
        )]
    );
}

#[test]
fn duplicate_merge_keys_fall_back_to_index() {
    let a = json!([{"name": "a", "image": "1"}, {"name": "a", "image": "2"}]);
    let b = json!([{"name": "a", "image": "2"}, {"name": "a", "image": "1"}]);
    let r = diff(&[deployment("n", 1, a)], &[deployment("n", 1, b)], &opts());
    assert_eq!(
        paths(&r),
        [
            "spec.template.spec.containers[0].image",
            "spec.template.spec.containers[1].image"
        ]
    );
}
