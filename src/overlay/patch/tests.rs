//! Tests of patches: strategic merge as a table checked against what `kubectl kustomize`
//! (v5.5) produced for the same base and patch (recorded here, so the tests do not need
//! kubectl; `kustomize_agrees` re-checks the record where kubectl is installed), targets,
//! JSON patch and merge patch.

use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::manifest::Object;
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
fn strategic_merge_accepts_patch_merge_and_orders_scalars() {
    let mut obj = yaml(DEPLOYMENT);
    let patch = meta("$setElementOrder/finalizers: [b, c, a], finalizers: [c], labels: {$patch: merge, tier: x}");
    strategic(&mut obj, &yaml(&patch), "1.35").unwrap();
    assert_eq!(obj["metadata"]["finalizers"], json!(["b", "c", "a"]));
    assert_eq!(obj["metadata"]["labels"], json!({"app": "web", "tier": "x"}));
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
    strategic(&mut obj, &yaml(patch), "1.35").unwrap_err()
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

    let e = strategic_error(DEPLOYMENT, &deployment("spec: {strategy: {$retainKeys: type}}"));
    assert!(e.message.contains("must be a list of field names"), "{e:?}");

    let e = strategic_error(DEPLOYMENT, &meta("$deleteFromPrimitiveList/finalizers: a"));
    assert_eq!(e.at, "/metadata/$deleteFromPrimitiveList~1finalizers");
    assert!(e.message.contains("must be a list of the values to delete"), "{e:?}");

    let e = strategic_error(DEPLOYMENT, &pod("{$setElementOrder/containers: web}"));
    assert_eq!(e.at, "/spec/template/spec/$setElementOrder~1containers");

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

// ---------------------------------------------------------------------------------------
// Targets

const OBJECTS: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-a, labels: {tier: front, env: prod}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-b, namespace: other, labels: {tier: back}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, labels: {rank: '3'}, annotations: {team: data}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-a-config}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cr}
";

fn objects() -> Vec<Object> {
    let file: Arc<str> = "objects.yaml".into();
    parse_stream(&file, OBJECTS, Flavor::Manifest)
        .unwrap()
        .into_iter()
        .map(|d| Object::new(d.value, None))
        .collect()
}

fn selected(target: &str) -> Vec<String> {
    let target: Target = serde_json::from_value(yaml(target)).unwrap();
    let compiled = target.compile().unwrap();
    let objects = objects();
    for o in &objects {
        assert_eq!(target.matches(o).unwrap(), compiled.matches(o));
    }
    objects
        .iter()
        .filter(|o| compiled.matches(o))
        .map(|o| o.name().to_string())
        .collect()
}

/// Checked against `kubectl kustomize` with a JSON patch on each target.
#[test]
fn targets_select_like_kustomize() {
    let all = "web-a web-b db web-a-config cr";
    let table: &[(&str, &str)] = &[
        ("{}", all),
        ("{kind: Deployment}", "web-a web-b"),
        ("{kind: deployment}", ""),
        ("{kind: Deploy.*}", "web-a web-b"),
        ("{kind: 'Deployment|StatefulSet'}", "web-a web-b db"),
        ("{group: apps}", "web-a web-b db"),
        ("{group: app.*}", "web-a web-b db"),
        ("{group: ''}", all),
        ("{group: rbac.authorization.k8s.io}", "cr"),
        ("{version: v1}", all),
        ("{group: apps, version: v1, kind: StatefulSet}", "db"),
        ("{name: web}", ""),
        ("{name: web-.*}", "web-a web-b web-a-config"),
        ("{name: 'web-a|db'}", "web-a db"),
        ("{namespace: default}", "web-a db web-a-config"),
        ("{namespace: other}", "web-b"),
        ("{namespace: oth}", ""),
        ("{namespace: '.*'}", all),
        ("{labelSelector: tier=front}", "web-a"),
        ("{labelSelector: tier==front}", "web-a"),
        ("{labelSelector: tier = front}", "web-a"),
        ("{labelSelector: tier!=front}", "web-b db web-a-config cr"),
        ("{labelSelector: 'tier in (front,back)'}", "web-a web-b"),
        ("{labelSelector: 'tier in (front, back),env'}", "web-a"),
        ("{labelSelector: 'tier notin (front)'}", "web-b db web-a-config cr"),
        ("{labelSelector: tier}", "web-a web-b"),
        ("{labelSelector: '!env'}", "web-b db web-a-config cr"),
        ("{labelSelector: 'tier=='}", ""),
        ("{labelSelector: 'tier in ()'}", ""),
        ("{labelSelector: 'rank>2'}", "db"),
        ("{labelSelector: 'rank<2'}", ""),
        ("{labelSelector: ''}", all),
        ("{annotationSelector: team=data}", "db"),
        ("{annotationSelector: '!team', kind: StatefulSet}", ""),
        ("{kind: Deployment, labelSelector: tier=back}", "web-b"),
    ];
    for (target, want) in table {
        assert_eq!(selected(target).join(" "), *want, "{target}");
    }
}

