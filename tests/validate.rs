//! Validation of whole objects: every kind berth emits resolves in every embedded
//! Kubernetes version, the reference hardened output passes, and the gaps that schema-only
//! validators miss are caught with the right rule id.

use std::sync::Arc;

use berth::error::{Error, Problem};
use berth::manifest::Object;
use berth::source::Origin;
use berth::validate::{self, KUBE_VERSIONS};
use berth::yaml::{self, Flavor};
use serde_json::{Value, json};

/// Every group-version-kind `berth render` emits.
const EMITTED: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "PersistentVolumeClaim"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
];

/// The documents of a fixture, each parsed on its own (so one bad document does not hide
/// the others), with the document's first line as origin.
fn fixture(name: &str) -> Vec<Result<Object, Error>> {
    let path = format!("{}/tests/fixtures/validate/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let file: Arc<str> = Arc::from(name);
    let mut docs = vec![(1, String::new())];
    for (i, line) in text.lines().enumerate() {
        if line == "---" {
            docs.push((i + 2, String::new()));
        } else if let Some((_, doc)) = docs.last_mut() {
            doc.push_str(line);
            doc.push('\n');
        }
    }
    docs.into_iter()
        .map(|(line, doc)| {
            let d = yaml::parse_one(&file, &doc, Flavor::Manifest)?;
            Ok(Object::new(d.value, Some(Origin::new(file.clone(), line, 1))))
        })
        .collect()
}

fn objects(name: &str) -> Vec<Object> {
    fixture(name).into_iter().filter_map(Result::ok).collect()
}

fn problems(objects: &[Object]) -> Vec<Problem> {
    validate::problems(objects, "1.35").unwrap()
}

fn rules_of<'a>(problems: &'a [Problem], id: &str) -> Vec<&'a str> {
    problems.iter().filter(|p| p.object == id).map(|p| p.rule).collect()
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "web",
                    "image": "nginx:1.27",
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "readinessProbe": {"httpGet": {"path": "/", "port": "http"}}
                }]}
            }
        }
    })
}

fn service() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    })
}

fn one(v: Value) -> Vec<Object> {
    vec![Object::new(v, None)]
}

#[test]
fn every_emitted_kind_resolves_in_every_version() {
    for version in KUBE_VERSIONS {
        for (api_version, kind) in EMITTED {
            assert!(
                validate::knows_kind(version, api_version, kind),
                "{api_version} {kind} in {version}"
            );
        }
    }
}

#[test]
fn the_reference_hardened_output_passes_in_every_version() {
    let objects = objects("hardened-web.yaml");
    assert_eq!(objects.len(), 8);
    for version in KUBE_VERSIONS {
        let r = validate::validate(&objects, version);
        assert!(r.is_ok(), "{version}: {r:?}");
    }
}

#[test]
fn one_object_of_every_emitted_kind_passes_in_every_version() {
    let objects = objects("all-kinds.yaml");
    let mut kinds: Vec<(&str, &str)> = objects.iter().map(|o| (o.api_version(), o.kind())).collect();
    kinds.sort();
    kinds.dedup();
    let mut emitted = EMITTED.to_vec();
    emitted.sort();
    assert_eq!(kinds, emitted);
    for version in KUBE_VERSIONS {
        assert_eq!(validate::problems(&objects, version).unwrap(), [], "{version}");
    }
}

/// A compose service often listens without declaring `ports:`; a NetworkPolicy may still
/// allow its numeric port (containerPort is informational), so only port names must resolve.
#[test]
fn an_undeclared_numeric_network_policy_port_is_allowed() {
    let mut objects = objects("all-kinds.yaml");
    let Some(policy) = objects.iter_mut().find(|o| o.id() == "NetworkPolicy/shop/db") else {
        panic!("fixture has NetworkPolicy/shop/db");
    };
    if let Some(port) = policy.value.pointer_mut("/spec/ingress/0/ports/1/port") {
        *port = json!(3306);
    }
    assert_eq!(problems(&objects), []);
}

