//! Tests of patches: strategic merge as a table checked against what `kubectl kustomize`
//! (v5.5) produced for the same base and patch (recorded here, so the tests do not need
//! kubectl; `kustomize_agrees` re-checks the record where kubectl is installed), targets,
//! JSON patch and merge patch.

use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::yaml::{Flavor, parse_one, parse_stream};

fn yaml(text: &str) -> Value {
    let file: Arc<str> = "test.yaml".into();
    parse_one(&file, text, Flavor::Manifest).unwrap().value
}

const DEPLOYMENT: &str = "
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  finalizers: [a, b]
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {disk: ssd}
      securityContext: {runAsUser: 1000, fsGroup: 2000}
      tolerations: [{key: a, operator: Exists}]
      imagePullSecrets: [{name: s1}, {name: s2}]
      initContainers: [{name: init, image: busybox}]
      containers:
      - name: web
        image: nginx
        args: [a, b]
        ports: [{containerPort: 80, name: http}, {containerPort: 53, protocol: UDP, name: dns}]
        env: [{name: A, value: '1'}, {name: B, value: '2'}]
        volumeMounts: [{name: data, mountPath: /data}, {name: tmp, mountPath: /tmp}]
      - name: side
        image: envoy
      volumes: [{name: data, emptyDir: {}}, {name: tmp, emptyDir: {}}]
";

const SERVICE: &str = "
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, name: http}, {port: 443, targetPort: 8443, name: https}]
";

const WIDGET: &str = "
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  endpoints: [{name: a, port: 1}, {name: b, port: 2}]
  tags: [x, z]
  nested: {a: 1, b: 2}
  groups: [{name: g, rules: [{name: r1, x: 1}]}]
";

const PDB: &str = "
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {a: b}, matchExpressions: [{key: x, operator: Exists}]}
";

/// A patch of the Deployment's pod spec.
fn pod(spec: &str) -> String {
    format!("{{apiVersion: apps/v1, kind: Deployment, metadata: {{name: web}}, spec: {{template: {{spec: {spec}}}}}}}")
}

/// A patch of the Deployment's first container (merged by name).
fn web(fields: &str) -> String {
    pod(&format!("{{containers: [{{name: web, {fields}}}]}}"))
}

fn deployment(fields: &str) -> String {
    format!("{{apiVersion: apps/v1, kind: Deployment, metadata: {{name: web}}, {fields}}}")
}

/// A patch of the Deployment's metadata.
fn meta(fields: &str) -> String {
    format!("{{apiVersion: apps/v1, kind: Deployment, metadata: {{name: web, {fields}}}}}")
}

fn widget(spec: &str) -> String {
    format!("{{apiVersion: example.com/v1, kind: Widget, metadata: {{name: w}}, spec: {spec}}}")
}

const POD: &str = "/spec/template/spec";
const ABSENT: &str = "<absent>";

/// What Kustomize does with the same base and patch.
#[derive(Debug, Clone)]
enum Kustomize {
    /// The very same object.
    Same,
    /// A different value at the pointer (berth differs on purpose; the book lists why).
    Differs { at: &'static str, value: &'static str },
    /// Kustomize refuses the patch.
    Fails,
}