fn target_error(target: &str) -> PatchError {
    let target: Target = serde_json::from_value(yaml(target)).unwrap();
    let e = target.compile().unwrap_err();
    assert_eq!(target.matches(&objects()[0]), Err(e.clone()));
    e
}

#[test]
fn unreadable_targets_are_errors() {
    let e = target_error("{name: 'web-('}");
    assert_eq!(e.at, "/name");
    assert!(
        e.message.contains("\"web-(\" is not a valid regular expression"),
        "{e:?}"
    );
    assert!(e.help.contains("escape"), "{e:?}");
    assert!(e.message.ends_with(": unclosed group"), "{e:?}");

    let e = target_error("{kind: '*'}");
    assert_eq!(e.at, "/kind");

    let table: &[(&str, &str)] = &[
        ("tier=a=b", "found '=', expected: ',' or 'end of string'"),
        ("tier in (front", "found '', expected: ',' or ')'"),
        ("tier in (a b)", "found 'b', expected: ',' or ')'"),
        (",tier", "found ',', expected: !, identifier, or 'end of string'"),
        ("tier,", "found '', expected: !, identifier, or 'end of string'"),
        ("x/y/z", "invalid label key \"x/y/z\""),
        ("tier=-bad-", "invalid label value \"-bad-\""),
        ("rank>x", "must be an integer"),
        ("tier in front", "found 'front', expected: '('"),
        ("!", "expected: identifier after '!'"),
        ("tier (a)", "expected: in, notin, =, ==, !=, gt, lt"),
    ];
    for (selector, why) in table {
        let e = target_error(&format!("{{labelSelector: '{selector}'}}"));
        assert_eq!(e.at, "/labelSelector");
        assert!(e.message.contains(why), "{selector}: {e:?}");
        assert!(e.help.contains("key in (a,b)"), "{e:?}");
    }
    let e = target_error("{annotationSelector: 'a b'}");
    assert_eq!(e.at, "/annotationSelector");
}

#[test]
fn targets_refuse_unknown_fields() {
    let r: Result<Target, _> = serde_json::from_value(json!({"kind": "Deployment", "labelselector": "a"}));
    assert!(r.unwrap_err().to_string().contains("unknown field `labelselector`"));
}

// ---------------------------------------------------------------------------------------
// JSON patch

fn deployment_value() -> Value {
    yaml(DEPLOYMENT)
}

fn apply(ops: &str) -> Result<Value, PatchError> {
    let mut obj = deployment_value();
    let before = obj.clone();
    let r = json6902(&mut obj, &yaml(ops));
    if r.is_err() {
        assert_eq!(obj, before, "a failed JSON patch leaves the object alone");
    }
    r.map(|()| obj)
}

#[test]
fn json_patch_applies_each_operation() {
    let obj = apply(
        "
- {op: add, path: /metadata/annotations, value: {a: '1'}}
- {op: add, path: /spec/template/spec/containers/0/args/-, value: c}
- {op: add, path: /spec/template/spec/containers/0/args/0, value: first}
- {op: replace, path: /spec/replicas, value: 3}
- {op: remove, path: /spec/strategy}
- {op: copy, from: /metadata/labels, path: /spec/template/metadata/annotations}
- {op: move, from: /metadata/finalizers, path: /spec/finalizers}
- {op: test, path: /spec/replicas, value: 3}
",
    )
    .unwrap();
    assert_eq!(obj["metadata"]["annotations"], json!({"a": "1"}));
    assert_eq!(
        obj.pointer("/spec/template/spec/containers/0/args"),
        Some(&json!(["first", "a", "b", "c"]))
    );
    assert_eq!(obj["spec"]["replicas"], json!(3));
    assert_eq!(obj["spec"].get("strategy"), None);
    assert_eq!(
        obj.pointer("/spec/template/metadata/annotations"),
        Some(&json!({"app": "web"}))
    );
    assert_eq!(obj["spec"]["finalizers"], json!(["a", "b"]));
    assert_eq!(obj["metadata"].get("finalizers"), None);
}