#[test]
fn broken_references_between_the_kinds_are_caught() {
    let mut objects = objects("all-kinds.yaml");
    let edit = |objects: &mut Vec<Object>, id: &str, pointer: &str, v: Value| {
        let o = objects.iter_mut().find(|o| o.id() == id).unwrap();
        *o.value.pointer_mut(pointer).unwrap() = v;
    };
    edit(
        &mut objects,
        "Ingress/shop/web",
        "/spec/rules/0/http/paths/0/backend/service/port/name",
        json!("https"),
    );
    edit(
        &mut objects,
        "Ingress/shop/web",
        "/spec/rules/0/http/paths/1/pathType",
        json!("prefix"),
    );
    edit(
        &mut objects,
        "HorizontalPodAutoscaler/shop/web",
        "/spec/scaleTargetRef/name",
        json!("webb"),
    );
    edit(
        &mut objects,
        "NetworkPolicy/shop/db",
        "/spec/ingress/0/ports/1/port",
        json!("pg-typo"),
    );
    edit(
        &mut objects,
        "NetworkPolicy/shop/db",
        "/spec/policyTypes/0",
        json!("ingress"),
    );
    edit(
        &mut objects,
        "Deployment/shop/web",
        "/spec/template/spec/initContainers/0/name",
        json!("web"),
    );
    edit(
        &mut objects,
        "Deployment/shop/web",
        "/spec/template/spec/initContainers/0/imagePullPolicy",
        json!("Sometimes"),
    );
    edit(&mut objects, "Job/shop/seed", "/metadata/name", json!("backup"));
    edit(&mut objects, "CronJob/shop/backup", "/kind", json!("Job"));
    let p = problems(&objects);
    let got: Vec<(&str, &str, &str)> = p.iter().map(|p| (p.rule, p.object.as_str(), p.path.as_str())).collect();
    let init = "/spec/template/spec/initContainers/0";
    for want in [
        (
            "XREF-PORTS",
            "Ingress/shop/web",
            "/spec/rules/0/http/paths/0/backend/service/port/name",
        ),
        (
            "SCHEMA-FORMATS",
            "Ingress/shop/web",
            "/spec/rules/0/http/paths/1/pathType",
        ),
        (
            "XREF-SELECTOR",
            "HorizontalPodAutoscaler/shop/web",
            "/spec/scaleTargetRef",
        ),
        ("XREF-PORTS", "NetworkPolicy/shop/db", "/spec/ingress/0/ports/1/port"),
        ("SCHEMA-FORMATS", "NetworkPolicy/shop/db", "/spec/policyTypes/0"),
        ("SCHEMA-NAMES", "Deployment/shop/web", &format!("{init}/name")),
        (
            "SCHEMA-FORMATS",
            "Deployment/shop/web",
            &format!("{init}/imagePullPolicy"),
        ),
        ("SCHEMA-NAMES", "Job/shop/backup", "/metadata/name"),
    ] {
        assert!(got.contains(&want), "missing {want:?} in {got:#?}");
    }
}

#[test]
fn a_deployment_with_its_service_passes() {
    let objects = vec![Object::new(deployment(), None), Object::new(service(), None)];
    assert_eq!(problems(&objects), []);
}

#[test]
fn gaps_are_caught_with_the_right_rule() {
    let docs = fixture("gaps.yaml");
    // gap-5 (a duplicate key) is the parser's to reject, before validation.
    let parse_errors: Vec<String> = docs
        .iter()
        .filter_map(|d| d.as_ref().err())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(parse_errors.len(), 1, "{parse_errors:?}");
    assert!(parse_errors[0].contains("replicas"), "{parse_errors:?}");
    let objects = objects("gaps.yaml");
    let p = problems(&objects);
    for (id, rule) in [
        ("Deployment/shop/gap-selector", "XREF-SELECTOR"),
        ("Pod/shop/gap-portname", "SCHEMA-NAMES"),
        ("ConfigMap/shop/Bad_Name", "SCHEMA-NAMES"),
        ("Pod/shop/gap-quantity", "SCHEMA-FORMATS"),
        ("Service/shop/gap-enum", "SCHEMA-FORMATS"),
        ("CronJob/shop/gap-cron", "SCHEMA-FORMATS"),
        ("Pod/shop/ctl-required", "SCHEMA-STRICT"),
    ] {
        assert!(rules_of(&p, id).contains(&rule), "{id} should fail {rule}: {p:#?}");
    }
    let bad_name: Vec<&str> = p
        .iter()
        .filter(|p| p.object == "ConfigMap/shop/Bad_Name")
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(bad_name, ["/metadata/name", "/metadata/labels/tier"]);
    let cron = p.iter().find(|p| p.object == "CronJob/shop/gap-cron").unwrap();
    assert_eq!(cron.path, "/spec/jobTemplate/spec/template/spec/restartPolicy");
    // Every problem keeps the place its object came from.
    let lines: Vec<usize> = p.iter().filter_map(|p| p.origin.as_ref()).map(|o| o.line).collect();
    assert_eq!(lines.len(), p.len());
    assert!(lines.contains(&1) && lines.iter().any(|l| *l > 50), "{lines:?}");
}

#[test]
fn a_misspelled_field_is_reported_with_its_pointer() {
    let mut d = deployment();
    d["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = json!("Always");
    let p = problems(&one(d));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].rule, "SCHEMA-STRICT");
    // The pointer names the unknown field itself, so it can be located in the file.
    assert_eq!(p[0].path, "/spec/template/spec/containers/0/imagePullPolcy");
    assert_eq!(p[0].message, "unknown field \"imagePullPolcy\"");
}

#[test]
fn a_string_replica_count_is_rejected() {
    let mut d = deployment();
    d["spec"]["replicas"] = json!("3");
    let p = problems(&one(d));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!((p[0].rule, p[0].path.as_str()), ("SCHEMA-STRICT", "/spec/replicas"));
}

#[test]
fn every_error_of_every_object_is_collected() {
    let mut a = deployment();
    a["spec"]["replicas"] = json!("3");
    a["spec"]["paused"] = json!("no");
    let mut b = deployment();
    b["metadata"]["name"] = json!("other");
    b["spec"]["bogus"] = json!(1);
    let objects = vec![Object::new(a, None), Object::new(b, None)];
    let Err(Error::Invalid { summary, problems }) = validate::validate(&objects, "1.37") else {
        panic!("expected Invalid")
    };
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert_eq!(summary, "2 objects fail validation against Kubernetes 1.37");
}