struct Case {
    name: &'static str,
    base: &'static str,
    patch: String,
    extra: Vec<MergeKey>,
    /// (pointer, expected YAML): `pointer[field]` checks the list of `field` of each item.
    checks: Vec<(String, &'static str)>,
    kustomize: Kustomize,
}

fn case(name: &'static str, base: &'static str, patch: String, checks: &[(&str, &'static str)]) -> Case {
    Case {
        name,
        base,
        patch,
        extra: Vec::new(),
        checks: checks.iter().map(|(p, w)| (p.to_string(), *w)).collect(),
        kustomize: Kustomize::Same,
    }
}

impl Case {
    fn differs(mut self, at: &'static str, value: &'static str) -> Self {
        self.kustomize = Kustomize::Differs { at, value };
        self
    }

    fn fails_in_kustomize(mut self) -> Self {
        self.kustomize = Kustomize::Fails;
        self
    }

    fn with_key(mut self, path: &str, key: &str) -> Self {
        self.extra.push(MergeKey {
            kind: "Widget".into(),
            path: path.into(),
            key: key.into(),
        });
        self
    }
}

fn at(p: &str) -> String {
    format!("{POD}{p}")
}

fn cases() -> Vec<Case> {
    let c = |s: &str| at(&format!("/containers{s}"));
    vec![
        case(
            "containers merge by name",
            DEPLOYMENT,
            web("image: 'nginx:2'"),
            &[
                (&c("[name]"), "[web, side]"),
                (&c("/0/image"), "'nginx:2'"),
                (&c("/0/args"), "[a, b]"),
            ],
        ),
        case(
            "a patched item keeps its place",
            DEPLOYMENT,
            pod("{containers: [{name: side, image: 'envoy:2'}]}"),
            &[(&c("[name]"), "[web, side]"), (&c("/1/image"), "'envoy:2'")],
        )
        .differs("/spec/template/spec/containers/0/name", "side"),
        case(
            "a new container goes first, as kubectl patch puts it",
            DEPLOYMENT,
            pod("{containers: [{name: new, image: busybox}]}"),
            &[(&c("[name]"), "[new, web, side]")],
        ),
        case(
            "a new container after a patched one follows it",
            DEPLOYMENT,
            pod("{containers: [{name: web, image: 'nginx:2'}, {name: new, image: busybox}]}"),
            &[(&c("[name]"), "[web, new, side]")],
        ),
        case(
            "$patch: delete removes a container",
            DEPLOYMENT,
            pod("{containers: [{name: side, $patch: delete}]}"),
            &[(&c("[name]"), "[web]")],
        ),
        case(
            "$patch: delete of a missing item does nothing",
            DEPLOYMENT,
            pod("{containers: [{name: ghost, $patch: delete}]}"),
            &[(&c("[name]"), "[web, side]")],
        ),
        case(
            "$patch: replace in an item replaces that item",
            DEPLOYMENT,
            pod("{containers: [{name: web, $patch: replace, image: fresh}]}"),
            &[(&c("/0"), "{name: web, image: fresh}"), (&c("[name]"), "[web, side]")],
        )
        .differs("/spec/template/spec/containers/0/image", "nginx"),
        case(
            "ports merge by containerPort",
            DEPLOYMENT,
            web("ports: [{containerPort: 80, name: web}, {containerPort: 8080, name: alt}]"),
            &[(
                &c("/0/ports"),
                "[{containerPort: 80, name: web}, {containerPort: 8080, name: alt}, {containerPort: 53, protocol: UDP, name: dns}]",
            )],
        )
        .differs("/spec/template/spec/containers/0/ports/0/name", "alt"),
        case(
            "a port with the same number and another protocol is another port",
            DEPLOYMENT,
            web("ports: [{containerPort: 53, protocol: TCP, name: dns-tcp}]"),
            &[(&c("/0/ports[name]"), "[dns-tcp, http, dns]")],
        ),
        case(
            "env merges by name",
            DEPLOYMENT,
            web("env: [{name: B, value: '9'}, {name: C, value: '3'}]"),
            &[(&c("/0/env"), "[{name: A, value: '1'}, {name: B, value: '9'}, {name: C, value: '3'}]")],
        )
        .differs("/spec/template/spec/containers/0/env/0/name", "B"),
        case(
            "volumeMounts merge by mountPath",
            DEPLOYMENT,
            web("volumeMounts: [{mountPath: /tmp, name: scratch}]"),
            &[(&c("/0/volumeMounts"), "[{name: data, mountPath: /data}, {name: scratch, mountPath: /tmp}]")],
        )
        .differs("/spec/template/spec/containers/0/volumeMounts/0/mountPath", "/tmp"),
        case(
            "volumes merge by name, fields and all",
            DEPLOYMENT,
            pod("{volumes: [{name: data, configMap: {name: cfg}}]}"),
            &[(
                &at("/volumes"),
                "[{name: data, emptyDir: {}, configMap: {name: cfg}}, {name: tmp, emptyDir: {}}]",
            )],
        ),
        case(
            "$retainKeys in a volume drops its old source",
            DEPLOYMENT,
            pod("{volumes: [{name: data, $retainKeys: [name, configMap], configMap: {name: cfg}}]}"),
            &[(&at("/volumes/0"), "{name: data, configMap: {name: cfg}}")],
        )
        .differs("/spec/template/spec/volumes/0/emptyDir", "{}"),
        case(
            "imagePullSecrets merge by name",
            DEPLOYMENT,
            pod("{imagePullSecrets: [{name: s3}]}"),
            &[(&at("/imagePullSecrets[name]"), "[s3, s1, s2]")],
        ),
        case(
            "initContainers merge by name",
            DEPLOYMENT,
            pod("{initContainers: [{name: init, image: 'busybox:2'}, {name: init2, image: alpine}]}"),
            &[(
                &at("/initContainers"),
                "[{name: init, image: 'busybox:2'}, {name: init2, image: alpine}]",
            )],
        ),
        case(
            "args are replaced",
            DEPLOYMENT,
            web("args: [c]"),
            &[(&c("/0/args"), "[c]")],
        ),
        case(
            "tolerations have no merge key: replaced",
            DEPLOYMENT,
            pod("{tolerations: [{key: b, operator: Exists}]}"),
            &[(&at("/tolerations"), "[{key: b, operator: Exists}]")],
        ),
        case(
            "$patch: replace on a map",
            DEPLOYMENT,
            pod("{securityContext: {$patch: replace, runAsUser: 5}}"),
            &[(&at("/securityContext"), "{runAsUser: 5}")],
        ),
        case(
            "$patch: replace alone in a list replaces the list",
            DEPLOYMENT,
            pod("{containers: [{$patch: replace}, {name: only, image: only}]}"),
            &[(&c(""), "[{name: only, image: only}]")],
        ),
        case(
            "$patch: delete on a map",
            DEPLOYMENT,
            pod("{securityContext: {$patch: delete}}"),
            &[(&at("/securityContext"), ABSENT)],
        ),
        case(
            "null deletes",
            DEPLOYMENT,
            deployment("spec: {replicas: null, template: {spec: {nodeSelector: null, missing: null}}}"),
            &[
                ("/spec/replicas", ABSENT),
                (&at("/nodeSelector"), ABSENT),
                (&at("/missing"), ABSENT),
            ],
        ),
        case(
            "labels merge, null deletes one",
            DEPLOYMENT,
            meta("labels: {tier: front, app: null}"),
            &[("/metadata/labels", "{tier: front}")],
        ),
        case(
            "finalizers merge as a set",
            DEPLOYMENT,
            meta("finalizers: [c, a]"),
            &[("/metadata/finalizers", "[c, a, b]")],
        ),
        case(
            "$deleteFromPrimitiveList removes values",
            DEPLOYMENT,
            meta("$deleteFromPrimitiveList/finalizers: [a]"),
            &[("/metadata/finalizers", "[b]")],
        )
        .differs("/metadata/finalizers", "[a, b]"),
        case(
            "$setElementOrder reorders",
            DEPLOYMENT,
            pod("{$setElementOrder/containers: [{name: side}, {name: web}], containers: [{name: web, image: 'nginx:2'}]}"),
            &[(&c("[name]"), "[side, web]"), (&c("/1/image"), "'nginx:2'")],
        )
        .differs("/spec/template/spec/containers/0/name", "web"),
        case(
            "$retainKeys keeps only the listed keys",
            DEPLOYMENT,
            deployment("spec: {strategy: {$retainKeys: [type], type: Recreate}}"),
            &[("/spec/strategy", "{type: Recreate}")],
        )
        .differs("/spec/strategy/rollingUpdate", "{maxSurge: 1}"),
        case(
            "a new field is cleaned of nulls and directives",
            DEPLOYMENT,
            pod(
                "{affinity: {nodeAffinity: null, podAffinity: {$patch: delete}, podAntiAffinity: {x: null}}, \
                 hostAliases: [{ip: 1.2.3.4, $patch: delete}, {ip: 5.6.7.8, hostnames: [a]}]}",
            ),
            &[
                (&at("/affinity"), "{podAntiAffinity: {}}"),
                (&at("/hostAliases"), "[{ip: 5.6.7.8, hostnames: [a]}]"),
            ],
        ),
        case(
            "a value of another type replaces",
            DEPLOYMENT,
            deployment("spec: {strategy: Recreate}"),
            &[("/spec/strategy", "Recreate")],
        )
        .fails_in_kustomize(),
        case(
            "$patch: delete at the top deletes the object",
            DEPLOYMENT,
            "{$patch: delete, apiVersion: apps/v1, kind: Deployment, metadata: {name: web}}".into(),
            &[("", "null")],
        ),
        case(
            "a Service's ports merge by port",
            SERVICE,
            "{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {ports: [{port: 443, targetPort: 9443}, {port: 9090, name: metrics}]}}".into(),
            &[(
                "/spec/ports",
                "[{port: 80, targetPort: 8080, name: http}, {port: 443, targetPort: 9443, name: https}, {port: 9090, name: metrics}]",
            )],
        )
        .differs("/spec/ports/0/port", "443"),
        case(
            "a replace strategy replaces the map (PodDisruptionBudget selector)",
            PDB,
            "{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: web}, spec: {selector: {matchLabels: {c: d}}}}".into(),
            &[("/spec/selector", "{matchLabels: {c: d}}")],
        )
        .differs("/spec/selector/matchLabels", "{a: b, c: d}"),
        case(
            "a custom resource's list is replaced",
            WIDGET,
            widget("{endpoints: [{name: b, port: 3}]}"),
            &[("/spec/endpoints", "[{name: b, port: 3}]")],
        ),
        case(
            "a custom resource's maps merge, null deletes",
            WIDGET,
            widget("{nested: {a: null, c: 3}}"),
            &[("/spec/nested", "{b: 2, c: 3}")],
        ),
        case(
            "a custom resource's list merges by a declared key",
            WIDGET,
            widget("{endpoints: [{name: b, port: 3}, {name: c, port: 4}]}"),
            &[("/spec/endpoints", "[{name: a, port: 1}, {name: b, port: 3}, {name: c, port: 4}]")],
        )
        .with_key("spec/endpoints", "name")
        .differs("/spec/endpoints", "[{name: b, port: 3}, {name: c, port: 4}]"),
        case(
            "$patch: delete in a custom resource's list with a declared key",
            WIDGET,
            widget("{endpoints: [{name: a, $patch: delete}]}"),
            &[("/spec/endpoints", "[{name: b, port: 2}]")],
        )
        .with_key("/spec/endpoints", "name")
        .differs("/spec/endpoints", "[{name: a, $patch: delete}]"),
        case(
            "a custom resource's scalars merge as a set with an empty key",
            WIDGET,
            widget("{tags: [z, w]}"),
            &[("/spec/tags", "[x, z, w]")],
        )
        .with_key("spec/tags", "")
        .differs("/spec/tags", "[z, w]"),
        case(
            "declared keys reach lists inside lists",
            WIDGET,
            widget("{groups: [{name: g, rules: [{name: r1, x: 2}, {name: r2}]}]}"),
            &[("/spec/groups", "[{name: g, rules: [{name: r1, x: 2}, {name: r2}]}]")],
        )
        .with_key("spec/groups", "name")
        .with_key("spec/groups/rules", "name"),
    ]
}

/// The value at `pointer`, or the list of `field` of each item for `pointer[field]`.
fn look(value: &Value, check: &str) -> Value {
    let (pointer, field) = match check.strip_suffix(']').and_then(|c| c.split_once('[')) {
        Some((p, f)) => (p, Some(f)),
        None => (check, None),
    };
    let found = value.pointer(pointer).cloned();
    match (found, field) {
        (Some(Value::Array(items)), Some(f)) => {
            items.iter().map(|i| i.get(f).cloned().unwrap_or(Value::Null)).collect()
        }
        (Some(v), None) => v,
        (None, _) => Value::String(ABSENT.into()),
        (Some(other), Some(_)) => panic!("{check} is not a list: {other}"),
    }
}

fn expected(text: &str) -> Value {
    if text == ABSENT {
        Value::String(ABSENT.into())
    } else {
        yaml(text)
    }
}

#[test]
fn strategic_merge_table() {
    for case in cases() {
        let mut obj = yaml(case.base);
        let patch = yaml(&case.patch);
        strategic_with(&mut obj, &patch, "1.35", &case.extra).unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        for (check, want) in &case.checks {
            assert_eq!(look(&obj, check), expected(want), "{}: {check}", case.name);
        }
    }
}

#[test]
fn strategic_merge_keeps_key_order() {
    let mut obj = yaml("{kind: ConfigMap, apiVersion: v1, metadata: {name: c}, data: {a: '1', b: '2', c: '3'}}");
    strategic(&mut obj, &yaml("{data: {a: null, d: '4', b: '5'}}"), "1.35").unwrap();
    let keys: Vec<&String> = obj["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["b", "c", "d"]);
    assert_eq!(obj["data"]["b"], json!("5"));
}

#[test]
fn strategic_merge_without_known_version_merges_like_a_custom_resource() {
    let mut obj = yaml(DEPLOYMENT);
    strategic(&mut obj, &yaml(&pod("{containers: [{name: new, image: x}]}")), "0.1").unwrap();
    assert_eq!(look(&obj, &at("/containers[name]")), json!(["new"]));
}

fn strategic_error(base: &str, patch: &str) -> PatchError {
    let mut obj = yaml(base);
    let before = obj.clone();
    let e = strategic(&mut obj, &yaml(patch), "1.35").unwrap_err();
    assert_eq!(obj, before, "a failed patch leaves the object alone");
    e
}

#[test]
fn strategic_merge_errors_say_where_and_why() {
    let e = strategic_error(DEPLOYMENT, &pod("{containers: [{image: x}]}"));
    assert_eq!(e.at, "/spec/template/spec/containers/0");
    assert!(e.message.contains("has no `name`"), "{e:?}");
    assert!(e.help.contains("$patch: replace"), "{e:?}");

    let e = strategic_error(DEPLOYMENT, &pod("{containers: [x]}"));
    assert_eq!(e.at, "/spec/template/spec/containers/0");
    assert!(e.message.contains("not a map"), "{e:?}");

    let e = strategic_error(DEPLOYMENT, &pod("{securityContext: {$patch: remove}}"));
    assert_eq!(e.at, "/spec/template/spec/securityContext/$patch");
    assert!(e.message.contains("unknown directive `$patch: remove`"), "{e:?}");

    let e = strategic_error(DEPLOYMENT, &pod("{tolerations: [{key: a, $patch: delete}]}"));
    assert_eq!(e.at, "/spec/template/spec/tolerations/0");
    assert!(e.message.contains("replaced as a whole"), "{e:?}");
    assert!(e.help.contains("mergeKeys"), "{e:?}");

    let e = strategic_error(WIDGET, &widget("{endpoints: [{name: a, $patch: delete}]}"));
    assert_eq!(e.at, "/spec/endpoints/0");

    let e = strategic_error(
        DEPLOYMENT,
        &deployment("spec: {strategy: {$retainKeys: [type], rollingUpdate: {}}}"),
    );
    assert_eq!(e.at, "/spec/strategy/$retainKeys");
    assert!(e.message.contains("`rollingUpdate`"), "{e:?}");

    let e = strategic_error(DEPLOYMENT, &meta("finalizers: [{a: 1}]"));
    assert_eq!(e.at, "/metadata/finalizers/0");
    assert!(e.message.contains("set of values"), "{e:?}");

    let e = strategic_error(DEPLOYMENT, "[a]");
    assert_eq!(e.at, "");
    assert!(e.message.contains("must be a map"), "{e:?}");
}

/// Re-checks the recorded Kustomize behaviour (run with `cargo test -- --ignored` where
/// kubectl is installed).
#[test]
#[ignore = "needs kubectl; checks the recorded Kustomize behaviour"]
fn kustomize_agrees() {
    let mut wrong = Vec::new();
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.yaml"), case.base).unwrap();
        std::fs::write(dir.path().join("patch.yaml"), &case.patch).unwrap();
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            "resources: [base.yaml]\npatches: [{path: patch.yaml}]\n",
        )
        .unwrap();
        let out = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(dir.path())
            .output()
            .expect("kubectl runs");
        let file: Arc<str> = "out.yaml".into();
        let text = String::from_utf8_lossy(&out.stdout);
        let got = parse_stream(&file, &text, Flavor::Manifest)
            .unwrap()
            .into_iter()
            .next()
            .map_or(Value::Null, |d| d.value);
        let mut ours = yaml(case.base);
        strategic_with(&mut ours, &yaml(&case.patch), "1.35", &case.extra).unwrap();
        let agrees = match case.kustomize {
            Kustomize::Same => out.status.success() && got == ours,
            Kustomize::Fails => !out.status.success(),
            Kustomize::Differs { at, value } => out.status.success() && look(&got, at) == expected(value),
        };
        if !agrees {
            wrong.push(format!("{}: kustomize gave\n{text}", case.name));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