#[test]
fn json_patch_keeps_the_order_of_keys() {
    let obj =
        apply("[{op: remove, path: /spec/replicas}, {op: move, from: /metadata/labels, path: /metadata/x}]").unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>().join(" ");
    assert_eq!(keys(&obj["spec"]), "selector strategy template");
    assert_eq!(keys(&obj["metadata"]), "name finalizers x");
}

#[test]
fn json_patch_test_failure_says_what_was_expected() {
    let e = apply("[{op: replace, path: /spec/replicas, value: 2}, {op: test, path: /spec/replicas, value: 5}]")
        .unwrap_err();
    assert_eq!(e.at, "/1");
    assert!(
        e.message.contains("`test` failed: expected 5 at /spec/replicas"),
        "{e:?}"
    );
    assert!(e.message.contains("not found"), "{e:?}");
    assert!(e.message.contains("the value is 2"), "{e:?}");

    let e = apply("[{op: test, path: /spec/nope, value: 5}]").unwrap_err();
    assert_eq!(e.at, "/0");
    assert!(
        e.message
            .contains("expected 5 at /spec/nope, found nothing there (/spec has no `nope`)"),
        "{e:?}"
    );
}

#[test]
fn json_patch_test_failure_on_a_secret_shows_no_value() {
    let mut secret = yaml("{apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {password: hunter2}}");
    let e = json6902(
        &mut secret,
        &yaml("[{op: test, path: /stringData/password, value: swordfish}]"),
    )
    .unwrap_err();
    assert_eq!(e.at, "/0");
    assert!(e.message.contains("/stringData/password"), "{e:?}");
    assert!(e.message.contains("not the expected one"), "{e:?}");
    let all = format!("{} {}", e.message, e.help);
    assert!(!all.contains("hunter2") && !all.contains("swordfish"), "{e:?}");

    let e = json6902(
        &mut secret,
        &yaml("[{op: test, path: /data/password, value: swordfish}]"),
    )
    .unwrap_err();
    assert!(e.message.contains("nothing at /data/password"), "{e:?}");
    assert!(!e.message.contains("swordfish"), "{e:?}");
}

#[test]
fn json_patch_missing_paths_say_what_is_missing() {
    let table: &[(&str, &str, &str)] = &[
        (
            "{op: replace, path: /spec/nope/x, value: 1}",
            "`replace` /spec/nope/x: nothing there (/spec has no `nope`)",
            "list indexes count from 0",
        ),
        (
            "{op: remove, path: /metadata/nope}",
            "`remove` /metadata/nope: nothing there (/metadata has no `nope`)",
            "check the path",
        ),
        (
            "{op: remove, path: /spec/template/spec/containers/5}",
            "/spec/template/spec/containers is a list of 2 items, and `5` is not one of its indexes",
            "check the path",
        ),
        (
            "{op: replace, path: /spec/replicas/x, value: 1}",
            "/spec/replicas is a number, not a map or a list",
            "check the path",
        ),
        (
            "{op: add, path: /spec/nope/x, value: 1}",
            "`add` /spec/nope/x: its parent /spec/nope does not exist (/spec has no `nope`)",
            "add /spec/nope first",
        ),
        (
            "{op: add, path: /metadata/finalizers/7, value: c}",
            "`7` is not a position in /metadata/finalizers, a list of 2 items",
            "from 0 to 2, or `-`",
        ),
        (
            "{op: add, path: /spec/replicas/x, value: 1}",
            "/spec/replicas is a number, not a map or a list",
            "use `replace`",
        ),
        (
            "{op: move, from: /spec/nope, path: /spec/x}",
            "`move` from /spec/nope: nothing there (/spec has no `nope`)",
            "check the path",
        ),
        (
            "{op: move, from: /spec/template/spec/containers/9, path: /spec/x}",
            "`move` from /spec/template/spec/containers/9: nothing there",
            "check the path",
        ),
        (
            "{op: copy, from: /spec/nope, path: /spec/x}",
            "`copy` from /spec/nope: nothing there",
            "check the path",
        ),
        (
            "{op: move, from: /spec, path: /spec/template/x}",
            "`move` cannot move /spec into itself (/spec/template/x)",
            "outside",
        ),
        (
            "{op: move, from: /spec/template/spec/containers, path: /spec/template/spec/containers/0/x}",
            "cannot move /spec/template/spec/containers into itself",
            "outside",
        ),
    ];
    for (op, message, help) in table {
        let e = apply(&format!("[{{op: test, path: /kind, value: Deployment}}, {op}]")).unwrap_err();
        assert_eq!(e.at, "/1", "{op}");
        assert!(e.message.contains(message), "{op}: {e:?}");
        assert!(e.help.contains(help), "{op}: {e:?}");
    }
}