#[test]
fn failing_rendered_output_is_reported_as_a_bug() {
    let mut d = deployment();
    d["spec"]["replicas"] = json!("3");
    let e = validate::validate_rendered(&one(d), "1.35", berth::harden::Profile::None, Default::default()).unwrap_err();
    assert_eq!(e.exit_code(), 1);
    assert!(e.to_string().contains("this is a bug in berth"), "{e}");
}

#[test]
fn an_unknown_kind_is_a_problem_and_an_unknown_version_a_usage_error() {
    let obj = Object::new(
        json!({"apiVersion": "apps/v9", "kind": "Foo", "metadata": {"name": "x"}}),
        None,
    );
    let p = validate::schema_problems(&obj, "1.35");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].message, "no schema for apps/v9 Foo in Kubernetes 1.35");
    let e = validate::validate(&[obj], "1.99").unwrap_err();
    assert!(matches!(e, Error::Usage { .. }), "{e:?}");
}

#[test]
fn secret_values_never_appear_in_messages() {
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
        "data": {"password": 987654321}, "stringData": {"token": ["s3cr3t-value"]}
    });
    let p = problems(&one(secret));
    assert_eq!(p.len(), 2, "{p:#?}");
    for p in &p {
        assert!(!p.message.contains("987654321") && !p.message.contains("s3cr3t"), "{p}");
    }
}

#[test]
fn cross_references_are_checked() {
    let mut d = deployment();
    d["spec"]["template"]["spec"]["containers"][0]["livenessProbe"] = json!({"tcpSocket": {"port": "admin"}});
    let mut s = service();
    s["spec"]["ports"] = json!([{"name": "http", "port": 80, "targetPort": "web"}, {"name": "m", "port": 9090}]);
    let mut lonely = service();
    lonely["metadata"]["name"] = json!("lonely");
    lonely["spec"]["selector"] = json!({"app": "nobody"});
    let mut other_ns = service();
    other_ns["metadata"]["namespace"] = json!("elsewhere");
    let objects: Vec<Object> = [d, s, lonely, other_ns]
        .into_iter()
        .map(|v| Object::new(v, None))
        .collect();
    let p = problems(&objects);
    let got: Vec<(&str, &str, &str)> = p.iter().map(|p| (p.rule, p.object.as_str(), p.path.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "XREF-PORTS",
                "Deployment/shop/web",
                "/spec/template/spec/containers/0/livenessProbe/tcpSocket/port"
            ),
            ("XREF-PORTS", "Service/shop/web", "/spec/ports/0/targetPort"),
            ("XREF-PORTS", "Service/shop/web", "/spec/ports/1/port"),
            ("XREF-SELECTOR", "Service/shop/lonely", "/spec/selector"),
            ("XREF-SELECTOR", "Service/elsewhere/web", "/spec/selector"),
        ]
    );
}

#[test]
fn names_ports_and_policies_follow_the_api_server_rules() {
    let mut d = deployment();
    let c = &mut d["spec"]["template"]["spec"]["containers"][0];
    c["name"] = json!("Web");
    c["ports"] =
        json!([{"name": "http", "containerPort": 8080}, {"name": "http", "containerPort": 8081, "protocol": "tcp"}]);
    c["imagePullPolicy"] = json!("always");
    c["resources"] = json!({"requests": {"memory": "1GB", "cpu": 0.5}});
    d["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
    let mut s = service();
    s["metadata"]["name"] = json!("1web");
    s["spec"]["type"] = json!("loadBalancer");
    let p = problems(&[Object::new(d, None), Object::new(s, None)]);
    let got: Vec<(&str, &str)> = p.iter().map(|p| (p.rule, p.path.as_str())).collect();
    let c = "/spec/template/spec/containers/0";
    for want in [
        ("SCHEMA-NAMES", format!("{c}/name")),
        ("SCHEMA-NAMES", format!("{c}/ports/1/name")),
        ("SCHEMA-FORMATS", format!("{c}/ports/1/protocol")),
        ("SCHEMA-FORMATS", format!("{c}/imagePullPolicy")),
        ("SCHEMA-FORMATS", format!("{c}/resources/requests/memory")),
        ("SCHEMA-FORMATS", "/spec/template/spec/restartPolicy".into()),
        ("SCHEMA-NAMES", "/metadata/name".into()),
        ("SCHEMA-FORMATS", "/spec/type".into()),
    ] {
        assert!(got.contains(&(want.0, want.1.as_str())), "missing {want:?} in {got:#?}");
    }
}

#[test]
fn validation_is_shareable_across_threads() {
    let objects = objects("hardened-web.yaml");
    std::thread::scope(|s| {
        let handles: Vec<_> = KUBE_VERSIONS
            .iter()
            .map(|v| s.spawn(|| validate::validate(&objects, v).is_ok()))
            .collect();
        assert!(handles.into_iter().all(|h| h.join().unwrap()));
    });
}
