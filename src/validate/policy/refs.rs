//! References from pods to other objects: ServiceAccounts, ConfigMaps, Secrets and claims.

use serde_json::Value;

use super::{Facts, RUNNING, Sink, Subject};
use crate::validate::ident;

/// One reference: where it is, to which kind, by which name, and whether it is optional.
struct Ref {
    path: String,
    kind: &'static str,
    name: String,
    optional: bool,
}

fn optional(v: &Value) -> bool {
    v.get("optional").and_then(Value::as_bool) == Some(true)
}

fn name_of(v: &Value, field: &str) -> String {
    v.get(field).and_then(Value::as_str).unwrap_or("").to_string()
}

/// XREF-REFS: the objects a pod refers to are among the checked objects.
pub fn references(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    let mut refs: Vec<Ref> = Vec::new();
    let account = pod
        .spec
        .get("serviceAccountName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && *n != "default");
    if let Some(a) = account {
        refs.push(Ref {
            path: pod.at("/serviceAccountName"),
            kind: "ServiceAccount",
            name: a.to_string(),
            optional: false,
        });
    }
    let volumes = pod.spec.get("volumes").and_then(Value::as_array);
    for (i, v) in volumes.into_iter().flatten().enumerate() {
        let at = |rest: &str| pod.at(&format!("/volumes/{i}{rest}"));
        if let Some(cm) = v.get("configMap") {
            refs.push(Ref {
                path: at("/configMap/name"),
                kind: "ConfigMap",
                name: name_of(cm, "name"),
                optional: optional(cm),
            });
        }
        if let Some(sec) = v.get("secret") {
            refs.push(Ref {
                path: at("/secret/secretName"),
                kind: "Secret",
                name: name_of(sec, "secretName"),
                optional: optional(sec),
            });
        }
        if let Some(pvc) = v.get("persistentVolumeClaim") {
            refs.push(Ref {
                path: at("/persistentVolumeClaim/claimName"),
                kind: "PersistentVolumeClaim",
                name: name_of(pvc, "claimName"),
                optional: false,
            });
        }
        let sources = ident::at(v, "/projected/sources").and_then(Value::as_array);
        for (j, src) in sources.into_iter().flatten().enumerate() {
            for (field, kind) in [("configMap", "ConfigMap"), ("secret", "Secret")] {
                if let Some(r) = src.get(field) {
                    refs.push(Ref {
                        path: at(&format!("/projected/sources/{j}/{field}/name")),
                        kind,
                        name: name_of(r, "name"),
                        optional: optional(r),
                    });
                }
            }
        }
    }
    let pulls = pod.spec.get("imagePullSecrets").and_then(Value::as_array);
    for (i, p) in pulls.into_iter().flatten().enumerate() {
        refs.push(Ref {
            path: pod.at(&format!("/imagePullSecrets/{i}/name")),
            kind: "Secret",
            name: name_of(p, "name"),
            optional: false,
        });
    }
    for c in pod.containers(RUNNING) {
        let env = c.value.get("env").and_then(Value::as_array);
        for (i, e) in env.into_iter().flatten().enumerate() {
            for (field, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                if let Some(r) = ident::at(e, &format!("/valueFrom/{field}")) {
                    refs.push(Ref {
                        path: c.at(&format!("/env/{i}/valueFrom/{field}/name")),
                        kind,
                        name: name_of(r, "name"),
                        optional: optional(r),
                    });
                }
            }
        }
        let env_from = c.value.get("envFrom").and_then(Value::as_array);
        for (i, e) in env_from.into_iter().flatten().enumerate() {
            for (field, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                if let Some(r) = e.get(field) {
                    refs.push(Ref {
                        path: c.at(&format!("/envFrom/{i}/{field}/name")),
                        kind,
                        name: name_of(r, "name"),
                        optional: optional(r),
                    });
                }
            }
        }
    }
    let namespace = ident::namespace(s.object);
    for r in refs {
        if r.optional || r.name.is_empty() || facts.named(r.kind, namespace, &r.name).is_some() {
            continue;
        }
        sink.push(
            r.path,
            format!(
                "refers to {} {:?}, which is not among the checked objects in namespace {namespace:?}",
                r.kind, r.name
            ),
        );
    }
}