#[test]
fn json_patch_malformed_operations_are_errors() {
    let table: &[(&str, &str)] = &[
        ("[{op: ad, path: /a, value: 1}]", "unknown variant `ad`"),
        ("[{op: add, path: /a}]", "missing field `value`"),
        ("[{op: move, path: /a}]", "missing field `from`"),
        ("[{op: add, path: a, value: 1}]", "operation 0 cannot be read"),
        ("[{path: /a}]", "operation 0 has no `op`"),
        ("[x]", "operation 0 is not a map"),
    ];
    for (ops, why) in table {
        let e = apply(ops).unwrap_err();
        assert_eq!(e.at, "/0", "{ops}");
        assert!(e.message.contains(why), "{ops}: {e:?}");
        assert!(e.help.contains("add, replace and test need `value`"), "{e:?}");
    }
    let e = apply("{op: add, path: /a, value: 1}").unwrap_err();
    assert_eq!(e.at, "");
    assert!(e.message.contains("must be a list of operations"), "{e:?}");
}

// ---------------------------------------------------------------------------------------
// JSON merge patch

#[test]
fn merge_patch_deletes_with_null_and_replaces_lists() {
    let mut obj = deployment_value();
    merge(
        &mut obj,
        &yaml(
            "{metadata: {labels: {app: null, tier: front}}, spec: {replicas: null, template: {spec: {containers: [{name: only}]}}}}",
        ),
    );
    assert_eq!(obj["metadata"]["labels"], json!({"tier": "front"}));
    assert_eq!(obj["spec"].get("replicas"), None);
    assert_eq!(
        obj.pointer("/spec/template/spec/containers"),
        Some(&json!([{"name": "only"}]))
    );
    let keys: Vec<&String> = obj["spec"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["selector", "strategy", "template"]);
}

#[test]
fn merge_patch_follows_rfc_7396() {
    // The examples of RFC 7396, appendix A.
    let table: &[(&str, &str, &str)] = &[
        ("{a: b}", "{a: c}", "{a: c}"),
        ("{a: b}", "{b: c}", "{a: b, b: c}"),
        ("{a: b}", "{a: null}", "{}"),
        ("{a: b, b: c}", "{a: null}", "{b: c}"),
        ("{a: [b]}", "{a: c}", "{a: c}"),
        ("{a: c}", "{a: [b]}", "{a: [b]}"),
        ("{a: {b: c}}", "{a: {b: d, c: null}}", "{a: {b: d}}"),
        ("{a: [{b: c}]}", "{a: [1]}", "{a: [1]}"),
        ("[a, b]", "[c, d]", "[c, d]"),
        ("{a: b}", "[c]", "[c]"),
        ("{a: foo}", "null", "null"),
        ("{a: foo}", "bar", "bar"),
        ("{e: null}", "{a: 1}", "{e: null, a: 1}"),
        ("[1, 2]", "{a: b, c: null}", "{a: b}"),
        ("{}", "{a: {bb: {ccc: null}}}", "{a: {bb: {}}}"),
    ];
    for (doc, patch, want) in table {
        let mut obj = yaml(doc);
        merge(&mut obj, &yaml(patch));
        assert_eq!(obj, yaml(want), "{doc} + {patch}");
    }
}
